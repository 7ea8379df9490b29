// A card that answers with a completion for no job in flight: the card backend must not trust it, must
// reset the card, and must fail every job that was in flight, once, with kDeviceError.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "hubsec/driver/device/card_esp_offload.hpp"
#include "hubsec/driver/device/card_layout.hpp"
#include "hubsec/driver/device/loopback_device.hpp"

namespace hubsec::driver::device {
namespace {

// The loopback model, but the first completion it writes on queue 1 after `arm()` names a cookie that
// was never posted. (Loopback bus addresses are host addresses, so the ring can be reached directly.)
class CorruptingDevice final : public Device {
 public:
  CorruptingDevice() : inner_(open_loopback_device().device) {}
  void arm() { armed_ = true; }

  std::string name() const override { return "corrupting-loopback"; }
  std::uint32_t read32(std::uint32_t offset) override { return inner_->read32(offset); }
  void write32(std::uint32_t offset, std::uint32_t value) override {
    const std::uint32_t tail_before = inner_->read32(card::queue_reg(1, card::qreg::kCplTail));
    inner_->write32(offset, value);
    if (!armed_ || offset != card::queue_reg(1, card::qreg::kProducer)) return;
    const std::uint32_t tail = inner_->read32(card::queue_reg(1, card::qreg::kCplTail));
    if (tail == tail_before) return;
    const std::uint64_t base = inner_->read32(card::queue_reg(1, card::qreg::kCplBaseLo)) |
                               std::uint64_t{inner_->read32(card::queue_reg(1, card::qreg::kCplBaseHi))}
                                   << 32;
    const std::uint32_t mask = (1u << inner_->read32(card::queue_reg(1, card::qreg::kRingLog2))) - 1;
    auto* cpl = reinterpret_cast<card::Cpl*>(static_cast<std::uintptr_t>(base)) + (tail_before & mask);
    cpl->cookie += 1000;
    armed_ = false;
  }
  std::unique_ptr<DmaBuffer> alloc_dma(std::size_t bytes) override { return inner_->alloc_dma(bytes); }
  bool wait_interrupt(std::chrono::microseconds timeout) override { return inner_->wait_interrupt(timeout); }

 private:
  std::unique_ptr<Device> inner_;
  bool armed_ = false;
};

TEST(ConfusedCard, AStrayCompletionResetsTheCardAndFailsTheJobsInFlight) {
  auto device = std::make_unique<CorruptingDevice>();
  CorruptingDevice* corrupting = device.get();
  CardEspOffload::Options options;
  options.allow_placeholder = true;
  std::string error;
  auto offload = CardEspOffload::create(std::move(device), options, &error);
  ASSERT_NE(offload, nullptr) << error;
  SaParams params;
  params.spi = 0x77;
  const SaHandle sa = offload->install_sa(params);
  ASSERT_NE(sa, kInvalidSa);
  std::vector<std::uint8_t> in(64, 9);
  std::vector<std::vector<std::uint8_t>> out(4, std::vector<std::uint8_t>(128));
  std::vector<EspJob> jobs;
  for (std::size_t i = 0; i < 4; ++i)
    jobs.push_back({EspOp::kEncapsulate, sa, in, out[i], 50 + i, true, 4, nullptr});
  corrupting->arm();
  ASSERT_EQ(offload->submit(jobs), 4u);
  std::vector<EspCompletion> done(8);
  const std::size_t n = offload->poll(done);
  ASSERT_EQ(n, 4u);
  // Jobs 51..53 got completions that name them; job 50's was replaced by the stray one, so it is failed
  // by the reset. Every job completes exactly once.
  std::map<std::uint64_t, EspStatus> by_cookie;
  for (std::size_t i = 0; i < n; ++i) EXPECT_TRUE(by_cookie.emplace(done[i].cookie, done[i].status).second);
  ASSERT_EQ(by_cookie.size(), 4u);
  EXPECT_EQ(by_cookie[50], EspStatus::kDeviceError);
  EXPECT_EQ(by_cookie[51], EspStatus::kOk);
  EXPECT_EQ(by_cookie[52], EspStatus::kOk);
  EXPECT_EQ(by_cookie[53], EspStatus::kOk);
  EXPECT_EQ(offload->protocol_errors(), 1u);
  EXPECT_EQ(offload->resets(), 1u);
  EXPECT_EQ(offload->poll(done), 0u);  // nothing completes twice
  // The SA was reinstalled: the next jobs go through.
  ASSERT_EQ(offload->submit(jobs), 4u);
  ASSERT_EQ(offload->poll(done), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(done[i].status, EspStatus::kOk);
}

}  // namespace
}  // namespace hubsec::driver::device
