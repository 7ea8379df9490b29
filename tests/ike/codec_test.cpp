// Message codec: every payload round-trips, every truncation and length corruption is refused with
// an error code, unknown payloads are kept (critical flag visible), SK/SKF seal and open.
#include <gtest/gtest.h>

#include "hubsec/ike/engine.hpp"
#include "hubsec/ike/message.hpp"
#include "proposals.hpp"
#include "sk.hpp"
#include "test_util.hpp"

namespace hubsec::ike {
namespace {

using namespace msg;

std::vector<Payload> every_payload() {
  std::vector<Payload> p;
  SaPayload sa = detail::ike_offer({IkeProposal{{{EncrAlg::kAesCbc, 256}, {EncrAlg::kAesCbc, 128}},
                                                {IntegAlg::kHmacSha2_256_128, IntegAlg::kHmacSha1_96},
                                                {},
                                                {DhGroup::kModp2048, DhGroup::kEcp256}}},
                                   {});
  ChildProposal cp;
  cp.esn = true;
  SaPayload esp = detail::esp_offer(cp, 0x12345678, DhGroup::kEcp384);
  sa.proposals.push_back(esp.proposals[0]);
  sa.proposals.back().number = 2;
  p.push_back(make_payload(PayloadType::kSa, sa));
  p.push_back(make_payload(PayloadType::kKe, KePayload{14, Bytes(256, 7)}));
  p.push_back(make_payload(PayloadType::kIdi, IdPayload{Identity::fqdn("hub.example"), {}}));
  p.push_back(
      make_payload(PayloadType::kIdr, IdPayload{Identity::address(*IpAddress::parse("192.0.2.1")), {}}));
  p.push_back(make_payload(PayloadType::kCert, CertPayload{4, Bytes(10, 1)}));
  p.push_back(make_payload(PayloadType::kCertReq, CertPayload{4, Bytes(20, 2)}));
  p.push_back(make_payload(PayloadType::kAuth, AuthPayload{2, Bytes(32, 3)}));
  p.push_back(make_payload(PayloadType::kNonce, NoncePayload{Bytes(32, 4)}));
  p.push_back(make_notify(notify::kRekeySa, {}, ProtocolId::kEsp, {1, 2, 3, 4}));
  p.push_back(make_payload(PayloadType::kDelete, DeletePayload{ProtocolId::kEsp, {0x1000, 0x2000}}));
  p.push_back(make_payload(PayloadType::kDelete, DeletePayload{ProtocolId::kIke, {}}));
  p.push_back(make_payload(PayloadType::kVendorId, VendorIdPayload{test::text("hubsec")}));
  TsPayload ts;
  ts.selectors.push_back(TrafficSelector::host(*IpAddress::parse("192.0.2.1"), 47));
  ts.selectors.push_back(
      TrafficSelector::subnet(*IpAddress::parse("2001:db8::"), *IpAddress::parse("ffff:ffff::")));
  p.push_back(make_payload(PayloadType::kTsi, ts));
  p.push_back(make_payload(PayloadType::kTsr, ts));
  p.push_back(make_payload(PayloadType::kCp, CpPayload{1, {{1, {}}, {3, {192, 0, 2, 9}}}}));
  p.push_back(make_payload(PayloadType::kEap, EapPayload{{1, 7, 0, 5, 1}}));
  return p;
}

Bytes sample_message() {
  Header h;
  h.initiator_spi = 0x0102030405060708ull;
  h.responder_spi = 0x1112131415161718ull;
  h.exchange = ExchangeType::kIkeAuth;
  h.flags = Header::kFlagInitiator;
  h.message_id = 1;
  return encode_message(h, every_payload());
}

TEST(CodecTest, EveryPayloadRoundTrips) {
  const Bytes wire = sample_message();
  auto d = decode_message(wire);
  ASSERT_TRUE(d.ok()) << to_string(d.error);
  EXPECT_EQ(d.value.header.message_id, 1u);
  EXPECT_EQ(d.value.header.initiator_spi, 0x0102030405060708ull);
  ASSERT_EQ(d.value.payloads.size(), every_payload().size());
  // Re-encoding what we decoded gives the same bytes.
  EXPECT_EQ(encode_message(d.value.header, d.value.payloads), wire);
  const auto* sa = d.value.get<SaPayload>(PayloadType::kSa);
  ASSERT_TRUE(sa);
  ASSERT_EQ(sa->proposals.size(), 2u);
  EXPECT_EQ(sa->proposals[1].protocol, ProtocolId::kEsp);
  EXPECT_EQ(sa->proposals[1].spi, (Bytes{0x12, 0x34, 0x56, 0x78}));
  EXPECT_EQ(*sa->proposals[0].transforms[0].key_length, 256);
  const auto* idi = d.value.get<IdPayload>(PayloadType::kIdi);
  EXPECT_EQ(idi->id.to_string(), "hub.example");
  EXPECT_EQ(idi->raw_body.size(), 4u + 11u);
  const auto* ts = d.value.get<TsPayload>(PayloadType::kTsi);
  ASSERT_EQ(ts->selectors.size(), 2u);
  EXPECT_EQ(ts->selectors[0].ip_proto, 47);
  EXPECT_TRUE(ts->selectors[1].start.v6);
  const auto* del = d.value.get<DeletePayload>(PayloadType::kDelete);
  EXPECT_EQ(del->spis, (std::vector<std::uint32_t>{0x1000, 0x2000}));
  const auto* n = d.value.find_notify(notify::kRekeySa);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->protocol, ProtocolId::kEsp);
}

TEST(CodecTest, EveryTruncationIsAnErrorNotACrash) {
  const Bytes wire = sample_message();
  for (std::size_t len = 0; len < wire.size(); ++len) {
    auto d = decode_message(ByteView(wire.data(), len));
    EXPECT_FALSE(d.ok()) << "length " << len;
  }
}

TEST(CodecTest, CorruptedLengthsAreRefused) {
  const Bytes wire = sample_message();
  int refused = 0;
  // Bump every byte of the first payloads' headers; decoding must never read out of bounds (ASan
  // builds check that) and length corruption must be reported.
  for (std::size_t i = kHeaderSize; i < wire.size(); ++i) {
    Bytes bad = wire;
    bad[i] ^= 0xFF;
    if (!decode_message(bad).ok()) ++refused;
  }
  EXPECT_GT(refused, 100);
  Bytes longer = wire;
  longer.push_back(0);
  EXPECT_EQ(decode_message(longer).error, DecodeError::kBadLength);
  Bytes bad_version = wire;
  bad_version[17] = 0x30;
  EXPECT_EQ(decode_message(bad_version).error, DecodeError::kBadVersion);
}

TEST(CodecTest, UnknownPayloadsKeptWithCriticalBit) {
  Header h;
  h.exchange = ExchangeType::kIkeSaInit;
  Payload unknown;
  unknown.type = PayloadType::kNone;
  unknown.raw_type = 200;
  unknown.body = UnknownPayload{Bytes(5, 1)};
  std::vector<Payload> p{make_payload(PayloadType::kNonce, NoncePayload{Bytes(16, 1)}), unknown};
  auto d = decode_message(encode_message(h, p));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d.value.unsupported_critical());
  p[1].critical = true;
  d = decode_message(encode_message(h, p));
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d.value.unsupported_critical());
  EXPECT_EQ(*d.value.unsupported_critical(), 200);
}

TEST(CodecTest, BadFieldValuesAreRefused) {
  Header h;
  // A delete of ESP SPIs with SPI size 8 is malformed.
  Bytes body = {3, 8, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8};
  Payload raw;
  raw.type = PayloadType::kNone;
  raw.raw_type = 42;
  raw.body = UnknownPayload{body};
  auto d = decode_message(encode_message(h, {raw}));
  EXPECT_EQ(d.error, DecodeError::kBadSyntax);
  // A traffic selector of an unknown type.
  raw.raw_type = 44;
  raw.body = UnknownPayload{Bytes{1, 0, 0, 0, 9, 0, 0, 16, 0, 0, 0xff, 0xff, 1, 2, 3, 4, 1, 2, 3, 4}};
  EXPECT_EQ(decode_message(encode_message(h, {raw})).error, DecodeError::kBadSyntax);
  // SKF with fragment number 0.
  raw.raw_type = 53;
  raw.body = UnknownPayload{Bytes{0, 0, 0, 1, 9, 9}};
  EXPECT_EQ(decode_message(encode_message(h, {raw})).error, DecodeError::kBadSyntax);
}

class ZeroRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = static_cast<std::uint8_t>(n_++);
  }

 private:
  unsigned n_ = 0;
};

TEST(SkTest, SealOpenAndIcvTamper) {
  SecretBytes e(Bytes(32, 1)), a(Bytes(32, 2));
  detail::SkDirection keys{&e, &a, IntegAlg::kHmacSha2_256_128};
  ZeroRandom rng;
  Header h;
  h.exchange = ExchangeType::kInformational;
  auto packets = detail::seal_message(h, every_payload(), keys, rng, 0);
  ASSERT_EQ(packets.size(), 1u);
  auto m = decode_message(packets[0]);
  ASSERT_TRUE(m.ok());
  const auto& sk = std::get<SkPayload>(m.value.payloads.back().body);
  auto plain = detail::open_encrypted(packets[0], sk.body, keys);
  ASSERT_TRUE(plain);
  auto inner = decode_payloads(m.value.payloads.back().inner_first, *plain);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner.value.size(), every_payload().size());
  Bytes tampered = packets[0];
  tampered[40] ^= 1;
  auto m2 = decode_message(tampered);
  ASSERT_TRUE(m2.ok());
  EXPECT_FALSE(
      detail::open_encrypted(tampered, std::get<SkPayload>(m2.value.payloads.back().body).body, keys));
}

TEST(SkTest, FragmentsEachAuthenticatedAndReassemble) {
  SecretBytes e(Bytes(16, 1)), a(Bytes(20, 2));
  detail::SkDirection keys{&e, &a, IntegAlg::kHmacSha1_96};
  ZeroRandom rng;
  Header h;
  h.exchange = ExchangeType::kIkeAuth;
  auto packets = detail::seal_message(h, every_payload(), keys, rng, 200);
  ASSERT_GT(packets.size(), 3u);
  Bytes all;
  PayloadType first = PayloadType::kNone;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_LE(packets[i].size(), 200u);
    auto m = decode_message(packets[i]);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m.value.payloads.back().type, PayloadType::kSkf);
    const auto& f = std::get<SkfPayload>(m.value.payloads.back().body);
    EXPECT_EQ(f.fragment_number, i + 1);
    EXPECT_EQ(f.total_fragments, packets.size());
    if (i == 0)
      first = m.value.payloads.back().inner_first;
    else
      EXPECT_EQ(m.value.payloads.back().inner_first, PayloadType::kNone);
    auto plain = detail::open_encrypted(packets[i], f.body, keys);
    ASSERT_TRUE(plain);
    all.insert(all.end(), plain->begin(), plain->end());
  }
  auto inner = decode_payloads(first, all);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner.value.size(), every_payload().size());
}

TEST(ProposalTest, SelectsAcceptableAndRefusesOthers) {
  std::vector<IkeProposal> ours{
      {{{EncrAlg::kAesCbc, 256}}, {IntegAlg::kHmacSha2_256_128}, {}, {DhGroup::kModp2048}}};
  std::vector<IkeProposal> theirs{
      {{{EncrAlg::kAesCbc, 128}}, {IntegAlg::kHmacSha1_96}, {}, {DhGroup::kEcp256}},
      {{{EncrAlg::kAesCbc, 256}}, {IntegAlg::kHmacSha2_256_128}, {}, {DhGroup::kModp2048}}};
  auto c = detail::select_ike(detail::ike_offer(theirs, {}), ours);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->proposal.number, 2);
  EXPECT_EQ(c->suite.prf, PrfAlg::kHmacSha2_256);
  EXPECT_EQ(c->proposal.transforms.size(), 4u);
  EXPECT_FALSE(detail::select_ike(detail::ike_offer({theirs[0]}, {}), ours));
  SaPayload answer;
  answer.proposals.push_back(c->proposal);
  EXPECT_TRUE(detail::accept_ike(answer, ours));
  answer.proposals[0].transforms.push_back(answer.proposals[0].transforms[0]);  // two ENCR: refused
  EXPECT_FALSE(detail::accept_ike(answer, ours));

  ChildProposal cp;  // aes256 + sha1-96, no ESN
  ChildProposal peer;
  peer.encryptions = {EspEncr::kAesCbc128, EspEncr::kAesCbc256};
  peer.integrities = {EspInteg::kHmacSha256_128, EspInteg::kHmacSha1_96};
  auto e = detail::select_esp(detail::esp_offer(peer, 0xabcdef01, DhGroup::kNone), cp, DhGroup::kNone);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->suite.encr, EspEncr::kAesCbc256);
  EXPECT_EQ(e->suite.integ, EspInteg::kHmacSha1_96);
  EXPECT_EQ(e->peer_spi, 0xabcdef01u);
  peer.integrities = {EspInteg::kHmacSha256_128};
  EXPECT_FALSE(detail::select_esp(detail::esp_offer(peer, 1, DhGroup::kNone), cp, DhGroup::kNone));
}

}  // namespace
}  // namespace hubsec::ike
