// `show crypto ikev2 sa [detailed]` and `show crypto ikev2 stats` in IOS's layout, from the engine's
// snapshots. Pure functions, so the layout is tested without a daemon.
#pragma once

#include <string>
#include <vector>

#include "hubsec/ike/snapshot.hpp"

namespace hubsec::host::daemon {

struct ShowContext {
  std::uint32_t dpd_retry_seconds = 0;  // not in the snapshot: from the profile's `dpd`
};

std::string show_ikev2_sa(const std::vector<ike::IkeSaSnapshot>& sas, bool detailed,
                          const std::vector<ShowContext>& context = {});
// `max_sas`, `max_in_negotiation` from the policy (0 = no limit, as IOS prints).
std::string show_ikev2_stats(const ike::EngineStats& stats, std::uint32_t max_sas,
                             std::uint32_t max_in_negotiation);

// The daemon's own counters of its IKE sockets, the last rows of `show crypto ikev2 stats`.
struct IkeSocketCounters {
  std::uint64_t keepalives = 0;        // NAT keepalives received
  std::uint64_t malformed = 0;         // malformed or oversized datagrams
  std::uint64_t send_errors = 0;       // IKE messages the socket refused
  std::uint64_t natt_queue_drops = 0;  // port 4500: non-ESP datagrams the data plane dropped (queue full)
};
std::string show_ike_socket_counters(const IkeSocketCounters& counters);

// IOS's status words: IN-NEG, READY, DELETE.
std::string_view ios_status(ike::IkeSaStatus status);

}  // namespace hubsec::host::daemon
