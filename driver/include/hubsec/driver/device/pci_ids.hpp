// PCI identities the PCI backend looks for (docs/hw-interface.md, "Device ids").
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace hubsec::driver::device {

constexpr std::uint16_t kXilinxVendorId = 0x10ee;
// U250 user PF (XDMA shell), U55C user PF, and the XDMA example id used at bring-up.
constexpr std::array<std::uint16_t, 5> kCardDeviceIds = {0x5004, 0x5005, 0x5050, 0x5051, 0x903f};

constexpr bool is_card_pci_id(std::uint16_t vendor, std::uint16_t device) {
  return vendor == kXilinxVendorId &&
         std::find(kCardDeviceIds.begin(), kCardDeviceIds.end(), device) != kCardDeviceIds.end();
}

}  // namespace hubsec::driver::device
