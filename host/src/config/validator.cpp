// Cross-object checks. Where IOS has a message for a condition, the text is IOS's, word for word
// (including its spelling); the other messages are hubsec's own and say what hubsecd will do.
#include <algorithm>
#include <string>

#include "hubsec/host/config/capabilities.hpp"
#include "hubsec/host/config/messages.hpp"
#include "hubsec/host/config/parser.hpp"

namespace hubsec::host::config {

namespace {

class Validator {
 public:
  explicit Validator(const Config& c) : c_(c) {}

  std::vector<Finding> run() {
    for (const IkeProposal& p : c_.proposals) {
      proposal(p);
    }
    for (const IkePolicy& p : c_.policies) {
      policy(p);
    }
    if (!std::any_of(c_.policies.begin(), c_.policies.end(), [&](const IkePolicy& p) { return usable(p); })) {
      add(Severity::kError, {}, "", kNoUsablePolicy);
    }
    for (const Keyring& k : c_.keyrings) {
      keyring(k);
    }
    for (const IkeProfile& p : c_.ike_profiles) {
      ike_profile(p);
    }
    for (const TransformSet& t : c_.transform_sets) {
      transform_set(t);
    }
    for (const IpsecProfile& p : c_.ipsec_profiles) {
      ipsec_profile(p);
    }
    for (const TunnelInterface& t : c_.tunnels) {
      tunnel(t);
    }
    return std::move(out_);
  }

 private:
  void add(Severity s, const SourceLocation& where, std::string text, std::string_view message) {
    out_.push_back({s, where.file, where.line, std::move(text), -1, std::string(message)});
  }

  bool usable(const IkePolicy& p) const {
    return std::any_of(p.proposals.begin(), p.proposals.end(), [&](const std::string& name) {
      const IkeProposal* prop = c_.find_proposal(name);
      return prop && prop->complete() && engine_can_use(*prop);
    });
  }

  void proposal(const IkeProposal& p) {
    std::string head = "crypto ikev2 proposal " + p.name;
    if (!p.complete()) {
      add(Severity::kError, p.where, head, kProposalIncomplete);
      return;
    }
    std::string unsupported;
    for (auto e : p.encryption) {
      if (!engine_supports(e)) {
        unsupported += " encryption " + std::string(keyword(e)) + ",";
      }
    }
    for (auto h : p.integrity) {
      if (!engine_supports(h)) {
        unsupported += " integrity " + std::string(keyword(h)) + ",";
      }
    }
    for (auto h : p.prf) {
      if (!engine_supports(h)) {
        unsupported += " prf " + std::string(keyword(h)) + ",";
      }
    }
    for (auto g : p.groups) {
      if (!engine_supports_group(g)) {
        unsupported += " group " + std::to_string(g) + ",";
      }
    }
    if (!unsupported.empty()) {
      unsupported.pop_back();
      add(engine_can_use(p) ? Severity::kWarning : Severity::kError, p.where, head,
          (engine_can_use(p) ? std::string(kNotImplementedSkipped) : std::string(kNotImplementedUnusable)) +
              unsupported);
    }
  }

  void policy(const IkePolicy& p) {
    std::string head = "crypto ikev2 policy " + p.name;
    for (const std::string& name : p.proposals) {
      if (!c_.find_proposal(name)) {
        add(Severity::kError, p.where, head, undefined("IKEv2 proposal", name));
      }
    }
    bool complete = std::any_of(p.proposals.begin(), p.proposals.end(), [&](const std::string& name) {
      const IkeProposal* prop = c_.find_proposal(name);
      return prop && prop->complete();
    });
    if (!complete) {
      add(Severity::kError, p.where, head, kPolicyIncomplete);
    }
    if (!p.match_fvrf.empty()) {
      add(Severity::kNote, p.where, head, kFvrfNoted);
    }
    if (!p.match_address_local.empty()) {
      add(Severity::kNote, p.where, head, kMatchLocalNoted);
    }
  }

  void keyring(const Keyring& k) {
    for (const KeyringPeer& peer : k.peers) {
      std::string head = "peer " + peer.name;
      if (!peer.address && !peer.identity) {
        add(Severity::kWarning, peer.where, head, kPeerMatchesNothing);
      }
      if (peer.psk_local.empty() && peer.psk_remote.empty()) {
        add(Severity::kWarning, peer.where, head, kPeerWithoutKey);
      }
      if (peer.psk_type6) {
        add(Severity::kWarning, peer.where, head, kType6Key);
      }
    }
  }

  void ike_profile(const IkeProfile& p) {
    std::string head = "crypto ikev2 profile " + p.name;
    if (p.auth_local.empty() || p.auth_remote.empty() || p.match_remote.empty()) {
      add(Severity::kError, p.where, head, kProfileIncomplete);
    }
    for (AuthMethod m : p.auth_local) {
      if (m != AuthMethod::kPreShare) {
        add(Severity::kError, p.where, head, kOnlyPreShare);
      }
    }
    for (AuthMethod m : p.auth_remote) {
      if (m != AuthMethod::kPreShare) {
        add(Severity::kError, p.where, head, kOnlyPreShare);
      }
    }
    if (!p.keyring_local.empty() && !c_.find_keyring(p.keyring_local)) {
      add(Severity::kError, p.where, head, undefined("IKEv2 keyring", p.keyring_local));
    }
    bool psk =
        std::find(p.auth_local.begin(), p.auth_local.end(), AuthMethod::kPreShare) != p.auth_local.end() ||
        std::find(p.auth_remote.begin(), p.auth_remote.end(), AuthMethod::kPreShare) != p.auth_remote.end();
    bool has_profile_keys = !p.auth_local_key.empty() && !p.auth_remote_key.empty();
    if (psk && p.keyring_local.empty() && !has_profile_keys) {
      add(Severity::kError, p.where, head, kPskWithoutKeyring);
    }
    if (!p.match_fvrf.empty()) {
      add(Severity::kNote, p.where, head, kFvrfNoted);
    }
    if (!p.match_address_local.empty()) {
      add(Severity::kNote, p.where, head, kMatchLocalNoted);
    }
  }

  void transform_set(const TransformSet& t) {
    if (!engine_supports(t)) {
      add(Severity::kWarning, t.where, "crypto ipsec transform-set " + t.name, kTransformNotImplemented);
    }
  }

  void ipsec_profile(const IpsecProfile& p) {
    std::string head = "crypto ipsec profile " + p.name;
    if (p.ikev2_profile.empty()) {
      add(Severity::kError, p.where, head, kNoIkev2Profile);
    } else if (!c_.find_ike_profile(p.ikev2_profile)) {
      add(Severity::kError, p.where, head, undefined("IKEv2 profile", p.ikev2_profile));
    }
    if (p.transform_sets.empty()) {
      add(Severity::kWarning, p.where, head, kDefaultTransformSet);
    } else {
      bool any_usable = false;
      for (const std::string& name : p.transform_sets) {
        const TransformSet* ts = c_.find_transform_set(name);
        if (!ts) {
          add(Severity::kError, p.where, head, undefined("transform set", name));
        } else if (engine_supports(*ts)) {
          any_usable = true;
        }
      }
      if (!any_usable) {
        add(Severity::kError, p.where, head, kNoUsableTransformSet);
      }
    }
    if (p.pfs_group && !engine_supports_group(*p.pfs_group)) {
      add(Severity::kError, p.where, head,
          std::string(kNotImplementedUnusable) + " pfs group" + std::to_string(*p.pfs_group));
    }
  }

  void tunnel(const TunnelInterface& t) {
    std::string head = "interface " + t.name;
    if (!t.protection_profile.empty() && !c_.find_ipsec_profile(t.protection_profile)) {
      add(Severity::kError, t.where, head, undefined("IPsec profile", t.protection_profile));
    }
  }

  const Config& c_;
  std::vector<Finding> out_;
};

}  // namespace

std::vector<Finding> validate(const Config& config) {
  return Validator(config).run();
}

}  // namespace hubsec::host::config
