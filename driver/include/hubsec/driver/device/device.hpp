// Device: what the driver needs from a card, whatever carries it (the Verilator model, a PCI BAR, XRT):
// 32-bit register reads and writes, memory the card can reach by DMA, and a way to wait for its
// interrupt. Rings and the card backend of EspOffload are written against this interface only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace hubsec::driver::device {

// Host memory the card can reach: the host's view and the bus address the card uses for it. Zeroed and
// page aligned when allocated; released (and unmapped from the card) when destroyed.
class DmaBuffer {
 public:
  virtual ~DmaBuffer() = default;
  DmaBuffer(const DmaBuffer&) = delete;
  DmaBuffer& operator=(const DmaBuffer&) = delete;

  [[nodiscard]] std::span<std::uint8_t> bytes() const { return bytes_; }
  [[nodiscard]] std::uint8_t* data() const { return bytes_.data(); }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] std::uint64_t bus_address() const { return bus_; }

 protected:
  DmaBuffer(std::span<std::uint8_t> bytes, std::uint64_t bus) : bytes_(bytes), bus_(bus) {}

 private:
  std::span<std::uint8_t> bytes_;
  std::uint64_t bus_;
};

class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // "sim", "pci:0000:3b:00.0", "xrt:0".
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual std::uint32_t read32(std::uint32_t offset) = 0;
  virtual void write32(std::uint32_t offset, std::uint32_t value) = 0;
  // nullptr when the memory cannot be had (the reason is in last_error()).
  [[nodiscard]] virtual std::unique_ptr<DmaBuffer> alloc_dma(std::size_t bytes) = 0;
  // Returns true once the interrupt line has been raised since the previous call returned true (edges are
  // remembered, so one raised between a host's last look and this call is not lost), false on timeout.
  virtual bool wait_interrupt(std::chrono::microseconds timeout) = 0;
  [[nodiscard]] virtual std::string last_error() const { return {}; }
};

}  // namespace hubsec::driver::device
