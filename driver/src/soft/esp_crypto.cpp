#include "hubsec/driver/esp_crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <climits>

#include "hubsec/driver/byte_order.hpp"

namespace hubsec::driver {
namespace {

// Sizes here are bounded by IPv4's 65535-byte packets long before they reach INT_MAX.
constexpr std::size_t kMaxCryptoBytes = 1u << 20;

bool cipher_update(EVP_CIPHER_CTX* ctx, std::uint8_t* out, const std::uint8_t* in, std::size_t len) {
  if (len == 0) return true;
  int out_len = 0;
  return EVP_CipherUpdate(ctx, out, &out_len, in, static_cast<int>(len)) == 1 &&
         static_cast<std::size_t>(out_len) == len;
}

}  // namespace

std::optional<EspWireHeader> read_esp_header(std::span<const std::uint8_t> esp) {
  if (esp.size() < kEspHeaderBytes) return std::nullopt;
  return EspWireHeader{load_be32(esp.data()), load_be32(esp.data() + 4)};
}

std::unique_ptr<EspCrypto> EspCrypto::create(Direction direction, std::span<const std::uint8_t> enc_key,
                                             IntegrityAlg alg, std::span<const std::uint8_t> auth_key,
                                             bool esn) {
  if (enc_key.size() != kAesKeyBytes || auth_key.size() != integrity_key_bytes(alg)) return nullptr;
  std::unique_ptr<EspCrypto> c(new EspCrypto());
  c->alg_ = alg;
  c->icv_len_ = icv_bytes(alg);
  c->esn_ = esn;

  c->cipher_.reset(EVP_CIPHER_CTX_new());
  const int enc = direction == Direction::kOutbound ? 1 : 0;
  if (c->cipher_ == nullptr ||
      EVP_CipherInit_ex(c->cipher_.get(), EVP_aes_256_cbc(), nullptr, enc_key.data(), nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_set_padding(c->cipher_.get(), 0) != 1) {
    return nullptr;
  }

  MacPtr hmac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (hmac == nullptr) return nullptr;
  c->mac_.reset(EVP_MAC_CTX_new(hmac.get()));
  char digest[16] = "SHA1";
  if (alg == IntegrityAlg::kHmacSha256_128) std::copy_n("SHA256", 7, digest);
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (c->mac_ == nullptr || EVP_MAC_init(c->mac_.get(), auth_key.data(), auth_key.size(), params) != 1) {
    return nullptr;
  }
  return c;
}

bool EspCrypto::compute_icv(std::span<const std::uint8_t> covered, std::uint32_t seq_high, std::uint8_t* icv) {
  // A NULL key re-initialises HMAC from the pad states computed at install time.
  EVP_MAC_CTX* mac = mac_.get();
  std::array<std::uint8_t, 32> full{};
  std::size_t full_len = 0;
  bool ok = EVP_MAC_init(mac, nullptr, 0, nullptr) == 1 && EVP_MAC_update(mac, covered.data(), covered.size()) == 1;
  if (esn_) {
    std::array<std::uint8_t, 4> high{};
    store_be32(high.data(), seq_high);
    ok = ok && EVP_MAC_update(mac, high.data(), high.size()) == 1;
  }
  ok = ok && EVP_MAC_final(mac, full.data(), &full_len, full.size()) == 1 && full_len >= icv_len_;
  if (ok) std::copy_n(full.begin(), icv_len_, icv);
  return ok;
}

EspStatus EspCrypto::seal(std::uint32_t spi, std::uint64_t seq, const std::uint8_t* iv,
                          std::span<const std::uint8_t> payload, std::uint8_t next_header,
                          std::span<std::uint8_t> out, std::size_t& out_len) {
  out_len = 0;
  if (payload.size() > kMaxCryptoBytes) return EspStatus::kBadLength;
  const std::size_t total = esp_packet_length(payload.size(), alg_);
  if (out.size() < total) return EspStatus::kBadLength;
  std::uint8_t* p = out.data();
  store_be32(p, spi);
  store_be32(p + 4, static_cast<std::uint32_t>(seq));
  std::copy_n(iv, kEspIvBytes, p + kEspHeaderBytes);
  std::uint8_t* ct = p + kEspHeaderBytes + kEspIvBytes;
  const std::size_t ct_len = total - kEspHeaderBytes - kEspIvBytes - icv_len_;

  // Whole payload blocks are encrypted straight from the caller's buffer; the last partial block,
  // the padding and the trailer (at most two blocks) are assembled on the stack.
  const std::size_t bulk = payload.size() / kAesBlockBytes * kAesBlockBytes;
  std::array<std::uint8_t, 2 * kAesBlockBytes> tail{};
  const std::size_t tail_len = ct_len - bulk;
  const std::size_t rest = payload.size() - bulk;
  const std::size_t pad_len = tail_len - rest - kEspTrailerBytes;
  std::copy_n(payload.data() + bulk, rest, tail.data());
  for (std::size_t i = 0; i < pad_len; ++i) tail[rest + i] = static_cast<std::uint8_t>(i + 1);
  tail[tail_len - 2] = static_cast<std::uint8_t>(pad_len);
  tail[tail_len - 1] = next_header;

  EVP_CIPHER_CTX* ctx = cipher_.get();
  const bool ok = EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, -1) == 1 &&
                  cipher_update(ctx, ct, payload.data(), bulk) &&
                  cipher_update(ctx, ct + bulk, tail.data(), tail_len) &&
                  compute_icv(std::span<const std::uint8_t>(p, total - icv_len_), static_cast<std::uint32_t>(seq >> 32),
                              p + total - icv_len_);
  OPENSSL_cleanse(tail.data(), tail.size());
  if (!ok) return EspStatus::kDeviceError;
  out_len = total;
  return EspStatus::kOk;
}

EspStatus EspCrypto::check_length(std::span<const std::uint8_t> esp) const {
  if (esp.size() < kEspHeaderBytes + kEspIvBytes + kAesBlockBytes + icv_len_ || esp.size() > kMaxCryptoBytes) {
    return EspStatus::kBadLength;
  }
  const std::size_t ct_len = esp.size() - kEspHeaderBytes - kEspIvBytes - icv_len_;
  return ct_len % kAesBlockBytes == 0 ? EspStatus::kOk : EspStatus::kBadLength;
}

bool EspCrypto::verify_icv(std::span<const std::uint8_t> esp, std::uint32_t seq_high) {
  if (check_length(esp) != EspStatus::kOk) return false;
  std::array<std::uint8_t, kMaxIcvBytes> icv{};
  const std::size_t covered = esp.size() - icv_len_;
  if (!compute_icv(esp.first(covered), seq_high, icv.data())) return false;
  return CRYPTO_memcmp(icv.data(), esp.data() + covered, icv_len_) == 0;
}

EspOpenResult EspCrypto::decrypt(std::span<const std::uint8_t> esp, std::span<std::uint8_t> out) {
  if (check_length(esp) != EspStatus::kOk) return {EspStatus::kBadLength, 0, 0};
  const std::size_t ct_len = esp.size() - kEspHeaderBytes - kEspIvBytes - icv_len_;
  std::uint8_t* plain = out.data();
  if (out.size() < ct_len) {
    scratch_.resize(ct_len);
    plain = scratch_.data();
  }
  EVP_CIPHER_CTX* ctx = cipher_.get();
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, esp.data() + kEspHeaderBytes, -1) != 1 ||
      !cipher_update(ctx, plain, esp.data() + kEspHeaderBytes + kEspIvBytes, ct_len)) {
    return {EspStatus::kDeviceError, 0, 0};
  }
  EspOpenResult r;
  const std::size_t pad_len = plain[ct_len - 2];
  r.next_header = plain[ct_len - 1];
  if (pad_len + kEspTrailerBytes > ct_len) {
    r.status = EspStatus::kBadPadding;
  } else {
    r.payload_len = ct_len - kEspTrailerBytes - pad_len;
    for (std::size_t i = 0; i < pad_len; ++i) {
      if (plain[r.payload_len + i] != static_cast<std::uint8_t>(i + 1)) r.status = EspStatus::kBadPadding;
    }
  }
  if (r.status == EspStatus::kOk && plain != out.data()) {
    if (out.size() < r.payload_len) {
      r.status = EspStatus::kBadLength;
    } else {
      std::copy_n(plain, r.payload_len, out.data());
    }
  }
  if (plain != out.data()) OPENSSL_cleanse(plain, ct_len);
  if (r.status != EspStatus::kOk) r.payload_len = 0;
  return r;
}

}  // namespace hubsec::driver
