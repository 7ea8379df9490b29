// AES-256 cores in the shipped configuration (UNROLL = 14: a straight 14-stage pipeline, one block per
// cycle); the same RTL as the small configuration (aes_small_test.cpp) apart from the unrolling parameter.
// The model is larger but simulates one block per cycle, so the random runs are as long.
#include <gtest/gtest.h>

#include "Vaes_dec_full.h"
#include "Vaes_enc_full.h"
#include "Vaes_key_expand.h"
#include "aes_checks.hpp"

namespace hubsec::rtl_test {
namespace {

TEST(AesEncFull, Fips197C3) {
  CheckFips197C3Encrypt<Vaes_enc_full>();
}
TEST(AesDecFull, Fips197C3) {
  CheckFips197C3Decrypt<Vaes_dec_full>();
}

TEST(AesEncFull, RandomBlocksAndKeysWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_enc_full, Vaes_key_expand, false>(
      {.blocks = 10000, .keys = 257, .stalls = {0.3, 0.3, 0}, .seed = 505});
}

TEST(AesDecFull, RandomBlocksAndKeysWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_dec_full, Vaes_key_expand, true>(
      {.blocks = 10000, .keys = 257, .stalls = {0.3, 0.3, 0}, .seed = 606});
}

// Every block under its own key, back to back: one block per cycle, 15 cycles of latency.
TEST(AesEncFull, OneBlockPerCycleAtFullInterleave) {
  CheckLatencyAndInterval<Vaes_enc_full>(2000, 15, 1, 1);
}
TEST(AesDecFull, OneBlockPerCycleAtFullInterleave) {
  CheckLatencyAndInterval<Vaes_dec_full>(2000, 15, 1, 1);
}

// The output rule is the core's: a block not taken stays on the output, unchanged.
TEST(AesEncFull, HoldsOutputWhileStalled) {
  AesStream<Vaes_enc_full> dut(5);
  auto& m = dut.model();
  m.out_ready_i = 0;
  m.in_valid_i = 1;
  PackBytes(kC3Key, m.in_key_i);
  PackBytes(kC3Plain, m.in_block_i);
  dut.Tick();
  m.in_valid_i = 0;
  for (int i = 0; i < 20; ++i) dut.Tick();
  m.eval();
  ASSERT_TRUE(m.out_valid_o);
  for (int i = 0; i < 50; ++i) {
    m.eval();
    ASSERT_TRUE(m.out_valid_o);
    EXPECT_EQ(UnpackBytes<16>(m.out_block_o), kC3Cipher);
    dut.Tick();
  }
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

}  // namespace
}  // namespace hubsec::rtl_test
