// The typed configuration becomes the engine policy hubsecd runs: the seed's algorithms, keyring,
// identities, Child SA policy, and the peers to initiate to.
#include "hubsec/host/daemon/plan.hpp"

#include <gtest/gtest.h>

#include "hubsec/host/config/parser.hpp"

namespace hubsec::host::daemon {
namespace {

config::Config parse_ok(const std::string& text) {
  config::ParseResult r = config::parse_config(text, "t.conf");
  EXPECT_TRUE(r.ok()) << config::format(r.findings);
  return std::move(r.config);
}

ike::IpAddress a(const char* text) {
  return *ike::IpAddress::parse(text);
}

TEST(Plan, SeedBecomesTheCiscoSet) {
  config::ParseResult r = config::load_config_file(HUBSEC_SEED_CONFIG);
  ASSERT_TRUE(r.ok());
  Plan plan = build_plan(r.config, {});
  EXPECT_TRUE(plan.errors.empty());
  ASSERT_EQ(plan.policy.proposals.size(), 1u);
  const ike::IkeProposal& p = plan.policy.proposals[0];
  ASSERT_EQ(p.encryptions.size(), 1u);
  EXPECT_EQ(p.encryptions[0].alg, ike::EncrAlg::kAesCbc);
  EXPECT_EQ(p.encryptions[0].key_bits, 256);
  EXPECT_EQ(p.integrities, std::vector<ike::IntegAlg>{ike::IntegAlg::kHmacSha2_256_128});
  EXPECT_EQ(p.prfs, std::vector<ike::PrfAlg>{ike::PrfAlg::kHmacSha2_256});  // PRF follows integrity
  EXPECT_EQ(p.groups, std::vector<ike::DhGroup>{ike::DhGroup::kModp2048});

  ASSERT_EQ(plan.policy.profiles.size(), 1u);
  const ike::Profile& prof = plan.policy.profiles[0];
  EXPECT_EQ(prof.name, "IKEV2-PROFILE");
  EXPECT_EQ(prof.local_id, ike::Identity::address(a("1.1.1.1")));
  ASSERT_EQ(prof.remote.size(), 1u);
  EXPECT_EQ(prof.remote[0].kind, ike::RemoteIdMatch::Kind::kAny);
  ASSERT_EQ(prof.keyring.size(), 1u);
  EXPECT_TRUE(prof.keyring[0].address.is_unspecified());
  EXPECT_TRUE(prof.keyring[0].address_mask.is_unspecified());
  EXPECT_TRUE(prof.keyring[0].key.equals(ike::ByteView(reinterpret_cast<const std::uint8_t*>("cisco"), 5)));
  // Any peer gets the key.
  auto psk = prof.find_psk(a("203.0.113.9"), ike::Identity::address(a("203.0.113.9")));
  ASSERT_TRUE(psk);
  EXPECT_EQ(psk->size(), 5u);

  EXPECT_EQ(prof.child.mode, ike::ChildMode::kTransport);
  EXPECT_EQ(prof.child.transport_proto, 47);
  EXPECT_EQ(prof.child.proposal.encryptions, std::vector<ike::EspEncr>{ike::EspEncr::kAesCbc256});
  EXPECT_EQ(prof.child.proposal.integrities, std::vector<ike::EspInteg>{ike::EspInteg::kHmacSha1_96});
  EXPECT_EQ(prof.child.proposal.pfs_group, ike::DhGroup::kNone);
  EXPECT_EQ(prof.child.lifetime.seconds, std::chrono::seconds(3600));
  EXPECT_EQ(prof.child.lifetime.kilobytes, 4608000u);
  EXPECT_EQ(prof.ike_lifetime, std::chrono::seconds(86400));
  EXPECT_EQ(prof.dpd_interval, std::chrono::seconds(0));
  // The wildcard peer is a responder-only entry: nobody to initiate to.
  EXPECT_TRUE(plan.initiate.empty());
}

constexpr const char* kSite = R"(crypto ikev2 proposal P1
 encryption aes-cbc-128 3des
 integrity sha1 md5
 group 19 5 14
crypto ikev2 proposal P2
 encryption aes-cbc-256
 integrity sha512
 prf sha384
 group 31
crypto ikev2 policy POL
 proposal P2
 proposal P1
crypto ikev2 keyring KR
 peer SPOKE
  address 192.0.2.2
  pre-shared-key spoke-key
 peer SITE
  address 198.51.100.0 255.255.255.0
  identity fqdn site.example
  pre-shared-key site-key
 peer ODD
  address 203.0.113.1
  pre-shared-key local one
  pre-shared-key remote two
crypto ikev2 profile PR
 match identity remote address 192.0.2.0 255.255.255.0
 match identity remote fqdn domain example
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
 lifetime 3600
 dpd 10 3 periodic
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
crypto ipsec profile IP
 set ikev2-profile PR
 set transform-set TS
 set pfs group14
 set security-association lifetime seconds 900
interface Tunnel0
 tunnel source 192.0.2.1
 tunnel destination 192.0.2.77
 tunnel protection ipsec profile IP
)";

TEST(Plan, NeighboursMapToEngineTypes) {
  config::Config c = parse_ok(kSite);
  PlanOptions o;
  o.local_address = a("192.0.2.1");
  Plan plan = build_plan(c, o);
  ASSERT_TRUE(plan.errors.empty());
  // Policy order; unimplemented algorithms dropped.
  ASSERT_EQ(plan.policy.proposals.size(), 2u);
  EXPECT_EQ(plan.policy.proposals[0].prfs, std::vector<ike::PrfAlg>{ike::PrfAlg::kHmacSha2_384});
  EXPECT_EQ(plan.policy.proposals[0].groups, std::vector<ike::DhGroup>{ike::DhGroup::kCurve25519});
  EXPECT_EQ(plan.policy.proposals[1].encryptions.size(), 1u);
  EXPECT_EQ(plan.policy.proposals[1].encryptions[0].key_bits, 128);
  EXPECT_EQ(plan.policy.proposals[1].integrities, std::vector<ike::IntegAlg>{ike::IntegAlg::kHmacSha1_96});
  EXPECT_EQ(plan.policy.proposals[1].groups,
            (std::vector<ike::DhGroup>{ike::DhGroup::kEcp256, ike::DhGroup::kModp2048}));

  const ike::Profile& p = plan.policy.profiles.at(0);
  EXPECT_EQ(p.local_id, ike::Identity::address(a("192.0.2.1")));  // no identity local: our address
  ASSERT_EQ(p.remote.size(), 2u);
  EXPECT_TRUE(p.remote[0].matches(ike::Identity::address(a("192.0.2.200"))));
  EXPECT_FALSE(p.remote[0].matches(ike::Identity::address(a("192.0.3.1"))));
  EXPECT_TRUE(p.remote[1].matches(ike::Identity::fqdn("spoke.example")));
  // ODD has different local and remote keys, which the engine cannot use: left out with a note.
  ASSERT_EQ(p.keyring.size(), 2u);
  EXPECT_FALSE(plan.notes.empty());
  auto spoke = p.find_psk(a("192.0.2.2"), ike::Identity::address(a("192.0.2.2")));
  ASSERT_TRUE(spoke);
  EXPECT_TRUE(spoke->equals(ike::ByteView(reinterpret_cast<const std::uint8_t*>("spoke-key"), 9)));
  EXPECT_FALSE(p.find_psk(a("192.0.2.3"), ike::Identity::address(a("192.0.2.3"))));  // host entry only
  auto site = p.find_psk(a("198.51.100.4"), ike::Identity::fqdn("site.example"));
  ASSERT_TRUE(site);
  EXPECT_EQ(site->size(), 8u);
  EXPECT_FALSE(p.find_psk(a("198.51.100.4"), ike::Identity::fqdn("other.example")));

  EXPECT_EQ(p.child.mode, ike::ChildMode::kTunnel);  // transform-set default
  EXPECT_EQ(p.child.proposal.integrities, std::vector<ike::EspInteg>{ike::EspInteg::kHmacSha256_128});
  EXPECT_EQ(p.child.proposal.pfs_group, ike::DhGroup::kModp2048);
  EXPECT_EQ(p.child.lifetime.seconds, std::chrono::seconds(900));
  EXPECT_LT(p.child.rekey_margin, std::chrono::seconds(900));
  // GRE tunnel in tunnel mode: GRE between the endpoints.
  ASSERT_EQ(p.child.local_ts.size(), 1u);
  EXPECT_EQ(p.child.local_ts[0], ike::TrafficSelector::host(a("192.0.2.1"), 47));
  ASSERT_EQ(p.child.remote_ts.size(), 1u);
  EXPECT_EQ(p.child.remote_ts[0].ip_proto, 47);
  EXPECT_TRUE(p.child.remote_ts[0].contains(ike::TrafficSelector::host(a("192.0.2.2"), 47)));
  EXPECT_EQ(p.ike_lifetime, std::chrono::seconds(3600));
  EXPECT_EQ(p.dpd_interval, std::chrono::seconds(10));
  EXPECT_TRUE(p.dpd_periodic);

  // Initiate to the host keyring peers and the tunnel destination, not to the /24.
  ASSERT_EQ(plan.initiate.size(), 3u);
  EXPECT_EQ(plan.initiate[0].peer, a("192.0.2.2"));
  EXPECT_EQ(plan.initiate[1].peer, a("203.0.113.1"));
  EXPECT_EQ(plan.initiate[2].peer, a("192.0.2.77"));
  EXPECT_EQ(plan.initiate[2].profile, "PR");
  // Only the tunnel destination is kept up by tunnel protection (initiated again after a peer delete).
  EXPECT_FALSE(plan.initiate[0].tunnel_protection);
  EXPECT_FALSE(plan.initiate[1].tunnel_protection);
  EXPECT_TRUE(plan.initiate[2].tunnel_protection);
}

TEST(Plan, MissingLocalIdentityIsAnError) {
  std::string text = kSite;
  text.replace(text.find(" tunnel source 192.0.2.1\n"), 25, "");
  Plan plan = build_plan(parse_ok(text), {});
  ASSERT_FALSE(plan.errors.empty());
  EXPECT_NE(plan.errors[0].find("--local"), std::string::npos);  // then: no usable profile left
}

TEST(Plan, VtiTunnelProtectsEverything) {
  std::string text = kSite;
  text += " tunnel mode ipsec ipv4\n";
  PlanOptions o;
  o.local_address = a("192.0.2.1");
  Plan plan = build_plan(parse_ok(text), o);
  const auto& child = plan.policy.profiles.at(0).child;
  ASSERT_EQ(child.local_ts.size(), 1u);
  EXPECT_EQ(child.local_ts[0].ip_proto, 0);
  EXPECT_TRUE(child.local_ts[0].contains(ike::TrafficSelector::host(a("10.9.9.9"), 6)));
}

TEST(Plan, GlobalsReachThePolicy) {
  std::string text = kSite;
  text += "crypto ikev2 cookie-challenge 5\ncrypto ikev2 fragmentation mtu 1000\n";
  Plan plan = build_plan(parse_ok(text), PlanOptions{a("192.0.2.1")});
  EXPECT_EQ(plan.policy.cookie_threshold, 5);
  EXPECT_TRUE(plan.policy.fragmentation);
  EXPECT_EQ(plan.policy.mtu, 1000u);
}

}  // namespace
}  // namespace hubsec::host::daemon
