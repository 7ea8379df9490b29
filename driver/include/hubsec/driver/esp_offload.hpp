// EspOffload: the one interface through which the gateway gets ESP crypto done, whether by the
// OpenSSL soft backend or by the card (Verilator model, PCI or XRT). See docs/architecture.md.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "hubsec/driver/engine_statistics.hpp"
#include "hubsec/driver/esp_types.hpp"

namespace hubsec::driver {

class EspOffload {
 public:
  virtual ~EspOffload() = default;
  EspOffload() = default;
  EspOffload(const EspOffload&) = delete;
  EspOffload& operator=(const EspOffload&) = delete;

  [[nodiscard]] virtual Capabilities capabilities() const = 0;

  // Installs an SA; returns kInvalidSa if the parameters are refused (unsupported, table full).
  [[nodiscard]] virtual SaHandle install_sa(const SaParams& params) = 0;
  // Removes an SA and wipes its key material. Jobs still queued for it complete with kUnknownSa.
  virtual bool remove_sa(SaHandle sa) = 0;

  // Queues jobs. Returns how many were accepted; the rest were not queued (ring full) and are
  // counted as ring_full_drops on their SA. Every accepted job yields exactly one completion.
  virtual std::size_t submit(std::span<const EspJob> jobs) = 0;
  // Collects up to out.size() completions; returns how many were written.
  virtual std::size_t poll(std::span<EspCompletion> out) = 0;

  [[nodiscard]] virtual std::optional<SaCounters> counters(SaHandle sa) const = 0;

  // The engine's own counts (and a card's registers) as last published by the thread that drives the
  // backend; unlike every other call here, safe from any thread. Zeros for a backend that keeps none.
  [[nodiscard]] virtual EngineStatistics statistics() const { return {}; }
  // Called now and then by the thread that drives the backend, so that what statistics() returns catches
  // up while no job runs (an idle card's last register read may have been skipped as too soon).
  virtual void refresh_statistics() {}
};

}  // namespace hubsec::driver
