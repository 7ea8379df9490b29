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
  Bytes p(kIpv4MinHeaderBytes + payload);
  Ipv4Header h;
  h.total_len = p.size();
  h.protocol = 47;
  h.src = kSrc;
  h.dst = kDst;
  write_ipv4_header(h, p);
  const Bytes body = random_bytes(payload);
  std::copy(body.begin(), body.end(), p.begin() + kIpv4MinHeaderBytes);
  return p;
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

Rate rate(std::size_t packets, std::size_t payload, double seconds) {
  const double pps = static_cast<double>(packets) / seconds;
  return {pps, pps * static_cast<double>(payload) * 8 / 1e9};
}

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Engine encapsulation for about `budget` seconds.
Rate engine_encap(std::size_t payload, std::size_t batch, double budget, const Bytes& ek, const Bytes& ak) {
  SoftEspOffload engine(SoftEspOffload::Options{.max_sas = 4, .queue_depth = 64});
  const SaHandle sa = engine.install_sa(make_sa(Direction::kOutbound, ek, ak));
  const Bytes packet = gre_packet(payload);
  std::vector<Bytes> outs(batch, Bytes(packet.size() + 128));
  std::vector<EspJob> jobs(batch);
  for (std::size_t i = 0; i < batch; ++i) {
    jobs[i].sa = sa;
    jobs[i].in = packet;
    jobs[i].out = outs[i];
  }
  std::vector<EspCompletion> done(batch);
  std::size_t packets = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  do {
    for (int k = 0; k < 64; ++k) {
      engine.submit(jobs);
      if (engine.poll(done) != batch || done[0].status != EspStatus::kOk) std::abort();
      packets += batch;
    }
    elapsed = since(t0);
  } while (elapsed < budget);
  return rate(packets, payload, elapsed);
}

// Engine decapsulation: a pool of distinct packets (fresh sequence numbers) is decapsulated, and
// the inbound SA re-installed between passes outside the timed region, so the replay window stays on.
Rate engine_decap(std::size_t payload, std::size_t batch, double budget, const Bytes& ek, const Bytes& ak) {
  constexpr std::size_t kPool = 2048;
  SoftEspOffload engine(SoftEspOffload::Options{.max_sas = 4, .queue_depth = 64});
  const SaHandle out_sa = engine.install_sa(make_sa(Direction::kOutbound, ek, ak));
  const Bytes packet = gre_packet(payload);
  std::vector<Bytes> wires(kPool, Bytes(packet.size() + 128));
  for (Bytes& w : wires) {
    EspJob job;
    job.sa = out_sa;
    job.in = packet;
    job.out = w;
    EspCompletion c;
    engine.submit(std::span(&job, 1));
    engine.poll(std::span(&c, 1));
    w.resize(c.out_len);
  }
  std::vector<Bytes> outs(batch, Bytes(packet.size() + 64));
  std::vector<EspJob> jobs(batch);
  std::vector<EspCompletion> done(batch);
  std::size_t packets = 0;
  double elapsed = 0;
  while (elapsed < budget) {
    const SaHandle in_sa = engine.install_sa(make_sa(Direction::kInbound, ek, ak));
    const auto t0 = Clock::now();
    for (std::size_t base = 0; base + batch <= kPool; base += batch) {
      for (std::size_t i = 0; i < batch; ++i) {
        jobs[i].op = EspOp::kDecapsulate;
        jobs[i].sa = in_sa;
        jobs[i].in = wires[base + i];
        jobs[i].out = outs[i];
      }
      engine.submit(jobs);
      if (engine.poll(done) != batch || done[0].status != EspStatus::kOk) std::abort();
      packets += batch;
    }
    elapsed += since(t0);
    engine.remove_sa(in_sa);
  }
  return rate(packets, payload, elapsed);
}

// OpenSSL alone, same pre-keyed contexts as the engine uses.
Rate raw_cipher_mac(std::size_t payload, bool encrypt, double budget, const Bytes& ek, const Bytes& ak) {
  const std::size_t padded = (payload + 2 + 15) / 16 * 16;
  auto aes = AesCbc::create(encrypt ? AesCbc::Op::kEncrypt : AesCbc::Op::kDecrypt, ek);
  auto mac = Hmac::create(HmacDigest::kSha1, ak);
  Bytes packet = random_bytes(24 + padded + 12);  // header | IV | ciphertext | ICV
  Bytes plain(padded);
  std::size_t packets = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  do {
    for (int k = 0; k < 256; ++k) {
      bool ok = true;
      if (encrypt) {
        ok = aes->start(packet.data() + 8) && aes->update(plain.data(), padded, packet.data() + 24) &&
             mac->compute(std::span(packet).first(24 + padded), {}, packet.data() + 24 + padded, 12);
      } else {
        std::uint8_t icv[12];
        ok = mac->compute(std::span(packet).first(24 + padded), {}, icv, 12) && aes->start(packet.data() + 8) &&
             aes->update(packet.data() + 24, padded, plain.data());
      }
      if (!ok) std::abort();
      ++packets;
    }
    elapsed = since(t0);
  } while (elapsed < budget);
  return rate(packets, payload, elapsed);
}

Rate best(const Rate& a, const Rate& b) { return a.pps >= b.pps ? a : b; }

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 0.2;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const Bytes ek = random_bytes(32), ak = random_bytes(20);
  std::printf("soft ESP engine vs raw OpenSSL (AES-256-CBC + HMAC-SHA1-96), %s, best of %d x %.2f s\n",
              OpenSSL_version(OPENSSL_VERSION), reps, budget);
  std::printf("%-6s %7s %5s | %10s %9s | %10s %9s | %6s\n", "op", "payload", "batch", "engine Mpps", "Gbit/s",
              "raw Mpps", "Gbit/s", "ratio");
  for (bool encap : {true, false}) {
    for (std::size_t payload : {64u, 512u, 1400u}) {
      for (std::size_t batch : {1u, 32u}) {
        Rate engine, raw;
        for (int r = 0; r < reps; ++r) {  // interleaved so drift on a shared machine hits both
          engine = best(engine, encap ? engine_encap(payload, batch, budget, ek, ak)
                                      : engine_decap(payload, batch, budget, ek, ak));
          raw = best(raw, raw_cipher_mac(payload, encap, budget, ek, ak));
        }
        std::printf("%-6s %7zu %5zu | %10.3f %9.2f | %10.3f %9.2f | %5.1f%%\n", encap ? "encap" : "decap", payload,
                    batch, engine.pps / 1e6, engine.gbps, raw.pps / 1e6, raw.gbps, 100 * engine.pps / raw.pps);
      }
    }
  }
  return 0;
}
