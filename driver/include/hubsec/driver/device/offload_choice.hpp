// Choosing the gateway's ESP backend: "soft" (OpenSSL), "card" (a card, or fail), or "auto" (a card if one
// is usable, else soft; only auto falls back, and it says why).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "hubsec/driver/device/card_esp_offload.hpp"
#include "hubsec/driver/esp_offload.hpp"

namespace hubsec::driver::device {

struct OffloadChoice {
  std::unique_ptr<EspOffload> offload;  // null when `card` was demanded and none is usable
  std::string backend;                  // "soft", "card:sim", ...
  std::string reason;                   // why soft was chosen (auto), or why card failed
};

// backend: "soft" | "card" | "auto". device_spec: "sim", "pci:BDF", "xrt:N", or empty = the first card
// that discovery finds (PCI/XRT; the Verilator card only when named).
OffloadChoice choose_offload(std::string_view backend, std::string_view device_spec,
                             const CardEspOffload::Options& card_options = {});

}  // namespace hubsec::driver::device
