// AES-256 cores in the small configuration (UNROLL = 2: two round stages in a ring, each block goes round
// seven times), which simulates fast enough for the long randomised runs against OpenSSL, and the key
// expansion. The shipped configuration has its own, shorter bench (aes_full_test.cpp).
#include <gtest/gtest.h>

#include "Vaes_dec_small.h"
#include "Vaes_enc_small.h"
#include "Vaes_key_expand.h"
#include "aes_checks.hpp"

namespace hubsec::rtl_test {
namespace {

TEST(AesKeyExpand, Fips197C3DecryptionKey) {
  AesStream<Vaes_key_expand> dut(3);
  const auto out = dut.Run({{{}, kC3Key}}, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dec_key, kC3DecKey);
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

TEST(AesKeyExpand, LatencyIs14Cycles) {
  AesStream<Vaes_key_expand> dut(3);
  std::vector<std::uint64_t> in_cycles;
  const auto out = dut.Run({{{}, kC3Key}}, {}, &in_cycles);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].out_cycle - in_cycles[0], 14u);
}

TEST(AesEncSmall, Fips197C3) {
  CheckFips197C3Encrypt<Vaes_enc_small>();
}
TEST(AesDecSmall, Fips197C3) {
  CheckFips197C3Decrypt<Vaes_dec_small>();
}

TEST(AesEncSmall, RandomBlocksAndKeysWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_enc_small, Vaes_key_expand, false>(
      {.blocks = 10000, .keys = 257, .stalls = {0.3, 0.3, 0}, .seed = 101});
}

TEST(AesDecSmall, RandomBlocksAndKeysWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_dec_small, Vaes_key_expand, true>(
      {.blocks = 10000, .keys = 257, .stalls = {0.3, 0.3, 0}, .seed = 202});
}

TEST(AesEncSmall, HeavyBackPressure) {
  CheckRandomAgainstOpenssl<Vaes_enc_small, Vaes_key_expand, false>(
      {.blocks = 500, .keys = 500, .stalls = {0.05, 0.9, 0}, .seed = 303});
}

TEST(AesDecSmall, HeavyBackPressure) {
  CheckRandomAgainstOpenssl<Vaes_dec_small, Vaes_key_expand, true>(
      {.blocks = 500, .keys = 500, .stalls = {0.05, 0.9, 0}, .seed = 404});
}

// Two round stages: two blocks per 14 cycles in steady state, 15 cycles through an idle ring.
TEST(AesEncSmall, TwoBlocksPerFourteenCycles) {
  CheckLatencyAndInterval<Vaes_enc_small>(200, 15, 2, 14);
}
TEST(AesDecSmall, TwoBlocksPerFourteenCycles) {
  CheckLatencyAndInterval<Vaes_dec_small>(200, 15, 2, 14);
}

// Offers C.3 blocks with the output stalled until the core pushes back, then holds the offer over one
// clock edge (allowed). Returns false if the core never pushed back.
bool OfferUntilBackPressure(AesStream<Vaes_enc_small>& dut) {
  auto& m = dut.model();
  m.out_ready_i = 0;
  m.in_valid_i = 1;
  PackBytes(kC3Key, m.in_key_i);
  PackBytes(kC3Plain, m.in_block_i);
  for (int i = 0; i < 40 && m.in_ready_o; ++i) dut.Tick();
  m.eval();
  if (m.in_ready_o) return false;
  dut.Tick();
  return dut.assertion_failures() == 0;
}

// The handshake assertions fire: dropping in_valid_i (or changing the payload) while in_ready_o is low.
TEST(AesEncSmall, AssertionCatchesInputDroppedWhileNotReady) {
  AesStream<Vaes_enc_small> dut(5);
  auto& m = dut.model();
  ASSERT_TRUE(OfferUntilBackPressure(dut));
  m.in_valid_i = 0;  // breaks the rule: a valid not yet taken must stay
  dut.Tick();
  dut.Tick();
  EXPECT_GT(dut.assertion_failures(), 0u);
}

TEST(AesEncSmall, AssertionCatchesPayloadChangedWhileNotReady) {
  AesStream<Vaes_enc_small> dut(5);
  auto& m = dut.model();
  ASSERT_TRUE(OfferUntilBackPressure(dut));
  PackBytes(kC3Cipher, m.in_block_i);
  dut.Tick();
  dut.Tick();
  EXPECT_GT(dut.assertion_failures(), 0u);
}

// A reset in the middle of a stream empties the core: nothing stale comes out afterwards.
TEST(AesEncSmall, ResetDropsBlocksInFlight) {
  AesStream<Vaes_enc_small> dut(9);
  auto& m = dut.model();
  m.out_ready_i = 0;
  m.in_valid_i = 1;
  PackBytes(kC3Key, m.in_key_i);
  PackBytes(kC3Plain, m.in_block_i);
  for (int i = 0; i < 20; ++i) dut.Tick();
  dut.Reset();
  m.out_ready_i = 1;
  for (int i = 0; i < 40; ++i) {
    m.eval();
    EXPECT_FALSE(m.out_valid_o) << "cycle " << i;
    dut.Tick();
  }
  const auto out = dut.Run({{kC3Plain, kC3Key}}, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].block, kC3Cipher);
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

}  // namespace
}  // namespace hubsec::rtl_test
