// The other ring configurations of aes_cipher: UNROLL = 1 (one round stage, each block goes round 14
// times) and UNROLL = 7 (seven stages, twice round). Shorter runs than aes_small_test (UNROLL = 2): the
// ring logic is the same, these check that it holds at the extremes.
#include <gtest/gtest.h>

#include "Vaes_dec_u1.h"
#include "Vaes_dec_u7.h"
#include "Vaes_enc_u1.h"
#include "Vaes_enc_u7.h"
#include "Vaes_key_expand.h"
#include "aes_checks.hpp"

namespace hubsec::rtl_test {
namespace {

TEST(AesRingU1, Fips197C3) {
  CheckFips197C3Encrypt<Vaes_enc_u1>();
  CheckFips197C3Decrypt<Vaes_dec_u1>();
}

TEST(AesRingU7, Fips197C3) {
  CheckFips197C3Encrypt<Vaes_enc_u7>();
  CheckFips197C3Decrypt<Vaes_dec_u7>();
}

TEST(AesRingU1, RandomWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_enc_u1, Vaes_key_expand, false>(
      {.blocks = 2000, .keys = 100, .stalls = {0.3, 0.3, 0}, .seed = 707});
  CheckRandomAgainstOpenssl<Vaes_dec_u1, Vaes_key_expand, true>(
      {.blocks = 2000, .keys = 100, .stalls = {0.3, 0.3, 0}, .seed = 708});
}

TEST(AesRingU7, RandomWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_enc_u7, Vaes_key_expand, false>(
      {.blocks = 2000, .keys = 100, .stalls = {0.3, 0.3, 0}, .seed = 709});
  CheckRandomAgainstOpenssl<Vaes_dec_u7, Vaes_key_expand, true>(
      {.blocks = 2000, .keys = 100, .stalls = {0.3, 0.3, 0}, .seed = 710});
}

// UNROLL blocks per 14 cycles in steady state, 15 cycles through an idle ring.
TEST(AesRingU1, OneBlockPerFourteenCycles) {
  CheckLatencyAndInterval<Vaes_enc_u1>(100, 15, 1, 14);
  CheckLatencyAndInterval<Vaes_dec_u1>(100, 15, 1, 14);
}

TEST(AesRingU7, SevenBlocksPerFourteenCycles) {
  CheckLatencyAndInterval<Vaes_enc_u7>(300, 15, 7, 14);
  CheckLatencyAndInterval<Vaes_dec_u7>(300, 15, 7, 14);
}

}  // namespace
}  // namespace hubsec::rtl_test
