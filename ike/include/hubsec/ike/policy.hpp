// What the operator configured, at the IKE level. hubsecd builds this from the IOS configuration
// (crypto ikev2 proposal/policy/keyring/profile, crypto ipsec transform-set/profile) and hands it
// to the Engine; the engine never sees configuration text.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hubsec/ike/secret.hpp"
#include "hubsec/ike/types.hpp"

namespace hubsec::ike {

// One IKE proposal (IOS `crypto ikev2 proposal`): any of each list may be chosen. With `prfs`
// empty the PRFs follow the integrity algorithms (sha256 -> PRF_HMAC_SHA2_256), as IOS does.
struct IkeProposal {
  struct Encryption {
    EncrAlg alg = EncrAlg::kAesCbc;
    std::uint16_t key_bits = 256;  // 128 or 256
    friend bool operator==(const Encryption&, const Encryption&) = default;
  };
  std::vector<Encryption> encryptions;
  std::vector<IntegAlg> integrities;
  std::vector<PrfAlg> prfs;
  std::vector<DhGroup> groups;  // the first is the one an initiator sends KE for
};

// `match identity remote ...`
struct RemoteIdMatch {
  enum class Kind : std::uint8_t { kAny, kAddress, kFqdn };
  Kind kind = Kind::kAny;
  IpAddress address;       // kAddress
  IpAddress address_mask;  // kAddress: IOS `match identity remote address A M` (all-ones = exact)
  std::string fqdn;        // kFqdn: exact, case-insensitive; a leading '.' matches the domain
  bool matches(const Identity& id) const;
};

// One keyring entry (IOS `peer NAME / address A M / identity ... / pre-shared-key K`).
struct PskEntry {
  IpAddress address;  // 0.0.0.0 with mask 0.0.0.0 = any peer
  IpAddress address_mask;
  std::optional<Identity> identity;  // when set, the peer's IDi/IDr must equal it
  SecretBytes key;
};

// Returns the PSK for a peer (its address and the identity it sent), or nullopt to refuse it.
// Called when the peer's ID is known: responder after IKE_AUTH request, initiator after response.
using PskLookup = std::function<std::optional<SecretBytes>(const IpAddress& peer, const Identity& peer_id)>;

enum class ChildMode : std::uint8_t { kTransport, kTunnel };

// ESP algorithms of the transform set (`esp-aes 256 esp-sha-hmac`).
enum class EspEncr : std::uint8_t { kAesCbc128, kAesCbc256 };
enum class EspInteg : std::uint8_t { kHmacSha1_96, kHmacSha256_128 };

struct ChildProposal {
  std::vector<EspEncr> encryptions{EspEncr::kAesCbc256};
  std::vector<EspInteg> integrities{EspInteg::kHmacSha1_96};
  bool esn = false;                    // offer ESN (also accepts no-ESN if the peer only does that)
  DhGroup pfs_group = DhGroup::kNone;  // `set pfs groupN`: KE in CREATE_CHILD_SA
};

// RFC 7296 3.13.1 traffic selector (IPv4 or IPv6 range, protocol, port range).
struct TrafficSelector {
  std::uint8_t ip_proto = 0;  // 0 = any
  std::uint16_t start_port = 0, end_port = 0xFFFF;
  IpAddress start, end;
  static TrafficSelector host(const IpAddress& addr, std::uint8_t proto);
  static TrafficSelector subnet(const IpAddress& network, const IpAddress& mask, std::uint8_t proto = 0);
  bool contains(const TrafficSelector& inner) const;
  std::string to_string() const;
  friend bool operator==(const TrafficSelector&, const TrafficSelector&) = default;
};

struct Lifetime {
  std::chrono::seconds seconds{0};  // 0 = none
  std::uint64_t kilobytes = 0;      // 0 = none (the data plane counts; engine only forwards)
  std::uint64_t packets = 0;        // 0 = none
};

struct ChildPolicy {
  ChildProposal proposal;
  ChildMode mode = ChildMode::kTransport;
  // Transport mode (DMVPN: GRE between the tunnel endpoints): selectors are the two IKE endpoint
  // addresses with protocol `transport_proto`, filled in per SA. Tunnel mode: the lists below.
  std::uint8_t transport_proto = 47;
  std::vector<TrafficSelector> local_ts, remote_ts;
  // IOS `set security-association lifetime`: 3600 s, 4608000 KB by default.
  Lifetime lifetime{std::chrono::seconds(3600), 4608000, 0};
  // Rekey this long before the time lifetime ends (jittered by up to rekey_jitter).
  std::chrono::seconds rekey_margin{540};
  std::chrono::seconds rekey_jitter{60};
};

// One `crypto ikev2 profile` with what its ipsec profile attaches to it.
struct Profile {
  std::string name;
  Identity local_id;                  // `identity local address|fqdn` (hubsecd fills the address)
  std::vector<RemoteIdMatch> remote;  // any one matching selects this profile
  std::vector<PskEntry> keyring;      // used when psk_lookup is empty
  PskLookup psk_lookup;               // takes precedence over keyring when set
  ChildPolicy child;
  std::chrono::seconds ike_lifetime{86400};  // IOS `lifetime` (seconds)
  std::chrono::seconds dpd_interval{0};      // `dpd S R on-demand|periodic`: 0 = off
  std::chrono::seconds dpd_retry{2};
  bool dpd_periodic = true;  // periodic: probe when idle for dpd_interval; on-demand: only when asked

  // The PSK for a peer: psk_lookup if set, else the best keyring match (longest mask, identity first).
  std::optional<SecretBytes> find_psk(const IpAddress& peer, const Identity& peer_id) const;
};

struct RetransmitPolicy {
  Duration initial{std::chrono::seconds(2)};  // first timeout; doubles each try (IOS 2 s, strongSwan 4 s)
  double backoff = 2.0;
  Duration max_interval{std::chrono::seconds(32)};
  std::uint32_t tries = 5;  // retransmissions after the first send before giving up
};

struct Policy {
  std::vector<IkeProposal> proposals;  // IOS policy order: the first acceptable one wins
  std::vector<Profile> profiles;       // the responder picks by the initiator's IDi
  RetransmitPolicy retransmit;
  // Responder asks for cookies (RFC 7296 2.6) while this many half-open SAs exist (IOS
  // `crypto ikev2 cookie-challenge N`); 0 = always, -1 = never.
  std::int32_t cookie_threshold = -1;
  std::uint32_t max_half_open = 1000;          // refuse new IKE_SA_INIT beyond this (counted in stats)
  std::uint32_t max_sas = 0;                   // 0 = no limit
  std::uint32_t max_children_per_ike_sa = 64;  // more CREATE_CHILD_SA get NO_ADDITIONAL_SAS
  Duration half_open_timeout{std::chrono::seconds(30)};
  bool fragmentation = true;  // announce and use RFC 7383 fragmentation
  std::uint32_t mtu = 1280;   // IKE messages above this (IP+UDP included) are fragmented when allowed
  bool nat_keepalive = true;  // emit 0xFF keepalive datagrams when we are behind a NAT
  std::chrono::seconds nat_keepalive_interval{20};
};

}  // namespace hubsec::ike
