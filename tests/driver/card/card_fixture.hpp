// A Verilator card, reset and enabled, with its control queue and one or more data queues, plus helpers
// to install SAs (keys derived from a key id) and to build ESP jobs whose expected output comes from the
// driver's software engine (OpenSSL) at test time.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "hubsec/driver/device/card_control.hpp"
#include "hubsec/driver/device/card_layout.hpp"
#include "hubsec/driver/device/card_queue.hpp"
#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/device/sim_access.hpp"
#include "hubsec/driver/esp_crypto.hpp"

namespace hubsec::driver::device::testing {

namespace layout = hubsec::driver::device::card;

// An SA as the tests install it: direction, ICV, ESN, lifetime limits, and whose keys it uses.
struct SaSpec {
  bool inbound = false;
  bool sha256 = false;
  bool esn = false;
  int key_id = -1;  // keys and SPI of this id (-1: the slot's)
  std::uint64_t soft_packets = 0, hard_packets = 0;
};
// Keys and SPI derived from a key id (the slot's number unless SaSpec::key_id says otherwise).
struct Keys {
  std::array<std::uint8_t, 32> enc{}, auth{};
  std::uint32_t spi = 0;
};
inline Keys keys_for(int id) {
  Keys k;
  for (std::size_t i = 0; i < 32; ++i) {
    k.enc[i] = static_cast<std::uint8_t>(id * 13 + static_cast<int>(i) + 1);
    k.auth[i] = static_cast<std::uint8_t>(0xa0 ^ (id * 7 + static_cast<int>(i)));
  }
  k.spi = 0x1000u + static_cast<std::uint32_t>(id);
  return k;
}

class CardFixture : public ::testing::Test {
 protected:
  // Whatever a test did, the card must never have issued an illegal AXI burst (4 KiB crossing, wrong size,
  // WLAST in the wrong place), and every fault must be one the test provoked on purpose.
  void TearDown() override {
    if (!device_) return;
    const sim::SimCardStats stats = sim_card_of(*device_)->stats();
    EXPECT_EQ(stats.protocol_errors, 0u);
    EXPECT_EQ(stats.dma_faults, expected_faults_);
    EXPECT_EQ(device_->read32(layout::reg::kFaultCount), expected_faults_);
  }

  void open(unsigned data_queues = 1, unsigned ring_log2 = 4, unsigned stall_permille = 0) {
    SimDeviceOptions options;
    options.dma_stall_permille = stall_permille;
    OpenedDevice opened = open_sim_device(options);
    ASSERT_NE(opened.device, nullptr) << opened.error;
    device_ = std::move(opened.device);
    ASSERT_TRUE(reset_card(*device_, std::chrono::milliseconds(2000)));
    std::string error;
    auto identity = read_identity(*device_, &error);
    ASSERT_TRUE(identity.has_value()) << error;
    identity_ = *identity;
    ASSERT_GE(identity_.queues, data_queues + 1);
    queues_.clear();
    for (unsigned q = 0; q <= data_queues; ++q) {
      queues_.push_back(CardQueue::create(*device_, q, ring_log2, &error));
      ASSERT_NE(queues_.back(), nullptr) << error;
    }
    enable_card(*device_, true);
  }

  CardQueue& control() { return *queues_[0]; }
  CardQueue& data(unsigned i = 1) { return *queues_[i]; }

  // Waits (polling, with a deadline) until `want` completions have arrived on `queue`.
  std::vector<layout::Cpl> collect(CardQueue& queue, std::size_t want,
                                   std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    std::vector<layout::Cpl> got;
    std::vector<layout::Cpl> batch(64);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      const std::size_t n = queue.poll(std::span(batch).first(std::min(batch.size(), want - got.size())));
      got.insert(got.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
      if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return got;
  }

  static IntegrityAlg alg(const SaSpec& spec) {
    return spec.sha256 ? IntegrityAlg::kHmacSha256_128 : IntegrityAlg::kHmacSha1_96;
  }
  // The software engine (OpenSSL) with the keys of `spec` for `slot`: the reference for the card.
  static std::unique_ptr<EspCrypto> reference(std::uint16_t slot, const SaSpec& spec, Direction direction) {
    const Keys k = keys_for(spec.key_id < 0 ? slot : spec.key_id);
    return EspCrypto::create(direction, k.enc, alg(spec),
                             std::span(k.auth).first(integrity_key_bytes(alg(spec))), spec.esn);
  }
  static std::uint32_t spi_for(std::uint16_t slot, const SaSpec& spec) {
    return keys_for(spec.key_id < 0 ? slot : spec.key_id).spi;
  }

  // SA_WRITE through the control queue; returns the completion status.
  std::uint8_t install_sa(std::uint16_t slot, std::uint16_t generation, bool valid = true,
                          std::uint16_t record_generation = 0xffff, const SaSpec& spec = {}) {
    auto record = device_->alloc_dma(sizeof(layout::SaRecord));
    const Keys k = keys_for(spec.key_id < 0 ? slot : spec.key_id);
    layout::SaRecord r{};
    r.flags = static_cast<std::uint8_t>((valid ? layout::kSaFlagValid : 0) | layout::kSaFlagCardIv |
                                        (spec.inbound ? layout::kSaFlagInbound : 0) |
                                        (spec.esn ? layout::kSaFlagEsn : 0));
    r.integrity = spec.sha256 ? 2 : 1;
    r.icv_len = spec.sha256 ? 16 : 12;
    r.spi = k.spi;
    r.generation = record_generation == 0xffff ? generation : record_generation;
    r.soft_packets = spec.soft_packets;
    r.hard_packets = spec.hard_packets;
    r.enc_key = k.enc;
    std::copy_n(k.auth.begin(), integrity_key_bytes(alg(spec)), r.auth_key.begin());
    for (std::size_t i = 0; i < r.iv_key.size(); ++i) r.iv_key[i] = static_cast<std::uint8_t>(0x5c + i);
    std::memcpy(record->data(), &r, sizeof r);
    layout::Desc d{};
    d.opcode = static_cast<std::uint8_t>(layout::Opcode::kSaWrite);
    d.sa_slot = slot;
    d.sa_gen = generation;
    d.src_addr = record->bus_address();
    d.src_len = sizeof(layout::SaRecord);
    d.cookie = 0xc0de0000u + slot;
    EXPECT_EQ(control().post(std::span(&d, 1)), 1u);
    control().ring_doorbell();
    auto cpl = collect(control(), 1);
    EXPECT_EQ(cpl.size(), 1u);
    if (cpl.empty()) return 0xff;
    EXPECT_EQ(cpl[0].cookie, d.cookie);
    return cpl[0].status;
  }

  static std::array<std::uint8_t, 16> iv_for(std::uint64_t cookie) {
    std::array<std::uint8_t, 16> iv{};
    for (std::size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<std::uint8_t>(i * 17 + cookie * 29 + 3);
    return iv;
  }
  static std::uint64_t seq_for(std::uint64_t cookie) { return 0x100000000ull * (cookie % 3) + cookie + 1; }

  // ENCRYPT of `len` payload bytes at src (+ src_off) into dst (+ dst_off), with a job IV and room for
  // the ESP packet (dst_cap = len + 64).
  layout::Desc esp_desc(std::uint16_t slot, std::uint16_t generation, const DmaBuffer& src, std::size_t len,
                        const DmaBuffer& dst, std::uint64_t cookie, std::size_t src_off = 0,
                        std::size_t dst_off = 0) {
    layout::Desc d{};
    d.opcode = static_cast<std::uint8_t>(layout::Opcode::kEncrypt);
    d.flags = layout::kDescFlagIv | layout::kDescFlagRawEsp;
    d.sa_slot = slot;
    d.sa_gen = generation;
    d.seq = seq_for(cookie);
    d.src_addr = src.bus_address() + src_off;
    d.dst_addr = dst.bus_address() + dst_off;
    d.src_len = static_cast<std::uint16_t>(len);
    d.dst_cap = static_cast<std::uint16_t>(len + 64);
    d.next_header = static_cast<std::uint8_t>(4 + cookie % 50);
    d.cookie = cookie;
    d.iv = iv_for(cookie);
    return d;
  }

  // What the card must write for ENCRYPT descriptor `d` of `payload` on an SA of `spec` at `slot`.
  static std::vector<std::uint8_t> sealed(const layout::Desc& d, std::span<const std::uint8_t> payload,
                                          const SaSpec& spec = {}) {
    auto ref = reference(d.sa_slot, spec, Direction::kOutbound);
    std::vector<std::uint8_t> out(payload.size() + 64);
    std::size_t len = 0;
    EXPECT_EQ(ref->seal(spi_for(d.sa_slot, spec), d.seq, d.iv.data(), payload, d.next_header, out, len),
              EspStatus::kOk);
    out.resize(len);
    return out;
  }

  // The first byte where the card's output differs from the reference, or -1.
  static long first_difference(const std::uint8_t* got, std::span<const std::uint8_t> want) {
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (got[i] != want[i]) return static_cast<long>(i);
    }
    return -1;
  }

  std::unique_ptr<Device> device_;
  std::uint64_t expected_faults_ = 0;
  CardIdentity identity_;
  std::vector<std::unique_ptr<CardQueue>> queues_;
};

}  // namespace hubsec::driver::device::testing
