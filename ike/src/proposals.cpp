#include "proposals.hpp"

#include <algorithm>

namespace hubsec::ike::detail {

using msg::Proposal;
using msg::ProtocolId;
using msg::Transform;
using msg::TransformType;

namespace {

constexpr std::uint16_t kEncrAesCbc = 12;
constexpr std::uint16_t kIntegSha1_96 = 2, kIntegSha256_128 = 12;

std::vector<PrfAlg> prfs_of(const IkeProposal& p) {
  if (!p.prfs.empty()) return p.prfs;
  std::vector<PrfAlg> out;
  for (auto i : p.integrities) {
    PrfAlg prf = prf_for_integ(i);
    if (std::find(out.begin(), out.end(), prf) == out.end()) out.push_back(prf);
  }
  return out;
}

bool accepts(const IkeProposal& p, const Transform& t) {
  switch (t.type) {
    case TransformType::kEncr:
      return t.id == kEncrAesCbc && t.key_length &&
             std::any_of(p.encryptions.begin(), p.encryptions.end(),
                         [&](const auto& e) { return e.key_bits == *t.key_length; });
    case TransformType::kInteg:
      return std::find(p.integrities.begin(), p.integrities.end(), static_cast<IntegAlg>(t.id)) !=
             p.integrities.end();
    case TransformType::kPrf: {
      auto prfs = prfs_of(p);
      return std::find(prfs.begin(), prfs.end(), static_cast<PrfAlg>(t.id)) != prfs.end();
    }
    case TransformType::kDh:
      return std::find(p.groups.begin(), p.groups.end(), static_cast<DhGroup>(t.id)) != p.groups.end();
    default: return false;
  }
}

// Picks one acceptable transform per type from an offered IKE proposal against one of ours.
std::optional<IkeChoice> match_ike(const Proposal& offered, const IkeProposal& ours) {
  if (offered.protocol != ProtocolId::kIke) return std::nullopt;
  IkeChoice c;
  c.proposal.number = offered.number;
  c.proposal.protocol = ProtocolId::kIke;
  c.proposal.spi = offered.spi;
  bool have[6] = {};
  bool seen[6] = {};
  for (const auto& t : offered.transforms) {
    const auto type = static_cast<std::size_t>(t.type);
    if (type < 1 || type > 4) return std::nullopt;  // ESN etc. in an IKE proposal: refuse it
    seen[type] = true;
    if (have[type] || !accepts(ours, t)) continue;
    have[type] = true;
    c.proposal.transforms.push_back(t);
    switch (t.type) {
      case TransformType::kEncr: c.suite.encr_key_bits = *t.key_length; break;
      case TransformType::kInteg: c.suite.integ = static_cast<IntegAlg>(t.id); break;
      case TransformType::kPrf: c.suite.prf = static_cast<PrfAlg>(t.id); break;
      case TransformType::kDh: c.suite.dh = static_cast<DhGroup>(t.id); break;
      default: break;
    }
  }
  for (int type = 1; type <= 4; ++type)
    if (!have[type] || !seen[type]) return std::nullopt;
  return c;
}

}  // namespace

PrfAlg prf_for_integ(IntegAlg integ) {
  switch (integ) {
    case IntegAlg::kHmacSha1_96: return PrfAlg::kHmacSha1;
    case IntegAlg::kHmacSha2_384_192: return PrfAlg::kHmacSha2_384;
    case IntegAlg::kHmacSha2_512_256: return PrfAlg::kHmacSha2_512;
    default: return PrfAlg::kHmacSha2_256;
  }
}

msg::SaPayload ike_offer(const std::vector<IkeProposal>& ours, const Bytes& spi) {
  msg::SaPayload sa;
  std::uint8_t number = 1;
  for (const auto& p : ours) {
    Proposal prop;
    prop.number = number++;
    prop.protocol = ProtocolId::kIke;
    prop.spi = spi;
    for (const auto& e : p.encryptions)
      prop.transforms.push_back({TransformType::kEncr, static_cast<std::uint16_t>(e.alg), e.key_bits});
    for (auto prf : prfs_of(p))
      prop.transforms.push_back({TransformType::kPrf, static_cast<std::uint16_t>(prf), std::nullopt});
    for (auto i : p.integrities)
      prop.transforms.push_back({TransformType::kInteg, static_cast<std::uint16_t>(i), std::nullopt});
    for (auto g : p.groups)
      prop.transforms.push_back({TransformType::kDh, static_cast<std::uint16_t>(g), std::nullopt});
    sa.proposals.push_back(std::move(prop));
  }
  return sa;
}

std::optional<IkeChoice> select_ike(const msg::SaPayload& offered, const std::vector<IkeProposal>& ours) {
  for (const auto& prop : offered.proposals)
    for (const auto& mine : ours)
      if (auto c = match_ike(prop, mine)) return c;
  return std::nullopt;
}

std::optional<crypto::IkeSuite> accept_ike(const msg::SaPayload& chosen,
                                           const std::vector<IkeProposal>& ours) {
  if (chosen.proposals.size() != 1) return std::nullopt;
  const Proposal& p = chosen.proposals[0];
  int counts[6] = {};
  for (const auto& t : p.transforms) {
    const auto type = static_cast<std::size_t>(t.type);
    if (type < 1 || type > 4) return std::nullopt;
    ++counts[type];
  }
  for (int type = 1; type <= 4; ++type)
    if (counts[type] != 1) return std::nullopt;
  for (const auto& mine : ours)
    if (auto c = match_ike(p, mine)) return c->suite;
  return std::nullopt;
}

bool ike_group_acceptable(const std::vector<IkeProposal>& ours, DhGroup group) {
  return std::any_of(ours.begin(), ours.end(), [&](const IkeProposal& p) {
    return std::find(p.groups.begin(), p.groups.end(), group) != p.groups.end();
  });
}

void prefer_ke_group(IkeChoice& choice, const msg::SaPayload& offered, DhGroup ke_group,
                     const std::vector<IkeProposal>& ours) {
  if (choice.suite.dh == ke_group || !ike_group_acceptable(ours, ke_group)) return;
  const auto id = static_cast<std::uint16_t>(ke_group);
  for (const auto& prop : offered.proposals) {
    if (prop.number != choice.proposal.number) continue;
    for (const auto& t : prop.transforms) {
      if (t.type != TransformType::kDh || t.id != id) continue;
      choice.suite.dh = ke_group;
      for (auto& ct : choice.proposal.transforms)
        if (ct.type == TransformType::kDh) ct.id = id;
      return;
    }
  }
}

msg::Payload invalid_ke_notify(DhGroup wanted) {
  const auto g = static_cast<std::uint16_t>(wanted);
  return msg::make_notify(msg::notify::kInvalidKePayload,
                          Bytes{static_cast<std::uint8_t>(g >> 8), static_cast<std::uint8_t>(g)});
}

std::size_t esp_encr_key_size(EspEncr e) {
  return e == EspEncr::kAesCbc128 ? 16 : 32;
}
std::size_t esp_integ_key_size(EspInteg i) {
  return i == EspInteg::kHmacSha1_96 ? 20 : 32;
}

namespace {
std::uint16_t integ_id(EspInteg i) {
  return i == EspInteg::kHmacSha1_96 ? kIntegSha1_96 : kIntegSha256_128;
}
std::uint16_t encr_bits(EspEncr e) {
  return e == EspEncr::kAesCbc128 ? 128 : 256;
}

std::uint32_t spi_of(const Bytes& spi) {
  return (std::uint32_t{spi[0]} << 24) | (std::uint32_t{spi[1]} << 16) | (std::uint32_t{spi[2]} << 8) |
         spi[3];
}

std::optional<EspChoice> match_esp(const Proposal& offered, const ChildProposal& ours, DhGroup ke_group,
                                   bool strict_single) {
  if (offered.protocol != ProtocolId::kEsp || offered.spi.size() != 4) return std::nullopt;
  EspChoice c;
  c.peer_spi = spi_of(offered.spi);
  c.proposal.number = offered.number;
  c.proposal.protocol = ProtocolId::kEsp;
  c.proposal.spi = offered.spi;
  bool have_encr = false, have_integ = false, have_esn = false, have_dh = false, seen_dh = false,
       dh_none_ok = false;
  int counts[6] = {};
  for (const auto& t : offered.transforms) {
    const auto type = static_cast<std::size_t>(t.type);
    if (type >= 1 && type <= 5) ++counts[type];
    switch (t.type) {
      case TransformType::kEncr:
        if (have_encr || t.id != kEncrAesCbc || !t.key_length) break;
        for (auto e : ours.encryptions)
          if (encr_bits(e) == *t.key_length) {
            c.suite.encr = e;
            have_encr = true;
            c.proposal.transforms.push_back(t);
            break;
          }
        break;
      case TransformType::kInteg:
        if (have_integ) break;
        for (auto i : ours.integrities)
          if (integ_id(i) == t.id) {
            c.suite.integ = i;
            have_integ = true;
            c.proposal.transforms.push_back(t);
            break;
          }
        break;
      case TransformType::kEsn:
        if (have_esn || t.id > 1) break;
        if (t.id == 1 && !ours.esn) break;
        if (t.id == 0 && ours.esn &&
            std::any_of(offered.transforms.begin(), offered.transforms.end(),
                        [](const Transform& x) { return x.type == TransformType::kEsn && x.id == 1; }))
          break;  // prefer ESN when both offered and we want it
        c.suite.esn = t.id == 1;
        have_esn = true;
        c.proposal.transforms.push_back(t);
        break;
      case TransformType::kDh:
        seen_dh = true;
        if (t.id == 0) dh_none_ok = true;
        if (!have_dh && ke_group != DhGroup::kNone && static_cast<DhGroup>(t.id) == ke_group) {
          c.suite.dh = ke_group;
          have_dh = true;
          c.proposal.transforms.push_back(t);
        }
        break;
      default: return std::nullopt;
    }
  }
  if (!have_encr || !have_integ) return std::nullopt;
  if (!have_esn) {
    if (counts[5] != 0) return std::nullopt;  // offered only ESN values we refuse
    c.suite.esn = false;
  }
  if (ke_group != DhGroup::kNone) {
    if (!have_dh) return std::nullopt;  // KE sent for a group this proposal does not list
    if (ours.pfs_group != DhGroup::kNone && ours.pfs_group != ke_group) return std::nullopt;
  } else if (ours.pfs_group != DhGroup::kNone && strict_single) {
    return std::nullopt;  // we require PFS and the peer answered without it
  }
  (void)seen_dh;
  (void)dh_none_ok;
  if (strict_single) {
    for (int type = 1; type <= 5; ++type)
      if (counts[type] > 1) return std::nullopt;
  }
  return c;
}
}  // namespace

msg::SaPayload esp_offer(const ChildProposal& ours, std::uint32_t spi, DhGroup dh) {
  Proposal prop;
  prop.number = 1;
  prop.protocol = ProtocolId::kEsp;
  prop.spi = {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
              static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
  for (auto e : ours.encryptions)
    prop.transforms.push_back({TransformType::kEncr, kEncrAesCbc, encr_bits(e)});
  for (auto i : ours.integrities)
    prop.transforms.push_back({TransformType::kInteg, integ_id(i), std::nullopt});
  if (dh != DhGroup::kNone)
    prop.transforms.push_back({TransformType::kDh, static_cast<std::uint16_t>(dh), std::nullopt});
  if (ours.esn) prop.transforms.push_back({TransformType::kEsn, 1, std::nullopt});
  prop.transforms.push_back({TransformType::kEsn, 0, std::nullopt});
  msg::SaPayload sa;
  sa.proposals.push_back(std::move(prop));
  return sa;
}

std::optional<EspChoice> select_esp(const msg::SaPayload& offered, const ChildProposal& ours,
                                    DhGroup ke_group) {
  for (const auto& prop : offered.proposals)
    if (auto c = match_esp(prop, ours, ke_group, false)) return c;
  return std::nullopt;
}

std::optional<EspChoice> accept_esp(const msg::SaPayload& chosen, const ChildProposal& ours,
                                    DhGroup sent_group) {
  if (chosen.proposals.size() != 1) return std::nullopt;
  return match_esp(chosen.proposals[0], ours, sent_group, true);
}

}  // namespace hubsec::ike::detail
