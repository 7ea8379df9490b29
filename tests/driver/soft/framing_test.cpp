// IPv4 header handling and ESP framing, on their own (the card backend frames with these too).
#include <gtest/gtest.h>

#include "hubsec/driver/esp_framing.hpp"
#include "test_util.hpp"

namespace hubsec::driver::test {
namespace {

// The widely used worked example (192.168.0.1 -> 192.168.0.199, UDP): checksum 0xb861.
TEST(Ipv4, ChecksumOfTheClassicExample) {
  Bytes h = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
  EXPECT_EQ(internet_checksum(h), 0xb861);
  store_be16(&h[10], 0xb861);
  EXPECT_EQ(internet_checksum(h), 0);  // a correct header sums to zero
  h.resize(0x73);
  const auto parsed = parse_ipv4(h);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->protocol, 17);
  EXPECT_EQ(parsed->src, 0xc0a80001u);
  EXPECT_EQ(parsed->dst, 0xc0a800c7u);
  EXPECT_EQ(parsed->total_len, 0x73u);
  EXPECT_FALSE(parsed->is_fragment());
}

TEST(Ipv4, OddLengthChecksumPadsWithZero) {
  EXPECT_EQ(internet_checksum(hex("0102 03")), static_cast<std::uint16_t>(~(0x0102 + 0x0300)));
}

TEST(Ipv4, WriteThenParse) {
  Ipv4Header h;
  h.total_len = 60;
  h.tos = 0xb8;
  h.id = 0xbeef;
  h.flags_offset = kIpv4FlagDf;
  h.ttl = 17;
  h.protocol = 47;
  h.src = 0x0a000001;
  h.dst = 0x0a000002;
  Bytes p(60);
  write_ipv4_header(h, p);
  const auto back = parse_ipv4(p);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->tos, 0xb8);
  EXPECT_EQ(back->id, 0xbeef);
  EXPECT_EQ(back->ttl, 17);
  EXPECT_EQ(back->flags_offset, kIpv4FlagDf);
}

TEST(Ipv4, RefusesMalformedHeaders) {
  const Bytes good = ipv4_packet(1, 2, 47, Bytes(10, 0));
  ASSERT_TRUE(parse_ipv4(good).has_value());
  EXPECT_FALSE(parse_ipv4(std::span(good).first(19)).has_value());  // shorter than a header
  Bytes v6 = good;
  v6[0] = 0x65;
  EXPECT_FALSE(parse_ipv4(v6).has_value());
  Bytes ihl4 = good;
  ihl4[0] = 0x44;
  update_ipv4_checksum(ihl4);
  EXPECT_FALSE(parse_ipv4(ihl4).has_value());
  Bytes too_long = good;
  store_be16(&too_long[2], 31);  // claims one byte more than there is
  update_ipv4_checksum(too_long);
  EXPECT_FALSE(parse_ipv4(too_long).has_value());
  Bytes bad_sum = good;
  bad_sum[8] ^= 1;  // TTL changed, checksum not
  EXPECT_FALSE(parse_ipv4(bad_sum).has_value());
  Bytes padded = good;  // trailing link-layer padding is fine
  padded.resize(good.size() + 6);
  EXPECT_EQ(parse_ipv4(padded)->total_len, good.size());
}

TEST(EspFraming, TransportKeepsOptionsAndAddresses) {
  // A header with 4 bytes of options (IHL 6): transport mode must keep them.
  Bytes p = hex("4600 0020 1234 4000 402f 0000 c000 0201 c000 0202 9404 0000 dead beef cafe f00d");
  update_ipv4_checksum(p);
  const EspFraming f{EspMode::kTransport, false, kNatTraversalPort, kNatTraversalPort, 0, 0};
  OutboundLayout layout;
  ASSERT_EQ(plan_outbound(f, p, layout), EspStatus::kOk);
  EXPECT_EQ(layout.header_len, 24u);
  EXPECT_EQ(layout.next_header, 47);
  EXPECT_EQ(layout.payload.size(), 8u);
  Bytes out(24 + 64);
  ASSERT_EQ(write_outbound_headers(f, layout, p, 64, out), EspStatus::kOk);
  const auto h = parse_ipv4(out);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->header_len, 24u);
  EXPECT_EQ(h->protocol, kIpProtoEsp);
  EXPECT_EQ(h->total_len, 88u);
  EXPECT_EQ(Bytes(out.begin() + 20, out.begin() + 24), hex("94040000"));
  // Inbound puts the original protocol back.
  InboundLayout in;
  ASSERT_EQ(plan_inbound(f, out, in), EspStatus::kOk);
  EXPECT_EQ(in.payload_offset, 24u);
  EXPECT_EQ(in.esp.size(), 64u);
  Bytes back(100);
  std::copy(layout.payload.begin(), layout.payload.end(), back.begin() + 24);
  std::size_t len = 0;
  ASSERT_EQ(finish_inbound(f, in, out, 47, 8, back, len), EspStatus::kOk);
  back.resize(len);
  EXPECT_EQ(back, p);
}

TEST(EspFraming, TunnelBuildsAnOuterHeaderAndUdp) {
  const Bytes inner = ipv4_packet(0x0a000001, 0x0a000002, 1, Bytes(30, 9));
  const EspFraming f{EspMode::kTunnel, true, 4500, 4501, kHubAddr, kSpokeAddr};
  OutboundLayout layout;
  ASSERT_EQ(plan_outbound(f, inner, layout), EspStatus::kOk);
  EXPECT_EQ(layout.next_header, kIpProtoIpv4);
  EXPECT_EQ(layout.payload.size(), inner.size());
  EXPECT_EQ(layout.header_len, 28u);
  Bytes out(28 + 80);
  ASSERT_EQ(write_outbound_headers(f, layout, inner, 80, out), EspStatus::kOk);
  const auto h = parse_ipv4(out);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->src, kHubAddr);
  EXPECT_EQ(h->dst, kSpokeAddr);
  EXPECT_EQ(h->protocol, kIpProtoUdp);
  EXPECT_EQ(h->flags_offset, kIpv4FlagDf);  // DF copied from the inner header
  EXPECT_EQ(Bytes(out.begin() + 20, out.begin() + 28), hex("1194 1195 0058 0000"));
  // Too big for IPv4.
  EXPECT_EQ(write_outbound_headers(f, layout, inner, 65535, out), EspStatus::kBadLength);
}

TEST(EspFraming, TunnelInboundChecksTheInnerPacket) {
  const EspFraming f{EspMode::kTunnel, false, 4500, 4500, kHubAddr, kSpokeAddr};
  const Bytes outer = ipv4_packet(kSpokeAddr, kHubAddr, kIpProtoEsp, Bytes(64, 0));
  InboundLayout in;
  ASSERT_EQ(plan_inbound(f, outer, in), EspStatus::kOk);
  EXPECT_EQ(in.payload_offset, 0u);
  Bytes out = ipv4_packet(1, 2, 6, Bytes(10, 0));
  const std::size_t inner_len = out.size();
  out.resize(inner_len + 7);  // TFC padding after the inner packet
  std::size_t len = 0;
  ASSERT_EQ(finish_inbound(f, in, outer, kIpProtoIpv4, out.size(), out, len), EspStatus::kOk);
  EXPECT_EQ(len, inner_len);
  EXPECT_EQ(finish_inbound(f, in, outer, 47, out.size(), out, len), EspStatus::kBadHeader);
  EXPECT_EQ(finish_inbound(f, in, outer, kIpProtoNoNext, out.size(), out, len), EspStatus::kOk);
  EXPECT_EQ(len, 0u);  // dummy packet: nothing to deliver
  Bytes garbage(20, 0x11);
  EXPECT_EQ(finish_inbound(f, in, outer, kIpProtoIpv4, garbage.size(), garbage, len), EspStatus::kBadHeader);
}

}  // namespace
}  // namespace hubsec::driver::test
