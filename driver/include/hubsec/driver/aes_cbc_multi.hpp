// AES-256-CBC encryption of several messages at once (multi-buffer), for the soft ESP engine.
//
// Why: CBC encryption is serial within a message (each block waits for the previous ciphertext), so one
// message keeps the CPU's AES unit busy only one cycle in its latency (~4 cycles per round on current
// x86): OpenSSL's single-message CBC runs at about a quarter of the unit's throughput. Interleaving the
// chains of up to 8 messages (different keys allowed) fills it, as Intel's multi-buffer IPsec library
// does. Needs AES-NI (checked at run time: aes_ni_available()); callers fall back to AesCbc without it.
// Tested against OpenSSL's EVP AES-256-CBC on random keys, IVs, lengths and batches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace hubsec::driver {

// True when this CPU has AES-NI (and so the functions below may be called).
bool aes_ni_available();

// The 15 AES-256 encryption round keys, expanded once per SA; wiped when destroyed.
class Aes256EncKeys {
 public:
  // key: 32 bytes. nullptr without AES-NI or for another size.
  static std::unique_ptr<Aes256EncKeys> create(std::span<const std::uint8_t> key);
  ~Aes256EncKeys();
  Aes256EncKeys(const Aes256EncKeys&) = delete;
  Aes256EncKeys& operator=(const Aes256EncKeys&) = delete;

  [[nodiscard]] const std::uint8_t* round_keys() const { return rk_.data(); }

 private:
  Aes256EncKeys() = default;
  alignas(16) std::array<std::uint8_t, std::size_t{15} * 16> rk_{};
};

// One message: `blocks` 16-byte blocks written to dst; blocks [0, src_blocks) are read from src, the
// rest from dst itself (encrypted in place: ESP's last partial block, padding and trailer are assembled
// there). src and dst must not overlap otherwise.
struct CbcEncryptJob {
  const Aes256EncKeys* keys = nullptr;
  const std::uint8_t* iv = nullptr;
  const std::uint8_t* src = nullptr;
  std::size_t src_blocks = 0;
  std::uint8_t* dst = nullptr;
  std::size_t blocks = 0;
};

// Encrypts every job (any number, any mix of keys and lengths). Requires aes_ni_available().
void aes256_cbc_encrypt_multi(std::span<const CbcEncryptJob> jobs);

}  // namespace hubsec::driver
