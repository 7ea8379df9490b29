// CardQueue: one queue of the card seen from the host: a descriptor ring and a completion ring in DMA
// memory, the doorbell, and the completion phase bit. post() only writes descriptors; ring_doorbell()
// tells the card about all of them with one register write. poll() reads completions by phase bit (no
// register read) and returns the ring space with one CPL_HEAD write per call. Descriptor slots become
// free again as completions report the card's consumer index. Not thread-safe: one thread per queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "hubsec/driver/device/card_layout.hpp"
#include "hubsec/driver/device/device.hpp"

namespace hubsec::driver::device {

class CardQueue {
 public:
  // Allocates both rings and programs queue `index` (0 = control queue). nullptr + reason on failure.
  static std::unique_ptr<CardQueue> create(Device& device, unsigned index, unsigned ring_log2,
                                           std::string* error);

  [[nodiscard]] unsigned index() const { return index_; }
  [[nodiscard]] std::uint32_t capacity() const { return capacity_; }
  // Descriptors that can be posted now.
  [[nodiscard]] std::uint32_t free_slots() const { return capacity_ - (producer_ - card_consumer_); }
  // Jobs posted whose completion has not been polled.
  [[nodiscard]] std::uint32_t in_flight() const { return producer_ - cpl_head_; }

  // Copies as many descriptors as fit into the ring; returns how many. Nothing reaches the card before
  // ring_doorbell().
  std::size_t post(std::span<const card::Desc> descriptors);
  void ring_doorbell();
  std::size_t poll(std::span<card::Cpl> out);
  // As poll(), but the completion slots stay owned by the host until return_completion_space(): a host
  // that works on completions in place. The card stalls (never drops) when the ring fills meanwhile.
  std::size_t poll_keep(std::span<card::Cpl> out);
  void return_completion_space();
  [[nodiscard]] bool completion_ready() const;

  // Interrupt after `count` completions or `time_cycles` card cycles after the first (0 = off).
  void set_interrupt_moderation(std::uint32_t count, std::uint32_t time_cycles);
  void arm_interrupt();
  // Arms, then waits for this queue's interrupt unless a completion is already there. Clears the
  // queue's IRQ_STATUS bit. True if a completion is ready.
  bool wait_for_completion(std::chrono::microseconds timeout);

  // After a card reset: zero the rings, restart the indices at 0, program the registers again. Jobs
  // that were in flight are gone; the caller completes them with an error.
  void reprogram();

  [[nodiscard]] std::uint32_t doorbells() const { return doorbells_; }

 private:
  CardQueue(Device& device, unsigned index, unsigned ring_log2, std::unique_ptr<DmaBuffer> desc_ring,
            std::unique_ptr<DmaBuffer> cpl_ring);
  [[nodiscard]] std::uint32_t reg(std::uint32_t qreg_offset) const {
    return card::queue_reg(index_, qreg_offset);
  }

  Device& device_;
  unsigned index_;
  unsigned ring_log2_;
  std::uint32_t capacity_;
  std::unique_ptr<DmaBuffer> desc_ring_;
  std::unique_ptr<DmaBuffer> cpl_ring_;
  std::uint32_t producer_ = 0;       // descriptors written into the ring
  std::uint32_t doorbell_ = 0;       // producer value the card has been told
  std::uint32_t card_consumer_ = 0;  // descriptors the card has taken (from completions)
  std::uint32_t cpl_head_ = 0;       // completions consumed
  std::uint32_t cpl_returned_ = 0;   // CPL_HEAD value the card has been told
  std::uint32_t irq_count_ = 1, irq_time_ = 0;
  std::uint32_t doorbells_ = 0;
};

}  // namespace hubsec::driver::device
