// unique_ptr owners for the OpenSSL objects the ESP engine keeps. Freeing them also wipes the key
// schedules and HMAC pad states they hold (OpenSSL cleanses contexts on free).
#pragma once

#include <openssl/evp.h>

#include <memory>

namespace hubsec::driver {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct MacFree {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct CipherFree {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using MacPtr = std::unique_ptr<EVP_MAC, MacFree>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherFree>;

}  // namespace hubsec::driver
