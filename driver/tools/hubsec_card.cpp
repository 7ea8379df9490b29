// hubsec-card: list, inspect, self-test and benchmark hubsec cards.
//   hubsec-card list
//   hubsec-card info     --device sim|loopback|pci:BDF|xrt:N
//   hubsec-card selftest --device ... [--fst FILE] [--jobs N]
//   hubsec-card bench    --device ... [--jobs N] [--batch N] [--size BYTES]
// selftest: a card with the ESP datapath runs a known-answer job (the NIST SP 800-38A CBC-AES256 vector
// as the payload: the ciphertext blocks must be the standard's; the ICV is checked by OpenSSL), then 1000
// random jobs (and their decapsulation) through the card and through the soft backend, compared bit for
// bit; a card with the placeholder datapath (the loopback model) runs the rings only.
// Exit codes: 0 passed, 1 a failure, 3 the rings passed but ESP could not be compared.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hubsec/driver/device/backend_compare.hpp"
#include "hubsec/driver/device/card_control.hpp"
#include "hubsec/driver/device/card_esp_offload.hpp"
#include "hubsec/driver/device/card_layout.hpp"
#include "hubsec/driver/device/card_queue.hpp"
#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/device/loopback_device.hpp"
#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"

namespace {

using namespace hubsec::driver;
using namespace hubsec::driver::device;

struct Args {
  std::string command;
  std::string device = "sim";
  std::string fst;
  std::size_t jobs = 20000;
  bool jobs_given = false;  // selftest: random jobs to compare (default 1000)
  std::size_t batch = 32;
  std::size_t size = 64;
};

int usage() {
  std::fprintf(stderr,
               "usage: hubsec-card list\n"
               "       hubsec-card info|selftest|bench --device sim|loopback|pci:BDF|xrt:N\n"
               "                   [--fst FILE] [--jobs N] [--batch N] [--size BYTES]\n");
  return 2;
}

bool parse(int argc, char** argv, Args& args) {
  if (argc < 2) return false;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (flag == "--device")
      args.device = value;
    else if (flag == "--fst")
      args.fst = value;
    else if (flag == "--jobs") {
      args.jobs = std::strtoull(value, nullptr, 10);
      args.jobs_given = true;
    } else if (flag == "--batch")
      args.batch = std::strtoull(value, nullptr, 10);
    else if (flag == "--size")
      args.size = std::strtoull(value, nullptr, 10);
    else
      return false;
  }
  return args.batch > 0 && args.jobs > 0;
}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::unique_ptr<Device> open_or_say(const Args& args) {
  SimDeviceOptions sim;
  sim.fst_path = args.fst;
  OpenedDevice opened = open_device(args.device, sim);
  if (!opened.device) std::fprintf(stderr, "hubsec-card: %s\n", opened.error.c_str());
  return std::move(opened.device);
}

int list() {
  const Discovery all = discover_all();
  for (const auto& d : all.devices) std::printf("%-20s %s\n", d.spec.c_str(), d.description.c_str());
  for (const auto& note : all.notes) std::printf("# %s\n", note.c_str());
  return 0;
}

int info(const Args& args) {
  auto device = open_or_say(args);
  if (!device) return 1;
  std::string error;
  const auto identity = read_identity(*device, &error);
  if (!identity) {
    std::fprintf(stderr, "hubsec-card: %s\n", error.c_str());
    return 1;
  }
  std::printf("%s: %s\n", device->name().c_str(), identity->describe().c_str());
  std::printf("caps 0x%08x  control 0x%08x  status 0x%08x  irq status 0x%08x mask 0x%08x\n", identity->caps,
              device->read32(card::reg::kControl), device->read32(card::reg::kStatus),
              device->read32(card::reg::kIrqStatus), device->read32(card::reg::kIrqMask));
  std::printf("jobs done %u  DMA faults %u (first at 0x%08x%08x)  cycles %u\n",
              device->read32(card::reg::kJobsDone), device->read32(card::reg::kFaultCount),
              device->read32(card::reg::kFaultAddrHi), device->read32(card::reg::kFaultAddrLo),
              device->read32(card::reg::kCyclesLo));
  for (std::uint32_t q = 0; q < identity->queues; ++q) {
    auto r = [&](std::uint32_t off) { return device->read32(card::queue_reg(q, off)); };
    std::printf("queue %u%s: ring 2^%u  producer %u consumer %u  cpl head %u tail %u  status 0x%x\n", q,
                q == 0 ? " (control)" : "", r(card::qreg::kRingLog2), r(card::qreg::kProducer),
                r(card::qreg::kConsumer), r(card::qreg::kCplHead), r(card::qreg::kCplTail),
                r(card::qreg::kQStatus));
  }
  return 0;
}

// Random jobs through every data queue; outputs must equal inputs (placeholder) byte for byte.
bool ring_selftest(Device& device, const CardIdentity& identity) {
  if (!reset_card(device, std::chrono::milliseconds(1000))) return false;
  std::string error;
  std::vector<std::unique_ptr<CardQueue>> queues;
  for (unsigned q = 0; q < identity.queues; ++q) {
    queues.push_back(CardQueue::create(device, q, 4, &error));
    if (!queues.back()) {
      std::printf("rings: %s\n", error.c_str());
      return false;
    }
  }
  enable_card(device, true);
  auto record = device.alloc_dma(sizeof(card::SaRecord));
  card::SaRecord r{};
  r.flags = card::kSaFlagValid;
  r.generation = 1;
  std::memcpy(record->data(), &r, sizeof r);
  card::Desc write{};
  write.opcode = static_cast<std::uint8_t>(card::Opcode::kSaWrite);
  write.sa_gen = 1;
  write.src_addr = record->bus_address();
  write.src_len = sizeof r;
  queues[0]->post(std::span(&write, 1));
  queues[0]->ring_doorbell();
  std::mt19937 rng(42);
  std::size_t ok = 0, total = 0;
  auto src = device.alloc_dma(2048);
  for (std::size_t i = 0; i < 2048; ++i) src->data()[i] = static_cast<std::uint8_t>(rng());
  for (unsigned q = 1; q < identity.queues; ++q) {
    std::vector<std::unique_ptr<DmaBuffer>> dst;
    std::vector<card::Desc> batch;
    for (std::uint64_t k = 0; k < 12; ++k) {
      dst.push_back(device.alloc_dma(2048));
      card::Desc d{};
      d.opcode = static_cast<std::uint8_t>(card::Opcode::kEncrypt);
      d.sa_gen = 1;
      d.src_addr = src->bus_address();
      d.dst_addr = dst.back()->bus_address();
      d.src_len = d.dst_cap = static_cast<std::uint16_t>(rng() % 2000);
      d.cookie = k;
      batch.push_back(d);
    }
    queues[q]->post(batch);
    queues[q]->ring_doorbell();
    std::vector<card::Cpl> cpls(batch.size());
    std::size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got < batch.size() && std::chrono::steady_clock::now() < deadline) {
      got += queues[q]->poll(std::span(cpls).subspan(got));
    }
    for (std::size_t k = 0; k < got; ++k) {
      const card::Desc& d = batch[cpls[k].cookie];
      ok += cpls[k].status == 0 && cpls[k].out_len == d.src_len &&
            std::memcmp(dst[cpls[k].cookie]->data(), src->data(), d.src_len) == 0;
    }
    total += batch.size();
  }
  std::printf("rings: %zu of %zu jobs over %u data queues came back intact\n", ok, total,
              identity.queues - 1);
  return ok == total;
}

// NIST SP 800-38A, F.2.5 CBC-AES256.Encrypt.
constexpr std::uint8_t kNistKey[32] = {0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae,
                                       0xf0, 0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61,
                                       0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};
constexpr std::uint8_t kNistIv[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
constexpr std::uint8_t kNistPlain[64] = {
    0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
    0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
    0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
    0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10};
constexpr std::uint8_t kNistCipher[64] = {
    0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba, 0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b, 0xfb, 0xd6,
    0x9c, 0xfc, 0x4e, 0x96, 0x7e, 0xdb, 0x80, 0x8d, 0x67, 0x9f, 0x77, 0x7b, 0xc6, 0x70, 0x2c, 0x7d,
    0x39, 0xf2, 0x33, 0x69, 0xa9, 0xd9, 0xba, 0xcf, 0xa5, 0x30, 0xe2, 0x63, 0x04, 0x23, 0x14, 0x61,
    0xb2, 0xeb, 0x05, 0xe2, 0xc3, 0x9b, 0xe9, 0xfc, 0xda, 0x6c, 0x19, 0x07, 0x8c, 0x6a, 0x9d, 0x1b};

// The NIST vector's 64 bytes as an ESP payload, both ICVs: the card's first four ciphertext blocks must
// be the standard's ciphertext, and OpenSSL's HMAC must accept the ICV.
bool known_answer(CardEspOffload& card) {
  bool ok = true;
  for (const IntegrityAlg alg : {IntegrityAlg::kHmacSha1_96, IntegrityAlg::kHmacSha256_128}) {
    SaParams p;
    p.spi = 0x5eed;
    p.integrity = alg;
    std::copy(std::begin(kNistKey), std::end(kNistKey), p.enc_key.begin());
    for (std::size_t i = 0; i < p.auth_key.size(); ++i) p.auth_key[i] = static_cast<std::uint8_t>(0x0b + i);
    const SaHandle sa = card.install_sa(p);
    std::vector<std::uint8_t> out(64 + 64);
    const EspJob job{EspOp::kEncapsulate, sa, kNistPlain, out, 1, true, 59, kNistIv};
    std::vector<EspCompletion> done(1);
    std::size_t got = 0;
    if (sa != kInvalidSa && card.submit(std::span(&job, 1)) == 1) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (got == 0 && std::chrono::steady_clock::now() < deadline) got = card.poll(done);
    }
    auto ref = EspCrypto::create(Direction::kInbound, p.enc_key, alg,
                                 std::span(p.auth_key).first(integrity_key_bytes(alg)), false);
    const bool pass = got == 1 && done[0].status == EspStatus::kOk &&
                      done[0].out_len == esp_packet_length(64, alg) &&
                      std::memcmp(out.data() + 24, kNistCipher, 64) == 0 && ref &&
                      ref->verify_icv(std::span(out.data(), done[0].out_len), 0);
    std::printf("known answer (NIST SP 800-38A F.2.5 payload, %s): %s\n",
                alg == IntegrityAlg::kHmacSha1_96 ? "HMAC-SHA1-96" : "HMAC-SHA-256-128",
                pass ? "passed" : "FAILED");
    ok = ok && pass;
    card.remove_sa(sa);
  }
  return ok;
}

int selftest(const Args& args) {
  auto device = open_or_say(args);
  if (!device) return 1;
  std::string error;
  const auto identity = read_identity(*device, &error);
  if (!identity) {
    std::fprintf(stderr, "hubsec-card: %s\n", error.c_str());
    return 1;
  }
  std::printf("%s: %s\n", device->name().c_str(), identity->describe().c_str());
  if (!identity->placeholder_datapath()) {
    // The card runs ESP: the same random traffic through the card and through the soft backend, with
    // job-supplied IVs, must agree bit for bit (and both must refuse the tampered packets).
    CardEspOffload::Options options;
    options.stall_timeout = std::chrono::seconds(20);  // a simulator on a loaded machine is slow, not stalled
    auto card_offload = CardEspOffload::create(std::move(device), options, &error);
    if (!card_offload) {
      std::fprintf(stderr, "hubsec-card: %s\n", error.c_str());
      return 1;
    }
    const bool kat = known_answer(*card_offload);
    SoftEspOffload soft;
    const CompareResult r =
        compare_backends(*card_offload, soft, 2026, args.jobs_given ? args.jobs : 1000, 16);
    std::printf("esp: %zu jobs card vs soft, %zu differences, %zu tampered packets refused by both%s%s\n",
                r.jobs, r.mismatches, r.icv_refusals, r.mismatches ? "; first: " : "",
                r.first_mismatch.c_str());
    const bool pass = kat && r.mismatches == 0 && r.jobs > 0;
    std::printf("%s\n", pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
  }
  if (!ring_selftest(*device, *identity)) {
    std::printf("FAIL\n");
    return 1;
  }
  std::printf("esp: NOT RUN: the card has the placeholder datapath (no ESP until issue 5)\n");
  return 3;
}

int bench(const Args& args) {
  auto device = open_or_say(args);
  if (!device) return 1;
  Device* raw = device.get();
  CardEspOffload::Options options;
  options.allow_placeholder = true;  // the loopback model: measures the rings, not ESP
  options.ring_log2 = 10;
  options.stall_timeout = std::chrono::seconds(20);
  std::string error;
  auto offload = CardEspOffload::create(std::move(device), options, &error);
  if (!offload) {
    std::fprintf(stderr, "hubsec-card: %s\n", error.c_str());
    return 1;
  }
  SaParams sa_params;
  sa_params.spi = 0x1234;
  const SaHandle sa = offload->install_sa(sa_params);
  if (sa == kInvalidSa) {
    std::fprintf(stderr, "hubsec-card: SA install failed\n");
    return 1;
  }
  std::vector<std::uint8_t> in(args.size, 0x5a);
  std::vector<std::vector<std::uint8_t>> out(args.batch, std::vector<std::uint8_t>(args.size + 64));
  std::vector<EspJob> jobs(args.batch);
  for (std::size_t i = 0; i < args.batch; ++i)
    jobs[i] = {EspOp::kEncapsulate, sa, in, out[i], i, true, 4, nullptr};
  std::vector<EspCompletion> done(args.batch);
  std::size_t completed = 0, failed = 0;
  if (LoopbackStats* model = loopback_stats(*raw)) {
    // Instant device: time the driver's side of each batch (submit, then poll) with the model run in
    // between, untimed. Per-batch times are sorted and the median reported: other processes on the
    // machine preempt some batches, and a mean would charge that to the driver.
    model->set_deferred(true);
    std::vector<double> per_job_ns;
    for (std::size_t sent = 0; sent < args.jobs;) {
      const std::size_t n = std::min(args.batch, args.jobs - sent);
      const auto t0 = std::chrono::steady_clock::now();
      const std::size_t accepted = offload->submit(std::span(jobs).first(n));
      const auto t1 = std::chrono::steady_clock::now();
      model->run();
      const auto t2 = std::chrono::steady_clock::now();
      const std::size_t got = offload->poll(std::span(done).first(accepted));
      const auto t3 = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < got; ++i) failed += done[i].status != EspStatus::kOk;
      failed += accepted - got;
      sent += accepted;
      completed += got;
      per_job_ns.push_back(std::chrono::duration<double, std::nano>((t1 - t0) + (t3 - t2)).count() /
                           static_cast<double>(std::max<std::size_t>(1, accepted)));
    }
    std::sort(per_job_ns.begin(), per_job_ns.end());
    std::printf("device %s, %zu jobs of %zu B, batch %zu: %zu completed, %zu failed\n", args.device.c_str(),
                args.jobs, args.size, args.batch, completed, failed);
    std::printf(
        "host time per job through the rings (driver only, steady clock, median over batches): %.1f ns\n",
        per_job_ns[per_job_ns.size() / 2]);
    return failed == 0 && completed == args.jobs ? 0 : 1;
  }
  const std::uint32_t cycles0 = raw->read32(card::reg::kCyclesLo);
  const std::uint64_t cpu0 = thread_cpu_ns();
  const auto wall0 = std::chrono::steady_clock::now();
  for (std::size_t sent = 0; sent < args.jobs;) {
    const std::size_t n = std::min(args.batch, args.jobs - sent);
    const std::size_t accepted = offload->submit(std::span(jobs).first(n));
    sent += accepted;
    std::size_t got = 0;
    while (got < accepted) {
      const std::size_t k = offload->poll(std::span(done).first(accepted - got));
      for (std::size_t i = 0; i < k; ++i) failed += done[i].status != EspStatus::kOk;
      got += k;
      if (k == 0) std::this_thread::yield();
    }
    completed += got;
  }
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const std::uint64_t cpu = thread_cpu_ns() - cpu0;
  const std::uint32_t cycles = raw->read32(card::reg::kCyclesLo) - cycles0;
  std::printf("device %s, %zu jobs of %zu B, batch %zu: %zu completed, %zu failed\n", args.device.c_str(),
              args.jobs, args.size, args.batch, completed, failed);
  std::printf("host CPU per job (driver thread, waiting by polling included): %.1f ns\n",
              static_cast<double>(cpu) / static_cast<double>(completed));
  std::printf("jobs per second %.0f (wall), card cycles per job %.1f, payload bytes per cycle %.2f\n",
              static_cast<double>(completed) / wall_s,
              static_cast<double>(cycles) / static_cast<double>(completed),
              static_cast<double>(completed * args.size) / static_cast<double>(cycles));
  return failed == 0 && completed == args.jobs ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, args)) return usage();
  if (args.command == "list") return list();
  if (args.command == "info") return info(args);
  if (args.command == "selftest") return selftest(args);
  if (args.command == "bench") return bench(args);
  return usage();
}
