// esp_bench: throughput of the soft ESP engine (SoftEspOffload) against OpenSSL doing only the
// cipher and the MAC, measured in the same run on the same sizes.
//
//   encap: transport-mode IPv4/GRE packets with `payload` bytes after the IP header, through
//          submit()/poll() in batches of 1 or 32: framing, sequence number, IV, padding,
//          AES-256-CBC, HMAC-SHA1-96, counters.
//   decap: the same packets back: framing, anti-replay (window 64, on), ICV, decrypt, pad check.
//   raw:   the minimum any ESP engine must do for that packet, with the same pre-keyed EVP
//          contexts: set IV + AES-256-CBC over the padded payload + HMAC-SHA1 over header and
//          ciphertext (decap: HMAC, then decrypt). No framing, no IV generation, no bookkeeping.
// Gbit/s counts payload bytes. Each figure is the best of several interleaved repetitions (the
// machine is shared); ratio = engine / raw.
//
// Usage: esp_bench [seconds-per-measurement (default 0.2)] [repetitions (default 5)]
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

#include "hubsec/driver/aes_cbc.hpp"
#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/hmac.hpp"
#include "hubsec/driver/ipv4.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"

namespace {

using namespace hubsec::driver;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t kSrc = 0xc0000201, kDst = 0xc0000202;

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) std::abort();
  return b;
}

Bytes gre_packet(std::size_t payload) {
  Ipv4Header h;
  h.protocol = 47;
  h.src = kSrc;
  h.dst = kDst;
  return build_ipv4_packet(h, random_bytes(payload));
}

SaParams make_sa(Direction dir, const Bytes& ek, const Bytes& ak) {
  SaParams p;
  p.direction = dir;
  p.spi = 0x4242;
  p.integrity = IntegrityAlg::kHmacSha1_96;
  std::copy(ek.begin(), ek.end(), p.enc_key.begin());
  std::copy(ak.begin(), ak.end(), p.auth_key.begin());
  return p;
}

struct Rate {
  double pps = 0;
  double gbps = 0;
};

Rate rate(double pps, std::size_t payload) {
  return {pps, pps * static_cast<double>(payload) * 8 / 1e9};
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Each runner is set up once and then timed in many short slices.
class Runner {
 public:
  virtual ~Runner() = default;
  // Processes packets for about `seconds`; returns {packets, seconds actually timed}.
  virtual std::pair<std::size_t, double> run(double seconds) = 0;
};

// Engine encapsulation: submit/poll batches of the same packet (each gets its own SN and IV).
class EncapRunner final : public Runner {
 public:
  EncapRunner(std::size_t payload, std::size_t batch, const Bytes& ek, const Bytes& ak)
      : engine_(SoftEspOffload::Options{.max_sas = 4, .queue_depth = 64}),
        packet_(gre_packet(payload)),
        outs_(batch, Bytes(packet_.size() + 128)),
        jobs_(batch),
        done_(batch) {
    const SaHandle sa = engine_.install_sa(make_sa(Direction::kOutbound, ek, ak));
    for (std::size_t i = 0; i < batch; ++i) {
      jobs_[i].sa = sa;
      jobs_[i].in = packet_;
      jobs_[i].out = outs_[i];
    }
  }
  std::pair<std::size_t, double> run(double seconds) override {
    std::size_t packets = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    do {
      for (int k = 0; k < 16; ++k) {
        engine_.submit(jobs_);
        if (engine_.poll(done_) != jobs_.size() || done_[0].status != EspStatus::kOk) std::abort();
        packets += jobs_.size();
      }
      elapsed = since(t0);
    } while (elapsed < seconds);
    return {packets, elapsed};
  }

 private:
  SoftEspOffload engine_;
  Bytes packet_;
  std::vector<Bytes> outs_;
  std::vector<EspJob> jobs_;
  std::vector<EspCompletion> done_;
};

// Engine decapsulation: a pool of distinct packets (fresh sequence numbers); the inbound SA is
// re-installed before each pass, outside the timed region, so the replay window stays on.
class DecapRunner final : public Runner {
 public:
  static constexpr std::size_t kPool = 1024;
  DecapRunner(std::size_t payload, std::size_t batch, const Bytes& ek, const Bytes& ak)
      : engine_(SoftEspOffload::Options{.max_sas = 4, .queue_depth = 64}),
        ek_(ek),
        ak_(ak),
        wires_(kPool),
        outs_(batch, Bytes(kIpv4MinHeaderBytes + payload + 64)),
        jobs_(batch),
        done_(batch) {
    const SaHandle out_sa = engine_.install_sa(make_sa(Direction::kOutbound, ek, ak));
    const Bytes packet = gre_packet(payload);
    for (Bytes& w : wires_) {
      w.resize(packet.size() + 128);
      EspJob job;
      job.sa = out_sa;
      job.in = packet;
      job.out = w;
      EspCompletion c;
      engine_.submit(std::span(&job, 1));
      engine_.poll(std::span(&c, 1));
      w.resize(c.out_len);
    }
  }
  std::pair<std::size_t, double> run(double seconds) override {
    std::size_t packets = 0;
    double elapsed = 0;
    while (elapsed < seconds) {
      const SaHandle in_sa = engine_.install_sa(make_sa(Direction::kInbound, ek_, ak_));
      const std::size_t batch = jobs_.size();
      const auto t0 = Clock::now();
      for (std::size_t base = 0; base + batch <= kPool; base += batch) {
        for (std::size_t i = 0; i < batch; ++i) {
          jobs_[i].op = EspOp::kDecapsulate;
          jobs_[i].sa = in_sa;
          jobs_[i].in = wires_[base + i];
          jobs_[i].out = outs_[i];
        }
        engine_.submit(jobs_);
        if (engine_.poll(done_) != batch || done_[0].status != EspStatus::kOk) std::abort();
        packets += batch;
      }
      elapsed += since(t0);
      engine_.remove_sa(in_sa);
    }
    return {packets, elapsed};
  }

 private:
  SoftEspOffload engine_;
  Bytes ek_, ak_;
  std::vector<Bytes> wires_;
  std::vector<Bytes> outs_;
  std::vector<EspJob> jobs_;
  std::vector<EspCompletion> done_;
};

// OpenSSL alone, with the same pre-keyed contexts the engine uses: set IV, AES-256-CBC over the
// padded payload, HMAC-SHA1 over header + IV + ciphertext (decap: HMAC first, then decrypt).
class RawRunner final : public Runner {
 public:
  RawRunner(std::size_t payload, bool encrypt, const Bytes& ek, const Bytes& ak)
      : encrypt_(encrypt),
        padded_((payload + 2 + 15) / 16 * 16),
        aes_(AesCbc::create(encrypt ? AesCbc::Op::kEncrypt : AesCbc::Op::kDecrypt, ek)),
        mac_(Hmac::create(HmacDigest::kSha1, ak)),
        packet_(random_bytes(24 + padded_ + 12)),
        plain_(padded_) {}
  std::pair<std::size_t, double> run(double seconds) override {
    std::size_t packets = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    const auto covered = std::span(packet_).first(24 + padded_);
    do {
      for (int k = 0; k < 64; ++k) {
        bool ok = true;
        if (encrypt_) {
          ok = aes_->start(packet_.data() + 8) && aes_->update(plain_.data(), padded_, packet_.data() + 24) &&
               mac_->compute(covered, {}, packet_.data() + 24 + padded_, 12);
        } else {
          std::uint8_t icv[12];
          ok = mac_->compute(covered, {}, icv, 12) && aes_->start(packet_.data() + 8) &&
               aes_->update(packet_.data() + 24, padded_, plain_.data());
        }
        if (!ok) std::abort();
        ++packets;
      }
      elapsed = since(t0);
    } while (elapsed < seconds);
    return {packets, elapsed};
  }

 private:
  bool encrypt_;
  std::size_t padded_;
  std::unique_ptr<AesCbc> aes_;
  std::unique_ptr<Hmac> mac_;
  Bytes packet_, plain_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const double slice = argc > 1 ? std::atof(argv[1]) : 0.02;
  const int pairs = argc > 2 ? std::atoi(argv[2]) : 25;
  const Bytes ek = random_bytes(32), ak = random_bytes(20);
  std::printf("soft ESP engine vs raw OpenSSL (AES-256-CBC + HMAC-SHA1-96), %s\n",
              OpenSSL_version(OPENSSL_VERSION));
  std::printf("one thread; %d alternating slices of %.3f s per side; medians\n", pairs, slice);
  std::printf("%-6s %7s %5s | %11s %8s | %9s %8s | %6s\n", "op", "payload", "batch", "engine Mpps", "Gbit/s",
              "raw Mpps", "Gbit/s", "ratio");
  for (bool encap : {true, false}) {
    for (std::size_t payload : {64u, 512u, 1400u}) {
      for (std::size_t batch : {1u, 32u}) {
        std::unique_ptr<Runner> engine;
        if (encap) {
          engine = std::make_unique<EncapRunner>(payload, batch, ek, ak);
        } else {
          engine = std::make_unique<DecapRunner>(payload, batch, ek, ak);
        }
        RawRunner raw(payload, encap, ek, ak);
        engine->run(slice);  // warm up both
        raw.run(slice);
        // Alternate short slices so that load from other processes hits both sides alike; the
        // ratio is taken per pair, then the median over pairs.
        std::vector<double> engine_pps, raw_pps, ratios;
        for (int i = 0; i < pairs; ++i) {
          const auto [ep, es] = engine->run(slice);
          const auto [rp, rs] = raw.run(slice);
          engine_pps.push_back(static_cast<double>(ep) / es);
          raw_pps.push_back(static_cast<double>(rp) / rs);
          ratios.push_back(engine_pps.back() / raw_pps.back());
        }
        const Rate e = rate(median(engine_pps), payload), r = rate(median(raw_pps), payload);
        std::printf("%-6s %7zu %5zu | %11.3f %8.2f | %9.3f %8.2f | %5.1f%%\n", encap ? "encap" : "decap",
                    payload, batch, e.pps / 1e6, e.gbps, r.pps / 1e6, r.gbps, 100 * median(ratios));
      }
    }
  }
  return 0;
}
