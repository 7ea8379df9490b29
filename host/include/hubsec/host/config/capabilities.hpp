// What hubsec's IKE engine and ESP data path implement, in configuration terms. Anything else parses
// (it is valid IOS) but is left out of negotiation, with a warning from `hubsec config check`.
#pragma once

#include <algorithm>
#include <cstdint>

#include "hubsec/host/config/model.hpp"

namespace hubsec::host::config {

constexpr bool engine_supports(IkeEncryption e) {
  return e == IkeEncryption::kAesCbc128 || e == IkeEncryption::kAesCbc256;
}
constexpr bool engine_supports(IkeHash h) {
  return h != IkeHash::kMd5;
}
constexpr bool engine_supports_group(std::uint16_t g) {
  return g == 14 || g == 19 || g == 20 || g == 31;
}
constexpr bool engine_supports(EspEncryption e) {
  return e == EspEncryption::kAes128 || e == EspEncryption::kAes256;
}
constexpr bool engine_supports(EspIntegrity i) {
  return i == EspIntegrity::kSha1 || i == EspIntegrity::kSha256;
}
inline bool engine_supports(const TransformSet& t) {
  return t.encryption && engine_supports(*t.encryption) && engine_supports(t.integrity);
}

// A complete proposal keeps at least one implemented algorithm of every kind it needs.
inline bool engine_can_use(const IkeProposal& p) {
  auto enc = [](IkeEncryption e) { return engine_supports(e); };
  auto hash = [](IkeHash h) { return engine_supports(h); };
  auto prf = p.effective_prf();
  return std::any_of(p.encryption.begin(), p.encryption.end(), enc) &&
         std::any_of(p.integrity.begin(), p.integrity.end(), hash) &&
         std::any_of(prf.begin(), prf.end(), hash) &&
         std::any_of(p.groups.begin(), p.groups.end(), engine_supports_group);
}

}  // namespace hubsec::host::config
