#include "hubsec/driver/esp_crypto.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "hubsec/driver/byte_order.hpp"

namespace hubsec::driver {
namespace {

// Sizes here are bounded by IPv4's 65535-byte packets; anything far above is refused outright.
constexpr std::size_t kMaxCryptoBytes = 1u << 20;

}  // namespace

std::optional<EspWireHeader> read_esp_header(std::span<const std::uint8_t> esp) {
  if (esp.size() < kEspHeaderBytes) {
    return std::nullopt;
  }
  return EspWireHeader{load_be32(esp.data()), load_be32(esp.data() + 4)};
}

std::unique_ptr<EspCrypto> EspCrypto::create(Direction direction, std::span<const std::uint8_t> enc_key,
                                             IntegrityAlg alg, std::span<const std::uint8_t> auth_key,
                                             bool esn) {
  if (enc_key.size() != kAesKeyBytes || auth_key.size() != integrity_key_bytes(alg)) {
    return nullptr;
  }
  std::unique_ptr<EspCrypto> c(new EspCrypto());
  c->alg_ = alg;
  c->icv_len_ = icv_bytes(alg);
  c->esn_ = esn;
  c->cipher_ = AesCbc::create(direction == Direction::kOutbound ? AesCbc::Op::kEncrypt : AesCbc::Op::kDecrypt,
                              enc_key);
  if (direction == Direction::kOutbound) {
    c->enc_keys_ = Aes256EncKeys::create(enc_key);  // nullptr without AES-NI: the EVP path serves
  }
  c->mac_ =
      Hmac::create(alg == IntegrityAlg::kHmacSha1_96 ? HmacDigest::kSha1 : HmacDigest::kSha256, auth_key);
  if (c->cipher_ == nullptr || c->mac_ == nullptr) {
    return nullptr;
  }
  return c;
}

bool EspCrypto::compute_icv(std::span<const std::uint8_t> covered, std::uint32_t seq_high,
                            std::uint8_t* icv) {
  // RFC 4303 2.2.1: with ESN the high half of the sequence number follows the packet, for the ICV only.
  std::array<std::uint8_t, 4> high{};
  store_be32(high.data(), seq_high);
  return mac_->compute(covered, esn_ ? std::span<const std::uint8_t>(high) : std::span<const std::uint8_t>(),
                       icv, icv_len_);
}

EspStatus EspCrypto::seal_prepare(std::uint32_t spi, std::uint64_t seq, const std::uint8_t* iv,
                                  std::span<const std::uint8_t> payload, std::uint8_t next_header,
                                  std::span<std::uint8_t> out, std::size_t& out_len, CbcEncryptJob& cbc) {
  out_len = 0;
  if (payload.size() > kMaxCryptoBytes) {
    return EspStatus::kBadLength;
  }
  const std::size_t total = esp_packet_length(payload.size(), alg_);
  if (out.size() < total) {
    return EspStatus::kBadLength;
  }
  std::uint8_t* p = out.data();
  store_be32(p, spi);
  store_be32(p + 4, static_cast<std::uint32_t>(seq));
  std::copy_n(iv, kEspIvBytes, p + kEspHeaderBytes);
  std::uint8_t* ct = p + kEspHeaderBytes + kEspIvBytes;
  const std::size_t ct_len = total - kEspHeaderBytes - kEspIvBytes - icv_len_;

  // Whole payload blocks are encrypted straight from the caller's buffer; the last partial block, the
  // padding and the trailer (at most two blocks) are assembled in place in `out` and encrypted there.
  const std::size_t bulk = payload.size() / kAesBlockBytes * kAesBlockBytes;
  const std::size_t tail_len = ct_len - bulk;
  const std::size_t rest = payload.size() - bulk;
  const std::size_t pad_len = tail_len - rest - kEspTrailerBytes;
  std::uint8_t* tail = ct + bulk;
  std::copy_n(payload.data() + bulk, rest, tail);
  for (std::size_t i = 0; i < pad_len; ++i) {
    tail[rest + i] = static_cast<std::uint8_t>(i + 1);
  }
  tail[tail_len - 2] = static_cast<std::uint8_t>(pad_len);
  tail[tail_len - 1] = next_header;

  cbc = CbcEncryptJob{enc_keys_.get(),        p + kEspHeaderBytes, payload.data(), bulk / kAesBlockBytes, ct,
                      ct_len / kAesBlockBytes};
  out_len = total;
  return EspStatus::kOk;
}

bool EspCrypto::seal_finish(std::span<std::uint8_t> esp, std::uint64_t seq) {
  const std::size_t covered = esp.size() - icv_len_;
  return compute_icv(esp.first(covered), static_cast<std::uint32_t>(seq >> 32), esp.data() + covered);
}

EspStatus EspCrypto::seal(std::uint32_t spi, std::uint64_t seq, const std::uint8_t* iv,
                          std::span<const std::uint8_t> payload, std::uint8_t next_header,
                          std::span<std::uint8_t> out, std::size_t& out_len) {
  CbcEncryptJob cbc;
  const EspStatus status = seal_prepare(spi, seq, iv, payload, next_header, out, out_len, cbc);
  if (status != EspStatus::kOk) {
    return status;
  }
  bool ok = true;
  if (can_batch()) {
    aes256_cbc_encrypt_multi(std::span(&cbc, 1));
  } else {
    const std::size_t bulk = cbc.src_blocks * kAesBlockBytes;
    const std::size_t len = cbc.blocks * kAesBlockBytes;
    ok = cipher_->start(cbc.iv) && cipher_->update(cbc.src, bulk, cbc.dst) &&
         cipher_->update(cbc.dst + bulk, len - bulk, cbc.dst + bulk);
  }
  if (!ok || !seal_finish(out.first(out_len), seq)) {
    // Never leave the plaintext tail behind in the caller's buffer.
    OPENSSL_cleanse(out.data(), out_len);
    out_len = 0;
    return EspStatus::kDeviceError;
  }
  return EspStatus::kOk;
}

EspStatus EspCrypto::check_length(std::span<const std::uint8_t> esp) const {
  if (esp.size() < kEspHeaderBytes + kEspIvBytes + kAesBlockBytes + icv_len_ ||
      esp.size() > kMaxCryptoBytes) {
    return EspStatus::kBadLength;
  }
  const std::size_t ct_len = esp.size() - kEspHeaderBytes - kEspIvBytes - icv_len_;
  return ct_len % kAesBlockBytes == 0 ? EspStatus::kOk : EspStatus::kBadLength;
}

bool EspCrypto::verify_icv(std::span<const std::uint8_t> esp, std::uint32_t seq_high) {
  if (check_length(esp) != EspStatus::kOk) {
    return false;
  }
  std::array<std::uint8_t, kMaxIcvBytes> icv{};
  const std::size_t covered = esp.size() - icv_len_;
  if (!compute_icv(esp.first(covered), seq_high, icv.data())) {
    return false;
  }
  return CRYPTO_memcmp(icv.data(), esp.data() + covered, icv_len_) == 0;
}

EspOpenResult EspCrypto::decrypt(std::span<const std::uint8_t> esp, std::span<std::uint8_t> out) {
  if (check_length(esp) != EspStatus::kOk) {
    return {EspStatus::kBadLength, 0, 0};
  }
  const std::size_t ct_len = esp.size() - kEspHeaderBytes - kEspIvBytes - icv_len_;
  // Decrypt straight into the caller's buffer when the padding fits there too.
  std::uint8_t* plain = out.data();
  if (out.size() < ct_len) {
    scratch_.resize(ct_len);
    plain = scratch_.data();
  }
  if (!cipher_->start(esp.data() + kEspHeaderBytes) ||
      !cipher_->update(esp.data() + kEspHeaderBytes + kEspIvBytes, ct_len, plain)) {
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
      if (plain[r.payload_len + i] != static_cast<std::uint8_t>(i + 1)) {
        r.status = EspStatus::kBadPadding;
      }
    }
  }
  if (r.status == EspStatus::kOk && plain != out.data()) {
    if (out.size() < r.payload_len) {
      r.status = EspStatus::kBadLength;
    } else {
      std::copy_n(plain, r.payload_len, out.data());
    }
  }
  if (plain != out.data()) {
    OPENSSL_cleanse(plain, ct_len);
  }
  if (r.status != EspStatus::kOk) {
    r.payload_len = 0;
  }
  return r;
}

}  // namespace hubsec::driver
