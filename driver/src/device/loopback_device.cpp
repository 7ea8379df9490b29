// LoopbackDevice: a software model of the card's queue protocol that completes every job at once, inside
// the doorbell write. Its datapath is the placeholder's (copy, SA slots with generations), and CAPS says
// PLACEHOLDER_DATAPATH. It exists to measure the host's cost per job through the rings without a
// simulator in the way (bench), and to run the rings where the RTL is not built. The time it spends
// serving jobs is kept apart (model_cpu_ns) so that a bench can subtract it from the caller's CPU time.
#include "hubsec/driver/device/loopback_device.hpp"

#include <cstdlib>
#include <cstring>
#include <map>

#include "hubsec/driver/device/card_layout.hpp"

namespace hubsec::driver::device {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::uint32_t kQueues = 4;
constexpr std::uint32_t kSlots = 64;
constexpr std::uint32_t kMaxPacket = 9216;

// A cheap clock (vDSO): the model is timed on every doorbell, so a syscall clock would itself be most
// of what it measures.
std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

class HeapDmaBuffer final : public DmaBuffer {
 public:
  HeapDmaBuffer(std::map<std::uint64_t, std::size_t>& live, std::uint8_t* memory, std::size_t bytes)
      : DmaBuffer({memory, bytes}, reinterpret_cast<std::uintptr_t>(memory)), live_(live), memory_(memory) {
    live_[bus_address()] = bytes;
  }
  ~HeapDmaBuffer() override {
    live_.erase(bus_address());
    std::free(memory_);
  }

 private:
  std::map<std::uint64_t, std::size_t>& live_;
  std::uint8_t* memory_;
};

struct Queue {
  std::uint64_t desc_base = 0, cpl_base = 0;
  std::uint32_t ring_log2 = 0, enable = 0, producer = 0, consumer = 0, cpl_head = 0, cpl_tail = 0;
  std::uint32_t irq_count = 0, irq_time = 0, armed = 0, pending = 0, halted = 0;
};

class LoopbackDevice final : public Device, public LoopbackStats {
 public:
  std::string name() const override { return "loopback"; }

  std::uint32_t read32(std::uint32_t offset) override {
    namespace r = card::reg;
    switch (offset) {
      case r::kId: return card::kCardId;
      case r::kVersion: return card::kCardVersion;
      case r::kCaps: return card::kCapPlaceholderDatapath;
      case r::kSaSlots: return kSlots;
      case r::kQueues: return kQueues;
      case r::kRingLog2Max: return card::kMaxRingLog2;
      case r::kMaxPacket: return kMaxPacket;
      case r::kControl: return control_;
      case r::kStatus: return control_ & card::kCtrlEnable ? card::kStatEnabled : 0u;
      case r::kIrqStatus: return irq_status_;
      case r::kIrqMask: return irq_mask_;
      case r::kJobsDone: return jobs_done_;
      default: break;
    }
    Queue* q = queue_at(offset);
    if (q == nullptr) return 0;
    namespace qr = card::qreg;
    switch (offset % card::kQueueBlockStride) {
      case qr::kDescBaseLo: return static_cast<std::uint32_t>(q->desc_base);
      case qr::kDescBaseHi: return static_cast<std::uint32_t>(q->desc_base >> 32);
      case qr::kCplBaseLo: return static_cast<std::uint32_t>(q->cpl_base);
      case qr::kCplBaseHi: return static_cast<std::uint32_t>(q->cpl_base >> 32);
      case qr::kRingLog2: return q->ring_log2;
      case qr::kQControl: return q->enable;
      case qr::kProducer: return q->producer;
      case qr::kConsumer: return q->consumer;
      case qr::kCplHead: return q->cpl_head;
      case qr::kCplTail: return q->cpl_tail;
      case qr::kIrqCount: return q->irq_count;
      case qr::kIrqTime: return q->irq_time;
      case qr::kIrqArm: return q->armed;
      case qr::kQStatus: return q->enable | (q->halted << 1);
      default: return 0;
    }
  }

  void write32(std::uint32_t offset, std::uint32_t value) override {
    namespace r = card::reg;
    if (offset == r::kControl) {
      if (value & card::kCtrlReset) {
        // As the RTL: queues, interrupts and SA slots cleared; DMA memory stays with the host.
        control_ = irq_status_ = irq_mask_ = jobs_done_ = 0;
        irq_seen_ = false;
        for (Queue& q : queues_) q = Queue{};
        for (Slot& s : slots_) s = Slot{};
        return;
      }
      control_ = value & card::kCtrlEnable;
      serve_all();
      return;
    }
    if (offset == r::kIrqStatus) {
      irq_status_ &= ~value;
      return;
    }
    if (offset == r::kIrqMask) {
      irq_mask_ = value;
      return;
    }
    Queue* q = queue_at(offset);
    if (q == nullptr) return;
    namespace qr = card::qreg;
    switch (offset % card::kQueueBlockStride) {
      case qr::kDescBaseLo: q->desc_base = (q->desc_base & ~0xffffffffull) | value; break;
      case qr::kDescBaseHi: q->desc_base = (q->desc_base & 0xffffffffull) | std::uint64_t{value} << 32; break;
      case qr::kCplBaseLo: q->cpl_base = (q->cpl_base & ~0xffffffffull) | value; break;
      case qr::kCplBaseHi: q->cpl_base = (q->cpl_base & 0xffffffffull) | std::uint64_t{value} << 32; break;
      case qr::kRingLog2: q->ring_log2 = std::min<std::uint32_t>(value, card::kMaxRingLog2); break;
      case qr::kQControl: q->enable = value & card::kQctrlEnable; break;
      case qr::kProducer: q->producer = value; break;
      case qr::kCplHead: q->cpl_head = value; break;
      case qr::kIrqCount: q->irq_count = value; break;
      case qr::kIrqTime: q->irq_time = value; break;
      case qr::kIrqArm: q->armed = value & 1; break;
      default: break;
    }
    const auto index = static_cast<std::uint32_t>((offset - card::kQueueBlockBase) / card::kQueueBlockStride);
    serve(index);
  }

  std::unique_ptr<DmaBuffer> alloc_dma(std::size_t bytes) override {
    const std::size_t rounded = ((bytes == 0 ? 1 : bytes) + kPage - 1) / kPage * kPage;
    auto* memory = static_cast<std::uint8_t*>(std::aligned_alloc(kPage, rounded));
    if (memory == nullptr) return nullptr;
    std::memset(memory, 0, rounded);
    return std::make_unique<HeapDmaBuffer>(live_, memory, rounded);
  }

  bool wait_interrupt(std::chrono::microseconds) override {
    const bool raised = (irq_status_ & irq_mask_) != 0 && !irq_seen_;
    irq_seen_ = raised || (irq_status_ & irq_mask_) != 0;
    return raised;
  }

  std::uint64_t model_cpu_ns() const override { return model_ns_; }
  void set_deferred(bool deferred) override { deferred_ = deferred; }
  void run() override {
    const bool was = deferred_;
    deferred_ = false;
    serve_all();
    deferred_ = was;
  }

 private:
  Queue* queue_at(std::uint32_t offset) {
    if (offset < card::kQueueBlockBase) return nullptr;
    const std::uint32_t index = (offset - card::kQueueBlockBase) / card::kQueueBlockStride;
    return index < kQueues ? &queues_[index] : nullptr;
  }

  // The host memory behind [bus, bus + bytes), or nullptr: a fault.
  std::uint8_t* at(std::uint64_t bus, std::size_t bytes) {
    auto it = live_.upper_bound(bus);
    if (it == live_.begin()) return nullptr;
    --it;
    if (bus - it->first > it->second || bytes > it->second - (bus - it->first)) return nullptr;
    return reinterpret_cast<std::uint8_t*>(static_cast<std::uintptr_t>(bus));
  }

  void serve_all() {
    for (std::uint32_t q = 0; q < kQueues; ++q) serve(q);
  }

  void serve(std::uint32_t index) {
    Queue& q = queues_[index];
    if (deferred_ || !(control_ & card::kCtrlEnable) || !q.enable || q.halted || q.producer == q.consumer)
      return;
    const std::uint64_t start = now_ns();
    const std::uint32_t size = 1u << q.ring_log2;
    while (q.producer != q.consumer && q.cpl_tail - q.cpl_head < size) {
      auto* desc =
          reinterpret_cast<card::Desc*>(at(q.desc_base + std::uint64_t{q.consumer & (size - 1)} * 64, 64));
      auto* slot = at(q.cpl_base + std::uint64_t{q.cpl_tail & (size - 1)} * 32, 32);
      if (desc == nullptr || slot == nullptr) {
        q.halted = 1;
        irq_status_ |= 1u << index;
        break;
      }
      ++q.consumer;
      card::Cpl cpl{};
      cpl.cookie = desc->cookie;
      cpl.sa_slot = desc->sa_slot;
      cpl.seq_lo = static_cast<std::uint32_t>(desc->seq);
      cpl.next_header = desc->next_header;
      cpl.status = static_cast<std::uint8_t>(execute(*desc, index == 0, cpl.out_len));
      cpl.consumer = q.consumer;
      cpl.phase = static_cast<std::uint8_t>(((q.cpl_tail >> q.ring_log2) & 1u) ^ 1u);
      std::memcpy(slot, &cpl, sizeof cpl);
      ++q.cpl_tail;
      ++jobs_done_;
      ++q.pending;
      if (q.armed && q.pending >= std::max(1u, q.irq_count)) {
        q.armed = 0;
        q.pending = 0;
        irq_status_ |= 1u << index;
        irq_seen_ = false;
      }
    }
    model_ns_ += now_ns() - start;
  }

  card::Status execute(const card::Desc& d, bool control_queue, std::uint32_t& out_len) {
    using card::Opcode;
    using card::Status;
    const auto op = static_cast<Opcode>(d.opcode);
    const bool data_op = op == Opcode::kEncrypt || op == Opcode::kDecrypt;
    const bool control_op =
        op == Opcode::kSaWrite || op == Opcode::kSaInvalidate || op == Opcode::kSaReadCounters;
    if (!(data_op || control_op) || control_op != control_queue) return Status::kBadOpcode;
    if (d.sa_slot >= kSlots) return Status::kUnknownSa;
    Slot& s = slots_[d.sa_slot];
    if (op == Opcode::kSaWrite) {
      const auto* record = reinterpret_cast<const card::SaRecord*>(at(d.src_addr, sizeof(card::SaRecord)));
      if (d.src_len != sizeof(card::SaRecord)) return Status::kBadLength;
      if (record == nullptr) return Status::kDmaError;
      if (record->generation != d.sa_gen) return Status::kStaleSa;
      s = Slot{(record->flags & card::kSaFlagValid) != 0, d.sa_gen, 0, 0};
      return Status::kOk;
    }
    if (op == Opcode::kSaInvalidate) {
      s.valid = false;
      return Status::kOk;
    }
    if (op == Opcode::kSaReadCounters) {
      auto* out = at(d.dst_addr, sizeof(card::SaCounters));
      if (out == nullptr) return Status::kDmaError;
      card::SaCounters c{};
      c.packets = s.packets;
      c.bytes = s.bytes;
      c.generation = s.generation;
      c.valid = s.valid;
      std::memcpy(out, &c, sizeof c);
      return Status::kOk;
    }
    if (!s.valid) return Status::kUnknownSa;
    if (s.generation != d.sa_gen) return Status::kStaleSa;
    if (d.in_offset > d.src_len || d.src_len > kMaxPacket ||
        std::size_t{d.src_len} - d.in_offset + d.out_offset > d.dst_cap) {
      return Status::kBadLength;
    }
    const std::size_t len = std::size_t{d.src_len} - d.in_offset;
    const std::uint8_t* src = at(d.src_addr + d.in_offset, len);
    std::uint8_t* dst = at(d.dst_addr + d.out_offset, len);
    if (src == nullptr || dst == nullptr) return Status::kDmaError;
    std::memcpy(dst, src, len);
    out_len = static_cast<std::uint32_t>(len);
    ++s.packets;
    s.bytes += len;
    return Status::kOk;
  }

  struct Slot {
    bool valid = false;
    std::uint16_t generation = 0;
    std::uint64_t packets = 0, bytes = 0;
  };

  std::map<std::uint64_t, std::size_t> live_;
  std::uint32_t control_ = 0, irq_status_ = 0, irq_mask_ = 0, jobs_done_ = 0;
  bool irq_seen_ = false;
  bool deferred_ = false;
  Queue queues_[kQueues]{};
  Slot slots_[kSlots]{};
  std::uint64_t model_ns_ = 0;
};

}  // namespace

OpenedDevice open_loopback_device() {
  return {std::make_unique<LoopbackDevice>(), {}};
}

LoopbackStats* loopback_stats(Device& device) {
  return dynamic_cast<LoopbackStats*>(&device);
}

}  // namespace hubsec::driver::device
