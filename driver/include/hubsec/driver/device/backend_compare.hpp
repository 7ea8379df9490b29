// Used by the card tests and by `hubsec-card selftest` (card against soft).
// Runs the same random ESP traffic through two EspOffload backends and counts every difference: status,
// length, sequence number, next header and bytes. Outbound jobs carry their IV, so correct backends agree
// bit for bit; the ESP packets of backend `b` are then decapsulated by both (some with a flipped byte,
// which both must refuse as kIcvMismatch).
#pragma once

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hubsec/driver/esp_offload.hpp"

namespace hubsec::driver::device {

struct CompareResult {
  std::size_t jobs = 0;
  std::size_t mismatches = 0;
  std::size_t icv_refusals = 0;  // tampered packets both backends refused
  std::string first_mismatch;
};

// Submits jobs in batches and collects every completion (by cookie order of submission).
inline std::vector<EspCompletion> run_all(EspOffload& backend, std::vector<EspJob>& jobs) {
  std::vector<EspCompletion> done;
  std::vector<EspCompletion> batch(16);
  std::size_t sent = 0;
  // Generous: the Verilator card runs a few hundred thousand cycles per second on a loaded machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while ((sent < jobs.size() || done.size() < jobs.size()) && std::chrono::steady_clock::now() < deadline) {
    if (sent < jobs.size()) {
      const std::size_t n = std::min<std::size_t>(16, jobs.size() - sent);
      sent += backend.submit(std::span(jobs).subspan(sent, n));
    }
    const std::size_t got = backend.poll(batch);
    done.insert(done.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(got));
    if (got == 0) std::this_thread::yield();
  }
  std::sort(done.begin(), done.end(), [](const auto& x, const auto& y) { return x.cookie < y.cookie; });
  return done;
}

inline CompareResult compare_backends(EspOffload& a, EspOffload& b, std::uint32_t seed, std::size_t count,
                                      std::size_t sas) {
  std::mt19937 rng(seed);
  CompareResult result;
  auto note = [&](std::size_t i, const std::string& what) {
    if (result.mismatches++ == 0) result.first_mismatch = "job " + std::to_string(i) + ": " + what;
  };
  struct Pair {
    SaHandle out_a, out_b, in_a, in_b;
  };
  std::vector<Pair> pairs;
  for (std::size_t s = 0; s < sas; ++s) {
    SaParams p;
    p.spi = 0x1000u + static_cast<std::uint32_t>(s);
    p.integrity = (rng() & 1) ? IntegrityAlg::kHmacSha1_96 : IntegrityAlg::kHmacSha256_128;
    p.esn = (rng() & 1) != 0;
    for (auto& k : p.enc_key) k = static_cast<std::uint8_t>(rng());
    for (auto& k : p.auth_key) k = static_cast<std::uint8_t>(rng());
    p.direction = Direction::kOutbound;
    Pair pair{a.install_sa(p), b.install_sa(p), 0, 0};
    p.direction = Direction::kInbound;
    pair.in_a = a.install_sa(p);
    pair.in_b = b.install_sa(p);
    if (pair.out_a == kInvalidSa || pair.out_b == kInvalidSa || pair.in_a == kInvalidSa ||
        pair.in_b == kInvalidSa) {
      note(0, "SA install refused");
      return result;
    }
    pairs.push_back(pair);
  }
  std::vector<std::vector<std::uint8_t>> payload(count), ivs(count), out_a(count), out_b(count);
  std::vector<std::size_t> sa_of(count);
  std::vector<EspJob> jobs_a(count), jobs_b(count);
  for (std::size_t i = 0; i < count; ++i) {
    payload[i].resize(rng() % 2001);
    for (auto& x : payload[i]) x = static_cast<std::uint8_t>(rng());
    ivs[i].resize(16);
    for (auto& x : ivs[i]) x = static_cast<std::uint8_t>(rng());
    out_a[i].assign(payload[i].size() + 64, 0);
    out_b[i].assign(payload[i].size() + 64, 0);
    sa_of[i] = rng() % sas;
    const auto nh = static_cast<std::uint8_t>(1 + rng() % 250);
    jobs_a[i] = {EspOp::kEncapsulate, pairs[sa_of[i]].out_a, payload[i], out_a[i], i, true, nh,
                 ivs[i].data()};
    jobs_b[i] = {EspOp::kEncapsulate, pairs[sa_of[i]].out_b, payload[i], out_b[i], i, true, nh,
                 ivs[i].data()};
  }
  const auto done_a = run_all(a, jobs_a);
  const auto done_b = run_all(b, jobs_b);
  if (done_a.size() != count || done_b.size() != count) {
    note(0, "completions missing");
    return result;
  }
  for (std::size_t i = 0; i < count; ++i) {
    ++result.jobs;
    const auto &x = done_a[i], &y = done_b[i];
    if (x.status != y.status || x.out_len != y.out_len || x.seq != y.seq) {
      note(i, "encap status/len/seq " + std::string(to_string(x.status)) + "/" + std::to_string(x.out_len) +
                  " vs " + std::string(to_string(y.status)) + "/" + std::to_string(y.out_len));
    } else if (!std::equal(out_a[i].begin(), out_a[i].begin() + x.out_len, out_b[i].begin())) {
      note(i, "encap bytes differ");
    }
  }
  // Decapsulate b's packets with both; every fifth one tampered.
  std::vector<std::vector<std::uint8_t>> packets(count), plain_a(count), plain_b(count);
  std::vector<EspJob> dec_a, dec_b;
  for (std::size_t i = 0; i < count; ++i) {
    if (done_b[i].status != EspStatus::kOk) continue;
    packets[i].assign(out_b[i].begin(), out_b[i].begin() + done_b[i].out_len);
    if (i % 5 == 4) packets[i][packets[i].size() / 2] ^= 0x01;
    plain_a[i].assign(packets[i].size(), 0);
    plain_b[i].assign(packets[i].size(), 0);
    dec_a.push_back({EspOp::kDecapsulate, pairs[sa_of[i]].in_a, packets[i], plain_a[i], i, true, 0, nullptr});
    dec_b.push_back({EspOp::kDecapsulate, pairs[sa_of[i]].in_b, packets[i], plain_b[i], i, true, 0, nullptr});
  }
  const auto back_a = run_all(a, dec_a);
  const auto back_b = run_all(b, dec_b);
  if (back_a.size() != dec_a.size() || back_b.size() != dec_b.size()) {
    note(0, "decap completions missing");
    return result;
  }
  for (std::size_t k = 0; k < back_a.size(); ++k) {
    const auto &x = back_a[k], &y = back_b[k];
    const std::size_t i = x.cookie;
    ++result.jobs;
    const bool tampered = i % 5 == 4;
    if (x.status != y.status || x.out_len != y.out_len || x.next_header != y.next_header) {
      note(i, "decap status/len " + std::string(to_string(x.status)) + " vs " +
                  std::string(to_string(y.status)));
    } else if (tampered) {
      if (x.status == EspStatus::kIcvMismatch)
        ++result.icv_refusals;
      else
        note(i, "tampered packet not refused");
    } else if (x.status != EspStatus::kOk || x.out_len != payload[i].size() ||
               !std::equal(payload[i].begin(), payload[i].end(), plain_a[i].begin()) ||
               !std::equal(payload[i].begin(), payload[i].end(), plain_b[i].begin())) {
      note(i, "decap did not give the payload back");
    }
  }
  return result;
}

}  // namespace hubsec::driver::device
