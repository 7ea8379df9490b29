// Finding and opening cards: the Verilator model, PCI functions found by libpci, XRT devices.
// A spec names one device: "sim", "pci:BDF" (e.g. pci:0000:3b:00.0), "xrt:N".
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hubsec/driver/device/device.hpp"

namespace hubsec::driver::device {

struct FoundDevice {
  std::string spec;         // what open_device() takes
  std::string description;  // vendor/device ids, shell name, ...
};

// Every backend's findings; a backend that cannot look (no permission, no XRT runtime) says so in
// `notes` instead of failing.
struct Discovery {
  std::vector<FoundDevice> devices;
  std::vector<std::string> notes;
};

// Xilinx PCI functions whose device id is one the hubsec card uses (docs/hw-interface.md).
Discovery discover_pci();
// XRT devices (Alveo boards with the XRT driver loaded).
Discovery discover_xrt();
// All of the above, plus the Verilator card when this build has it.
Discovery discover_all();

struct OpenedDevice {
  std::unique_ptr<Device> device;  // null on failure
  std::string error;
};

struct SimDeviceOptions {
  std::string fst_path;  // non-empty: write an FST waveform
  unsigned dma_stall_permille = 0;
};

OpenedDevice open_device(std::string_view spec, const SimDeviceOptions& sim_options = {});
OpenedDevice open_pci_device(std::string_view bdf);
OpenedDevice open_xrt_device(unsigned index);
OpenedDevice open_sim_device(const SimDeviceOptions& options = {});
bool sim_device_available();
bool xrt_backend_built();

}  // namespace hubsec::driver::device
