// Interrupt wait for backends that cannot take the card's interrupt (no kernel driver bound to it):
// it polls IRQ_STATUS & IRQ_MASK, which is what the interrupt line is made of.
#pragma once

#include <chrono>

#include "hubsec/driver/device/device.hpp"

namespace hubsec::driver::device {

bool poll_for_interrupt(Device& device, std::chrono::microseconds timeout);

}  // namespace hubsec::driver::device
