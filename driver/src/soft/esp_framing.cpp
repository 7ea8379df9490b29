#include "hubsec/driver/esp_framing.hpp"

#include <algorithm>

#include "hubsec/driver/byte_order.hpp"

namespace hubsec::driver {
namespace {
constexpr std::size_t kNonEspMarkerBytes = 4;
}  // namespace

EspStatus plan_outbound(const EspFraming& framing, std::span<const std::uint8_t> packet,
                        OutboundLayout& layout) {
  const auto inner = parse_ipv4(packet);
  if (!inner) {
    return EspStatus::kBadHeader;
  }
  layout.inner = *inner;
  const std::size_t udp = framing.udp_encap ? kUdpHeaderBytes : 0;
  if (framing.mode == EspMode::kTransport) {
    if (inner->is_fragment()) {
      return EspStatus::kBadHeader;  // RFC 4303 3.1.1: whole packets only
    }
    layout.payload = packet.subspan(inner->header_len, inner->total_len - inner->header_len);
    layout.next_header = inner->protocol;
    layout.header_len = inner->header_len + udp;
  } else {
    layout.payload = packet.first(inner->total_len);
    layout.next_header = kIpProtoIpv4;
    layout.header_len = kIpv4MinHeaderBytes + udp;
  }
  return EspStatus::kOk;
}

EspStatus write_outbound_headers(const EspFraming& framing, const OutboundLayout& layout,
                                 std::span<const std::uint8_t> packet, std::size_t esp_len,
                                 std::span<std::uint8_t> out) {
  const std::size_t total = layout.header_len + esp_len;
  if (total > kIpv4MaxPacketBytes || out.size() < total) {
    return EspStatus::kBadLength;
  }
  const std::uint8_t protocol = framing.udp_encap ? kIpProtoUdp : kIpProtoEsp;
  std::size_t ip_len = kIpv4MinHeaderBytes;
  if (framing.mode == EspMode::kTransport) {
    ip_len = layout.inner.header_len;
    std::copy_n(packet.begin(), ip_len, out.begin());
    out[9] = protocol;
    store_be16(&out[2], static_cast<std::uint16_t>(total));
    update_ipv4_checksum(out);
  } else {
    Ipv4Header outer;
    outer.total_len = total;
    outer.tos = layout.inner.tos;
    outer.flags_offset = layout.inner.flags_offset & kIpv4FlagDf;
    outer.protocol = protocol;
    outer.src = framing.tunnel_src;
    outer.dst = framing.tunnel_dst;
    write_ipv4_header(outer, out);
  }
  if (framing.udp_encap) {
    std::uint8_t* udp = &out[ip_len];
    store_be16(udp, framing.udp_sport);
    store_be16(udp + 2, framing.udp_dport);
    store_be16(udp + 4, static_cast<std::uint16_t>(kUdpHeaderBytes + esp_len));
    store_be16(udp + 6, 0);  // RFC 3948 2.1: zero checksum for IPv4
  }
  return EspStatus::kOk;
}

EspStatus plan_inbound(const EspFraming& framing, std::span<const std::uint8_t> packet,
                       InboundLayout& layout) {
  const auto outer = parse_ipv4(packet);
  if (!outer || outer->is_fragment()) {
    return EspStatus::kBadHeader;
  }
  layout.outer = *outer;
  std::span<const std::uint8_t> body =
      packet.subspan(outer->header_len, outer->total_len - outer->header_len);
  if (framing.udp_encap) {
    if (outer->protocol != kIpProtoUdp || body.size() < kUdpHeaderBytes) {
      return EspStatus::kBadHeader;
    }
    if (load_be16(&body[2]) != framing.udp_dport || load_be16(&body[4]) != body.size()) {
      return EspStatus::kBadHeader;
    }
    body = body.subspan(kUdpHeaderBytes);
    // A zero "SPI" is the non-ESP marker of IKE on port 4500; a 1-byte 0xFF is a NAT keepalive.
    if (body.size() < kNonEspMarkerBytes || load_be32(body.data()) == 0) {
      return EspStatus::kBadHeader;
    }
  } else if (outer->protocol != kIpProtoEsp) {
    return EspStatus::kBadHeader;
  }
  layout.esp = body;
  layout.payload_offset = framing.mode == EspMode::kTransport ? outer->header_len : 0;
  return EspStatus::kOk;
}

EspStatus finish_inbound(const EspFraming& framing, const InboundLayout& layout,
                         std::span<const std::uint8_t> packet, std::uint8_t next_header,
                         std::size_t payload_len, std::span<std::uint8_t> out, std::size_t& out_len) {
  out_len = 0;
  if (next_header == kIpProtoNoNext) {
    return EspStatus::kOk;  // dummy packet: nothing to deliver
  }
  if (framing.mode == EspMode::kTransport) {
    const std::size_t hl = layout.outer.header_len;
    if (out.size() < hl + payload_len) {
      return EspStatus::kBadLength;
    }
    std::copy_n(packet.begin(), hl, out.begin());
    out[9] = next_header;
    store_be16(&out[2], static_cast<std::uint16_t>(hl + payload_len));
    update_ipv4_checksum(out);
    out_len = hl + payload_len;
    return EspStatus::kOk;
  }
  if (next_header != kIpProtoIpv4) {
    return EspStatus::kBadHeader;
  }
  const auto inner = parse_ipv4(out.first(payload_len));
  if (!inner) {
    return EspStatus::kBadHeader;
  }
  out_len = inner->total_len;
  return EspStatus::kOk;
}

}  // namespace hubsec::driver
