// Engine internals: the IKE SA and Child SA records and the Impl that runs the exchanges.
// Split over engine.cpp (dispatch, timers, API), exchange_init.cpp (IKE_SA_INIT, IKE_AUTH),
// exchange_child.cpp (CREATE_CHILD_SA) and exchange_info.cpp (INFORMATIONAL).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "crypto.hpp"
#include "hubsec/ike/engine.hpp"
#include "hubsec/ike/message.hpp"
#include "proposals.hpp"
#include "sk.hpp"

namespace hubsec::ike {

namespace detail {

enum class SaState : std::uint8_t {
  kInitSent,  // initiator: IKE_SA_INIT request out
  kAuthSent,  // initiator: IKE_AUTH request out
  kInitDone,  // responder: IKE_SA_INIT answered, waiting for IKE_AUTH (half-open)
  kEstablished,
  kRekeyed,  // replaced by a new IKE SA; only INFORMATIONAL delete expected
  kDeleting,
};

enum class ChildState : std::uint8_t { kInstalled, kRekeying, kRekeyed, kDeleting };

struct ChildSa {
  std::uint32_t reqid = 0;
  std::uint32_t inbound_spi = 0, outbound_spi = 0;
  ChildMode mode = ChildMode::kTransport;
  EspSuite suite;
  std::vector<TrafficSelector> local_ts, remote_ts;
  TimePoint created{}, rekey_at{}, expire_at{};
  bool has_rekey_at = false, has_expire_at = false;
  ChildState state = ChildState::kInstalled;
  // Simultaneous rekey (RFC 7296 2.8.1): the SA we created answering the peer's rekey of this SA,
  // and the lowest nonce of that exchange.
  std::uint32_t peer_rekey_inbound_spi = 0;
  Bytes peer_rekey_min_nonce;
};

enum class RequestKind : std::uint8_t {
  kIkeSaInit,
  kIkeAuth,
  kNewChild,
  kRekeyChild,
  kRekeyIke,
  kDeleteChild,
  kDeleteIke,
  kDpd
};

struct Task {
  RequestKind kind = RequestKind::kDpd;
  std::uint32_t child_spi = 0;  // our inbound SPI of the Child SA concerned
};

// Our request in flight (window size 1) with what the response will need.
struct Outstanding {
  RequestKind kind = RequestKind::kDpd;
  std::uint32_t message_id = 0;
  std::vector<Bytes> packets;  // one message or its fragments
  std::uint32_t sends = 0;
  TimePoint deadline{};
  Bytes nonce;
  std::unique_ptr<crypto::DhKey> dh;
  std::uint32_t new_child_spi = 0;  // our inbound SPI for the new Child SA
  std::uint32_t child_spi = 0;      // the Child SA being rekeyed/deleted (our inbound SPI)
  std::uint64_t new_ike_spi = 0;    // our SPI for the rekeyed IKE SA
};

struct Reassembly {
  std::uint32_t message_id = 0;
  bool active = false;
  bool response = false;
  std::uint16_t total = 0;
  msg::PayloadType first = msg::PayloadType::kNone;
  std::vector<std::optional<Bytes>> parts;
  std::size_t received = 0;
  std::size_t bytes = 0;
};

struct IkeSa {
  IkeSaId id = 0;
  bool initiator = false;  // original initiator of this IKE SA
  std::uint64_t spi_i = 0, spi_r = 0;
  std::uint64_t local_spi() const { return initiator ? spi_i : spi_r; }
  std::size_t profile = 0;
  Endpoint local, remote;
  SaState state = SaState::kInitSent;
  crypto::IkeSuite suite;
  crypto::IkeKeys keys;
  Bytes ni, nr;
  Bytes init_request, init_response;  // for AUTH; dropped once authenticated
  std::unique_ptr<crypto::DhKey> dh;
  Bytes cookie;
  bool nat_local = false, nat_remote = false, natt = false, peer_frag = false;
  Identity local_id, remote_id;
  std::uint32_t next_request_id = 0, expected_request_id = 0;
  std::vector<Bytes> last_response;  // for retransmitted requests (window 1)
  bool have_last_response = false;
  std::optional<Outstanding> outstanding;
  std::deque<Task> tasks;
  Reassembly reassembly;
  std::vector<ChildSa> children;
  TimePoint created{}, established{}, last_received{}, rekey_at{}, expire_at{}, half_open_deadline{},
      next_keepalive{};
  bool has_rekey_at = false;
  bool dpd_probe = false;  // the outstanding request is a DPD probe
  IkeSaId replaces = 0;
  // Simultaneous IKE SA rekey (2.8.2): the new SA we created answering the peer's rekey.
  std::uint64_t peer_rekey_spi = 0;
  Bytes peer_rekey_min_nonce;
  std::uint64_t rekeyed_into = 0;  // our SPI of the successor
  bool counted_negotiating = true;
  bool delete_when_done = false;  // drop after the outstanding request is answered
};

}  // namespace detail

struct Engine::Impl {
  Impl(Policy p, std::unique_ptr<Random> r);

  Policy policy;
  std::unique_ptr<Random> rng;
  std::vector<Action> actions;
  EngineStats stats;
  KeyLogSink key_log;
  std::unordered_map<std::uint64_t, std::unique_ptr<detail::IkeSa>> sas;        // by our SPI
  std::unordered_multimap<std::uint64_t, std::uint64_t> half_open_by_peer_spi;  // peer SPIi -> our SPI
  std::unordered_map<std::uint32_t, std::uint64_t> child_index;  // our inbound SPI -> IKE SA SPI
  Bytes cookie_secret;
  IkeSaId next_id = 1;
  std::uint32_t next_reqid = 1;
  std::uint32_t half_open = 0;
  TimePoint now{};

  // ---- helpers (engine.cpp) ----
  void log(LogLine::Level level, IkeSaId sa, std::string text);
  std::uint64_t new_ike_spi();
  std::uint32_t new_child_spi();
  Bytes random_bytes(std::size_t n);
  detail::IkeSa* find_sa(std::uint64_t our_spi);
  detail::IkeSa* find_sa_by_id(IkeSaId id);
  detail::IkeSa* sa_of_child(std::uint32_t inbound_spi, detail::ChildSa** child);
  detail::IkeSa& add_sa(std::unique_ptr<detail::IkeSa> sa);
  void remove_sa(detail::IkeSa& sa, IkeSaDown::Reason reason, bool announce);
  void remove_child(detail::IkeSa& sa, std::uint32_t inbound_spi, ChildSaDelete::Reason reason);
  void mark_established(detail::IkeSa& sa);
  void forget_half_open(const detail::IkeSa& sa);  // IKE_SA_INIT retransmission index entry
  const Profile& profile_of(const detail::IkeSa& sa) const { return policy.profiles[sa.profile]; }
  std::optional<Duration> dpd_retry(const detail::IkeSa& sa) const;  // `dpd S R`: R, for liveness checks
  detail::SkDirection out_keys(const detail::IkeSa& sa) const;
  detail::SkDirection in_keys(const detail::IkeSa& sa) const;
  std::size_t max_datagram(const detail::IkeSa& sa) const;
  void send_packets(const detail::IkeSa& sa, const std::vector<Bytes>& packets);
  // Sends a request (queued as outstanding, retransmitted) or an encrypted response.
  bool send_request(detail::IkeSa& sa, msg::ExchangeType exchange, const std::vector<msg::Payload>& inner,
                    detail::Outstanding out);
  void send_response(detail::IkeSa& sa, msg::ExchangeType exchange, std::uint32_t message_id,
                     const std::vector<msg::Payload>& inner);
  msg::Header header_for(const detail::IkeSa& sa, msg::ExchangeType exchange, bool response,
                         std::uint32_t message_id) const;
  void run_tasks(detail::IkeSa& sa);
  void queue_task(detail::IkeSa& sa, detail::Task task);
  void schedule_child(detail::IkeSa& sa, detail::ChildSa& child);
  void schedule_ike(detail::IkeSa& sa);
  void emit_key_log(const detail::IkeSa& sa);

  // ---- dispatch (engine.cpp) ----
  void on_datagram(const Endpoint& local, const Endpoint& remote, ByteView data);
  void on_encrypted(detail::IkeSa& sa, const Endpoint& local, const Endpoint& remote, ByteView data,
                    const msg::Message& m);
  void on_plain_message(detail::IkeSa& sa, const msg::Header& h, std::vector<msg::Payload> inner,
                        const Endpoint& local, const Endpoint& remote);
  void tick();
  void retransmit_or_fail(detail::IkeSa& sa);

  // ---- IKE_SA_INIT / IKE_AUTH (exchange_init.cpp) ----
  IkeSaId initiate(const InitiateRequest& request);
  void send_init_request(detail::IkeSa& sa);
  void responder_init(const Endpoint& local, const Endpoint& remote, ByteView data, const msg::Message& m);
  void initiator_init_response(detail::IkeSa& sa, const Endpoint& local, const Endpoint& remote,
                               ByteView data, const msg::Message& m);
  void send_auth_request(detail::IkeSa& sa);
  void responder_auth(detail::IkeSa& sa, const msg::Message& m);
  void initiator_auth_response(detail::IkeSa& sa, detail::Outstanding& out, const msg::Message& m);
  void send_plain(const Endpoint& local, const Endpoint& remote, const msg::Header& h,
                  const std::vector<msg::Payload>& payloads, Bytes* copy = nullptr);
  Bytes cookie_for(const msg::Message& m, const Endpoint& remote) const;
  Bytes natd_hash(std::uint64_t spi_i, std::uint64_t spi_r, const Endpoint& ep) const;
  bool detect_nat(detail::IkeSa& sa, const msg::Message& m, std::uint64_t spi_r) const;

  // ---- Child SAs and CREATE_CHILD_SA (exchange_child.cpp) ----
  // Derives keys and emits ChildSaInstall; returns the record.
  detail::ChildSa& install_child(detail::IkeSa& sa, const detail::EspSuite& suite, std::uint32_t inbound_spi,
                                 std::uint32_t outbound_spi, ByteView ni, ByteView nr,
                                 const SecretBytes* shared, std::vector<TrafficSelector> local_ts,
                                 std::vector<TrafficSelector> remote_ts, ChildMode mode, std::uint32_t reqid,
                                 std::uint32_t replaces, bool exchange_initiator);
  // Responder side of a Child SA negotiation (IKE_AUTH or CREATE_CHILD_SA): selects, installs, and
  // returns the payloads of the answer (or the error notify).
  std::vector<msg::Payload> respond_child(detail::IkeSa& sa, const msg::Message& m, ByteView ni, ByteView nr,
                                          DhGroup ke_group, const SecretBytes* shared, detail::ChildSa* old,
                                          bool in_ike_auth);
  // Initiator side: checks the answer and installs. Returns the new Child SA's inbound SPI or 0.
  std::uint32_t accept_child(detail::IkeSa& sa, const msg::Message& m, ByteView ni, ByteView nr,
                             const SecretBytes* shared, DhGroup sent_group, std::uint32_t inbound_spi,
                             detail::ChildSa* old, bool in_ike_auth);
  void local_selectors(const detail::IkeSa& sa, std::vector<TrafficSelector>& local_ts,
                       std::vector<TrafficSelector>& remote_ts) const;
  // The selectors to propose: the old Child SA's on a rekey, else the policy's.
  void child_selectors(const detail::IkeSa& sa, const detail::ChildSa* old,
                       std::vector<TrafficSelector>& local_ts, std::vector<TrafficSelector>& remote_ts) const;
  bool narrow(const detail::IkeSa& sa, const std::vector<TrafficSelector>& peer_local,
              const std::vector<TrafficSelector>& peer_remote, std::vector<TrafficSelector>& our_local,
              std::vector<TrafficSelector>& our_remote) const;
  void start_create_child(detail::IkeSa& sa, std::uint32_t rekey_spi);
  void start_rekey_ike(detail::IkeSa& sa);
  void responder_create_child(detail::IkeSa& sa, const msg::Message& m);
  void initiator_create_child_response(detail::IkeSa& sa, detail::Outstanding& out, const msg::Message& m);
  void responder_rekey_ike(detail::IkeSa& sa, const msg::Message& m, const msg::SaPayload& sa_payload);
  void initiator_rekey_ike_response(detail::IkeSa& sa, detail::Outstanding& out, const msg::Message& m);
  detail::IkeSa* make_rekeyed_sa(detail::IkeSa& old, bool we_initiated, std::uint64_t spi_i,
                                 std::uint64_t spi_r, const crypto::IkeSuite& suite, ByteView shared,
                                 ByteView ni, ByteView nr);
  void move_children(detail::IkeSa& from, detail::IkeSa& to);

  // ---- INFORMATIONAL (exchange_info.cpp) ----
  void start_delete_child(detail::IkeSa& sa, std::uint32_t inbound_spi);
  void start_delete_ike(detail::IkeSa& sa);
  void start_dpd(detail::IkeSa& sa);
  void responder_informational(detail::IkeSa& sa, const msg::Message& m);
  void initiator_informational_response(detail::IkeSa& sa, detail::Outstanding& out, const msg::Message& m);
};

}  // namespace hubsec::ike
