// AES-CBC through a pre-keyed EVP context: the key schedule is expanded once, each message only
// sets its IV. OpenSSL's own padding is off; callers pass whole blocks (ESP pads by RFC 4303).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "hubsec/driver/openssl_handles.hpp"

namespace hubsec::driver {

class AesCbc {
 public:
  enum class Op : std::uint8_t { kEncrypt, kDecrypt };

  // key: 16 bytes (AES-128, used by the RFC 3602 known answers) or 32 bytes (AES-256, used by ESP).
  // nullptr for other sizes or an OpenSSL failure.
  static std::unique_ptr<AesCbc> create(Op op, std::span<const std::uint8_t> key);

  // Begins a message with this 16-byte IV.
  bool start(const std::uint8_t* iv);
  // Continues the CBC chain over `len` bytes (a multiple of 16); out may equal in, not overlap otherwise.
  bool update(const std::uint8_t* in, std::size_t len, std::uint8_t* out);

 private:
  AesCbc() = default;
  CipherCtxPtr ctx_;
};

}  // namespace hubsec::driver
