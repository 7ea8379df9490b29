// One IKE UDP socket (port 500 or 4500), IPv4. Receives with IP_PKTINFO so replies leave from the
// address the peer used; sends with an explicit source address.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hubsec/ike/types.hpp"

namespace hubsec::host::daemon {

class UdpSocket {
 public:
  // Binds `address` (0.0.0.0 = every local address) and `port`; throws std::runtime_error.
  UdpSocket(const ike::IpAddress& address, std::uint16_t port);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

  struct Received {
    ike::Endpoint local, remote;
    std::size_t size = 0;
  };
  // Non-blocking: nullopt when nothing is waiting.
  std::optional<Received> receive(std::span<std::uint8_t> buffer);
  bool send(const ike::IpAddress& source, const ike::Endpoint& remote, std::span<const std::uint8_t> a,
            std::span<const std::uint8_t> b = {});

 private:
  int fd_ = -1;
  std::uint16_t port_;
};

// The local address the kernel would use to reach `peer` (a connected UDP socket's name).
std::optional<ike::IpAddress> local_address_towards(const ike::IpAddress& peer);

}  // namespace hubsec::host::daemon
