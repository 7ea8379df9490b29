// The seed's neighbours: every other command hubsec accepts, with IOS's syntax variations
// (several algorithms on one line, abbreviations, masks, `exit`, `end`, comments).
#include <gtest/gtest.h>

#include "hubsec/host/config/parser.hpp"

namespace hubsec::host::config {
namespace {

// A complete, valid frame around the part under test, so that only the tested lines matter.
constexpr const char* kValidTail = R"(
crypto ikev2 proposal BASE
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy BASE-POLICY
 proposal BASE
)";

ParseResult parse(const std::string& text) {
  return parse_config(text + kValidTail, "t.conf");
}

TEST(NeighbourCommands, SeveralAlgorithmsOnOneLineAndPrf) {
  ParseResult r = parse(R"(crypto ikev2 proposal P
 encryption aes-cbc-256 aes-cbc-128
 integrity sha512 sha384 sha256 sha1
 prf sha256 sha1
 group 19 20 14 31
)");
  ASSERT_TRUE(r.ok()) << format(r.findings);
  const IkeProposal* p = r.config.find_proposal("P");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->encryption,
            (std::vector<IkeEncryption>{IkeEncryption::kAesCbc256, IkeEncryption::kAesCbc128}));
  EXPECT_EQ(p->integrity,
            (std::vector<IkeHash>{IkeHash::kSha512, IkeHash::kSha384, IkeHash::kSha256, IkeHash::kSha1}));
  EXPECT_EQ(p->prf, (std::vector<IkeHash>{IkeHash::kSha256, IkeHash::kSha1}));
  EXPECT_EQ(p->effective_prf(), p->prf);
  EXPECT_EQ(p->groups, (std::vector<std::uint16_t>{19, 20, 14, 31}));
}

TEST(NeighbourCommands, EveryIosGroupAndAlgorithmKeywordParses) {
  ParseResult r = parse(R"(crypto ikev2 proposal ALL
 encryption des 3des aes-cbc-128 aes-cbc-192 aes-cbc-256
 integrity md5 sha1 sha256 sha384 sha512
 group 1 2 5 14 15 16 19 20 21 24 31
)");
  const IkeProposal* p = r.config.find_proposal("ALL");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->encryption.size(), 5u);
  EXPECT_EQ(p->integrity.size(), 5u);
  EXPECT_EQ(p->groups.size(), 11u);
  // Valid IOS, but hubsec leaves des/3des/192/md5 and the MODP/ECP groups it lacks out: a warning.
  ASSERT_EQ(r.findings.size(), 1u) << format(r.findings);
  EXPECT_EQ(r.findings[0].severity, Severity::kWarning);
  EXPECT_NE(r.findings[0].message.find("encryption des"), std::string::npos);
  EXPECT_NE(r.findings[0].message.find("group 24"), std::string::npos);
  EXPECT_EQ(r.findings[0].message.find("group 14"), std::string::npos);
}

TEST(NeighbourCommands, GcmProposalWithPrfIsComplete) {
  ParseResult r = parse("crypto ikev2 proposal G\n encryption aes-gcm-256\n prf sha384\n group 20\n");
  const IkeProposal* p = r.config.find_proposal("G");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->complete());
  EXPECT_EQ(p->encryption, std::vector<IkeEncryption>{IkeEncryption::kAesGcm256});
  EXPECT_TRUE(is_aead(p->encryption[0]));
}

TEST(NeighbourCommands, KeyringSpecificPeersIdentitiesAndDirectionalKeys) {
  ParseResult r = parse(R"(crypto ikev2 keyring KR
 peer SPOKE1
  description first spoke
  address 192.0.2.2
  identity fqdn spoke1.example
  pre-shared-key local 0 key one
  pre-shared-key remote key-two
 peer SITE
  hostname site-a
  address 198.51.100.0 255.255.255.0
  identity address 198.51.100.7
  pre-shared-key 6 FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB
crypto ikev2 profile PR
 match identity remote fqdn spoke1.example
 match identity remote fqdn domain example.net
 match identity remote address 198.51.100.0 255.255.255.0
 match identity remote address 192.0.2.2
 match identity remote email ops@example.org
 match identity remote key-id KEY1
 identity local fqdn hub.example
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
 lifetime 3600
 dpd 10 3 on-demand
)");
  const Keyring* k = r.config.find_keyring("KR");
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->peers.size(), 2u);
  const KeyringPeer& s1 = k->peers[0];
  EXPECT_EQ(s1.description, "first spoke");
  ASSERT_TRUE(s1.address);
  EXPECT_EQ(s1.address->address.to_string(), "192.0.2.2");
  EXPECT_TRUE(s1.address->is_host());  // no mask = that one address
  ASSERT_TRUE(s1.identity);
  EXPECT_EQ(s1.identity->kind, IdentityKind::kFqdn);
  EXPECT_EQ(s1.identity->value, "spoke1.example");
  EXPECT_EQ(s1.psk_local.reveal(), "key one");  // IOS LINE: the rest of the line, spaces included
  EXPECT_EQ(s1.psk_remote.reveal(), "key-two");
  const KeyringPeer& site = k->peers[1];
  EXPECT_EQ(site.hostname, "site-a");
  EXPECT_EQ(site.address->mask.to_string(), "255.255.255.0");
  EXPECT_TRUE(site.address->contains(*Ipv4::parse("198.51.100.200")));
  EXPECT_FALSE(site.address->contains(*Ipv4::parse("198.51.101.1")));
  EXPECT_EQ(site.identity->kind, IdentityKind::kAddress);
  EXPECT_TRUE(site.psk_type6);

  const IkeProfile* p = r.config.find_ike_profile("PR");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->match_remote.size(), 6u);
  EXPECT_EQ(p->match_remote[0].kind, RemoteIdentityMatch::Kind::kFqdn);
  EXPECT_FALSE(p->match_remote[0].domain);
  EXPECT_TRUE(p->match_remote[1].domain);
  EXPECT_EQ(p->match_remote[1].name, "example.net");
  EXPECT_EQ(p->match_remote[2].address.mask.to_string(), "255.255.255.0");
  EXPECT_TRUE(p->match_remote[3].address.is_host());
  EXPECT_EQ(p->match_remote[4].kind, RemoteIdentityMatch::Kind::kEmail);
  EXPECT_EQ(p->match_remote[5].kind, RemoteIdentityMatch::Kind::kKeyId);
  EXPECT_EQ(p->identity_local->kind, IdentityKind::kFqdn);
  EXPECT_EQ(p->identity_local->value, "hub.example");
  EXPECT_EQ(p->lifetime_seconds, 3600u);
  ASSERT_TRUE(p->dpd);
  EXPECT_EQ(p->dpd->interval_seconds, 10u);
  EXPECT_EQ(p->dpd->retry_seconds, 3u);
  EXPECT_EQ(p->dpd->mode, DpdMode::kOnDemand);
}

TEST(NeighbourCommands, MatchIdentityRemoteAddressZeroMeansAny) {
  ParseResult r = parse("crypto ikev2 profile P\n match identity remote address 0.0.0.0\n");
  const IkeProfile* p = r.config.find_ike_profile("P");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->match_remote.size(), 1u);
  EXPECT_TRUE(p->match_remote[0].address.is_any());
}

TEST(NeighbourCommands, TransformSetsIpsecProfilePfsAndLifetimes) {
  ParseResult r = parse(R"(crypto ipsec transform-set TS256 esp-aes 256 esp-sha256-hmac
 mode tunnel
crypto ipsec transform-set TS128 esp-aes esp-sha-hmac
 mode transport require
crypto ipsec security-association lifetime seconds 7200
crypto ipsec security-association replay window-size 1024
crypto ipsec profile IP
 set transform-set TS256 TS128
 set pfs group19
 set security-association lifetime seconds 1800
 set security-association lifetime kilobytes 102400
)");
  const TransformSet* a = r.config.find_transform_set("TS256");
  const TransformSet* b = r.config.find_transform_set("TS128");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->encryption, EspEncryption::kAes256);
  EXPECT_EQ(a->integrity, EspIntegrity::kSha256);
  EXPECT_EQ(a->mode, IpsecMode::kTunnel);
  EXPECT_EQ(b->encryption, EspEncryption::kAes128);  // esp-aes without a size is AES-128 in IOS
  EXPECT_EQ(b->mode, IpsecMode::kTransport);
  const IpsecProfile* ip = r.config.find_ipsec_profile("IP");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->transform_sets, (std::vector<std::string>{"TS256", "TS128"}));
  EXPECT_EQ(ip->pfs_group, 19);
  EXPECT_EQ(ip->lifetime_seconds, 1800u);
  EXPECT_EQ(ip->lifetime_kilobytes, 102400u);
  EXPECT_EQ(r.config.globals.ipsec_lifetime_seconds, 7200u);
  EXPECT_EQ(r.config.globals.ipsec_replay_window, 1024u);
}

TEST(NeighbourCommands, GlobalIkev2Settings) {
  ParseResult r = parse(R"(crypto ikev2 cookie-challenge 10
crypto ikev2 fragmentation mtu 1200
crypto ikev2 nat keepalive 20
crypto ikev2 dpd 30 5 periodic
)");
  ASSERT_TRUE(r.ok()) << format(r.findings);
  const CryptoGlobals& g = r.config.globals;
  EXPECT_EQ(g.ikev2_cookie_challenge, 10u);
  EXPECT_TRUE(g.ikev2_fragmentation);
  EXPECT_EQ(g.ikev2_fragmentation_mtu, 1200);
  EXPECT_EQ(g.ikev2_nat_keepalive_seconds, 20u);
  ASSERT_TRUE(g.ikev2_dpd);
  EXPECT_EQ(g.ikev2_dpd->mode, DpdMode::kPeriodic);
}

TEST(NeighbourCommands, DmvpnHubAndSpokeTunnelInterfaces) {
  ParseResult r = parse(R"(interface Tunnel0
 description DMVPN hub
 ip address 10.0.0.1 255.255.255.0
 no ip redirects
 ip mtu 1400
 ip tcp adjust-mss 1360
 ip nhrp authentication nhrpkey
 ip nhrp map multicast dynamic
 ip nhrp network-id 1
 ip nhrp holdtime 300
 ip nhrp redirect
 tunnel source 192.0.2.1
 tunnel mode gre multipoint
 tunnel key 100
 no shutdown
interface Tunnel 1
 ip address 10.0.1.2 255.255.255.0
 ip nhrp nhs 10.0.1.1 nbma 192.0.2.1 multicast
 ip nhrp map 10.0.1.1 192.0.2.1
 ip nhrp map multicast 192.0.2.1
 ip nhrp shortcut
 ip nhrp registration timeout 60
 ip nhrp registration no-unique
 bandwidth 1000
 tunnel path-mtu-discovery
 tunnel source eth0
 tunnel destination 192.0.2.1
 tunnel mode ipsec ipv4
)");
  ASSERT_TRUE(r.ok()) << format(r.findings);
  ASSERT_EQ(r.config.tunnels.size(), 2u);
  const TunnelInterface& hub = r.config.tunnels[0];
  EXPECT_EQ(hub.description, "DMVPN hub");
  EXPECT_EQ(hub.ip_address->address.to_string(), "10.0.0.1");
  EXPECT_EQ(hub.ip_address->mask.to_string(), "255.255.255.0");
  EXPECT_EQ(hub.ip_mtu, 1400);
  EXPECT_EQ(hub.tcp_adjust_mss, 1360);
  EXPECT_EQ(hub.nhrp_authentication.reveal(), "nhrpkey");
  EXPECT_TRUE(hub.nhrp_map_multicast_dynamic);
  EXPECT_EQ(hub.nhrp_network_id, 1u);
  EXPECT_EQ(hub.nhrp_holdtime, 300u);
  EXPECT_TRUE(hub.nhrp_redirect);
  EXPECT_EQ(hub.tunnel_source, "192.0.2.1");
  EXPECT_EQ(hub.mode, TunnelMode::kGreMultipoint);
  EXPECT_EQ(hub.tunnel_key, 100u);
  EXPECT_FALSE(hub.shutdown);
  const TunnelInterface& spoke = r.config.tunnels[1];
  EXPECT_EQ(spoke.name, "Tunnel1");
  ASSERT_EQ(spoke.nhrp_nhs.size(), 1u);
  EXPECT_EQ(spoke.nhrp_nhs[0].nhs.to_string(), "10.0.1.1");
  EXPECT_EQ(spoke.nhrp_nhs[0].nbma->to_string(), "192.0.2.1");
  EXPECT_TRUE(spoke.nhrp_nhs[0].multicast);
  ASSERT_EQ(spoke.nhrp_maps.size(), 1u);
  EXPECT_EQ(spoke.nhrp_maps[0].nbma.to_string(), "192.0.2.1");
  EXPECT_EQ(spoke.nhrp_map_multicast.size(), 1u);
  EXPECT_TRUE(spoke.nhrp_shortcut);
  EXPECT_EQ(spoke.tunnel_destination->to_string(), "192.0.2.1");
  EXPECT_EQ(spoke.mode, TunnelMode::kIpsecIpv4);
  EXPECT_EQ(spoke.nhrp_registration_timeout, 60u);
  EXPECT_TRUE(spoke.nhrp_registration_no_unique);
  EXPECT_EQ(spoke.bandwidth_kbps, 1000u);
  EXPECT_TRUE(spoke.path_mtu_discovery);
  EXPECT_FALSE(hub.path_mtu_discovery);
}

TEST(NeighbourCommands, AbbreviationsExitEndAndComments) {
  ParseResult r = parse_config(R"(! comment
crypto ikev2 prop P
 encr aes-cbc-128
 int sha1
 gr 14
 exit
crypto ikev2 pol POL
 prop P
! a comment inside a block does not leave it
 match fvrf any
end
)",
                               "t.conf");
  const IkeProposal* p = r.config.find_proposal("P");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->encryption, std::vector<IkeEncryption>{IkeEncryption::kAesCbc128});
  EXPECT_EQ(p->integrity, std::vector<IkeHash>{IkeHash::kSha1});
  ASSERT_EQ(r.config.policies.size(), 1u);
  EXPECT_EQ(r.config.policies[0].proposals, std::vector<std::string>{"P"});
  EXPECT_EQ(r.config.policies[0].match_fvrf, std::vector<std::string>{"any"});
  EXPECT_TRUE(r.ok()) << format(r.findings);
}

TEST(NeighbourCommands, AmbiguousAbbreviationIsInvalid) {
  // "pro" could be proposal or profile.
  ParseResult r = parse("crypto ikev2 pro X\n");
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].message, "% Invalid input detected at '^' marker.");
  EXPECT_EQ(r.findings[0].caret_column, 13);
}

TEST(NeighbourCommands, ReenteringABlockAddsToIt) {
  ParseResult r = parse(R"(crypto ikev2 proposal P
 encryption aes-cbc-256
crypto ikev2 proposal P
 integrity sha256
 group 14
)");
  const IkeProposal* p = r.config.find_proposal("P");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->complete());
  EXPECT_EQ(r.config.proposals.size(), 2u);  // P and BASE
}

}  // namespace
}  // namespace hubsec::host::config
