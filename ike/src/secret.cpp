#include "hubsec/ike/secret.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace hubsec::ike {

namespace {
void wipe(std::vector<std::uint8_t>& bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}
}  // namespace

SecretBytes::SecretBytes(std::size_t size) : bytes_(size, 0) {}
SecretBytes::SecretBytes(ByteView bytes) : bytes_(bytes.begin(), bytes.end()) {}
SecretBytes SecretBytes::from_string(std::string_view text) {
  SecretBytes out(text.size());
  std::copy(text.begin(), text.end(), out.bytes_.begin());
  return out;
}
SecretBytes::SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}
SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}
SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    wipe(bytes_);
    bytes_ = other.bytes_;
  }
  return *this;
}
SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe(bytes_);
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}
SecretBytes::~SecretBytes() {
  wipe(bytes_);
}

void SecretBytes::clear() {
  wipe(bytes_);
  bytes_.clear();
  bytes_.shrink_to_fit();
}

void SecretBytes::resize(std::size_t size) {
  if (size <= bytes_.capacity()) {
    if (size < bytes_.size()) OPENSSL_cleanse(bytes_.data() + size, bytes_.size() - size);
    bytes_.resize(size, 0);
    return;
  }
  std::vector<std::uint8_t> bigger(size, 0);
  std::copy(bytes_.begin(), bytes_.end(), bigger.begin());
  wipe(bytes_);
  bytes_ = std::move(bigger);
}

void SecretBytes::append(ByteView bytes) {
  const std::size_t old = bytes_.size();
  resize(old + bytes.size());
  std::copy(bytes.begin(), bytes.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(old));
}

SecretBytes SecretBytes::slice(std::size_t offset, std::size_t length) const {
  if (offset > bytes_.size() || length > bytes_.size() - offset) return {};
  return SecretBytes(ByteView(bytes_.data() + offset, length));
}

bool SecretBytes::equals(ByteView other) const {
  return other.size() == bytes_.size() && CRYPTO_memcmp(other.data(), bytes_.data(), bytes_.size()) == 0;
}

}  // namespace hubsec::ike
