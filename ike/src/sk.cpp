#include "sk.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace hubsec::ike::detail {

namespace {

constexpr std::size_t kBlock = 16;

// Builds one encrypted message: header + (SK|SKF generic header [+ fragment fields]) + IV + ciphertext
// + ICV. `first` is the generic header's Next Payload.
Bytes seal_one(msg::Header header, msg::PayloadType first, ByteView plain, const SkDirection& keys,
               Random& rng, std::optional<std::pair<std::uint16_t, std::uint16_t>> fragment) {
  const std::size_t icv = crypto::integ_icv_size(keys.integ_alg);
  const std::size_t pad = kBlock - 1 - (plain.size() % kBlock);
  Bytes padded(plain.begin(), plain.end());
  padded.resize(plain.size() + pad + 1, 0);
  padded.back() = static_cast<std::uint8_t>(pad);
  Bytes iv(kBlock);
  rng.fill(iv);
  Bytes ct = crypto::aes_cbc(true, keys.encr->view(), iv, padded);
  OPENSSL_cleanse(padded.data(), padded.size());
  if (ct.empty()) return {};
  msg::Payload p;
  p.inner_first = first;
  Bytes body = iv;
  body.insert(body.end(), ct.begin(), ct.end());
  body.resize(body.size() + icv, 0);
  if (fragment) {
    p.type = msg::PayloadType::kSkf;
    p.body = msg::SkfPayload{fragment->first, fragment->second, std::move(body)};
  } else {
    p.type = msg::PayloadType::kSk;
    p.body = msg::SkPayload{std::move(body)};
  }
  p.raw_type = static_cast<std::uint8_t>(p.type);
  Bytes out = msg::encode_message(header, {p});
  Bytes mac = crypto::integ_mac(keys.integ_alg, keys.integ->view(), ByteView(out.data(), out.size() - icv));
  if (mac.size() != icv) return {};
  std::copy(mac.begin(), mac.end(), out.end() - static_cast<std::ptrdiff_t>(icv));
  return out;
}

}  // namespace

std::vector<Bytes> seal_message(const msg::Header& header, const std::vector<msg::Payload>& inner,
                                const SkDirection& keys, Random& rng, std::size_t max_datagram) {
  msg::PayloadType first = msg::PayloadType::kNone;
  Bytes plain = msg::encode_payloads(inner, &first);
  const std::size_t icv = crypto::integ_icv_size(keys.integ_alg);
  const std::size_t whole = msg::kHeaderSize + 4 + kBlock + (plain.size() / kBlock + 1) * kBlock + icv;
  std::vector<Bytes> out;
  if (max_datagram == 0 || whole <= max_datagram) {
    Bytes m = seal_one(header, first, plain, keys, rng, std::nullopt);
    OPENSSL_cleanse(plain.data(), plain.size());
    if (!m.empty()) out.push_back(std::move(m));
    return out;
  }
  // Fragment overhead: header, SKF header with fragment fields, IV, ICV; ciphertext in whole blocks,
  // at least one byte of it is the pad length.
  const std::size_t fixed = msg::kHeaderSize + 8 + kBlock + icv;
  if (max_datagram < fixed + 2 * kBlock) return out;
  const std::size_t chunk = ((max_datagram - fixed) / kBlock) * kBlock - 1;
  const std::size_t total = (plain.size() + chunk - 1) / chunk;
  if (total > 0xFFFF) return out;
  msg::Header h = header;
  for (std::size_t i = 0; i < total; ++i) {
    const std::size_t off = i * chunk;
    const std::size_t len = std::min(chunk, plain.size() - off);
    Bytes m =
        seal_one(h, i == 0 ? first : msg::PayloadType::kNone, ByteView(plain.data() + off, len), keys, rng,
                 std::make_pair(static_cast<std::uint16_t>(i + 1), static_cast<std::uint16_t>(total)));
    if (m.empty()) {
      out.clear();
      break;
    }
    out.push_back(std::move(m));
  }
  OPENSSL_cleanse(plain.data(), plain.size());
  return out;
}

std::optional<Bytes> open_encrypted(ByteView datagram, ByteView encrypted_body, const SkDirection& keys) {
  const std::size_t icv = crypto::integ_icv_size(keys.integ_alg);
  if (encrypted_body.size() < kBlock + kBlock + icv || encrypted_body.size() > datagram.size())
    return std::nullopt;
  const std::size_t ct_len = encrypted_body.size() - kBlock - icv;
  if (ct_len % kBlock != 0) return std::nullopt;
  Bytes mac = crypto::integ_mac(keys.integ_alg, keys.integ->view(), datagram.first(datagram.size() - icv));
  if (mac.size() != icv || CRYPTO_memcmp(mac.data(), datagram.data() + datagram.size() - icv, icv) != 0)
    return std::nullopt;
  Bytes plain = crypto::aes_cbc(false, keys.encr->view(), encrypted_body.first(kBlock),
                                encrypted_body.subspan(kBlock, ct_len));
  if (plain.size() != ct_len) return std::nullopt;
  const std::size_t pad = plain.back();
  if (pad + 1 > plain.size()) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return std::nullopt;
  }
  plain.resize(plain.size() - pad - 1);
  return plain;
}

}  // namespace hubsec::ike::detail
