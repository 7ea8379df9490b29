// RFC 7296 section 3 wire format. Every read is bounds-checked through Reader.
#include <algorithm>

#include "hubsec/ike/message.hpp"

namespace hubsec::ike::msg {

namespace {

constexpr std::size_t kMaxPayloads = 256;

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  bool has(std::size_t n) const { return data_.size() - pos_ >= n; }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::uint8_t u8() { return data_[pos_++]; }
  std::uint16_t u16() {
    const auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() {
    const std::uint32_t v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
                            (std::uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::uint64_t u64() {
    const std::uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  Bytes bytes(std::size_t n) {
    Bytes out(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
              data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  ByteView view(std::size_t n) {
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Bytes rest() { return bytes(remaining()); }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  std::size_t size() const { return out_.size(); }
  void put16(std::size_t at, std::size_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
  }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

bool known_type(std::uint8_t t) {
  return (t >= 33 && t <= 48) || t == 53;
}

// ---- SA ----
DecodeError decode_sa(ByteView data, SaPayload& sa) {
  Reader r(data);
  std::uint8_t last = 2;
  std::uint8_t expected_number = 1;
  while (last == 2) {
    if (!r.has(8)) return DecodeError::kTruncated;
    last = r.u8();
    if (last != 0 && last != 2) return DecodeError::kBadSyntax;
    r.u8();
    const std::uint16_t len = r.u16();
    if (len < 8 || !r.has(len - 4u)) return DecodeError::kBadLength;
    Reader p(r.view(len - 4u));
    Proposal prop;
    prop.number = p.u8();
    if (prop.number != expected_number && prop.number != expected_number - 1) return DecodeError::kBadSyntax;
    expected_number = static_cast<std::uint8_t>(prop.number + 1);
    prop.protocol = static_cast<ProtocolId>(p.u8());
    const std::uint8_t spi_size = p.u8();
    const std::uint8_t num_transforms = p.u8();
    if (!p.has(spi_size)) return DecodeError::kBadLength;
    prop.spi = p.bytes(spi_size);
    std::uint8_t tlast = num_transforms ? 3 : 0;
    for (unsigned i = 0; i < num_transforms; ++i) {
      if (tlast != 3) return DecodeError::kBadSyntax;
      if (!p.has(8)) return DecodeError::kTruncated;
      tlast = p.u8();
      if (tlast != 0 && tlast != 3) return DecodeError::kBadSyntax;
      p.u8();
      const std::uint16_t tlen = p.u16();
      if (tlen < 8 || !p.has(tlen - 4u)) return DecodeError::kBadLength;
      Reader t(p.view(tlen - 4u));
      Transform tr;
      tr.type = static_cast<TransformType>(t.u8());
      t.u8();
      tr.id = t.u16();
      while (t.remaining() > 0) {
        if (!t.has(4)) return DecodeError::kTruncated;
        const std::uint16_t af_type = t.u16();
        if (af_type & 0x8000) {
          const std::uint16_t value = t.u16();
          if ((af_type & 0x7FFF) == kAttrKeyLength) tr.key_length = value;
        } else {
          const std::uint16_t alen = t.u16();
          if (!t.has(alen)) return DecodeError::kBadLength;
          t.view(alen);
        }
      }
      prop.transforms.push_back(tr);
    }
    if (tlast != 0) return DecodeError::kBadSyntax;
    if (p.remaining() != 0) return DecodeError::kBadLength;
    sa.proposals.push_back(std::move(prop));
    if (sa.proposals.size() > 64) return DecodeError::kTooManyPayloads;
  }
  if (r.remaining() != 0) return DecodeError::kBadLength;
  return DecodeError::kOk;
}

void encode_sa(const SaPayload& sa, Writer& w) {
  for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
    const Proposal& prop = sa.proposals[i];
    w.u8(i + 1 == sa.proposals.size() ? 0 : 2);
    w.u8(0);
    const std::size_t len_at = w.size();
    w.u16(0);
    const std::size_t start = len_at - 2;
    w.u8(prop.number);
    w.u8(static_cast<std::uint8_t>(prop.protocol));
    w.u8(static_cast<std::uint8_t>(prop.spi.size()));
    w.u8(static_cast<std::uint8_t>(prop.transforms.size()));
    w.bytes(prop.spi);
    for (std::size_t j = 0; j < prop.transforms.size(); ++j) {
      const Transform& tr = prop.transforms[j];
      w.u8(j + 1 == prop.transforms.size() ? 0 : 3);
      w.u8(0);
      w.u16(tr.key_length ? 12 : 8);
      w.u8(static_cast<std::uint8_t>(tr.type));
      w.u8(0);
      w.u16(tr.id);
      if (tr.key_length) {
        w.u16(0x8000 | kAttrKeyLength);
        w.u16(*tr.key_length);
      }
    }
    w.put16(len_at, w.size() - start);
  }
}

// ---- Traffic selectors ----
DecodeError decode_ts(ByteView data, TsPayload& ts) {
  Reader r(data);
  if (!r.has(4)) return DecodeError::kTruncated;
  const std::uint8_t count = r.u8();
  r.view(3);
  for (unsigned i = 0; i < count; ++i) {
    if (!r.has(4)) return DecodeError::kTruncated;
    const std::uint8_t type = r.u8();
    TrafficSelector sel;
    sel.ip_proto = r.u8();
    const std::uint16_t len = r.u16();
    std::size_t addr_len = 0;
    if (type == 7)
      addr_len = 4;
    else if (type == 8)
      addr_len = 16;
    else
      return DecodeError::kBadSyntax;
    if (len != 8 + 2 * addr_len) return DecodeError::kBadLength;
    if (!r.has(len - 4u)) return DecodeError::kTruncated;
    sel.start_port = r.u16();
    sel.end_port = r.u16();
    sel.start.v6 = sel.end.v6 = addr_len == 16;
    auto s = r.view(addr_len);
    std::copy(s.begin(), s.end(), sel.start.bytes.begin());
    auto e = r.view(addr_len);
    std::copy(e.begin(), e.end(), sel.end.bytes.begin());
    ts.selectors.push_back(sel);
  }
  if (r.remaining() != 0) return DecodeError::kBadLength;
  return DecodeError::kOk;
}

void encode_ts(const TsPayload& ts, Writer& w) {
  w.u8(static_cast<std::uint8_t>(ts.selectors.size()));
  w.u8(0);
  w.u16(0);
  for (const auto& sel : ts.selectors) {
    const std::size_t n = sel.start.v6 ? 16 : 4;
    w.u8(sel.start.v6 ? 8 : 7);
    w.u8(sel.ip_proto);
    w.u16(static_cast<std::uint16_t>(8 + 2 * n));
    w.u16(sel.start_port);
    w.u16(sel.end_port);
    w.bytes(ByteView(sel.start.bytes.data(), n));
    w.bytes(ByteView(sel.end.bytes.data(), n));
  }
}

DecodeError decode_body(PayloadType type, ByteView data, Payload& out) {
  Reader r(data);
  switch (type) {
    case PayloadType::kSa: {
      SaPayload sa;
      const auto e = decode_sa(data, sa);
      out.body = std::move(sa);
      return e;
    }
    case PayloadType::kKe: {
      if (!r.has(4)) return DecodeError::kTruncated;
      KePayload ke;
      ke.group = r.u16();
      r.u16();
      ke.data = r.rest();
      out.body = std::move(ke);
      return DecodeError::kOk;
    }
    case PayloadType::kIdi:
    case PayloadType::kIdr: {
      if (!r.has(4)) return DecodeError::kTruncated;
      IdPayload id;
      id.raw_body.assign(data.begin(), data.end());
      id.id.type = static_cast<IdType>(r.u8());
      r.view(3);
      id.id.data = r.rest();
      out.body = std::move(id);
      return DecodeError::kOk;
    }
    case PayloadType::kCert:
    case PayloadType::kCertReq: {
      if (!r.has(1)) return DecodeError::kTruncated;
      CertPayload c;
      c.encoding = r.u8();
      c.data = r.rest();
      out.body = std::move(c);
      return DecodeError::kOk;
    }
    case PayloadType::kAuth: {
      if (!r.has(4)) return DecodeError::kTruncated;
      AuthPayload a;
      a.method = r.u8();
      r.view(3);
      a.data = r.rest();
      out.body = std::move(a);
      return DecodeError::kOk;
    }
    case PayloadType::kNonce: {
      NoncePayload n;
      n.data = r.rest();
      out.body = std::move(n);
      return DecodeError::kOk;
    }
    case PayloadType::kNotify: {
      if (!r.has(4)) return DecodeError::kTruncated;
      NotifyPayload n;
      n.protocol = static_cast<ProtocolId>(r.u8());
      const std::uint8_t spi_size = r.u8();
      n.type = r.u16();
      if (!r.has(spi_size)) return DecodeError::kBadLength;
      n.spi = r.bytes(spi_size);
      n.data = r.rest();
      out.body = std::move(n);
      return DecodeError::kOk;
    }
    case PayloadType::kDelete: {
      if (!r.has(4)) return DecodeError::kTruncated;
      DeletePayload d;
      d.protocol = static_cast<ProtocolId>(r.u8());
      const std::uint8_t spi_size = r.u8();
      const std::uint16_t num = r.u16();
      if (d.protocol == ProtocolId::kIke) {
        if (spi_size != 0 || num != 0 || r.remaining() != 0) return DecodeError::kBadSyntax;
      } else {
        if (spi_size != 4) return DecodeError::kBadSyntax;
        if (r.remaining() != std::size_t{num} * 4) return DecodeError::kBadLength;
        for (unsigned i = 0; i < num; ++i) d.spis.push_back(r.u32());
      }
      out.body = std::move(d);
      return DecodeError::kOk;
    }
    case PayloadType::kVendorId: {
      out.body = VendorIdPayload{r.rest()};
      return DecodeError::kOk;
    }
    case PayloadType::kTsi:
    case PayloadType::kTsr: {
      TsPayload ts;
      const auto e = decode_ts(data, ts);
      out.body = std::move(ts);
      return e;
    }
    case PayloadType::kCp: {
      if (!r.has(4)) return DecodeError::kTruncated;
      CpPayload cp;
      cp.cfg_type = r.u8();
      r.view(3);
      while (r.remaining() > 0) {
        if (!r.has(4)) return DecodeError::kTruncated;
        const std::uint16_t at = r.u16() & 0x7FFF;
        const std::uint16_t len = r.u16();
        if (!r.has(len)) return DecodeError::kBadLength;
        cp.attributes.emplace_back(at, r.bytes(len));
      }
      out.body = std::move(cp);
      return DecodeError::kOk;
    }
    case PayloadType::kEap: {
      // RFC 3748 header: Code, Identifier, Length (covers the whole EAP message).
      if (!r.has(4)) return DecodeError::kTruncated;
      Reader h(data);
      h.u8();
      h.u8();
      if (h.u16() != data.size()) return DecodeError::kBadLength;
      out.body = EapPayload{r.rest()};
      return DecodeError::kOk;
    }
    case PayloadType::kSk: {
      out.body = SkPayload{r.rest()};
      return DecodeError::kOk;
    }
    case PayloadType::kSkf: {
      if (!r.has(4)) return DecodeError::kTruncated;
      SkfPayload f;
      f.fragment_number = r.u16();
      f.total_fragments = r.u16();
      if (f.fragment_number == 0 || f.total_fragments == 0 || f.fragment_number > f.total_fragments)
        return DecodeError::kBadSyntax;
      f.body = r.rest();
      out.body = std::move(f);
      return DecodeError::kOk;
    }
    default: out.body = UnknownPayload{r.rest()}; return DecodeError::kOk;
  }
}

void encode_body(const Payload& p, Writer& w) {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, SaPayload>) {
          encode_sa(b, w);
        } else if constexpr (std::is_same_v<T, KePayload>) {
          w.u16(b.group);
          w.u16(0);
          w.bytes(b.data);
        } else if constexpr (std::is_same_v<T, IdPayload>) {
          w.u8(static_cast<std::uint8_t>(b.id.type));
          w.u8(0);
          w.u16(0);
          w.bytes(b.id.data);
        } else if constexpr (std::is_same_v<T, CertPayload>) {
          w.u8(b.encoding);
          w.bytes(b.data);
        } else if constexpr (std::is_same_v<T, AuthPayload>) {
          w.u8(b.method);
          w.u8(0);
          w.u16(0);
          w.bytes(b.data);
        } else if constexpr (std::is_same_v<T, NoncePayload> || std::is_same_v<T, VendorIdPayload> ||
                             std::is_same_v<T, EapPayload> || std::is_same_v<T, UnknownPayload>) {
          w.bytes(b.data);
        } else if constexpr (std::is_same_v<T, NotifyPayload>) {
          w.u8(static_cast<std::uint8_t>(b.protocol));
          w.u8(static_cast<std::uint8_t>(b.spi.size()));
          w.u16(b.type);
          w.bytes(b.spi);
          w.bytes(b.data);
        } else if constexpr (std::is_same_v<T, DeletePayload>) {
          w.u8(static_cast<std::uint8_t>(b.protocol));
          w.u8(b.protocol == ProtocolId::kIke ? 0 : 4);
          w.u16(static_cast<std::uint16_t>(b.spis.size()));
          for (auto spi : b.spis) w.u32(spi);
        } else if constexpr (std::is_same_v<T, TsPayload>) {
          encode_ts(b, w);
        } else if constexpr (std::is_same_v<T, CpPayload>) {
          w.u8(b.cfg_type);
          w.u8(0);
          w.u16(0);
          for (const auto& [type, value] : b.attributes) {
            w.u16(type);
            w.u16(static_cast<std::uint16_t>(value.size()));
            w.bytes(value);
          }
        } else if constexpr (std::is_same_v<T, SkPayload>) {
          w.bytes(b.body);
        } else if constexpr (std::is_same_v<T, SkfPayload>) {
          w.u16(b.fragment_number);
          w.u16(b.total_fragments);
          w.bytes(b.body);
        }
      },
      p.body);
}

}  // namespace

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::kOk: return "ok";
    case DecodeError::kTruncated: return "truncated";
    case DecodeError::kBadLength: return "bad length";
    case DecodeError::kBadVersion: return "bad version";
    case DecodeError::kBadSyntax: return "bad syntax";
    case DecodeError::kTooManyPayloads: return "too many payloads";
  }
  return "?";
}

Decoded<Header> decode_header(ByteView bytes) {
  Decoded<Header> out;
  Reader r(bytes);
  if (!r.has(kHeaderSize)) {
    out.error = DecodeError::kTruncated;
    return out;
  }
  Header& h = out.value;
  h.initiator_spi = r.u64();
  h.responder_spi = r.u64();
  h.next_payload = static_cast<PayloadType>(r.u8());
  h.version = r.u8();
  h.exchange = static_cast<ExchangeType>(r.u8());
  h.flags = r.u8();
  h.message_id = r.u32();
  h.length = r.u32();
  if ((h.version >> 4) != 2)
    out.error = DecodeError::kBadVersion;
  else if (h.length < kHeaderSize)
    out.error = DecodeError::kBadLength;
  return out;
}

Decoded<std::vector<Payload>> decode_payloads(PayloadType first, ByteView bytes) {
  Decoded<std::vector<Payload>> out;
  Reader r(bytes);
  auto next = static_cast<std::uint8_t>(first);
  while (next != 0) {
    if (out.value.size() >= kMaxPayloads) {
      out.error = DecodeError::kTooManyPayloads;
      return out;
    }
    if (!r.has(4)) {
      out.error = DecodeError::kTruncated;
      return out;
    }
    Payload p;
    p.raw_type = next;
    p.type = known_type(next) ? static_cast<PayloadType>(next) : PayloadType::kNone;
    const std::uint8_t following = r.u8();
    const std::uint8_t flags = r.u8();
    p.critical = flags & 0x80;
    const std::uint16_t len = r.u16();
    if (len < 4 || !r.has(len - 4u)) {
      out.error = DecodeError::kBadLength;
      return out;
    }
    ByteView body = r.view(len - 4u);
    const bool encrypted = p.type == PayloadType::kSk || p.type == PayloadType::kSkf;
    if (!known_type(next) && next >= 1 && next <= 32) {
      // 1-32 are reserved (IKEv1); 49-127 unassigned, 128+ private: kept as unknown.
      p.type = PayloadType::kNone;
    }
    const DecodeError e = p.type == PayloadType::kNone
                              ? (p.body = UnknownPayload{Bytes(body.begin(), body.end())}, DecodeError::kOk)
                              : decode_body(p.type, body, p);
    if (e != DecodeError::kOk) {
      out.error = e;
      return out;
    }
    if (encrypted) {
      p.inner_first = static_cast<PayloadType>(following);
      out.value.push_back(std::move(p));
      if (r.remaining() != 0) out.error = DecodeError::kBadLength;
      return out;
    }
    out.value.push_back(std::move(p));
    next = following;
  }
  if (r.remaining() != 0) out.error = DecodeError::kBadLength;
  return out;
}

Decoded<Message> decode_message(ByteView bytes) {
  Decoded<Message> out;
  auto h = decode_header(bytes);
  out.value.header = h.value;
  if (!h.ok()) {
    out.error = h.error;
    return out;
  }
  if (h.value.length != bytes.size()) {
    out.error = h.value.length > bytes.size() ? DecodeError::kTruncated : DecodeError::kBadLength;
    return out;
  }
  auto p = decode_payloads(h.value.next_payload, bytes.subspan(kHeaderSize));
  out.value.payloads = std::move(p.value);
  out.error = p.error;
  return out;
}

Bytes encode_payloads(const std::vector<Payload>& payloads, PayloadType* first) {
  Writer w;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const Payload& p = payloads[i];
    std::uint8_t next = 0;
    if (p.type == PayloadType::kSk || p.type == PayloadType::kSkf)
      next = static_cast<std::uint8_t>(p.inner_first);
    else if (i + 1 < payloads.size())
      next = payloads[i + 1].type == PayloadType::kNone ? payloads[i + 1].raw_type
                                                        : static_cast<std::uint8_t>(payloads[i + 1].type);
    w.u8(next);
    w.u8(p.critical ? 0x80 : 0);
    const std::size_t len_at = w.size();
    w.u16(0);
    encode_body(p, w);
    w.put16(len_at, w.size() - len_at + 2);
  }
  if (first) {
    *first = payloads.empty()                         ? PayloadType::kNone
             : payloads[0].type == PayloadType::kNone ? static_cast<PayloadType>(payloads[0].raw_type)
                                                      : payloads[0].type;
  }
  return w.take();
}

Bytes encode_header(const Header& h) {
  Writer w;
  w.u64(h.initiator_spi);
  w.u64(h.responder_spi);
  w.u8(static_cast<std::uint8_t>(h.next_payload));
  w.u8(h.version);
  w.u8(static_cast<std::uint8_t>(h.exchange));
  w.u8(h.flags);
  w.u32(h.message_id);
  w.u32(h.length);
  return w.take();
}

Bytes encode_message(Header header, const std::vector<Payload>& payloads) {
  Bytes body = encode_payloads(payloads, &header.next_payload);
  header.length = static_cast<std::uint32_t>(kHeaderSize + body.size());
  Bytes out = encode_header(header);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

const Payload* Message::find(PayloadType type) const {
  for (const auto& p : payloads)
    if (p.type == type) return &p;
  return nullptr;
}

const NotifyPayload* Message::find_notify(std::uint16_t type) const {
  for (const auto& p : payloads)
    if (const auto* n = std::get_if<NotifyPayload>(&p.body); n && n->type == type) return n;
  return nullptr;
}

std::vector<const NotifyPayload*> Message::notifies() const {
  std::vector<const NotifyPayload*> out;
  for (const auto& p : payloads)
    if (const auto* n = std::get_if<NotifyPayload>(&p.body)) out.push_back(n);
  return out;
}

std::optional<std::uint8_t> Message::unsupported_critical() const {
  for (const auto& p : payloads)
    if (p.type == PayloadType::kNone && p.critical) return p.raw_type;
  return std::nullopt;
}

Payload make_notify(std::uint16_t type, Bytes data, ProtocolId protocol, Bytes spi) {
  NotifyPayload n;
  n.type = type;
  n.data = std::move(data);
  n.protocol = protocol;
  n.spi = std::move(spi);
  return make_payload(PayloadType::kNotify, std::move(n));
}

Payload make_payload(PayloadType type, Body body) {
  Payload p;
  p.type = type;
  p.raw_type = static_cast<std::uint8_t>(type);
  p.body = std::move(body);
  return p;
}

}  // namespace hubsec::ike::msg
