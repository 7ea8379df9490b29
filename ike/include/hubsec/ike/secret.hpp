// Byte containers for IKE: plain bytes, and a wiping container for secrets (PSKs, keys, DH shares).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace hubsec::ike {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Owns secret bytes and overwrites them (OPENSSL_cleanse) whenever they are dropped: destruction,
// assignment, clear(). Never printed; compare with CRYPTO_memcmp through equals().
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);
  explicit SecretBytes(ByteView bytes);
  static SecretBytes from_string(std::string_view text);
  SecretBytes(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  void clear();
  void resize(std::size_t size);  // wipes the old storage when it moves
  void append(ByteView bytes);

  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  ByteView view() const { return {bytes_.data(), bytes_.size()}; }
  std::span<std::uint8_t> span() { return {bytes_.data(), bytes_.size()}; }
  // A sub-range copied into a new secret (for splitting prf+ output into keys).
  SecretBytes slice(std::size_t offset, std::size_t length) const;
  bool equals(ByteView other) const;  // constant time for equal lengths

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace hubsec::ike
