// A configured secret (pre-shared key, NHRP password). It has no stream operator and no implicit
// conversion, so it cannot reach a log by accident; its storage is wiped when dropped.
#pragma once

#include <string>
#include <string_view>

namespace hubsec::host::config {

class SecretText {
 public:
  SecretText() = default;
  explicit SecretText(std::string_view text) : text_(text) {}
  SecretText(const SecretText& other) : text_(other.text_) {}
  SecretText(SecretText&& other) noexcept;
  SecretText& operator=(const SecretText& other);
  SecretText& operator=(SecretText&& other) noexcept;
  ~SecretText();

  bool empty() const { return text_.empty(); }
  std::size_t size() const { return text_.size(); }
  // The only way to the characters: call sites that hand the key to the IKE engine.
  std::string_view reveal() const { return text_; }
  void clear();

 private:
  std::string text_;
};

}  // namespace hubsec::host::config
