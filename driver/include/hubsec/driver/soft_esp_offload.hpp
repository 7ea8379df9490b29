// The soft backend: EspOffload done by OpenSSL on the calling thread. It composes the standalone
// pieces (ReplayWindow, esp_framing, EspCrypto, IvGenerator) that the card backend reuses.
//
// submit() processes each job at once and queues its completion; poll() hands completions back in
// submission order. The completion queue is bounded (Options::queue_depth): jobs that do not fit
// are refused (not queued) and counted as ring_full_drops on their SA. One instance per thread: it
// has no locks.
//
// Per job: SA lookup (kUnknownSa, counted in unknown_sa_drops() when the handle is unknown) ->
// hard lifetime (kHardLimit) -> framing -> outbound: sequence number (kSeqExhausted when the 32-bit
// space, or the 64-bit one with ESN, is used up), IV, seal; inbound: SPI (kUnknownSa), length
// (kBadLength), anti-replay check (kReplay), ICV (kIcvMismatch), window update, decrypt and pad
// check (kBadPadding) -> counters. Soft lifetime: every completion once packets or bytes reach the
// soft limit carries soft_limit = true.
//
// Outbound jobs of one submit() are sealed together where the CPU has AES-NI: each is framed, numbered
// and counted in turn, and their AES-CBC chains then run interleaved (aes_cbc_multi.hpp) before the
// ICVs are computed, all before submit() returns. Job buffers must stay untouched until then (as
// always until the completion is polled).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "hubsec/driver/aes_cbc_multi.hpp"
#include "hubsec/driver/esp_offload.hpp"

namespace hubsec::driver {

class EspCrypto;

class SoftEspOffload final : public EspOffload {
 public:
  struct Options {
    std::uint32_t max_sas = 65536;
    std::uint32_t queue_depth = 4096;  // completions held until polled
  };

  SoftEspOffload();
  explicit SoftEspOffload(const Options& options);
  ~SoftEspOffload() override;

  [[nodiscard]] Capabilities capabilities() const override;
  [[nodiscard]] SaHandle install_sa(const SaParams& params) override;
  bool remove_sa(SaHandle sa) override;
  std::size_t submit(std::span<const EspJob> jobs) override;
  std::size_t poll(std::span<EspCompletion> out) override;
  [[nodiscard]] std::optional<SaCounters> counters(SaHandle sa) const override;
  [[nodiscard]] EngineStatistics statistics() const override { return stats_.read(); }

  // Jobs that named no installed SA (their counters have nowhere else to go).
  [[nodiscard]] std::uint64_t unknown_sa_drops() const { return unknown_sa_drops_; }
  [[nodiscard]] std::size_t pending_completions() const { return queued_; }

 private:
  struct Sa;
  SaHandle install(const SaParams& params);
  // A sealed packet waiting for its batch's cipher run and then its ICV.
  struct PendingSeal {
    EspCrypto* crypto;
    std::span<std::uint8_t> esp;
    std::uint64_t seq;
    std::size_t ring_index;
  };
  EspCompletion process(const EspJob& job, std::size_t ring_index);
  EspCompletion encapsulate(Sa& sa, const EspJob& job, std::size_t ring_index);
  void finish_seals();
  EspCompletion decapsulate(Sa& sa, const EspJob& job);
  void account(Sa& sa, EspCompletion& done, std::size_t payload_len);

  Options options_;
  std::unordered_map<SaHandle, std::unique_ptr<Sa>> sas_;
  SaHandle next_handle_ = 1;
  std::vector<EspCompletion> ring_;
  std::size_t head_ = 0;  // next completion to poll
  std::size_t queued_ = 0;
  std::uint64_t unknown_sa_drops_ = 0;
  std::vector<PendingSeal> pending_seals_;
  std::vector<CbcEncryptJob> pending_cbc_;  // pending_seals_[i]'s cipher work
  EngineStatisticsBoard stats_;
};

}  // namespace hubsec::driver
