// Shared pieces of the ESP datapath benches: byte packing for Verilator signals, random SAs with their
// soft-engine (EspCrypto) reference, random stalls, the inbound beat framing and the soft inbound result.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "hmac_states.hpp"
#include "hubsec/driver/esp_crypto.hpp"

namespace hubsec::rtltest {

using Bytes = std::vector<std::uint8_t>;
using driver::Direction;
using driver::EspCrypto;
using driver::EspStatus;
using driver::IntegrityAlg;

constexpr std::uint8_t kStatusOk = 0x00, kStatusIcv = 0x01, kStatusPad = 0x02, kStatusUnknownSa = 0x03,
                       kStatusLen = 0x05;
constexpr std::uint64_t kCycleLimit = 400000;  // per packet; a hang fails the test instead of blocking it

// Left-aligned big-endian bytes into / out of a Verilator wide (or narrow) signal of `bits` bits.
template <typename W>
inline void put(W& w, int bits, const std::uint8_t* b, std::size_t n) {
  for (int i = 0; i < bits / 32; ++i) w[i] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int pos = bits - 8 - 8 * static_cast<int>(i);
    w[pos / 32] |= std::uint32_t{b[i]} << (pos % 32);
  }
}
template <typename W>
inline void get(const W& w, int bits, std::size_t n, Bytes& out) {
  for (std::size_t i = 0; i < n; ++i) {
    const int pos = bits - 8 - 8 * static_cast<int>(i);
    out.push_back(static_cast<std::uint8_t>(w[pos / 32] >> (pos % 32)));
  }
}

struct Sa {
  Bytes enc_key, auth_key;
  IntegrityAlg alg = IntegrityAlg::kHmacSha1_96;
  bool esn = false;
  std::uint32_t spi = 0;
  HmacStates states;
  bool sha256() const { return alg == IntegrityAlg::kHmacSha256_128; }
};

inline Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

inline Sa random_sa(std::mt19937_64& rng) {
  Sa sa;
  sa.alg = (rng() & 1) ? IntegrityAlg::kHmacSha256_128 : IntegrityAlg::kHmacSha1_96;
  sa.esn = rng() & 1;
  sa.spi = static_cast<std::uint32_t>(rng());
  sa.enc_key = random_bytes(rng, 32);
  sa.auth_key = random_bytes(rng, driver::integrity_key_bytes(sa.alg));
  sa.states = hmac_states(sa.sha256(), sa.auth_key);
  return sa;
}

inline std::unique_ptr<EspCrypto> soft(const Sa& sa, Direction dir) {
  auto c = EspCrypto::create(dir, sa.enc_key, sa.alg, sa.auth_key, sa.esn);
  if (!c) ADD_FAILURE() << "EspCrypto::create failed";
  return c;
}

// Random stalls: a port is idle / back-pressured in `stall_pct` percent of the cycles.
struct Stalls {
  std::mt19937_64& rng;
  unsigned pct;
  bool go() { return rng() % 100 >= pct; }
};

// The packet as esp_inbound takes it: header (8 bytes), IV, one beat per block, ICV.
inline std::vector<std::pair<const std::uint8_t*, std::size_t>> inbound_beats(const Bytes& esp,
                                                                              std::size_t icv) {
  std::vector<std::pair<const std::uint8_t*, std::size_t>> beats;
  beats.emplace_back(esp.data(), 8);
  beats.emplace_back(esp.data() + 8, 16);
  const std::size_t ct = esp.size() - 24 - icv;
  for (std::size_t o = 0; o < ct; o += 16) beats.emplace_back(esp.data() + 24 + o, 16);
  beats.emplace_back(esp.data() + 24 + ct, icv);
  return beats;
}

// Soft reference of the inbound lane's result.
struct SoftOpen {
  std::uint8_t status;
  Bytes payload;
  std::uint8_t nh = 0;
};
// spi: the SA's; the soft engine refuses another SPI before the length check, the RTL lane after it (the
// SPI is in the first beat, the length in the job), so benches give a wrong SPI only with a good length.
inline SoftOpen soft_open(EspCrypto& c, const Bytes& esp, std::uint32_t seq_hi, std::uint32_t spi) {
  const auto hdr = driver::read_esp_header(esp);
  if (hdr && hdr->spi != spi && c.check_length(esp) == EspStatus::kOk) return {kStatusUnknownSa, {}, 0};
  if (c.check_length(esp) != EspStatus::kOk) return {kStatusLen, {}, 0};
  if (!c.verify_icv(esp, seq_hi)) return {kStatusIcv, {}, 0};
  Bytes out(esp.size());
  const auto r = c.decrypt(esp, out);
  if (r.status == EspStatus::kBadPadding) return {kStatusPad, {}, 0};
  EXPECT_EQ(r.status, EspStatus::kOk);
  out.resize(r.payload_len);
  return {kStatusOk, out, r.next_header};
}

// A streaming run's payload bytes between its first and last counted result (cycles), for the aggregate
// tables of docs/benchmarks.md; ok = every output matched the soft engine.
struct Measure {
  std::uint64_t first = 0, last = 0;
  std::size_t bytes = 0, results = 0;
  bool ok = true;
};

inline double rate(const Measure& m) {
  return m.last > m.first ? static_cast<double>(m.bytes) / static_cast<double>(m.last - m.first) : 0.0;
}

// One row of those tables: K SAs per direction, N packets, outbound alone, inbound alone, both at once.
inline void print_rate_row(bool sha256, std::size_t k, std::size_t n, const Measure& out, const Measure& in,
                           const Measure& both_out, const Measure& both_in) {
  std::printf("| %s | %zu | %zu | %.2f | %.2f | %.2f + %.2f = %.2f |\n",
              sha256 ? "HMAC-SHA-256-128" : "HMAC-SHA1-96", k, n, rate(out), rate(in), rate(both_out),
              rate(both_in), rate(both_out) + rate(both_in));
  std::fflush(stdout);
}

}  // namespace hubsec::rtltest
