// Small helpers shared by the IKE tests.
#pragma once

#include <string>
#include <string_view>

#include "hubsec/ike/secret.hpp"

namespace hubsec::ike::test {

inline Bytes unhex(std::string_view hex) {
  Bytes out;
  auto val = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(val(hex[i]) << 4 | val(hex[i + 1])));
  return out;
}

inline Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

inline std::string tohex(ByteView b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

}  // namespace hubsec::ike::test
