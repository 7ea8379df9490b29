#include "aes_dec_key.hpp"

#include <stdexcept>

namespace hubsec::rtltest {
namespace {

// GF(2^8) multiplicative inverse then the affine map (FIPS-197 5.1.1), computed rather than tabulated.
std::uint8_t gmul(std::uint8_t a, std::uint8_t b) {
  std::uint8_t p = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    if (b & 1) p ^= a;
    const bool hi = a & 0x80;
    a = static_cast<std::uint8_t>(a << 1);
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

std::uint8_t sbox(std::uint8_t x) {
  std::uint8_t inv = 0;
  if (x != 0) {
    for (int c = 1; c < 256; ++c) {
      if (gmul(x, static_cast<std::uint8_t>(c)) == 1) {
        inv = static_cast<std::uint8_t>(c);
        break;
      }
    }
  }
  std::uint8_t s = inv;
  for (int r = 1; r <= 4; ++r) s ^= static_cast<std::uint8_t>((inv << r) | (inv >> (8 - r)));
  return static_cast<std::uint8_t>(s ^ 0x63);
}

std::uint32_t sub_word(std::uint32_t w) {
  std::uint32_t out = 0;
  for (int i = 0; i < 4; ++i) out |= std::uint32_t{sbox(static_cast<std::uint8_t>(w >> (8 * i)))} << (8 * i);
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> aes256_dec_key(std::span<const std::uint8_t> key) {
  if (key.size() != 32) throw std::invalid_argument("aes256_dec_key: 32-byte key expected");
  std::array<std::uint32_t, 60> w{};
  for (std::size_t i = 0; i < 8; ++i) {
    w[i] = std::uint32_t{key[4 * i]} << 24 | std::uint32_t{key[4 * i + 1]} << 16 |
           std::uint32_t{key[4 * i + 2]} << 8 | key[4 * i + 3];
  }
  std::uint8_t rcon = 1;
  for (std::size_t i = 8; i < 60; ++i) {
    std::uint32_t t = w[i - 1];
    if (i % 8 == 0) {
      t = sub_word((t << 8) | (t >> 24)) ^ (std::uint32_t{rcon} << 24);
      rcon = gmul(rcon, 2);
    } else if (i % 8 == 4) {
      t = sub_word(t);
    }
    w[i] = w[i - 8] ^ t;
  }
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<std::uint8_t>(w[52 + i] >> (24 - 8 * b));
  }
  return out;
}

}  // namespace hubsec::rtltest
