// What arrived on a UDP socket, by RFC 3948: on port 4500 IKE rides behind a 4-byte zero non-ESP
// marker, ESP starts with its (non-zero) SPI, and a single 0xFF byte is a NAT keepalive.
#pragma once

#include <cstdint>
#include <span>

namespace hubsec::host::daemon {

enum class DatagramKind : std::uint8_t { kIke, kEsp, kKeepalive, kMalformed };

struct Classified {
  DatagramKind kind = DatagramKind::kMalformed;
  std::span<const std::uint8_t> payload;  // IKE without the marker, or the ESP packet
};

// `nat_t_port` is true for datagrams received on port 4500.
Classified classify_datagram(std::span<const std::uint8_t> datagram, bool nat_t_port);

}  // namespace hubsec::host::daemon
