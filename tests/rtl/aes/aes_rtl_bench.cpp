// Cycle figures of the AES-256 cores from the Verilator models: latency and throughput at full interleave
// (every block under a different random key, input always offered, output always taken). Cycles are
// deterministic; every output is checked against OpenSSL so that the figures are for correct results.
// usage: aes_rtl_bench [blocks]   (results and command in docs/benchmarks.md)
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "Vaes_dec_full.h"
#include "Vaes_dec_small.h"
#include "Vaes_enc_full.h"
#include "Vaes_enc_small.h"
#include "Vaes_key_expand.h"
#include "aes_reference.hpp"
#include "aes_stream.hpp"

namespace hubsec::rtl_test {
namespace {

struct Row {
  std::uint64_t latency = 0;
  double interval = 0;  // cycles between accepted blocks in steady state
  std::uint64_t cycles = 0;
  std::size_t mismatches = 0;
};

std::vector<AesKey> DecKeys(const std::vector<AesKey>& keys) {
  AesStream<Vaes_key_expand> kx(1);
  std::vector<StreamJob> jobs;
  for (const auto& k : keys) jobs.push_back({{}, k});
  std::vector<AesKey> out;
  for (const auto& r : kx.Run(jobs, {})) out.push_back(r.dec_key);
  return out;
}

template <class Model, bool kDecrypt>
Row Measure(std::size_t blocks) {
  std::mt19937_64 rng(42);
  std::vector<AesKey> keys;
  std::vector<AesBlock> inputs;
  for (std::size_t i = 0; i < blocks; ++i) {
    keys.push_back(RandomBytes<32>(rng));
    inputs.push_back(RandomBytes<16>(rng));
  }
  const std::vector<AesKey> core_keys = kDecrypt ? DecKeys(keys) : keys;
  std::vector<StreamJob> jobs;
  for (std::size_t i = 0; i < blocks; ++i) jobs.push_back({inputs[i], core_keys.at(i)});

  AesStream<Model> dut(43);
  std::vector<std::uint64_t> in_cycles;
  const auto out = dut.Run(jobs, {}, &in_cycles);
  Row row;
  if (out.size() != blocks || in_cycles.size() != blocks) {
    row.mismatches = blocks;
    return row;
  }
  for (std::size_t i = 0; i < blocks; ++i) {
    const AesBlock want =
        kDecrypt ? OpensslAes256Decrypt(keys[i], inputs[i]) : OpensslAes256Encrypt(keys[i], inputs[i]);
    if (out[i].block != want || out[i].tag != static_cast<std::uint16_t>(i)) ++row.mismatches;
  }
  row.latency = out.front().out_cycle - in_cycles.front();
  const std::size_t half = blocks / 2;
  row.interval =
      static_cast<double>(in_cycles.back() - in_cycles[half]) / static_cast<double>(blocks - 1 - half);
  row.cycles = out.back().out_cycle - in_cycles.front() + 1;
  return row;
}

void Print(const char* name, std::size_t blocks, const Row& r) {
  std::printf("%-34s %8zu %8llu %9.2f %9.2f %10llu %s\n", name, blocks,
              static_cast<unsigned long long>(r.latency), r.interval, 16.0 / r.interval,
              static_cast<unsigned long long>(r.cycles), r.mismatches ? "MISMATCH" : "ok");
}

}  // namespace
}  // namespace hubsec::rtl_test

int main(int argc, char** argv) {
  using namespace hubsec::rtl_test;
  const std::size_t blocks = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  if (blocks < 4) {
    std::fprintf(stderr, "usage: aes_rtl_bench [blocks >= 4]\n");
    return 2;
  }
  std::printf("%-34s %8s %8s %9s %9s %10s %s\n", "core (configuration)", "blocks", "latency", "interval",
              "bytes/cyc", "cycles", "vs OpenSSL");
  const Row rows[] = {Measure<Vaes_enc_full, false>(blocks), Measure<Vaes_dec_full, true>(blocks),
                      Measure<Vaes_enc_small, false>(blocks), Measure<Vaes_dec_small, true>(blocks)};
  Print("aes encrypt (UNROLL=14, shipped)", blocks, rows[0]);
  Print("aes decrypt (UNROLL=14, shipped)", blocks, rows[1]);
  Print("aes encrypt (UNROLL=2, CI)", blocks, rows[2]);
  Print("aes decrypt (UNROLL=2, CI)", blocks, rows[3]);
  for (const auto& r : rows) {
    if (r.mismatches) return 1;
  }
  return 0;
}
