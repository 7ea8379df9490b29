// HMAC (RFC 2104) through EVP_MAC with the key set once: the inner and outer pad states are
// computed at creation, and every message re-initialises from them (EVP_MAC_init with a NULL key),
// which costs a context copy rather than two extra compression-function calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "hubsec/driver/openssl_handles.hpp"

namespace hubsec::driver {

enum class HmacDigest : std::uint8_t { kSha1, kSha256 };

class Hmac {
 public:
  // Any key length (RFC 2104 hashes long keys). nullptr on an OpenSSL failure.
  static std::unique_ptr<Hmac> create(HmacDigest digest, std::span<const std::uint8_t> key);

  // HMAC(key, first | second), truncated to its leftmost out_len bytes (out_len <= digest_size()).
  bool compute(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second, std::uint8_t* out,
               std::size_t out_len);

  [[nodiscard]] std::size_t digest_size() const { return digest_size_; }

 private:
  Hmac() = default;
  MacCtxPtr ctx_;
  std::size_t digest_size_ = 0;
};

}  // namespace hubsec::driver
