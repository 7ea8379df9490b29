// CardEspOffload: the card backend of EspOffload. The host keeps what the gateway must own (SA
// parameters, sequence numbers, anti-replay, IP framing, counters) and the card does the ESP bytes:
// SAs are written into card slots through the control queue (with a generation, so a job aimed at an
// old SA is refused after a rewrite), jobs go through one data queue with one doorbell per submit(),
// completions are polled by phase bit (or waited for by interrupt). Payloads travel through bounce
// buffers in DMA memory, one pair per ring slot. A card that stops answering for stall_timeout with
// jobs in flight is reset; its SAs are reinstalled and every job that was in flight completes with
// kDeviceError (none is lost silently). One instance per thread and per card.
//
// Outbound jobs carry their IV in the descriptor when EspJob::iv is set; otherwise the card makes it
// (AES-256 of a counter under the SA's IV key, a fresh random IV key at every slot write). SA_WRITE sends
// the raw keys; the card precomputes its HMAC states. A device whose CAPS says PLACEHOLDER_DATAPATH (the
// loopback model, a copy engine) does no ESP: create() refuses it unless Options::allow_placeholder, which
// only ring benches and plumbing tests set.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hubsec/driver/device/card_control.hpp"
#include "hubsec/driver/device/card_queue.hpp"
#include "hubsec/driver/esp_offload.hpp"

namespace hubsec::driver::device {

class CardEspOffload final : public EspOffload {
 public:
  struct Options {
    unsigned ring_log2 = 8;
    bool interrupts = false;  // poll() sleeps on the card's interrupt when nothing is ready
    std::chrono::microseconds interrupt_wait{200};
    std::uint32_t irq_count = 16;          // interrupt moderation: completions ...
    std::uint32_t irq_time_cycles = 2000;  // ... or card cycles after the first
    std::chrono::milliseconds stall_timeout{500};
    bool allow_placeholder = false;
  };

  static std::unique_ptr<CardEspOffload> create(std::unique_ptr<Device> device, const Options& options,
                                                std::string* error);
  ~CardEspOffload() override;

  [[nodiscard]] Capabilities capabilities() const override;
  [[nodiscard]] SaHandle install_sa(const SaParams& params) override;
  bool remove_sa(SaHandle sa) override;
  std::size_t submit(std::span<const EspJob> jobs) override;
  std::size_t poll(std::span<EspCompletion> out) override;
  [[nodiscard]] std::optional<SaCounters> counters(SaHandle sa) const override;
  // Host-side counts plus the card's registers (STATUS, JOBS_DONE, CYCLES, FAULT_COUNT) as the thread
  // calling the backend last read them: at most every 100 ms while jobs are in flight, when the data queue
  // has drained (at most once a millisecond) and on refresh_statistics(), so the fast path stays free of
  // register reads and an idle card's numbers become its final ones. Safe from any thread (the Verilator
  // model and a BAR are not).
  [[nodiscard]] EngineStatistics statistics() const override { return stats_.read(); }
  // Reads the registers if the card did something since the last read (no-op otherwise).
  void refresh_statistics() override { publish_statistics(); }

  [[nodiscard]] std::uint64_t resets() const { return resets_; }
  // Completions that named no job in flight (each one makes the backend reset the card).
  [[nodiscard]] std::uint64_t protocol_errors() const { return protocol_errors_; }
  [[nodiscard]] const CardIdentity& identity() const { return identity_; }
  [[nodiscard]] Device& device() { return *device_; }

 private:
  struct Sa;
  struct Pending;
  CardEspOffload(std::unique_ptr<Device> device, const Options& options, const CardIdentity& identity);
  bool bring_up(std::string* error);
  bool write_slot(Sa& sa);
  void recover();
  std::size_t collect(std::span<EspCompletion> out);
  void publish_statistics();
  EspCompletion finish(Pending& pending, const card::Cpl& cpl);
  EspCompletion finish_job(Pending& pending, const card::Cpl& cpl, std::size_t& counted_bytes);

  std::unique_ptr<Device> device_;
  Options options_;
  CardIdentity identity_;
  std::unique_ptr<CardQueue> control_;
  std::unique_ptr<CardQueue> data_;
  std::unique_ptr<DmaBuffer> bounce_;  // per ring slot: input half, output half
  std::unique_ptr<DmaBuffer> sa_record_;
  std::size_t slot_bytes_ = 0;
  std::vector<Pending> pending_;
  std::vector<card::Desc> batch_;        // reused by submit()
  std::array<card::Cpl, 64> cpl_buf_{};  // reused by poll()
  std::uint64_t next_position_ = 0;      // descriptors posted, the cookie the card sees
  std::deque<EspCompletion> host_done_;  // jobs refused before reaching the card
  std::unordered_map<SaHandle, std::unique_ptr<Sa>> sas_;
  std::vector<std::uint16_t> slot_generation_;
  std::vector<bool> slot_used_;
  SaHandle next_handle_ = 1;
  std::chrono::steady_clock::time_point last_progress_;
  std::uint64_t resets_ = 0;
  std::uint64_t protocol_errors_ = 0;
  std::string backend_name_;
  EngineStatisticsBoard stats_;
  std::uint64_t card_activity_ = 0;  // completions and SA commands seen; registers re-read when it moved
  std::uint64_t activity_at_read_ = UINT64_MAX;
};

}  // namespace hubsec::driver::device
