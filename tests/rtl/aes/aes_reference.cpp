#include "aes_reference.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace hubsec::rtl_test {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

AesBlock RunEcb(const AesKey& key, const AesBlock& in, int encrypt) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, key.data(), nullptr, encrypt) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    throw std::runtime_error("OpenSSL aes-256-ecb init failed");
  }
  AesBlock out{};
  int len = 0;
  int tail = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + len, &tail) != 1 || len + tail != 16) {
    throw std::runtime_error("OpenSSL aes-256-ecb failed");
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::invalid_argument("bad hex digit");
}

}  // namespace

AesBlock OpensslAes256Encrypt(const AesKey& key, const AesBlock& in) {
  return RunEcb(key, in, 1);
}
AesBlock OpensslAes256Decrypt(const AesKey& key, const AesBlock& in) {
  return RunEcb(key, in, 0);
}

template <std::size_t N>
std::array<std::uint8_t, N> FromHex(std::string_view hex) {
  if (hex.size() != 2 * N) throw std::invalid_argument("hex string has the wrong length");
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = static_cast<std::uint8_t>(HexDigit(hex[2 * i]) * 16 + HexDigit(hex[2 * i + 1]));
  }
  return out;
}

template std::array<std::uint8_t, 16> FromHex<16>(std::string_view);
template std::array<std::uint8_t, 32> FromHex<32>(std::string_view);

}  // namespace hubsec::rtl_test
