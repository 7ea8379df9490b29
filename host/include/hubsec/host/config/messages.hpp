// The validator's messages. The first three are IOS's own text, word for word (IOS prints them
// when a proposal, policy or profile is entered and refuses to use it while incomplete); the others
// are hubsec's, for conditions IOS accepts but hubsecd cannot honour, or references IOS resolves
// later but a configuration file must get right.
#pragma once

#include <string>
#include <string_view>

namespace hubsec::host::config {

inline constexpr std::string_view kProposalIncomplete =
    "IKEv2 proposal MUST either have a set of an encryption algorithm other than aes-gcm, an integrity "
    "algorithm and a DH group configured or encryption algorithm aes-gcm, a prf algorithm and a DH group "
    "configured";
inline constexpr std::string_view kPolicyIncomplete =
    "IKEv2 policy MUST have atleast one complete proposal attached";
inline constexpr std::string_view kProfileIncomplete =
    "IKEv2 profile MUST have:\n"
    "   1. A local and a remote authentication method.\n"
    "   2. A match identity or a match certificate or match any statement.";

inline constexpr std::string_view kNoUsablePolicy =
    "% no crypto ikev2 policy with a complete proposal hubsec implements: IOS would fall back to its default "
    "proposal, which hubsec does not provide";
inline constexpr std::string_view kNotImplementedSkipped =
    "% not implemented by hubsec, left out of negotiation:";
inline constexpr std::string_view kNotImplementedUnusable =
    "% not implemented by hubsec, nothing usable left:";
inline constexpr std::string_view kFvrfNoted =
    "% match fvrf accepted: hubsec has no VRFs, every peer is in the global table";
inline constexpr std::string_view kMatchLocalNoted =
    "% match address local accepted: hubsecd answers on every local address";
inline constexpr std::string_view kPeerMatchesNothing =
    "% keyring peer has no address and no identity: it matches no peer";
inline constexpr std::string_view kPeerWithoutKey = "% keyring peer has no pre-shared-key";
inline constexpr std::string_view kType6Key =
    "% type 6 pre-shared-key is encrypted with the router's master key, which hubsec does not have: the peer "
    "cannot authenticate";
inline constexpr std::string_view kOnlyPreShare = "% hubsec authenticates with pre-share only";
inline constexpr std::string_view kPskWithoutKeyring =
    "% authentication pre-share needs a `keyring local NAME` (or `pre-share key` for both sides)";
inline constexpr std::string_view kTransformNotImplemented =
    "% not implemented by hubsec: ESP needs esp-aes [256] with esp-sha-hmac or esp-sha256-hmac";
inline constexpr std::string_view kNoIkev2Profile = "% no `set ikev2-profile`: hubsec speaks IKEv2 only";
inline constexpr std::string_view kDefaultTransformSet =
    "% no `set transform-set`: IOS's default transform set is used (esp-aes esp-sha-hmac, mode tunnel)";
inline constexpr std::string_view kNoUsableTransformSet = "% no transform set hubsec implements";

inline std::string undefined(std::string_view what, std::string_view name) {
  return "% " + std::string(what) + " " + std::string(name) + " is not defined";
}

}  // namespace hubsec::host::config
