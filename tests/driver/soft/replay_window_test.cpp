// Anti-replay window (RFC 4303 3.4.3) and ESN inference (appendix A2.2).
#include "hubsec/driver/replay_window.hpp"

#include <gtest/gtest.h>

namespace hubsec::driver {
namespace {

// Phase 1 then phase 2, as the engine does for a packet whose ICV passed.
bool accept(ReplayWindow& w, std::uint32_t seq_low) {
  const auto seq = w.check(seq_low);
  if (!seq) return false;
  w.update(*seq);
  return true;
}

TEST(ReplayWindow, SequenceZeroIsNeverValid) {
  ReplayWindow w(64, false);
  EXPECT_FALSE(w.check(0).has_value());
  ReplayWindow e(64, true);
  EXPECT_FALSE(e.check(0).has_value());  // ESN: would be 0 in the first subspace
}

TEST(ReplayWindow, DuplicatesAreRejected) {
  ReplayWindow w(64, false);
  EXPECT_TRUE(accept(w, 1));
  EXPECT_FALSE(accept(w, 1));
  EXPECT_TRUE(accept(w, 3));
  EXPECT_TRUE(accept(w, 2));  // late but inside the window
  EXPECT_FALSE(accept(w, 2));
  EXPECT_FALSE(accept(w, 3));
  EXPECT_EQ(w.top(), 3u);
}

TEST(ReplayWindow, CheckDoesNotMoveTheWindow) {
  ReplayWindow w(64, false);
  EXPECT_EQ(w.check(1000), 1000u);  // e.g. a forged packet whose ICV then fails
  EXPECT_EQ(w.top(), 0u);
  EXPECT_TRUE(accept(w, 1));  // still acceptable: nothing moved
}

TEST(ReplayWindow, LeftEdge) {
  ReplayWindow w(64, false);
  ASSERT_TRUE(accept(w, 100));
  // Window covers 37..100: 37 is the oldest acceptable, 36 is out.
  EXPECT_TRUE(w.check(37).has_value());
  EXPECT_FALSE(w.check(36).has_value());
  EXPECT_TRUE(accept(w, 37));
  EXPECT_FALSE(accept(w, 37));
  ASSERT_TRUE(accept(w, 101));  // edge moves by one: 37 now too old, 38 still fine
  EXPECT_FALSE(w.check(37).has_value());
  EXPECT_TRUE(w.check(38).has_value());
}

TEST(ReplayWindow, FarJumpClearsOldBits) {
  ReplayWindow w(64, false);
  for (std::uint32_t s = 1; s <= 64; ++s) ASSERT_TRUE(accept(w, s));
  ASSERT_TRUE(accept(w, 1'000'000));
  // Everything below the new window is too old; the ones inside it were never seen.
  EXPECT_FALSE(w.check(64).has_value());
  EXPECT_TRUE(w.check(1'000'000 - 63).has_value());
  EXPECT_FALSE(w.check(1'000'000 - 64).has_value());
  for (std::uint32_t s = 1'000'000 - 63; s < 1'000'000; ++s) ASSERT_TRUE(accept(w, s)) << s;
  EXPECT_FALSE(accept(w, 1'000'000));
  // A jump smaller than the window keeps the recent bits.
  ASSERT_TRUE(accept(w, 1'000'010));
  EXPECT_FALSE(w.check(1'000'000).has_value());
  EXPECT_FALSE(w.check(1'000'000 - 50).has_value());  // received before the jump, still in the window
  EXPECT_TRUE(w.check(1'000'005).has_value());        // skipped over: never received
  EXPECT_TRUE(w.check(1'000'009).has_value());
}

TEST(ReplayWindow, ResumedWindowTreatsEverythingBelowAsSeen) {
  ReplayWindow w(64, false, 500);
  EXPECT_EQ(w.top(), 500u);
  EXPECT_FALSE(w.check(500).has_value());
  EXPECT_FALSE(w.check(480).has_value());
  EXPECT_TRUE(accept(w, 501));
}

TEST(ReplayWindow, OddSizesAreExact) {
  ReplayWindow w(100, false);  // not a multiple of 64
  ASSERT_TRUE(accept(w, 500));
  EXPECT_TRUE(w.check(401).has_value());
  EXPECT_FALSE(w.check(400).has_value());
}

TEST(ReplayWindow, Window4096) {
  ASSERT_TRUE(ReplayWindow::valid_size(4096));
  EXPECT_FALSE(ReplayWindow::valid_size(kMaxReplayWindow + 1));
  ReplayWindow w(4096, false);
  // Receive 1..8192 in reverse order inside each window-sized chunk.
  for (std::uint32_t base = 0; base < 8192; base += 4096) {
    for (std::uint32_t s = base + 4096; s > base; --s) ASSERT_TRUE(accept(w, s)) << s;
  }
  EXPECT_EQ(w.top(), 8192u);
  for (std::uint32_t s = 8192 - 4095; s <= 8192; ++s) ASSERT_FALSE(w.check(s).has_value()) << s;
  EXPECT_FALSE(w.check(8192 - 4096).has_value());
  ASSERT_TRUE(accept(w, 12000));
  EXPECT_FALSE(w.check(12000 - 4095).has_value());  // 7905: received, and the oldest in the window
  EXPECT_FALSE(w.check(12000 - 4096).has_value());  // too old
  EXPECT_TRUE(w.check(8193).has_value());           // skipped over: never received
}

TEST(ReplayWindow, DisabledAcceptsDuplicatesButTracksTop) {
  ReplayWindow w(0, false);
  EXPECT_TRUE(accept(w, 5));
  EXPECT_TRUE(accept(w, 5));
  EXPECT_TRUE(accept(w, 1));
  EXPECT_EQ(w.top(), 5u);
  EXPECT_FALSE(w.check(0).has_value());
}

TEST(ReplayWindow, WithoutEsnTheNumberIsTheLow32Bits) {
  ReplayWindow w(64, false);
  ASSERT_TRUE(accept(w, 0xffffffffu));
  EXPECT_FALSE(w.check(1).has_value());  // no wrap without ESN: 1 is far left of the window
}

TEST(ReplayWindowEsn, CaseAInfersSameOrNextSubspace) {
  ReplayWindow w(64, true);
  ASSERT_TRUE(accept(w, 1000));  // T = 1000: Tl >= W - 1
  EXPECT_EQ(w.check(1001), 1001u);
  EXPECT_EQ(w.check(937), 937u);                            // bottom of the window
  EXPECT_EQ(w.check(936), (std::uint64_t{1} << 32) | 936);  // below it: next subspace
  EXPECT_EQ(w.check(5), (std::uint64_t{1} << 32) | 5);
}

TEST(ReplayWindowEsn, Low32BitWrap) {
  ReplayWindow w(64, true, 0xffffffe0u);  // resumed near the end of the first subspace
  ASSERT_TRUE(accept(w, 0xfffffff0u));
  // The sender wraps its low half: 0xfffffff1.. then 0, 1, 2 with the high half now 1.
  ASSERT_TRUE(accept(w, 0xfffffffeu));
  ASSERT_TRUE(accept(w, 0xffffffffu));
  EXPECT_EQ(w.check(0), std::uint64_t{1} << 32);
  ASSERT_TRUE(accept(w, 0));
  ASSERT_TRUE(accept(w, 2));
  EXPECT_EQ(w.top(), (std::uint64_t{1} << 32) | 2);
  // Now Tl = 2 < W - 1 (case B): numbers at the top of the low space belong to the previous subspace.
  EXPECT_EQ(w.check(0xfffffff5u), 0xfffffff5ull);  // late but inside the window
  EXPECT_FALSE(w.check(0xfffffffeu).has_value());  // already received
  EXPECT_FALSE(w.check(0xffffffffu).has_value());
  EXPECT_FALSE(w.check(0).has_value());
  EXPECT_EQ(w.check(1), (std::uint64_t{1} << 32) | 1);  // the gap, still new
  // Below the window bottom in the low space reads as 2^32 ahead (appendix A2.2): the ICV decides.
  EXPECT_EQ(w.check(0xffffffc0u), (std::uint64_t{1} << 32) | 0xffffffc0u);
  EXPECT_EQ(w.check(3), (std::uint64_t{1} << 32) | 3);
  ASSERT_TRUE(accept(w, 0xfffffff5u));
  EXPECT_FALSE(accept(w, 0xfffffff5u));
  EXPECT_EQ(w.top(), (std::uint64_t{1} << 32) | 2);  // a late packet does not move the top
}

TEST(ReplayWindowEsn, NothingBeforeTheFirstSubspace) {
  ReplayWindow w(64, true);
  ASSERT_TRUE(accept(w, 3));  // Tl = 3 < W - 1 and Th = 0: case B cannot go to subspace -1
  EXPECT_FALSE(w.check(0xfffffff0u).has_value());
  EXPECT_EQ(w.check(2), 2u);
}

TEST(ReplayWindowEsn, LargeWindowWrap) {
  ReplayWindow w(4096, true, 0xfffff000u);
  ASSERT_TRUE(accept(w, 0xffffff00u));
  ASSERT_TRUE(accept(w, 100));  // 100 is below the window bottom: next subspace
  EXPECT_EQ(w.top(), (std::uint64_t{1} << 32) | 100);
  EXPECT_EQ(w.check(0xffffff01u), 0xffffff01ull);  // previous subspace, inside 4096
  EXPECT_FALSE(w.check(0xffffff00u).has_value());
  EXPECT_FALSE(w.check(100).has_value());
}

}  // namespace
}  // namespace hubsec::driver
