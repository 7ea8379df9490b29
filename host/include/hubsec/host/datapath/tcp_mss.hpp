// `ip tcp adjust-mss N`: lowers the MSS option of TCP SYN segments crossing the tunnel to N so that
// TCP never sends segments that need fragmenting after GRE and ESP are added. The TCP checksum is
// updated incrementally (RFC 1624).
#pragma once

#include <cstdint>
#include <span>

namespace hubsec::host::datapath {

// Returns true when the packet was changed. Leaves non-TCP, non-SYN, fragmented and malformed
// packets alone.
bool clamp_tcp_mss(std::span<std::uint8_t> ipv4, std::uint16_t mss);

}  // namespace hubsec::host::datapath
