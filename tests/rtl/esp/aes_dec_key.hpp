// The AES-256 decryption key the inbound lane takes per job (esp_inbound job_dkey_i): the last two round
// keys w[52..59] of the FIPS-197 key expansion, which esp_key_prep computes at install on the card. Written
// out here because OpenSSL 3 exposes no key schedule without deprecated calls. A wrong key cannot hide:
// every packet the lane decrypts with it is compared with the driver's OpenSSL engine, and the expansion
// itself is checked against FIPS-197 C.3 (esp_rtl_test).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace hubsec::rtltest {

// key: 32 bytes. Result: w[52] .. w[59], big-endian bytes (w[52] first).
std::array<std::uint8_t, 32> aes256_dec_key(std::span<const std::uint8_t> key);

}  // namespace hubsec::rtltest
