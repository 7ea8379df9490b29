// UdpEspSocket on real loopback UDP sockets (no root): ESP-in-UDP packets as the backend writes them
// (IPv4/UDP/ESP) leave as UDP payloads, an equal-sized run to one destination as one UDP GSO message,
// and a UDP_GRO receiver gets them back as one buffer that splits into the same datagrams, in order.
#include "hubsec/host/datapath/udp_esp_socket.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::uint32_t kLoopback = 0x7f000001;

int bound_socket(std::uint16_t& port, std::uint32_t address = kLoopback) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  int on = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);  // as the daemon's IKE socket
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return fd;
}

// IPv4/UDP around `payload`, as the ESP backend writes ESP in UDP (UDP checksum 0).
Bytes udp_packet(std::uint16_t sport, std::uint16_t dport, const Bytes& payload,
                 std::uint32_t dst = kLoopback) {
  Bytes udp(8 + payload.size());
  udp[0] = static_cast<std::uint8_t>(sport >> 8);
  udp[1] = static_cast<std::uint8_t>(sport);
  udp[2] = static_cast<std::uint8_t>(dport >> 8);
  udp[3] = static_cast<std::uint8_t>(dport);
  udp[4] = static_cast<std::uint8_t>(udp.size() >> 8);
  udp[5] = static_cast<std::uint8_t>(udp.size());
  std::copy(payload.begin(), payload.end(), udp.begin() + 8);
  driver::Ipv4Header h;
  h.protocol = 17;
  h.src = kLoopback;
  h.dst = dst;
  return driver::build_ipv4_packet(h, udp);
}

Bytes esp_like(std::uint32_t spi, std::size_t size) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) {
    b[i] = static_cast<std::uint8_t>(i * 7 + spi);
  }
  b[0] = static_cast<std::uint8_t>(spi >> 24);
  b[1] = static_cast<std::uint8_t>(spi >> 16);
  b[2] = static_cast<std::uint8_t>(spi >> 8);
  b[3] = static_cast<std::uint8_t>(spi);
  return b;
}

TEST(UdpEspSocketTest, EqualSizedRunIsOneGsoMessageAndComesBackAsTheSameDatagrams) {
  std::uint16_t tx_port = 0, rx_port = 0;
  const int tx_fd = bound_socket(tx_port), rx_fd = bound_socket(rx_port);
  UdpEspSocket tx, rx;
  tx.attach(tx_fd);
  rx.attach(rx_fd);
  std::vector<Bytes> payloads;
  for (std::uint32_t i = 0; i < 10; ++i) {
    payloads.push_back(esp_like(0x1000 + i, 1000));
  }
  payloads.push_back(esp_like(0x2000, 300));  // a shorter one ends the run
  Bytes ike(40, 0);                           // non-ESP marker: IKE behind it, same flow
  ike[4] = 0xab;
  payloads.push_back(ike);
  std::vector<Bytes> packets;
  std::vector<std::span<const std::uint8_t>> spans;
  for (const auto& p : payloads) {
    packets.push_back(udp_packet(tx_port, rx_port, p));
  }
  for (const auto& p : packets) {
    EXPECT_TRUE(tx.takes(p));
    spans.emplace_back(p);
  }
  EXPECT_FALSE(tx.takes(udp_packet(static_cast<std::uint16_t>(tx_port + 1), rx_port, payloads[0])))
      << "UDP from another port must go out the raw socket";
  std::vector<std::uint8_t> sent(spans.size());
  tx.send(spans, sent);
  EXPECT_EQ(std::count(sent.begin(), sent.end(), 1), static_cast<long>(spans.size()));
  EXPECT_EQ(tx.stats().sent_datagrams, spans.size());
  if (tx.stats().gso_refused == 0) {
    EXPECT_EQ(tx.stats().sent_messages, 2u) << "11 ESP (10 equal + 1 shorter) in one GSO message, IKE alone";
  }

  std::vector<std::vector<std::uint8_t>> buffers(4, std::vector<std::uint8_t>(65535));
  std::vector<Bytes> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.size() < payloads.size() && std::chrono::steady_clock::now() < deadline) {
    pollfd p{rx_fd, POLLIN, 0};
    ::poll(&p, 1, 100);
    std::vector<UdpEspSocket::Datagram> ds;
    rx.receive(buffers, ds);
    for (const auto& d : ds) {
      EXPECT_FALSE(d.truncated);
      EXPECT_EQ(d.src, kLoopback);
      EXPECT_EQ(d.dst, kLoopback) << "IP_PKTINFO: the local address";
      EXPECT_EQ(d.sport, tx_port);
      EXPECT_EQ(d.dport, rx_port);
      ASSERT_GT(d.segment, 0u);
      for (std::size_t at = 0; at < d.bytes.size(); at += d.segment) {
        const auto one = d.bytes.subspan(at, std::min(d.segment, d.bytes.size() - at));
        got.emplace_back(one.begin(), one.end());
      }
    }
  }
  EXPECT_EQ(got, payloads);
  if (tx.stats().gso_refused == 0) {
    // Loopback hands a GSO packet to a UDP_GRO socket as it is: one buffer for the 11 ESP.
    EXPECT_EQ(rx.stats().received_buffers, 2u);
  }
  EXPECT_EQ(rx.stats().received_datagrams, payloads.size());
  rx.attach(-1);
  tx.attach(-1);
  ::close(tx_fd);
  ::close(rx_fd);
}

TEST(UdpEspSocketTest, UnsendablePacketsAreReportedNotSent) {
  std::uint16_t tx_port = 0;
  const int tx_fd = bound_socket(tx_port);
  UdpEspSocket tx;
  tx.attach(tx_fd);
  // Port 0 is not a destination: refused by the kernel, reported per packet, the next one still goes.
  std::uint16_t rx_port = 0;
  const int rx_fd = bound_socket(rx_port);
  const Bytes bad = udp_packet(tx_port, 0, esp_like(0x3000, 100));
  const Bytes good = udp_packet(tx_port, rx_port, esp_like(0x3001, 1500));
  std::vector<std::span<const std::uint8_t>> spans{bad, good};
  std::vector<std::uint8_t> sent(2, 7);
  tx.send(spans, sent);
  EXPECT_EQ(sent[0], 0);
  EXPECT_EQ(sent[1], 1);
  ::close(tx_fd);
  ::close(rx_fd);
}

TEST(GsoRefusalsTest, OnlyRefusedDestinationsLoseGsoUntilTheyAreRetried) {
  using namespace std::chrono_literals;
  GsoRefusals r;
  const auto t0 = GsoRefusals::Clock::time_point{} + 1h;
  EXPECT_TRUE(r.allows(0xc0000201, t0));
  r.refuse(0xc0000201, t0);
  EXPECT_FALSE(r.allows(0xc0000201, t0 + 1s));
  EXPECT_FALSE(r.allows(0xc0000201, t0 + 599s));
  EXPECT_TRUE(r.allows(0xc0000202, t0 + 1s)) << "another destination keeps GSO";
  EXPECT_EQ(r.size(), 1u);
  EXPECT_TRUE(r.allows(0xc0000201, t0 + 600s)) << "tried again after 10 minutes";
  EXPECT_EQ(r.size(), 0u);
  // At most 256 destinations: the 257th pushes out the one refused longest ago.
  for (std::uint32_t i = 0; i < 257; ++i) {
    r.refuse(0x0a000000 + i, t0 + std::chrono::seconds(i));
  }
  EXPECT_EQ(r.size(), 256u);
  EXPECT_TRUE(r.allows(0x0a000000, t0 + 300s));
  EXPECT_FALSE(r.allows(0x0a000001, t0 + 300s));
  EXPECT_FALSE(r.allows(0x0a000100, t0 + 300s));
}

// The calling thread moves to a network namespace of its own (the process stays where it was) with
// loopback up and a host route to 127.0.0.2 whose MTU is 600 (locked: datagrams to it are fragmented).
// False: not allowed (no root) or no `ip`.
bool loopback_with_small_mtu_route() {
  return ::unshare(CLONE_NEWNET) == 0 &&
         std::system(
             "ip link set lo up && ip route add local 127.0.0.2/32 dev lo table local mtu lock 600") == 0;
}

std::vector<Bytes> drain(int fd) {
  std::vector<Bytes> out;
  Bytes b(65535);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) {
      return out;
    }
    const ssize_t n = ::recv(fd, b.data(), b.size(), 0);
    if (n < 0) {
      return out;
    }
    out.emplace_back(b.begin(), b.begin() + n);
  }
}

// The kernel refuses a GSO message of 1,000-byte datagrams to the small-MTU destination (EMSGSIZE on
// this kernel, EINVAL on older ones): those datagrams go again one per message, and from then on only
// that destination goes one datagram per message; 127.0.0.1 keeps GSO, in the same send and later ones.
TEST(UdpEspSocketTest, GsoRefusedOnOneRouteCostsOnlyThatDestinationItsGso) {
  bool skipped = false;
  std::thread in_namespace([&] {
    if (!loopback_with_small_mtu_route()) {
      skipped = true;
      return;
    }
    std::uint16_t tx_port = 0, near_port = 0, far_port = 0;
    const int tx_fd = bound_socket(tx_port);
    const int near_fd = bound_socket(near_port);
    const int far_fd = bound_socket(far_port, 0x7f000002);
    UdpEspSocket tx;
    tx.attach(tx_fd);
    std::vector<Bytes> to_far, to_near, packets;
    for (std::uint32_t i = 0; i < 8; ++i) {
      to_far.push_back(esp_like(0x4000 + i, 1000));
      packets.push_back(udp_packet(tx_port, far_port, to_far.back(), 0x7f000002));
    }
    for (std::uint32_t i = 0; i < 8; ++i) {
      to_near.push_back(esp_like(0x5000 + i, 1000));
      packets.push_back(udp_packet(tx_port, near_port, to_near.back()));
    }
    const std::vector<std::span<const std::uint8_t>> spans(packets.begin(), packets.end());
    std::vector<std::uint8_t> sent(spans.size());

    tx.send(spans, sent);
    EXPECT_EQ(std::count(sent.begin(), sent.end(), 1), 16);
    EXPECT_EQ(tx.stats().gso_refused, 1u);
    EXPECT_EQ(tx.gso_refusals().size(), 1u);
    EXPECT_EQ(tx.stats().send_calls, 3u)
        << "both GSO messages (refused), the 8 singly, the other GSO message";
    EXPECT_EQ(tx.stats().sent_messages, 9u);
    EXPECT_EQ(tx.stats().sent_datagrams, 16u);

    tx.send(spans, sent);
    EXPECT_EQ(std::count(sent.begin(), sent.end(), 1), 16);
    EXPECT_EQ(tx.stats().gso_refused, 1u);
    EXPECT_EQ(tx.stats().send_calls, 4u) << "no refused message any more: one sendmmsg";
    EXPECT_EQ(tx.stats().sent_messages, 18u)
        << "8 single datagrams to 127.0.0.2, one GSO message to 127.0.0.1";

    std::vector<Bytes> far_expected = to_far, near_expected = to_near;
    far_expected.insert(far_expected.end(), to_far.begin(), to_far.end());
    near_expected.insert(near_expected.end(), to_near.begin(), to_near.end());
    EXPECT_EQ(drain(far_fd), far_expected);
    EXPECT_EQ(drain(near_fd), near_expected);
    tx.attach(-1);
    ::close(tx_fd);
    ::close(near_fd);
    ::close(far_fd);
  });
  in_namespace.join();
  if (skipped) {
    GTEST_SKIP() << "needs root (a network namespace) and iproute2";
  }
}

}  // namespace
}  // namespace hubsec::host::datapath
