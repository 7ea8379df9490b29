#include "hubsec/driver/device/card_control.hpp"

#include <thread>

#include "hubsec/driver/device/card_layout.hpp"

namespace hubsec::driver::device {

bool CardIdentity::placeholder_datapath() const {
  return (caps & card::kCapPlaceholderDatapath) != 0;
}

std::string CardIdentity::describe() const {
  std::string text =
      "hubsec card v" + std::to_string(version >> 16) + "." + std::to_string(version & 0xffff) + ": " +
      std::to_string(queues) + " queues (1 control), rings up to " + std::to_string(1u << ring_log2_max) +
      ", " + std::to_string(sa_slots) + " SA slots, packets up to " + std::to_string(max_packet) + " B";
  if (placeholder_datapath()) text += ", PLACEHOLDER datapath (copy engine, no ESP)";
  return text;
}

std::optional<CardIdentity> read_identity(Device& device, std::string* error) {
  const std::uint32_t id = device.read32(card::reg::kId);
  if (id != card::kCardId) {
    if (error) *error = device.name() + ": ID register reads " + std::to_string(id) + ", not a hubsec card";
    return std::nullopt;
  }
  CardIdentity identity;
  identity.version = device.read32(card::reg::kVersion);
  if ((identity.version >> 16) != (card::kCardVersion >> 16)) {
    if (error)
      *error = device.name() + ": card layout version " + std::to_string(identity.version >> 16) +
               " differs from the driver's " + std::to_string(card::kCardVersion >> 16);
    return std::nullopt;
  }
  identity.caps = device.read32(card::reg::kCaps);
  identity.sa_slots = device.read32(card::reg::kSaSlots);
  identity.queues = device.read32(card::reg::kQueues);
  identity.ring_log2_max = device.read32(card::reg::kRingLog2Max);
  identity.max_packet = device.read32(card::reg::kMaxPacket);
  if (identity.queues < 2 || identity.queues > card::kMaxQueues ||
      identity.ring_log2_max > card::kMaxRingLog2) {
    if (error) *error = device.name() + ": implausible capabilities";
    return std::nullopt;
  }
  return identity;
}

void enable_card(Device& device, bool enable) {
  device.write32(card::reg::kControl, enable ? card::kCtrlEnable : 0u);
}

bool reset_card(Device& device, std::chrono::milliseconds timeout) {
  device.write32(card::reg::kControl, card::kCtrlReset);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((device.read32(card::reg::kControl) & card::kCtrlReset) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return true;
}

}  // namespace hubsec::driver::device
