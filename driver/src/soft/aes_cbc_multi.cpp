#include "hubsec/driver/aes_cbc_multi.hpp"

#include <immintrin.h>
#include <openssl/crypto.h>

#include <algorithm>

namespace hubsec::driver {
namespace {

constexpr int kMaxLanes = 8;  // 8 chains x ~4-cycle AES latency cover the unit's 1-2 rounds per cycle
constexpr std::size_t kRounds = 14;

// FIPS-197 key expansion for AES-256 with AESKEYGENASSIST (Intel's AES-NI white paper, figure 28): each
// new round key is the one two steps back with its words prefix-XORed (w0, w0^w1, w0^w1^w2, ...), XORed
// with the broadcast word of the assist (RotWord/SubWord/Rcon for even keys, SubWord for odd ones).
[[gnu::target("sse2")]] __m128i prefix_xor(__m128i prev) {
  __m128i t = _mm_slli_si128(prev, 4);
  prev = _mm_xor_si128(prev, t);
  t = _mm_slli_si128(t, 4);
  prev = _mm_xor_si128(prev, t);
  t = _mm_slli_si128(t, 4);
  return _mm_xor_si128(prev, t);
}

[[gnu::target("aes,sse2")]] __m128i expand_even(__m128i prev, __m128i assist) {
  return _mm_xor_si128(prefix_xor(prev), _mm_shuffle_epi32(assist, 0xff));
}

[[gnu::target("aes,sse2")]] __m128i expand_odd(__m128i even, __m128i prev) {
  return _mm_xor_si128(prefix_xor(prev), _mm_shuffle_epi32(_mm_aeskeygenassist_si128(even, 0x00), 0xaa));
}

// Round keys i (and i + 1 below 14) from the two before; RCON must be an immediate.
template <int Rcon>
[[gnu::target("aes,sse2")]] void expand_pair(__m128i& even, __m128i& odd, std::uint8_t* rk, std::size_t i) {
  even = expand_even(even, _mm_aeskeygenassist_si128(odd, Rcon));
  _mm_store_si128(reinterpret_cast<__m128i*>(rk + 16 * i), even);
  if (i < kRounds) {
    odd = expand_odd(even, odd);
    _mm_store_si128(reinterpret_cast<__m128i*>(rk + 16 * (i + 1)), odd);
  }
}

[[gnu::target("aes,sse2")]] void expand_key(const std::uint8_t* key, std::uint8_t* rk) {
  __m128i even = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
  __m128i odd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 16));
  _mm_store_si128(reinterpret_cast<__m128i*>(rk), even);
  _mm_store_si128(reinterpret_cast<__m128i*>(rk + 16), odd);
  expand_pair<0x01>(even, odd, rk, 2);
  expand_pair<0x02>(even, odd, rk, 4);
  expand_pair<0x04>(even, odd, rk, 6);
  expand_pair<0x08>(even, odd, rk, 8);
  expand_pair<0x10>(even, odd, rk, 10);
  expand_pair<0x20>(even, odd, rk, 12);
  expand_pair<0x40>(even, odd, rk, 14);
}

// A message being encrypted in one of the lanes.
struct Lane {
  const CbcEncryptJob* job = nullptr;
  std::size_t block = 0;                 // next block
  alignas(16) std::uint8_t chain[16]{};  // the previous ciphertext block (the IV at first)
};

// The blocks the lane can run without switching its input between src and dst (nonzero).
std::size_t run_length(const Lane& lane) {
  const CbcEncryptJob& j = *lane.job;
  const std::size_t src_blocks = std::min(j.src_blocks, j.blocks);
  return lane.block < src_blocks ? src_blocks - lane.block : j.blocks - lane.block;
}

// `count` blocks of each of the first N lanes, the N chains interleaved round by round (fully unrolled over
// the lanes so that the N states stay in registers).
template <int N>
[[gnu::target("aes,sse2")]] void run_lanes(Lane* lanes, std::size_t count) {
  const __m128i* rk[N];
  const std::uint8_t* in[N];
  std::uint8_t* out[N];
  __m128i c[N];
  for (int l = 0; l < N; ++l) {
    const CbcEncryptJob& j = *lanes[l].job;
    rk[l] = reinterpret_cast<const __m128i*>(j.keys->round_keys());
    const std::size_t b = lanes[l].block;
    in[l] = (b < j.src_blocks ? j.src : j.dst) + 16 * b;
    out[l] = j.dst + 16 * b;
    c[l] = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes[l].chain));
  }
  for (std::size_t k = 0; k < count; ++k) {
    for (int l = 0; l < N; ++l) {
      const __m128i p = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[l] + 16 * k));
      c[l] = _mm_xor_si128(_mm_xor_si128(c[l], p), _mm_load_si128(rk[l]));
    }
    for (std::size_t r = 1; r < kRounds; ++r) {
      for (int l = 0; l < N; ++l) {
        c[l] = _mm_aesenc_si128(c[l], _mm_load_si128(rk[l] + r));
      }
    }
    for (int l = 0; l < N; ++l) {
      c[l] = _mm_aesenclast_si128(c[l], _mm_load_si128(rk[l] + kRounds));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out[l] + 16 * k), c[l]);
    }
  }
  for (int l = 0; l < N; ++l) {
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes[l].chain), c[l]);
    lanes[l].block += count;
  }
}

void run(Lane* lanes, int n, std::size_t count) {
  switch (n) {
    case 1: run_lanes<1>(lanes, count); break;
    case 2: run_lanes<2>(lanes, count); break;
    case 3: run_lanes<3>(lanes, count); break;
    case 4: run_lanes<4>(lanes, count); break;
    case 5: run_lanes<5>(lanes, count); break;
    case 6: run_lanes<6>(lanes, count); break;
    case 7: run_lanes<7>(lanes, count); break;
    default: run_lanes<8>(lanes, count); break;
  }
}

}  // namespace

bool aes_ni_available() {
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2");
}

std::unique_ptr<Aes256EncKeys> Aes256EncKeys::create(std::span<const std::uint8_t> key) {
  if (key.size() != 32 || !aes_ni_available()) {
    return nullptr;
  }
  std::unique_ptr<Aes256EncKeys> k(new Aes256EncKeys());
  expand_key(key.data(), k->rk_.data());
  return k;
}

Aes256EncKeys::~Aes256EncKeys() {
  OPENSSL_cleanse(rk_.data(), rk_.size());
}

void aes256_cbc_encrypt_multi(std::span<const CbcEncryptJob> jobs) {
  Lane lanes[kMaxLanes];
  int active = 0;
  std::size_t next = 0;
  for (;;) {
    // Fill free lanes with the next jobs that have blocks.
    while (active < kMaxLanes && next < jobs.size()) {
      const CbcEncryptJob& j = jobs[next++];
      if (j.blocks == 0) {
        continue;
      }
      lanes[active] = Lane{&j, 0, {}};
      std::copy_n(j.iv, 16, lanes[active].chain);
      ++active;
    }
    if (active == 0) {
      break;
    }
    std::size_t count = run_length(lanes[0]);
    for (int l = 1; l < active; ++l) {
      count = std::min(count, run_length(lanes[l]));
    }
    run(lanes, active, count);
    // Drop finished lanes (the last one moves into the gap).
    for (int l = active - 1; l >= 0; --l) {
      if (lanes[l].block == lanes[l].job->blocks) {
        lanes[l] = lanes[--active];
      }
    }
  }
  OPENSSL_cleanse(lanes, sizeof(lanes));
}

}  // namespace hubsec::driver
