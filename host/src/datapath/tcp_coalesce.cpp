#include "hubsec/host/datapath/tcp_coalesce.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "hubsec/driver/byte_order.hpp"
#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {

namespace {

using driver::load_be16;
using driver::load_be32;

constexpr std::uint8_t kTcpAck = 0x10, kTcpPsh = 0x08;
constexpr std::size_t kMaxMerged = 65535;

// What decides whether two segments may be joined.
struct Segment {
  const std::vector<std::uint8_t>* packet = nullptr;
  std::size_t ip_len = 0, tcp_len = 0, payload = 0;
  std::uint32_t seq = 0;
  std::uint8_t flags = 0;
};

std::optional<Segment> tcp_segment(const std::vector<std::uint8_t>& p) {
  auto h = driver::parse_ipv4(p);
  if (!h || h->header_len != driver::kIpv4MinHeaderBytes || h->protocol != 6 || h->is_fragment() ||
      h->total_len != p.size() || p.size() < 40) {
    return std::nullopt;
  }
  const std::uint8_t* t = p.data() + 20;
  const std::size_t tcp_len = static_cast<std::size_t>(t[12] >> 4) * 4;
  if (tcp_len < 20 || 20 + tcp_len > p.size()) {
    return std::nullopt;
  }
  Segment s{&p, 20, tcp_len, p.size() - 20 - tcp_len, load_be32(t + 4), t[13]};
  if (s.payload == 0 || (s.flags != kTcpAck && s.flags != (kTcpAck | kTcpPsh))) {
    return std::nullopt;
  }
  return s;
}

// Same flow and same headers apart from what differs segment to segment (IP id, length, checksums, seq).
bool same_headers(const Segment& a, const Segment& b) {
  const auto& x = *a.packet;
  const auto& y = *b.packet;
  return a.tcp_len == b.tcp_len && x[1] == y[1] && x[8] == y[8] &&        // TOS, TTL
         (x[6] & 0x40) == (y[6] & 0x40) &&                                // DF
         std::memcmp(x.data() + 12, y.data() + 12, 8) == 0 &&             // addresses
         std::memcmp(x.data() + 20, y.data() + 20, 4) == 0 &&             // ports
         std::memcmp(x.data() + 28, y.data() + 28, 4) == 0 &&             // ack number
         std::memcmp(x.data() + 34, y.data() + 34, 2) == 0 &&             // window
         std::memcmp(x.data() + 40, y.data() + 40, a.tcp_len - 20) == 0;  // options
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

// The Internet checksum's one's-complement sum (RFC 1071) of `data` as 16-bit big-endian words, plus
// `sum`. It runs over every byte of every TCP segment cut from a TSO read, so it adds 32-bit words in
// host order into 64 bits and swaps bytes once at the end: a one's-complement sum does not depend on
// byte order (RFC 1071 2.(B)).
std::uint32_t sum_words(std::span<const std::uint8_t> data, std::uint32_t sum = 0) {
  std::uint64_t wide = 0;
  std::size_t i = 0;
  for (; i + 4 <= data.size(); i += 4) {
    std::uint32_t w = 0;
    std::memcpy(&w, data.data() + i, sizeof w);
    wide += w;
  }
  wide = (wide & 0xffffffffu) + (wide >> 32);  // at most 2^33: twice more reaches 16 bits
  wide = (wide & 0xffffffffu) + (wide >> 32);
  std::uint16_t host_order = fold(static_cast<std::uint32_t>(wide));
  if constexpr (std::endian::native == std::endian::little) {
    host_order = static_cast<std::uint16_t>((host_order >> 8) | (host_order << 8));
  }
  sum += host_order;
  for (; i + 1 < data.size(); i += 2) {
    sum += load_be16(data.data() + i);
  }
  if (i < data.size()) {
    sum += static_cast<std::uint32_t>(data[i] << 8);
  }
  return fold(sum);
}

std::uint16_t pseudo_header_sum(const std::vector<std::uint8_t>& ip, std::size_t tcp_bytes) {
  return static_cast<std::uint16_t>(
      sum_words(std::span<const std::uint8_t>(ip).subspan(12, 8), 6 + static_cast<std::uint32_t>(tcp_bytes)));
}

CoalescedPacket merge(std::span<const Segment> run) {
  CoalescedPacket out;
  const Segment& first = run.front();
  const std::size_t headers = first.ip_len + first.tcp_len;
  std::size_t total = headers;
  for (const auto& s : run) {
    total += s.payload;
  }
  out.bytes.reserve(total);
  out.bytes.assign(first.packet->begin(), first.packet->begin() + static_cast<std::ptrdiff_t>(headers));
  for (const auto& s : run) {
    out.bytes.insert(out.bytes.end(), s.packet->begin() + static_cast<std::ptrdiff_t>(headers),
                     s.packet->end());
  }
  out.segments = run.size();
  driver::store_be16(&out.bytes[2], static_cast<std::uint16_t>(total));
  driver::update_ipv4_checksum(out.bytes);
  out.bytes[20 + 13] = static_cast<std::uint8_t>(kTcpAck | (run.back().flags & kTcpPsh));
  driver::store_be16(&out.bytes[20 + 16], pseudo_header_sum(out.bytes, total - first.ip_len));
  out.vnet.flags = 1;     // VIRTIO_NET_HDR_F_NEEDS_CSUM
  out.vnet.gso_type = 1;  // VIRTIO_NET_HDR_GSO_TCPV4
  out.vnet.hdr_len = static_cast<std::uint16_t>(headers);
  out.vnet.gso_size = static_cast<std::uint16_t>(first.payload);
  out.vnet.csum_start = static_cast<std::uint16_t>(first.ip_len);
  out.vnet.csum_offset = 16;
  return out;
}

}  // namespace

std::vector<CoalescedPacket> coalesce_tcp(std::span<const std::vector<std::uint8_t>> packets) {
  std::vector<CoalescedPacket> out;
  std::vector<Segment> run;
  std::size_t run_bytes = 0;
  auto flush = [&] {
    if (run.size() >= 2) {
      out.push_back(merge(run));
    } else if (run.size() == 1) {
      out.push_back(CoalescedPacket{{}, *run.front().packet, 1});
    }
    run.clear();
    run_bytes = 0;
  };
  for (const auto& p : packets) {
    auto s = tcp_segment(p);
    if (!s) {
      flush();
      out.push_back(CoalescedPacket{{}, p, 1});
      continue;
    }
    if (!run.empty()) {
      const Segment& head = run.front();
      const Segment& last = run.back();
      const bool joins = same_headers(head, *s) && s->seq == last.seq + last.payload &&
                         last.payload == head.payload && !(last.flags & kTcpPsh) &&
                         s->payload <= head.payload && run_bytes + s->payload <= kMaxMerged;
      if (!joins) {
        flush();
      }
    }
    if (run.empty()) {
      run_bytes = s->ip_len + s->tcp_len;
    }
    run.push_back(*s);
    run_bytes += s->payload;
  }
  flush();
  return out;
}

bool complete_checksum(const VnetHeader& vnet, std::span<std::uint8_t> packet) {
  const std::size_t start = vnet.csum_start, at = start + vnet.csum_offset;
  if (start >= packet.size() || at + 2 > packet.size()) {
    return false;
  }
  std::uint16_t sum = static_cast<std::uint16_t>(~sum_words(packet.subspan(start)));
  if (sum == 0 && packet.size() > 9 && packet[9] == 17) {
    sum = 0xffff;  // UDP: a computed zero is sent as all ones (RFC 768)
  }
  driver::store_be16(&packet[at], sum);
  return true;
}

std::vector<std::vector<std::uint8_t>> segment_tcp(const VnetHeader& vnet,
                                                   std::span<const std::uint8_t> packet) {
  std::vector<std::vector<std::uint8_t>> out;
  auto h = driver::parse_ipv4(packet);
  if (!h || h->protocol != 6 || h->is_fragment() || packet.size() < h->header_len + 20 ||
      vnet.gso_size == 0) {
    return out;
  }
  const std::size_t ip_len = h->header_len;
  const std::size_t tcp_len = static_cast<std::size_t>(packet[ip_len + 12] >> 4) * 4;
  const std::size_t headers = ip_len + tcp_len;
  if (tcp_len < 20 || headers > h->total_len) {
    return out;
  }
  const std::span<const std::uint8_t> payload = packet.subspan(headers, h->total_len - headers);
  const std::uint32_t seq0 = load_be32(packet.data() + ip_len + 4);
  const std::uint8_t flags = packet[ip_len + 13];
  for (std::size_t off = 0, i = 0; off < payload.size() || (off == 0 && payload.empty());
       off += vnet.gso_size, ++i) {
    const std::size_t n = std::min<std::size_t>(vnet.gso_size, payload.size() - off);
    const bool last = off + n >= payload.size();
    std::vector<std::uint8_t> s(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(headers));
    s.insert(s.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
             payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    driver::store_be16(&s[2], static_cast<std::uint16_t>(s.size()));
    driver::store_be16(&s[4], static_cast<std::uint16_t>(h->id + i));
    driver::update_ipv4_checksum(s);
    std::uint8_t* t = s.data() + ip_len;
    driver::store_be32(t + 4, seq0 + static_cast<std::uint32_t>(off));
    std::uint8_t f = flags;
    if (!last) {
      f &= static_cast<std::uint8_t>(~0x09);  // FIN, PSH
    }
    if (i != 0) {
      f &= static_cast<std::uint8_t>(~0x80);  // CWR
    }
    t[13] = f;
    t[16] = t[17] = 0;
    const std::size_t seg_len = s.size() - ip_len;
    std::uint32_t pseudo = 6 + static_cast<std::uint32_t>(seg_len);
    pseudo = sum_words(std::span<const std::uint8_t>(s).subspan(12, 8), pseudo);
    driver::store_be16(t + 16, static_cast<std::uint16_t>(
                                   ~sum_words(std::span<const std::uint8_t>(s).subspan(ip_len), pseudo)));
    out.push_back(std::move(s));
    if (payload.empty()) {
      break;
    }
  }
  return out;
}

}  // namespace hubsec::host::datapath
