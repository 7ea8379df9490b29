#include "hubsec/driver/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>

namespace hubsec::driver {

std::unique_ptr<Hmac> Hmac::create(HmacDigest digest, std::span<const std::uint8_t> key) {
  MacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (mac == nullptr) {
    return nullptr;
  }
  std::unique_ptr<Hmac> h(new Hmac());
  h->ctx_.reset(EVP_MAC_CTX_new(mac.get()));
  char name[8] = "SHA1";
  if (digest == HmacDigest::kSha256) {
    std::copy_n("SHA256", 7, name);
  }
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
                               OSSL_PARAM_construct_end()};
  // EVP_MAC_init refuses a NULL key, even of length 0: give it a valid pointer.
  const std::uint8_t empty = 0;
  if (h->ctx_ == nullptr ||
      EVP_MAC_init(h->ctx_.get(), key.empty() ? &empty : key.data(), key.size(), params) != 1) {
    return nullptr;
  }
  h->digest_size_ = EVP_MAC_CTX_get_mac_size(h->ctx_.get());
  return h;
}

bool Hmac::compute(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                   std::uint8_t* out, std::size_t out_len) {
  if (out_len > digest_size_) {
    return false;
  }
  EVP_MAC_CTX* ctx = ctx_.get();
  std::array<std::uint8_t, 64> full{};
  std::size_t full_len = 0;
  const bool ok = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
                  (first.empty() || EVP_MAC_update(ctx, first.data(), first.size()) == 1) &&
                  (second.empty() || EVP_MAC_update(ctx, second.data(), second.size()) == 1) &&
                  EVP_MAC_final(ctx, full.data(), &full_len, full.size()) == 1 && full_len >= out_len;
  if (ok) {
    std::copy_n(full.begin(), out_len, out);
  }
  return ok;
}

}  // namespace hubsec::driver
