#include "hubsec/host/datapath/tcp_mss.hpp"

#include "hubsec/driver/ipv4.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kTcpSyn = 0x02;
constexpr std::uint8_t kOptEnd = 0, kOptNop = 1, kOptMss = 2;

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
std::uint16_t adjust_checksum(std::uint16_t sum, std::uint16_t old_word, std::uint16_t new_word) {
  std::uint32_t s = static_cast<std::uint16_t>(~sum);
  s += static_cast<std::uint16_t>(~old_word);
  s += new_word;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

}  // namespace

bool clamp_tcp_mss(std::span<std::uint8_t> ipv4, std::uint16_t mss) {
  auto h = driver::parse_ipv4(ipv4);
  if (!h || h->protocol != kIpProtoTcp || h->is_fragment() || h->total_len < h->header_len + 20) {
    return false;
  }
  std::span<std::uint8_t> tcp = ipv4.subspan(h->header_len, h->total_len - h->header_len);
  const std::size_t data_offset = static_cast<std::size_t>(tcp[12] >> 4) * 4;
  if ((tcp[13] & kTcpSyn) == 0 || data_offset < 20 || data_offset > tcp.size()) {
    return false;
  }
  for (std::size_t i = 20; i < data_offset;) {
    const std::uint8_t kind = tcp[i];
    if (kind == kOptEnd) {
      break;
    }
    if (kind == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= data_offset || tcp[i + 1] < 2 || i + tcp[i + 1] > data_offset) {
      return false;  // malformed options: leave the packet as it is
    }
    if (kind == kOptMss && tcp[i + 1] == 4) {
      const std::uint16_t old_mss = static_cast<std::uint16_t>((tcp[i + 2] << 8) | tcp[i + 3]);
      if (old_mss <= mss) {
        return false;
      }
      tcp[i + 2] = static_cast<std::uint8_t>(mss >> 8);
      tcp[i + 3] = static_cast<std::uint8_t>(mss);
      // The option starts at an even offset of the segment when it is word-aligned; otherwise its
      // bytes straddle two checksum words, so adjust the two words that contain them.
      const std::size_t w = i & ~std::size_t{1};
      const bool aligned = (i & 1) == 0;
      std::uint16_t sum = static_cast<std::uint16_t>((tcp[16] << 8) | tcp[17]);
      if (aligned) {
        sum = adjust_checksum(sum, old_mss, mss);
      } else {
        const std::uint16_t old1 = static_cast<std::uint16_t>((tcp[w + 2] << 8) | (old_mss >> 8));
        const std::uint16_t new1 = static_cast<std::uint16_t>((tcp[w + 2] << 8) | (mss >> 8));
        const std::uint16_t old2 = static_cast<std::uint16_t>(((old_mss & 0xff) << 8) | tcp[w + 5]);
        const std::uint16_t new2 = static_cast<std::uint16_t>(((mss & 0xff) << 8) | tcp[w + 5]);
        sum = adjust_checksum(adjust_checksum(sum, old1, new1), old2, new2);
      }
      tcp[16] = static_cast<std::uint8_t>(sum >> 8);
      tcp[17] = static_cast<std::uint8_t>(sum);
      return true;
    }
    i += tcp[i + 1];
  }
  return false;
}

}  // namespace hubsec::host::datapath
