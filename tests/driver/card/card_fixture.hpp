// A Verilator card, reset and enabled, with its control queue and one or more data queues, plus helpers
// to install placeholder SAs and to run copy jobs through the rings.
#pragma once

#include <gtest/gtest.h>

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

namespace hubsec::driver::device::testing {

namespace layout = hubsec::driver::device::card;

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

  // SA_WRITE through the control queue; returns the completion status.
  std::uint8_t install_sa(std::uint16_t slot, std::uint16_t generation, bool valid = true,
                          std::uint16_t record_generation = 0xffff) {
    auto record = device_->alloc_dma(sizeof(layout::SaRecord));
    layout::SaRecord r{};
    r.flags = valid ? layout::kSaFlagValid : 0;
    r.integrity = 1;
    r.icv_len = 12;
    r.spi = 0x1000u + slot;
    r.generation = record_generation == 0xffff ? generation : record_generation;
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

  layout::Desc copy_desc(std::uint16_t slot, std::uint16_t generation, const DmaBuffer& src, std::size_t len,
                         const DmaBuffer& dst, std::uint64_t cookie, std::size_t src_off = 0,
                         std::size_t dst_off = 0) {
    layout::Desc d{};
    d.opcode = static_cast<std::uint8_t>(layout::Opcode::kEncrypt);
    d.sa_slot = slot;
    d.sa_gen = generation;
    d.seq = cookie;
    d.src_addr = src.bus_address() + src_off;
    d.dst_addr = dst.bus_address() + dst_off;
    d.src_len = static_cast<std::uint16_t>(len);
    d.dst_cap = static_cast<std::uint16_t>(len);
    d.next_header = 4;
    d.cookie = cookie;
    return d;
  }

  std::unique_ptr<Device> device_;
  std::uint64_t expected_faults_ = 0;
  CardIdentity identity_;
  std::vector<std::unique_ptr<CardQueue>> queues_;
};

}  // namespace hubsec::driver::device::testing
