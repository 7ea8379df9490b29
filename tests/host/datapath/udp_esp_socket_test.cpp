// UdpEspSocket on real loopback UDP sockets (no root): ESP-in-UDP packets as the backend writes them
// (IPv4/UDP/ESP) leave as UDP payloads, an equal-sized run to one destination as one UDP GSO message,
// and a UDP_GRO receiver gets them back as one buffer that splits into the same datagrams, in order.
#include "hubsec/host/datapath/udp_esp_socket.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::uint32_t kLoopback = 0x7f000001;

int bound_socket(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  int on = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);  // as the daemon's IKE socket
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(kLoopback);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return fd;
}

// IPv4/UDP around `payload`, as the ESP backend writes ESP in UDP (UDP checksum 0).
Bytes udp_packet(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
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
  h.dst = kLoopback;
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

}  // namespace
}  // namespace hubsec::host::datapath
