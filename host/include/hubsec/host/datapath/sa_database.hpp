// The SA and policy databases of the data path. Each entry is one Child SA (both directions) as IKE
// installed it: the inbound SA is found by its SPI, the outbound SA by the policy its traffic
// selectors describe (RFC 4301 SPD), the newest installed Child SA of a reqid winning, so a rekey
// switches outbound traffic to the new SA at once while the old one still decrypts until IKE
// deletes it (make-before-break, RFC 7296 2.8).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "hubsec/driver/esp_types.hpp"
#include "hubsec/ike/actions.hpp"

namespace hubsec::host::datapath {

// The part of an IPv4 packet the policies look at (addresses in host order).
struct FlowKey {
  std::uint32_t src = 0, dst = 0;
  std::uint8_t protocol = 0;
  std::uint16_t src_port = 0, dst_port = 0;  // 0 when the protocol has no ports
};

// True when the IPv4 selector covers address `addr`, `protocol` and `port`.
bool selector_matches(const ike::TrafficSelector& ts, std::uint32_t addr, std::uint8_t protocol,
                      std::uint16_t port);

struct SaEntry {
  ike::IkeSaId ike_sa = 0;
  std::uint32_t reqid = 0;
  std::uint32_t inbound_spi = 0, outbound_spi = 0;
  ike::ChildMode mode = ike::ChildMode::kTransport;
  ike::EspEncr encryption = ike::EspEncr::kAesCbc256;
  ike::EspInteg integrity = ike::EspInteg::kHmacSha1_96;
  bool esn = false;
  ike::Endpoint local, remote;
  bool udp_encap = false;
  std::vector<ike::TrafficSelector> local_ts, remote_ts;
  ike::Lifetime lifetime;
  ike::DhGroup pfs_group = ike::DhGroup::kNone;
  driver::SaHandle inbound = driver::kInvalidSa, outbound = driver::kInvalidSa;
  std::uint64_t generation = 0;  // install order: higher = newer
  std::chrono::steady_clock::time_point installed_at{};
  // Counted by the data path (the backend counts the crypto outcomes per handle).
  std::uint64_t send_errors = 0, recv_errors = 0, policy_drops = 0;
  bool soft_reported = false, hard_reported = false;  // volume lifetime events already sent to IKE
  // Rekeyed and deleted by IKE: never chosen for outbound again, but still decrypts what was in
  // flight (ESP and the IKE delete arrive on different sockets and threads) until retire_at.
  bool retiring = false;
  // Last authenticated ESP in and last ESP out (on-demand DPD asks IKE when out is newer and in is old).
  std::chrono::steady_clock::time_point last_in{}, last_out{};
  std::chrono::steady_clock::time_point retire_at{};

  bool outbound_matches(const FlowKey& flow) const;  // flow from local_ts to remote_ts
  bool inbound_matches(const FlowKey& flow) const;   // flow from remote_ts to local_ts
};

class SaDatabase {
 public:
  // Adds an entry (its generation is assigned here); replaces one with the same inbound SPI.
  SaEntry& add(SaEntry entry);
  std::optional<SaEntry> take(std::uint32_t inbound_spi);  // removes and returns it
  SaEntry* by_inbound_spi(std::uint32_t spi);
  // The outbound SA for a flow: among the entries whose selectors cover it, the newest of the reqid
  // of the newest match. nullptr = no policy: the caller drops (never sends in clear).
  SaEntry* outbound_for(const FlowKey& flow);
  SaEntry* newest_of_reqid(std::uint32_t reqid);
  const std::map<std::uint32_t, SaEntry>& entries() const { return by_spi_; }
  std::map<std::uint32_t, SaEntry>& entries() { return by_spi_; }
  bool empty() const { return by_spi_.empty(); }

 private:
  std::map<std::uint32_t, SaEntry> by_spi_;
  std::uint64_t next_generation_ = 1;
};

}  // namespace hubsec::host::datapath
