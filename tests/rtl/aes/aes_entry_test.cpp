// aes_cipher with ENTRY_REG = 0 (the initial AddRoundKey in the first round stage, no entry register: one
// cycle less latency, what esp_outbound's CBC feedback uses), encryption, in the shipped unrolling
// (UNROLL = 14: latency 14) and the CI ring (UNROLL = 2). The same checks as the other configurations:
// FIPS-197 C.3, random blocks and keys with stalls against OpenSSL, latency and interval.
#include <gtest/gtest.h>

#include "Vaes_enc_full_e0.h"
#include "Vaes_enc_small_e0.h"
#include "Vaes_key_expand.h"
#include "aes_checks.hpp"

namespace hubsec::rtl_test {
namespace {

TEST(AesEncNoEntryReg, Fips197C3) {
  CheckFips197C3Encrypt<Vaes_enc_full_e0>();
  CheckFips197C3Encrypt<Vaes_enc_small_e0>();
}

TEST(AesEncNoEntryReg, RandomBlocksAndKeysWithStallsMatchOpenssl) {
  CheckRandomAgainstOpenssl<Vaes_enc_full_e0, Vaes_key_expand, false>(
      {.blocks = 5000, .keys = 257, .stalls = {0.3, 0.3, 0}, .seed = 909});
  CheckRandomAgainstOpenssl<Vaes_enc_small_e0, Vaes_key_expand, false>(
      {.blocks = 5000, .keys = 257, .stalls = {0.3, 0.3, 0}, .seed = 910});
}

// Unrolled: one block per cycle, 14 cycles of latency. Ring of 2: two blocks per 14 cycles, 14 through an
// idle ring.
TEST(AesEncNoEntryReg, LatencyFourteen) {
  CheckLatencyAndInterval<Vaes_enc_full_e0>(2000, 14, 1, 1);
  CheckLatencyAndInterval<Vaes_enc_small_e0>(300, 14, 2, 14);
}

}  // namespace
}  // namespace hubsec::rtl_test
