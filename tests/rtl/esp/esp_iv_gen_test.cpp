// esp_iv_gen (card-generated CBC IVs, NIST SP 800-38A appendix C): IVs for one slot never repeat, and each
// one is AES-256 under the IV key of the nonce {slot, generation, 0, counter} (OpenSSL AES-256-ECB is the
// reference), with random output back-pressure, a flush that keeps the counter, and a power-on reset.
// HUBSEC_IV_COUNT sets the run length (1,000,000 by default: about 4 s).
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <unordered_set>
#include <vector>

#include "Vesp_iv_gen_full.h"

namespace {

using Block = std::array<std::uint8_t, 16>;

struct BlockHash {
  std::size_t operator()(const Block& b) const {
    std::uint64_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | b[static_cast<std::size_t>(i)];
    return static_cast<std::size_t>(h);
  }
};

// One AES-256 block encryption with OpenSSL (ECB, no padding).
Block aes256(const std::array<std::uint8_t, 32>& key, const Block& in) {
  Block out{};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_256_ecb(), nullptr, key.data(), nullptr), 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &n, in.data(), 16), 1);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

struct IvGen : ::testing::Test {
  std::unique_ptr<Vesp_iv_gen_full> m = std::make_unique<Vesp_iv_gen_full>();
  std::array<std::uint8_t, 32> key{};
  std::uint16_t slot = 0x0123, gen = 0xbeef;

  void tick() {
    m->clk_i = 0;
    m->eval();
    m->clk_i = 1;
    m->eval();
  }
  void set_key() {
    for (int i = 0; i < 8; ++i) m->req_key_i[i] = 0;
    for (int i = 0; i < 32; ++i) {
      const int pos = 256 - 8 - 8 * i;
      m->req_key_i[pos / 32] |= std::uint32_t{key[static_cast<std::size_t>(i)]} << (pos % 32);
    }
    m->req_slot_i = slot;
    m->req_gen_i = gen;
  }
  Block iv() const {
    Block b{};
    for (int i = 0; i < 16; ++i) {
      const int pos = 128 - 8 - 8 * i;
      b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(m->iv_o[pos / 32] >> (pos % 32));
    }
    return b;
  }
  Block nonce(std::uint64_t ctr) const {
    Block b{};
    b[0] = static_cast<std::uint8_t>(slot >> 8);
    b[1] = static_cast<std::uint8_t>(slot);
    b[2] = static_cast<std::uint8_t>(gen >> 8);
    b[3] = static_cast<std::uint8_t>(gen);
    for (int i = 0; i < 8; ++i)
      b[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(ctr >> (56 - 8 * i));
    return b;
  }
  void reset() {
    m->rst_ni = 0;
    m->flush_i = 0;
    m->req_valid_i = 0;
    m->iv_ready_i = 0;
    tick();
    tick();
    m->rst_ni = 1;
  }
  // Requests n IVs (requests kept up whenever possible, outputs taken in `ready_pct` percent of cycles);
  // returns them in order.
  std::vector<Block> run(std::size_t n, unsigned ready_pct, std::mt19937_64& rng) {
    std::vector<Block> out;
    out.reserve(n);
    std::size_t sent = 0;
    for (std::uint64_t cyc = 0; out.size() < n && cyc < 40 * n + 1000; ++cyc) {
      m->req_valid_i = sent < n;
      m->iv_ready_i = rng() % 100 < ready_pct;
      m->clk_i = 0;
      m->eval();
      if (m->req_valid_i && m->req_ready_o) ++sent;
      if (m->iv_valid_o && m->iv_ready_i) out.push_back(iv());
      m->clk_i = 1;
      m->eval();
    }
    EXPECT_EQ(out.size(), n) << "IV generator hung";
    return out;
  }
};

TEST_F(IvGen, IvsOfOneSlotNeverRepeatAndAreAesOfTheCounter) {
  const char* env = std::getenv("HUBSEC_IV_COUNT");
  const std::size_t n = env ? std::strtoull(env, nullptr, 10) : 1000000;
  std::mt19937_64 rng(7);
  for (auto& b : key) b = static_cast<std::uint8_t>(rng());
  reset();
  set_key();
  const auto ivs = run(n, 100, rng);
  std::unordered_set<Block, BlockHash> seen;
  seen.reserve(n * 2);
  for (const auto& v : ivs) EXPECT_TRUE(seen.insert(v).second) << "IV repeated";
  EXPECT_EQ(seen.size(), n);
  // The construction: IV i = AES-256(key, nonce(i)); checked for the first 2,000 and 2,000 random ones.
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 2000); ++i)
    ASSERT_EQ(ivs[i], aes256(key, nonce(i))) << i;
  for (int k = 0; k < 2000; ++k) {
    const std::size_t i = rng() % n;
    ASSERT_EQ(ivs[i], aes256(key, nonce(i))) << i;
  }
}

TEST_F(IvGen, BackPressureFlushAndReset) {
  std::mt19937_64 rng(8);
  for (auto& b : key) b = static_cast<std::uint8_t>(rng());
  reset();
  set_key();
  auto a = run(500, 30, rng);  // output stalled 70% of the time
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], aes256(key, nonce(i))) << i;
  // requests in flight, then a flush (card reset): the pipeline empties, the counter goes on
  m->req_valid_i = 1;
  m->iv_ready_i = 0;
  std::uint64_t accepted = 0;
  for (int i = 0; i < 5; ++i) {
    m->clk_i = 0;
    m->eval();
    if (m->req_ready_o) ++accepted;
    m->clk_i = 1;
    m->eval();
  }
  m->req_valid_i = 0;
  m->flush_i = 1;
  tick();
  m->flush_i = 0;
  tick();
  m->clk_i = 0;
  m->eval();
  EXPECT_FALSE(m->iv_valid_o) << "flush left an IV behind";
  const auto b = run(100, 50, rng);
  for (std::size_t i = 0; i < b.size(); ++i) ASSERT_EQ(b[i], aes256(key, nonce(500 + accepted + i))) << i;
  // a new slot / generation / key gives IVs of its own nonce; a power-on reset restarts the counter
  slot = 7;
  gen = 1;
  key[0] ^= 1;
  set_key();
  const auto c = run(10, 100, rng);
  for (std::size_t i = 0; i < c.size(); ++i) ASSERT_EQ(c[i], aes256(key, nonce(600 + accepted + i)));
  reset();
  set_key();
  const auto d = run(3, 100, rng);
  for (std::size_t i = 0; i < d.size(); ++i) ASSERT_EQ(d[i], aes256(key, nonce(i)));
}

}  // namespace
