// Two engines through the fake network: establishment, every rekey kind, collisions, delete races,
// retransmission exhaustion, cookies, INVALID_KE retry, DPD, fragmentation, NAT float, wrong PSK.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fake_network.hpp"
#include "hubsec/ike/message.hpp"
#include "test_util.hpp"

namespace hubsec::ike::test {
namespace {

Bytes ref_hmac(const char* digest, ByteView key, ByteView data) {
  Bytes out(64);
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(), data.data(), data.size(),
            out.data(), out.size(), &len);
  out.resize(len);
  return out;
}

Bytes ref_prf_plus(const char* digest, ByteView key, ByteView seed, std::size_t n) {
  Bytes out, t;
  for (std::uint8_t i = 1; out.size() < n; ++i) {
    Bytes in = t;
    in.insert(in.end(), seed.begin(), seed.end());
    in.push_back(i);
    t = ref_hmac(digest, key, in);
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(n);
  return out;
}

Bytes nonce_of(const Bytes& datagram) {
  auto m = msg::decode_message(datagram);
  const auto* n = m.value.get<msg::NoncePayload>(msg::PayloadType::kNonce);
  return n ? n->data : Bytes{};
}

// Decrypts an SK message with AES-256-CBC through OpenSSL directly (SHA2-256-128 ICV checked first)
// and returns the Nonce payload inside.
Bytes decrypted_nonce(const Bytes& datagram, const SecretBytes& sk_e, const SecretBytes& sk_a) {
  auto m = msg::decode_message(datagram);
  if (!m.ok() || m.value.payloads.empty()) return {};
  const auto* sk = std::get_if<msg::SkPayload>(&m.value.payloads.back().body);
  if (!sk || sk->body.size() < 48) return {};
  const Bytes icv = ref_hmac("SHA256", sk_a.view(), ByteView(datagram).first(datagram.size() - 16));
  if (CRYPTO_memcmp(icv.data(), datagram.data() + datagram.size() - 16, 16) != 0) return {};
  const Bytes& b = sk->body;
  Bytes plain(b.size());
  int l1 = 0, l2 = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), nullptr, sk_e.data(), b.data());
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_DecryptUpdate(c, plain.data(), &l1, b.data() + 16, static_cast<int>(b.size() - 32));
  EVP_DecryptFinal_ex(c, plain.data() + l1, &l2);
  EVP_CIPHER_CTX_free(c);
  plain.resize(static_cast<std::size_t>(l1 + l2));
  plain.resize(plain.size() - plain.back() - 1);
  auto inner = msg::decode_payloads(m.value.payloads.back().inner_first, plain);
  for (const auto& p : inner.value)
    if (const auto* n = std::get_if<msg::NoncePayload>(&p.body)) return n->data;
  return {};
}

void establish(FakeNetwork& net) {
  net.initiate_from_a();
  ASSERT_TRUE(net.run_until([&] { return net.a.children.size() == 1 && net.b.children.size() == 1; }, 10s));
  ASSERT_TRUE(net.both_up());
}

TEST(EngineTest, SeedConfigEstablishesTransportGre) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  expect_children_match(net.a, net.b);
  const ChildSaInfo& ca = net.a.children.begin()->second;
  EXPECT_EQ(ca.mode, ChildMode::kTransport);
  EXPECT_EQ(ca.encryption, EspEncr::kAesCbc256);
  EXPECT_EQ(ca.integrity, EspInteg::kHmacSha1_96);
  EXPECT_EQ(ca.outbound.encryption.size(), 32u);
  EXPECT_EQ(ca.outbound.integrity.size(), 20u);
  ASSERT_EQ(ca.local_ts.size(), 1u);
  EXPECT_EQ(ca.local_ts[0], TrafficSelector::host(*IpAddress::parse("192.0.2.1"), 47));
  EXPECT_EQ(ca.remote_ts[0], TrafficSelector::host(*IpAddress::parse("192.0.2.2"), 47));
  EXPECT_FALSE(ca.udp_encap);
  ASSERT_EQ(net.a.ups.size(), 1u);
  ASSERT_EQ(net.b.ups.size(), 1u);
  EXPECT_EQ(net.b.ups[0].remote_id.to_string(), "192.0.2.1");
  EXPECT_EQ(net.a.ups[0].remote_id.to_string(), "192.0.2.2");
  EXPECT_EQ(net.marker_errors, 0u);

  // RFC 7296 2.17, checked independently: KEYMAT = prf+(SK_d, Ni | Nr); i->r encr, i->r integ,
  // r->i encr, r->i integ. Ni/Nr from the IKE_SA_INIT messages on the wire, SK_d from the key log.
  ASSERT_EQ(net.a.key_log.size(), 1u);
  Bytes seed = nonce_of(net.a.sent[0].second.payload);
  Bytes nr = nonce_of(net.b.sent[0].second.payload);
  ASSERT_EQ(seed.size(), 32u);
  ASSERT_EQ(nr.size(), 32u);
  seed.insert(seed.end(), nr.begin(), nr.end());
  const Bytes keymat = ref_prf_plus("SHA256", net.a.key_log[0].sk_d.view(), seed, 2 * (32 + 20));
  EXPECT_EQ(tohex(ca.outbound.encryption.view()), tohex(ByteView(keymat).subspan(0, 32)));
  EXPECT_EQ(tohex(ca.outbound.integrity.view()), tohex(ByteView(keymat).subspan(32, 20)));
  EXPECT_EQ(tohex(ca.inbound.encryption.view()), tohex(ByteView(keymat).subspan(52, 32)));
  EXPECT_EQ(tohex(ca.inbound.integrity.view()), tohex(ByteView(keymat).subspan(84, 20)));

  // The key log line decrypts the wire: the IKE_AUTH request's ICV checks with SK_ai (as tshark would).
  const IkeKeyLogEntry& k = net.a.key_log[0];
  const Bytes& auth = net.a.sent[1].second.payload;
  const Bytes icv = ref_hmac("SHA256", k.sk_ai.view(), ByteView(auth).first(auth.size() - 16));
  EXPECT_EQ(0, CRYPTO_memcmp(icv.data(), auth.data() + auth.size() - 16, 16));
  EXPECT_EQ(net.b.key_log[0].format_line(), k.format_line());
  const std::string line = k.format_line();
  EXPECT_NE(line.find(",\"AES-CBC-256 [RFC3602]\","), std::string::npos);
  EXPECT_NE(line.find(",\"HMAC_SHA2_256_128 [RFC4868]\""), std::string::npos);
  EXPECT_EQ(
      line.substr(0, 16),
      tohex(Bytes{
          static_cast<std::uint8_t>(k.initiator_spi >> 56), static_cast<std::uint8_t>(k.initiator_spi >> 48),
          static_cast<std::uint8_t>(k.initiator_spi >> 40), static_cast<std::uint8_t>(k.initiator_spi >> 32),
          static_cast<std::uint8_t>(k.initiator_spi >> 24), static_cast<std::uint8_t>(k.initiator_spi >> 16),
          static_cast<std::uint8_t>(k.initiator_spi >> 8), static_cast<std::uint8_t>(k.initiator_spi)}));
  // No key material in the logs.
  for (const auto& l : net.a.log) EXPECT_EQ(l.find(tohex(k.sk_ei.view()).substr(0, 16)), std::string::npos);

  auto snap = net.b.engine->snapshot(net.now);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(to_string(snap[0].status), "READY");
  EXPECT_FALSE(snap[0].initiator);
  EXPECT_EQ(snap[0].encr_key_bits, 256);
  EXPECT_EQ(snap[0].integrity, IntegAlg::kHmacSha2_256_128);
  EXPECT_EQ(snap[0].prf, PrfAlg::kHmacSha2_256);
  EXPECT_EQ(snap[0].dh_group, DhGroup::kModp2048);
  EXPECT_EQ(snap[0].lifetime_seconds, 86400u);
  EXPECT_EQ(snap[0].children.size(), 1u);
  EXPECT_EQ(snap[0].fvrf, "none");
  auto stats = net.b.engine->stats();
  EXPECT_EQ(stats.incoming_sas, 1u);
  EXPECT_EQ(stats.incoming_active, 1u);
  EXPECT_EQ(stats.incoming_negotiating, 0u);
  EXPECT_EQ(net.a.engine->stats().outgoing_active, 1u);
}

struct Algorithms {
  std::uint16_t encr_bits;
  IntegAlg integ;
  DhGroup group;
  EspEncr esp_encr;
  EspInteg esp_integ;
  bool esn;
};

class AlgorithmTest : public ::testing::TestWithParam<Algorithms> {};

TEST_P(AlgorithmTest, Establishes) {
  const Algorithms& al = GetParam();
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  for (Policy* p : {&pa, &pb}) {
    p->proposals = {IkeProposal{{{EncrAlg::kAesCbc, al.encr_bits}}, {al.integ}, {}, {al.group}}};
    p->profiles[0].child.proposal.encryptions = {al.esp_encr};
    p->profiles[0].child.proposal.integrities = {al.esp_integ};
    p->profiles[0].child.proposal.esn = al.esn;
  }
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);
  expect_children_match(net.a, net.b);
  const auto& c = net.a.children.begin()->second;
  EXPECT_EQ(c.esn, al.esn);
  EXPECT_EQ(c.outbound.encryption.size(), al.esp_encr == EspEncr::kAesCbc128 ? 16u : 32u);
  auto snap = net.a.engine->snapshot(net.now);
  EXPECT_EQ(snap[0].dh_group, al.group);
  EXPECT_EQ(snap[0].integrity, al.integ);
  EXPECT_EQ(net.a.key_log[0].sk_ei.size(), al.encr_bits / 8u);
}

INSTANTIATE_TEST_SUITE_P(Suites, AlgorithmTest,
                         ::testing::Values(Algorithms{128, IntegAlg::kHmacSha1_96, DhGroup::kEcp256,
                                                      EspEncr::kAesCbc128, EspInteg::kHmacSha1_96, false},
                                           Algorithms{256, IntegAlg::kHmacSha2_384_192, DhGroup::kEcp384,
                                                      EspEncr::kAesCbc256, EspInteg::kHmacSha256_128, true},
                                           Algorithms{256, IntegAlg::kHmacSha2_512_256, DhGroup::kCurve25519,
                                                      EspEncr::kAesCbc256, EspInteg::kHmacSha1_96, true},
                                           Algorithms{128, IntegAlg::kHmacSha2_256_128, DhGroup::kModp2048,
                                                      EspEncr::kAesCbc128, EspInteg::kHmacSha256_128,
                                                      false}));

TEST(EngineTest, Ipv6Endpoints) {
  FakeNetwork net(make_policy("2001:db8::1"), make_policy("2001:db8::2"));
  net.a.address = {*IpAddress::parse("2001:db8::1"), 500};
  net.b.address = {*IpAddress::parse("2001:db8::2"), 500};
  establish(net);
  expect_children_match(net.a, net.b);
  const auto& c = net.a.children.begin()->second;
  EXPECT_EQ(c.local_ts[0], TrafficSelector::host(*IpAddress::parse("2001:db8::1"), 47));
  EXPECT_EQ(c.remote_ts[0], TrafficSelector::host(*IpAddress::parse("2001:db8::2"), 47));
  EXPECT_FALSE(c.udp_encap);
  EXPECT_EQ(net.b.ups[0].remote_id.to_string(), "2001:db8::1");
}

TEST(EngineTest, TunnelModeNarrowsSelectors) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  auto net16 = *IpAddress::parse("255.255.0.0"), net24 = *IpAddress::parse("255.255.255.0");
  pa.profiles[0].child.mode = pb.profiles[0].child.mode = ChildMode::kTunnel;
  pa.profiles[0].child.local_ts = {TrafficSelector::subnet(*IpAddress::parse("10.1.0.0"), net16)};
  pa.profiles[0].child.remote_ts = {TrafficSelector::subnet(*IpAddress::parse("10.2.0.0"), net16)};
  pb.profiles[0].child.local_ts = {TrafficSelector::subnet(*IpAddress::parse("10.2.0.0"), net24)};
  pb.profiles[0].child.remote_ts = {TrafficSelector::subnet(*IpAddress::parse("10.1.0.0"), net16)};
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);
  expect_children_match(net.a, net.b);
  const auto& c = net.a.children.begin()->second;
  EXPECT_EQ(c.mode, ChildMode::kTunnel);
  EXPECT_EQ(c.remote_ts[0].end.to_string(), "10.2.0.255");
  EXPECT_EQ(c.local_ts[0].end.to_string(), "10.1.255.255");
}

TEST(EngineTest, ModeMismatchRefusesChildButKeepsIkeSa) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pb.profiles[0].child.mode = ChildMode::kTunnel;
  pb.profiles[0].child.local_ts = {TrafficSelector::host(*IpAddress::parse("192.0.2.2"), 0)};
  pb.profiles[0].child.remote_ts = {TrafficSelector::host(*IpAddress::parse("192.0.2.1"), 0)};
  FakeNetwork net(std::move(pa), std::move(pb));
  net.initiate_from_a();
  net.run(2s);
  EXPECT_TRUE(net.both_up());
  EXPECT_TRUE(net.a.children.empty());
  EXPECT_TRUE(net.b.children.empty());
  EXPECT_EQ(net.b.engine->stats().no_proposal_chosen, 1u);
}

TEST(EngineTest, WrongPskRefusedWithAuthenticationFailed) {
  FakeNetwork net(make_policy("192.0.2.1", "cisco"), make_policy("192.0.2.2", "not-cisco"));
  net.initiate_from_a();
  net.run(3s);
  EXPECT_TRUE(net.a.engine->snapshot(net.now).empty());
  EXPECT_TRUE(net.b.engine->snapshot(net.now).empty());
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kAuthFailed);
  ASSERT_EQ(net.b.downs.size(), 1u);
  EXPECT_EQ(net.b.downs[0].reason, IkeSaDown::Reason::kAuthFailed);
  EXPECT_TRUE(net.a.installs.empty());
  EXPECT_TRUE(net.b.installs.empty());
  EXPECT_EQ(net.b.engine->stats().auth_failures, 1u);
  EXPECT_EQ(net.a.engine->stats().auth_failures, 1u);
  for (const auto& l : net.b.log) EXPECT_EQ(l.find("cisco"), std::string::npos);
}

TEST(EngineTest, RemoteIdentityMismatchRefused) {
  auto pb = make_policy("192.0.2.2");
  RemoteIdMatch only;
  only.kind = RemoteIdMatch::Kind::kFqdn;
  only.fqdn = "spoke.example";
  pb.profiles[0].remote = {only};
  FakeNetwork net(make_policy("192.0.2.1"), std::move(pb));
  net.initiate_from_a();
  net.run(3s);
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kAuthFailed);
}

TEST(EngineTest, FqdnIdentityAccepted) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pa.profiles[0].local_id = Identity::fqdn("spoke1.example");
  RemoteIdMatch m;
  m.kind = RemoteIdMatch::Kind::kFqdn;
  m.fqdn = ".example";
  pb.profiles[0].remote = {m};
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);
  EXPECT_EQ(net.b.ups[0].remote_id.to_string(), "spoke1.example");
}

TEST(EngineTest, InvalidKePayloadRetry) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pa.proposals[0].groups = {DhGroup::kEcp256, DhGroup::kModp2048};
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);
  EXPECT_EQ(net.a.engine->stats().invalid_ke_received, 1u);
  EXPECT_EQ(net.b.engine->stats().invalid_ke_sent, 1u);
  EXPECT_EQ(net.a.engine->snapshot(net.now)[0].dh_group, DhGroup::kModp2048);
  expect_children_match(net.a, net.b);
}

TEST(EngineTest, NoProposalChosen) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pa.proposals[0].encryptions = {{EncrAlg::kAesCbc, 128}};
  FakeNetwork net(std::move(pa), std::move(pb));
  net.initiate_from_a();
  net.run(2s);
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kNegotiationFailed);
  EXPECT_EQ(net.b.engine->stats().no_proposal_chosen, 1u);
  EXPECT_TRUE(net.b.engine->snapshot(net.now).empty());
}

TEST(EngineTest, CookieChallenge) {
  auto pb = make_policy("192.0.2.2");
  pb.cookie_threshold = 0;  // always
  FakeNetwork net(make_policy("192.0.2.1"), std::move(pb));
  establish(net);
  auto s = net.b.engine->stats();
  EXPECT_EQ(s.cookie_challenged, 1u);
  EXPECT_EQ(s.cookie_accepted, 1u);
  EXPECT_EQ(s.cookie_rejected_no_cookie, 1u);
  expect_children_match(net.a, net.b);
}

TEST(EngineTest, CookieThresholdCountsHalfOpen) {
  auto pb = make_policy("192.0.2.2");
  pb.cookie_threshold = 1;
  FakeNetwork net(make_policy("192.0.2.1"), std::move(pb));
  // First initiator's IKE_AUTH never arrives: it stays half-open at B.
  net.initiate_from_a();
  net.step(6ms);  // IKE_SA_INIT request delivered
  net.blackhole = true;
  net.run(1s);
  EXPECT_EQ(net.b.engine->stats().incoming_negotiating, 1u);
  net.blackhole = false;
  net.initiate_from_a();
  ASSERT_TRUE(net.run_until([&] { return net.b.engine->stats().incoming_active == 1; }, 10s));
  EXPECT_EQ(net.b.engine->stats().cookie_accepted, 1u);
}

TEST(EngineTest, HalfOpenSaTimesOut) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  net.initiate_from_a();
  net.step(6ms);
  net.blackhole = true;
  net.run(5s, 100ms);
  EXPECT_EQ(net.b.engine->snapshot(net.now).size(), 1u);
  net.run(30s, 500ms);
  EXPECT_TRUE(net.b.engine->snapshot(net.now).empty());
}

TEST(EngineTest, ChildRekeyFromEachSide) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  const std::uint32_t first = net.a.children.begin()->first;
  const std::size_t a_sent = net.a.sent.size(), b_sent = net.b.sent.size();
  ASSERT_TRUE(net.a.engine->rekey_child_sa(first, net.now));
  net.collect();
  net.run(2s);
  ASSERT_EQ(net.a.children.size(), 1u);
  EXPECT_NE(net.a.children.begin()->first, first);
  expect_children_match(net.a, net.b);
  ASSERT_EQ(net.a.installs.size(), 2u);
  // 2.17 for CREATE_CHILD_SA, independently: the fresh nonces decrypted from the wire with the logged
  // keys, KEYMAT = prf+(SK_d, Ni | Nr), A (the exchange initiator) sends with the first half.
  {
    const IkeKeyLogEntry& k = net.a.key_log.at(0);
    Bytes seed = decrypted_nonce(net.a.sent.at(a_sent).second.payload, k.sk_ei, k.sk_ai);
    const Bytes nr = decrypted_nonce(net.b.sent.at(b_sent).second.payload, k.sk_er, k.sk_ar);
    ASSERT_EQ(seed.size(), 32u);
    ASSERT_EQ(nr.size(), 32u);
    seed.insert(seed.end(), nr.begin(), nr.end());
    const Bytes keymat = ref_prf_plus("SHA256", k.sk_d.view(), seed, 2 * (32 + 20));
    const ChildSaInfo& fresh = net.a.installs[1].sa;
    EXPECT_EQ(tohex(fresh.outbound.encryption.view()), tohex(ByteView(keymat).subspan(0, 32)));
    EXPECT_EQ(tohex(fresh.outbound.integrity.view()), tohex(ByteView(keymat).subspan(32, 20)));
    EXPECT_EQ(tohex(fresh.inbound.encryption.view()), tohex(ByteView(keymat).subspan(52, 32)));
    EXPECT_EQ(tohex(fresh.inbound.integrity.view()), tohex(ByteView(keymat).subspan(84, 20)));
  }
  EXPECT_EQ(net.a.installs[1].replaces_inbound_spi, first);
  EXPECT_EQ(net.a.installs[1].sa.reqid, net.a.installs[0].sa.reqid);
  ASSERT_EQ(net.a.deletes.size(), 1u);
  EXPECT_EQ(net.a.deletes[0].inbound_spi, first);
  EXPECT_EQ(net.a.deletes[0].reason, ChildSaDelete::Reason::kRekeyed);
  ASSERT_EQ(net.b.deletes.size(), 1u);
  EXPECT_EQ(net.b.deletes[0].reason, ChildSaDelete::Reason::kRekeyed);
  // Fresh keys.
  EXPECT_FALSE(
      net.a.installs[1].sa.outbound.encryption.equals(net.a.installs[0].sa.outbound.encryption.view()));

  const std::uint32_t second = net.b.children.begin()->first;
  ASSERT_TRUE(net.b.engine->rekey_child_sa(second, net.now));
  net.collect();
  net.run(2s);
  ASSERT_EQ(net.b.children.size(), 1u);
  EXPECT_NE(net.b.children.begin()->first, second);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.engine->stats().child_rekeys, 2u);
}

TEST(EngineTest, ChildRekeyWithPfsAndNewChild) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pa.profiles[0].child.proposal.pfs_group = pb.profiles[0].child.proposal.pfs_group = DhGroup::kEcp256;
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  net.collect();
  net.run(2s);
  ASSERT_EQ(net.a.children.size(), 1u);
  EXPECT_EQ(net.a.installs.back().sa.pfs_group, DhGroup::kEcp256);
  expect_children_match(net.a, net.b);
  ASSERT_TRUE(net.b.engine->create_child_sa(net.b.ups[0].id, net.now));
  net.collect();
  net.run(2s);
  EXPECT_EQ(net.a.children.size(), 2u);
  expect_children_match(net.a, net.b);
  EXPECT_NE(net.b.installs.back().sa.reqid, net.b.installs.front().sa.reqid);
}

TEST(EngineTest, ChildSaLimitPerIkeSa) {
  auto pb = make_policy("192.0.2.2");
  pb.max_children_per_ike_sa = 2;
  FakeNetwork net(make_policy("192.0.2.1"), std::move(pb));
  establish(net);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(net.a.engine->create_child_sa(net.a.ups[0].id, net.now));
  net.collect();
  net.run(3s);
  EXPECT_EQ(net.a.children.size(), 2u);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.engine->stats().outgoing_rejected, 2u);  // the IKE_AUTH one + 1 created, 2 refused
  // Rekeying stays possible at the limit.
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  net.collect();
  net.run(2s);
  EXPECT_EQ(net.a.children.size(), 2u);
  EXPECT_EQ(net.a.engine->stats().child_rekeys, 1u);
}

TEST(EngineTest, PfsRequiredButPeerSendsNoKe) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pb.profiles[0].child.proposal.pfs_group = DhGroup::kEcp256;
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);  // the IKE_AUTH Child SA has no PFS
  const std::uint32_t first = net.a.children.begin()->first;
  ASSERT_TRUE(net.a.engine->rekey_child_sa(first, net.now));
  net.collect();
  net.run(2s);
  EXPECT_EQ(net.a.children.begin()->first, first);  // refused: old SA kept
  EXPECT_GE(net.b.engine->stats().no_proposal_chosen, 1u);
  expect_children_match(net.a, net.b);
}

void ike_rekey_from(FakeNetwork& net, Node& side) {
  const std::uint32_t child = net.a.children.begin()->first;
  auto before = side.engine->snapshot(net.now)[0];
  ASSERT_TRUE(side.engine->rekey_ike_sa(before.id, net.now));
  net.collect();
  net.run(2s);
  auto a = net.a.engine->snapshot(net.now), b = net.b.engine->snapshot(net.now);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].initiator_spi, before.initiator_spi);
  EXPECT_EQ(a[0].initiator_spi, b[0].initiator_spi);
  EXPECT_EQ(a[0].responder_spi, b[0].responder_spi);
  EXPECT_EQ(a[0].children.size(), 1u);
  EXPECT_EQ(b[0].children.size(), 1u);
  EXPECT_EQ(net.a.children.begin()->first, child);  // Child SAs move untouched
  EXPECT_EQ(side.downs.back().reason, IkeSaDown::Reason::kRekeyed);
  EXPECT_EQ(side.ups.back().replaces, before.id);
  // The new IKE SA works: its SK_d keys a Child SA rekey that both sides agree on.
  ASSERT_TRUE(net.b.engine->rekey_child_sa(net.b.children.begin()->first, net.now));
  net.collect();
  net.run(2s);
  EXPECT_NE(net.a.children.begin()->first, child);
  expect_children_match(net.a, net.b);
}

TEST(EngineTest, IkeRekeyByInitiator) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  ike_rekey_from(net, net.a);
}

TEST(EngineTest, IkeRekeyByResponderTwice) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  ike_rekey_from(net, net.b);
  ike_rekey_from(net, net.a);
  EXPECT_EQ(net.a.engine->stats().ike_rekeys, 2u);
}

TEST(EngineTest, SimultaneousChildRekeyCollision) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  const std::uint32_t a_spi = net.a.children.begin()->first, b_spi = net.b.children.begin()->first;
  ASSERT_TRUE(net.a.engine->rekey_child_sa(a_spi, net.now));
  ASSERT_TRUE(net.b.engine->rekey_child_sa(b_spi, net.now));
  net.collect();
  net.run(3s);
  EXPECT_EQ(net.a.engine->stats().rekey_collisions, 1u);
  EXPECT_EQ(net.b.engine->stats().rekey_collisions, 1u);
  ASSERT_EQ(net.a.children.size(), 1u);
  ASSERT_EQ(net.b.children.size(), 1u);
  EXPECT_NE(net.a.children.begin()->first, a_spi);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.installs.size(), 3u);  // first, ours, the peer's: one of the two new ones survives
  EXPECT_TRUE(net.a.engine->snapshot(net.now)[0].children.size() == 1);
}

TEST(EngineTest, SimultaneousIkeRekeyCollision) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  const auto old = net.a.engine->snapshot(net.now)[0];
  ASSERT_TRUE(net.a.engine->rekey_ike_sa(net.a.ups[0].id, net.now));
  ASSERT_TRUE(net.b.engine->rekey_ike_sa(net.b.ups[0].id, net.now));
  net.collect();
  net.run(3s);
  auto a = net.a.engine->snapshot(net.now), b = net.b.engine->snapshot(net.now);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].initiator_spi, old.initiator_spi);
  EXPECT_EQ(a[0].initiator_spi, b[0].initiator_spi);
  EXPECT_EQ(a[0].responder_spi, b[0].responder_spi);
  EXPECT_EQ(a[0].children.size(), 1u);
  EXPECT_EQ(b[0].children.size(), 1u);
  EXPECT_EQ(net.a.engine->stats().rekey_collisions, 1u);
  // And the survivor is usable.
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  net.collect();
  net.run(2s);
  expect_children_match(net.a, net.b);
}

TEST(EngineTest, ChildDeleteAndDeleteRace) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  ASSERT_TRUE(net.a.engine->create_child_sa(net.a.ups[0].id, net.now));
  net.collect();
  net.run(1s);
  ASSERT_EQ(net.a.children.size(), 2u);
  // One side deletes one Child SA.
  ASSERT_TRUE(net.b.engine->delete_child_sa(net.b.children.begin()->first, net.now));
  net.collect();
  net.run(1s);
  ASSERT_EQ(net.a.children.size(), 1u);
  ASSERT_EQ(net.b.children.size(), 1u);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.deletes.back().reason, ChildSaDelete::Reason::kPeerDeleted);
  // Both delete the remaining one at once.
  ASSERT_TRUE(net.a.engine->delete_child_sa(net.a.children.begin()->first, net.now));
  ASSERT_TRUE(net.b.engine->delete_child_sa(net.b.children.begin()->first, net.now));
  net.collect();
  net.run(2s);
  EXPECT_TRUE(net.a.children.empty());
  EXPECT_TRUE(net.b.children.empty());
  EXPECT_TRUE(net.both_up());
}

TEST(EngineTest, IkeDeleteRace) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  ASSERT_TRUE(net.a.engine->delete_ike_sa(net.a.ups[0].id, net.now));
  ASSERT_TRUE(net.b.engine->delete_ike_sa(net.b.ups[0].id, net.now));
  net.collect();
  net.run(40s, 100ms);
  EXPECT_TRUE(net.a.engine->snapshot(net.now).empty());
  EXPECT_TRUE(net.b.engine->snapshot(net.now).empty());
  EXPECT_TRUE(net.a.children.empty());
  EXPECT_TRUE(net.b.children.empty());
}

TEST(EngineTest, DeleteWhileRekeying) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  ASSERT_TRUE(net.b.engine->delete_child_sa(net.b.children.begin()->first, net.now));
  net.collect();
  net.run(3s);
  // Whatever the order, both ends agree on what is left.
  expect_children_match(net.a, net.b);
  EXPECT_LE(net.a.children.size(), 1u);
  EXPECT_TRUE(net.both_up());
}

TEST(EngineTest, PeerDeletesIkeSa) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  ASSERT_TRUE(net.b.engine->delete_ike_sa(net.b.ups[0].id, net.now));
  net.collect();
  net.run(1s);
  EXPECT_TRUE(net.a.engine->snapshot(net.now).empty());
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kPeerDeleted);
  EXPECT_EQ(net.a.deletes[0].reason, ChildSaDelete::Reason::kIkeSaGone);
  EXPECT_TRUE(net.b.engine->snapshot(net.now).empty());
}

TEST(EngineTest, RetransmissionBackoffAndExhaustion) {
  auto pa = make_policy("192.0.2.1");
  pa.retransmit.initial = 1s;
  pa.retransmit.tries = 3;
  FakeNetwork net(std::move(pa), make_policy("192.0.2.2"));
  establish(net);
  net.blackhole = true;
  const std::size_t before = net.a.sent.size();
  ASSERT_TRUE(net.a.engine->send_dpd(net.a.ups[0].id, net.now));
  net.collect();
  net.run(30s, 50ms);
  ASSERT_EQ(net.a.sent.size() - before, 4u);  // first send + 3 retransmissions
  // Exponential backoff: 1 s, 2 s, 4 s between sends, then 8 s until giving up.
  auto gap = [&](std::size_t i) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   net.a.sent[before + i].first - net.a.sent[before + i - 1].first)
                                   .count());
  };
  EXPECT_NEAR(gap(1), 1000, 60);
  EXPECT_NEAR(gap(2), 2000, 60);
  EXPECT_NEAR(gap(3), 4000, 60);
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kDpdDead);
  EXPECT_TRUE(net.a.children.empty());
  EXPECT_EQ(net.a.engine->stats().exhausted, 1u);
}

TEST(EngineTest, InitiatorGivesUpOnSilentPeer) {
  auto pa = make_policy("192.0.2.1");
  pa.retransmit.tries = 2;
  FakeNetwork net(std::move(pa), make_policy("192.0.2.2"));
  net.blackhole = true;
  net.initiate_from_a();
  net.run(60s, 100ms);
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kNegotiationFailed);
  EXPECT_EQ(net.a.sent.size(), 3u);
}

TEST(EngineTest, LossyDuplicatingReorderingNetwork) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  pa.retransmit.initial = pb.retransmit.initial = 500ms;
  pa.retransmit.tries = pb.retransmit.tries = 10;
  FakeNetwork net(std::move(pa), std::move(pb));
  net.loss = 0.3;
  net.duplicate = 0.3;
  net.jitter = 400ms;
  net.initiate_from_a();
  ASSERT_TRUE(net.run_until([&] { return net.a.children.size() == 1 && net.b.children.size() == 1; }, 120s));
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  net.collect();
  net.run(60s);
  ASSERT_TRUE(net.b.engine->rekey_ike_sa(net.b.engine->snapshot(net.now)[0].id, net.now));
  net.collect();
  net.run(60s);
  ASSERT_EQ(net.a.engine->snapshot(net.now).size(), 1u);
  ASSERT_EQ(net.b.engine->snapshot(net.now).size(), 1u);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.children.size(), 1u);
  EXPECT_GT(net.a.engine->stats().retransmits_sent + net.b.engine->stats().retransmits_sent, 0u);
}

TEST(EngineTest, DeadPeerDetectionKeepsLiveSa) {
  auto pa = make_policy("192.0.2.1");
  pa.profiles[0].dpd_interval = 10s;
  FakeNetwork net(std::move(pa), make_policy("192.0.2.2"));
  establish(net);
  net.run(35s, 100ms);
  EXPECT_GE(net.a.engine->stats().dpd_sent, 3u);
  EXPECT_TRUE(net.both_up());
  net.blackhole = true;
  net.run(120s, 200ms);
  ASSERT_EQ(net.a.downs.size(), 1u);
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kDpdDead);
}

// `dpd 10 2 periodic`: the probe goes after 10 s of silence and is retried every 2 s (IOS), not on
// the exponential backoff, so the dead peer is dropped 10 + 2 * (tries + 1) s after it went quiet.
TEST(EngineTest, DeadPeerDetectionRetriesEveryRetryInterval) {
  auto pa = make_policy("192.0.2.1");
  pa.profiles[0].dpd_interval = 10s;
  pa.profiles[0].dpd_retry = 2s;
  pa.retransmit.tries = 5;
  FakeNetwork net(std::move(pa), make_policy("192.0.2.2"));
  establish(net);
  net.blackhole = true;
  const auto quiet_since = net.now;
  const std::size_t before = net.a.sent.size();
  ASSERT_TRUE(net.run_until([&] { return !net.a.downs.empty(); }, 60s, 50ms));
  EXPECT_EQ(net.a.downs[0].reason, IkeSaDown::Reason::kDpdDead);
  ASSERT_EQ(net.a.sent.size() - before, 6u);  // the probe + 5 retries
  for (std::size_t i = 1; i < 6; ++i) {
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(net.a.sent[before + i].first -
                                                                           net.a.sent[before + i - 1].first);
    EXPECT_NEAR(static_cast<double>(gap.count()), 2000, 60) << "retry " << i;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(net.now - quiet_since);
  EXPECT_LE(took.count(), 10000 + 2000 * 6 + 200);
}

TEST(EngineTest, FragmentationWhenMessagesExceedMtu) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  for (Policy* p : {&pa, &pb}) {
    p->mtu = 300;
    p->profiles[0].child.mode = ChildMode::kTunnel;
  }
  for (int i = 0; i < 12; ++i) {
    auto net_a = *IpAddress::parse("10.1." + std::to_string(i) + ".0");
    auto net_b = *IpAddress::parse("10.2." + std::to_string(i) + ".0");
    auto mask = *IpAddress::parse("255.255.255.0");
    pa.profiles[0].child.local_ts.push_back(TrafficSelector::subnet(net_a, mask));
    pa.profiles[0].child.remote_ts.push_back(TrafficSelector::subnet(net_b, mask));
    pb.profiles[0].child.local_ts.push_back(TrafficSelector::subnet(net_b, mask));
    pb.profiles[0].child.remote_ts.push_back(TrafficSelector::subnet(net_a, mask));
  }
  FakeNetwork net(std::move(pa), std::move(pb));
  net.duplicate = 0.2;
  net.jitter = 20ms;  // fragments arrive out of order
  establish(net);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.children.begin()->second.local_ts.size(), 12u);
  EXPECT_GT(net.a.engine->stats().fragments_sent, 1u);
  EXPECT_GT(net.b.engine->stats().fragments_received, 1u);
  EXPECT_GT(net.b.engine->stats().fragments_sent, 1u);
  // Everything after IKE_SA_INIT (which RFC 7383 never fragments) fits the MTU.
  for (std::size_t i = 1; i < net.a.sent.size(); ++i)
    EXPECT_LE(net.a.sent[i].second.payload.size() + 28, 300u);
  EXPECT_TRUE(net.a.engine->snapshot(net.now)[0].fragmentation);
}

TEST(EngineTest, FragmentedExchangesSurviveLoss) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  for (Policy* p : {&pa, &pb}) {
    p->mtu = 256;
    p->retransmit.initial = 500ms;
    p->retransmit.tries = 12;
    p->profiles[0].child.mode = ChildMode::kTunnel;
    for (int i = 0; i < 8; ++i) {
      auto mask = *IpAddress::parse("255.255.255.0");
      auto mine = *IpAddress::parse((p == &pa ? "10.1." : "10.2.") + std::to_string(i) + ".0");
      auto theirs = *IpAddress::parse((p == &pa ? "10.2." : "10.1.") + std::to_string(i) + ".0");
      p->profiles[0].child.local_ts.push_back(TrafficSelector::subnet(mine, mask));
      p->profiles[0].child.remote_ts.push_back(TrafficSelector::subnet(theirs, mask));
    }
  }
  FakeNetwork net(std::move(pa), std::move(pb));
  net.loss = 0.15;
  net.jitter = 50ms;
  net.initiate_from_a();
  ASSERT_TRUE(net.run_until([&] { return net.a.children.size() == 1 && net.b.children.size() == 1; }, 120s));
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  net.collect();
  ASSERT_TRUE(net.run_until(
      [&] { return net.a.engine->stats().child_rekeys == 1 && net.a.children.size() == 1; }, 120s));
  net.run(10s);
  expect_children_match(net.a, net.b);
  EXPECT_GT(net.b.engine->stats().fragments_received, 4u);
}

TEST(EngineTest, DuplicatedRequestsAnsweredFromTheStoredResponse) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  net.duplicate = 1.0;  // every datagram arrives twice
  establish(net);
  ASSERT_TRUE(net.a.engine->rekey_child_sa(net.a.children.begin()->first, net.now));
  net.collect();
  net.run(2s);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.children.size(), 1u);
  // IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL duplicates each answered once more.
  EXPECT_GE(net.b.engine->stats().retransmits_answered, 3u);
  EXPECT_EQ(net.a.engine->stats().child_rekeys, 1u);
}

TEST(EngineTest, NatDetectedFloatsTo4500) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  net.nat_a = true;
  establish(net);
  expect_children_match(net.a, net.b);
  const auto& ca = net.a.children.begin()->second;
  EXPECT_TRUE(ca.udp_encap);
  EXPECT_EQ(ca.local.port, 4500);
  EXPECT_EQ(ca.remote.port, 4500);
  const auto& cb = net.b.children.begin()->second;
  EXPECT_TRUE(cb.udp_encap);
  EXPECT_EQ(cb.remote.address.to_string(), "198.51.100.7");
  EXPECT_EQ(cb.remote.port, 14500);
  auto sa = net.a.engine->snapshot(net.now)[0];
  EXPECT_TRUE(sa.nat_local);
  EXPECT_FALSE(sa.nat_remote);
  EXPECT_TRUE(net.b.engine->snapshot(net.now)[0].nat_remote);
  EXPECT_TRUE(net.a.sent[1].second.non_esp_marker);
  EXPECT_EQ(net.marker_errors, 0u);
  // Rekeys and keepalives work across the NAT.
  ASSERT_TRUE(net.b.engine->rekey_child_sa(net.b.children.begin()->first, net.now));
  net.collect();
  net.run(25s, 100ms);
  expect_children_match(net.a, net.b);
  EXPECT_TRUE(
      std::any_of(net.a.sent.begin(), net.a.sent.end(), [](const auto& s) { return s.second.keepalive; }));
}

TEST(EngineTest, InitialContactReplacesStaleSas) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  // A second SA to the same peer carries no INITIAL_CONTACT: both stay.
  ASSERT_TRUE(net.a.engine->initiate({net.a.address, net.b.address, ""}, net.now));
  net.collect();
  net.run(2s);
  EXPECT_EQ(net.b.engine->snapshot(net.now).size(), 2u);
  // A restarts (a fresh engine, no state): its first SA carries INITIAL_CONTACT and B drops the old ones.
  net.a.engine = std::make_unique<Engine>(make_policy("192.0.2.1"));
  net.a.children.clear();
  net.initiate_from_a();
  net.run(2s);
  auto b = net.b.engine->snapshot(net.now);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].children.size(), 1u);
  expect_children_match(net.a, net.b);
}

TEST(EngineTest, UnsupportedCriticalPayloadAnswered) {
  Engine responder(make_policy("192.0.2.2"));
  msg::Header h;
  h.initiator_spi = 0x1234;
  h.exchange = msg::ExchangeType::kIkeSaInit;
  h.flags = msg::Header::kFlagInitiator;
  msg::Payload odd;
  odd.type = msg::PayloadType::kNone;
  odd.raw_type = 150;
  odd.critical = true;
  odd.body = msg::UnknownPayload{Bytes(4, 0)};
  const Bytes wire = msg::encode_message(
      h, {msg::make_payload(msg::PayloadType::kNonce, msg::NoncePayload{Bytes(32, 1)}), odd});
  Endpoint local{*IpAddress::parse("192.0.2.2"), 500}, remote{*IpAddress::parse("192.0.2.1"), 500};
  responder.on_datagram(local, remote, wire, TimePoint{});
  auto actions = responder.take_actions();
  ASSERT_EQ(actions.size(), 1u);
  const auto& d = std::get<SendDatagram>(actions[0]);
  auto m = msg::decode_message(d.payload);
  ASSERT_TRUE(m.ok());
  const auto* n = m.value.find_notify(msg::notify::kUnsupportedCriticalPayload);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->data, Bytes{150});
  EXPECT_TRUE(m.value.header.is_response());
  // Garbage is dropped and counted.
  responder.on_datagram(local, remote, Bytes(50, 0xAB), TimePoint{});
  EXPECT_TRUE(responder.take_actions().empty());
  EXPECT_EQ(responder.stats().decode_errors, 1u);
}

// Volume lifetimes counted by the data plane: a soft limit rekeys the Child SA (a new pair, the old
// one deleted on both sides), a hard limit deletes it on both sides.
TEST(EngineTest, VolumeLimitsFromTheDataPlaneRekeyThenDelete) {
  FakeNetwork net(make_policy("192.0.2.1"), make_policy("192.0.2.2"));
  establish(net);
  const std::uint32_t first = net.a.children.begin()->first;
  net.a.engine->on_child_volume_limit(first, false, net.now);
  net.collect();
  net.run(5s);
  ASSERT_EQ(net.a.children.size(), 1u);
  const std::uint32_t second = net.a.children.begin()->first;
  EXPECT_NE(second, first);
  expect_children_match(net.a, net.b);
  EXPECT_EQ(net.a.engine->stats().child_rekeys, 1u);
  net.b.engine->on_child_volume_limit(net.b.children.begin()->first, true, net.now);
  net.collect();
  net.run(5s);
  EXPECT_TRUE(net.a.children.empty());
  EXPECT_TRUE(net.b.children.empty());
  EXPECT_TRUE(net.both_up()) << "the hard limit of a Child SA must not take the IKE SA";
}

TEST(EngineTest, LifetimesDriveRekeys) {
  auto pa = make_policy("192.0.2.1"), pb = make_policy("192.0.2.2");
  for (Policy* p : {&pa, &pb}) {
    p->profiles[0].child.lifetime.seconds = 120s;
    p->profiles[0].child.rekey_margin = 30s;
    p->profiles[0].child.rekey_jitter = 10s;
    p->profiles[0].ike_lifetime = 300s;
  }
  FakeNetwork net(std::move(pa), std::move(pb));
  establish(net);
  const std::uint32_t first = net.a.children.begin()->first;
  net.run(400s, 250ms);
  ASSERT_EQ(net.a.children.size(), 1u);
  EXPECT_NE(net.a.children.begin()->first, first);
  expect_children_match(net.a, net.b);
  EXPECT_GE(net.a.engine->stats().child_rekeys, 3u);
  EXPECT_GE(net.a.engine->stats().ike_rekeys, 1u);
  EXPECT_EQ(net.a.engine->snapshot(net.now).size(), 1u);
  EXPECT_EQ(net.b.engine->snapshot(net.now).size(), 1u);
  EXPECT_TRUE(net.a.engine->next_deadline().has_value());
}

}  // namespace
}  // namespace hubsec::ike::test
