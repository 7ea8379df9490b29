// The Encrypted payload (RFC 7296 3.14) and Encrypted Fragment payload (RFC 7383 2.5):
// AES-CBC with a random IV, padding, then a truncated HMAC over the whole message up to the ICV.
#pragma once

#include <optional>
#include <vector>

#include "crypto.hpp"
#include "hubsec/ike/engine.hpp"
#include "hubsec/ike/message.hpp"

namespace hubsec::ike::detail {

struct SkDirection {
  const SecretBytes* encr = nullptr;
  const SecretBytes* integ = nullptr;
  IntegAlg integ_alg = IntegAlg::kHmacSha2_256_128;
};

// Encrypts `inner` into one SK message, or into SKF fragments when `max_datagram` is non-zero and the
// whole message would exceed it. Empty result on a crypto failure.
std::vector<Bytes> seal_message(const msg::Header& header, const std::vector<msg::Payload>& inner,
                                const SkDirection& keys, Random& rng, std::size_t max_datagram);

// Checks the ICV of a datagram whose last payload is SK or SKF (its body is the datagram's tail) and
// decrypts it. Returns the inner payload bytes (padding removed), nullopt on ICV or padding failure.
std::optional<Bytes> open_encrypted(ByteView datagram, ByteView encrypted_body, const SkDirection& keys);

}  // namespace hubsec::ike::detail
