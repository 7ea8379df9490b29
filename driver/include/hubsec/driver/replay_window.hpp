// Inbound anti-replay window (RFC 4303 section 3.4.3 and appendix A), in two phases so that a
// forged packet can neither cost a crypto operation when it is an obvious replay nor move the
// window:
//   1. check(low 32 bits from the wire): cheap, before any crypto. Infers the full 64-bit sequence
//      number (ESN, appendix A2.2) and says whether it could be new.
//   2. update(full sequence number): only after the ICV of that packet has been verified.
// The bitmap is a ring of 64-bit words; window sizes from 1 to kMaxReplayWindow are exact (a
// packet is "too old" when it is W or more below the highest accepted number). Size 0 turns replay
// protection off, but the highest number is still tracked so ESN inference keeps working.
// Used by the soft backend and, unchanged, by the card backend (the card does not keep windows).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "hubsec/driver/esp_types.hpp"

namespace hubsec::driver {

class ReplayWindow {
 public:
  // initial_top > 0 resumes a window (e.g. an SA re-installed after a card reset): every number up
  // to and including it is treated as already received, which fails closed.
  ReplayWindow(std::uint32_t window_size, bool esn, std::uint64_t initial_top = 0);

  [[nodiscard]] static bool valid_size(std::uint32_t window_size) { return window_size <= kMaxReplayWindow; }

  // Phase 1. Returns the full sequence number the packet must carry in its ICV when it may be new;
  // nullopt when it is certainly a replay, too old, or an impossible number (0, or before 1 in the
  // ESN space).
  [[nodiscard]] std::optional<std::uint64_t> check(std::uint32_t seq_low) const;

  // Phase 2. Records `seq` (as returned by check()) as received; moves the window if it is ahead.
  void update(std::uint64_t seq);

  // Highest sequence number accepted so far (0: none yet).
  [[nodiscard]] std::uint64_t top() const { return top_; }
  [[nodiscard]] std::uint32_t size() const { return size_; }
  [[nodiscard]] bool esn() const { return esn_; }

 private:
  [[nodiscard]] std::uint64_t infer(std::uint32_t seq_low, bool& valid) const;
  [[nodiscard]] bool seen(std::uint64_t seq) const;
  void set_bit(std::uint64_t seq);
  void clear_bit(std::uint64_t seq);

  std::uint32_t size_;
  bool esn_;
  std::uint64_t top_ = 0;
  std::vector<std::uint64_t> bits_;  // ring: bit (seq % (64 * bits_.size()))
};

}  // namespace hubsec::driver
