// RFC 3948 demultiplexing on port 4500, and the control socket round trip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "hubsec/host/daemon/control_server.hpp"
#include "hubsec/host/daemon/udp_framing.hpp"

namespace hubsec::host::daemon {
namespace {

std::vector<std::uint8_t> ike_header(std::size_t extra = 0) {
  return std::vector<std::uint8_t>(28 + extra, 0x11);
}

TEST(UdpFraming, Port4500IkeBehindNonEspMarker) {
  std::vector<std::uint8_t> d{0, 0, 0, 0};
  auto ike = ike_header(4);
  d.insert(d.end(), ike.begin(), ike.end());
  Classified c = classify_datagram(d, true);
  EXPECT_EQ(c.kind, DatagramKind::kIke);
  EXPECT_EQ(c.payload.size(), ike.size());  // marker stripped
  EXPECT_EQ(c.payload.data(), d.data() + 4);
}

TEST(UdpFraming, Port4500EspStartsWithNonZeroSpi) {
  std::vector<std::uint8_t> d{0xC1, 0xA2, 0xB3, 0xD4, 0, 0, 0, 1, 9, 9, 9, 9};
  Classified c = classify_datagram(d, true);
  EXPECT_EQ(c.kind, DatagramKind::kEsp);
  EXPECT_EQ(c.payload.size(), d.size());
}

TEST(UdpFraming, NatKeepaliveIsOneFfByte) {
  std::vector<std::uint8_t> d{0xFF};
  EXPECT_EQ(classify_datagram(d, true).kind, DatagramKind::kKeepalive);
  EXPECT_EQ(classify_datagram(d, false).kind, DatagramKind::kKeepalive);
}

TEST(UdpFraming, ShortOrTruncatedDatagramsAreMalformed) {
  std::vector<std::uint8_t> marker_only{0, 0, 0, 0, 1, 2};
  EXPECT_EQ(classify_datagram(marker_only, true).kind, DatagramKind::kMalformed);
  std::vector<std::uint8_t> tiny{1, 2, 3};
  EXPECT_EQ(classify_datagram(tiny, true).kind, DatagramKind::kMalformed);
  EXPECT_EQ(classify_datagram(tiny, false).kind, DatagramKind::kMalformed);
  std::vector<std::uint8_t> short_esp{1, 2, 3, 4, 5};
  EXPECT_EQ(classify_datagram(short_esp, true).kind, DatagramKind::kMalformed);
  std::vector<std::uint8_t> empty;
  EXPECT_EQ(classify_datagram(empty, true).kind, DatagramKind::kMalformed);
}

TEST(UdpFraming, Port500IsBareIke) {
  auto d = ike_header();
  EXPECT_EQ(classify_datagram(d, false).kind, DatagramKind::kIke);
  EXPECT_EQ(classify_datagram(d, false).payload.size(), 28u);
}

TEST(ControlSocket, RequestAndAnswer) {
  const std::string path = "/tmp/hubsec-control-test-" + std::to_string(::getpid()) + ".sock";
  std::string seen;
  ControlServer server(path, [&](const std::string& line) {
    seen = line;
    return "answer to " + line + "\n";
  });
  std::optional<std::string> answer;
  std::thread client([&] { answer = control_request(path, "show crypto ikev2 sa"); });
  // Serve until the client has been answered (the daemon does this from its poll loop).
  for (int i = 0; i < 200 && !answer; ++i) {
    server.serve_pending();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!seen.empty()) {
      break;
    }
  }
  client.join();
  EXPECT_EQ(seen, "show crypto ikev2 sa");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, "answer to show crypto ikev2 sa\n");
}

TEST(ControlSocket, NoDaemonIsReported) {
  EXPECT_FALSE(control_request("/tmp/hubsec-no-such-socket.sock", "show crypto ikev2 sa"));
}

}  // namespace
}  // namespace hubsec::host::daemon
