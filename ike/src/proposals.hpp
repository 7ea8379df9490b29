// SA payload construction and selection for IKE and ESP proposals (RFC 7296 2.7, 3.3).
#pragma once

#include <optional>

#include "crypto.hpp"
#include "hubsec/ike/message.hpp"
#include "hubsec/ike/policy.hpp"

namespace hubsec::ike::detail {

// IOS: integrity sha256 implies PRF HMAC-SHA256 when no prf is configured.
PrfAlg prf_for_integ(IntegAlg integ);

// One IKE proposal per configured IkeProposal. `spi` empty for IKE_SA_INIT, 8 bytes for IKE rekey.
msg::SaPayload ike_offer(const std::vector<IkeProposal>& ours, const Bytes& spi);
// Responder: the first offered proposal all of whose transform types we accept. The returned
// Proposal (one transform per type) is what the response carries.
struct IkeChoice {
  crypto::IkeSuite suite;
  msg::Proposal proposal;
};
std::optional<IkeChoice> select_ike(const msg::SaPayload& offered, const std::vector<IkeProposal>& ours);
// Initiator: the response must carry exactly one proposal with one transform per type, all offered.
std::optional<crypto::IkeSuite> accept_ike(const msg::SaPayload& chosen,
                                           const std::vector<IkeProposal>& ours);
// Groups of a proposal list in preference order (for INVALID_KE_PAYLOAD checks).
bool ike_group_acceptable(const std::vector<IkeProposal>& ours, DhGroup group);
// Switches a choice to the group the peer already sent a KE for, when its chosen proposal offers
// that group and we accept it (saves an INVALID_KE_PAYLOAD round trip).
void prefer_ke_group(IkeChoice& choice, const msg::SaPayload& offered, DhGroup ke_group,
                     const std::vector<IkeProposal>& ours);
// N(INVALID_KE_PAYLOAD) carrying the group we want (RFC 7296 3.10.1).
msg::Payload invalid_ke_notify(DhGroup wanted);

struct EspSuite {
  EspEncr encr = EspEncr::kAesCbc256;
  EspInteg integ = EspInteg::kHmacSha1_96;
  bool esn = false;
  DhGroup dh = DhGroup::kNone;
};
std::size_t esp_encr_key_size(EspEncr e);
std::size_t esp_integ_key_size(EspInteg i);

msg::SaPayload esp_offer(const ChildProposal& ours, std::uint32_t spi, DhGroup dh);
struct EspChoice {
  EspSuite suite;
  msg::Proposal proposal;  // with the peer's SPI as offered (caller swaps in ours for the response)
  std::uint32_t peer_spi = 0;
};
// `ke_group`: the group of the KE payload in the request (kNone if absent; DH transforms are
// ignored then, as in IKE_AUTH).
std::optional<EspChoice> select_esp(const msg::SaPayload& offered, const ChildProposal& ours,
                                    DhGroup ke_group);
std::optional<EspChoice> accept_esp(const msg::SaPayload& chosen, const ChildProposal& ours,
                                    DhGroup sent_group);

}  // namespace hubsec::ike::detail
