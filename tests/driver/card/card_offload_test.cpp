// The card backend of EspOffload over the Verilator card (ESP datapath): SA slots written through the
// control queue with raw keys, ESP jobs (job IVs checked byte for byte against the software engine, card
// IVs checked by decrypting with it), ring-full drops counted, host-side refusals, interrupt mode, and
// recovery from a card that stops answering. A placeholder card (the loopback model) is refused.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <numeric>
#include <thread>

#include "hubsec/driver/device/card_esp_offload.hpp"
#include "hubsec/driver/device/card_layout.hpp"
#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/esp_crypto.hpp"

namespace hubsec::driver::device {
namespace {

std::unique_ptr<CardEspOffload> make_offload(CardEspOffload::Options options = {}) {
  OpenedDevice opened = open_sim_device();
  EXPECT_NE(opened.device, nullptr) << opened.error;
  std::string error;
  auto offload = CardEspOffload::create(std::move(opened.device), options, &error);
  EXPECT_NE(offload, nullptr) << error;
  return offload;
}

SaParams outbound_sa(std::uint32_t spi) {
  SaParams p;
  p.direction = Direction::kOutbound;
  p.spi = spi;
  p.enc_key.fill(0x11);
  p.auth_key.fill(0x22);
  return p;
}

std::vector<EspCompletion> drain(EspOffload& offload, std::size_t want) {
  std::vector<EspCompletion> got;
  std::vector<EspCompletion> batch(32);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = offload.poll(batch);
    got.insert(got.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
    if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return got;
}

TEST(CardOffload, RefusesAPlaceholderCardUnlessAskedTo) {
  OpenedDevice opened = open_device("loopback", {});
  ASSERT_NE(opened.device, nullptr);
  std::string error;
  EXPECT_EQ(CardEspOffload::create(std::move(opened.device), {}, &error), nullptr);
  EXPECT_NE(error.find("placeholder"), std::string::npos) << error;
}

TEST(CardOffload, SlotsJobsAndCountersThroughTheRings) {
  auto offload = make_offload();
  ASSERT_NE(offload, nullptr);
  EXPECT_EQ(offload->capabilities().backend, "card:sim");
  const SaHandle sa = offload->install_sa(outbound_sa(0x100));
  ASSERT_NE(sa, kInvalidSa);
  // Even jobs carry their IV, odd ones let the card make it.
  std::vector<std::vector<std::uint8_t>> in(20), out(20), ivs(20);
  std::vector<EspJob> jobs(20);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    in[i].resize(8 * i + 8);
    std::iota(in[i].begin(), in[i].end(), static_cast<std::uint8_t>(i));
    out[i].assign(in[i].size() + 64, 0);
    ivs[i].resize(16);
    std::iota(ivs[i].begin(), ivs[i].end(), static_cast<std::uint8_t>(3 * i));
    jobs[i] =
        EspJob{EspOp::kEncapsulate, sa, in[i], out[i], 1000 + i, true, 4, i % 2 ? nullptr : ivs[i].data()};
  }
  const SaParams params = outbound_sa(0x100);
  auto seal_ref = EspCrypto::create(Direction::kOutbound, params.enc_key, params.integrity,
                                    std::span(params.auth_key).first(20), false);
  auto open_ref = EspCrypto::create(Direction::kInbound, params.enc_key, params.integrity,
                                    std::span(params.auth_key).first(20), false);
  ASSERT_TRUE(seal_ref && open_ref);
  EXPECT_EQ(offload->submit(jobs), jobs.size());
  const auto done = drain(*offload, jobs.size());
  ASSERT_EQ(done.size(), jobs.size());
  for (std::size_t i = 0; i < done.size(); ++i) {
    EXPECT_EQ(done[i].cookie, 1000 + i);
    EXPECT_EQ(done[i].status, EspStatus::kOk);
    EXPECT_EQ(done[i].seq, i + 1);  // the host owns sequence numbers
    ASSERT_EQ(done[i].out_len, esp_packet_length(in[i].size(), IntegrityAlg::kHmacSha1_96));
    const std::span<const std::uint8_t> esp(out[i].data(), done[i].out_len);
    if (i % 2 == 0) {
      std::vector<std::uint8_t> want(out[i].size());
      std::size_t want_len = 0;
      ASSERT_EQ(seal_ref->seal(0x100, i + 1, ivs[i].data(), in[i], 4, want, want_len), EspStatus::kOk);
      ASSERT_EQ(want_len, done[i].out_len);
      EXPECT_EQ(0, std::memcmp(out[i].data(), want.data(), want_len)) << i;
    } else {
      // A card IV: the software engine must accept the packet and give the payload back.
      EXPECT_TRUE(open_ref->verify_icv(esp, 0)) << i;
      std::vector<std::uint8_t> plain(esp.size());
      const EspOpenResult r = open_ref->decrypt(esp, plain);
      EXPECT_EQ(r.status, EspStatus::kOk);
      ASSERT_EQ(r.payload_len, in[i].size());
      EXPECT_EQ(0, std::memcmp(plain.data(), in[i].data(), in[i].size()));
      EXPECT_EQ(r.next_header, 4);
      if (i > 1) {
        EXPECT_NE(0, std::memcmp(out[i].data() + 8, out[i - 2].data() + 8, 16)) << "IV repeated";
      }
    }
  }
  const auto counters = offload->counters(sa);
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ(counters->packets, 20u);
  EXPECT_EQ(counters->last_seq, 20u);
}

TEST(CardOffload, HostSideRefusalsStillComplete) {
  auto offload = make_offload();
  ASSERT_NE(offload, nullptr);
  const SaHandle sa = offload->install_sa(outbound_sa(0x200));
  ASSERT_NE(sa, kInvalidSa);
  std::vector<std::uint8_t> in(64, 1), out(128);
  const EspJob jobs[] = {
      {EspOp::kEncapsulate, 777, in, out, 1, true, 4, nullptr},  // no such SA
      {EspOp::kDecapsulate, sa, in, out, 2, true, 0, nullptr},   // wrong direction
      {EspOp::kEncapsulate, sa, in, out, 3, false, 0, nullptr},  // not an IPv4 packet
  };
  EXPECT_EQ(offload->submit(jobs), 3u);
  const auto done = drain(*offload, 3);
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].status, EspStatus::kUnknownSa);
  EXPECT_EQ(done[1].status, EspStatus::kUnknownSa);
  EXPECT_EQ(done[2].status, EspStatus::kBadHeader);
  EXPECT_EQ(offload->counters(sa)->header_failures, 1u);
  EXPECT_TRUE(offload->remove_sa(sa));
  EXPECT_FALSE(offload->remove_sa(sa));
  EXPECT_FALSE(offload->counters(sa).has_value());
}

TEST(CardOffload, AFullRingDropsAndCounts) {
  CardEspOffload::Options options;
  options.ring_log2 = 3;
  auto offload = make_offload(options);
  ASSERT_NE(offload, nullptr);
  const SaHandle sa = offload->install_sa(outbound_sa(0x300));
  std::vector<std::uint8_t> in(64, 1);
  std::vector<std::vector<std::uint8_t>> out(12, std::vector<std::uint8_t>(128));
  std::vector<EspJob> jobs;
  for (std::size_t i = 0; i < 12; ++i)
    jobs.push_back({EspOp::kEncapsulate, sa, in, out[i], i, true, 4, nullptr});
  EXPECT_EQ(offload->submit(jobs), 8u);
  EXPECT_EQ(offload->counters(sa)->ring_full_drops, 4u);
  EXPECT_EQ(drain(*offload, 8).size(), 8u);
}

// statistics(): the host's counts exactly, the card's registers as it last read them (JOBS_DONE counts the
// control queue's SA commands too), readable from another thread while this one drives the card.
TEST(CardOffload, StatisticsCountJobsAndCarryTheCardsRegisters) {
  CardEspOffload::Options options;
  options.ring_log2 = 3;
  auto offload = make_offload(options);
  ASSERT_NE(offload, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reader_max{0}, reader_backwards{0};
  std::thread reader([&] {
    while (!stop) {
      const EngineStatistics s = offload->statistics();
      if (s.encrypted < reader_max) ++reader_backwards;
      reader_max = std::max<std::uint64_t>(reader_max, s.encrypted);
    }
  });
  EXPECT_EQ(offload->install_sa(outbound_sa(0)), kInvalidSa);  // SPI 0: refused
  const SaHandle sa = offload->install_sa(outbound_sa(0x350));
  ASSERT_NE(sa, kInvalidSa);
  std::vector<std::uint8_t> in(64, 1);
  std::vector<std::vector<std::uint8_t>> out(13, std::vector<std::uint8_t>(128));
  std::vector<EspJob> jobs;
  for (std::size_t i = 0; i < 12; ++i)
    jobs.push_back({EspOp::kEncapsulate, sa, in, out[i], i, true, 4, nullptr});
  EXPECT_EQ(offload->submit(jobs), 8u);  // 4 find the ring full
  EXPECT_EQ(drain(*offload, 8).size(), 8u);
  const EspJob unknown{EspOp::kEncapsulate, 999, in, out[12], 99, true, 4, nullptr};
  EXPECT_EQ(offload->submit(std::span(&unknown, 1)), 1u);
  EXPECT_EQ(drain(*offload, 1).size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::array<EspCompletion, 1> none{};
  EXPECT_EQ(offload->poll(none), 0u);  // the card did something since the last read: read again
  stop = true;
  reader.join();

  const EngineStatistics s = offload->statistics();
  EXPECT_TRUE(s.card);
  EXPECT_EQ(s.encrypt_jobs, 9u);
  EXPECT_EQ(s.decrypt_jobs, 0u);
  EXPECT_EQ(s.encrypted, 8u);
  EXPECT_EQ(s.bytes_encrypted, 8u * 64u);
  EXPECT_EQ(s.failed(EspStatus::kRingFull), 4u);
  EXPECT_EQ(s.failed(EspStatus::kUnknownSa), 1u);
  EXPECT_EQ(s.host_refused, 1u);
  EXPECT_EQ(s.sa_installs, 1u);
  EXPECT_EQ(s.sa_refusals, 1u);
  EXPECT_EQ(s.sas, 1u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.resets, 0u);
  EXPECT_EQ(s.reg_jobs_done, 9u);  // one SA_WRITE and eight ESP jobs since the reset in create()
  EXPECT_GT(s.reg_cycles, 0u);
  EXPECT_EQ(s.reg_fault_count, 0u);
  EXPECT_NE(s.reg_status & card::kStatEnabled, 0u);
  EXPECT_NE(s.registers_read, std::chrono::steady_clock::time_point{});
  EXPECT_EQ(reader_backwards.load(), 0u);
  EXPECT_LE(reader_max.load(), 8u);

  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE(offload->remove_sa(sa));
  const EngineStatistics after = offload->statistics();
  EXPECT_EQ(after.sa_removals, 1u);
  EXPECT_EQ(after.sas, 0u);
  EXPECT_EQ(after.reg_jobs_done, 10u);  // the SA_INVALIDATE
  EXPECT_GT(after.register_snapshots, s.register_snapshots);
}

// An idle card's registers catch up on refresh_statistics() (the data plane's tick calls it): the read at
// the end of the last poll may have been skipped as less than a millisecond after the one before.
TEST(CardOffload, RefreshReadsAnIdleCardsRegisters) {
  auto offload = make_offload({});
  ASSERT_NE(offload, nullptr);
  const SaHandle sa = offload->install_sa(outbound_sa(0x351));
  ASSERT_NE(sa, kInvalidSa);
  std::vector<std::uint8_t> in(64, 2);
  std::vector<std::vector<std::uint8_t>> out(4, std::vector<std::uint8_t>(128));
  std::vector<EspJob> jobs;
  for (std::size_t i = 0; i < 4; ++i)
    jobs.push_back({EspOp::kEncapsulate, sa, in, out[i], i, true, 4, nullptr});
  ASSERT_EQ(offload->submit(jobs), 4u);
  ASSERT_EQ(drain(*offload, 4).size(), 4u);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  offload->refresh_statistics();
  const EngineStatistics s = offload->statistics();
  EXPECT_EQ(s.reg_jobs_done, 5u);  // the SA_WRITE and the four ESP jobs
  offload->refresh_statistics();   // nothing happened since: no new read
  EXPECT_EQ(offload->statistics().register_snapshots, s.register_snapshots);
}

TEST(CardOffload, InterruptModeDeliversEveryCompletion) {
  CardEspOffload::Options options;
  options.interrupts = true;
  options.irq_count = 4;
  options.irq_time_cycles = 500;
  auto offload = make_offload(options);
  ASSERT_NE(offload, nullptr);
  const SaHandle sa = offload->install_sa(outbound_sa(0x400));
  std::vector<std::uint8_t> in(256, 7);
  std::vector<std::vector<std::uint8_t>> out(7, std::vector<std::uint8_t>(512));
  std::vector<EspJob> jobs;
  for (std::size_t i = 0; i < 7; ++i)
    jobs.push_back({EspOp::kEncapsulate, sa, in, out[i], i, true, 4, nullptr});
  ASSERT_EQ(offload->submit(jobs), 7u);
  const auto done = drain(*offload, 7);  // 4 by count, 3 by time
  ASSERT_EQ(done.size(), 7u);
  for (const auto& c : done) EXPECT_EQ(c.status, EspStatus::kOk);
}

TEST(CardOffload, ACardThatStopsAnsweringIsResetAndItsSasReinstalled) {
  CardEspOffload::Options options;
  options.stall_timeout = std::chrono::milliseconds(300);
  auto offload = make_offload(options);
  ASSERT_NE(offload, nullptr);
  const SaHandle sa = offload->install_sa(outbound_sa(0x500));
  ASSERT_NE(sa, kInvalidSa);
  // The card stops serving its queues behind the driver's back.
  offload->device().write32(card::reg::kControl, 0);
  std::vector<std::uint8_t> in(128, 3);
  std::vector<std::vector<std::uint8_t>> out(5, std::vector<std::uint8_t>(256));
  std::vector<EspJob> jobs;
  for (std::size_t i = 0; i < 5; ++i)
    jobs.push_back({EspOp::kEncapsulate, sa, in, out[i], i, true, 4, nullptr});
  ASSERT_EQ(offload->submit(jobs), 5u);
  const auto lost = drain(*offload, 5);
  ASSERT_EQ(lost.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(lost[i].cookie, i);
    EXPECT_EQ(lost[i].status, EspStatus::kDeviceError);
  }
  EXPECT_EQ(offload->resets(), 1u);
  EXPECT_EQ(offload->counters(sa)->device_errors, 5u);
  // After the reset the SA works again without being installed by the caller.
  ASSERT_EQ(offload->submit(jobs), 5u);
  const auto again = drain(*offload, 5);
  ASSERT_EQ(again.size(), 5u);
  for (const auto& c : again) EXPECT_EQ(c.status, EspStatus::kOk);
  EXPECT_EQ(offload->resets(), 1u);
}

}  // namespace
}  // namespace hubsec::driver::device
