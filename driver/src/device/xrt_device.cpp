// XRT backend (Alveo boards): xrt::device opens the board, xrt::ip reaches the hubsec_card kernel's
// AXI4-Lite registers, xrt::bo host-only buffers are the DMA memory (the card reads and writes them
// through the host-memory bridge). The data path runs on the rings; XRT is used for bring-up, registers
// and memory only (a per-packet xrt::run would be far too slow).
#include <experimental/xrt_ip.h>
#include <experimental/xrt_system.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>

#include <cstdlib>
#include <cstring>

#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/device/polled_interrupt.hpp"

namespace hubsec::driver::device {
namespace {

constexpr const char* kKernelName = "hubsec_card:{hubsec_card_1}";

class XrtDmaBuffer final : public DmaBuffer {
 public:
  XrtDmaBuffer(xrt::bo bo, std::size_t bytes)
      : DmaBuffer({bo.map<std::uint8_t*>(), bytes}, bo.address()), bo_(std::move(bo)) {}

 private:
  xrt::bo bo_;
};

class XrtDevice final : public Device {
 public:
  XrtDevice(unsigned index, xrt::device device, xrt::ip ip)
      : index_(index), device_(std::move(device)), ip_(std::move(ip)) {}

  std::string name() const override { return "xrt:" + std::to_string(index_); }
  std::uint32_t read32(std::uint32_t offset) override { return ip_.read_register(offset); }
  void write32(std::uint32_t offset, std::uint32_t value) override { ip_.write_register(offset, value); }
  std::unique_ptr<DmaBuffer> alloc_dma(std::size_t bytes) override {
    try {
      xrt::bo bo(device_, bytes, xrt::bo::flags::host_only, 0);
      std::memset(bo.map<std::uint8_t*>(), 0, bytes);
      return std::make_unique<XrtDmaBuffer>(std::move(bo), bytes);
    } catch (const std::exception& e) {
      error_ = std::string("xrt::bo: ") + e.what();
      return nullptr;
    }
  }
  bool wait_interrupt(std::chrono::microseconds timeout) override {
    return poll_for_interrupt(*this, timeout);
  }
  std::string last_error() const override { return error_; }

 private:
  unsigned index_;
  xrt::device device_;
  xrt::ip ip_;
  std::string error_;
};

}  // namespace

bool xrt_backend_built() {
  return true;
}

Discovery discover_xrt() {
  Discovery found;
  try {
    const std::size_t count = xrt::system::enumerate_devices();
    for (std::size_t i = 0; i < count; ++i) {
      found.devices.push_back({"xrt:" + std::to_string(i), "XRT device " + std::to_string(i)});
    }
    found.notes.push_back("xrt: " + std::to_string(count) + " device(s)");
  } catch (const std::exception& e) {
    found.notes.push_back(std::string("xrt: no card (") + e.what() + ")");
  }
  return found;
}

OpenedDevice open_xrt_device(unsigned index) {
  try {
    xrt::device device(index);
    // An xclbin with the hubsec_card kernel must be loaded (xbutil / HUBSEC_XCLBIN).
    if (const char* xclbin = std::getenv("HUBSEC_XCLBIN")) device.load_xclbin(std::string(xclbin));
    xrt::ip ip(device, device.get_xclbin_uuid(), kKernelName);
    return {std::make_unique<XrtDevice>(index, std::move(device), std::move(ip)), {}};
  } catch (const std::exception& e) {
    return {nullptr, "xrt:" + std::to_string(index) + ": no card (" + e.what() + ")"};
  }
}

}  // namespace hubsec::driver::device
