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

#include "aes_dec_key.hpp"
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
  for (std::size_t o = 0; o < j.data.size(); o += 16)
    b.emplace_back(j.data.data() + o, std::min<std::size_t>(16, j.data.size() - o));
  return b;
}

// One lane's stream, cycle by cycle, so that several lanes can share a clock (bench/esp_rtl_bench.cpp runs
// both directions at once): drive() sets the lane's inputs for this cycle, observe() records the handshakes
// after the falling-edge eval. on_result(index, result) returns false to stop the stream.
template <bool kInbound, typename M>
class LaneStreamer {
 public:
  using OnResult = std::function<bool(std::size_t, const LaneResult&)>;
  LaneStreamer(M& m, const std::vector<LaneJob>& jobs, std::mt19937_64& rng, const StreamOptions& opt,
               OnResult on_result)
      : m_(m), jobs_(jobs), st_{rng, opt.stall_pct}, opt_(opt), on_result_(std::move(on_result)) {
    beats_.reserve(jobs.size());
    for (const auto& j : jobs) beats_.push_back(lane_beats(j, kInbound));
  }

  bool done() const { return stopped_ || s_.hung || s_.results >= jobs_.size(); }
  const StreamStats& stats() const { return s_; }

  void drive() {
    if (s_.cycles >= opt_.cycle_limit) s_.hung = true;
    const bool room = next_job_ - s_.results < opt_.max_in_flight;
    if (next_job_ < jobs_.size()) {
      const LaneJob& j = jobs_[next_job_];
      if constexpr (kInbound) {
        put(m_.job_dkey_i, 256, aes256_dec_key(j.sa->enc_key).data(), 32);
      } else {
        put(m_.job_key_i, 256, j.sa->enc_key.data(), 32);
      }
      m_.job_sha256_i = j.sa->sha256();
      put(m_.job_istate_i, 256, j.sa->states.inner.data(), 32);
      put(m_.job_ostate_i, 256, j.sa->states.outer.data(), 32);
      m_.job_esn_i = j.sa->esn;
      m_.job_spi_i = j.sa->spi;
      m_.job_len_i = static_cast<std::uint16_t>(j.data.size());
      if constexpr (kInbound) {
        m_.job_seq_hi_i = static_cast<std::uint32_t>(j.seq >> 32);
      } else {
        m_.job_seq_i = j.seq;
        put(m_.job_iv_i, 128, j.iv.data(), 16);
        m_.job_nh_i = j.nh;
      }
    }
    m_.job_valid_i = !done() && next_job_ < jobs_.size() && (job_pending_ || (room && st_.go()));
    while (bp_ < next_job_ && bb_ >= beats_[bp_].size()) {
      ++bp_;
      bb_ = 0;
    }
    const bool have_beat = !done() && bp_ < next_job_;
    in_valid_ = have_beat && (in_pending_ || st_.go());
    if constexpr (kInbound) {
      m_.in_valid_i = in_valid_;
      if (have_beat) put(m_.in_data_i, 128, beats_[bp_][bb_].first, beats_[bp_][bb_].second);
    } else {
      m_.pl_valid_i = in_valid_;
      if (have_beat) put(m_.pl_data_i, 128, beats_[bp_][bb_].first, beats_[bp_][bb_].second);
    }
    m_.out_ready_i = !done() && st_.go();
    m_.res_ready_i = !done() && st_.go();
  }

  void observe() {
    job_pending_ = m_.job_valid_i && !m_.job_ready_o;
    if (m_.job_valid_i && m_.job_ready_o) ++next_job_;
    bool in_ready;
    if constexpr (kInbound) {
      in_ready = m_.in_ready_o;
    } else {
      in_ready = m_.pl_ready_o;
    }
    in_pending_ = in_valid_ && !in_ready;
    if (in_valid_ && in_ready) ++bb_;
    if (m_.out_valid_o && m_.out_ready_i) get(m_.out_data_o, 128, m_.out_nbytes_o, cur_.bytes);
    if (m_.res_valid_o && m_.res_ready_i) {
      cur_.len = m_.res_len_o;
      if constexpr (kInbound) {
        cur_.status = m_.res_status_o;
        cur_.nh = m_.res_nh_o;
        cur_.spi = m_.res_spi_o;
        cur_.seq_lo = m_.res_seq_lo_o;
      }
      cur_.cycle = s_.cycles;
      if (!on_result_(s_.results, cur_)) stopped_ = true;
      cur_ = LaneResult{};
      ++s_.results;
    }
    s_.max_busy = std::max(s_.max_busy, next_job_ - s_.results);
    ++s_.cycles;
  }

 private:
  M& m_;
  const std::vector<LaneJob>& jobs_;
  std::vector<std::vector<std::pair<const std::uint8_t*, std::size_t>>> beats_;
  Stalls st_;
  StreamOptions opt_;
  OnResult on_result_;
  StreamStats s_;
  std::size_t next_job_ = 0, bp_ = 0, bb_ = 0;
  bool job_pending_ = false, in_pending_ = false, in_valid_ = false, stopped_ = false;
  LaneResult cur_;
};

// One lane alone: on_result(index, result) returns false to stop the stream.
template <bool kInbound, typename M>
StreamStats stream_lane(M& m, const std::vector<LaneJob>& jobs, std::mt19937_64& rng,
                        const StreamOptions& opt,
                        const std::function<bool(std::size_t, const LaneResult&)>& on_result) {
  LaneStreamer<kInbound, M> ls(m, jobs, rng, opt, on_result);
  while (!ls.done()) {
    ls.drive();
    if (ls.done()) break;  // (the cycle limit)
    m.clk_i = 0;
    m.eval();
    ls.observe();
    m.clk_i = 1;
    m.eval();
  }
  return ls.stats();
}

}  // namespace hubsec::rtltest
