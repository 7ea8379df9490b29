#include "hubsec/host/daemon/udp_framing.hpp"

namespace hubsec::host::daemon {

namespace {
constexpr std::size_t kIkeHeaderBytes = 28;  // RFC 7296 3.1
constexpr std::size_t kMinEspBytes = 8;      // SPI + sequence number
}  // namespace

Classified classify_datagram(std::span<const std::uint8_t> d, bool nat_t_port) {
  if (d.size() == 1 && d[0] == 0xFF) {
    return {DatagramKind::kKeepalive, {}};
  }
  if (!nat_t_port) {
    // Port 500 carries bare IKE only.
    if (d.size() < kIkeHeaderBytes) {
      return {DatagramKind::kMalformed, {}};
    }
    return {DatagramKind::kIke, d};
  }
  if (d.size() < 4) {
    return {DatagramKind::kMalformed, {}};
  }
  if (d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0) {
    if (d.size() < 4 + kIkeHeaderBytes) {
      return {DatagramKind::kMalformed, {}};
    }
    return {DatagramKind::kIke, d.subspan(4)};
  }
  if (d.size() < kMinEspBytes) {
    return {DatagramKind::kMalformed, {}};
  }
  return {DatagramKind::kEsp, d};
}

}  // namespace hubsec::host::daemon
