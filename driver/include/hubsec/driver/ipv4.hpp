// IPv4 header parsing and building (RFC 791) for the ESP framing. No fragmentation or reassembly:
// that is the gateway's job before a packet reaches ESP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hubsec::driver {

constexpr std::size_t kIpv4MinHeaderBytes = 20;
constexpr std::size_t kIpv4MaxPacketBytes = 65535;
constexpr std::size_t kUdpHeaderBytes = 8;
constexpr std::uint8_t kIpProtoIpv4 = 4;     // IP-in-IP: ESP next header in tunnel mode
constexpr std::uint8_t kIpProtoNoNext = 59;  // RFC 4303 dummy packet
constexpr std::uint16_t kIpv4FlagDf = 0x4000;
constexpr std::uint16_t kIpv4FlagMf = 0x2000;
constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;

// The fields of an IPv4 header that the ESP framing reads or writes (addresses in host order).
struct Ipv4Header {
  std::size_t header_len = kIpv4MinHeaderBytes;  // IHL * 4, options included
  std::size_t total_len = 0;                     // the Total Length field
  std::uint8_t tos = 0;
  std::uint16_t id = 0;
  std::uint16_t flags_offset = 0;  // flags (DF, MF) and fragment offset, as on the wire
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  std::uint32_t src = 0;
  std::uint32_t dst = 0;

  [[nodiscard]] bool is_fragment() const { return (flags_offset & (kIpv4FlagMf | kIpv4OffsetMask)) != 0; }
};

// RFC 1071 Internet checksum (one's complement of the one's complement sum), ready to store.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data);

// Parses and validates the header at the start of `packet`: version 4, IHL >= 5, header checksum,
// IHL*4 <= Total Length <= packet.size() (bytes after Total Length, e.g. link padding, are ignored).
std::optional<Ipv4Header> parse_ipv4(std::span<const std::uint8_t> packet);

// Writes a 20-byte header (no options) with a correct checksum. out.size() >= 20.
void write_ipv4_header(const Ipv4Header& header, std::span<std::uint8_t> out);

// A whole packet: `header` (its total_len is set from the payload) followed by `payload`.
std::vector<std::uint8_t> build_ipv4_packet(Ipv4Header header, std::span<const std::uint8_t> payload);

// Recomputes the checksum of the header at the start of `header` (its IHL gives the length).
void update_ipv4_checksum(std::span<std::uint8_t> header);

}  // namespace hubsec::driver
