// Test bodies shared by the small-configuration and full-configuration AES benches: FIPS-197 C.3 typed
// from the standard, and randomised differential runs against OpenSSL with many keys interleaved.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "aes_reference.hpp"
#include "aes_stream.hpp"

namespace hubsec::rtl_test {

// FIPS-197 appendix C.3 (AES-256, Nk = 8, Nr = 14).
inline const AesKey kC3Key = FromHex<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
inline const AesBlock kC3Plain = FromHex<16>("00112233445566778899aabbccddeeff");
inline const AesBlock kC3Cipher = FromHex<16>("8ea2b7ca516745bfeafc49904b496089");
// round[13].k_sch followed by round[14].k_sch of C.3: w[52..59], the decryption key.
inline const AesKey kC3DecKey =
    FromHex<32>("4e5a6699a9f24fe07e572baacdf8cdea24fc79ccbf0979e9371ac23c6d68de36");

struct RandomRun {
  std::size_t blocks = 0;
  std::size_t keys = 0;  // distinct random keys, picked at random per block
  StreamOptions stalls;
  std::uint64_t seed = 1;
};

// Computes decryption keys with the RTL key expansion (its result is checked by the decryptions against
// OpenSSL that use it, and by FIPS-197 C.3).
template <class KeyExpandModel>
std::vector<AesKey> RtlDecKeys(const std::vector<AesKey>& keys, std::uint64_t seed) {
  AesStream<KeyExpandModel> kx(seed);
  std::vector<StreamJob> jobs;
  for (const auto& k : keys) jobs.push_back({{}, k});
  const auto out = kx.Run(jobs, {0.3, 0.3, 0});
  std::vector<AesKey> dec;
  for (const auto& r : out) dec.push_back(r.dec_key);
  EXPECT_EQ(dec.size(), keys.size());
  EXPECT_EQ(kx.assertion_failures(), 0u);
  return dec;
}

// Random blocks under random keys through the encryptor (or, with KeyExpandModel, the decryptor), each
// compared with OpenSSL; outputs must come back in order with their tags.
template <class CipherModel, class KeyExpandModel, bool kDecrypt>
void CheckRandomAgainstOpenssl(const RandomRun& run) {
  std::mt19937_64 rng(run.seed);
  std::vector<AesKey> keys;
  for (std::size_t i = 0; i < run.keys; ++i) keys.push_back(RandomBytes<32>(rng));
  std::vector<AesKey> core_keys = keys;
  if constexpr (kDecrypt) core_keys = RtlDecKeys<KeyExpandModel>(keys, run.seed + 1);
  ASSERT_EQ(core_keys.size(), keys.size());

  std::uniform_int_distribution<std::size_t> pick(0, keys.size() - 1);
  std::vector<StreamJob> jobs;
  std::vector<AesBlock> expected;
  for (std::size_t i = 0; i < run.blocks; ++i) {
    const std::size_t k = pick(rng);
    const AesBlock in = RandomBytes<16>(rng);
    jobs.push_back({in, core_keys[k]});
    expected.push_back(kDecrypt ? OpensslAes256Decrypt(keys[k], in) : OpensslAes256Encrypt(keys[k], in));
  }

  AesStream<CipherModel> dut(run.seed + 2);
  const auto out = dut.Run(jobs, run.stalls);
  ASSERT_EQ(out.size(), jobs.size()) << "core stopped delivering blocks";
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].tag, static_cast<std::uint16_t>(i)) << "block " << i << " out of order";
    if (out[i].block != expected[i] && ++mismatches <= 5)
      ADD_FAILURE() << "block " << i << " differs from OpenSSL";
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

template <class EncModel>
void CheckFips197C3Encrypt() {
  AesStream<EncModel> dut(7);
  const auto out = dut.Run({{kC3Plain, kC3Key}}, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].block, kC3Cipher);
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

template <class DecModel>
void CheckFips197C3Decrypt() {
  AesStream<DecModel> dut(7);
  const auto out = dut.Run({{kC3Cipher, kC3DecKey}}, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].block, kC3Plain);
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

// With the input always offered and the output always taken, the core must accept a block every
// `interval` cycles in steady state and deliver each one `latency` cycles after its handshake.
template <class Model>
void CheckLatencyAndInterval(std::size_t blocks, std::uint64_t latency, std::uint64_t blocks_per_window,
                             std::uint64_t window) {
  std::mt19937_64 rng(11);
  std::vector<StreamJob> jobs;
  for (std::size_t i = 0; i < blocks; ++i) jobs.push_back({RandomBytes<16>(rng), RandomBytes<32>(rng)});
  AesStream<Model> dut(12);
  std::vector<std::uint64_t> in_cycles;
  const auto out = dut.Run(jobs, {}, &in_cycles);
  ASSERT_EQ(out.size(), blocks);
  ASSERT_EQ(in_cycles.size(), blocks);
  const std::uint64_t first_in = in_cycles.front();
  EXPECT_EQ(out.front().out_cycle - first_in, latency);
  // Steady state (after the core has filled): every `window` cycles accept blocks_per_window blocks.
  for (std::size_t i = 2 * window + blocks_per_window; i < blocks; ++i) {
    EXPECT_EQ(in_cycles[i] - in_cycles[i - blocks_per_window], window) << "at block " << i;
  }
  EXPECT_EQ(dut.assertion_failures(), 0u);
}

}  // namespace hubsec::rtl_test
