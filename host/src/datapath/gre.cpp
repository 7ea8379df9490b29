#include "hubsec/host/datapath/gre.hpp"

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr std::uint16_t kFlagChecksum = 0x8000;
constexpr std::uint16_t kFlagRouting = 0x4000;
constexpr std::uint16_t kFlagKey = 0x2000;
constexpr std::uint16_t kFlagSequence = 0x1000;
constexpr std::uint16_t kFlagStrictRoute = 0x0800;
constexpr std::uint16_t kRecursionMask = 0x0700;
constexpr std::uint16_t kVersionMask = 0x0007;

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

void append_gre(std::vector<std::uint8_t>& out, std::uint16_t protocol, std::optional<std::uint32_t> key,
                std::span<const std::uint8_t> payload) {
  const std::uint16_t flags = key ? kFlagKey : 0;
  out.push_back(static_cast<std::uint8_t>(flags >> 8));
  out.push_back(static_cast<std::uint8_t>(flags));
  out.push_back(static_cast<std::uint8_t>(protocol >> 8));
  out.push_back(static_cast<std::uint8_t>(protocol));
  if (key) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<std::uint8_t>(*key >> shift));
    }
  }
  out.insert(out.end(), payload.begin(), payload.end());
}

std::optional<GrePacket> parse_gre(std::span<const std::uint8_t> gre) {
  if (gre.size() < 4) {
    return std::nullopt;
  }
  const std::uint16_t flags = be16(gre.data());
  if ((flags & (kFlagRouting | kFlagSequence | kFlagStrictRoute | kRecursionMask | kVersionMask)) != 0) {
    return std::nullopt;
  }
  GrePacket p;
  p.protocol = be16(gre.data() + 2);
  std::size_t offset = 4;
  if (flags & kFlagChecksum) {
    if (gre.size() < offset + 4 || driver::internet_checksum(gre) != 0) {
      return std::nullopt;  // the checksum covers header and payload: a correct one sums to zero
    }
    offset += 4;
  }
  if (flags & kFlagKey) {
    if (gre.size() < offset + 4) {
      return std::nullopt;
    }
    p.key = (std::uint32_t{gre[offset]} << 24) | (std::uint32_t{gre[offset + 1]} << 16) |
            (std::uint32_t{gre[offset + 2]} << 8) | gre[offset + 3];
    offset += 4;
  }
  p.payload = gre.subspan(offset);
  return p;
}

std::vector<std::uint8_t> build_gre_packet(std::uint32_t src, std::uint32_t dst, std::uint16_t protocol,
                                           std::optional<std::uint32_t> key,
                                           std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> gre;
  gre.reserve(payload.size() + 8);
  append_gre(gre, protocol, key, payload);
  driver::Ipv4Header h;
  h.protocol = kIpProtoGre;
  h.src = src;
  h.dst = dst;
  h.ttl = 255;
  return driver::build_ipv4_packet(h, gre);
}

}  // namespace hubsec::host::datapath
