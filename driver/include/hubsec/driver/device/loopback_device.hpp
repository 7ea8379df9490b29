// The loopback device: a software model of the card's queue protocol with the placeholder's copy datapath,
// completing every job inside the doorbell write ("a device model that completes instantly"). For benches
// of the host's cost per job and for running the rings without the RTL. Not thread-safe.
#pragma once

#include <cstdint>

#include "hubsec/driver/device/discovery.hpp"

namespace hubsec::driver::device {

class LoopbackStats {
 public:
  virtual ~LoopbackStats() = default;
  // Time the model itself spent serving jobs (steady clock, on the caller's thread).
  [[nodiscard]] virtual std::uint64_t model_cpu_ns() const = 0;
  // Deferred: doorbells are only recorded and jobs are served when run() is called, so that a bench can
  // time the driver's side alone.
  virtual void set_deferred(bool deferred) = 0;
  virtual void run() = 0;
};

OpenedDevice open_loopback_device();
// The model's statistics if `device` is a loopback device, else nullptr.
LoopbackStats* loopback_stats(Device& device);

}  // namespace hubsec::driver::device
