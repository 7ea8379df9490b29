// HMAC (RFC 2104) with the key set once: the inner and outer pad states (one compression each) are
// computed at creation and every message starts from a plain copy of them.
//
// Why OpenSSL's low-level SHA1_* / SHA256_* rather than EVP_MAC: EVP_MAC re-initialises through
// EVP_MD_CTX_copy_ex, which in OpenSSL 3.0 allocates and frees the provider's digest context twice per
// message and looks up parameters by name; on 1,400-byte ESP packets that was ~5 % of the gateway's CPU.
// The low-level contexts are plain structs (a copy is a memcpy) over the same assembly compression
// functions (SHA extensions when the CPU has them). The states are wiped when the object goes.
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace hubsec::driver {

enum class HmacDigest : std::uint8_t { kSha1, kSha256 };

class Hmac {
 public:
  // Any key length (RFC 2104 hashes keys longer than a block). nullptr on an OpenSSL failure.
  static std::unique_ptr<Hmac> create(HmacDigest digest, std::span<const std::uint8_t> key);
  ~Hmac();
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  // HMAC(key, first | second), truncated to its leftmost out_len bytes (out_len <= digest_size()).
  bool compute(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second, std::uint8_t* out,
               std::size_t out_len);
  [[nodiscard]] std::size_t digest_size() const;

 private:
  Hmac() = default;

  HmacDigest digest_ = HmacDigest::kSha1;
  // Pad states after the key block: [0] inner (key ^ ipad), [1] outer (key ^ opad).
  SHA_CTX sha1_[2]{};
  SHA256_CTX sha256_[2]{};
};

}  // namespace hubsec::driver
