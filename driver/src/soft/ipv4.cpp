#include "hubsec/driver/ipv4.hpp"

#include <algorithm>

#include "hubsec/driver/byte_order.hpp"

namespace hubsec::driver {

std::uint16_t internet_checksum(std::span<const std::uint8_t> data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += load_be16(&data[i]);
  }
  if (i < data.size()) {
    sum += std::uint32_t{data[i]} << 8;
  }
  while ((sum >> 16) != 0) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum);
}

std::optional<Ipv4Header> parse_ipv4(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv4MinHeaderBytes) {
    return std::nullopt;
  }
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 4) {
    return std::nullopt;
  }
  Ipv4Header h;
  h.header_len = std::size_t{p[0] & 0x0fu} * 4;
  h.total_len = load_be16(p + 2);
  if (h.header_len < kIpv4MinHeaderBytes || h.total_len < h.header_len || h.total_len > packet.size()) {
    return std::nullopt;
  }
  if (internet_checksum(packet.first(h.header_len)) != 0) {
    return std::nullopt;
  }
  h.tos = p[1];
  h.id = load_be16(p + 4);
  h.flags_offset = load_be16(p + 6);
  h.ttl = p[8];
  h.protocol = p[9];
  h.src = load_be32(p + 12);
  h.dst = load_be32(p + 16);
  return h;
}

void write_ipv4_header(const Ipv4Header& header, std::span<std::uint8_t> out) {
  std::uint8_t* p = out.data();
  p[0] = 0x45;
  p[1] = header.tos;
  store_be16(p + 2, static_cast<std::uint16_t>(header.total_len));
  store_be16(p + 4, header.id);
  store_be16(p + 6, header.flags_offset);
  p[8] = header.ttl;
  p[9] = header.protocol;
  store_be16(p + 10, 0);
  store_be32(p + 12, header.src);
  store_be32(p + 16, header.dst);
  store_be16(p + 10, internet_checksum(out.first(kIpv4MinHeaderBytes)));
}

std::vector<std::uint8_t> build_ipv4_packet(Ipv4Header header, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> packet(kIpv4MinHeaderBytes + payload.size());
  header.total_len = packet.size();
  write_ipv4_header(header, packet);
  std::copy(payload.begin(), payload.end(), packet.begin() + kIpv4MinHeaderBytes);
  return packet;
}

void update_ipv4_checksum(std::span<std::uint8_t> header) {
  const std::size_t len = std::size_t{header[0] & 0x0fu} * 4;
  store_be16(&header[10], 0);
  store_be16(&header[10], internet_checksum(header.first(len)));
}

}  // namespace hubsec::driver
