#include "hubsec/host/daemon/plan.hpp"

#include <algorithm>

#include "hubsec/host/config/capabilities.hpp"

namespace hubsec::host::daemon {

namespace {

using config::IkeEncryption;
using config::IkeHash;

ike::IpAddress ip(config::Ipv4 a) {
  return ike::IpAddress::v4(a.value);
}

std::optional<ike::IkeProposal::Encryption> map(IkeEncryption e) {
  if (e == IkeEncryption::kAesCbc128) {
    return ike::IkeProposal::Encryption{ike::EncrAlg::kAesCbc, 128};
  }
  if (e == IkeEncryption::kAesCbc256) {
    return ike::IkeProposal::Encryption{ike::EncrAlg::kAesCbc, 256};
  }
  return std::nullopt;
}

std::optional<ike::IntegAlg> map_integ(IkeHash h) {
  switch (h) {
    case IkeHash::kSha1: return ike::IntegAlg::kHmacSha1_96;
    case IkeHash::kSha256: return ike::IntegAlg::kHmacSha2_256_128;
    case IkeHash::kSha384: return ike::IntegAlg::kHmacSha2_384_192;
    case IkeHash::kSha512: return ike::IntegAlg::kHmacSha2_512_256;
    default: return std::nullopt;
  }
}

std::optional<ike::PrfAlg> map_prf(IkeHash h) {
  switch (h) {
    case IkeHash::kSha1: return ike::PrfAlg::kHmacSha1;
    case IkeHash::kSha256: return ike::PrfAlg::kHmacSha2_256;
    case IkeHash::kSha384: return ike::PrfAlg::kHmacSha2_384;
    case IkeHash::kSha512: return ike::PrfAlg::kHmacSha2_512;
    default: return std::nullopt;
  }
}

std::optional<ike::DhGroup> map_group(std::uint16_t g) {
  switch (g) {
    case 14: return ike::DhGroup::kModp2048;
    case 19: return ike::DhGroup::kEcp256;
    case 20: return ike::DhGroup::kEcp384;
    case 31: return ike::DhGroup::kCurve25519;
    default: return std::nullopt;
  }
}

template <typename T>
void push_unique(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

ike::IkeProposal map_proposal(const config::IkeProposal& p) {
  ike::IkeProposal out;
  for (auto e : p.encryption) {
    if (auto m = map(e)) {
      push_unique(out.encryptions, *m);
    }
  }
  for (auto h : p.integrity) {
    if (auto m = map_integ(h)) {
      push_unique(out.integrities, *m);
    }
  }
  for (auto h : p.effective_prf()) {
    if (auto m = map_prf(h)) {
      push_unique(out.prfs, *m);
    }
  }
  for (auto g : p.groups) {
    if (auto m = map_group(g)) {
      push_unique(out.groups, *m);
    }
  }
  return out;
}

bool same(const ike::IkeProposal& a, const ike::IkeProposal& b) {
  return a.encryptions == b.encryptions && a.integrities == b.integrities && a.prfs == b.prfs &&
         a.groups == b.groups;
}

std::optional<ike::Identity> map_identity(const config::Identity& id) {
  if (id.kind == config::IdentityKind::kAddress) {
    auto a = config::Ipv4::parse(id.value);
    if (!a) {
      return std::nullopt;
    }
    return ike::Identity::address(ip(*a));
  }
  if (id.kind == config::IdentityKind::kFqdn) {
    return ike::Identity::fqdn(id.value);
  }
  return std::nullopt;  // email and key-id: the engine has no such identities yet
}

class Builder {
 public:
  Builder(const config::Config& c, const PlanOptions& o) : c_(c), o_(o) {}

  Plan run() {
    proposals();
    globals();
    // One engine profile per IKEv2 profile that an IPsec profile uses; the IPsec profile named by a
    // tunnel's `tunnel protection` comes first, so its transform sets win when several name it.
    std::vector<const config::IpsecProfile*> order;
    for (const auto& t : c_.tunnels) {
      if (const auto* ip = c_.find_ipsec_profile(t.protection_profile)) {
        push_unique(order, ip);
      }
    }
    for (const auto& ip : c_.ipsec_profiles) {
      push_unique(order, &ip);
    }
    for (const auto* ip : order) {
      profile(*ip);
    }
    for (const auto& p : c_.ike_profiles) {
      if (!has_profile(p.name)) {
        out_.notes.push_back("IKEv2 profile " + p.name + " is used by no IPsec profile: ignored");
      }
    }
    if (out_.policy.profiles.empty()) {
      out_.errors.push_back("no IPsec profile with a usable IKEv2 profile");
    }
    targets();
    return std::move(out_);
  }

 private:
  bool has_profile(const std::string& name) const {
    return std::any_of(out_.policy.profiles.begin(), out_.policy.profiles.end(),
                       [&](const ike::Profile& p) { return p.name == name; });
  }

  void proposals() {
    for (const auto& pol : c_.policies) {
      for (const auto& name : pol.proposals) {
        const auto* p = c_.find_proposal(name);
        if (!p || !p->complete() || !config::engine_can_use(*p)) {
          continue;
        }
        ike::IkeProposal mapped = map_proposal(*p);
        bool dup = std::any_of(out_.policy.proposals.begin(), out_.policy.proposals.end(),
                               [&](const ike::IkeProposal& q) { return same(q, mapped); });
        if (!dup) {
          out_.policy.proposals.push_back(std::move(mapped));
        }
      }
    }
    if (out_.policy.proposals.empty()) {
      out_.errors.push_back("no usable crypto ikev2 policy/proposal");
    }
  }

  void globals() {
    const auto& g = c_.globals;
    if (g.ikev2_cookie_challenge) {
      out_.policy.cookie_threshold = static_cast<std::int32_t>(*g.ikev2_cookie_challenge);
    }
    out_.policy.fragmentation = g.ikev2_fragmentation;
    if (g.ikev2_fragmentation) {
      out_.policy.mtu = g.ikev2_fragmentation_mtu;
    }
    if (g.ikev2_nat_keepalive_seconds) {
      out_.policy.nat_keepalive = true;
      out_.policy.nat_keepalive_interval = std::chrono::seconds(*g.ikev2_nat_keepalive_seconds);
    }
  }

  void profile(const config::IpsecProfile& ipsec) {
    const auto* ikp = c_.find_ike_profile(ipsec.ikev2_profile);
    if (!ikp || has_profile(ikp->name)) {
      return;
    }
    ike::Profile p;
    p.name = ikp->name;
    if (ikp->identity_local) {
      auto id = map_identity(*ikp->identity_local);
      if (!id) {
        out_.errors.push_back("IKEv2 profile " + p.name + ": identity local " +
                              to_string(*ikp->identity_local) + " is not supported (address or fqdn)");
        return;
      }
      p.local_id = *id;
    } else if (o_.local_address) {
      p.local_id = ike::Identity::address(*o_.local_address);
    } else {
      out_.errors.push_back(
          "IKEv2 profile " + p.name +
          ": no `identity local` and no local address known (give hubsecd --local A.B.C.D)");
      return;
    }
    for (const auto& m : ikp->match_remote) {
      ike::RemoteIdMatch r;
      switch (m.kind) {
        case config::RemoteIdentityMatch::Kind::kAny: r.kind = ike::RemoteIdMatch::Kind::kAny; break;
        case config::RemoteIdentityMatch::Kind::kAddress:
          if (m.address.is_any()) {
            r.kind = ike::RemoteIdMatch::Kind::kAny;
          } else {
            r.kind = ike::RemoteIdMatch::Kind::kAddress;
            r.address = ip(m.address.address);
            r.address_mask = ip(m.address.mask);
          }
          break;
        case config::RemoteIdentityMatch::Kind::kFqdn:
          r.kind = ike::RemoteIdMatch::Kind::kFqdn;
          r.fqdn = m.domain ? "." + m.name : m.name;
          break;
        default:
          out_.notes.push_back("IKEv2 profile " + p.name +
                               ": match identity remote email/key-id not supported, ignored");
          continue;
      }
      p.remote.push_back(r);
    }
    keyring(*ikp, p);
    child(ipsec, p);
    p.ike_lifetime = std::chrono::seconds(ikp->lifetime_seconds);
    std::optional<config::Dpd> dpd = ikp->dpd ? ikp->dpd : c_.globals.ikev2_dpd;
    Plan::ProfileExtras extras{p.name, 0};
    if (dpd) {
      p.dpd_interval = std::chrono::seconds(dpd->interval_seconds);
      p.dpd_retry = std::chrono::seconds(dpd->retry_seconds);
      p.dpd_periodic = dpd->mode == config::DpdMode::kPeriodic;
      extras.dpd_retry_seconds = dpd->retry_seconds;
    }
    out_.extras.push_back(extras);
    out_.policy.profiles.push_back(std::move(p));
  }

  void keyring(const config::IkeProfile& ikp, ike::Profile& p) {
    // A key in the profile itself (`authentication ... pre-share key K`) stands for any peer.
    if (!ikp.auth_local_key.empty() && !ikp.auth_remote_key.empty()) {
      if (ikp.auth_local_key.reveal() == ikp.auth_remote_key.reveal()) {
        ike::PskEntry any;
        any.address = ike::IpAddress::v4(0);
        any.address_mask = ike::IpAddress::v4(0);
        any.key = ike::SecretBytes::from_string(ikp.auth_local_key.reveal());
        p.keyring.push_back(std::move(any));
      } else {
        out_.notes.push_back("IKEv2 profile " + p.name +
                             ": different local and remote keys are not supported");
      }
    }
    const auto* kr = c_.find_keyring(ikp.keyring_local);
    if (!kr) {
      return;
    }
    for (const auto& peer : kr->peers) {
      std::string who = "keyring " + kr->name + " peer " + peer.name;
      if (peer.psk_type6) {
        out_.notes.push_back(who + ": type 6 key cannot be used, peer left out");
        continue;
      }
      if (peer.psk_local.empty() || peer.psk_local.reveal() != peer.psk_remote.reveal()) {
        out_.notes.push_back(who + ": needs one pre-shared-key for both directions, peer left out");
        continue;
      }
      if (!peer.address && !peer.identity) {
        continue;
      }
      ike::PskEntry e;
      if (peer.address) {
        e.address = ip(peer.address->address);
        e.address_mask = ip(peer.address->mask);
        if (peer.address->is_any()) {
          e.address = ike::IpAddress::v4(0);
        }
      } else {
        e.address = ike::IpAddress::v4(0);
        e.address_mask = ike::IpAddress::v4(0);
      }
      if (peer.identity) {
        auto id = map_identity(*peer.identity);
        if (!id) {
          out_.notes.push_back(who + ": identity " + to_string(*peer.identity) +
                               " not supported, peer left out");
          continue;
        }
        e.identity = *id;
      }
      e.key = ike::SecretBytes::from_string(peer.psk_local.reveal());
      p.keyring.push_back(std::move(e));
    }
  }

  void child(const config::IpsecProfile& ipsec, ike::Profile& p) {
    ike::ChildPolicy& child = p.child;
    child.proposal.encryptions.clear();
    child.proposal.integrities.clear();
    std::optional<config::IpsecMode> mode;
    std::vector<const config::TransformSet*> sets;
    for (const auto& name : ipsec.transform_sets) {
      if (const auto* ts = c_.find_transform_set(name)) {
        sets.push_back(ts);
      }
    }
    config::TransformSet ios_default;  // IOS: esp-aes esp-sha-hmac, tunnel
    ios_default.encryption = config::EspEncryption::kAes128;
    ios_default.integrity = config::EspIntegrity::kSha1;
    if (ipsec.transform_sets.empty()) {
      sets.push_back(&ios_default);
    }
    for (const auto* ts : sets) {
      if (!config::engine_supports(*ts)) {
        continue;
      }
      push_unique(child.proposal.encryptions, *ts->encryption == config::EspEncryption::kAes256
                                                  ? ike::EspEncr::kAesCbc256
                                                  : ike::EspEncr::kAesCbc128);
      push_unique(child.proposal.integrities, ts->integrity == config::EspIntegrity::kSha256
                                                  ? ike::EspInteg::kHmacSha256_128
                                                  : ike::EspInteg::kHmacSha1_96);
      if (!mode) {
        mode = ts->mode;
      } else if (*mode != ts->mode) {
        out_.notes.push_back("IPsec profile " + ipsec.name +
                             ": transform sets differ in mode, using the first's");
      }
    }
    if (child.proposal.encryptions.empty()) {
      out_.errors.push_back("IPsec profile " + ipsec.name + ": no transform set hubsec implements");
      return;
    }
    if (ipsec.pfs_group) {
      auto g = map_group(*ipsec.pfs_group);
      if (!g) {
        out_.errors.push_back("IPsec profile " + ipsec.name + ": set pfs group" +
                              std::to_string(*ipsec.pfs_group) + " not implemented");
        return;
      }
      child.proposal.pfs_group = *g;
    }
    child.mode =
        *mode == config::IpsecMode::kTransport ? ike::ChildMode::kTransport : ike::ChildMode::kTunnel;
    child.transport_proto = 47;
    const auto seconds = ipsec.lifetime_seconds.value_or(c_.globals.ipsec_lifetime_seconds);
    const auto kilobytes = ipsec.lifetime_kilobytes.value_or(c_.globals.ipsec_lifetime_kilobytes);
    child.lifetime = ike::Lifetime{std::chrono::seconds(seconds), kilobytes, 0};
    // Rekey margin as IOS: about 10% of the lifetime before expiry, at most the engine's default.
    child.rekey_margin = std::min(child.rekey_margin, std::chrono::seconds(seconds / 10 + 1));
    child.rekey_jitter = std::min(child.rekey_jitter, std::chrono::seconds(seconds / 60 + 1));
    if (child.mode == ike::ChildMode::kTunnel) {
      tunnel_selectors(ipsec, child);
    }
  }

  // Tunnel mode selectors. A GRE tunnel (`tunnel mode gre [multipoint]`, IOS's default) protects GRE
  // between the tunnel endpoints, as IOS proposes it even in tunnel mode; a `tunnel mode ipsec ipv4`
  // (VTI) tunnel protects everything.
  void tunnel_selectors(const config::IpsecProfile& ipsec, ike::ChildPolicy& child) {
    bool vti = false;
    for (const auto& t : c_.tunnels) {
      if (t.protection_profile == ipsec.name && t.mode == config::TunnelMode::kIpsecIpv4) {
        vti = true;
      }
    }
    const ike::IpAddress any = ike::IpAddress::v4(0);
    const std::uint8_t proto = vti ? 0 : 47;
    if (!vti && o_.local_address) {
      child.local_ts = {ike::TrafficSelector::host(*o_.local_address, proto)};
    } else {
      child.local_ts = {ike::TrafficSelector::subnet(any, any, proto)};
    }
    child.remote_ts = {ike::TrafficSelector::subnet(any, any, proto)};
  }

  void targets() {
    for (const auto& ikp : c_.ike_profiles) {
      if (!has_profile(ikp.name)) {
        continue;
      }
      const auto* kr = c_.find_keyring(ikp.keyring_local);
      if (!kr) {
        continue;
      }
      for (const auto& peer : kr->peers) {
        if (peer.address && peer.address->is_host() && peer.address->address.value != 0) {
          add_target(ip(peer.address->address), ikp.name, "keyring " + kr->name + " peer " + peer.name);
        }
      }
    }
    for (const auto& t : c_.tunnels) {
      const auto* ipsec = c_.find_ipsec_profile(t.protection_profile);
      if (!ipsec || !has_profile(ipsec->ikev2_profile)) {
        continue;
      }
      if (t.tunnel_destination) {
        add_target(ip(*t.tunnel_destination), ipsec->ikev2_profile, t.name + " tunnel destination", true);
      }
      for (const auto& nhs : t.nhrp_nhs) {
        if (nhs.nbma) {
          add_target(ip(*nhs.nbma), ipsec->ikev2_profile, t.name + " ip nhrp nhs nbma", true);
        }
      }
    }
  }

  void add_target(const ike::IpAddress& peer, const std::string& profile, const std::string& reason,
                  bool tunnel_protection = false) {
    for (auto& t : out_.initiate) {
      if (t.peer == peer) {
        t.tunnel_protection = t.tunnel_protection || tunnel_protection;
        return;
      }
    }
    out_.initiate.push_back({peer, profile, reason, tunnel_protection});
  }

  const config::Config& c_;
  const PlanOptions& o_;
  Plan out_;
};

}  // namespace

Plan build_plan(const config::Config& config, const PlanOptions& options) {
  return Builder(config, options).run();
}

}  // namespace hubsec::host::daemon
