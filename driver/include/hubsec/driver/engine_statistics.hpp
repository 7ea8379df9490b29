// EngineStatistics: what the ESP engine behind an EspOffload has done since it was created, for an
// operator's `show crypto engine accelerator statistic` while the gateway runs. Counted by the thread
// that drives the backend (the gateway's packet thread; SA commands come from the daemon thread under
// the data plane's lock); published as a copy that any thread may read (EngineStatisticsBoard). Never
// any key material: counts, and for a card its own registers as last read.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "hubsec/driver/esp_types.hpp"

namespace hubsec::driver {

constexpr std::size_t kEspStatusCount = static_cast<std::size_t>(EspStatus::kDeviceError) + 1;

struct EngineStatistics {
  std::chrono::steady_clock::time_point since{};  // the backend's creation
  // Jobs submit() accepted, by direction (refused ones included: they complete with an error).
  std::uint64_t encrypt_jobs = 0, decrypt_jobs = 0;
  // Jobs that completed kOk, and their payload bytes (the clear side: what was encrypted/decrypted).
  std::uint64_t encrypted = 0, decrypted = 0;
  std::uint64_t bytes_encrypted = 0, bytes_decrypted = 0;
  // Completions by failure status (index: EspStatus; kOk stays 0). kRingFull counts jobs submit()
  // did not accept, which have no completion.
  std::array<std::uint64_t, kEspStatusCount> failures{};
  std::uint64_t sas = 0;  // installed now
  std::uint64_t sa_installs = 0, sa_refusals = 0, sa_removals = 0;

  // A card only (card == true): its rings and recoveries as the host sees them ...
  bool card = false;
  std::uint64_t in_flight = 0;        // data jobs on the card, completion not yet polled
  std::uint64_t host_refused = 0;     // accepted jobs the host failed before they reached the card
  std::uint64_t resets = 0;           // recoveries from a stalled or confused card
  std::uint64_t protocol_errors = 0;  // completions that named no job in flight
  // ... and its registers (docs/hw-interface.md), read now and then by the thread calling the backend.
  std::uint32_t reg_status = 0;
  std::uint32_t reg_jobs_done = 0;  // JOBS_DONE: completions written since the last reset, all queues
  std::uint32_t reg_fault_count = 0;
  std::uint64_t reg_cycles = 0;                            // CYCLES_HI:LO
  std::chrono::steady_clock::time_point registers_read{};  // epoch: never read
  std::uint64_t register_snapshots = 0;

  [[nodiscard]] std::uint64_t failed(EspStatus status) const {
    return failures[static_cast<std::size_t>(status)];
  }
  // One completion handed back: kOk counts the job and its payload bytes, anything else its status.
  void count(EspOp op, EspStatus status, std::size_t payload_bytes) {
    if (status != EspStatus::kOk) {
      ++failures[static_cast<std::size_t>(status)];
    } else if (op == EspOp::kEncapsulate) {
      ++encrypted;
      bytes_encrypted += payload_bytes;
    } else {
      ++decrypted;
      bytes_decrypted += payload_bytes;
    }
  }
};

// The driving thread counts into live() and publish()es when it leaves the backend; readers on other
// threads take read(), a consistent copy under the lock (never the live counters).
class EngineStatisticsBoard {
 public:
  EngineStatisticsBoard() { live_.since = published_.since = std::chrono::steady_clock::now(); }
  EngineStatisticsBoard(const EngineStatisticsBoard&) = delete;
  EngineStatisticsBoard& operator=(const EngineStatisticsBoard&) = delete;

  EngineStatistics& live() { return live_; }
  void publish() {
    std::lock_guard lock(mutex_);
    published_ = live_;
  }
  [[nodiscard]] EngineStatistics read() const {
    std::lock_guard lock(mutex_);
    return published_;
  }

 private:
  EngineStatistics live_;
  mutable std::mutex mutex_;
  EngineStatistics published_;
};

}  // namespace hubsec::driver
