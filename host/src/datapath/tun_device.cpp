#include "hubsec/host/datapath/tun_device.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "hubsec/host/datapath/send_messages.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr int kReceiveBufferBytes = 4 << 20;
constexpr int kTxQueuePackets = 4000;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void set_inet(ifreq& ifr, std::uint32_t address) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(address);
  std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
}

}  // namespace

TunDevice::TunDevice(const std::string& name, std::uint32_t address, std::uint32_t mask, std::uint16_t mtu)
    : name_(name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw std::runtime_error("tunnel interface name '" + name + "' does not fit a Linux interface name");
  }
  fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    fail("open /dev/net/tun");
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd_, TUNSETIFF, &ifr) < 0) {
    ::close(fd_);
    fail("TUNSETIFF " + name);
  }
  // TCP super-packets and unfinished checksums from the stack: fewer, larger reads (without them
  // the sending TCP runs its whole output path once per 1.4 KB segment). Optional: refused, the
  // kernel segments and checksums itself.
  ::ioctl(fd_, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4);
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    ::close(fd_);
    fail("socket");
  }
  auto step = [&](unsigned long request, const char* what) {
    if (::ioctl(s, request, &ifr) < 0) {
      const int e = errno;
      ::close(s);
      ::close(fd_);
      errno = e;
      fail(std::string(what) + " " + name);
    }
  };
  set_inet(ifr, address);
  step(SIOCSIFADDR, "SIOCSIFADDR");
  set_inet(ifr, mask);
  step(SIOCSIFNETMASK, "SIOCSIFNETMASK");
  ifr.ifr_mtu = mtu;
  step(SIOCSIFMTU, "SIOCSIFMTU");
  // The kernel queues what the stack sends into the tunnel until the packet thread reads it; TUN's
  // default of 500 packets overflowed under one TCP stream whenever the thread was descheduled
  // (bench/gateway_iperf.sh: ~3,000 TX drops on the spoke's Tunnel0 in 5 s, each a retransmission).
  ifr.ifr_qlen = kTxQueuePackets;
  step(SIOCSIFTXQLEN, "SIOCSIFTXQLEN");
  step(SIOCGIFFLAGS, "SIOCGIFFLAGS");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  step(SIOCSIFFLAGS, "SIOCSIFFLAGS");
  ::close(s);
}

TunDevice::~TunDevice() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::optional<std::size_t> TunDevice::read(std::span<std::uint8_t> buffer, VnetHeader& vnet) {
  std::array<iovec, 2> iov{{{&vnet, sizeof vnet}, {buffer.data(), buffer.size()}}};
  const ssize_t n = ::readv(fd_, iov.data(), static_cast<int>(iov.size()));
  if (n <= static_cast<ssize_t>(sizeof vnet)) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(n) - sizeof vnet;
}

bool TunDevice::write(std::span<const std::uint8_t> packet) {
  return write_gso(VnetHeader{}, packet);
}

bool TunDevice::write_gso(const VnetHeader& vnet, std::span<const std::uint8_t> packet) {
  std::array<iovec, 2> iov{{{const_cast<VnetHeader*>(&vnet), sizeof vnet},
                            {const_cast<std::uint8_t*>(packet.data()), packet.size()}}};
  return ::writev(fd_, iov.data(), static_cast<int>(iov.size())) ==
         static_cast<ssize_t>(sizeof vnet + packet.size());
}

RawEspSocket::RawEspSocket() {
  rx_ = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
  if (rx_ < 0) {
    fail("raw socket for ESP (protocol 50)");
  }
  tx_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (tx_ < 0) {
    ::close(rx_);
    fail("raw socket for sending");
  }
  // The default receive buffer (~200 KB, ~90 full-size packets) overflows whenever the packet
  // thread is descheduled for a moment under a TCP stream: every overflow is a lost segment and a
  // retransmission (bench/gateway_iperf.sh measured 15 % of the segments dropped here). Ask for
  // more, beyond net.core.rmem_max when we have CAP_NET_ADMIN; keep the default if refused.
  const int bytes = kReceiveBufferBytes;
  if (::setsockopt(rx_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
    ::setsockopt(rx_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
}

RawEspSocket::~RawEspSocket() {
  ::close(rx_);
  ::close(tx_);
}

std::optional<std::size_t> RawEspSocket::receive(std::span<std::uint8_t> buffer) {
  const ssize_t n = ::recv(rx_, buffer.data(), buffer.size(), 0);
  if (n <= 0) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(n);
}

bool RawEspSocket::send(std::span<const std::uint8_t> ipv4) {
  if (ipv4.size() < 20) {
    return false;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr.s_addr, ipv4.data() + 16, 4);
  return ::sendto(tx_, ipv4.data(), ipv4.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
         static_cast<ssize_t>(ipv4.size());
}

std::size_t RawEspSocket::receive_batch(std::span<std::vector<std::uint8_t>> buffers,
                                        std::span<std::size_t> sizes) {
  constexpr std::size_t kMax = 64;
  const std::size_t count = std::min({buffers.size(), sizes.size(), kMax});
  mmsghdr msgs[kMax]{};
  iovec iov[kMax];
  for (std::size_t i = 0; i < count; ++i) {
    iov[i] = {buffers[i].data(), buffers[i].size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const int n = ::recvmmsg(rx_, msgs, static_cast<unsigned>(count), MSG_DONTWAIT, nullptr);
  if (n <= 0) {
    return 0;
  }
  for (int i = 0; i < n; ++i) {
    sizes[static_cast<std::size_t>(i)] = msgs[i].msg_len;
  }
  return static_cast<std::size_t>(n);
}

void RawEspSocket::send_batch(std::span<const std::span<const std::uint8_t>> packets,
                              std::span<std::uint8_t> sent) {
  constexpr std::size_t kMax = 64;
  mmsghdr msgs[kMax];
  iovec iov[kMax];
  sockaddr_in to[kMax];
  std::size_t next = 0;
  while (next < packets.size()) {
    std::size_t m = 0;
    std::size_t index[kMax];
    for (; next < packets.size() && m < kMax; ++next) {
      const auto& p = packets[next];
      sent[next] = 0;
      if (p.size() < 20) {
        continue;  // not an IPv4 packet: not sent
      }
      to[m] = sockaddr_in{};
      to[m].sin_family = AF_INET;
      std::memcpy(&to[m].sin_addr.s_addr, p.data() + 16, 4);
      iov[m] = {const_cast<std::uint8_t*>(p.data()), p.size()};
      msgs[m].msg_hdr = msghdr{};
      msgs[m].msg_hdr.msg_name = &to[m];
      msgs[m].msg_hdr.msg_namelen = sizeof to[m];
      msgs[m].msg_hdr.msg_iov = &iov[m];
      msgs[m].msg_hdr.msg_iovlen = 1;
      index[m++] = next;
    }
    send_messages(
        tx_, std::span(msgs, m),
        [&](std::size_t k, std::size_t n) {
          for (std::size_t i = k; i < k + n; ++i) {
            sent[index[i]] = msgs[i].msg_len == packets[index[i]].size() ? 1 : 0;
          }
        },
        [](std::size_t, int) {
          return SendFailure::kSkip;
        });  // this one failed (sent stays 0); the rest are tried
  }
}

}  // namespace hubsec::host::datapath
