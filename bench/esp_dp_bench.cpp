// esp_dp_bench: the whole ESP datapath (hw/rtl/esp/esp_datapath: SA table, key precompute, IV generator,
// dispatcher and both lanes) Verilated in the FULL lane configuration (AES UNROLL 14, the SHA round units of
// bench/CMakeLists.txt, 64 packet slots and an 8,192-block ring per lane, MAX_BLK 1024; DEPTH 64 jobs in
// flight per direction; 256 SA slots instead of 4,096 to keep the compile short: the table's size does not
// change its timing). SAs are written with raw keys through the write port (the card computes the HMAC
// states); jobs go in on the one job port, each direction's beats and results on its own ports.
// Aggregate payload bytes per cycle with K = 1, 4, 16 and 64 SAs (packets) in flight per direction, outbound
// alone, inbound alone and both at once, both ICV algorithms, job-supplied IVs. Every output and result is
// checked against the driver's soft engine (EspCrypto). Figures: docs/benchmarks.md.
// Usage: esp_dp_bench [packet bytes, default 1400]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "Vesp_dp_full.h"
#include "esp_bench.hpp"

namespace {

using namespace hubsec::rtltest;
using hubsec::driver::Direction;
using hubsec::driver::EspStatus;
using hubsec::driver::IntegrityAlg;

constexpr std::size_t kMaxSas = 64;  // per direction: outbound slots 0..63, inbound slots 64..127

void tick(Vesp_dp_full& m) {
  m.clk_i = 0;
  m.eval();
  m.clk_i = 1;
  m.eval();
}

void idle(Vesp_dp_full& m) {
  m.wr_valid_i = 0;
  m.wr_done_ready_i = 0;
  m.cnt_valid_i = 0;
  m.cnt_res_ready_i = 0;
  m.job_valid_i = 0;
  m.enc_in_valid_i = 0;
  m.dec_in_valid_i = 0;
  m.enc_out_ready_i = 0;
  m.dec_out_ready_i = 0;
  m.enc_res_ready_i = 0;
  m.dec_res_ready_i = 0;
}

bool wait_idle(Vesp_dp_full& m) {
  for (int i = 0; i < 1000000 && m.busy_o; ++i) tick(m);
  return !m.busy_o;
}

// One SA through the write port (raw keys): slot, direction.
bool write_sa(Vesp_dp_full& m, int slot, bool inbound, const Sa& sa, std::mt19937_64& rng) {
  m.wr_invalidate_i = 0;
  m.wr_slot_i = static_cast<std::uint16_t>(slot);
  m.wr_gen_i = 1;
  m.wr_inbound_i = inbound;
  m.wr_esn_i = sa.esn;
  m.wr_sha256_i = sa.sha256();
  m.wr_spi_i = sa.spi;
  put(m.wr_enc_key_i, 256, sa.enc_key.data(), 32);
  put(m.wr_auth_key_i, 256, sa.auth_key.data(), sa.auth_key.size());
  const Bytes ivk = random_bytes(rng, 32);
  put(m.wr_iv_key_i, 256, ivk.data(), 32);
  m.wr_soft_packets_i = 0;
  m.wr_hard_packets_i = 0;
  m.wr_soft_bytes_i = 0;
  m.wr_hard_bytes_i = 0;
  m.wr_valid_i = 1;
  bool sent = false;
  for (int i = 0; i < 100000; ++i) {
    m.wr_done_ready_i = sent;
    m.clk_i = 0;
    m.eval();
    const bool fire = m.wr_valid_i && m.wr_ready_o;
    const bool done = sent && m.wr_done_valid_o;
    const bool ok = done && m.wr_done_status_o == 0;
    m.clk_i = 1;
    m.eval();
    if (fire) {
      sent = true;
      m.wr_valid_i = 0;
    }
    if (done) {
      m.wr_done_ready_i = 0;
      return ok;
    }
  }
  return false;
}

struct DirJob {
  int slot = 0;
  std::uint64_t seq = 0;
  Bytes iv;    // outbound
  Bytes data;  // outbound: payload; inbound: the ESP packet
  Bytes want;  // outbound: the ESP packet; inbound: the payload
  std::uint8_t nh = 4;
  std::vector<std::pair<const std::uint8_t*, std::size_t>> beats;
};

// Streams `out` and `in` jobs (either may be empty) at once with at most k jobs in flight per direction
// (job handshake to result); jobs are offered on the one job port, the two directions taking turns when
// both have room. The rate counts each direction's results after its first k (the pipeline filling).
std::pair<Measure, Measure> stream(Vesp_dp_full& m, std::vector<DirJob>& out, std::vector<DirJob>& in,
                                   std::size_t k, std::size_t payload_len) {
  std::vector<DirJob>* js[2] = {&out, &in};
  Measure me[2];
  std::size_t next[2] = {0, 0}, res[2] = {0, 0}, bp[2] = {0, 0}, bb[2] = {0, 0};
  Bytes cur[2];
  bool job_pend = false;
  int job_dir = 0, last_dir = 1;
  std::uint64_t cyc = 0;
  const std::uint64_t limit = 2000 + 2000 * (out.size() + in.size());
  while ((res[0] < out.size() || res[1] < in.size()) && cyc < limit) {
    // ---- job port ----
    if (!job_pend) {
      job_dir = -1;
      for (int t = 0; t < 2; ++t) {
        const int d = (last_dir + 1 + t) % 2;
        if (next[d] < js[d]->size() && next[d] - res[d] < k) {
          job_dir = d;
          break;
        }
      }
    }
    m.job_valid_i = job_dir >= 0;
    if (job_dir >= 0) {
      const DirJob& j = (*js[job_dir])[next[job_dir]];
      m.job_decrypt_i = job_dir == 1;
      m.job_slot_i = static_cast<std::uint16_t>(j.slot);
      m.job_gen_i = 1;
      m.job_seq_i = j.seq;
      m.job_card_iv_i = 0;
      if (job_dir == 0) put(m.job_iv_i, 128, j.iv.data(), 16);
      m.job_len_i = static_cast<std::uint16_t>(j.data.size());
      m.job_nh_i = j.nh;
    }
    // ---- input beats: each direction's handed-over jobs in order ----
    bool have[2];
    for (int d = 0; d < 2; ++d) {
      while (bp[d] < next[d] && bb[d] >= (*js[d])[bp[d]].beats.size()) {
        ++bp[d];
        bb[d] = 0;
      }
      have[d] = bp[d] < next[d];
    }
    m.enc_in_valid_i = have[0];
    if (have[0]) put(m.enc_in_data_i, 128, out[bp[0]].beats[bb[0]].first, out[bp[0]].beats[bb[0]].second);
    m.dec_in_valid_i = have[1];
    if (have[1]) put(m.dec_in_data_i, 128, in[bp[1]].beats[bb[1]].first, in[bp[1]].beats[bb[1]].second);
    m.enc_out_ready_i = 1;
    m.dec_out_ready_i = 1;
    m.enc_res_ready_i = 1;
    m.dec_res_ready_i = 1;
    m.clk_i = 0;
    m.eval();
    // ---- handshakes ----
    job_pend = m.job_valid_i && !m.job_ready_o;
    if (m.job_valid_i && m.job_ready_o) {
      ++next[job_dir];
      last_dir = job_dir;
    }
    if (have[0] && m.enc_in_ready_o) ++bb[0];
    if (have[1] && m.dec_in_ready_o) ++bb[1];
    if (m.enc_out_valid_o) get(m.enc_out_data_o, 128, m.enc_out_nbytes_o, cur[0]);
    if (m.dec_out_valid_o) get(m.dec_out_data_o, 128, m.dec_out_nbytes_o, cur[1]);
    for (int d = 0; d < 2; ++d) {
      const bool v = d == 0 ? m.enc_res_valid_o : m.dec_res_valid_o;
      if (!v) continue;
      const std::uint8_t status = d == 0 ? m.enc_res_status_o : m.dec_res_status_o;
      const std::uint32_t len = d == 0 ? m.enc_res_len_o : m.dec_res_len_o;
      if (res[d] >= next[d]) {  // a result with no job
        me[d].ok = false;
        continue;
      }
      const DirJob& j = (*js[d])[res[d]];
      if (status != 0 || cur[d] != j.want || len != j.want.size()) me[d].ok = false;
      cur[d].clear();
      if (res[d] + 1 == k) me[d].first = cyc;
      if (res[d] >= k) me[d].bytes += payload_len;
      me[d].last = cyc;
      ++res[d];
    }
    m.clk_i = 1;
    m.eval();
    ++cyc;
  }
  for (int d = 0; d < 2; ++d) {
    me[d].results = res[d];
    if (res[d] < js[d]->size()) me[d].ok = false;
  }
  idle(m);
  return {me[0], me[1]};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t len = argc > 1 ? static_cast<std::size_t>(std::atoi(argv[1])) : 1400;
  auto m = std::make_unique<Vesp_dp_full>();
  std::mt19937_64 rng(2026);
  idle(*m);
  m->clear_i = 0;
  m->rst_ni = 0;
  for (int i = 0; i < 4; ++i) tick(*m);
  m->rst_ni = 1;
  if (!wait_idle(*m)) {
    std::printf("datapath stays busy after reset\n");
    return 1;
  }
  bool all_ok = true;
  std::printf(
      "Aggregate payload bytes per cycle through esp_datapath, %zu-byte payloads, K SAs (one packet each) "
      "in flight per direction, steady state (results after the first K); 'both' = the two directions "
      "at once on the one job port, each measured over its own results, summed:\n",
      len);
  std::printf(
      "| ICV | SAs in flight per direction | packets per direction | outbound alone B/cycle | inbound alone "
      "B/cycle | both at once: out + in B/cycle |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (bool sha256 : {false, true}) {
    // the SAs: outbound slot i and inbound slot 64 + i share keys
    std::vector<Sa> sas;
    for (std::size_t i = 0; i < kMaxSas; ++i) {
      Sa sa = random_sa(rng);
      sa.alg = sha256 ? IntegrityAlg::kHmacSha256_128 : IntegrityAlg::kHmacSha1_96;
      sa.auth_key = random_bytes(rng, hubsec::driver::integrity_key_bytes(sa.alg));
      sas.push_back(sa);
      if (!write_sa(*m, static_cast<int>(i), false, sa, rng) ||
          !write_sa(*m, static_cast<int>(kMaxSas + i), true, sa, rng)) {
        std::printf("SA write failed\n");
        return 1;
      }
    }
    for (std::size_t k : {1, 4, 16, 64}) {
      const std::size_t n = std::max<std::size_t>(16, 4 * k);
      std::vector<DirJob> out, in;
      std::uint64_t seq = 1;
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t s = i % k;
        const Sa& sa = sas[s];
        auto enc = soft(sa, Direction::kOutbound);
        DirJob o;
        o.slot = static_cast<int>(s);
        o.seq = (sa.esn ? (std::uint64_t{7} << 32) : 0) + seq++;
        o.iv = random_bytes(rng, 16);
        o.data = random_bytes(rng, len);
        o.want.resize(hubsec::driver::esp_packet_length(len, sa.alg));
        std::size_t n_out = 0;
        if (enc->seal(sa.spi, o.seq, o.iv.data(), o.data, o.nh, o.want, n_out) != EspStatus::kOk)
          std::abort();
        for (std::size_t b = 0; b < o.data.size(); b += 16)
          o.beats.emplace_back(o.data.data() + b, std::min<std::size_t>(16, o.data.size() - b));
        DirJob d;
        d.slot = static_cast<int>(kMaxSas + s);
        d.seq = o.seq;
        d.data = o.want;  // the ESP packet sealed by the soft engine
        d.want = o.data;
        out.push_back(std::move(o));
        in.push_back(std::move(d));
      }
      for (auto& d : in) d.beats = inbound_beats(d.data, hubsec::driver::icv_bytes(sas[0].alg));
      std::vector<DirJob> none;
      const Measure mo = stream(*m, out, none, k, len).first;
      const Measure mi = stream(*m, none, in, k, len).second;
      const auto [bo, bi] = stream(*m, out, in, k, len);
      all_ok = all_ok && mo.ok && mi.ok && bo.ok && bi.ok;
      print_rate_row(sha256, k, n, mo, mi, bo, bi);
    }
  }
  if (!all_ok) {
    std::printf("MISMATCH against the soft engine (or a hang)\n");
    return 1;
  }
  std::printf("all packets and results bit-exact with the soft engine\n");
  return 0;
}
