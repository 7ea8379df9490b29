// SimCard itself: it identifies as the card and clocks the model only while there is something to do.
#include "hubsec/sim/sim_card.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "hubsec/driver/device/card_layout.hpp"

namespace hubsec::sim {
namespace {

namespace layout = hubsec::driver::device::card;

TEST(SimCard, ClocksOnlyWhileBusy) {
  SimCard card;
  EXPECT_EQ(card.read32(layout::reg::kId), layout::kCardId);
  // Once its idle grace period has passed (however long the scheduler takes to run it), the count stops.
  std::uint64_t c0 = card.stats().cycles;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t c = card.stats().cycles;
    if (c == c0 || std::chrono::steady_clock::now() > deadline) break;
    c0 = c;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(card.stats().cycles, c0) << "an idle card should not burn a host core";
  card.run_cycles(1000);
  EXPECT_GE(card.stats().cycles, c0 + 1000);
  // The register file's own cycle counter agrees with the simulator's count (it started at reset).
  const std::uint32_t regs = card.read32(layout::reg::kCyclesLo);
  EXPECT_LE(regs, card.stats().cycles);
  EXPECT_GE(regs + 16, c0 + 1000);
  EXPECT_EQ(card.stats().dma_faults, 0u);
  EXPECT_FALSE(card.interrupt_line());
}

}  // namespace
}  // namespace hubsec::sim
