// GRE (RFC 2784 / RFC 2890 key) framing, checked against header bytes written from the RFC layout.
#include "hubsec/host/datapath/gre.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {
namespace {

TEST(Gre, PlainHeaderIsFourBytesOfZeroFlagsAndProtocol) {
  std::vector<std::uint8_t> out;
  const std::vector<std::uint8_t> payload{0x45, 0x00};
  append_gre(out, kGreProtoIpv4, std::nullopt, payload);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0x00, 0x00, 0x08, 0x00, 0x45, 0x00}));
}

TEST(Gre, KeyedHeaderSetsTheKeyBitAndCarriesTheKey) {
  std::vector<std::uint8_t> out;
  append_gre(out, kGreProtoNhrp, 0x01020304u, {});
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0x20, 0x00, 0x20, 0x01, 0x01, 0x02, 0x03, 0x04}));
  auto p = parse_gre(out);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->protocol, kGreProtoNhrp);
  EXPECT_EQ(p->key, 0x01020304u);
  EXPECT_TRUE(p->payload.empty());
}

TEST(Gre, ParsesAndVerifiesAChecksum) {
  // C bit, protocol 0x0800, checksum, reserved1, then 2 payload bytes; checksum over all of it.
  std::vector<std::uint8_t> gre{0x80, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0xab, 0xcd};
  const std::uint16_t sum = driver::internet_checksum(gre);
  gre[4] = static_cast<std::uint8_t>(sum >> 8);
  gre[5] = static_cast<std::uint8_t>(sum);
  auto p = parse_gre(gre);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload.size(), 2u);
  gre[9] ^= 1;
  EXPECT_FALSE(parse_gre(gre));
}

TEST(Gre, RefusesVersionRoutingSequenceAndShortHeaders) {
  EXPECT_FALSE(parse_gre(std::vector<std::uint8_t>{0x00, 0x01, 0x08, 0x00}));              // version 1 (PPTP)
  EXPECT_FALSE(parse_gre(std::vector<std::uint8_t>{0x40, 0x00, 0x08, 0x00}));              // routing present
  EXPECT_FALSE(parse_gre(std::vector<std::uint8_t>{0x10, 0x00, 0x08, 0x00, 0, 0, 0, 1}));  // sequence
  EXPECT_FALSE(parse_gre(std::vector<std::uint8_t>{0x00, 0x00, 0x08}));
  EXPECT_FALSE(parse_gre(std::vector<std::uint8_t>{0x20, 0x00, 0x08, 0x00, 0x01}));  // key cut short
}

TEST(Gre, DeliveryPacketIsIpv4Protocol47BetweenTheNbmaAddresses) {
  const std::vector<std::uint8_t> inner{1, 2, 3};
  auto pkt = build_gre_packet(0xc0000201, 0xc0000202, kGreProtoIpv4, std::nullopt, inner);
  auto h = driver::parse_ipv4(pkt);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->protocol, 47);
  EXPECT_EQ(h->src, 0xc0000201u);
  EXPECT_EQ(h->dst, 0xc0000202u);
  EXPECT_EQ(pkt.size(), 20u + 4u + 3u);
}

}  // namespace
}  // namespace hubsec::host::datapath
