// Read-only views of the engine's state for `show crypto ikev2 sa [detailed]` and
// `show crypto ikev2 stats`. No secrets inside.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hubsec/ike/actions.hpp"
#include "hubsec/ike/types.hpp"

namespace hubsec::ike {

enum class IkeSaStatus : std::uint8_t {
  kInitSent,  // IOS "IN-NEG" for these three
  kAuthSent,
  kNegotiating,
  kReady,  // "READY"
  kRekeying,
  kDeleting,  // "DELETE"
};
std::string_view to_string(IkeSaStatus status);  // IOS words: "IN-NEG", "READY", "DELETE"

struct ChildSaSnapshot {
  std::uint32_t inbound_spi = 0, outbound_spi = 0;
  ChildMode mode = ChildMode::kTransport;
  EspEncr encryption = EspEncr::kAesCbc256;
  EspInteg integrity = EspInteg::kHmacSha1_96;
  bool esn = false;
  std::vector<TrafficSelector> local_ts, remote_ts;
  std::uint64_t established_seconds = 0;  // age
  bool rekeying = false;
};

struct IkeSaSnapshot {
  IkeSaId id = 0;  // IOS "Tunnel-id"
  Endpoint local, remote;
  std::string fvrf = "none", ivrf = "none";
  IkeSaStatus status = IkeSaStatus::kNegotiating;
  bool initiator = false;           // IOS "Role: Initiator|Responder"
  std::uint16_t encr_key_bits = 0;  // "Encr: AES-CBC, keysize: 256"
  IntegAlg integrity = IntegAlg::kNone;
  PrfAlg prf = PrfAlg::kHmacSha2_256;
  DhGroup dh_group = DhGroup::kNone;
  AuthMethod local_auth = AuthMethod::kPsk,
             remote_auth = AuthMethod::kPsk;  // "Auth sign: PSK, Auth verify: PSK"
  std::uint64_t lifetime_seconds = 0;         // "Life/Active Time: 86400/123 sec"
  std::uint64_t active_seconds = 0;
  std::uint64_t initiator_spi = 0, responder_spi = 0;  // "Local spi / Remote spi" are picked by role
  Identity local_id, remote_id;
  bool nat_local = false, nat_remote = false;  // "NAT-T is detected inside/outside"
  bool fragmentation = false;
  std::chrono::seconds dpd_interval{0};
  std::uint32_t next_request_id = 0, next_expected_id = 0;  // message IDs
  std::string profile;
  std::vector<ChildSaSnapshot> children;
};

// Counters as in IOS `show crypto ikev2 stats`, plus our own error counters.
struct EngineStats {
  std::uint64_t incoming_sas = 0, incoming_active = 0, incoming_negotiating = 0;
  std::uint64_t outgoing_sas = 0, outgoing_active = 0, outgoing_negotiating = 0;
  std::uint64_t incoming_requests = 0, incoming_accepted = 0, incoming_rejected = 0;
  std::uint64_t outgoing_requests = 0, outgoing_accepted = 0, outgoing_rejected = 0;
  std::uint64_t rejected_resource_low = 0, rejected_sa_limit = 0;
  std::uint64_t dropped_at_dispatch = 0;  // undecodable, unknown SPI, bad ICV, wrong state
  std::uint64_t cookie_challenged = 0, cookie_accepted = 0, cookie_rejected = 0,
                cookie_rejected_no_cookie = 0;
  // Ours.
  std::uint64_t decode_errors = 0, integrity_failures = 0, auth_failures = 0, invalid_ke_sent = 0,
                invalid_ke_received = 0, retransmits_sent = 0, retransmits_answered = 0, exhausted = 0,
                child_sas_installed = 0, child_rekeys = 0, ike_rekeys = 0, rekey_collisions = 0, dpd_sent = 0,
                fragments_sent = 0, fragments_received = 0, no_proposal_chosen = 0, unsupported_critical = 0;
};

}  // namespace hubsec::ike
