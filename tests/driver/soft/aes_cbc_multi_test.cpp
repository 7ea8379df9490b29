// Multi-buffer AES-256-CBC (aes_cbc_multi.hpp) against OpenSSL's EVP AES-256-CBC: FIPS-197's AES-256
// key expansion (C.3) through a one-block message, then random batches (1..40 messages, 0..200 blocks,
// a random split between the source buffer and the in-place tail, a key per message or shared keys).
#include "hubsec/driver/aes_cbc_multi.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace {

using hubsec::driver::Aes256EncKeys;
using hubsec::driver::CbcEncryptJob;
using Bytes = std::vector<std::uint8_t>;

Bytes openssl_cbc(const Bytes& key, const Bytes& iv, const Bytes& plain) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  Bytes out(plain.size());
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_set_padding(ctx.get(), 0), 1);
  if (!plain.empty()) {
    EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(), static_cast<int>(plain.size())),
              1);
  }
  EXPECT_EQ(static_cast<std::size_t>(len), plain.size());
  return out;
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n != 0) {
    EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  }
  return b;
}

class AesCbcMulti : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!hubsec::driver::aes_ni_available()) {
      GTEST_SKIP() << "no AES-NI on this CPU: the soft engine uses its EVP path";
    }
  }
};

TEST_F(AesCbcMulti, Fips197AppendixC3) {
  // FIPS-197 C.3: AES-256, key 00..1f, plaintext 00112233..ff -> 8ea2b7ca516745bfeafc49904b496089.
  // One CBC block with a zero IV is that block cipher call.
  Bytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<std::uint8_t>(i);
  }
  const Bytes plain = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  const Bytes expected = {0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf,
                          0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89};
  const Bytes iv(16, 0);
  auto keys = Aes256EncKeys::create(key);
  ASSERT_NE(keys, nullptr);
  Bytes out(16);
  const CbcEncryptJob job{keys.get(), iv.data(), plain.data(), 1, out.data(), 1};
  hubsec::driver::aes256_cbc_encrypt_multi(std::span(&job, 1));
  EXPECT_EQ(out, expected);
}

TEST_F(AesCbcMulti, WrongKeySizeRefused) {
  EXPECT_EQ(Aes256EncKeys::create(Bytes(16)), nullptr);
  EXPECT_EQ(Aes256EncKeys::create(Bytes(31)), nullptr);
}

TEST_F(AesCbcMulti, RandomBatchesMatchOpenSsl) {
  std::mt19937 rng(20261128);
  for (int round = 0; round < 300; ++round) {
    const std::size_t n = 1 + rng() % 40;
    const bool shared_keys = rng() % 3 == 0;
    std::vector<Bytes> raw_keys, ivs, plains, srcs, outs;
    std::vector<std::unique_ptr<Aes256EncKeys>> keys;
    std::vector<CbcEncryptJob> jobs;
    for (std::size_t i = 0; i < n; ++i) {
      raw_keys.push_back(shared_keys && i > 0 ? raw_keys[0] : random_bytes(32));
      keys.push_back(Aes256EncKeys::create(raw_keys.back()));
      ASSERT_NE(keys.back(), nullptr);
      ivs.push_back(random_bytes(16));
      // Mostly ESP-sized messages, sometimes empty or one block, sometimes long.
      const std::size_t blocks = rng() % 8 == 0 ? rng() % 2 : rng() % 201;
      plains.push_back(random_bytes(16 * blocks));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t blocks = plains[i].size() / 16;
      const std::size_t src_blocks = blocks == 0 ? 0 : rng() % (blocks + 1);
      srcs.push_back(
          Bytes(plains[i].begin(), plains[i].begin() + static_cast<std::ptrdiff_t>(16 * src_blocks)));
      // The tail is read from the destination itself (in place).
      Bytes out(plains[i].size(), 0);
      std::copy(plains[i].begin() + static_cast<std::ptrdiff_t>(16 * src_blocks), plains[i].end(),
                out.begin() + static_cast<std::ptrdiff_t>(16 * src_blocks));
      outs.push_back(std::move(out));
    }
    for (std::size_t i = 0; i < n; ++i) {
      jobs.push_back(CbcEncryptJob{keys[i].get(), ivs[i].data(), srcs[i].data(), srcs[i].size() / 16,
                                   outs[i].data(), plains[i].size() / 16});
    }
    hubsec::driver::aes256_cbc_encrypt_multi(jobs);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(outs[i], openssl_cbc(raw_keys[i], ivs[i], plains[i]))
          << "round " << round << " message " << i << " of " << n << ", " << plains[i].size() / 16
          << " blocks";
    }
  }
}

}  // namespace
