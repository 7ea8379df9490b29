#include "hubsec/host/config/secret_text.hpp"

#include <openssl/crypto.h>

namespace hubsec::host::config {

// Copy, then wipe the source: moving a short std::string copies its inline buffer and would leave
// the secret behind in `other`.
// NOLINTNEXTLINE(performance-move-constructor-init): the copy is wiped below on purpose
SecretText::SecretText(SecretText&& other) noexcept : text_(other.text_) {
  other.clear();
}

SecretText& SecretText::operator=(const SecretText& other) {
  if (this != &other) {
    clear();
    text_ = other.text_;
  }
  return *this;
}

SecretText& SecretText::operator=(SecretText&& other) noexcept {
  if (this != &other) {
    clear();
    text_ = other.text_;
    other.clear();
  }
  return *this;
}

SecretText::~SecretText() {
  clear();
}

void SecretText::clear() {
  // Wipe the whole buffer, not only size(): a shorter assignment may have left old bytes behind.
  if (text_.capacity() > 0) {
    text_.resize(text_.capacity());
    OPENSSL_cleanse(text_.data(), text_.size());
  }
  text_.clear();
}

}  // namespace hubsec::host::config
