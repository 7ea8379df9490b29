#include "hubsec/ike/types.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "hubsec/ike/policy.hpp"

namespace hubsec::ike {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::uint32_t IpAddress::v4_host_order() const {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         bytes[3];
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

bool IpAddress::is_unspecified() const {
  const auto v = view();
  return std::all_of(v.begin(), v.end(), [](std::uint8_t b) { return b == 0; });
}

std::string Endpoint::to_string() const {
  return address.to_string() + "/" + std::to_string(port);
}

Identity Identity::address(const IpAddress& addr) {
  Identity id;
  id.type = addr.v6 ? IdType::kIpv6Addr : IdType::kIpv4Addr;
  const auto v = addr.view();
  id.data.assign(v.begin(), v.end());
  return id;
}

Identity Identity::fqdn(std::string_view name) {
  Identity id;
  id.type = IdType::kFqdn;
  id.data.assign(name.begin(), name.end());
  return id;
}

std::string Identity::to_string() const {
  if ((type == IdType::kIpv4Addr && data.size() == 4) || (type == IdType::kIpv6Addr && data.size() == 16)) {
    IpAddress a;
    a.v6 = type == IdType::kIpv6Addr;
    std::copy(data.begin(), data.end(), a.bytes.begin());
    return a.to_string();
  }
  std::string out;
  for (std::uint8_t c : data) out.push_back(std::isprint(c) ? static_cast<char>(c) : '?');
  return out;
}

std::string_view to_string(IntegAlg alg) {
  switch (alg) {
    case IntegAlg::kNone: return "None";
    case IntegAlg::kHmacSha1_96: return "SHA96";
    case IntegAlg::kHmacSha2_256_128: return "SHA256";
    case IntegAlg::kHmacSha2_384_192: return "SHA384";
    case IntegAlg::kHmacSha2_512_256: return "SHA512";
  }
  return "?";
}

std::string_view to_string(PrfAlg alg) {
  switch (alg) {
    case PrfAlg::kHmacSha1: return "SHA1";
    case PrfAlg::kHmacSha2_256: return "SHA256";
    case PrfAlg::kHmacSha2_384: return "SHA384";
    case PrfAlg::kHmacSha2_512: return "SHA512";
  }
  return "?";
}

std::string_view to_string(DhGroup group) {
  switch (group) {
    case DhGroup::kNone: return "None";
    case DhGroup::kModp2048: return "DH Group 14";
    case DhGroup::kEcp256: return "DH Group 19";
    case DhGroup::kEcp384: return "DH Group 20";
    case DhGroup::kCurve25519: return "DH Group 31";
  }
  return "?";
}

// ---- policy helpers ----

namespace {
bool masked_equal(const IpAddress& a, const IpAddress& b, const IpAddress& mask) {
  if (a.v6 != b.v6) return false;
  const std::size_t n = a.v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t m = mask.v6 == a.v6 ? mask.bytes[i] : 0xFF;
    if ((a.bytes[i] & m) != (b.bytes[i] & m)) return false;
  }
  return true;
}
int mask_bits(const IpAddress& mask) {
  int bits = 0;
  for (auto b : mask.view()) bits += __builtin_popcount(b);
  return bits;
}
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
int compare_addr(const IpAddress& a, const IpAddress& b) {
  return std::memcmp(a.bytes.data(), b.bytes.data(), a.v6 ? 16 : 4);
}
}  // namespace

bool RemoteIdMatch::matches(const Identity& id) const {
  switch (kind) {
    case Kind::kAny: return true;
    case Kind::kAddress: {
      if (id.type != IdType::kIpv4Addr && id.type != IdType::kIpv6Addr) return false;
      IpAddress a;
      a.v6 = id.type == IdType::kIpv6Addr;
      if (id.data.size() != (a.v6 ? 16u : 4u)) return false;
      std::copy(id.data.begin(), id.data.end(), a.bytes.begin());
      IpAddress mask = address_mask;
      if (mask.is_unspecified() && mask.v6 == address.v6) {
        mask.v6 = address.v6;
        mask.bytes.fill(0xFF);
      }
      return masked_equal(a, address, mask);
    }
    case Kind::kFqdn: {
      if (id.type != IdType::kFqdn) return false;
      std::string_view name(reinterpret_cast<const char*>(id.data.data()), id.data.size());
      if (!fqdn.empty() && fqdn.front() == '.') {
        return name.size() > fqdn.size() && iequals(name.substr(name.size() - fqdn.size()), fqdn);
      }
      return iequals(name, fqdn);
    }
  }
  return false;
}

std::optional<SecretBytes> Profile::find_psk(const IpAddress& peer, const Identity& peer_id) const {
  if (psk_lookup) return psk_lookup(peer, peer_id);
  const PskEntry* best = nullptr;
  int best_score = -1;
  for (const auto& entry : keyring) {
    if (entry.identity) {
      if (!(*entry.identity == peer_id)) continue;
    } else if (!(entry.address.is_unspecified() && entry.address_mask.is_unspecified()) &&
               !masked_equal(peer, entry.address, entry.address_mask)) {
      continue;
    }
    const int score = entry.identity ? 1000 : mask_bits(entry.address_mask);
    if (score > best_score) {
      best = &entry;
      best_score = score;
    }
  }
  if (!best) return std::nullopt;
  return best->key;
}

TrafficSelector TrafficSelector::host(const IpAddress& addr, std::uint8_t proto) {
  TrafficSelector ts;
  ts.ip_proto = proto;
  ts.start = ts.end = addr;
  return ts;
}

TrafficSelector TrafficSelector::subnet(const IpAddress& network, const IpAddress& mask, std::uint8_t proto) {
  TrafficSelector ts;
  ts.ip_proto = proto;
  ts.start = ts.end = network;
  const std::size_t n = network.v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i) {
    ts.start.bytes[i] = network.bytes[i] & mask.bytes[i];
    ts.end.bytes[i] = static_cast<std::uint8_t>(network.bytes[i] | ~mask.bytes[i]);
  }
  return ts;
}

bool TrafficSelector::contains(const TrafficSelector& inner) const {
  if (start.v6 != inner.start.v6) return false;
  if (ip_proto != 0 && ip_proto != inner.ip_proto) return false;
  if (inner.start_port < start_port || inner.end_port > end_port) return false;
  return compare_addr(inner.start, start) >= 0 && compare_addr(inner.end, end) <= 0;
}

std::string TrafficSelector::to_string() const {
  // Appends piece by piece: `"literal" + std::string&&` trips GCC 12's -Wrestrict false positive at -O3.
  std::string out = start.to_string();
  if (!(start == end)) {
    out += '-';
    out += end.to_string();
  }
  out += " proto ";
  out += std::to_string(ip_proto);
  if (start_port != 0 || end_port != 0xFFFF) {
    out += " ports ";
    out += std::to_string(start_port);
    out += '-';
    out += std::to_string(end_port);
  }
  return out;
}

}  // namespace hubsec::ike
