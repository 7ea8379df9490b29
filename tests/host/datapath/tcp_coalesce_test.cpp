// coalesce_tcp: runs of TCP segments of one flow become one GSO packet for the TUN device. The
// checksums are checked the RFC 793 way, computed here word by word, not with the data path's code.
#include "hubsec/host/datapath/tcp_coalesce.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace hubsec::host::datapath {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  }
  if (n % 2) {
    sum += static_cast<std::uint32_t>(p[n - 1] << 8);
  }
  return sum;
}
std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

// An IPv4/TCP segment (no options, DF) with a correct IP header checksum and TCP checksum.
Bytes segment(std::uint32_t seq, std::size_t payload, std::uint8_t flags = 0x10, std::uint16_t sport = 40000,
              std::uint8_t fill = 0) {
  Bytes p(40 + payload);
  p[0] = 0x45;
  p[2] = static_cast<std::uint8_t>(p.size() >> 8);
  p[3] = static_cast<std::uint8_t>(p.size());
  p[4] = static_cast<std::uint8_t>(seq);  // IP id varies
  p[6] = 0x40;
  p[8] = 64;
  p[9] = 6;
  const std::uint8_t addrs[8] = {10, 0, 0, 2, 10, 0, 0, 1};
  std::copy(addrs, addrs + 8, p.begin() + 12);
  const std::uint16_t ip_sum = static_cast<std::uint16_t>(~fold(sum16(p.data(), 20)));
  p[10] = static_cast<std::uint8_t>(ip_sum >> 8);
  p[11] = static_cast<std::uint8_t>(ip_sum);
  std::uint8_t* t = p.data() + 20;
  t[0] = static_cast<std::uint8_t>(sport >> 8);
  t[1] = static_cast<std::uint8_t>(sport);
  t[2] = 0x14;
  t[3] = 0x51;  // 5201
  for (int i = 0; i < 4; ++i) {
    t[4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  }
  t[8] = 0x12;  // ack number
  t[12] = 0x50;
  t[13] = flags;
  t[14] = 0x01;  // window
  for (std::size_t i = 0; i < payload; ++i) {
    t[20 + i] = static_cast<std::uint8_t>(seq + i + fill);
  }
  return p;
}

// RFC 793: one's complement of the sum over the pseudo-header and the TCP segment (checksum field 0).
std::uint16_t tcp_checksum(Bytes p) {
  p[36] = p[37] = 0;
  const std::size_t tcp_len = p.size() - 20;
  std::uint32_t sum = sum16(p.data() + 12, 8) + 6 + static_cast<std::uint32_t>(tcp_len);
  return static_cast<std::uint16_t>(~fold(sum16(p.data() + 20, tcp_len, sum)));
}

TEST(TcpCoalesce, ARunOfSegmentsBecomesOneGsoPacket) {
  std::vector<Bytes> in;
  for (std::uint32_t i = 0; i < 3; ++i) {
    in.push_back(segment(1000 + i * 1000, 1000));
  }
  in.push_back(segment(4000, 500, 0x18));  // the last, shorter, with PSH
  auto out = coalesce_tcp(in);
  ASSERT_EQ(out.size(), 1u);
  const auto& m = out[0];
  EXPECT_EQ(m.segments, 4u);
  ASSERT_EQ(m.bytes.size(), 40u + 3500u);
  EXPECT_EQ(m.bytes[2] << 8 | m.bytes[3], 3540);
  EXPECT_EQ(fold(sum16(m.bytes.data(), 20)), 0xffff) << "IP header checksum";
  EXPECT_EQ(m.bytes[33], 0x18) << "ACK, and PSH from the last segment";
  Bytes payload;
  for (const auto& s : in) {
    payload.insert(payload.end(), s.begin() + 40, s.end());
  }
  EXPECT_EQ(Bytes(m.bytes.begin() + 40, m.bytes.end()), payload);
  EXPECT_EQ(m.vnet.flags, 1);
  EXPECT_EQ(m.vnet.gso_type, 1);
  EXPECT_EQ(m.vnet.hdr_len, 40);
  EXPECT_EQ(m.vnet.gso_size, 1000);
  EXPECT_EQ(m.vnet.csum_start, 20);
  EXPECT_EQ(m.vnet.csum_offset, 16);
  // The field holds the pseudo-header sum; completing it as the kernel does (sum from csum_start,
  // complement) gives the RFC 793 checksum of the merged segment.
  const std::uint16_t completed = static_cast<std::uint16_t>(~fold(sum16(m.bytes.data() + 20, 3520)));
  EXPECT_EQ(completed, tcp_checksum(m.bytes));
}

TEST(TcpCoalesce, GapsOtherFlowsAndOtherPacketsAreNotJoined) {
  std::vector<Bytes> in = {segment(1000, 1000),
                           segment(2000, 1000),
                           segment(3500, 1000),                           // a gap: a new run
                           segment(4500, 1000, 0x10, 40001),              // another flow
                           segment(5500, 1000),                           // not after 3500+1000
                           segment(6500, 1000, 0x02),                     // SYN: never merged
                           Bytes{0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 1}};  // not TCP (short, invalid)
  auto out = coalesce_tcp(in);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].segments, 2u);
  for (std::size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].segments, 1u);
    EXPECT_EQ(out[i].vnet.gso_type, 0);
    EXPECT_EQ(out[i].bytes, in[i + 1]) << "passed on unchanged";
  }
}

TEST(TcpCoalesce, PshOrAShortSegmentEndsARunAndNothingExceeds65535) {
  auto out = coalesce_tcp(std::vector<Bytes>{segment(0, 1000, 0x18), segment(1000, 1000)});
  EXPECT_EQ(out.size(), 2u);
  out = coalesce_tcp(std::vector<Bytes>{segment(0, 500), segment(500, 1000)});
  EXPECT_EQ(out.size(), 2u);
  std::vector<Bytes> many;
  for (std::uint32_t i = 0; i < 100; ++i) {
    many.push_back(segment(i * 1400, 1400));
  }
  out = coalesce_tcp(many);
  std::size_t segments = 0, payload = 0;
  for (const auto& m : out) {
    EXPECT_LE(m.bytes.size(), 65535u);
    segments += m.segments;
    payload += m.bytes.size() - 40;
  }
  EXPECT_EQ(segments, 100u);
  EXPECT_EQ(payload, 140000u);
  EXPECT_EQ(out.size(), 3u);  // 46 + 46 + 8 segments of 1400 bytes
}

TEST(TcpSegment, ASuperPacketIsCutBackIntoValidSegments) {
  std::vector<Bytes> in;
  for (std::uint32_t i = 0; i < 4; ++i) {
    in.push_back(segment(7000 + i * 1000, 1000));
  }
  in.push_back(segment(11000, 300, 0x18));
  auto merged = coalesce_tcp(in);
  ASSERT_EQ(merged.size(), 1u);
  Bytes super = merged[0].bytes;
  super[33] = 0x80 | 0x18 | 0x01;  // CWR, ACK, PSH, FIN on the super-packet
  auto out = segment_tcp(merged[0].vnet, super);
  ASSERT_EQ(out.size(), 5u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const Bytes& s = out[i];
    ASSERT_EQ(s.size(), in[i].size());
    EXPECT_EQ(fold(sum16(s.data(), 20)), 0xffff) << "IP header checksum of segment " << i;
    EXPECT_EQ(s[2] << 8 | s[3], static_cast<int>(s.size()));
    EXPECT_EQ(Bytes(s.begin() + 24, s.begin() + 28), Bytes(in[i].begin() + 24, in[i].begin() + 28)) << "seq";
    EXPECT_EQ(Bytes(s.begin() + 40, s.end()), Bytes(in[i].begin() + 40, in[i].end()));
    EXPECT_EQ(s[36] << 8 | s[37], tcp_checksum(s)) << "TCP checksum of segment " << i;
    const std::uint8_t want = static_cast<std::uint8_t>(0x10 | (i == 0 ? 0x80 : 0) | (i == 4 ? 0x09 : 0));
    EXPECT_EQ(s[33], want) << "flags of segment " << i;
  }
  EXPECT_NE(out[0][4] << 8 | out[0][5], out[1][4] << 8 | out[1][5]) << "IP ids advance";
}

TEST(TcpSegment, CompleteChecksumFinishesWhatTheKernelLeftPartial) {
  Bytes p = segment(123456, 777);
  const std::uint16_t want = tcp_checksum(p);
  const std::uint16_t pseudo = fold(sum16(p.data() + 12, 8) + 6 + static_cast<std::uint32_t>(p.size() - 20));
  p[36] = static_cast<std::uint8_t>(pseudo >> 8);
  p[37] = static_cast<std::uint8_t>(pseudo);
  VnetHeader vnet;
  vnet.flags = 1;
  vnet.csum_start = 20;
  vnet.csum_offset = 16;
  ASSERT_TRUE(complete_checksum(vnet, p));
  EXPECT_EQ(p[36] << 8 | p[37], want);
  vnet.csum_start = static_cast<std::uint16_t>(p.size());
  EXPECT_FALSE(complete_checksum(vnet, p)) << "offsets outside the packet are refused";
  EXPECT_TRUE(segment_tcp(VnetHeader{1, 1, 40, 1000, 20, 16}, Bytes(30, 0)).empty()) << "not IPv4/TCP";
}

}  // namespace
}  // namespace hubsec::host::datapath
