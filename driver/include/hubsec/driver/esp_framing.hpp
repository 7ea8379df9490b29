// The IP side of ESP, separate from its crypto (esp_crypto.hpp): which bytes of an IPv4 packet ESP
// protects, and the IPv4 (and RFC 3948 UDP) headers around the ESP bytes, for transport and tunnel
// mode. The soft backend and the card backend both frame with these functions; only the crypto
// between plan and finish differs.
//
// Outbound:  plan_outbound() -> [crypto writes ESP at out[header_len..]] -> write_outbound_headers()
//  - transport: payload = the IP payload, next header = its protocol; the original header (options
//    kept) is reused with protocol ESP (or UDP) and new length/checksum. Fragments are refused.
//  - tunnel: payload = the whole packet, next header = 4; a new 20-byte outer header from the SA's
//    endpoints, TOS and DF copied from the inner header, TTL 64, ID 0.
//  - UDP encapsulation: UDP(sport, dport) between IP and ESP, checksum zero (RFC 3948 section 2.1).
// Inbound:   plan_inbound() -> [crypto puts the payload at out[payload_offset..]] -> finish_inbound()
//  - the outer header must be valid IPv4 (checksum), not a fragment, protocol ESP, or UDP to
//    udp_dport (the source port may be rewritten by a NAT) when the SA is UDP-encapsulated; a
//    non-ESP marker (IKE on port 4500) or a keepalive is refused. The UDP checksum is not checked.
//  - transport: the outer header comes back with protocol = next header. No checksum fix-up of
//    inner TCP/UDP after a NAT (RFC 3948 3.1.2) is done: the gateway carries GRE, which has none.
//  - tunnel: the payload must be an IPv4 packet (next header 4); TFC padding after it is dropped.
//  - next header 59 (dummy packet, RFC 4303 2.6) completes with kOk and out_len 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hubsec/driver/esp_types.hpp"
#include "hubsec/driver/ipv4.hpp"

namespace hubsec::driver {

struct EspFraming {
  EspMode mode = EspMode::kTransport;
  bool udp_encap = false;
  std::uint16_t udp_sport = kNatTraversalPort;
  std::uint16_t udp_dport = kNatTraversalPort;
  std::uint32_t tunnel_src = 0;
  std::uint32_t tunnel_dst = 0;

  static EspFraming from(const SaParams& sa) {
    return {sa.mode, sa.udp_encap, sa.udp_sport, sa.udp_dport, sa.tunnel_src, sa.tunnel_dst};
  }
};

struct OutboundLayout {
  std::span<const std::uint8_t> payload;  // the bytes ESP protects
  std::uint8_t next_header = 0;
  std::size_t header_len = 0;  // IP header (+ UDP) bytes before the ESP header in the output
  Ipv4Header inner;            // the input packet's header
};

// kBadHeader if `packet` is not a valid IPv4 packet (or is a fragment, in transport mode).
EspStatus plan_outbound(const EspFraming& framing, std::span<const std::uint8_t> packet,
                        OutboundLayout& layout);

// Writes the headers into out[0, header_len) for an ESP packet of esp_len bytes that is already at
// out[header_len, header_len + esp_len). kBadLength if the result would exceed 65535 bytes.
EspStatus write_outbound_headers(const EspFraming& framing, const OutboundLayout& layout,
                                 std::span<const std::uint8_t> packet, std::size_t esp_len,
                                 std::span<std::uint8_t> out);

struct InboundLayout {
  std::span<const std::uint8_t> esp;  // SPI .. ICV
  Ipv4Header outer;
  std::size_t payload_offset = 0;  // where the decrypted payload goes in the output
};

EspStatus plan_inbound(const EspFraming& framing, std::span<const std::uint8_t> packet,
                       InboundLayout& layout);

// Completes the output once the payload (payload_len bytes) sits at out[payload_offset..].
EspStatus finish_inbound(const EspFraming& framing, const InboundLayout& layout,
                         std::span<const std::uint8_t> packet, std::uint8_t next_header,
                         std::size_t payload_len, std::span<std::uint8_t> out, std::size_t& out_len);

}  // namespace hubsec::driver
