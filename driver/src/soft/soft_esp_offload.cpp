#include "hubsec/driver/soft_esp_offload.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/esp_framing.hpp"
#include "hubsec/driver/iv_generator.hpp"
#include "hubsec/driver/replay_window.hpp"

namespace hubsec::driver {
namespace {

constexpr std::size_t kIvPoolSize = 16;  // IVs made per generator call, amortising its cost

EspCompletion completion_for(const EspJob& job, EspStatus status) {
  EspCompletion c;
  c.cookie = job.cookie;
  c.status = status;
  return c;
}

void count_failure(SaCounters& c, EspStatus status) {
  switch (status) {
    case EspStatus::kOk: break;
    case EspStatus::kIcvMismatch: ++c.icv_failures; break;
    case EspStatus::kBadPadding: ++c.pad_failures; break;
    case EspStatus::kReplay: ++c.replay_failures; break;
    case EspStatus::kUnknownSa: ++c.unknown_sa; break;
    case EspStatus::kBadLength: ++c.length_failures; break;
    case EspStatus::kBadHeader: ++c.header_failures; break;
    case EspStatus::kSeqExhausted: ++c.seq_exhausted; break;
    case EspStatus::kHardLimit: ++c.hard_limit_drops; break;
    case EspStatus::kRingFull: ++c.ring_full_drops; break;
    case EspStatus::kDeviceError: ++c.device_errors; break;
  }
}

bool valid_params(const SaParams& p) {
  const bool alg_ok =
      p.integrity == IntegrityAlg::kHmacSha1_96 || p.integrity == IntegrityAlg::kHmacSha256_128;
  const bool mode_ok = p.mode == EspMode::kTransport || p.mode == EspMode::kTunnel;
  const bool dir_ok = p.direction == Direction::kOutbound || p.direction == Direction::kInbound;
  const bool tunnel_ok = p.mode != EspMode::kTunnel || p.direction == Direction::kInbound ||
                         (p.tunnel_src != 0 && p.tunnel_dst != 0);
  const bool seq_ok = p.esn || p.initial_seq <= UINT32_MAX;
  // SPI 0 is reserved and never sent (RFC 4303 2.1); on port 4500 it would read as the non-ESP marker.
  return alg_ok && mode_ok && dir_ok && tunnel_ok && seq_ok && p.spi != 0 &&
         ReplayWindow::valid_size(p.replay_window);
}

}  // namespace

struct SoftEspOffload::Sa {
  explicit Sa(const SaParams& p)
      : params(p),
        framing(EspFraming::from(p)),
        window(p.replay_window, p.esn, p.direction == Direction::kInbound ? p.initial_seq : 0) {
    // Only the OpenSSL contexts keep the keys; this copy of the parameters does not.
    OPENSSL_cleanse(params.enc_key.data(), params.enc_key.size());
    OPENSSL_cleanse(params.auth_key.data(), params.auth_key.size());
  }

  const std::uint8_t* next_iv() {
    if (iv_next == kIvPoolSize) {
      if (!ivs->generate(iv_pool)) {
        return nullptr;
      }
      iv_next = 0;
    }
    return &iv_pool[kAesBlockBytes * iv_next++];
  }

  SaParams params;
  EspFraming framing;
  std::unique_ptr<EspCrypto> crypto;
  std::unique_ptr<IvGenerator> ivs;  // outbound only
  std::array<std::uint8_t, kIvPoolSize * kAesBlockBytes> iv_pool{};
  std::size_t iv_next = kIvPoolSize;
  ReplayWindow window;  // inbound only
  SaCounters counters;
};

SoftEspOffload::SoftEspOffload() : SoftEspOffload(Options{}) {}

SoftEspOffload::SoftEspOffload(const Options& options)
    : options_(options), ring_(std::max<std::uint32_t>(1, options.queue_depth)) {}

SoftEspOffload::~SoftEspOffload() = default;

Capabilities SoftEspOffload::capabilities() const {
  Capabilities caps;
  caps.backend = "soft";
  caps.max_sas = options_.max_sas;
  caps.max_packet_bytes = static_cast<std::uint32_t>(kIpv4MaxPacketBytes);
  caps.max_batch = static_cast<std::uint32_t>(ring_.size());
  caps.max_replay_window = kMaxReplayWindow;
  return caps;
}

SaHandle SoftEspOffload::install_sa(const SaParams& params) {
  const SaHandle handle = install(params);
  if (handle == kInvalidSa) {
    ++stats_.live().sa_refusals;
    stats_.publish();
  }
  return handle;
}

SaHandle SoftEspOffload::install(const SaParams& params) {
  if (sas_.size() >= options_.max_sas || !valid_params(params)) {
    return kInvalidSa;
  }
  auto sa = std::make_unique<Sa>(params);
  sa->crypto =
      EspCrypto::create(params.direction, params.enc_key, params.integrity,
                        std::span(params.auth_key).first(integrity_key_bytes(params.integrity)), params.esn);
  if (sa->crypto == nullptr) {
    return kInvalidSa;
  }
  if (params.direction == Direction::kOutbound) {
    sa->ivs = IvGenerator::create();
    if (sa->ivs == nullptr) {
      return kInvalidSa;
    }
  }
  sa->counters.last_seq = params.initial_seq;
  while (next_handle_ == kInvalidSa || sas_.contains(next_handle_)) {
    ++next_handle_;
  }
  const SaHandle handle = next_handle_++;
  sas_.emplace(handle, std::move(sa));
  ++stats_.live().sa_installs;
  stats_.live().sas = sas_.size();
  stats_.publish();
  return handle;
}

bool SoftEspOffload::remove_sa(SaHandle sa) {
  // Destroying the SA frees its OpenSSL contexts, which cleanse the key schedules and HMAC states.
  const bool removed = sas_.erase(sa) != 0;
  if (removed) {
    ++stats_.live().sa_removals;
    stats_.live().sas = sas_.size();
    stats_.publish();
  }
  return removed;
}

std::size_t SoftEspOffload::submit(std::span<const EspJob> jobs) {
  std::size_t accepted = 0;
  for (const EspJob& job : jobs) {
    if (queued_ == ring_.size()) {
      const auto it = sas_.find(job.sa);
      if (it != sas_.end()) {
        ++it->second->counters.ring_full_drops;
      }
      continue;
    }
    const std::size_t index = (head_ + queued_) % ring_.size();
    const EspCompletion& done = ring_[index] = process(job, index);
    ++(job.op == EspOp::kEncapsulate ? stats_.live().encrypt_jobs : stats_.live().decrypt_jobs);
    if (done.status != EspStatus::kOk) {
      stats_.live().count(job.op, done.status, 0);  // kOk: account() counted the job and its bytes
    }
    ++queued_;
    ++accepted;
  }
  finish_seals();
  stats_.live().failures[static_cast<std::size_t>(EspStatus::kRingFull)] += jobs.size() - accepted;
  stats_.publish();
  return accepted;
}

std::size_t SoftEspOffload::poll(std::span<EspCompletion> out) {
  const std::size_t n = std::min(out.size(), queued_);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
  }
  queued_ -= n;
  return n;
}

std::optional<SaCounters> SoftEspOffload::counters(SaHandle sa) const {
  const auto it = sas_.find(sa);
  if (it == sas_.end()) {
    return std::nullopt;
  }
  return it->second->counters;
}

void SoftEspOffload::finish_seals() {
  if (pending_seals_.empty()) {
    return;  // (inbound batches, and every batch without AES-NI)
  }
  aes256_cbc_encrypt_multi(pending_cbc_);
  for (const PendingSeal& p : pending_seals_) {
    if (!p.crypto->seal_finish(p.esp, p.seq)) {
      // Not expected (hashing memory does not fail); the packet must not leave half-made.
      EspCompletion& done = ring_[p.ring_index];
      OPENSSL_cleanse(p.esp.data(), p.esp.size());
      done.status = EspStatus::kDeviceError;
      done.out_len = 0;
      stats_.live().count(EspOp::kEncapsulate, EspStatus::kDeviceError, 0);
    }
  }
  pending_seals_.clear();
  pending_cbc_.clear();
}

EspCompletion SoftEspOffload::process(const EspJob& job, std::size_t ring_index) {
  const auto it = sas_.find(job.sa);
  if (it == sas_.end()) {
    ++unknown_sa_drops_;
    return completion_for(job, EspStatus::kUnknownSa);
  }
  Sa& sa = *it->second;
  const Direction wanted = job.op == EspOp::kEncapsulate ? Direction::kOutbound : Direction::kInbound;
  EspCompletion done;
  if (sa.params.direction != wanted) {
    done = completion_for(job, EspStatus::kUnknownSa);
  } else if ((sa.params.hard_packets != 0 && sa.counters.packets >= sa.params.hard_packets) ||
             (sa.params.hard_bytes != 0 && sa.counters.bytes >= sa.params.hard_bytes)) {
    done = completion_for(job, EspStatus::kHardLimit);
  } else {
    done = job.op == EspOp::kEncapsulate ? encapsulate(sa, job, ring_index) : decapsulate(sa, job);
    return done;
  }
  count_failure(sa.counters, done.status);
  return done;
}

EspCompletion SoftEspOffload::encapsulate(Sa& sa, const EspJob& job, std::size_t ring_index) {
  EspCompletion done = completion_for(job, EspStatus::kOk);
  const std::uint64_t max_seq = sa.params.esn ? UINT64_MAX : UINT32_MAX;
  OutboundLayout layout;
  if (sa.counters.last_seq >= max_seq) {
    done.status = EspStatus::kSeqExhausted;
  } else if (job.raw_esp) {
    layout.payload = job.in;
    layout.next_header = job.next_header;
  } else {
    done.status = plan_outbound(sa.framing, job.in, layout);
  }
  const std::uint8_t* iv = job.iv;
  if (done.status == EspStatus::kOk && iv == nullptr && (iv = sa.next_iv()) == nullptr) {
    done.status = EspStatus::kDeviceError;
  }
  if (done.status == EspStatus::kOk && job.out.size() < layout.header_len) {
    done.status = EspStatus::kBadLength;
  }
  const std::uint64_t seq = sa.counters.last_seq + 1;
  std::size_t esp_len = 0;
  if (done.status == EspStatus::kOk && sa.crypto->can_batch()) {
    // Cipher and ICV later, with the rest of the batch (finish_seals()).
    CbcEncryptJob cbc;
    const std::span<std::uint8_t> esp = job.out.subspan(layout.header_len);
    done.status = sa.crypto->seal_prepare(sa.params.spi, seq, iv, layout.payload, layout.next_header, esp,
                                          esp_len, cbc);
    if (done.status == EspStatus::kOk) {
      pending_seals_.push_back(PendingSeal{sa.crypto.get(), esp.first(esp_len), seq, ring_index});
      pending_cbc_.push_back(cbc);
    }
  } else if (done.status == EspStatus::kOk) {
    done.status = sa.crypto->seal(sa.params.spi, seq, iv, layout.payload, layout.next_header,
                                  job.out.subspan(layout.header_len), esp_len);
  }
  if (done.status == EspStatus::kOk && !job.raw_esp) {
    done.status = write_outbound_headers(sa.framing, layout, job.in, esp_len, job.out);
  }
  if (done.status == EspStatus::kOk) {
    sa.counters.last_seq = seq;
    done.seq = seq;
    done.next_header = layout.next_header;
    done.out_len = static_cast<std::uint32_t>(layout.header_len + esp_len);
  }
  account(sa, done, layout.payload.size());
  return done;
}

EspCompletion SoftEspOffload::decapsulate(Sa& sa, const EspJob& job) {
  EspCompletion done = completion_for(job, EspStatus::kOk);
  InboundLayout layout;
  if (job.raw_esp) {
    layout.esp = job.in;
  } else {
    done.status = plan_inbound(sa.framing, job.in, layout);
  }
  // An output buffer that cannot even take the header is refused before the window can move. (One
  // too small for the payload is only found after decryption: that packet is lost.)
  if (done.status == EspStatus::kOk && job.out.size() < layout.payload_offset) {
    done.status = EspStatus::kBadLength;
  }
  std::optional<std::uint64_t> seq;
  if (done.status == EspStatus::kOk) {
    const auto header = read_esp_header(layout.esp);
    if (!header) {
      done.status = EspStatus::kBadLength;
    } else if (header->spi != sa.params.spi) {
      done.status = EspStatus::kUnknownSa;
    } else if ((done.status = sa.crypto->check_length(layout.esp)) == EspStatus::kOk) {
      // Phase one of anti-replay, before any crypto.
      seq = sa.window.check(header->seq_low);
      if (!seq) {
        done.status = EspStatus::kReplay;
      }
    }
  }
  if (done.status == EspStatus::kOk) {
    if (!sa.crypto->verify_icv(layout.esp, static_cast<std::uint32_t>(*seq >> 32))) {
      done.status = EspStatus::kIcvMismatch;
    } else {
      // Phase two: the number is authentic, the window may move.
      sa.window.update(*seq);
      sa.counters.last_seq = sa.window.top();
      done.seq = *seq;
    }
  }
  std::size_t payload_len = 0;
  if (done.status == EspStatus::kOk) {
    const EspOpenResult opened = sa.crypto->decrypt(layout.esp, job.out.subspan(layout.payload_offset));
    done.status = opened.status;
    done.next_header = opened.next_header;
    payload_len = opened.payload_len;
  }
  if (done.status == EspStatus::kOk) {
    std::size_t out_len = payload_len;
    if (!job.raw_esp) {
      done.status =
          finish_inbound(sa.framing, layout, job.in, done.next_header, payload_len, job.out, out_len);
    }
    done.out_len = static_cast<std::uint32_t>(out_len);
  }
  account(sa, done, payload_len);
  return done;
}

void SoftEspOffload::account(Sa& sa, EspCompletion& done, std::size_t payload_len) {
  SaCounters& c = sa.counters;
  if (done.status != EspStatus::kOk) {
    done.out_len = 0;
    count_failure(c, done.status);
    return;
  }
  ++c.packets;
  c.bytes += payload_len;
  stats_.live().count(sa.params.direction == Direction::kOutbound ? EspOp::kEncapsulate : EspOp::kDecapsulate,
                      EspStatus::kOk, payload_len);
  done.soft_limit = (sa.params.soft_packets != 0 && c.packets >= sa.params.soft_packets) ||
                    (sa.params.soft_bytes != 0 && c.bytes >= sa.params.soft_bytes);
}

}  // namespace hubsec::driver
