// Built instead of sim_device.cpp when the RTL is not verilated (HUBSEC_BUILD_RTL=OFF).
#include "hubsec/driver/device/discovery.hpp"

namespace hubsec::driver::device {

OpenedDevice open_sim_device(const SimDeviceOptions&) {
  return {nullptr, "sim: this build has no Verilator card (configured with HUBSEC_BUILD_RTL=OFF)"};
}

bool sim_device_available() {
  return false;
}

}  // namespace hubsec::driver::device
