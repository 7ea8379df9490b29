// Drives a Verilated AES core (aes_enc, aes_dec or aes_key_expand) through its valid/ready ports: offers
// jobs with random gaps on in_valid_i, applies random back-pressure on out_ready_i, follows the handshake
// rules (a job once offered stays offered, unchanged, until taken) and records what comes out, with the
// cycle of each handshake. Cycle counts are deterministic for a given seed.
#pragma once

#include <verilated.h>

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "aes_reference.hpp"

namespace hubsec::rtl_test {

// Byte 0 is the most significant byte of the RTL vector (hubsec_crypto_pkg's convention).
template <std::size_t NBytes, std::size_t NWords>
void PackBytes(const std::array<std::uint8_t, NBytes>& in, VlWide<NWords>& out) {
  static_assert(NBytes == 4 * NWords);
  for (std::size_t w = 0; w < NWords; ++w) out[w] = 0;
  for (std::size_t i = 0; i < NBytes; ++i) {
    out[NWords - 1 - i / 4] |= static_cast<std::uint32_t>(in[i]) << (8 * (3 - i % 4));
  }
}

template <std::size_t NBytes, std::size_t NWords>
std::array<std::uint8_t, NBytes> UnpackBytes(const VlWide<NWords>& in) {
  static_assert(NBytes == 4 * NWords);
  std::array<std::uint8_t, NBytes> out{};
  for (std::size_t i = 0; i < NBytes; ++i) {
    out[i] = static_cast<std::uint8_t>(in[NWords - 1 - i / 4] >> (8 * (3 - i % 4)));
  }
  return out;
}

struct StreamJob {
  AesBlock block{};  // ignored by aes_key_expand
  AesKey key{};
};

struct StreamResult {
  AesBlock block{};  // cipher output
  AesKey dec_key{};  // aes_key_expand output
  std::uint16_t tag = 0;
  std::uint64_t out_cycle = 0;
};

struct StreamOptions {
  double in_gap = 0.0;           // chance per cycle of not offering the next job when idle
  double out_stall = 0.0;        // chance per cycle of out_ready_i low
  std::uint64_t max_cycles = 0;  // 0: 64 cycles per job + 1000
};

template <class Model>
class AesStream {
 public:
  explicit AesStream(std::uint64_t seed) : ctx_(std::make_unique<VerilatedContext>()), rng_(seed) {
    // Count assertion failures instead of aborting, so that a test can report (or expect) them.
    ctx_->errorLimit(1 << 30);
    model_ = std::make_unique<Model>(ctx_.get(), "dut");
    Reset();
  }
  ~AesStream() {
    Bind();
    model_->final();
    model_.reset();
  }
  AesStream(const AesStream&) = delete;
  AesStream& operator=(const AesStream&) = delete;

  void Reset() {
    model_->rst_ni = 0;
    model_->in_valid_i = 0;
    model_->out_ready_i = 0;
    Tick();
    Tick();
    model_->rst_ni = 1;
    Tick();
  }

  // One clock cycle: inputs as they are now, falling then rising edge.
  void Tick() {
    Bind();
    model_->clk_i = 0;
    model_->eval();
    ctx_->timeInc(1);
    model_->clk_i = 1;
    model_->eval();
    ctx_->timeInc(1);
    ++cycle_;
  }

  // Streams all jobs through the core; results in output order. Job j carries tag j % 65536. Returns
  // early (fewer results) if the core does not finish within max_cycles.
  std::vector<StreamResult> Run(const std::vector<StreamJob>& jobs, const StreamOptions& opt,
                                std::vector<std::uint64_t>* in_cycles = nullptr) {
    std::bernoulli_distribution gap(opt.in_gap);
    std::bernoulli_distribution stall(opt.out_stall);
    const std::uint64_t limit = opt.max_cycles ? opt.max_cycles : 64 * jobs.size() + 1000;
    std::vector<StreamResult> results;
    results.reserve(jobs.size());
    std::size_t next = 0;
    bool offering = false;
    const std::uint64_t start = cycle_;
    Bind();
    while (results.size() < jobs.size() && cycle_ - start < limit) {
      if (!offering && next < jobs.size() && !gap(rng_)) offering = true;
      model_->in_valid_i = offering;
      // While nothing is offered the payload is noise: the core must ignore it.
      const StreamJob job = offering ? jobs[next] : StreamJob{RandomBytes<16>(rng_), RandomBytes<32>(rng_)};
      PackBytes(job.key, model_->in_key_i);
      if constexpr (requires(Model & m) { m.in_block_i; }) PackBytes(job.block, model_->in_block_i);
      model_->in_tag_i = static_cast<std::uint16_t>(offering ? next : rng_());
      model_->out_ready_i = !stall(rng_);

      model_->clk_i = 0;
      model_->eval();
      const bool in_fire = model_->in_valid_i && model_->in_ready_o;
      if (model_->out_valid_o && model_->out_ready_i) {
        StreamResult r;
        if constexpr (requires(Model & m) { m.out_block_o; }) {
          r.block = UnpackBytes<16>(model_->out_block_o);
        } else {
          r.dec_key = UnpackBytes<32>(model_->out_dec_key_o);
        }
        r.tag = static_cast<std::uint16_t>(model_->out_tag_o);
        r.out_cycle = cycle_;
        results.push_back(r);
      }
      if (in_fire) {
        if (in_cycles) in_cycles->push_back(cycle_);
        offering = false;
        ++next;
      }
      Tick();
    }
    model_->in_valid_i = 0;
    return results;
  }

  Model& model() { return *model_; }
  std::uint64_t cycle() const { return cycle_; }
  std::uint64_t assertion_failures() const { return ctx_->errorCount(); }

 private:
  // Verilator reports assertion failures (and looks up scopes) through the thread's current context, so
  // make it ours whenever this model runs: several benches may be alive on one thread.
  void Bind() { Verilated::threadContextp(ctx_.get()); }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::mt19937_64 rng_;
  std::uint64_t cycle_ = 0;
};

}  // namespace hubsec::rtl_test
