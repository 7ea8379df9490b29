#include "hubsec/driver/iv_generator.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <limits>

namespace hubsec::driver {

std::unique_ptr<IvGenerator> IvGenerator::create() {
  std::unique_ptr<IvGenerator> gen(new IvGenerator());
  std::array<std::uint8_t, kAesKeyBytes> key{};
  bool ok = RAND_bytes(key.data(), static_cast<int>(key.size())) == 1 &&
            RAND_bytes(gen->counter_.data(), static_cast<int>(gen->counter_.size())) == 1;
  gen->ecb_.reset(EVP_CIPHER_CTX_new());
  ok = ok && gen->ecb_ != nullptr &&
       EVP_EncryptInit_ex(gen->ecb_.get(), EVP_aes_256_ecb(), nullptr, key.data(), nullptr) == 1 &&
       EVP_CIPHER_CTX_set_padding(gen->ecb_.get(), 0) == 1;
  OPENSSL_cleanse(key.data(), key.size());
  return ok ? std::move(gen) : nullptr;
}

bool IvGenerator::generate(std::span<std::uint8_t> ivs) {
  if (ivs.size() % kAesBlockBytes != 0) {
    return false;
  }
  // Lay the counter values out in `ivs`, then encrypt them in place in one call.
  for (std::size_t off = 0; off < ivs.size(); off += kAesBlockBytes) {
    std::copy(counter_.begin(), counter_.end(), ivs.begin() + static_cast<std::ptrdiff_t>(off));
    for (std::size_t i = counter_.size(); i-- > 0;) {  // big-endian increment
      if (++counter_[i] != 0) {
        break;
      }
    }
  }
  if (ivs.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return false;
  }
  int out_len = 0;
  return EVP_EncryptUpdate(ecb_.get(), ivs.data(), &out_len, ivs.data(), static_cast<int>(ivs.size())) == 1 &&
         static_cast<std::size_t>(out_len) == ivs.size();
}

}  // namespace hubsec::driver
