#include "hubsec/driver/device/discovery.hpp"

#include <charconv>

#include "hubsec/driver/device/loopback_device.hpp"

namespace hubsec::driver::device {

Discovery discover_all() {
  Discovery all;
  for (Discovery part : {discover_pci(), discover_xrt()}) {
    all.devices.insert(all.devices.end(), part.devices.begin(), part.devices.end());
    all.notes.insert(all.notes.end(), part.notes.begin(), part.notes.end());
  }
  if (sim_device_available()) {
    all.devices.push_back({"sim", "Verilator model of hubsec_card (hw/sim)"});
  }
  return all;
}

OpenedDevice open_device(std::string_view spec, const SimDeviceOptions& sim_options) {
  if (spec == "sim") return open_sim_device(sim_options);
  if (spec == "loopback") return open_loopback_device();
  if (spec.starts_with("pci:")) return open_pci_device(spec.substr(4));
  if (spec.starts_with("xrt:")) {
    const std::string_view number = spec.substr(4);
    unsigned index = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
    if (ec != std::errc{} || end != number.data() + number.size()) {
      return {nullptr, "bad device spec '" + std::string(spec) + "': xrt:N wants a number"};
    }
    return open_xrt_device(index);
  }
  return {nullptr, "bad device spec '" + std::string(spec) + "': use sim, loopback, pci:BDF or xrt:N"};
}

}  // namespace hubsec::driver::device
