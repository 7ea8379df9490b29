#include "hubsec/driver/device/polled_interrupt.hpp"

#include <thread>

#include "hubsec/driver/device/card_layout.hpp"

namespace hubsec::driver::device {

bool poll_for_interrupt(Device& device, std::chrono::microseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::uint32_t pending = device.read32(card::reg::kIrqStatus) & device.read32(card::reg::kIrqMask);
    if (pending != 0 && pending != 0xffffffffu) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

}  // namespace hubsec::driver::device
