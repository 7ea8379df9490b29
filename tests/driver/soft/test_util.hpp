// Helpers shared by the soft ESP engine tests: hex, packets, SA pairs, and a reference ESP encoder
// built from one-shot OpenSSL calls (independent of the engine's classes).
#pragma once

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hubsec/driver/byte_order.hpp"
#include "hubsec/driver/esp_types.hpp"
#include "hubsec/driver/ipv4.hpp"

namespace hubsec::driver::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes hex(std::string_view text) {
  Bytes out;
  int nibble = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;  // spaces and line breaks as in the RFCs
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(nibble * 16 + v));
      nibble = -1;
    }
  }
  if (nibble >= 0) throw std::invalid_argument("odd hex");
  return out;
}

inline Bytes ascii(std::string_view text) {
  return Bytes(text.begin(), text.end());
}
inline Bytes repeat(std::uint8_t b, std::size_t n) {
  return Bytes(n, b);
}

inline Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n != 0 && RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes");
  return b;
}

// An IPv4 packet (20-byte header, valid checksum) carrying `payload`.
inline Bytes ipv4_packet(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, const Bytes& payload,
                         std::uint16_t id = 0x1234) {
  Ipv4Header h;
  h.id = id;
  h.flags_offset = kIpv4FlagDf;
  h.protocol = proto;
  h.src = src;
  h.dst = dst;
  return build_ipv4_packet(h, payload);
}

constexpr std::uint32_t kHubAddr = 0xc0000201;    // 192.0.2.1
constexpr std::uint32_t kSpokeAddr = 0xc0000202;  // 192.0.2.2

// Parameters for one direction; the same keys install the peer's matching SA.
inline SaParams sa_params(Direction dir, EspMode mode, IntegrityAlg alg, bool esn, bool udp,
                          std::uint32_t spi = 0x1000abcd) {
  SaParams p;
  p.direction = dir;
  p.spi = spi;
  p.mode = mode;
  p.integrity = alg;
  p.esn = esn;
  p.udp_encap = udp;
  p.tunnel_src = kHubAddr;
  p.tunnel_dst = kSpokeAddr;
  const Bytes ek = random_bytes(kAesKeyBytes), ak = random_bytes(kMaxIntegrityKeyBytes);
  std::copy(ek.begin(), ek.end(), p.enc_key.begin());
  std::copy(ak.begin(), ak.end(), p.auth_key.begin());
  return p;
}

inline SaParams peer_of(const SaParams& out) {
  SaParams in = out;
  in.direction = out.direction == Direction::kOutbound ? Direction::kInbound : Direction::kOutbound;
  in.initial_seq = 0;  // a fresh receiver; tests that resume a window set it themselves
  return in;
}

// Reference ESP packet from one-shot OpenSSL calls: AES-256-CBC over `plain` (already padded and
// trailed by the caller, a multiple of 16), HMAC over SPI|SN|IV|CT (+ SN high bits with ESN).
inline Bytes reference_esp(const SaParams& sa, std::uint64_t seq, const Bytes& iv, const Bytes& plain) {
  const std::size_t icv = icv_bytes(sa.integrity);
  // Laid out in one pre-sized buffer: SPI | SN | IV | CT | ICV, then SN high bits for the MAC only.
  Bytes out(8 + 16 + plain.size() + 4);
  store_be32(out.data(), sa.spi);
  store_be32(out.data() + 4, static_cast<std::uint32_t>(seq));
  std::copy_n(iv.data(), 16, out.data() + 8);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  if (EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, sa.enc_key.data(), iv.data()) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_EncryptUpdate(ctx, out.data() + 24, &n, plain.data(), static_cast<int>(plain.size())) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("reference encrypt");
  }
  EVP_CIPHER_CTX_free(ctx);
  std::size_t covered = 24 + plain.size();
  if (sa.esn) {
    store_be32(out.data() + covered, static_cast<std::uint32_t>(seq >> 32));
    covered += 4;
  }
  const bool sha1 = sa.integrity == IntegrityAlg::kHmacSha1_96;
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t mac_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, sha1 ? "SHA1" : "SHA256", nullptr, sa.auth_key.data(),
                integrity_key_bytes(sa.integrity), out.data(), covered, mac, sizeof mac,
                &mac_len) == nullptr) {
    throw std::runtime_error("reference mac");
  }
  out.resize(24 + plain.size() + icv);
  std::copy_n(mac, icv, out.data() + 24 + plain.size());
  return out;
}

// RFC 4303 plaintext: payload | 1, 2, 3, ... | pad length | next header, to a 16-byte multiple.
inline Bytes esp_plaintext(const Bytes& payload, std::uint8_t next_header) {
  Bytes p = payload;
  std::uint8_t pad = 0;
  while ((p.size() + 2) % 16 != 0) p.push_back(++pad);
  p.push_back(pad);
  p.push_back(next_header);
  return p;
}

}  // namespace hubsec::driver::test
