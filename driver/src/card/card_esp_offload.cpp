#include "hubsec/driver/device/card_esp_offload.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <thread>

#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/esp_framing.hpp"
#include "hubsec/driver/replay_window.hpp"

namespace hubsec::driver::device {
namespace {

constexpr unsigned kControlRingLog2 = 4;
// Room in a bounce slot beyond the payload: ESP header, IV, up to a block of padding, trailer, ICV.
constexpr std::size_t kEspOverhead = 8 + 16 + 16 + 2 + 16;

EspStatus from_card(std::uint8_t status) {
  switch (static_cast<card::Status>(status)) {
    case card::Status::kOk: return EspStatus::kOk;
    case card::Status::kIcvMismatch: return EspStatus::kIcvMismatch;
    case card::Status::kBadPadding: return EspStatus::kBadPadding;
    case card::Status::kUnknownSa:
    case card::Status::kStaleSa: return EspStatus::kUnknownSa;
    case card::Status::kBadLength: return EspStatus::kBadLength;
    case card::Status::kHardLimit: return EspStatus::kHardLimit;
    case card::Status::kDmaError:
    case card::Status::kBadOpcode: return EspStatus::kDeviceError;
  }
  return EspStatus::kDeviceError;
}

// The counter that a failed job of this status increments (nullptr: none, or the job succeeded).
std::uint64_t* failure_counter(SaCounters& c, EspStatus status) {
  switch (status) {
    case EspStatus::kOk: return nullptr;
    case EspStatus::kIcvMismatch: return &c.icv_failures;
    case EspStatus::kBadPadding: return &c.pad_failures;
    case EspStatus::kReplay: return &c.replay_failures;
    case EspStatus::kUnknownSa: return &c.unknown_sa;
    case EspStatus::kBadLength: return &c.length_failures;
    case EspStatus::kBadHeader: return &c.header_failures;
    case EspStatus::kSeqExhausted: return &c.seq_exhausted;
    case EspStatus::kHardLimit: return &c.hard_limit_drops;
    case EspStatus::kRingFull: return &c.ring_full_drops;
    case EspStatus::kDeviceError: return &c.device_errors;
  }
  return nullptr;
}

}  // namespace

struct CardEspOffload::Sa {
  explicit Sa(const SaParams& p)
      : params(p), framing(EspFraming::from(p)), window(p.replay_window, p.esn, p.initial_seq) {
    counters.last_seq = p.initial_seq;
  }
  // The keys stay here (not only on the card) so that the SA can be reinstalled after a card reset.
  ~Sa() {
    OPENSSL_cleanse(params.enc_key.data(), params.enc_key.size());
    OPENSSL_cleanse(params.auth_key.data(), params.auth_key.size());
  }
  Sa(const Sa&) = delete;
  Sa& operator=(const Sa&) = delete;

  SaParams params;
  EspFraming framing;
  ReplayWindow window;  // inbound only
  SaCounters counters;
  std::uint16_t slot = 0;
  std::uint16_t generation = 0;
};

struct CardEspOffload::Pending {
  bool active = false;
  std::uint64_t position = 0;
  EspJob job;
  bool outbound = true;
  OutboundLayout out_layout;
  InboundLayout in_layout;
  std::uint64_t seq = 0;
  std::size_t payload_len = 0;
};

std::unique_ptr<CardEspOffload> CardEspOffload::create(std::unique_ptr<Device> device, const Options& options,
                                                       std::string* error) {
  if (!device) {
    if (error) *error = "no device";
    return nullptr;
  }
  if (!reset_card(*device, std::chrono::milliseconds(1000))) {
    if (error) *error = device->name() + ": the card does not finish its reset";
    return nullptr;
  }
  const auto identity = read_identity(*device, error);
  if (!identity) return nullptr;
  if (identity->placeholder_datapath() && !options.allow_placeholder) {
    if (error) {
      *error = device->name() +
               ": the card has the placeholder datapath (a copy engine, no ESP: issue 5), "
               "so it cannot be an ESP offload";
    }
    return nullptr;
  }
  auto offload = std::unique_ptr<CardEspOffload>(new CardEspOffload(std::move(device), options, *identity));
  if (!offload->bring_up(error)) return nullptr;
  return offload;
}

CardEspOffload::CardEspOffload(std::unique_ptr<Device> device, const Options& options,
                               const CardIdentity& identity)
    : device_(std::move(device)),
      options_(options),
      identity_(identity),
      slot_generation_(identity.sa_slots, 0),
      slot_used_(identity.sa_slots, false),
      backend_name_("card:" + device_->name()) {
  options_.ring_log2 = std::min(options_.ring_log2, identity_.ring_log2_max);
}

CardEspOffload::~CardEspOffload() {
  if (device_) enable_card(*device_, false);
}

bool CardEspOffload::bring_up(std::string* error) {
  control_ = CardQueue::create(*device_, 0, kControlRingLog2, error);
  data_ = CardQueue::create(*device_, 1, options_.ring_log2, error);
  if (!control_ || !data_) return false;
  data_->set_interrupt_moderation(options_.irq_count, options_.irq_time_cycles);
  slot_bytes_ = (identity_.max_packet + kEspOverhead + 63) / 64 * 64;
  bounce_ = device_->alloc_dma(std::size_t{2} * data_->capacity() * slot_bytes_);
  sa_record_ = device_->alloc_dma(sizeof(card::SaRecord));
  if (!bounce_ || !sa_record_) {
    if (error) *error = device_->name() + ": no DMA memory for bounce buffers: " + device_->last_error();
    return false;
  }
  pending_.assign(data_->capacity(), Pending{});
  enable_card(*device_, true);
  last_progress_ = std::chrono::steady_clock::now();
  stats_.live().card = true;
  publish_statistics();
  return true;
}

Capabilities CardEspOffload::capabilities() const {
  Capabilities caps;
  caps.backend = backend_name_;
  caps.hmac_sha1_96 = (identity_.caps & card::kCapHmacSha196) != 0;
  caps.hmac_sha256_128 = (identity_.caps & card::kCapHmacSha256128) != 0;
  caps.esn = (identity_.caps & card::kCapEsn) != 0;
  caps.max_sas = identity_.sa_slots;
  caps.max_packet_bytes = identity_.max_packet;
  caps.max_batch = data_->capacity();
  return caps;
}

bool CardEspOffload::write_slot(Sa& sa) {
  std::uint16_t& generation = slot_generation_[sa.slot];
  generation = static_cast<std::uint16_t>(generation + 1 == 0 ? 1 : generation + 1);
  sa.generation = generation;
  card::SaRecord record{};
  record.flags =
      static_cast<std::uint8_t>(card::kSaFlagValid | card::kSaFlagCardIv |
                                (sa.params.direction == Direction::kInbound ? card::kSaFlagInbound : 0) |
                                (sa.params.esn ? card::kSaFlagEsn : 0));
  record.integrity = static_cast<std::uint8_t>(sa.params.integrity);
  record.icv_len = static_cast<std::uint8_t>(icv_bytes(sa.params.integrity));
  record.spi = sa.params.spi;
  record.generation = sa.generation;
  record.soft_packets = sa.params.soft_packets;
  record.hard_packets = sa.params.hard_packets;
  record.soft_bytes = sa.params.soft_bytes;
  record.hard_bytes = sa.params.hard_bytes;
  record.enc_key = sa.params.enc_key;
  std::copy_n(sa.params.auth_key.begin(), integrity_key_bytes(sa.params.integrity), record.auth_key.begin());
  // A fresh IV key on every write: the card's IV counter restarts with the slot.
  const bool random_ok = RAND_bytes(record.iv_key.data(), static_cast<int>(record.iv_key.size())) == 1;
  std::memcpy(sa_record_->data(), &record, sizeof record);
  OPENSSL_cleanse(&record, sizeof record);
  if (!random_ok) {
    OPENSSL_cleanse(sa_record_->data(), sa_record_->size());
    return false;
  }

  card::Desc d{};
  d.opcode = static_cast<std::uint8_t>(card::Opcode::kSaWrite);
  d.sa_slot = sa.slot;
  d.sa_gen = sa.generation;
  d.src_addr = sa_record_->bus_address();
  d.src_len = sizeof(card::SaRecord);
  bool ok = control_->post(std::span(&d, 1)) == 1;
  control_->ring_doorbell();
  card::Cpl cpl{};
  const auto deadline = std::chrono::steady_clock::now() + options_.stall_timeout;
  while (ok && control_->poll(std::span(&cpl, 1)) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ok = false;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  OPENSSL_cleanse(sa_record_->data(), sa_record_->size());
  return ok && cpl.status == static_cast<std::uint8_t>(card::Status::kOk);
}

SaHandle CardEspOffload::install_sa(const SaParams& params) {
  const bool alg_ok = (params.integrity == IntegrityAlg::kHmacSha1_96 && capabilities().hmac_sha1_96) ||
                      (params.integrity == IntegrityAlg::kHmacSha256_128 && capabilities().hmac_sha256_128) ||
                      identity_.placeholder_datapath();
  const auto free_slot = std::find(slot_used_.begin(), slot_used_.end(), false);
  if (!alg_ok || params.spi == 0 || !ReplayWindow::valid_size(params.replay_window) ||
      (params.mode == EspMode::kTunnel && params.direction == Direction::kOutbound &&
       (params.tunnel_src == 0 || params.tunnel_dst == 0)) ||
      free_slot == slot_used_.end()) {
    ++stats_.live().sa_refusals;
    publish_statistics();
    return kInvalidSa;
  }
  auto sa = std::make_unique<Sa>(params);
  sa->slot = static_cast<std::uint16_t>(free_slot - slot_used_.begin());
  ++card_activity_;
  if (!write_slot(*sa)) {
    ++stats_.live().sa_refusals;
    publish_statistics();
    return kInvalidSa;
  }
  *free_slot = true;
  while (next_handle_ == kInvalidSa || sas_.contains(next_handle_)) ++next_handle_;
  const SaHandle handle = next_handle_++;
  sas_.emplace(handle, std::move(sa));
  ++stats_.live().sa_installs;
  publish_statistics();
  return handle;
}

bool CardEspOffload::remove_sa(SaHandle handle) {
  const auto it = sas_.find(handle);
  if (it == sas_.end()) return false;
  card::Desc d{};
  d.opcode = static_cast<std::uint8_t>(card::Opcode::kSaInvalidate);
  d.sa_slot = it->second->slot;
  if (control_->post(std::span(&d, 1)) == 1) {
    control_->ring_doorbell();
    card::Cpl cpl{};
    const auto deadline = std::chrono::steady_clock::now() + options_.stall_timeout;
    while (control_->poll(std::span(&cpl, 1)) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }
  // The slot's generation moves on at its next write, so jobs still queued for this SA are refused.
  slot_used_[it->second->slot] = false;
  sas_.erase(it);
  ++card_activity_;
  ++stats_.live().sa_removals;
  publish_statistics();
  return true;
}

std::size_t CardEspOffload::submit(std::span<const EspJob> jobs) {
  std::vector<card::Desc>& batch = batch_;
  batch.clear();
  std::size_t room = data_->free_slots();
  if (data_->in_flight() == 0) last_progress_ = std::chrono::steady_clock::now();
  std::size_t accepted = 0;
  const std::uint32_t mask = data_->capacity() - 1;
  for (const EspJob& job : jobs) {
    const auto it = sas_.find(job.sa);
    if (room == 0) {
      if (it != sas_.end()) ++it->second->counters.ring_full_drops;
      ++stats_.live().failures[static_cast<std::size_t>(EspStatus::kRingFull)];
      continue;
    }
    ++accepted;
    ++(job.op == EspOp::kEncapsulate ? stats_.live().encrypt_jobs : stats_.live().decrypt_jobs);
    auto refuse = [&](EspStatus status) {
      ++stats_.live().host_refused;
      stats_.live().count(job.op, status, 0);
      EspCompletion c;
      c.cookie = job.cookie;
      c.status = status;
      if (it != sas_.end()) {
        if (std::uint64_t* counter = failure_counter(it->second->counters, status)) ++*counter;
      }
      host_done_.push_back(c);
    };
    if (it == sas_.end()) {
      refuse(EspStatus::kUnknownSa);
      continue;
    }
    Sa& sa = *it->second;
    const bool outbound = job.op == EspOp::kEncapsulate;
    if (outbound != (sa.params.direction == Direction::kOutbound)) {
      refuse(EspStatus::kUnknownSa);
      continue;
    }
    if ((sa.params.hard_packets != 0 && sa.counters.packets >= sa.params.hard_packets) ||
        (sa.params.hard_bytes != 0 && sa.counters.bytes >= sa.params.hard_bytes)) {
      refuse(EspStatus::kHardLimit);
      continue;
    }
    Pending p;
    p.job = job;
    p.outbound = outbound;
    std::span<const std::uint8_t> input;
    EspStatus status = EspStatus::kOk;
    if (outbound) {
      if (sa.counters.last_seq >= (sa.params.esn ? UINT64_MAX : std::uint64_t{UINT32_MAX})) {
        refuse(EspStatus::kSeqExhausted);
        continue;
      }
      if (job.raw_esp) {
        p.out_layout.payload = job.in;
        p.out_layout.next_header = job.next_header;
      } else {
        status = plan_outbound(sa.framing, job.in, p.out_layout);
      }
      input = p.out_layout.payload;
      p.payload_len = input.size();
      if (status == EspStatus::kOk &&
          (input.size() + kEspOverhead > slot_bytes_ || job.out.size() < p.out_layout.header_len)) {
        status = EspStatus::kBadLength;
      }
    } else {
      if (job.raw_esp) {
        p.in_layout.esp = job.in;
      } else {
        status = plan_inbound(sa.framing, job.in, p.in_layout);
      }
      input = p.in_layout.esp;
      if (status == EspStatus::kOk) {
        const auto header = read_esp_header(input);
        if (!header || input.size() > slot_bytes_ || job.out.size() < p.in_layout.payload_offset) {
          status = EspStatus::kBadLength;
        } else if (header->spi != sa.params.spi) {
          status = EspStatus::kUnknownSa;
        } else if (const auto seq = sa.window.check(header->seq_low)) {
          p.seq = *seq;  // phase one of anti-replay; the window moves when the card has checked the ICV
        } else {
          status = EspStatus::kReplay;
        }
      }
    }
    if (status != EspStatus::kOk) {
      refuse(status);
      continue;
    }
    if (outbound) p.seq = ++sa.counters.last_seq;  // the number is spent even if the card then fails

    const std::uint64_t position = next_position_++;
    const std::size_t index = position & mask;
    std::uint8_t* in_half = bounce_->data() + 2 * index * slot_bytes_;
    if (!input.empty()) std::memcpy(in_half, input.data(), input.size());
    card::Desc d{};
    d.opcode = static_cast<std::uint8_t>(outbound ? card::Opcode::kEncrypt : card::Opcode::kDecrypt);
    d.flags = static_cast<std::uint8_t>(card::kDescFlagRawEsp | (job.iv ? card::kDescFlagIv : 0));
    d.next_header = p.out_layout.next_header;
    d.sa_slot = sa.slot;
    d.sa_gen = sa.generation;
    d.seq = p.seq;
    d.src_addr = bounce_->bus_address() + 2 * index * slot_bytes_;
    d.dst_addr = d.src_addr + slot_bytes_;
    d.src_len = static_cast<std::uint16_t>(input.size());
    d.dst_cap = static_cast<std::uint16_t>(std::min<std::size_t>(slot_bytes_, identity_.max_packet));
    d.cookie = position;
    if (job.iv) std::memcpy(d.iv.data(), job.iv, d.iv.size());
    p.active = true;
    p.position = position;
    pending_[index] = p;
    batch.push_back(d);
    --room;
  }
  if (!batch.empty()) {
    data_->post(batch);  // fits: room was counted from free_slots()
    data_->ring_doorbell();
  }
  stats_.live().in_flight = data_->in_flight();
  stats_.publish();  // no register read on the submit path
  return accepted;
}

EspCompletion CardEspOffload::finish(Pending& p, const card::Cpl& cpl) {
  std::size_t counted_bytes = 0;
  EspCompletion done = finish_job(p, cpl, counted_bytes);
  stats_.live().count(p.outbound ? EspOp::kEncapsulate : EspOp::kDecapsulate, done.status, counted_bytes);
  return done;
}

EspCompletion CardEspOffload::finish_job(Pending& p, const card::Cpl& cpl, std::size_t& counted_bytes) {
  EspCompletion done;
  done.cookie = p.job.cookie;
  done.status = from_card(cpl.status);
  const auto it = sas_.find(p.job.sa);
  p.active = false;
  if (it == sas_.end()) {  // removed while the job was on the card
    done.status = EspStatus::kUnknownSa;
    return done;
  }
  Sa& sa = *it->second;
  const std::uint8_t* out_half =
      bounce_->data() + 2 * (p.position & (data_->capacity() - 1)) * slot_bytes_ + slot_bytes_;
  std::size_t payload_len = p.payload_len;
  if (done.status == EspStatus::kOk && p.outbound) {
    const std::size_t esp_len = cpl.out_len;
    if (esp_len > slot_bytes_ || esp_len > p.job.out.size() - p.out_layout.header_len) {
      done.status = EspStatus::kBadLength;
    } else {
      if (esp_len > 0) std::memcpy(p.job.out.data() + p.out_layout.header_len, out_half, esp_len);
      if (!p.job.raw_esp) {
        done.status = write_outbound_headers(sa.framing, p.out_layout, p.job.in, esp_len, p.job.out);
      }
      done.out_len = static_cast<std::uint32_t>(p.out_layout.header_len + esp_len);
      done.next_header = p.out_layout.next_header;
      done.seq = p.seq;
    }
  } else if (done.status == EspStatus::kOk) {
    // Phase two of anti-replay: the card found the ICV good.
    sa.window.update(p.seq);
    sa.counters.last_seq = sa.window.top();
    payload_len = cpl.out_len;
    if (payload_len > slot_bytes_ || payload_len > p.job.out.size() - p.in_layout.payload_offset) {
      done.status = EspStatus::kBadLength;
    } else {
      if (payload_len > 0) std::memcpy(p.job.out.data() + p.in_layout.payload_offset, out_half, payload_len);
      std::size_t out_len = payload_len;
      done.next_header = cpl.next_header;
      if (!p.job.raw_esp) {
        done.status = finish_inbound(sa.framing, p.in_layout, p.job.in, cpl.next_header, payload_len,
                                     p.job.out, out_len);
      }
      done.out_len = static_cast<std::uint32_t>(out_len);
      done.seq = p.seq;
    }
  }
  SaCounters& c = sa.counters;
  if (done.status != EspStatus::kOk) {
    done.out_len = 0;
    if (std::uint64_t* counter = failure_counter(c, done.status)) ++*counter;
    return done;
  }
  ++c.packets;
  c.bytes += payload_len;
  counted_bytes = payload_len;
  done.soft_limit = (cpl.flags & card::kCplFlagSoftLimit) != 0 ||
                    (sa.params.soft_packets != 0 && c.packets >= sa.params.soft_packets) ||
                    (sa.params.soft_bytes != 0 && c.bytes >= sa.params.soft_bytes);
  return done;
}

std::size_t CardEspOffload::poll(std::span<EspCompletion> out) {
  const std::size_t n = collect(out);
  publish_statistics();
  return n;
}

std::size_t CardEspOffload::collect(std::span<EspCompletion> out) {
  std::size_t n = 0;
  while (n < out.size() && !host_done_.empty()) {
    out[n++] = host_done_.front();
    host_done_.pop_front();
  }
  if (n == out.size() || data_->in_flight() == 0) return n;
  if (options_.interrupts && !data_->completion_ready()) data_->wait_for_completion(options_.interrupt_wait);
  std::array<card::Cpl, 64>& cpls = cpl_buf_;
  const std::size_t got = data_->poll(std::span(cpls).first(std::min(cpls.size(), out.size() - n)));
  card_activity_ += got;
  const std::uint32_t mask = data_->capacity() - 1;
  bool confused = false;
  for (std::size_t i = 0; i < got; ++i) {
    Pending& p = pending_[cpls[i].cookie & mask];
    if (!p.active || p.position != cpls[i].cookie) {
      // A completion for no job of ours: the card cannot be trusted with the rest either.
      confused = true;
      continue;
    }
    out[n++] = finish(p, cpls[i]);
  }
  const auto now = std::chrono::steady_clock::now();
  if (confused) {
    ++protocol_errors_;
    recover();
    while (n < out.size() && !host_done_.empty()) {
      out[n++] = host_done_.front();
      host_done_.pop_front();
    }
  } else if (got > 0) {
    last_progress_ = now;
  } else if (now - last_progress_ > options_.stall_timeout) {
    recover();
    while (n < out.size() && !host_done_.empty()) {
      out[n++] = host_done_.front();
      host_done_.pop_front();
    }
  }
  return n;
}

void CardEspOffload::recover() {
  ++resets_;
  const bool reset_ok = reset_card(*device_, options_.stall_timeout);
  // Every job on the card is lost with the reset: each completes with kDeviceError, once.
  for (Pending& p : pending_) {
    if (!p.active) continue;
    p.active = false;
    EspCompletion c;
    c.cookie = p.job.cookie;
    c.status = EspStatus::kDeviceError;
    if (const auto it = sas_.find(p.job.sa); it != sas_.end()) ++it->second->counters.device_errors;
    stats_.live().count(p.outbound ? EspOp::kEncapsulate : EspOp::kDecapsulate, EspStatus::kDeviceError, 0);
    host_done_.push_back(c);
  }
  next_position_ = 0;
  if (!reset_ok) return;  // the next stall tries again
  control_->reprogram();
  data_->reprogram();
  enable_card(*device_, true);
  for (auto& [handle, sa] : sas_) write_slot(*sa);  // a slot that fails refuses its jobs (kUnknownSa)
  last_progress_ = std::chrono::steady_clock::now();
}

void CardEspOffload::publish_statistics() {
  namespace reg = card::reg;
  EngineStatistics& s = stats_.live();
  s.sas = sas_.size();
  s.in_flight = data_->in_flight();
  s.resets = resets_;
  s.protocol_errors = protocol_errors_;
  // Registers cost a round trip (on a board an uncached read across PCIe; on the Verilator card a
  // request to its thread), so they are read when the card did something since the last read and the
  // data queue just drained (at most every millisecond), or every 100 ms while it stays busy.
  const auto now = std::chrono::steady_clock::now();
  const auto spacing = s.in_flight == 0 ? std::chrono::milliseconds(1) : std::chrono::milliseconds(100);
  if (card_activity_ != activity_at_read_ && now - s.registers_read >= spacing) {
    s.reg_status = device_->read32(reg::kStatus);
    s.reg_jobs_done = device_->read32(reg::kJobsDone);
    const std::uint64_t lo = device_->read32(reg::kCyclesLo);  // latches CYCLES_HI
    s.reg_cycles = (std::uint64_t{device_->read32(reg::kCyclesHi)} << 32) | lo;
    s.reg_fault_count = device_->read32(reg::kFaultCount);
    s.registers_read = now;
    ++s.register_snapshots;
    activity_at_read_ = card_activity_;
  }
  stats_.publish();
}

std::optional<SaCounters> CardEspOffload::counters(SaHandle handle) const {
  const auto it = sas_.find(handle);
  if (it == sas_.end()) return std::nullopt;
  return it->second->counters;
}

}  // namespace hubsec::driver::device
