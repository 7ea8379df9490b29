// OpenSSL (EVP, aes-256-ecb, no padding) as the reference for the AES RTL benches, and the byte/hex helpers
// the benches share.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string_view>

namespace hubsec::rtl_test {

using AesBlock = std::array<std::uint8_t, 16>;
using AesKey = std::array<std::uint8_t, 32>;

// One block through AES-256 in ECB mode with OpenSSL's EVP interface; throws on an OpenSSL error.
AesBlock OpensslAes256Encrypt(const AesKey& key, const AesBlock& in);
AesBlock OpensslAes256Decrypt(const AesKey& key, const AesBlock& in);

// Parses exactly N bytes of hex (as typed from the standards); throws on a malformed string.
template <std::size_t N>
std::array<std::uint8_t, N> FromHex(std::string_view hex);

template <std::size_t N>
std::array<std::uint8_t, N> RandomBytes(std::mt19937_64& rng) {
  std::array<std::uint8_t, N> out{};
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

}  // namespace hubsec::rtl_test
