// Built instead of xrt_device.cpp when libxrt-dev is not installed.
#include "hubsec/driver/device/discovery.hpp"

namespace hubsec::driver::device {

bool xrt_backend_built() {
  return false;
}

Discovery discover_xrt() {
  return {{}, {"xrt: this build has no XRT backend (libxrt-dev not found)"}};
}

OpenedDevice open_xrt_device(unsigned index) {
  return {nullptr, "xrt:" + std::to_string(index) + ": this build has no XRT backend"};
}

}  // namespace hubsec::driver::device
