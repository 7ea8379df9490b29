// send_messages (the sendmmsg loop of the raw-ESP and ESP-in-UDP senders) on loopback UDP sockets (no
// root): a message the kernel refuses ends a sendmmsg call after the ones before it left; the loop
// goes on after it (skip), tries it again (retry) or stops there (stop), as on_error says.
#include "hubsec/host/datapath/send_messages.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <array>
#include <utility>
#include <vector>

namespace hubsec::host::datapath {
namespace {

constexpr std::uint32_t kLoopback = 0x7f000001;

struct Sockets {
  int tx = -1, rx = -1;
  sockaddr_in rx_addr{};
  Sockets() {
    tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    rx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    rx_addr.sin_family = AF_INET;
    rx_addr.sin_addr.s_addr = htonl(kLoopback);
    EXPECT_EQ(::bind(rx, reinterpret_cast<sockaddr*>(&rx_addr), sizeof rx_addr), 0);
    socklen_t len = sizeof rx_addr;
    ::getsockname(rx, reinterpret_cast<sockaddr*>(&rx_addr), &len);
  }
  ~Sockets() {
    ::close(tx);
    ::close(rx);
  }
  // The datagrams waiting at rx: their first bytes.
  std::vector<int> received() const {
    std::vector<int> out;
    std::array<std::uint8_t, 64> b{};
    while (::recv(rx, b.data(), b.size(), 0) > 0) {
      out.push_back(b[0]);
    }
    return out;
  }
};

// Five one-byte datagrams numbered 1..5; those in `bad` go to port 0, which the kernel refuses.
struct Batch {
  std::array<std::uint8_t, 5> bytes{1, 2, 3, 4, 5};
  std::array<iovec, 5> iov{};
  std::array<sockaddr_in, 5> to{};
  std::array<mmsghdr, 5> msgs{};
  Batch(const sockaddr_in& good, std::vector<int> bad) {
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      to[i] = good;
      for (int b : bad) {
        if (static_cast<std::size_t>(b) == i) {
          to[i].sin_port = 0;
        }
      }
      iov[i] = {&bytes[i], 1};
      msgs[i].msg_hdr.msg_name = &to[i];
      msgs[i].msg_hdr.msg_namelen = sizeof to[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }
};

TEST(SendMessagesTest, SkipsARefusedMessageAndSendsTheRest) {
  Sockets s;
  Batch b(s.rx_addr, {1});
  std::vector<std::pair<std::size_t, std::size_t>> sent;
  std::vector<std::size_t> failed;
  const SendResult r = send_messages(
      s.tx, std::span(b.msgs), [&](std::size_t k, std::size_t n) { sent.emplace_back(k, n); },
      [&](std::size_t k, int err) {
        EXPECT_NE(err, 0);
        failed.push_back(k);
        return SendFailure::kSkip;
      });
  EXPECT_EQ(r.handled, 5u);
  EXPECT_EQ(r.calls, 3u) << "[0] sent, [1] refused alone, [2..4] sent";
  EXPECT_EQ(sent, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(failed, std::vector<std::size_t>{1});
  EXPECT_EQ(s.received(), (std::vector<int>{1, 3, 4, 5}));
}

TEST(SendMessagesTest, StopsAtARefusedMessageWhenAsked) {
  Sockets s;
  Batch b(s.rx_addr, {2});
  std::size_t sent = 0;
  const SendResult r = send_messages(
      s.tx, std::span(b.msgs), [&](std::size_t k, std::size_t n) { sent = k + n; },
      [](std::size_t, int) { return SendFailure::kStop; });
  EXPECT_EQ(r.handled, 2u) << "msgs[2] is where it stopped";
  EXPECT_EQ(r.calls, 2u);
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(s.received(), (std::vector<int>{1, 2}));
}

TEST(SendMessagesTest, RetriesARefusedMessageAsOftenAsAsked) {
  Sockets s;
  Batch b(s.rx_addr, {0});
  int tries = 0;
  const SendResult r = send_messages(
      s.tx, std::span(b.msgs), [](std::size_t, std::size_t) {},
      [&](std::size_t k, int) {
        EXPECT_EQ(k, 0u);
        if (++tries < 3) {
          return SendFailure::kRetry;
        }
        b.to[0].sin_port = b.to[1].sin_port;  // the third time it would go: fixed, tried once more
        return SendFailure::kRetry;
      });
  EXPECT_EQ(r.handled, 5u);
  EXPECT_EQ(r.calls, 4u) << "three refusals, then all five in one call";
  EXPECT_EQ(s.received(), (std::vector<int>{1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace hubsec::host::datapath
