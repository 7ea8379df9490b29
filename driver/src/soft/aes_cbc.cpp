#include "hubsec/driver/aes_cbc.hpp"

#include <climits>

namespace hubsec::driver {

std::unique_ptr<AesCbc> AesCbc::create(Op op, std::span<const std::uint8_t> key) {
  const EVP_CIPHER* cipher = nullptr;
  if (key.size() == 16) {
    cipher = EVP_aes_128_cbc();
  }
  if (key.size() == 32) {
    cipher = EVP_aes_256_cbc();
  }
  if (cipher == nullptr) {
    return nullptr;
  }
  std::unique_ptr<AesCbc> aes(new AesCbc());
  aes->ctx_.reset(EVP_CIPHER_CTX_new());
  const int enc = op == Op::kEncrypt ? 1 : 0;
  if (aes->ctx_ == nullptr ||
      EVP_CipherInit_ex(aes->ctx_.get(), cipher, nullptr, key.data(), nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_set_padding(aes->ctx_.get(), 0) != 1) {
    return nullptr;
  }
  return aes;
}

bool AesCbc::start(const std::uint8_t* iv) {
  // No cipher and no key: only the IV changes, the expanded key stays.
  return EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv, -1) == 1;
}

bool AesCbc::update(const std::uint8_t* in, std::size_t len, std::uint8_t* out) {
  if (len == 0) {
    return true;
  }
  if (len % 16 != 0 || len > static_cast<std::size_t>(INT_MAX)) {
    return false;
  }
  int out_len = 0;
  return EVP_CipherUpdate(ctx_.get(), out, &out_len, in, static_cast<int>(len)) == 1 &&
         static_cast<std::size_t>(out_len) == len;
}

}  // namespace hubsec::driver
