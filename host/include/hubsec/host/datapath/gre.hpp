// GRE (RFC 2784) as DMVPN uses it: a 4-byte header (no checksum), or 8 bytes with the RFC 2890 key
// when `tunnel key` is set. The delivery header is IPv4 protocol 47 between the NBMA addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hubsec::host::datapath {

constexpr std::uint8_t kIpProtoGre = 47;
constexpr std::uint16_t kGreProtoIpv4 = 0x0800;
constexpr std::uint16_t kGreProtoNhrp = 0x2001;

struct GrePacket {
  std::uint16_t protocol = 0;
  std::optional<std::uint32_t> key;
  std::span<const std::uint8_t> payload;
};

// Appends the GRE header and payload to `out`.
void append_gre(std::vector<std::uint8_t>& out, std::uint16_t protocol, std::optional<std::uint32_t> key,
                std::span<const std::uint8_t> payload);

// Parses a GRE header. Refuses version != 0, routing (R), strict source route and recursion bits
// set (RFC 2784 2.3: a receiver MUST discard them), and sequence numbers (not used by DMVPN). A
// checksum, when present, is verified.
std::optional<GrePacket> parse_gre(std::span<const std::uint8_t> gre);

// A whole IPv4/GRE delivery packet from `src` to `dst` (host order) carrying `payload`.
std::vector<std::uint8_t> build_gre_packet(std::uint32_t src, std::uint32_t dst, std::uint16_t protocol,
                                           std::optional<std::uint32_t> key,
                                           std::span<const std::uint8_t> payload);

}  // namespace hubsec::host::datapath
