// The rings over the loopback model (no RTL needed): the same protocol as the card, completed at once.
#include <gtest/gtest.h>

#include <cstring>

#include "hubsec/driver/device/card_control.hpp"
#include "hubsec/driver/device/card_queue.hpp"
#include "hubsec/driver/device/loopback_device.hpp"

namespace hubsec::driver::device {
namespace {

TEST(LoopbackRings, CopiesWrapAndCountWithoutTheRtl) {
  OpenedDevice opened = open_device("loopback");
  ASSERT_NE(opened.device, nullptr);
  Device& device = *opened.device;
  ASSERT_NE(loopback_stats(device), nullptr);
  ASSERT_TRUE(reset_card(device, std::chrono::milliseconds(100)));
  std::string error;
  ASSERT_TRUE(read_identity(device, &error).has_value()) << error;
  auto control = CardQueue::create(device, 0, 2, &error);
  auto data = CardQueue::create(device, 1, 3, &error);
  ASSERT_TRUE(control && data) << error;
  enable_card(device, true);

  auto record = device.alloc_dma(sizeof(card::SaRecord));
  card::SaRecord r{};
  r.flags = card::kSaFlagValid;
  r.generation = 3;
  std::memcpy(record->data(), &r, sizeof r);
  card::Desc write{};
  write.opcode = static_cast<std::uint8_t>(card::Opcode::kSaWrite);
  write.sa_slot = 9;
  write.sa_gen = 3;
  write.src_addr = record->bus_address();
  write.src_len = sizeof r;
  ASSERT_EQ(control->post(std::span(&write, 1)), 1u);
  control->ring_doorbell();
  card::Cpl cpl{};
  ASSERT_EQ(control->poll(std::span(&cpl, 1)), 1u);
  ASSERT_EQ(cpl.status, static_cast<std::uint8_t>(card::Status::kOk));

  auto src = device.alloc_dma(100);
  auto dst = device.alloc_dma(100);
  for (int i = 0; i < 100; ++i) src->data()[i] = static_cast<std::uint8_t>(i * 7);
  std::uint64_t done = 0;
  for (std::uint64_t round = 0; round < 10; ++round) {
    std::vector<card::Desc> batch;
    for (std::uint64_t k = 0; k < 5; ++k) {
      card::Desc d{};
      d.opcode = static_cast<std::uint8_t>(card::Opcode::kEncrypt);
      d.sa_slot = 9;
      d.sa_gen = 3;
      d.src_addr = src->bus_address();
      d.dst_addr = dst->bus_address();
      d.src_len = d.dst_cap = static_cast<std::uint16_t>(10 + k);
      d.cookie = round * 5 + k;
      batch.push_back(d);
    }
    ASSERT_EQ(data->post(batch), 5u);
    data->ring_doorbell();
    card::Cpl out[8];
    const std::size_t n = data->poll(out);
    ASSERT_EQ(n, 5u);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i].cookie, done++);
      EXPECT_EQ(out[i].status, static_cast<std::uint8_t>(card::Status::kOk));
      EXPECT_EQ(out[i].out_len, 10 + i);
    }
  }
  EXPECT_EQ(0, std::memcmp(dst->data(), src->data(), 14));
  EXPECT_EQ(device.read32(card::queue_reg(1, card::qreg::kConsumer)), 50u);
  EXPECT_GT(loopback_stats(device)->model_cpu_ns(), 0u);
}

}  // namespace
}  // namespace hubsec::driver::device
