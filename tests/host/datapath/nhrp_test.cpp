// NHRP registration packets (RFC 2332 5.2.3/5.2.4 layout), checked against offsets from the RFC.
#include "hubsec/host/datapath/nhrp.hpp"

#include <gtest/gtest.h>

namespace hubsec::host::datapath {
namespace {

TEST(Nhrp, RegistrationRequestLayoutFollowsRfc2332) {
  NhrpRegistration r;
  r.request_id = 0x01020304;
  r.src_nbma = 0xc000020b;   // 192.0.2.11
  r.src_proto = 0x0a00000b;  // 10.0.0.11
  r.dst_proto = 0x0a000001;  // 10.0.0.1
  r.holding_time = 600;
  r.unique = true;
  auto p = build_nhrp(r);
  ASSERT_EQ(p.size(), 60u);
  // Fixed header: afn 1, protocol type 0x0800, snap 0, hop count, size, checksum, extoff 0,
  // version 1, type 3, shtl 4, sstl 0.
  EXPECT_EQ(p[0], 0x00);
  EXPECT_EQ(p[1], 0x01);
  EXPECT_EQ(p[2], 0x08);
  EXPECT_EQ(p[3], 0x00);
  EXPECT_EQ(p[9], 255);  // hop count after the 5-byte SNAP
  EXPECT_EQ(p[10], 0);
  EXPECT_EQ(p[11], 60);
  EXPECT_EQ(p[14] | p[15], 0);  // no extensions
  EXPECT_EQ(p[16], 1);
  EXPECT_EQ(p[17], 3);
  EXPECT_EQ(p[18], 4);
  EXPECT_EQ(p[19], 0);
  // Mandatory part: src/dst protocol lengths, U flag, request id, then the addresses.
  EXPECT_EQ(p[20], 4);
  EXPECT_EQ(p[21], 4);
  EXPECT_EQ(p[22], 0x80);
  EXPECT_EQ(std::vector<std::uint8_t>(p.begin() + 24, p.begin() + 40),
            (std::vector<std::uint8_t>{1, 2, 3, 4, 192, 0, 2, 11, 10, 0, 0, 11, 10, 0, 0, 1}));
  // The CIE: code 0, prefix 32, holding time 600 at offset 6 of the CIE.
  EXPECT_EQ(p[40], 0);
  EXPECT_EQ(p[41], 32);
  EXPECT_EQ((p[46] << 8) | p[47], 600);
  auto back = parse_nhrp(p);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->op, kNhrpRegistrationRequest);
  EXPECT_EQ(back->request_id, r.request_id);
  EXPECT_EQ(back->src_nbma, r.src_nbma);
  EXPECT_EQ(back->src_proto, r.src_proto);
  EXPECT_EQ(back->dst_proto, r.dst_proto);
  EXPECT_EQ(back->holding_time, 600);
  EXPECT_TRUE(back->unique);
}

TEST(Nhrp, RefusesBadChecksumsTruncationAndOtherTypes) {
  auto p = build_nhrp(NhrpRegistration{});
  auto bad = p;
  bad[30] ^= 1;
  EXPECT_FALSE(parse_nhrp(bad));
  EXPECT_FALSE(parse_nhrp(std::span(p).first(30)));
  auto resolution = p;
  resolution[17] = 1;  // a Resolution Request: not handled
  EXPECT_FALSE(parse_nhrp(resolution));
}

}  // namespace
}  // namespace hubsec::host::datapath
