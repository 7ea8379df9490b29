// The Gateway on real sockets, in a network namespace of its own that only has loopback (root: TUN
// device, raw sockets; skipped without). Port 4500: the packet thread hands what is not ESP (IKE, NAT
// keepalives) to the daemon through a queue of at most 4,096 datagrams; a flood beyond that is dropped,
// counted where the daemon thread reads it (`show crypto ikev2 stats`) and logged at stop.
#include "hubsec/host/datapath/gateway.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hubsec/driver/soft_esp_offload.hpp"
#include "hubsec/host/daemon/logger.hpp"

namespace hubsec::host::datapath {
namespace {

constexpr std::uint32_t kLoopback = 0x7f000001;
constexpr std::size_t kQueueLimit = 4096;  // what the Gateway promises to keep for the daemon
constexpr std::size_t kFlood = kQueueLimit + 100;

// The calling thread moves to a new network namespace (the rest of the process stays where it was) and
// brings its loopback up. False: not allowed (no root).
bool private_loopback() {
  if (::unshare(CLONE_NEWNET) != 0) {
    return false;
  }
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  const bool up =
      s >= 0 && ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0 &&
      (ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP), ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
  if (s >= 0) {
    ::close(s);
  }
  return up;
}

int udp_socket(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);  // as the daemon's IKE socket
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(kLoopback);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  return fd;
}

TEST(GatewayTest, Port4500DatagramsBeyondTheDaemonsQueueAreCountedShownAndLogged) {
  bool skipped = false;
  std::string log_text;
  std::thread in_namespace([&] {
    if (!private_loopback()) {
      skipped = true;
      return;
    }
    char* log_buffer = nullptr;
    std::size_t log_size = 0;
    std::FILE* log_file = ::open_memstream(&log_buffer, &log_size);
    ASSERT_NE(log_file, nullptr);
    {
      daemon::Logger log(log_file);
      DataPlaneConfig config;
      config.interface_name = "Tunnel0";
      config.local_nbma = kLoopback;
      config.tunnel_address = 0x0a000001;
      config.tunnel_mask = 0xffffff00;
      Gateway gateway(std::make_unique<driver::SoftEspOffload>(), config, log);
      const int natt = udp_socket(4500);
      // Room for the whole flood in the socket, so that the queue, not the socket, is what overflows.
      const int room = 32 << 20;
      ASSERT_EQ(::setsockopt(natt, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof room), 0);
      gateway.start();
      ASSERT_TRUE(gateway.data_plane().adopt_natt_socket(natt));

      // The daemon does not take anything meanwhile: IKE messages (non-ESP marker), numbered.
      const int peer = udp_socket(40000);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(4500);
      to.sin_addr.s_addr = htonl(kLoopback);
      for (std::uint32_t i = 0; i < kFlood; ++i) {
        std::vector<std::uint8_t> ike(40, 0);
        ike[4] = static_cast<std::uint8_t>(i >> 8);
        ike[5] = static_cast<std::uint8_t>(i);
        for (int tries = 0; ::sendto(peer, ike.data(), ike.size(), 0, reinterpret_cast<sockaddr*>(&to),
                                     sizeof to) != static_cast<ssize_t>(ike.size());
             ++tries) {
          ASSERT_LT(tries, 1000) << "datagram " << i << ": " << std::strerror(errno);
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (gateway.data_plane().natt_datagrams_dropped() < kFlood - kQueueLimit &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      // What `show crypto ikev2 stats` reads, from this (the daemon's) thread.
      EXPECT_EQ(gateway.data_plane().natt_datagrams_dropped(), kFlood - kQueueLimit);
      const auto queued = gateway.data_plane().take_natt_datagrams();
      ASSERT_EQ(queued.size(), kQueueLimit);
      for (std::size_t i : {std::size_t{0}, kQueueLimit - 1}) {  // the first ones kept, in order
        ASSERT_EQ(queued[i].bytes.size(), 40u);
        EXPECT_EQ((queued[i].bytes[4] << 8) | queued[i].bytes[5], static_cast<int>(i));
        EXPECT_EQ(queued[i].remote.port, 40000);
      }
      gateway.stop();  // logs the port-4500 counters (the socket is still adopted)
      EXPECT_EQ(gateway.dropped(), kFlood - kQueueLimit) << "stop() keeps the count";
      ::close(peer);
      ::close(natt);
    }
    std::fclose(log_file);
    log_text.assign(log_buffer, log_size);
    std::free(log_buffer);
  });
  in_namespace.join();
  if (skipped) {
    GTEST_SKIP() << "needs root (a network namespace, a TUN device, raw sockets)";
  }
  EXPECT_NE(log_text.find("UDP 4500 on the packet thread: received 4196 datagrams"), std::string::npos)
      << log_text;
  EXPECT_NE(log_text.find(", 100 non-ESP datagrams dropped (IKE thread behind)"), std::string::npos)
      << log_text;
}

}  // namespace
}  // namespace hubsec::host::datapath
