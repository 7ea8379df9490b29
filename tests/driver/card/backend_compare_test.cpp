// Bit-exact comparison of ESP backends over random traffic. Soft against soft checks the harness itself
// (it must find no difference and count every tampered packet); the Verilator card against soft is the
// issue 6 acceptance test.

#include "hubsec/driver/device/backend_compare.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "hubsec/driver/device/card_esp_offload.hpp"
#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"

namespace hubsec::driver::device {
namespace {

TEST(BackendCompare, SoftAgainstSoftAgreesBitForBit) {
  SoftEspOffload a, b;
  const CompareResult r = compare_backends(a, b, 11, 400, 8);
  EXPECT_EQ(r.mismatches, 0u) << r.first_mismatch;
  EXPECT_EQ(r.jobs, 800u);
  EXPECT_EQ(r.icv_refusals, 80u);
}

// A soft backend that corrupts one byte of the ESP output of job 3: the harness must notice.
class FlipOneByte final : public EspOffload {
 public:
  Capabilities capabilities() const override { return inner_.capabilities(); }
  SaHandle install_sa(const SaParams& params) override { return inner_.install_sa(params); }
  bool remove_sa(SaHandle sa) override { return inner_.remove_sa(sa); }
  std::size_t submit(std::span<const EspJob> jobs) override {
    for (const EspJob& job : jobs) {
      if (job.cookie == 3 && job.op == EspOp::kEncapsulate) flip_at_ = job.out.data() + 20;
    }
    return inner_.submit(jobs);
  }
  std::size_t poll(std::span<EspCompletion> out) override {
    const std::size_t n = inner_.poll(out);
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i].cookie == 3 && flip_at_ != nullptr) {
        *flip_at_ ^= 0x80;
        flip_at_ = nullptr;
      }
    }
    return n;
  }
  std::optional<SaCounters> counters(SaHandle sa) const override { return inner_.counters(sa); }

 private:
  SoftEspOffload inner_;
  std::uint8_t* flip_at_ = nullptr;
};

TEST(BackendCompare, HarnessNoticesOneFlippedBit) {
  SoftEspOffload a;
  FlipOneByte b;
  const CompareResult r = compare_backends(a, b, 12, 50, 2);
  EXPECT_GE(r.mismatches, 1u);
  EXPECT_NE(r.first_mismatch.find("job 3: encap bytes differ"), std::string::npos) << r.first_mismatch;
}

// 2,000 random outbound jobs over 16 SA pairs (both ICVs, ESN on and off, payloads 0..2,000 bytes) and
// their decapsulation (every fifth tampered): the Verilator card and the soft backend agree bit for bit.
TEST(BackendCompare, VerilatorCardAgainstSoft) {
  OpenedDevice opened = open_sim_device();
  if (!opened.device) GTEST_SKIP() << opened.error;  // a build without the RTL
  std::string error;
  // The simulator runs at a few hundred thousand cycles per second on a loaded machine: give the stall
  // detector room, a reset here would be a bug.
  CardEspOffload::Options options;
  options.stall_timeout = std::chrono::seconds(20);
  auto card = CardEspOffload::create(std::move(opened.device), options, &error);
  ASSERT_NE(card, nullptr) << error;
  SoftEspOffload soft;
  const CompareResult r = compare_backends(*card, soft, 13, 2000, 16);
  EXPECT_EQ(r.mismatches, 0u) << r.first_mismatch;
  EXPECT_GE(r.jobs, 3500u);
  EXPECT_EQ(r.icv_refusals, 400u);
  EXPECT_EQ(card->resets(), 0u);
}

}  // namespace
}  // namespace hubsec::driver::device
