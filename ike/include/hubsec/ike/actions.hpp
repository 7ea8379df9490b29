// What the engine asks of its host: datagrams to send, Child SAs to install or remove, IKE SA state
// changes, log lines. Collected in order; the host drains them with Engine::take_actions().
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "hubsec/ike/policy.hpp"
#include "hubsec/ike/secret.hpp"
#include "hubsec/ike/types.hpp"

namespace hubsec::ike {

using IkeSaId = std::uint32_t;  // engine-assigned, never reused within one Engine

struct SendDatagram {
  Endpoint local, remote;
  Bytes payload;  // the IKE message (or a single 0xFF NAT keepalive byte)
  // Sent from/to port 4500: the host must prefix the 4-byte zero non-ESP marker (RFC 3948 2.2) to
  // IKE messages. Not set for keepalives, which are the bare 0xFF byte.
  bool non_esp_marker = false;
  bool keepalive = false;
};

// One direction of a Child SA's ESP keys (RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir new |] Ni | Nr),
// taken as encr(i->r), integ(i->r), encr(r->i), integ(r->i)).
struct EspKeys {
  std::uint32_t spi = 0;  // host byte order; inbound = the SPI we chose, outbound = the peer's
  SecretBytes encryption;
  SecretBytes integrity;
};

struct ChildSaInfo {
  IkeSaId ike_sa = 0;
  std::uint32_t reqid = 0;  // stable across rekeys of the same Child SA
  ChildMode mode = ChildMode::kTransport;
  EspEncr encryption = EspEncr::kAesCbc256;
  EspInteg integrity = EspInteg::kHmacSha1_96;
  bool esn = false;
  EspKeys inbound, outbound;
  std::vector<TrafficSelector> local_ts, remote_ts;
  Endpoint local, remote;  // the IKE SA's endpoints (tunnel outer addresses, NAT ports)
  bool udp_encap = false;  // ESP in UDP 4500 (a NAT detected, or faked by the peer)
  Lifetime lifetime;       // hard limits for the data plane to enforce (volume) and report
  DhGroup pfs_group = DhGroup::kNone;
};

// Install both directions. When `replaces_inbound_spi` is non-zero this is a rekey: keep the old SA
// for inbound until its ChildSaDelete arrives (RFC 7296 2.8), switch outbound to the new one now.
struct ChildSaInstall {
  ChildSaInfo sa;
  std::uint32_t replaces_inbound_spi = 0;
};

// The IKE SA's endpoints changed (NAT mapping update, float to 4500): update the ESP encapsulation.
struct ChildSaUpdate {
  std::uint32_t inbound_spi = 0;
  Endpoint local, remote;
  bool udp_encap = false;
};

struct ChildSaDelete {
  IkeSaId ike_sa = 0;
  std::uint32_t inbound_spi = 0;
  std::uint32_t outbound_spi = 0;
  enum class Reason : std::uint8_t { kRekeyed, kPeerDeleted, kLocalDelete, kIkeSaGone, kExpired };
  Reason reason = Reason::kLocalDelete;
};

struct IkeSaUp {
  IkeSaId id = 0;
  IkeSaId replaces = 0;  // non-zero after an IKE SA rekey (children moved to the new SA)
  Endpoint local, remote;
  Identity remote_id;
  std::string profile;
};

struct IkeSaDown {
  IkeSaId id = 0;
  enum class Reason : std::uint8_t {
    kLocalDelete,
    kPeerDeleted,
    kRekeyed,
    kTimeout,
    kDpdDead,
    kAuthFailed,
    kNegotiationFailed,
    kExpired
  };
  Reason reason = Reason::kLocalDelete;
  Endpoint remote;
};

// Free text for the daemon's log. Never contains keys or PSKs.
struct LogLine {
  enum class Level : std::uint8_t { kDebug, kInfo, kWarning, kError };
  Level level = Level::kInfo;
  IkeSaId ike_sa = 0;
  std::string text;
};

using Action =
    std::variant<SendDatagram, ChildSaInstall, ChildSaUpdate, ChildSaDelete, IkeSaUp, IkeSaDown, LogLine>;

}  // namespace hubsec::ike
