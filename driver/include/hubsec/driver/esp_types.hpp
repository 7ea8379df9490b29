// Types shared by every ESP offload backend (soft, card) and by the gateway that uses them.
//
// An ESP job works on whole IPv4 packets, because that is what the gateway holds in hand:
//  - encapsulate: in = the IPv4 packet to protect (transport mode: e.g. IP/GRE between the tunnel
//    endpoints; tunnel mode: the inner packet). out = the IPv4 packet to send: transport keeps the
//    original addresses, tunnel builds an outer header from the SA's endpoints; with UDP
//    encapsulation (RFC 3948) the ESP rides in UDP 4500.
//  - decapsulate: in = the received IPv4 packet (IP/ESP or IP/UDP/ESP). out = the recovered IPv4
//    packet (transport: the original header with protocol = next header; tunnel: the inner packet).
// With `raw_esp` set on a job, in/out are the bare ESP bytes (SPI .. ICV) and the payload, without
// any IP framing: that is what the card's datapath computes and what the bit-exact tests compare.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hubsec::driver {

enum class IntegrityAlg : std::uint8_t {
  kHmacSha1_96 = 1,     // RFC 2404: 20-byte key, 12-byte ICV
  kHmacSha256_128 = 2,  // RFC 4868: 32-byte key, 16-byte ICV
};

enum class EspMode : std::uint8_t { kTransport = 0, kTunnel = 1 };
enum class Direction : std::uint8_t { kOutbound = 0, kInbound = 1 };
enum class EspOp : std::uint8_t { kEncapsulate = 0, kDecapsulate = 1 };

constexpr std::size_t kAesKeyBytes = 32;  // AES-256-CBC only
constexpr std::size_t kAesBlockBytes = 16;
constexpr std::size_t kMaxIntegrityKeyBytes = 32;
constexpr std::uint32_t kDefaultReplayWindow = 64;
constexpr std::uint32_t kMaxReplayWindow = 4096;
constexpr std::uint8_t kIpProtoEsp = 50;
constexpr std::uint8_t kIpProtoUdp = 17;
constexpr std::uint16_t kNatTraversalPort = 4500;

constexpr std::size_t integrity_key_bytes(IntegrityAlg alg) {
  return alg == IntegrityAlg::kHmacSha1_96 ? 20 : 32;
}
constexpr std::size_t icv_bytes(IntegrityAlg alg) {
  return alg == IntegrityAlg::kHmacSha1_96 ? 12 : 16;
}

// Everything needed to install one unidirectional ESP SA. Keys are copied by the backend; the
// caller wipes its own copy.
struct SaParams {
  Direction direction = Direction::kOutbound;
  std::uint32_t spi = 0;  // host byte order
  EspMode mode = EspMode::kTransport;
  std::array<std::uint8_t, kAesKeyBytes> enc_key{};
  IntegrityAlg integrity = IntegrityAlg::kHmacSha1_96;
  std::array<std::uint8_t, kMaxIntegrityKeyBytes> auth_key{};  // first integrity_key_bytes() used
  bool esn = false;
  std::uint32_t replay_window = kDefaultReplayWindow;  // inbound; 0 disables anti-replay
  // Tunnel-mode outer addresses (host byte order); outbound uses them for the new header.
  std::uint32_t tunnel_src = 0;
  std::uint32_t tunnel_dst = 0;
  // RFC 3948 UDP encapsulation: outbound adds UDP(sport, dport); inbound expects UDP.
  bool udp_encap = false;
  std::uint16_t udp_sport = kNatTraversalPort;
  std::uint16_t udp_dport = kNatTraversalPort;
  // Lifetime limits (0 = none). Soft limits raise a warning in the completion, hard limits refuse.
  std::uint64_t soft_packets = 0, hard_packets = 0;
  std::uint64_t soft_bytes = 0, hard_bytes = 0;
  // Outbound: the first sequence number to use minus one (normally 0). Inbound: the highest number
  // already received (the window resumes there, everything at or below it counts as seen). Tests
  // start near wraps; a backend re-installing SAs after a reset resumes where they were.
  std::uint64_t initial_seq = 0;
};

using SaHandle = std::uint32_t;
constexpr SaHandle kInvalidSa = 0;

enum class EspStatus : std::uint8_t {
  kOk = 0,
  kIcvMismatch,
  kBadPadding,
  kReplay,
  kUnknownSa,     // no SA at that handle, or SPI in the packet differs from the SA's
  kBadLength,     // too short, ciphertext not a block multiple, output capacity too small, ...
  kBadHeader,     // IPv4/UDP framing is wrong (version, header length, protocol, ports)
  kSeqExhausted,  // outbound: 32-bit sequence space used up without ESN, SA must be rekeyed
  kHardLimit,     // lifetime hard limit reached
  kRingFull,      // not accepted: the submission ring was full (job dropped and counted)
  kDeviceError,   // the card reported a DMA or internal error, or was reset with the job in flight
};

std::string_view to_string(EspStatus status);

// One unit of work. Buffers belong to the caller and must stay valid until the completion for the
// job's cookie has been polled.
struct EspJob {
  EspOp op = EspOp::kEncapsulate;
  SaHandle sa = kInvalidSa;
  std::span<const std::uint8_t> in;
  std::span<std::uint8_t> out;
  std::uint64_t cookie = 0;
  bool raw_esp = false;
  // Outbound raw_esp only: payload's next header (4 = IPv4 for tunnel, 47 = GRE, ...).
  std::uint8_t next_header = 0;
  // Optional caller-supplied IV (tests that must be bit-exact); nullptr = backend's random IV.
  const std::uint8_t* iv = nullptr;
};

struct EspCompletion {
  std::uint64_t cookie = 0;
  EspStatus status = EspStatus::kOk;
  std::uint32_t out_len = 0;
  std::uint8_t next_header = 0;
  std::uint64_t seq = 0;    // full (ESN-inferred) sequence number of the packet
  bool soft_limit = false;  // the SA crossed its soft lifetime: time to rekey
};

struct SaCounters {
  std::uint64_t packets = 0;  // processed successfully
  std::uint64_t bytes = 0;    // payload bytes processed successfully
  std::uint64_t icv_failures = 0;
  std::uint64_t pad_failures = 0;
  std::uint64_t replay_failures = 0;
  std::uint64_t length_failures = 0;
  std::uint64_t header_failures = 0;
  std::uint64_t seq_exhausted = 0;
  std::uint64_t hard_limit_drops = 0;
  std::uint64_t ring_full_drops = 0;
  std::uint64_t device_errors = 0;
  std::uint64_t unknown_sa = 0;  // jobs on this handle refused as kUnknownSa (SPI differs, wrong direction)
  std::uint64_t last_seq = 0;    // outbound: last used; inbound: highest accepted
};

struct Capabilities {
  std::string_view backend;  // "soft", "card:sim", "card:xrt", ...
  bool hmac_sha1_96 = true;
  bool hmac_sha256_128 = true;
  bool esn = true;
  bool udp_encap = true;
  bool tunnel_mode = true;
  std::uint32_t max_sas = 0;
  std::uint32_t max_packet_bytes = 0;
  std::uint32_t max_batch = 0;
  std::uint32_t max_replay_window = kMaxReplayWindow;
};

}  // namespace hubsec::driver
