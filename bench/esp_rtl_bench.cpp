// esp_rtl_bench: the ESP lanes (hw/rtl/esp esp_outbound / esp_inbound) in the FULL configuration (AES
// UNROLL 14, the SHA round units of bench/CMakeLists.txt, 64 packet slots, 8,192-block ring), Verilated:
// single-packet latency (job handshake to result) for 64, 512 and 1,400-byte payloads, and aggregate payload
// bytes per cycle with 1, 4, 16, 32, 48 and 64 SAs (packets) in flight per direction, each direction alone
// and both at once (the two lanes on one clock, summed), both ICV algorithms. Every packet is checked
// against the driver's soft engine (EspCrypto). Figures: docs/benchmarks.md.
// Usage: esp_rtl_bench [packet bytes for the throughput runs, default 1400]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "Vesp_in_full.h"
#include "Vesp_out_full.h"
#include "esp_lane_stream.hpp"

namespace {

using namespace hubsec::rtltest;
using hubsec::driver::Direction;
using hubsec::driver::EspStatus;
using hubsec::driver::IntegrityAlg;

Sa make_sa(std::mt19937_64& rng, bool sha256) {
  Sa sa = random_sa(rng);
  sa.alg = sha256 ? IntegrityAlg::kHmacSha256_128 : IntegrityAlg::kHmacSha1_96;
  sa.auth_key = random_bytes(rng, hubsec::driver::integrity_key_bytes(sa.alg));
  sa.states = hmac_states(sa.sha256(), sa.auth_key);
  return sa;
}

struct Run {
  std::vector<LaneJob> out, in;
  std::vector<Bytes> sealed;
  std::vector<Bytes> payload;
};

// n packets of `len` bytes over `sas` round robin, sealed by the soft engine (the inbound jobs).
Run make_run(std::mt19937_64& rng, const std::vector<Sa>& sas, std::size_t n, std::size_t len) {
  Run r;
  for (std::size_t i = 0; i < n; ++i) {
    LaneJob o;
    o.sa = &sas[i % sas.size()];
    o.seq = 1 + i;
    o.iv = random_bytes(rng, 16);
    o.data = random_bytes(rng, len);
    o.nh = 4;
    auto enc = soft(*o.sa, Direction::kOutbound);
    Bytes esp(hubsec::driver::esp_packet_length(len, o.sa->alg));
    std::size_t esp_len = 0;
    if (enc->seal(o.sa->spi, o.seq, o.iv.data(), o.data, o.nh, esp, esp_len) != EspStatus::kOk) std::abort();
    LaneJob in;
    in.sa = o.sa;
    in.seq = o.seq;
    in.data = esp;
    r.payload.push_back(o.data);
    r.sealed.push_back(esp);
    r.out.push_back(std::move(o));
    r.in.push_back(std::move(in));
  }
  return r;
}

// Streams the run with at most `in_flight` packets between job and result; the rate counts the results
// after the first `warm` (the pipeline filling) up to the end.
template <bool kInbound, typename M>
Measure stream(M& m, const Run& run, std::size_t in_flight, std::size_t warm, std::mt19937_64& rng) {
  StreamOptions opt;
  opt.max_in_flight = in_flight;
  Measure me;
  const auto& jobs = kInbound ? run.in : run.out;
  const StreamStats s = stream_lane<kInbound>(m, jobs, rng, opt, [&](std::size_t i, const LaneResult& r) {
    const Bytes& want = kInbound ? run.payload[i] : run.sealed[i];
    if (r.bytes != want || (kInbound && r.status != 0)) me.ok = false;
    if (i + 1 == warm) me.first = r.cycle;
    if (i >= warm) me.bytes += run.payload[i].size();
    me.last = r.cycle;
    return true;
  });
  if (s.hung) me.ok = false;
  return me;
}

// Both lanes on one clock: the outbound run and the inbound run streamed at the same time.
std::pair<Measure, Measure> stream_both(Vesp_out_full& out, Vesp_in_full& in, const Run& run,
                                        std::size_t in_flight, std::size_t warm, std::mt19937_64& rng) {
  StreamOptions opt;
  opt.max_in_flight = in_flight;
  Measure mo, mi;
  auto check = [&](bool inbound, Measure& me) {
    return [&run, &me, inbound, warm](std::size_t i, const LaneResult& r) {
      const Bytes& want = inbound ? run.payload[i] : run.sealed[i];
      if (r.bytes != want || (inbound && r.status != 0)) me.ok = false;
      if (i + 1 == warm) me.first = r.cycle;
      if (i >= warm) me.bytes += run.payload[i].size();
      me.last = r.cycle;
      return true;
    };
  };
  LaneStreamer<false, Vesp_out_full> so(out, run.out, rng, opt, check(false, mo));
  LaneStreamer<true, Vesp_in_full> si(in, run.in, rng, opt, check(true, mi));
  while (!so.done() || !si.done()) {
    so.drive();
    si.drive();
    out.clk_i = 0;
    in.clk_i = 0;
    out.eval();
    in.eval();
    so.observe();
    si.observe();
    out.clk_i = 1;
    in.clk_i = 1;
    out.eval();
    in.eval();
  }
  if (so.stats().hung) mo.ok = false;
  if (si.stats().hung) mi.ok = false;
  return {mo, mi};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t tput_len = argc > 1 ? static_cast<std::size_t>(std::atoi(argv[1])) : 1400;
  auto out = std::make_unique<Vesp_out_full>();
  auto in = std::make_unique<Vesp_in_full>();
  reset_lane(*out);
  out->pl_valid_i = 0;
  reset_lane(*in);
  in->in_valid_i = 0;
  std::mt19937_64 rng(2026);
  bool all_ok = true;

  std::printf("Single-packet latency, cycles from the job handshake to the result (no stalls):\n");
  std::printf("| ICV | payload | AES blocks | outbound | inbound |\n| --- | ---: | ---: | ---: | ---: |\n");
  for (bool sha256 : {false, true}) {
    const std::vector<Sa> sas{make_sa(rng, sha256)};
    for (std::size_t len : {64, 512, 1400}) {
      const Run run = make_run(rng, sas, 1, len);
      const Measure mo = stream<false>(*out, run, 1, 0, rng);
      const Measure mi = stream<true>(*in, run, 1, 0, rng);
      all_ok = all_ok && mo.ok && mi.ok;
      std::printf("| %s | %zu | %zu | %llu | %llu |\n", sha256 ? "HMAC-SHA-256-128" : "HMAC-SHA1-96", len,
                  (len + 17) / 16, static_cast<unsigned long long>(mo.last + 1),
                  static_cast<unsigned long long>(mi.last + 1));
    }
  }

  std::printf(
      "\nAggregate payload bytes per cycle, %zu-byte packets, one SA per packet in flight, "
      "steady state (results after the first wave); 'both' = the two lanes at once, K SAs each, "
      "summed:\n",
      tput_len);
  std::printf(
      "| ICV | SAs in flight per direction | packets per direction | outbound B/cycle | inbound B/cycle "
      "| both at once: out + in B/cycle |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (bool sha256 : {false, true}) {
    for (std::size_t k : {1, 4, 16, 32, 48, 64}) {
      std::vector<Sa> sas;
      for (std::size_t i = 0; i < k; ++i) sas.push_back(make_sa(rng, sha256));
      const std::size_t n = std::max<std::size_t>(16, 4 * k);
      const Run run = make_run(rng, sas, n, tput_len);
      const Measure mo = stream<false>(*out, run, k, k, rng);
      const Measure mi = stream<true>(*in, run, k, k, rng);
      const auto [bo, bi] = stream_both(*out, *in, run, k, k, rng);
      all_ok = all_ok && mo.ok && mi.ok && bo.ok && bi.ok;
      print_rate_row(sha256, k, n, mo, mi, bo, bi);
    }
  }
  if (!all_ok) {
    std::printf("MISMATCH against the soft engine\n");
    return 1;
  }
  std::printf("all packets bit-exact with the soft engine\n");
  return 0;
}
