// Tests and benches that run the Verilator card through a Device reach the simulator behind it here
// (cycle and DMA statistics, AXI protocol checks). Only in builds with the RTL (HUBSEC_BUILD_RTL).
#pragma once

#include "hubsec/driver/device/device.hpp"
#include "hubsec/sim/sim_card.hpp"

namespace hubsec::driver::device {

// The SimCard behind `device`, or nullptr if it is not the Verilator card.
sim::SimCard* sim_card_of(Device& device);

}  // namespace hubsec::driver::device
