// HMAC inner and outer chaining states for the RTL's SA context: compress(IV, K0 ^ ipad) and
// compress(IV, K0 ^ opad), FIPS 180-4 compression written out here because OpenSSL 3 exposes no
// intermediate hash state without deprecated calls. A wrong state cannot hide: every ICV the RTL computes
// from these states is compared with the driver's OpenSSL HMAC.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace hubsec::rtltest {

// Inner and outer states, big-endian bytes (the state read as bytes, H0 first); SHA-1 uses the first 20.
struct HmacStates {
  std::array<std::uint8_t, 32> inner{};
  std::array<std::uint8_t, 32> outer{};
};

// key: at most 64 bytes (ESP keys are 20 or 32).
HmacStates hmac_states(bool sha256, std::span<const std::uint8_t> key);

}  // namespace hubsec::rtltest
