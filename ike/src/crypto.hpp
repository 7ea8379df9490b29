// IKEv2 cryptography through OpenSSL 3 EVP: PRFs and prf+ (RFC 7296 2.13), SKEYSEED and the seven
// keys (2.14), Diffie-Hellman groups 14/19/20/31, the SK payload's AES-CBC + HMAC (3.14), and the
// PSK AUTH value (2.15).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "hubsec/ike/secret.hpp"
#include "hubsec/ike/types.hpp"

namespace hubsec::ike::crypto {

std::size_t prf_size(PrfAlg alg);
std::size_t integ_key_size(IntegAlg alg);
std::size_t integ_icv_size(IntegAlg alg);
std::size_t dh_public_size(DhGroup group);  // KE payload data length
bool dh_supported(DhGroup group);

// HMAC-based PRF; returns an empty secret on an OpenSSL failure.
SecretBytes prf(PrfAlg alg, ByteView key, ByteView data);
// prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n); at most 255 blocks.
SecretBytes prf_plus(PrfAlg alg, ByteView key, ByteView seed, std::size_t length);
// Truncated HMAC integrity checksum (ICV) for the SK payload.
Bytes integ_mac(IntegAlg alg, ByteView key, ByteView data);
// SHA-1 for NAT detection hashes.
Bytes sha1(ByteView data);
Bytes hmac_sha256(ByteView key, ByteView data);

// AES-CBC without padding; input must be a multiple of 16. Empty result on failure.
Bytes aes_cbc(bool encrypt, ByteView key, ByteView iv, ByteView input);

// An ephemeral DH key pair of one group.
class DhKey {
 public:
  static std::unique_ptr<DhKey> generate(DhGroup group);
  // Curve25519 with a given private key (known-answer tests, RFC 7748 6.1).
  static std::unique_ptr<DhKey> x25519_from_private(ByteView private_key);
  ~DhKey();
  DhGroup group() const { return group_; }
  // The KE payload data: MODP y padded to the prime's length; ECP x|y (RFC 5903); X25519 raw.
  const Bytes& public_value() const { return public_; }
  // g^ir, padded to the group's length. nullopt for an invalid or malformed peer value.
  std::optional<SecretBytes> shared_secret(ByteView peer_public) const;

 private:
  DhKey() = default;
  DhGroup group_ = DhGroup::kNone;
  void* pkey_ = nullptr;  // EVP_PKEY*
  Bytes public_;
};

// The seven IKE SA keys.
struct IkeKeys {
  SecretBytes sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};
struct IkeSuite {
  std::uint16_t encr_key_bits = 256;
  IntegAlg integ = IntegAlg::kHmacSha2_256_128;
  PrfAlg prf = PrfAlg::kHmacSha2_256;
  DhGroup dh = DhGroup::kModp2048;
};
// SKEYSEED = prf(Ni | Nr, g^ir); or, rekeying, prf(SK_d_old, g^ir | Ni | Nr) with `old_sk_d` set.
// Then {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
IkeKeys derive_ike_keys(const IkeSuite& suite, ByteView shared, ByteView ni, ByteView nr, std::uint64_t spi_i,
                        std::uint64_t spi_r, const SecretBytes* old_sk_d = nullptr,
                        PrfAlg old_prf = PrfAlg::kHmacSha1);

// AUTH for PSK: prf(prf(PSK, "Key Pad for IKEv2"), message | nonce | prf(SK_p, IDbody)).
SecretBytes psk_auth(PrfAlg alg, ByteView psk, ByteView message, ByteView peer_nonce, ByteView sk_p,
                     ByteView id_body);

}  // namespace hubsec::ike::crypto
