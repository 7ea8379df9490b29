#include "crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>
#include <string>

namespace hubsec::ike::crypto {

namespace {

const char* prf_digest(PrfAlg alg) {
  switch (alg) {
    case PrfAlg::kHmacSha1: return "SHA1";
    case PrfAlg::kHmacSha2_256: return "SHA256";
    case PrfAlg::kHmacSha2_384: return "SHA384";
    case PrfAlg::kHmacSha2_512: return "SHA512";
  }
  return nullptr;
}

const char* integ_digest(IntegAlg alg) {
  switch (alg) {
    case IntegAlg::kHmacSha1_96: return "SHA1";
    case IntegAlg::kHmacSha2_256_128: return "SHA256";
    case IntegAlg::kHmacSha2_384_192: return "SHA384";
    case IntegAlg::kHmacSha2_512_256: return "SHA512";
    case IntegAlg::kNone: return nullptr;
  }
  return nullptr;
}

// The HMAC EVP_MAC is fetched once per process thread-safely by OpenSSL; we fetch per call
// through a cached static-free path: EVP_MAC_fetch is cheap after the first lookup.
bool hmac(const char* digest, ByteView key, ByteView data, std::uint8_t* out, std::size_t out_cap,
          std::size_t* out_len) {
  if (!digest) return false;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return false;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  bool ok = false;
  if (ctx) {
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_end()};
    static const std::uint8_t kEmpty = 0;
    ok = EVP_MAC_init(ctx, key.empty() ? &kEmpty : key.data(), key.size(), params) == 1 &&
         EVP_MAC_update(ctx, data.data(), data.size()) == 1 && EVP_MAC_final(ctx, out, out_len, out_cap) == 1;
    EVP_MAC_CTX_free(ctx);
  }
  EVP_MAC_free(mac);
  return ok;
}

const char* group_name(DhGroup group) {
  switch (group) {
    case DhGroup::kModp2048: return "modp_2048";
    case DhGroup::kEcp256: return "P-256";
    case DhGroup::kEcp384: return "P-384";
    default: return nullptr;
  }
}

}  // namespace

std::size_t prf_size(PrfAlg alg) {
  switch (alg) {
    case PrfAlg::kHmacSha1: return 20;
    case PrfAlg::kHmacSha2_256: return 32;
    case PrfAlg::kHmacSha2_384: return 48;
    case PrfAlg::kHmacSha2_512: return 64;
  }
  return 0;
}

std::size_t integ_key_size(IntegAlg alg) {
  switch (alg) {
    case IntegAlg::kHmacSha1_96: return 20;
    case IntegAlg::kHmacSha2_256_128: return 32;
    case IntegAlg::kHmacSha2_384_192: return 48;
    case IntegAlg::kHmacSha2_512_256: return 64;
    case IntegAlg::kNone: return 0;
  }
  return 0;
}

std::size_t integ_icv_size(IntegAlg alg) {
  switch (alg) {
    case IntegAlg::kHmacSha1_96: return 12;
    case IntegAlg::kHmacSha2_256_128: return 16;
    case IntegAlg::kHmacSha2_384_192: return 24;
    case IntegAlg::kHmacSha2_512_256: return 32;
    case IntegAlg::kNone: return 0;
  }
  return 0;
}

std::size_t dh_public_size(DhGroup group) {
  switch (group) {
    case DhGroup::kModp2048: return 256;
    case DhGroup::kEcp256: return 64;
    case DhGroup::kEcp384: return 96;
    case DhGroup::kCurve25519: return 32;
    case DhGroup::kNone: return 0;
  }
  return 0;
}

bool dh_supported(DhGroup group) {
  return dh_public_size(group) != 0;
}

SecretBytes prf(PrfAlg alg, ByteView key, ByteView data) {
  SecretBytes out(64);
  std::size_t len = 0;
  if (!hmac(prf_digest(alg), key, data, out.data(), out.size(), &len)) return {};
  out.resize(len);
  return out;
}

SecretBytes prf_plus(PrfAlg alg, ByteView key, ByteView seed, std::size_t length) {
  SecretBytes out;
  SecretBytes block;
  SecretBytes input;
  for (unsigned n = 1; out.size() < length; ++n) {
    if (n > 255) return {};
    input.clear();
    input.append(block.view());
    input.append(seed);
    const std::uint8_t counter = static_cast<std::uint8_t>(n);
    input.append(ByteView(&counter, 1));
    block = prf(alg, key, input.view());
    if (block.empty()) return {};
    out.append(block.view());
  }
  out.resize(length);
  return out;
}

Bytes integ_mac(IntegAlg alg, ByteView key, ByteView data) {
  std::uint8_t buf[64];
  std::size_t len = 0;
  if (!hmac(integ_digest(alg), key, data, buf, sizeof(buf), &len)) return {};
  Bytes out(buf, buf + integ_icv_size(alg));
  OPENSSL_cleanse(buf, sizeof(buf));
  return out;
}

Bytes sha1(ByteView data) {
  Bytes out(20);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha1(), nullptr) != 1) return {};
  return out;
}

Bytes hmac_sha256(ByteView key, ByteView data) {
  Bytes out(32);
  std::size_t len = 0;
  if (!hmac("SHA256", key, data, out.data(), out.size(), &len)) return {};
  return out;
}

Bytes aes_cbc(bool encrypt, ByteView key, ByteView iv, ByteView input) {
  if (iv.size() != 16 || input.size() % 16 != 0 || (key.size() != 16 && key.size() != 32)) return {};
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return {};
  Bytes out(input.size() + 16);
  int len1 = 0, len2 = 0;
  bool ok = EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
            EVP_CipherUpdate(ctx, out.data(), &len1, input.data(), static_cast<int>(input.size())) == 1 &&
            EVP_CipherFinal_ex(ctx, out.data() + len1, &len2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return {};
  out.resize(static_cast<std::size_t>(len1 + len2));
  return out;
}

// ---- DH ----

std::unique_ptr<DhKey> DhKey::generate(DhGroup group) {
  if (!dh_supported(group)) return nullptr;
  EVP_PKEY* pkey = nullptr;
  if (group == DhGroup::kCurve25519) {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  } else {
    EVP_PKEY_CTX* ctx =
        EVP_PKEY_CTX_new_from_name(nullptr, group == DhGroup::kModp2048 ? "DH" : "EC", nullptr);
    if (!ctx) return nullptr;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group_name(group)), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
        EVP_PKEY_generate(ctx, &pkey) != 1) {
      pkey = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
  }
  if (!pkey) return nullptr;
  std::unique_ptr<DhKey> key(new DhKey());
  key->group_ = group;
  key->pkey_ = pkey;
  unsigned char* enc = nullptr;
  const std::size_t enc_len = EVP_PKEY_get1_encoded_public_key(pkey, &enc);
  if (enc_len == 0 || !enc) return nullptr;
  Bytes value(enc, enc + enc_len);
  OPENSSL_free(enc);
  const std::size_t want = dh_public_size(group);
  if (group == DhGroup::kEcp256 || group == DhGroup::kEcp384) {
    if (value.size() != want + 1 || value[0] != 0x04) return nullptr;
    value.erase(value.begin());
  } else if (value.size() < want) {
    value.insert(value.begin(), want - value.size(), 0);
  }
  if (value.size() != want) return nullptr;
  key->public_ = std::move(value);
  return key;
}

std::unique_ptr<DhKey> DhKey::x25519_from_private(ByteView private_key) {
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, private_key.data(), private_key.size());
  if (!pkey) return nullptr;
  std::unique_ptr<DhKey> key(new DhKey());
  key->group_ = DhGroup::kCurve25519;
  key->pkey_ = pkey;
  key->public_.resize(32);
  std::size_t len = key->public_.size();
  if (EVP_PKEY_get_raw_public_key(pkey, key->public_.data(), &len) != 1 || len != 32) return nullptr;
  return key;
}

DhKey::~DhKey() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_));
}

std::optional<SecretBytes> DhKey::shared_secret(ByteView peer_public) const {
  if (peer_public.size() != dh_public_size(group_)) return std::nullopt;
  EVP_PKEY* own = static_cast<EVP_PKEY*>(pkey_);
  EVP_PKEY* peer = EVP_PKEY_new();
  if (!peer) return std::nullopt;
  Bytes encoded;
  if (group_ == DhGroup::kEcp256 || group_ == DhGroup::kEcp384) encoded.push_back(0x04);
  encoded.insert(encoded.end(), peer_public.begin(), peer_public.end());
  std::optional<SecretBytes> result;
  EVP_PKEY_CTX* ctx = nullptr;
  if (EVP_PKEY_copy_parameters(peer, own) == 1 || group_ == DhGroup::kCurve25519) {
    if (group_ == DhGroup::kCurve25519) {
      EVP_PKEY_free(peer);
      peer = EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, encoded.data(), encoded.size());
    } else if (EVP_PKEY_set1_encoded_public_key(peer, encoded.data(), encoded.size()) != 1) {
      EVP_PKEY_free(peer);
      peer = nullptr;
    }
  } else {
    EVP_PKEY_free(peer);
    peer = nullptr;
  }
  // MODP: the range check 1 < y < p-1 (SP 800-56A partial validation); the full subgroup check is
  // a second 2048-bit exponentiation and buys nothing with ephemeral keys of a safe-prime group.
  // ECP: full validation (point on the curve) is cheap. X25519 needs none (RFC 7748).
  bool peer_ok = peer != nullptr;
  if (peer_ok && group_ == DhGroup::kModp2048) {
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, peer, nullptr);
    peer_ok = check && EVP_PKEY_public_check_quick(check) == 1;
    EVP_PKEY_CTX_free(check);
  }
  const int full_check = group_ == DhGroup::kModp2048 ? 0 : 1;
  if (peer_ok) ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr);
  if (ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, peer, full_check) == 1) {
    if (group_ == DhGroup::kModp2048) EVP_PKEY_CTX_set_dh_pad(ctx, 1);
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx, nullptr, &len) == 1) {
      SecretBytes secret(len);
      if (EVP_PKEY_derive(ctx, secret.data(), &len) == 1) {
        secret.resize(len);
        const std::size_t want = group_ == DhGroup::kModp2048
                                     ? 256
                                     : dh_public_size(group_) / (group_ == DhGroup::kCurve25519 ? 1 : 2);
        if (secret.size() == want) result = std::move(secret);
      }
    }
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer);
  return result;
}

// ---- key derivation ----

IkeKeys derive_ike_keys(const IkeSuite& suite, ByteView shared, ByteView ni, ByteView nr, std::uint64_t spi_i,
                        std::uint64_t spi_r, const SecretBytes* old_sk_d, PrfAlg old_prf) {
  SecretBytes nonces;
  nonces.append(ni);
  nonces.append(nr);
  SecretBytes skeyseed;
  if (old_sk_d) {
    SecretBytes data;
    data.append(shared);
    data.append(nonces.view());
    skeyseed = prf(old_prf, old_sk_d->view(), data.view());
  } else {
    skeyseed = prf(suite.prf, nonces.view(), shared);
  }
  SecretBytes seed = nonces;
  std::uint8_t spis[16];
  for (int i = 0; i < 8; ++i) {
    spis[i] = static_cast<std::uint8_t>(spi_i >> (56 - 8 * i));
    spis[8 + i] = static_cast<std::uint8_t>(spi_r >> (56 - 8 * i));
  }
  seed.append(ByteView(spis, 16));
  const std::size_t p = prf_size(suite.prf), a = integ_key_size(suite.integ), e = suite.encr_key_bits / 8u;
  SecretBytes all = prf_plus(suite.prf, skeyseed.view(), seed.view(), 3 * p + 2 * a + 2 * e);
  IkeKeys k;
  if (all.empty()) return k;
  std::size_t off = 0;
  auto take = [&](std::size_t n) {
    SecretBytes s = all.slice(off, n);
    off += n;
    return s;
  };
  k.sk_d = take(p);
  k.sk_ai = take(a);
  k.sk_ar = take(a);
  k.sk_ei = take(e);
  k.sk_er = take(e);
  k.sk_pi = take(p);
  k.sk_pr = take(p);
  return k;
}

SecretBytes psk_auth(PrfAlg alg, ByteView psk, ByteView message, ByteView peer_nonce, ByteView sk_p,
                     ByteView id_body) {
  static constexpr char kPad[] = "Key Pad for IKEv2";
  SecretBytes key = prf(alg, psk, ByteView(reinterpret_cast<const std::uint8_t*>(kPad), sizeof(kPad) - 1));
  SecretBytes maced_id = prf(alg, sk_p, id_body);
  SecretBytes octets;
  octets.append(message);
  octets.append(peer_nonce);
  octets.append(maced_id.view());
  return prf(alg, key.view(), octets.view());
}

}  // namespace hubsec::ike::crypto
