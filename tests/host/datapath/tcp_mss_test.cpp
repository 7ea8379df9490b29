// adjust-mss: the MSS option is lowered and the TCP checksum stays valid, checked with a checksum
// computed here from the RFC 793 pseudo-header, independently of the incremental update.
#include "hubsec/host/datapath/tcp_mss.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint16_t tcp_checksum(const Bytes& ip) {
  const std::size_t hl = 20, len = ip.size() - hl;
  std::uint32_t sum = 0;
  for (int i = 12; i < 20; i += 2) {
    sum += static_cast<std::uint32_t>((ip[i] << 8) | ip[i + 1]);  // source and destination addresses
  }
  sum += 6 + static_cast<std::uint32_t>(len);
  for (std::size_t i = 0; i < len; i += 2) {
    const std::uint8_t lo = i + 1 < len ? ip[hl + i + 1] : 0;
    sum += static_cast<std::uint32_t>((ip[hl + i] << 8) | lo);
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum);
}

// A SYN with the given options (padded to a multiple of 4) and a correct checksum.
Bytes syn(Bytes options, std::uint8_t flags = 0x02) {
  while (options.size() % 4) {
    options.push_back(0);
  }
  Bytes tcp{0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0};
  tcp.push_back(static_cast<std::uint8_t>((20 + options.size()) / 4 << 4));
  tcp.push_back(flags);
  tcp.insert(tcp.end(), {0xff, 0xff, 0, 0, 0, 0});
  tcp.insert(tcp.end(), options.begin(), options.end());
  driver::Ipv4Header h;
  h.protocol = 6;
  h.src = 0x0a000002;
  h.dst = 0x0a000001;
  Bytes ip = driver::build_ipv4_packet(h, tcp);
  const std::uint16_t sum = tcp_checksum(ip);
  ip[36] = static_cast<std::uint8_t>(sum >> 8);
  ip[37] = static_cast<std::uint8_t>(sum);
  return ip;
}

TEST(TcpMss, LowersAnAlignedMssAndKeepsTheChecksumValid) {
  Bytes p = syn({2, 4, 0x05, 0xb4});  // MSS 1460
  ASSERT_EQ(tcp_checksum(p), 0);
  EXPECT_TRUE(clamp_tcp_mss(p, 1360));
  EXPECT_EQ((p[42] << 8) | p[43], 1360);
  EXPECT_EQ(tcp_checksum(p), 0);
}

TEST(TcpMss, LowersAnMssAtAnOddOffset) {
  Bytes p = syn({1, 2, 4, 0x05, 0xb4, 1, 3, 3, 7});  // NOP, MSS 1460, NOP, window scale
  ASSERT_EQ(tcp_checksum(p), 0);
  EXPECT_TRUE(clamp_tcp_mss(p, 1300));
  EXPECT_EQ((p[43] << 8) | p[44], 1300);
  EXPECT_EQ(tcp_checksum(p), 0);
}

TEST(TcpMss, LeavesSmallerMssNonSynAndMalformedAlone) {
  Bytes small = syn({2, 4, 0x04, 0x00});
  EXPECT_FALSE(clamp_tcp_mss(small, 1360));
  Bytes ack = syn({2, 4, 0x05, 0xb4}, 0x10);
  EXPECT_FALSE(clamp_tcp_mss(ack, 1360));
  Bytes bad = syn({2, 0, 0x05, 0xb4});  // option length 0
  const Bytes copy = bad;
  EXPECT_FALSE(clamp_tcp_mss(bad, 1360));
  EXPECT_EQ(bad, copy);
}

}  // namespace
}  // namespace hubsec::host::datapath
