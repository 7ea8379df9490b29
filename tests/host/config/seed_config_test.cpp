// The seed configuration of issue 4 parses, without findings, into exactly the typed values IOS
// gives it (including IOS's defaults for what the seed does not say).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "hubsec/host/config/parser.hpp"

namespace hubsec::host::config {
namespace {

ParseResult parse_seed() {
  return load_config_file(HUBSEC_SEED_CONFIG);
}

TEST(SeedConfig, ParsesWithoutFindings) {
  ParseResult r = parse_seed();
  EXPECT_TRUE(r.findings.empty()) << format(r.findings);
  EXPECT_TRUE(r.ok());
}

TEST(SeedConfig, Proposal) {
  Config c = parse_seed().config;
  ASSERT_EQ(c.proposals.size(), 1u);
  const IkeProposal& p = c.proposals[0];
  EXPECT_EQ(p.name, "IKEV2-PROPOSAL");
  EXPECT_EQ(p.encryption, std::vector<IkeEncryption>{IkeEncryption::kAesCbc256});
  EXPECT_EQ(p.integrity, std::vector<IkeHash>{IkeHash::kSha256});
  EXPECT_TRUE(p.prf.empty());
  EXPECT_EQ(p.effective_prf(), std::vector<IkeHash>{IkeHash::kSha256});  // IOS: PRF follows integrity
  EXPECT_EQ(p.groups, std::vector<std::uint16_t>{14});
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(p.where.line, 2);
}

TEST(SeedConfig, Policy) {
  Config c = parse_seed().config;
  ASSERT_EQ(c.policies.size(), 1u);
  EXPECT_EQ(c.policies[0].name, "IKEV2-POLICY");
  EXPECT_EQ(c.policies[0].proposals, std::vector<std::string>{"IKEV2-PROPOSAL"});
  EXPECT_TRUE(c.policies[0].match_fvrf.empty());
}

TEST(SeedConfig, KeyringWithWildcardPeer) {
  Config c = parse_seed().config;
  ASSERT_EQ(c.keyrings.size(), 1u);
  const Keyring& k = c.keyrings[0];
  EXPECT_EQ(k.name, "IKEV2-KEYRING");
  ASSERT_EQ(k.peers.size(), 1u);
  const KeyringPeer& peer = k.peers[0];
  EXPECT_EQ(peer.name, "ANY");
  ASSERT_TRUE(peer.address.has_value());
  EXPECT_EQ(peer.address->address.value, 0u);
  EXPECT_EQ(peer.address->mask.value, 0u);
  EXPECT_TRUE(peer.address->is_any());
  EXPECT_TRUE(peer.address->contains(Ipv4{0xC0000201}));
  EXPECT_EQ(peer.psk_local.reveal(), "cisco");  // `pre-shared-key K` sets both directions
  EXPECT_EQ(peer.psk_remote.reveal(), "cisco");
  EXPECT_FALSE(peer.psk_type6);
  EXPECT_FALSE(peer.identity.has_value());
}

TEST(SeedConfig, IkeProfile) {
  Config c = parse_seed().config;
  ASSERT_EQ(c.ike_profiles.size(), 1u);
  const IkeProfile& p = c.ike_profiles[0];
  EXPECT_EQ(p.name, "IKEV2-PROFILE");
  ASSERT_EQ(p.match_remote.size(), 1u);
  EXPECT_EQ(p.match_remote[0].kind, RemoteIdentityMatch::Kind::kAny);
  ASSERT_TRUE(p.identity_local.has_value());
  EXPECT_EQ(p.identity_local->kind, IdentityKind::kAddress);
  EXPECT_EQ(p.identity_local->value, "1.1.1.1");
  EXPECT_EQ(p.auth_local, std::vector<AuthMethod>{AuthMethod::kPreShare});
  EXPECT_EQ(p.auth_remote, std::vector<AuthMethod>{AuthMethod::kPreShare});
  EXPECT_EQ(p.keyring_local, "IKEV2-KEYRING");
  EXPECT_EQ(p.lifetime_seconds, 86400u);  // IOS default
  EXPECT_FALSE(p.dpd.has_value());
}

TEST(SeedConfig, TransformSetAndIpsecProfile) {
  Config c = parse_seed().config;
  ASSERT_EQ(c.transform_sets.size(), 1u);
  const TransformSet& ts = c.transform_sets[0];
  EXPECT_EQ(ts.name, "IPSEC-TRANSFORM");
  EXPECT_EQ(ts.encryption, EspEncryption::kAes256);
  EXPECT_EQ(ts.integrity, EspIntegrity::kSha1);
  EXPECT_EQ(ts.mode, IpsecMode::kTransport);

  ASSERT_EQ(c.ipsec_profiles.size(), 1u);
  const IpsecProfile& ip = c.ipsec_profiles[0];
  EXPECT_EQ(ip.name, "DMVPN-IPSEC");
  EXPECT_EQ(ip.ikev2_profile, "IKEV2-PROFILE");
  EXPECT_EQ(ip.transform_sets, std::vector<std::string>{"IPSEC-TRANSFORM"});
  EXPECT_FALSE(ip.pfs_group.has_value());
  EXPECT_FALSE(ip.lifetime_seconds.has_value());
  EXPECT_EQ(c.globals.ipsec_lifetime_seconds, 3600u);  // IOS defaults
  EXPECT_EQ(c.globals.ipsec_lifetime_kilobytes, 4608000u);
}

TEST(SeedConfig, TunnelInterface) {
  Config c = parse_seed().config;
  ASSERT_EQ(c.tunnels.size(), 1u);
  const TunnelInterface& t = c.tunnels[0];
  EXPECT_EQ(t.name, "Tunnel0");
  EXPECT_EQ(t.unit, 0u);
  EXPECT_EQ(t.protection_profile, "DMVPN-IPSEC");
  EXPECT_FALSE(t.protection_shared);
  EXPECT_EQ(t.mode, TunnelMode::kGre);
}

TEST(SeedConfig, IndentationIsCosmeticAsInIos) {
  // IOS reading a paste ignores indentation: a command the current submode does not know goes
  // to the enclosing modes. The seed without any indentation means the same.
  std::ifstream in(HUBSEC_SEED_CONFIG);
  std::stringstream text;
  text << in.rdbuf();
  std::string flat;
  std::string line;
  while (std::getline(text, line)) {
    flat += line.substr(line.find_first_not_of(' ')) + "\n";
  }
  ParseResult r = parse_config(flat, "flat.conf");
  EXPECT_TRUE(r.findings.empty()) << format(r.findings);
  ASSERT_EQ(r.config.keyrings.size(), 1u);
  ASSERT_EQ(r.config.keyrings[0].peers.size(), 1u);
  EXPECT_EQ(r.config.keyrings[0].peers[0].psk_local.reveal(), "cisco");
  EXPECT_EQ(r.config.ike_profiles.at(0).keyring_local, "IKEV2-KEYRING");
  EXPECT_EQ(r.config.tunnels.at(0).protection_profile, "DMVPN-IPSEC");
}

}  // namespace
}  // namespace hubsec::host::config
