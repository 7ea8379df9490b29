// Unpredictable CBC IVs for one outbound SA, cheaper than a DRBG call per packet: IV_i = AES-256
// of a 128-bit counter under a random key private to this generator (NIST SP 800-38A appendix C:
// the encryption of a nonce under a secret key). The key and the counter's start come from
// RAND_bytes when the generator is made; nobody outside sees the key, so the IVs are unpredictable
// to an attacker, and they never repeat within 2^128 packets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "hubsec/driver/esp_types.hpp"
#include "hubsec/driver/openssl_handles.hpp"

namespace hubsec::driver {

class IvGenerator {
 public:
  // nullptr if OpenSSL could not provide randomness or the cipher.
  static std::unique_ptr<IvGenerator> create();

  // Writes ivs.size() / 16 fresh IVs (ivs.size() must be a multiple of 16). False on an OpenSSL error.
  bool generate(std::span<std::uint8_t> ivs);

 private:
  IvGenerator() = default;
  CipherCtxPtr ecb_;
  std::array<std::uint8_t, kAesBlockBytes> counter_{};
};

}  // namespace hubsec::driver
