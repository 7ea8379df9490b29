#include "hubsec/driver/replay_window.hpp"

#include <algorithm>

namespace hubsec::driver {

ReplayWindow::ReplayWindow(std::uint32_t window_size, bool esn, std::uint64_t initial_top)
    : size_(std::min(window_size, kMaxReplayWindow)),
      esn_(esn),
      top_(initial_top),
      bits_(std::max<std::size_t>(1, (std::size_t{size_} + 63) / 64),
            initial_top != 0 ? ~std::uint64_t{0} : 0) {}

// RFC 4303 appendix A2.2: T is the highest authenticated number, W the window. Without a window
// (size 0) the inference still needs a W; the default one is used.
std::uint64_t ReplayWindow::infer(std::uint32_t seq_low, bool& valid) const {
  valid = true;
  if (!esn_) {
    return seq_low;
  }
  const std::uint32_t w = size_ != 0 ? size_ : kDefaultReplayWindow;
  const auto tl = static_cast<std::uint32_t>(top_);
  const auto th = static_cast<std::uint32_t>(top_ >> 32);
  const std::uint32_t bottom = tl - w + 1;  // modulo 2^32, as in the RFC
  std::uint64_t seq_high = th;
  if (tl >= w - 1) {
    // Case A: the window lies within one 2^32 subspace; anything below it is in the next one.
    if (seq_low < bottom) {
      if (th == UINT32_MAX) {
        valid = false;  // the 64-bit space is used up
      }
      seq_high = std::uint64_t{th} + 1;
    }
  } else if (seq_low >= bottom) {
    // Case B: the window straddles the subspace boundary; numbers above its bottom are in the
    // previous subspace.
    if (th == 0) {
      valid = false;  // nothing exists before the first subspace
    }
    seq_high = std::uint64_t{th} - 1;
  }
  return (seq_high << 32) | seq_low;
}

std::optional<std::uint64_t> ReplayWindow::check(std::uint32_t seq_low) const {
  bool valid = true;
  const std::uint64_t seq = infer(seq_low, valid);
  if (!valid || seq == 0) {
    return std::nullopt;
  }
  if (size_ == 0 || seq > top_) {
    return seq;
  }
  if (top_ - seq >= size_) {
    return std::nullopt;  // left of the window
  }
  if (seen(seq)) {
    return std::nullopt;
  }
  return seq;
}

void ReplayWindow::update(std::uint64_t seq) {
  const std::uint64_t ring_bits = bits_.size() * 64;
  if (seq > top_) {
    const std::uint64_t ahead = seq - top_;
    if (ahead >= ring_bits) {
      std::fill(bits_.begin(), bits_.end(), 0);
    } else {
      for (std::uint64_t s = top_ + 1; s < seq; ++s) {
        clear_bit(s);
      }
    }
    top_ = seq;
    set_bit(seq);
    return;
  }
  if (size_ != 0 && top_ - seq < size_) {
    set_bit(seq);
  }
}

bool ReplayWindow::seen(std::uint64_t seq) const {
  const std::uint64_t bit = seq % (bits_.size() * 64);
  return ((bits_[bit / 64] >> (bit % 64)) & 1u) != 0;
}

void ReplayWindow::set_bit(std::uint64_t seq) {
  const std::uint64_t bit = seq % (bits_.size() * 64);
  bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

void ReplayWindow::clear_bit(std::uint64_t seq) {
  const std::uint64_t bit = seq % (bits_.size() * 64);
  bits_[bit / 64] &= ~(std::uint64_t{1} << (bit % 64));
}

}  // namespace hubsec::driver
