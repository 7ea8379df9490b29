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
  // CPU time the model itself spent serving jobs, on the caller's thread.
  [[nodiscard]] virtual std::uint64_t model_cpu_ns() const = 0;
};

OpenedDevice open_loopback_device();
// The model's statistics if `device` is a loopback device, else nullptr.
LoopbackStats* loopback_stats(Device& device);

}  // namespace hubsec::driver::device
