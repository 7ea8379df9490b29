// Known-answer tests for the IKE crypto: HMAC PRFs (RFC 2202, RFC 4231), prf+ (RFC 7296 2.13)
// against an independent OpenSSL computation, DH agreement for every group and the RFC 7748
// X25519 vector, AES-CBC against OpenSSL, PSK AUTH (2.15) recomputed step by step.
#include "crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "test_util.hpp"

namespace hubsec::ike {
namespace {

using test::tohex;
using test::unhex;

// Independent HMAC for cross-checks (OpenSSL's one-shot EVP_Q_mac).
Bytes ref_hmac(const char* digest, ByteView key, ByteView data) {
  Bytes out(64);
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(), data.data(), data.size(),
            out.data(), out.size(), &len);
  out.resize(len);
  return out;
}

TEST(PrfTest, Rfc2202And4231Case2) {
  const Bytes key = test::text("Jefe");
  const Bytes data = test::text("what do ya want for nothing?");
  EXPECT_EQ(tohex(crypto::prf(PrfAlg::kHmacSha1, key, data).view()),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(tohex(crypto::prf(PrfAlg::kHmacSha2_256, key, data).view()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(
      tohex(crypto::prf(PrfAlg::kHmacSha2_384, key, data).view()),
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_EQ(tohex(crypto::prf(PrfAlg::kHmacSha2_512, key, data).view()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
            "caeab1a34d4a6b4b636e070a38bce737");
}

TEST(PrfTest, IntegrityIsTruncatedHmac) {
  const Bytes key(32, 0x0b);
  const Bytes data = test::text("Hi There");
  const Bytes f1 = ref_hmac("SHA1", ByteView(key).first(20), data);
  EXPECT_EQ(crypto::integ_mac(IntegAlg::kHmacSha1_96, ByteView(key).first(20), data),
            Bytes(f1.begin(), f1.begin() + 12));
  const Bytes full = ref_hmac("SHA256", key, data);
  EXPECT_EQ(crypto::integ_mac(IntegAlg::kHmacSha2_256_128, key, data),
            Bytes(full.begin(), full.begin() + 16));
  const Bytes k48(48, 7), k64(64, 9);
  const Bytes f384 = ref_hmac("SHA384", k48, data), f512 = ref_hmac("SHA512", k64, data);
  EXPECT_EQ(crypto::integ_mac(IntegAlg::kHmacSha2_384_192, k48, data),
            Bytes(f384.begin(), f384.begin() + 24));
  EXPECT_EQ(crypto::integ_mac(IntegAlg::kHmacSha2_512_256, k64, data),
            Bytes(f512.begin(), f512.begin() + 32));
}

TEST(PrfTest, PrfPlusFollowsRfc7296) {
  const Bytes key = unhex("000102030405060708090a0b0c0d0e0f");
  const Bytes seed = test::text("seed material");
  // T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), T3 = ...
  Bytes expected, t;
  for (std::uint8_t n = 1; n <= 4; ++n) {
    Bytes in = t;
    in.insert(in.end(), seed.begin(), seed.end());
    in.push_back(n);
    t = ref_hmac("SHA256", key, in);
    expected.insert(expected.end(), t.begin(), t.end());
  }
  expected.resize(100);
  EXPECT_EQ(tohex(crypto::prf_plus(PrfAlg::kHmacSha2_256, key, seed, 100).view()), tohex(expected));
}

TEST(PrfTest, IkeKeysSplitInRfcOrder) {
  crypto::IkeSuite suite{256, IntegAlg::kHmacSha2_256_128, PrfAlg::kHmacSha2_256, DhGroup::kModp2048};
  const Bytes shared(256, 0x42), ni(32, 1), nr(32, 2);
  auto keys = crypto::derive_ike_keys(suite, shared, ni, nr, 0x1122334455667788ull, 0x99aabbccddeeff00ull);
  Bytes nonces = ni;
  nonces.insert(nonces.end(), nr.begin(), nr.end());
  const Bytes skeyseed = ref_hmac("SHA256", nonces, shared);
  Bytes seed = nonces;
  for (auto b : unhex("112233445566778899aabbccddeeff00")) seed.push_back(b);
  auto all = crypto::prf_plus(PrfAlg::kHmacSha2_256, skeyseed, seed, 32 * 3 + 32 * 2 + 32 * 2);
  EXPECT_EQ(tohex(keys.sk_d.view()), tohex(all.view().subspan(0, 32)));
  EXPECT_EQ(tohex(keys.sk_ai.view()), tohex(all.view().subspan(32, 32)));
  EXPECT_EQ(tohex(keys.sk_ar.view()), tohex(all.view().subspan(64, 32)));
  EXPECT_EQ(tohex(keys.sk_ei.view()), tohex(all.view().subspan(96, 32)));
  EXPECT_EQ(tohex(keys.sk_er.view()), tohex(all.view().subspan(128, 32)));
  EXPECT_EQ(tohex(keys.sk_pi.view()), tohex(all.view().subspan(160, 32)));
  EXPECT_EQ(tohex(keys.sk_pr.view()), tohex(all.view().subspan(192, 32)));
}

TEST(PrfTest, RekeySkeyseedUsesOldSkD) {
  crypto::IkeSuite suite{128, IntegAlg::kHmacSha1_96, PrfAlg::kHmacSha1, DhGroup::kEcp256};
  const Bytes shared(32, 3), ni(16, 4), nr(16, 5);
  SecretBytes old_d(Bytes(20, 6));
  auto keys = crypto::derive_ike_keys(suite, shared, ni, nr, 1, 2, &old_d, PrfAlg::kHmacSha1);
  Bytes in = shared;
  in.insert(in.end(), ni.begin(), ni.end());
  in.insert(in.end(), nr.begin(), nr.end());
  const Bytes skeyseed = ref_hmac("SHA1", old_d.view(), in);
  Bytes seed = ni;
  seed.insert(seed.end(), nr.begin(), nr.end());
  for (auto b : unhex("00000000000000010000000000000002")) seed.push_back(b);
  auto all = crypto::prf_plus(PrfAlg::kHmacSha1, skeyseed, seed, 20);
  EXPECT_EQ(tohex(keys.sk_d.view()), tohex(all.view()));
  EXPECT_EQ(keys.sk_ei.size(), 16u);
  EXPECT_EQ(keys.sk_ai.size(), 20u);
}

TEST(DhTest, X25519Rfc7748Vector) {
  auto alice = crypto::DhKey::x25519_from_private(
      unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  ASSERT_TRUE(alice);
  EXPECT_EQ(tohex(alice->public_value()), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  auto k = alice->shared_secret(unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  ASSERT_TRUE(k);
  EXPECT_EQ(tohex(k->view()), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

class DhGroupTest : public ::testing::TestWithParam<DhGroup> {};

TEST_P(DhGroupTest, BothSidesAgreeAndSizesMatchRfc) {
  auto a = crypto::DhKey::generate(GetParam());
  auto b = crypto::DhKey::generate(GetParam());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->public_value().size(), crypto::dh_public_size(GetParam()));
  auto ka = a->shared_secret(b->public_value());
  auto kb = b->shared_secret(a->public_value());
  ASSERT_TRUE(ka && kb);
  EXPECT_EQ(tohex(ka->view()), tohex(kb->view()));
  const std::size_t want = GetParam() == DhGroup::kModp2048 ? 256
                           : GetParam() == DhGroup::kEcp256 ? 32
                           : GetParam() == DhGroup::kEcp384 ? 48
                                                            : 32;
  EXPECT_EQ(ka->size(), want);
  // Malformed peer values are refused, never crash.
  EXPECT_FALSE(a->shared_secret(Bytes(3, 1)));
  if (GetParam() == DhGroup::kEcp256 || GetParam() == DhGroup::kEcp384 || GetParam() == DhGroup::kModp2048) {
    EXPECT_FALSE(a->shared_secret(Bytes(crypto::dh_public_size(GetParam()), 0)));
  }
}

INSTANTIATE_TEST_SUITE_P(Groups, DhGroupTest,
                         ::testing::Values(DhGroup::kModp2048, DhGroup::kEcp256, DhGroup::kEcp384,
                                           DhGroup::kCurve25519));

TEST(DhTest, ModpPeerValueRangeChecked) {
  auto a = crypto::DhKey::generate(DhGroup::kModp2048);
  ASSERT_TRUE(a);
  Bytes one(256, 0);
  one.back() = 1;
  EXPECT_FALSE(a->shared_secret(one));               // y = 1
  EXPECT_FALSE(a->shared_secret(Bytes(256, 0xFF)));  // y > p
  EXPECT_FALSE(a->shared_secret(Bytes(256, 0)));     // y = 0
}

TEST(AesCbcTest, MatchesOpenSslAndRoundTrips) {
  const Bytes key(32, 0x11), iv(16, 0x22), plain(48, 0x33);
  Bytes ct = crypto::aes_cbc(true, key, iv, plain);
  ASSERT_EQ(ct.size(), 48u);
  Bytes ref(64);
  int l1 = 0, l2 = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), nullptr, key.data(), iv.data());
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_EncryptUpdate(c, ref.data(), &l1, plain.data(), 48);
  EVP_EncryptFinal_ex(c, ref.data() + l1, &l2);
  EVP_CIPHER_CTX_free(c);
  ref.resize(48);
  EXPECT_EQ(ct, ref);
  EXPECT_EQ(crypto::aes_cbc(false, key, iv, ct), plain);
  EXPECT_TRUE(crypto::aes_cbc(true, key, iv, Bytes(15)).empty());  // not a block multiple
}

TEST(AuthTest, PskAuthFollowsSection215) {
  const Bytes psk = test::text("cisco"), message = test::text("IKE_SA_INIT bytes"), nonce(32, 9), skp(32, 8),
              id = unhex("01000000c0000201");
  auto auth = crypto::psk_auth(PrfAlg::kHmacSha2_256, psk, message, nonce, skp, id);
  const Bytes pad_key = ref_hmac("SHA256", psk, test::text("Key Pad for IKEv2"));
  Bytes octets = message;
  octets.insert(octets.end(), nonce.begin(), nonce.end());
  const Bytes maced = ref_hmac("SHA256", skp, id);
  octets.insert(octets.end(), maced.begin(), maced.end());
  EXPECT_EQ(tohex(auth.view()), tohex(ref_hmac("SHA256", pad_key, octets)));
}

TEST(SecretBytesTest, EqualsAndSlice) {
  SecretBytes s = SecretBytes::from_string("secret");
  EXPECT_TRUE(s.equals(test::text("secret")));
  EXPECT_FALSE(s.equals(test::text("secreT")));
  EXPECT_FALSE(s.equals(test::text("secre")));
  EXPECT_TRUE(s.slice(1, 3).equals(test::text("ecr")));
  EXPECT_TRUE(s.slice(5, 9).empty());
  s.clear();
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace hubsec::ike
