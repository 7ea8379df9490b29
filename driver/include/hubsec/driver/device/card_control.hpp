// Card-wide registers: identity and capabilities, enable, reset.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hubsec/driver/device/device.hpp"

namespace hubsec::driver::device {

struct CardIdentity {
  std::uint32_t version = 0;
  std::uint32_t caps = 0;
  std::uint32_t sa_slots = 0;
  std::uint32_t queues = 0;
  std::uint32_t ring_log2_max = 0;
  std::uint32_t max_packet = 0;
  [[nodiscard]] bool placeholder_datapath() const;
  [[nodiscard]] std::string describe() const;
};

// Reads and checks ID and VERSION (major must match card_layout.hpp); nullopt + reason otherwise.
std::optional<CardIdentity> read_identity(Device& device, std::string* error);
void enable_card(Device& device, bool enable);
// CONTROL.RESET, then waits until the card reports it done. False if it never finishes.
bool reset_card(Device& device, std::chrono::milliseconds timeout);

}  // namespace hubsec::driver::device
