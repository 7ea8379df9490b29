// The IKEv2 engine (RFC 7296): no sockets, no clock, no threads. The host feeds it datagrams and
// the time, and drains actions (datagrams to send, Child SA events, IKE SA events, log lines).
//
//   Engine engine(policy);
//   engine.on_datagram(local, remote, bytes_without_non_esp_marker, now);
//   engine.tick(now);                          // timers: retransmission, DPD, rekey, expiry
//   for (auto& a : engine.take_actions()) ...  // std::visit over Action
//   sleep until engine.next_deadline()
//
// Not thread-safe: one thread drives one Engine.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hubsec/ike/actions.hpp"
#include "hubsec/ike/policy.hpp"
#include "hubsec/ike/snapshot.hpp"
#include "hubsec/ike/types.hpp"

namespace hubsec::ike {

// Source of SPIs, nonces and cookie secrets. The default draws from OpenSSL's RAND_bytes;
// DH private keys always come from OpenSSL's generator.
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};
std::unique_ptr<Random> make_openssl_random();

// Keys of one IKE SA for Wireshark's "IKEv2 Decryption Table" (ikev2_decryption_table UAT).
struct IkeKeyLogEntry {
  std::uint64_t initiator_spi = 0, responder_spi = 0;
  SecretBytes sk_ei, sk_er, sk_ai, sk_ar;
  SecretBytes sk_d;  // not in the UAT line; lets tests check Child SA keys (RFC 7296 2.17) independently
  std::uint16_t encr_key_bits = 256;
  IntegAlg integrity = IntegAlg::kHmacSha2_256_128;
  // One UAT line: ISPI,RSPI,SK_ei,SK_er,"AES-CBC-256 [RFC3602]",SK_ai,SK_ar,"HMAC_SHA2_256_128 [RFC4868]"
  std::string format_line() const;
};
using KeyLogSink = std::function<void(const IkeKeyLogEntry&)>;

struct InitiateRequest {
  Endpoint local;       // the address to use (port 500)
  Endpoint remote;      // the peer (port 500)
  std::string profile;  // Policy::profiles[].name; empty = the first
};

class Engine {
 public:
  explicit Engine(Policy policy, std::unique_ptr<Random> rng = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // One received UDP payload. On port 4500 the host strips the non-ESP marker first and passes
  // IKE only (ESP and 0xFF keepalives never reach the engine).
  void on_datagram(const Endpoint& local, const Endpoint& remote, ByteView datagram, TimePoint now);
  // Runs timers due at `now`. Call at next_deadline() at the latest.
  void tick(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  // Starts IKE_SA_INIT towards a peer. Returns the new IKE SA's id (0 if the profile is unknown).
  IkeSaId initiate(const InitiateRequest& request, TimePoint now);
  // Requests; false when the SA is unknown or busy in a way that forbids it now (they are queued
  // behind a running exchange otherwise).
  bool rekey_ike_sa(IkeSaId id, TimePoint now);
  bool rekey_child_sa(std::uint32_t inbound_spi, TimePoint now);
  bool delete_ike_sa(IkeSaId id, TimePoint now);
  bool delete_child_sa(std::uint32_t inbound_spi, TimePoint now);
  bool create_child_sa(IkeSaId id, TimePoint now);  // an additional Child SA with the profile's policy
  bool send_dpd(IkeSaId id, TimePoint now);         // an empty INFORMATIONAL now (liveness)
  // The data plane saw a volume lifetime (kilobytes/packets) run out: soft = rekey, hard = delete.
  void on_child_volume_limit(std::uint32_t inbound_spi, bool hard, TimePoint now);
  // Clears every SA (IOS `clear crypto sa`): deletes sent, then everything dropped.
  void delete_all(TimePoint now);

  std::vector<Action> take_actions();

  std::vector<IkeSaSnapshot> snapshot(TimePoint now) const;
  EngineStats stats() const;

  // Debug only, off by default: called with the IKE keys of each IKE SA when it is keyed.
  void set_key_log_sink(KeyLogSink sink);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubsec::ike
