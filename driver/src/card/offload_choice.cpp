#include "hubsec/driver/device/offload_choice.hpp"

#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"

namespace hubsec::driver::device {
namespace {

std::unique_ptr<CardEspOffload> open_card(std::string_view device_spec,
                                          const CardEspOffload::Options& options, std::string& why) {
  std::string spec(device_spec);
  if (spec.empty()) {
    const Discovery found = discover_pci();
    const Discovery xrt = discover_xrt();
    if (!xrt.devices.empty())
      spec = xrt.devices.front().spec;  // XRT gives DMA memory, PCI alone does not
    else if (!found.devices.empty())
      spec = found.devices.front().spec;
    if (spec.empty()) {
      why = "no card found";
      for (const auto& note : found.notes) why += "; " + note;
      for (const auto& note : xrt.notes) why += "; " + note;
      return nullptr;
    }
  }
  OpenedDevice opened = open_device(spec);
  if (!opened.device) {
    why = opened.error;
    return nullptr;
  }
  return CardEspOffload::create(std::move(opened.device), options, &why);
}

}  // namespace

OffloadChoice choose_offload(std::string_view backend, std::string_view device_spec,
                             const CardEspOffload::Options& card_options) {
  OffloadChoice choice;
  if (backend == "soft") {
    choice.offload = std::make_unique<SoftEspOffload>();
    choice.backend = "soft";
    return choice;
  }
  if (backend != "card" && backend != "auto") {
    choice.reason = "unknown ESP backend '" + std::string(backend) + "' (card, soft or auto)";
    return choice;
  }
  std::string why;
  if (auto card = open_card(device_spec, card_options, why)) {
    choice.backend = std::string(card->capabilities().backend);
    choice.offload = std::move(card);
    return choice;
  }
  if (backend == "card") {
    choice.reason = "card backend unavailable: " + why;
    return choice;
  }
  choice.offload = std::make_unique<SoftEspOffload>();
  choice.backend = "soft";
  choice.reason = "auto: using soft because " + why;
  return choice;
}

}  // namespace hubsec::driver::device
