// Streams of packets through one ESP lane (esp_outbound or esp_inbound Verilated model) with many packets in
// flight: a job is offered as soon as the previous one is taken (optionally at most `max_in_flight` between
// job handshake and result), each job's beats follow its handshake in job order, and every result is
// handed to a callback with the output beats that came before it (the lanes emit them in job order).
// Shared by the lane tests (tests/rtl/esp) and the lane benchmark (bench/esp_rtl_bench.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "esp_bench.hpp"

namespace hubsec::rtltest {

struct LaneJob {
  const Sa* sa = nullptr;
  std::uint64_t seq = 0;  // outbound: the sequence number; inbound: the high half is the inferred one
  Bytes iv;               // outbound only
  Bytes data;             // outbound: payload; inbound: the ESP packet
  std::uint8_t nh = 0;    // outbound only
  bool beats = true;      // inbound: false for a bad length (the sender sends no beat)
};

struct LaneResult {
  Bytes bytes;  // the output beats before the result: ESP packet (outbound) or payload (inbound)
  std::uint32_t len = 0;
  std::uint8_t status = 0, nh = 0;
  std::uint32_t spi = 0, seq_lo = 0;
  std::uint64_t cycle = 0;  // cycle of the result handshake, counted from the start of the stream
};

struct StreamOptions {
  unsigned stall_pct = 0;  // every port idle / back-pressured in this share of cycles
  std::size_t max_in_flight = std::numeric_limits<std::size_t>::max();
  std::uint64_t cycle_limit = 100'000'000;
};

struct StreamStats {
  std::uint64_t cycles = 0;
  std::size_t results = 0;
  std::size_t max_busy = 0;  // most jobs between job handshake and result
  bool hung = false;
};

// Reset with every input handshake idle.
template <typename M>
void reset_lane(M& m) {
  m.rst_ni = 0;
  m.job_valid_i = 0;
  m.out_ready_i = 0;
  m.res_ready_i = 0;
  for (int i = 0; i < 4; ++i) {
    m.clk_i = 0;
    m.eval();
    m.clk_i = 1;
    m.eval();
  }
  m.rst_ni = 1;
}

// The ESP packet as beats (esp_bench.hpp's inbound_beats) or the payload as 16-byte beats.
inline std::vector<std::pair<const std::uint8_t*, std::size_t>> lane_beats(const LaneJob& j, bool inbound) {
  if (inbound) {
    if (!j.beats) return {};
    return inbound_beats(j.data, driver::icv_bytes(j.sa->alg));
  }
  std::vector<std::pair<const std::uint8_t*, std::size_t>> b;
  for (std::size_t o = 0; o < j.data.size(); o += 16) b.emplace_back(j.data.data() + o, std::min<std::size_t>(16, j.data.size() - o));
  return b;
}

// on_result(index, result) returns false to stop the stream.
template <bool kInbound, typename M>
StreamStats stream_lane(M& m, const std::vector<LaneJob>& jobs, std::mt19937_64& rng, const StreamOptions& opt,
                        const std::function<bool(std::size_t, const LaneResult&)>& on_result) {
  std::vector<std::vector<std::pair<const std::uint8_t*, std::size_t>>> beats;
  beats.reserve(jobs.size());
  for (const auto& j : jobs) beats.push_back(lane_beats(j, kInbound));
  Stalls st{rng, opt.stall_pct};
  StreamStats s;
  std::size_t next_job = 0, bp = 0, bb = 0;
  bool job_pending = false, in_pending = false;
  LaneResult cur;
  for (; s.results < jobs.size(); ++s.cycles) {
    if (s.cycles >= opt.cycle_limit) {
      s.hung = true;
      return s;
    }
    const bool room = next_job - s.results < opt.max_in_flight;
    if (next_job < jobs.size()) {
      const LaneJob& j = jobs[next_job];
      put(m.job_key_i, 256, j.sa->enc_key.data(), 32);
      m.job_sha256_i = j.sa->sha256();
      put(m.job_istate_i, 256, j.sa->states.inner.data(), 32);
      put(m.job_ostate_i, 256, j.sa->states.outer.data(), 32);
      m.job_esn_i = j.sa->esn;
      m.job_spi_i = j.sa->spi;
      m.job_len_i = static_cast<std::uint16_t>(j.data.size());
      if constexpr (kInbound) {
        m.job_seq_hi_i = static_cast<std::uint32_t>(j.seq >> 32);
      } else {
        m.job_seq_i = j.seq;
        put(m.job_iv_i, 128, j.iv.data(), 16);
        m.job_nh_i = j.nh;
      }
    }
    m.job_valid_i = next_job < jobs.size() && (job_pending || (room && st.go()));
    while (bp < next_job && bb >= beats[bp].size()) {
      ++bp;
      bb = 0;
    }
    const bool have_beat = bp < next_job;
    const bool in_valid = have_beat && (in_pending || st.go());
    if constexpr (kInbound) {
      m.in_valid_i = in_valid;
      if (have_beat) put(m.in_data_i, 128, beats[bp][bb].first, beats[bp][bb].second);
    } else {
      m.pl_valid_i = in_valid;
      if (have_beat) put(m.pl_data_i, 128, beats[bp][bb].first, beats[bp][bb].second);
    }
    m.out_ready_i = st.go();
    m.res_ready_i = st.go();
    m.clk_i = 0;
    m.eval();
    job_pending = m.job_valid_i && !m.job_ready_o;
    if (m.job_valid_i && m.job_ready_o) ++next_job;
    bool in_ready;
    if constexpr (kInbound) {
      in_ready = m.in_ready_o;
    } else {
      in_ready = m.pl_ready_o;
    }
    in_pending = in_valid && !in_ready;
    if (in_valid && in_ready) ++bb;
    if (m.out_valid_o && m.out_ready_i) get(m.out_data_o, 128, m.out_nbytes_o, cur.bytes);
    if (m.res_valid_o && m.res_ready_i) {
      cur.len = m.res_len_o;
      if constexpr (kInbound) {
        cur.status = m.res_status_o;
        cur.nh = m.res_nh_o;
        cur.spi = m.res_spi_o;
        cur.seq_lo = m.res_seq_lo_o;
      }
      cur.cycle = s.cycles;
      const bool more = on_result(s.results, cur);
      cur = LaneResult{};
      ++s.results;
      if (!more) return s;
    }
    s.max_busy = std::max(s.max_busy, next_job - s.results);
    m.clk_i = 1;
    m.eval();
  }
  return s;
}

}  // namespace hubsec::rtltest
