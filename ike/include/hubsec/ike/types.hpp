// Basic IKEv2 value types: addresses, endpoints, identities, algorithm identifiers (IANA numbers).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hubsec/ike/secret.hpp"

namespace hubsec::ike {

// The engine has no clock: every entry point takes `now` from the caller.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// An IPv4 or IPv6 address in network byte order.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static IpAddress v4(std::uint32_t host_order);
  static std::optional<IpAddress> parse(std::string_view text);
  std::uint32_t v4_host_order() const;
  ByteView view() const { return {bytes.data(), v6 ? 16u : 4u}; }
  std::string to_string() const;
  bool is_unspecified() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 500;
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

constexpr std::uint16_t kIkePort = 500;
constexpr std::uint16_t kNatTPort = 4500;

// RFC 7296 3.5 ID types.
enum class IdType : std::uint8_t { kIpv4Addr = 1, kFqdn = 2, kRfc822Addr = 3, kIpv6Addr = 5, kKeyId = 11 };

struct Identity {
  IdType type = IdType::kIpv4Addr;
  Bytes data;  // address bytes, or the name's characters

  static Identity address(const IpAddress& addr);
  static Identity fqdn(std::string_view name);
  std::string to_string() const;  // "1.1.1.1", "hub.example" (for show/log output)
  friend bool operator==(const Identity&, const Identity&) = default;
};

// IANA "IKEv2 Transform Type 1/2/3/4" numbers used by this engine.
enum class EncrAlg : std::uint16_t { kAesCbc = 12 };
enum class IntegAlg : std::uint16_t {
  kNone = 0,
  kHmacSha1_96 = 2,
  kHmacSha2_256_128 = 12,
  kHmacSha2_384_192 = 13,
  kHmacSha2_512_256 = 14,
};
enum class PrfAlg : std::uint16_t {
  kHmacSha1 = 2,
  kHmacSha2_256 = 5,
  kHmacSha2_384 = 6,
  kHmacSha2_512 = 7,
};
enum class DhGroup : std::uint16_t {
  kNone = 0,
  kModp2048 = 14,
  kEcp256 = 19,
  kEcp384 = 20,
  kCurve25519 = 31,
};
enum class AuthMethod : std::uint8_t { kPsk = 2 };  // shared key message integrity code

std::string_view to_string(IntegAlg alg);  // "SHA256" style names as IOS prints them
std::string_view to_string(PrfAlg alg);
std::string_view to_string(DhGroup group);  // "DH Group 14"

}  // namespace hubsec::ike
