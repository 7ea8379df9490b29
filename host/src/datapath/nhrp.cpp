#include "hubsec/host/datapath/nhrp.hpp"

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr std::size_t kFixedHeader = 20;
constexpr std::size_t kMandatory = 8 + 4 + 4 + 4;  // lengths, flags, request id, NBMA, 2 protocol addresses
constexpr std::size_t kCie = 12 + 4 + 4;           // header, client NBMA, client protocol address
constexpr std::uint16_t kFlagUnique = 0x8000;

void put16(std::vector<std::uint8_t>& o, std::uint16_t v) {
  o.push_back(static_cast<std::uint8_t>(v >> 8));
  o.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& o, std::uint32_t v) {
  put16(o, static_cast<std::uint16_t>(v >> 16));
  put16(o, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(std::span<const std::uint8_t> p, std::size_t at) {
  return static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]);
}
std::uint32_t get32(std::span<const std::uint8_t> p, std::size_t at) {
  return (std::uint32_t{get16(p, at)} << 16) | get16(p, at + 2);
}

}  // namespace

std::vector<std::uint8_t> build_nhrp(const NhrpRegistration& r) {
  std::vector<std::uint8_t> o;
  const std::size_t size = kFixedHeader + kMandatory + kCie;
  put16(o, 0x0001);         // ar$afn: IPv4 NBMA addresses
  put16(o, 0x0800);         // ar$pro.type: IPv4 protocol addresses
  o.insert(o.end(), 5, 0);  // ar$pro.snap
  o.push_back(255);         // ar$hopcnt
  put16(o, static_cast<std::uint16_t>(size));
  put16(o, 0);     // ar$chksum, filled below
  put16(o, 0);     // ar$extoff: no extensions
  o.push_back(1);  // ar$op.version
  o.push_back(r.op);
  o.push_back(4);  // ar$shtl: 4-byte NBMA address
  o.push_back(0);  // ar$sstl: no subaddress
  o.push_back(4);  // source protocol address length
  o.push_back(4);  // destination protocol address length
  put16(o, r.unique ? kFlagUnique : 0);
  put32(o, r.request_id);
  put32(o, r.src_nbma);
  put32(o, r.src_proto);
  put32(o, r.dst_proto);
  o.push_back(r.cie_code);
  o.push_back(32);  // prefix length: the host
  put16(o, 0);
  put16(o, r.mtu);
  put16(o, r.holding_time);
  o.push_back(4);  // client NBMA address length
  o.push_back(0);
  o.push_back(4);  // client protocol address length
  o.push_back(0);  // preference
  put32(o, r.src_nbma);
  put32(o, r.src_proto);
  const std::uint16_t sum = driver::internet_checksum(o);
  o[12] = static_cast<std::uint8_t>(sum >> 8);
  o[13] = static_cast<std::uint8_t>(sum);
  return o;
}

std::optional<NhrpRegistration> parse_nhrp(std::span<const std::uint8_t> p) {
  if (p.size() < kFixedHeader + kMandatory) {
    return std::nullopt;
  }
  const std::size_t size = get16(p, 10);
  if (size < kFixedHeader + kMandatory || size > p.size() || get16(p, 0) != 0x0001 || get16(p, 2) != 0x0800 ||
      p[16] != 1 || p[18] != 4 || p[19] != 0 || p[20] != 4 || p[21] != 4) {
    return std::nullopt;
  }
  p = p.first(size);
  if (driver::internet_checksum(p) != 0) {
    return std::nullopt;
  }
  NhrpRegistration r;
  r.op = p[17];
  if (r.op != kNhrpRegistrationRequest && r.op != kNhrpRegistrationReply) {
    return std::nullopt;
  }
  r.unique = (get16(p, 22) & kFlagUnique) != 0;
  r.request_id = get32(p, 24);
  r.src_nbma = get32(p, 28);
  r.src_proto = get32(p, 32);
  r.dst_proto = get32(p, 36);
  const std::size_t extoff = get16(p, 14);
  const std::size_t cie_end = extoff ? extoff : size;
  if (cie_end > size) {
    return std::nullopt;
  }
  if (cie_end >= kFixedHeader + kMandatory + 12) {
    r.cie_code = p[40];
    r.mtu = get16(p, 44);
    r.holding_time = get16(p, 46);
  }
  return r;
}

}  // namespace hubsec::host::datapath
