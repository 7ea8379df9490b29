#include "hubsec/driver/device/card_queue.hpp"

#include <atomic>
#include <cstring>

namespace hubsec::driver::device {

std::unique_ptr<CardQueue> CardQueue::create(Device& device, unsigned index, unsigned ring_log2,
                                             std::string* error) {
  if (index >= card::kMaxQueues || ring_log2 > card::kMaxRingLog2) {
    if (error) *error = "queue " + std::to_string(index) + ": index or ring size out of range";
    return nullptr;
  }
  const std::size_t entries = std::size_t{1} << ring_log2;
  auto desc_ring = device.alloc_dma(entries * card::kDescBytes);
  auto cpl_ring = device.alloc_dma(entries * card::kCplBytes);
  if (!desc_ring || !cpl_ring) {
    if (error) *error = device.name() + ": no DMA memory for queue rings: " + device.last_error();
    return nullptr;
  }
  auto queue = std::unique_ptr<CardQueue>(
      new CardQueue(device, index, ring_log2, std::move(desc_ring), std::move(cpl_ring)));
  queue->reprogram();
  return queue;
}

CardQueue::CardQueue(Device& device, unsigned index, unsigned ring_log2, std::unique_ptr<DmaBuffer> desc_ring,
                     std::unique_ptr<DmaBuffer> cpl_ring)
    : device_(device),
      index_(index),
      ring_log2_(ring_log2),
      capacity_(1u << ring_log2),
      desc_ring_(std::move(desc_ring)),
      cpl_ring_(std::move(cpl_ring)) {}

void CardQueue::reprogram() {
  std::memset(desc_ring_->data(), 0, desc_ring_->size());
  std::memset(cpl_ring_->data(), 0, cpl_ring_->size());
  producer_ = doorbell_ = card_consumer_ = cpl_head_ = cpl_returned_ = 0;
  const std::uint64_t desc = desc_ring_->bus_address(), cpl = cpl_ring_->bus_address();
  device_.write32(reg(card::qreg::kDescBaseLo), static_cast<std::uint32_t>(desc));
  device_.write32(reg(card::qreg::kDescBaseHi), static_cast<std::uint32_t>(desc >> 32));
  device_.write32(reg(card::qreg::kCplBaseLo), static_cast<std::uint32_t>(cpl));
  device_.write32(reg(card::qreg::kCplBaseHi), static_cast<std::uint32_t>(cpl >> 32));
  device_.write32(reg(card::qreg::kRingLog2), ring_log2_);
  device_.write32(reg(card::qreg::kProducer), 0);
  device_.write32(reg(card::qreg::kCplHead), 0);
  device_.write32(reg(card::qreg::kIrqCount), irq_count_);
  device_.write32(reg(card::qreg::kIrqTime), irq_time_);
  device_.write32(reg(card::qreg::kQControl), card::kQctrlEnable);
  device_.write32(card::reg::kIrqMask, device_.read32(card::reg::kIrqMask) | (1u << index_));
}

std::size_t CardQueue::post(std::span<const card::Desc> descriptors) {
  const std::size_t n = std::min<std::size_t>(descriptors.size(), free_slots());
  auto* ring = reinterpret_cast<card::Desc*>(desc_ring_->data());
  for (std::size_t i = 0; i < n; ++i) {
    ring[producer_ & (capacity_ - 1)] = descriptors[i];
    ++producer_;
  }
  return n;
}

void CardQueue::ring_doorbell() {
  if (producer_ == doorbell_) return;
  // The descriptors must be in memory before the card can see the new producer index.
  std::atomic_thread_fence(std::memory_order_release);
  device_.write32(reg(card::qreg::kProducer), producer_);
  doorbell_ = producer_;
  ++doorbells_;
}

bool CardQueue::completion_ready() const {
  std::uint8_t* slot = cpl_ring_->data() + std::size_t{cpl_head_ & (capacity_ - 1)} * card::kCplBytes;
  const std::uint8_t expected = ((cpl_head_ >> ring_log2_) & 1u) ^ 1u;
  return std::atomic_ref<std::uint8_t>(slot[offsetof(card::Cpl, phase)]).load(std::memory_order_acquire) ==
         expected;
}

std::size_t CardQueue::poll(std::span<card::Cpl> out) {
  const std::size_t n = poll_keep(out);
  if (n > 0) return_completion_space();
  return n;
}

void CardQueue::return_completion_space() {
  if (cpl_returned_ == cpl_head_) return;
  device_.write32(reg(card::qreg::kCplHead), cpl_head_);
  cpl_returned_ = cpl_head_;
}

std::size_t CardQueue::poll_keep(std::span<card::Cpl> out) {
  std::size_t n = 0;
  while (n < out.size() && completion_ready()) {
    const std::uint8_t* slot = cpl_ring_->data() + std::size_t{cpl_head_ & (capacity_ - 1)} * card::kCplBytes;
    std::memcpy(&out[n], slot, sizeof(card::Cpl));
    card_consumer_ = out[n].consumer;
    ++cpl_head_;
    ++n;
  }
  return n;
}

void CardQueue::set_interrupt_moderation(std::uint32_t count, std::uint32_t time_cycles) {
  irq_count_ = count;
  irq_time_ = time_cycles;
  device_.write32(reg(card::qreg::kIrqCount), count);
  device_.write32(reg(card::qreg::kIrqTime), time_cycles);
}

void CardQueue::arm_interrupt() {
  device_.write32(reg(card::qreg::kIrqArm), 1);
}

bool CardQueue::wait_for_completion(std::chrono::microseconds timeout) {
  if (completion_ready()) return true;
  arm_interrupt();
  if (!completion_ready()) device_.wait_interrupt(timeout);
  device_.write32(card::reg::kIrqStatus, 1u << index_);
  return completion_ready();
}

}  // namespace hubsec::driver::device
