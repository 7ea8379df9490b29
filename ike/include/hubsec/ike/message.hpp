// IKEv2 message codec (RFC 7296 section 3, RFC 7383 SKF). Decoding is strict on every length
// field and never reads past the input; errors come back as codes, never exceptions.
// SK/SKF bodies stay opaque here (IV | ciphertext | ICV): the engine decrypts them and decodes the
// inner chain with decode_payloads().
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "hubsec/ike/policy.hpp"
#include "hubsec/ike/secret.hpp"
#include "hubsec/ike/types.hpp"

namespace hubsec::ike::msg {

enum class ExchangeType : std::uint8_t {
  kIkeSaInit = 34,
  kIkeAuth = 35,
  kCreateChildSa = 36,
  kInformational = 37
};

enum class PayloadType : std::uint8_t {
  kNone = 0,
  kSa = 33,
  kKe = 34,
  kIdi = 35,
  kIdr = 36,
  kCert = 37,
  kCertReq = 38,
  kAuth = 39,
  kNonce = 40,
  kNotify = 41,
  kDelete = 42,
  kVendorId = 43,
  kTsi = 44,
  kTsr = 45,
  kSk = 46,
  kCp = 47,
  kEap = 48,
  kSkf = 53,
};

// RFC 7296 3.10.1 and IANA "IKEv2 Notify Message Types".
namespace notify {
constexpr std::uint16_t kUnsupportedCriticalPayload = 1, kInvalidIkeSpi = 4, kInvalidMajorVersion = 5,
                        kInvalidSyntax = 7, kInvalidMessageId = 9, kInvalidSpi = 11, kNoProposalChosen = 14,
                        kInvalidKePayload = 17, kAuthenticationFailed = 24, kSinglePairRequired = 34,
                        kNoAdditionalSas = 35, kInternalAddressFailure = 36, kFailedCpRequired = 37,
                        kTsUnacceptable = 38, kInvalidSelectors = 39, kTemporaryFailure = 43,
                        kChildSaNotFound = 44;
constexpr std::uint16_t kInitialContact = 16384, kSetWindowSize = 16385, kAdditionalTsPossible = 16386,
                        kIpcompSupported = 16387, kNatDetectionSourceIp = 16388,
                        kNatDetectionDestinationIp = 16389, kCookie = 16390, kUseTransportMode = 16391,
                        kHttpCertLookupSupported = 16392, kRekeySa = 16393,
                        kEspTfcPaddingNotSupported = 16394, kNonFirstFragmentsAlso = 16395,
                        kIkev2FragmentationSupported = 16430, kSignatureHashAlgorithms = 16431;
constexpr bool is_error(std::uint16_t type) {
  return type < 16384;
}
}  // namespace notify

enum class ProtocolId : std::uint8_t { kNone = 0, kIke = 1, kAh = 2, kEsp = 3 };
enum class TransformType : std::uint8_t { kEncr = 1, kPrf = 2, kInteg = 3, kDh = 4, kEsn = 5 };
constexpr std::uint16_t kAttrKeyLength = 14;

enum class DecodeError : std::uint8_t {
  kOk = 0,
  kTruncated,        // input ends inside a structure
  kBadLength,        // a length field disagrees with the data around it
  kBadVersion,       // major version is not 2
  kBadSyntax,        // a field value the RFC forbids (reserved payload type, bad TS type, ...)
  kTooManyPayloads,  // defensive limit on chain length
};
std::string_view to_string(DecodeError error);

struct Header {
  std::uint64_t initiator_spi = 0, responder_spi = 0;
  PayloadType next_payload = PayloadType::kNone;
  std::uint8_t version = 0x20;
  ExchangeType exchange = ExchangeType::kIkeSaInit;
  std::uint8_t flags = 0;  // kFlagInitiator | kFlagResponse
  std::uint32_t message_id = 0;
  std::uint32_t length = 0;
  static constexpr std::uint8_t kFlagInitiator = 0x08, kFlagVersion = 0x10, kFlagResponse = 0x20;
  bool from_initiator() const { return flags & kFlagInitiator; }
  bool is_response() const { return flags & kFlagResponse; }
};
constexpr std::size_t kHeaderSize = 28;

struct Transform {
  TransformType type = TransformType::kEncr;
  std::uint16_t id = 0;
  std::optional<std::uint16_t> key_length;  // attribute 14 (TV format)
  friend bool operator==(const Transform&, const Transform&) = default;
};
struct Proposal {
  std::uint8_t number = 1;
  ProtocolId protocol = ProtocolId::kIke;
  Bytes spi;  // 0 bytes (IKE_SA_INIT), 8 (IKE rekey) or 4 (ESP)
  std::vector<Transform> transforms;
};
struct SaPayload {
  std::vector<Proposal> proposals;
};
struct KePayload {
  std::uint16_t group = 0;
  Bytes data;
};
struct IdPayload {
  Identity id;
  Bytes raw_body;
};  // raw_body = ID type | RESERVED | data (for AUTH)
struct CertPayload {
  std::uint8_t encoding = 0;
  Bytes data;
};  // CERT and CERTREQ
struct AuthPayload {
  std::uint8_t method = 2;
  Bytes data;
};
struct NoncePayload {
  Bytes data;
};
struct NotifyPayload {
  ProtocolId protocol = ProtocolId::kNone;
  Bytes spi;
  std::uint16_t type = 0;
  Bytes data;
};
struct DeletePayload {
  ProtocolId protocol = ProtocolId::kIke;
  std::vector<std::uint32_t> spis;  // ESP/AH: host order; IKE: empty (SPI size 0)
};
struct VendorIdPayload {
  Bytes data;
};
struct TsPayload {
  std::vector<TrafficSelector> selectors;
};
struct CpPayload {
  std::uint8_t cfg_type = 1;
  std::vector<std::pair<std::uint16_t, Bytes>> attributes;
};
struct EapPayload {
  Bytes data;
};
struct SkPayload {
  Bytes body;
};  // IV | ciphertext | ICV; Payload::inner_first says the first inner type
struct SkfPayload {
  std::uint16_t fragment_number = 1, total_fragments = 1;
  Bytes body;
};
struct UnknownPayload {
  Bytes data;
};

using Body = std::variant<SaPayload, KePayload, IdPayload, CertPayload, AuthPayload, NoncePayload,
                          NotifyPayload, DeletePayload, VendorIdPayload, TsPayload, CpPayload, EapPayload,
                          SkPayload, SkfPayload, UnknownPayload>;

struct Payload {
  PayloadType type = PayloadType::kNone;
  std::uint8_t raw_type = 0;  // for unknown types
  bool critical = false;
  PayloadType inner_first = PayloadType::kNone;  // SK/SKF only: the generic header's Next Payload
  Body body;
};

struct Message {
  Header header;
  std::vector<Payload> payloads;

  const Payload* find(PayloadType type) const;
  template <class T>
  const T* get(PayloadType type) const {
    const Payload* p = find(type);
    return p ? std::get_if<T>(&p->body) : nullptr;
  }
  const NotifyPayload* find_notify(std::uint16_t type) const;
  std::vector<const NotifyPayload*> notifies() const;
  // The first unknown payload with the critical bit set, if any (answered with
  // UNSUPPORTED_CRITICAL_PAYLOAD carrying its type).
  std::optional<std::uint8_t> unsupported_critical() const;
};

template <class T>
struct Decoded {
  T value{};
  DecodeError error = DecodeError::kOk;
  bool ok() const { return error == DecodeError::kOk; }
};

Decoded<Header> decode_header(ByteView bytes);
// Decodes a payload chain starting with `first`. Unknown types are kept as UnknownPayload (the
// engine ignores non-critical ones). Chain ends at SK/SKF, which must be last.
Decoded<std::vector<Payload>> decode_payloads(PayloadType first, ByteView bytes);
// Header + chain; checks the header length against the datagram.
Decoded<Message> decode_message(ByteView bytes);

// Encodes a chain; returns the bytes and writes the first payload's type into *first.
Bytes encode_payloads(const std::vector<Payload>& payloads, PayloadType* first);
Bytes encode_header(const Header& header);  // uses header.length as given
// Header (length and next payload filled in) + chain.
Bytes encode_message(Header header, const std::vector<Payload>& payloads);

// Builders.
Payload make_notify(std::uint16_t type, Bytes data = {}, ProtocolId protocol = ProtocolId::kNone,
                    Bytes spi = {});
Payload make_payload(PayloadType type, Body body);

}  // namespace hubsec::ike::msg
