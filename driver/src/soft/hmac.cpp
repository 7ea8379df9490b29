// The SHA1_* / SHA256_* functions are deprecated in OpenSSL 3.0 (kept through 3.x) in favour of EVP;
// hmac.hpp says why this file uses them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "hubsec/driver/hmac.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

namespace hubsec::driver {
namespace {

constexpr std::size_t kBlockBytes = 64;  // SHA-1 and SHA-256 alike
constexpr std::uint8_t kIpad = 0x36;
constexpr std::uint8_t kOpad = 0x5c;

// One message through a copy of `start`: message = first | second, then the digest into `digest`.
template <typename Ctx, typename Update, typename Final>
bool hash_from(const Ctx& start, std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
               std::uint8_t* digest, Update update, Final final) {
  Ctx ctx = start;
  const bool ok = update(&ctx, first.data(), first.size()) == 1 &&
                  update(&ctx, second.data(), second.size()) == 1 && final(digest, &ctx) == 1;
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  return ok;
}

// Inner and outer pad states for `key` (already at most one block).
template <typename Ctx, typename Init, typename Update>
bool pad_states(std::span<const std::uint8_t> key, Ctx* states, Init init, Update update) {
  std::array<std::uint8_t, kBlockBytes> block{};
  bool ok = true;
  for (int i = 0; i < 2; ++i) {
    const std::uint8_t pad = i == 0 ? kIpad : kOpad;
    block.fill(pad);
    for (std::size_t k = 0; k < key.size(); ++k) {
      block[k] = static_cast<std::uint8_t>(key[k] ^ pad);
    }
    ok = ok && init(&states[i]) == 1 && update(&states[i], block.data(), block.size()) == 1;
  }
  OPENSSL_cleanse(block.data(), block.size());
  return ok;
}

}  // namespace

std::unique_ptr<Hmac> Hmac::create(HmacDigest digest, std::span<const std::uint8_t> key) {
  std::unique_ptr<Hmac> h(new Hmac());
  h->digest_ = digest;
  // RFC 2104: a key longer than the block is replaced by its hash.
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> hashed{};
  if (key.size() > kBlockBytes) {
    const bool ok = digest == HmacDigest::kSha1 ? SHA1(key.data(), key.size(), hashed.data()) != nullptr
                                                : SHA256(key.data(), key.size(), hashed.data()) != nullptr;
    if (!ok) {
      return nullptr;
    }
    key = std::span<const std::uint8_t>(hashed).first(h->digest_size());
  }
  const bool ok = digest == HmacDigest::kSha1 ? pad_states(key, h->sha1_, SHA1_Init, SHA1_Update)
                                              : pad_states(key, h->sha256_, SHA256_Init, SHA256_Update);
  OPENSSL_cleanse(hashed.data(), hashed.size());
  return ok ? std::move(h) : nullptr;
}

Hmac::~Hmac() {
  OPENSSL_cleanse(sha1_, sizeof(sha1_));
  OPENSSL_cleanse(sha256_, sizeof(sha256_));
}

std::size_t Hmac::digest_size() const {
  return digest_ == HmacDigest::kSha1 ? SHA_DIGEST_LENGTH : SHA256_DIGEST_LENGTH;
}

bool Hmac::compute(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                   std::uint8_t* out, std::size_t out_len) {
  const std::size_t size = digest_size();
  if (out_len > size) {
    return false;
  }
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> inner{};
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> full{};
  const std::span<const std::uint8_t> none;
  const bool ok = digest_ == HmacDigest::kSha1
                      ? hash_from(sha1_[0], first, second, inner.data(), SHA1_Update, SHA1_Final) &&
                            hash_from(sha1_[1], std::span<const std::uint8_t>(inner).first(size), none,
                                      full.data(), SHA1_Update, SHA1_Final)
                      : hash_from(sha256_[0], first, second, inner.data(), SHA256_Update, SHA256_Final) &&
                            hash_from(sha256_[1], std::span<const std::uint8_t>(inner).first(size), none,
                                      full.data(), SHA256_Update, SHA256_Final);
  if (ok) {
    std::copy_n(full.begin(), out_len, out);
  }
  OPENSSL_cleanse(inner.data(), inner.size());
  OPENSSL_cleanse(full.data(), full.size());
  return ok;
}

}  // namespace hubsec::driver
