// libFuzzer target for the IKEv2 message decoder: any input must decode to a value or an error code,
// never crash or read out of bounds (built with ASan/UBSan); what decodes must re-encode to bytes
// that decode to the same structure; SA payloads must survive proposal selection.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hubsec/ike/message.hpp"
#include "proposals.hpp"

using namespace hubsec::ike;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView input(data, size);
  auto decoded = msg::decode_message(input);
  if (decoded.ok()) {
    const Bytes again = msg::encode_message(decoded.value.header, decoded.value.payloads);
    auto second = msg::decode_message(again);
    if (!second.ok() || second.value.payloads.size() != decoded.value.payloads.size()) std::abort();
    if (msg::encode_message(second.value.header, second.value.payloads) != again) std::abort();
    (void)decoded.value.unsupported_critical();
    if (const auto* sa = decoded.value.get<msg::SaPayload>(msg::PayloadType::kSa)) {
      std::vector<IkeProposal> ours{
          {{{EncrAlg::kAesCbc, 256}}, {IntegAlg::kHmacSha2_256_128}, {}, {DhGroup::kModp2048}}};
      (void)detail::select_ike(*sa, ours);
      (void)detail::accept_ike(*sa, ours);
      ChildProposal cp;
      (void)detail::select_esp(*sa, cp, DhGroup::kNone);
      (void)detail::accept_esp(*sa, cp, DhGroup::kEcp256);
    }
  }
  // The inner chain of an SK payload is decoded from an arbitrary first type.
  if (size > 1) (void)msg::decode_payloads(static_cast<msg::PayloadType>(data[0]), input.subspan(1));
  return 0;
}
