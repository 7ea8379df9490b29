#include "hubsec/host/config/model.hpp"

#include <algorithm>
#include <charconv>

namespace hubsec::host::config {

std::string Ipv4::to_string() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 0xFF) + "." +
         std::to_string((value >> 8) & 0xFF) + "." + std::to_string(value & 0xFF);
}

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  std::uint32_t result = 0;
  for (int part_index = 0; part_index < 4; ++part_index) {
    std::size_t dot = text.find('.');
    bool last = part_index == 3;
    if (last != (dot == std::string_view::npos)) {
      return std::nullopt;  // exactly three dots
    }
    std::string_view part = last ? text : text.substr(0, dot);
    unsigned value = 0;
    if (part.empty() || part.size() > 3) {
      return std::nullopt;
    }
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || ptr != part.data() + part.size() || value > 255) {
      return std::nullopt;
    }
    result = (result << 8) | value;
    if (!last) {
      text.remove_prefix(dot + 1);
    }
  }
  return Ipv4{result};
}

bool is_aead(IkeEncryption enc) {
  return enc == IkeEncryption::kAesGcm128 || enc == IkeEncryption::kAesGcm256;
}

std::string_view keyword(IkeEncryption enc) {
  switch (enc) {
    case IkeEncryption::kDes: return "des";
    case IkeEncryption::k3Des: return "3des";
    case IkeEncryption::kAesCbc128: return "aes-cbc-128";
    case IkeEncryption::kAesCbc192: return "aes-cbc-192";
    case IkeEncryption::kAesCbc256: return "aes-cbc-256";
    case IkeEncryption::kAesGcm128: return "aes-gcm-128";
    case IkeEncryption::kAesGcm256: return "aes-gcm-256";
  }
  return "?";
}

std::string_view keyword(IkeHash hash) {
  switch (hash) {
    case IkeHash::kMd5: return "md5";
    case IkeHash::kSha1: return "sha1";
    case IkeHash::kSha256: return "sha256";
    case IkeHash::kSha384: return "sha384";
    case IkeHash::kSha512: return "sha512";
  }
  return "?";
}

bool IkeProposal::complete() const {
  if (encryption.empty() || groups.empty()) {
    return false;
  }
  bool any_aead = std::any_of(encryption.begin(), encryption.end(), is_aead);
  bool all_aead = std::all_of(encryption.begin(), encryption.end(), is_aead);
  if (any_aead != all_aead) {
    return false;  // IOS refuses GCM mixed with CBC in one proposal
  }
  if (all_aead) {
    return !prf.empty() && integrity.empty();
  }
  return !integrity.empty();
}

std::vector<IkeHash> IkeProposal::effective_prf() const {
  return prf.empty() ? integrity : prf;
}

std::string to_string(const Identity& id) {
  switch (id.kind) {
    case IdentityKind::kAddress: return "address " + id.value;
    case IdentityKind::kFqdn: return "fqdn " + id.value;
    case IdentityKind::kEmail: return "email " + id.value;
    case IdentityKind::kKeyId: return "key-id " + id.value;
  }
  return id.value;
}

std::string_view transform_text(EspEncryption enc) {
  switch (enc) {
    case EspEncryption::kNull: return "esp-null";
    case EspEncryption::kDes: return "esp-des";
    case EspEncryption::k3Des: return "esp-3des";
    case EspEncryption::kAes128: return "esp-aes";
    case EspEncryption::kAes192: return "esp-aes 192";
    case EspEncryption::kAes256: return "esp-aes 256";
    case EspEncryption::kGcm128: return "esp-gcm";
    case EspEncryption::kGcm256: return "esp-gcm 256";
  }
  return "?";
}

std::string_view transform_text(EspIntegrity integ) {
  switch (integ) {
    case EspIntegrity::kNone: return "";
    case EspIntegrity::kMd5: return "esp-md5-hmac";
    case EspIntegrity::kSha1: return "esp-sha-hmac";
    case EspIntegrity::kSha256: return "esp-sha256-hmac";
    case EspIntegrity::kSha384: return "esp-sha384-hmac";
    case EspIntegrity::kSha512: return "esp-sha512-hmac";
  }
  return "?";
}

namespace {
template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (const T& item : items) {
    if (item.name == name) {
      return &item;
    }
  }
  return nullptr;
}
}  // namespace

const IkeProposal* Config::find_proposal(std::string_view name) const {
  return find_named(proposals, name);
}
const Keyring* Config::find_keyring(std::string_view name) const {
  return find_named(keyrings, name);
}
const IkeProfile* Config::find_ike_profile(std::string_view name) const {
  return find_named(ike_profiles, name);
}
const TransformSet* Config::find_transform_set(std::string_view name) const {
  return find_named(transform_sets, name);
}
const IpsecProfile* Config::find_ipsec_profile(std::string_view name) const {
  return find_named(ipsec_profiles, name);
}

}  // namespace hubsec::host::config
