// NHRP (RFC 2332) registration as DMVPN uses it, IPv4 over GRE (protocol type 0x2001): a spoke
// registers its tunnel (protocol) address and NBMA address with its NHS (the hub), which answers
// with a Registration Reply. Only what registration needs: the fixed header, the mandatory part
// and one Client Information Entry. Extensions (authentication, ...) are not built or read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hubsec::host::datapath {

constexpr std::uint8_t kNhrpRegistrationRequest = 3;
constexpr std::uint8_t kNhrpRegistrationReply = 4;

struct NhrpRegistration {
  std::uint8_t op = kNhrpRegistrationRequest;
  std::uint32_t request_id = 0;
  std::uint32_t src_nbma = 0;   // the registering spoke's NBMA address
  std::uint32_t src_proto = 0;  // its tunnel address
  std::uint32_t dst_proto = 0;  // the NHS's tunnel address
  std::uint16_t holding_time = 7200;
  std::uint16_t mtu = 1400;
  std::uint8_t cie_code = 0;  // reply: 0 = success
  bool unique = false;        // the U flag
};

std::vector<std::uint8_t> build_nhrp(const NhrpRegistration& r);
// nullopt: not an IPv4 registration request/reply, wrong length or checksum.
std::optional<NhrpRegistration> parse_nhrp(std::span<const std::uint8_t> packet);

}  // namespace hubsec::host::datapath
