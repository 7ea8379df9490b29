// `show crypto engine accelerator statistic` (IOS's command for its crypto accelerator) answered by the
// running hubsecd: which ESP engine the data path runs on (soft, or a card and which), what it has done
// by direction, its failures by kind and, for a card, its own registers (JOBS_DONE, CYCLES, FAULT_COUNT,
// STATUS) with its resets and protocol errors. A pure function of the backend's published statistics
// (EspOffload::statistics(), a copy safe to take on the daemon thread); never any key.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "hubsec/driver/engine_statistics.hpp"

namespace hubsec::host::daemon {

// backend: Capabilities::backend ("soft", "card:sim", "card:pci:0000:3b:00.0", ...).
std::string show_crypto_engine_statistic(std::string_view backend, const driver::EngineStatistics& stats,
                                         std::chrono::steady_clock::time_point now);

// Without an ESP data path (no tunnel interface with an address) there is no engine to show.
std::string show_crypto_engine_absent();

}  // namespace hubsec::host::daemon
