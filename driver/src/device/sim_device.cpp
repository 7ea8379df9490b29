// The Verilator card (hw/sim) as a Device.
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/device/sim_access.hpp"
#include "hubsec/sim/sim_card.hpp"

namespace hubsec::driver::device {
namespace {

constexpr std::size_t kPage = 4096;

class SimDmaBuffer final : public DmaBuffer {
 public:
  SimDmaBuffer(sim::DmaAddressMap& map, std::uint8_t* memory, std::size_t bytes)
      : DmaBuffer({memory, bytes}, map.map(memory, bytes)), map_(map), memory_(memory) {}
  ~SimDmaBuffer() override {
    map_.unmap(bus_address());
    std::free(memory_);
  }

 private:
  sim::DmaAddressMap& map_;
  std::uint8_t* memory_;
};

class SimDevice final : public Device {
 public:
  explicit SimDevice(const SimDeviceOptions& options)
      : card_(sim::SimCardOptions{options.fst_path, options.dma_stall_permille, 1}) {
    card_.set_interrupt_callback([this] {
      {
        std::lock_guard lock(mutex_);
        raised_ = true;
      }
      cv_.notify_all();
    });
  }
  ~SimDevice() override { card_.set_interrupt_callback(nullptr); }

  std::string name() const override { return "sim"; }
  std::uint32_t read32(std::uint32_t offset) override { return card_.read32(offset); }
  void write32(std::uint32_t offset, std::uint32_t value) override { card_.write32(offset, value); }

  std::unique_ptr<DmaBuffer> alloc_dma(std::size_t bytes) override {
    const std::size_t rounded = ((bytes == 0 ? 1 : bytes) + kPage - 1) / kPage * kPage;
    auto* memory = static_cast<std::uint8_t*>(std::aligned_alloc(kPage, rounded));
    if (memory == nullptr) return nullptr;
    std::memset(memory, 0, rounded);
    return std::make_unique<SimDmaBuffer>(card_.dma_map(), memory, bytes);
  }

  bool wait_interrupt(std::chrono::microseconds timeout) override {
    std::unique_lock lock(mutex_);
    const bool raised = cv_.wait_for(lock, timeout, [this] { return raised_; });
    raised_ = false;
    return raised;
  }

  sim::SimCard& card() { return card_; }

 private:
  sim::SimCard card_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool raised_ = false;
};

}  // namespace

OpenedDevice open_sim_device(const SimDeviceOptions& options) {
  OpenedDevice opened;
  try {
    opened.device = std::make_unique<SimDevice>(options);
  } catch (const std::exception& e) {
    opened.error = std::string("sim: ") + e.what();
  }
  return opened;
}

bool sim_device_available() {
  return true;
}

sim::SimCard* sim_card_of(Device& device) {
  auto* sim = dynamic_cast<SimDevice*>(&device);
  return sim ? &sim->card() : nullptr;
}

}  // namespace hubsec::driver::device
