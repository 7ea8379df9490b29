// ESP crypto (RFC 4303) on the bare ESP bytes, with no IP framing:
//
//   SPI (4) | SN low 32 bits (4) | IV (16) | AES-256-CBC( payload | pad 1,2,3.. | pad len | next hdr ) | ICV
//
// The ICV is the truncated HMAC (RFC 2404 SHA-1-96, RFC 4868 SHA-256-128) of everything before it,
// with the high 32 bits of the sequence number appended (never sent) when ESN is on (RFC 4303
// section 2.2.1). OpenSSL adds no padding of its own; the RFC 4303 padding is ours.
//
// One EspCrypto holds one SA's keys for one direction in pre-keyed OpenSSL contexts: the AES key
// schedule is expanded once, and the HMAC inner/outer pad states are computed once and resumed for
// every packet (EVP_MAC_init with a NULL key re-initialises from them). Not thread-safe: one SA is
// served by one thread at a time. The card backend reuses it as the bit-exact reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "hubsec/driver/aes_cbc.hpp"
#include "hubsec/driver/aes_cbc_multi.hpp"
#include "hubsec/driver/esp_types.hpp"
#include "hubsec/driver/hmac.hpp"

namespace hubsec::driver {

constexpr std::size_t kEspHeaderBytes = 8;  // SPI + sequence number
constexpr std::size_t kEspIvBytes = kAesBlockBytes;
constexpr std::size_t kEspTrailerBytes = 2;  // pad length + next header
constexpr std::size_t kMaxIcvBytes = 16;

// Bytes the ESP packet (SPI .. ICV) takes for a payload of `payload_len` bytes.
constexpr std::size_t esp_packet_length(std::size_t payload_len, IntegrityAlg alg) {
  const std::size_t padded =
      (payload_len + kEspTrailerBytes + kAesBlockBytes - 1) / kAesBlockBytes * kAesBlockBytes;
  return kEspHeaderBytes + kEspIvBytes + padded + icv_bytes(alg);
}
// The shortest well-formed ESP packet: one cipher block (empty payload, padding, trailer).
constexpr std::size_t esp_min_packet_length(IntegrityAlg alg) {
  return kEspHeaderBytes + kEspIvBytes + kAesBlockBytes + icv_bytes(alg);
}

struct EspWireHeader {
  std::uint32_t spi = 0;
  std::uint32_t seq_low = 0;
};
// Reads SPI and sequence number; nullopt if fewer than 8 bytes.
std::optional<EspWireHeader> read_esp_header(std::span<const std::uint8_t> esp);

struct EspOpenResult {
  EspStatus status = EspStatus::kOk;
  std::size_t payload_len = 0;
  std::uint8_t next_header = 0;
};

class EspCrypto {
 public:
  // enc_key: 32 bytes; auth_key: integrity_key_bytes(alg) bytes. The caller wipes its copies.
  // nullptr if the sizes are wrong or OpenSSL fails.
  static std::unique_ptr<EspCrypto> create(Direction direction, std::span<const std::uint8_t> enc_key,
                                           IntegrityAlg alg, std::span<const std::uint8_t> auth_key,
                                           bool esn);

  // Outbound. Builds the ESP packet for `payload` into `out` (which must not overlap it) with
  // sequence number `seq` (low 32 bits sent; high 32 in the ICV when ESN is on) and the 16-byte
  // `iv`. On kOk, out_len is the packet length (esp_packet_length()). kBadLength if `out` is short.
  EspStatus seal(std::uint32_t spi, std::uint64_t seq, const std::uint8_t* iv,
                 std::span<const std::uint8_t> payload, std::uint8_t next_header, std::span<std::uint8_t> out,
                 std::size_t& out_len);

  // Outbound in two steps, so that SoftEspOffload can run the CBC chains of a whole batch together
  // (aes_cbc_multi.hpp). seal_prepare: as seal() up to the cipher: header, IV and the plaintext of the
  // last partial block, padding and trailer written into `out`, and `cbc` describes the encryption
  // still to do (payload must stay in place until it ran). seal_finish: after `cbc` ran, the ICV over
  // the packet (`esp`: the out_len bytes seal_prepare reported). Only when can_batch().
  [[nodiscard]] bool can_batch() const { return enc_keys_ != nullptr; }
  EspStatus seal_prepare(std::uint32_t spi, std::uint64_t seq, const std::uint8_t* iv,
                         std::span<const std::uint8_t> payload, std::uint8_t next_header,
                         std::span<std::uint8_t> out, std::size_t& out_len, CbcEncryptJob& cbc);
  bool seal_finish(std::span<std::uint8_t> esp, std::uint64_t seq);

  // Inbound, step 1 (no crypto): kBadLength unless the packet has a header, an IV, a whole nonzero
  // number of cipher blocks and an ICV.
  [[nodiscard]] EspStatus check_length(std::span<const std::uint8_t> esp) const;
  // Inbound, step 2: true if the ICV matches (compared in constant time). seq_high is the
  // inferred high half of the sequence number (ignored without ESN).
  bool verify_icv(std::span<const std::uint8_t> esp, std::uint32_t seq_high);
  // Inbound, step 3, only after verify_icv(): decrypts, checks the padding (1, 2, 3, ...) and puts
  // the payload at the start of `out`. kBadPadding, or kBadLength if `out` cannot hold the payload.
  EspOpenResult decrypt(std::span<const std::uint8_t> esp, std::span<std::uint8_t> out);

  [[nodiscard]] std::size_t icv_len() const { return icv_len_; }
  [[nodiscard]] IntegrityAlg integrity() const { return alg_; }
  [[nodiscard]] bool esn() const { return esn_; }

 private:
  EspCrypto() = default;
  bool compute_icv(std::span<const std::uint8_t> covered, std::uint32_t seq_high, std::uint8_t* icv);

  std::unique_ptr<AesCbc> cipher_;
  std::unique_ptr<Aes256EncKeys> enc_keys_;  // outbound with AES-NI: the multi-buffer path
  std::unique_ptr<Hmac> mac_;
  IntegrityAlg alg_ = IntegrityAlg::kHmacSha1_96;
  std::size_t icv_len_ = 0;
  bool esn_ = false;
  std::vector<std::uint8_t> scratch_;  // decrypt target when the caller's buffer is too small for the padding
};

}  // namespace hubsec::driver
