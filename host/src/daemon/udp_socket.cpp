#include "hubsec/host/daemon/udp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace hubsec::host::daemon {

namespace {

sockaddr_in to_sockaddr(const ike::IpAddress& a, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(a.v4_host_order());
  return sa;
}

ike::Endpoint from_sockaddr(const sockaddr_in& sa) {
  return ike::Endpoint{ike::IpAddress::v4(ntohl(sa.sin_addr.s_addr)), ntohs(sa.sin_port)};
}

}  // namespace

UdpSocket::UdpSocket(const ike::IpAddress& address, std::uint16_t port) : port_(port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  }
  int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  // Port 4500 also carries ESP in UDP (NAT-T, strongSwan's kernel-libipsec): the default receive
  // buffer overflowed under one TCP stream through a NAT'd spoke (bench/gateway_iperf.sh with
  // HUBSEC_NAT=1: 11,018 datagrams dropped = the TCP retransmissions). Beyond net.core.rmem_max
  // when we have CAP_NET_ADMIN; the default stays if refused.
  const int buffer_bytes = 4 << 20;
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes) != 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  }
  sockaddr_in sa = to_sockaddr(address, port);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    int err = errno;
    ::close(fd_);
    throw std::runtime_error("bind " + address.to_string() + ":" + std::to_string(port) + ": " +
                             std::strerror(err));
  }
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::optional<UdpSocket::Received> UdpSocket::receive(std::span<std::uint8_t> buffer) {
  sockaddr_in from{};
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd_, &msg, MSG_TRUNC);
  if (n < 0) {
    return std::nullopt;
  }
  Received r;
  r.remote = from_sockaddr(from);
  r.local.port = port_;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      r.local.address = ike::IpAddress::v4(ntohl(info.ipi_addr.s_addr));
    }
  }
  // A datagram larger than the buffer is reported with its real size: the caller drops it.
  r.size = static_cast<std::size_t>(n);
  return r;
}

bool UdpSocket::send(const ike::IpAddress& source, const ike::Endpoint& remote,
                     std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  sockaddr_in to = to_sockaddr(remote.address, remote.port);
  iovec iov[2] = {{const_cast<std::uint8_t*>(a.data()), a.size()},
                  {const_cast<std::uint8_t*>(b.data()), b.size()}};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = iov;
  msg.msg_iovlen = b.empty() ? 1 : 2;
  if (!source.is_unspecified()) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst.s_addr = htonl(source.v4_host_order());
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  return ::sendmsg(fd_, &msg, 0) >= 0;
}

std::optional<ike::IpAddress> local_address_towards(const ike::IpAddress& peer) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return std::nullopt;
  }
  sockaddr_in to = to_sockaddr(peer, 500);
  std::optional<ike::IpAddress> result;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    sockaddr_in me{};
    socklen_t len = sizeof me;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &len) == 0) {
      result = from_sockaddr(me).address;
    }
  }
  ::close(fd);
  return result;
}

}  // namespace hubsec::host::daemon
