// Engine: public entry points, datagram dispatch, message-ID window, retransmission and timers.
#include "hubsec/ike/engine.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>

#include "engine_impl.hpp"

namespace hubsec::ike {

using detail::IkeSa;
using detail::Outstanding;
using detail::RequestKind;
using detail::SaState;
using msg::ExchangeType;
using msg::PayloadType;

namespace {

constexpr std::uint16_t kMaxFragments = 128;

class OpenSslRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();  // no entropy: fail closed
  }
};

std::string hex(ByteView b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 15]);
  }
  return s;
}

}  // namespace

std::unique_ptr<Random> make_openssl_random() {
  return std::make_unique<OpenSslRandom>();
}

std::string IkeKeyLogEntry::format_line() const {
  char spis[40];
  std::snprintf(spis, sizeof(spis), "%016llx,%016llx", static_cast<unsigned long long>(initiator_spi),
                static_cast<unsigned long long>(responder_spi));
  std::string integ;
  switch (integrity) {
    case IntegAlg::kHmacSha1_96: integ = "HMAC_SHA1_96 [RFC2404]"; break;
    case IntegAlg::kHmacSha2_256_128: integ = "HMAC_SHA2_256_128 [RFC4868]"; break;
    case IntegAlg::kHmacSha2_384_192: integ = "HMAC_SHA2_384_192 [RFC4868]"; break;
    case IntegAlg::kHmacSha2_512_256: integ = "HMAC_SHA2_512_256 [RFC4868]"; break;
    case IntegAlg::kNone: integ = "NONE [RFC4306]"; break;
  }
  return std::string(spis) + "," + hex(sk_ei.view()) + "," + hex(sk_er.view()) + ",\"AES-CBC-" +
         std::to_string(encr_key_bits) + " [RFC3602]\"," + hex(sk_ai.view()) + "," + hex(sk_ar.view()) +
         ",\"" + integ + "\"";
}

std::string_view to_string(IkeSaStatus status) {
  switch (status) {
    case IkeSaStatus::kReady: return "READY";
    case IkeSaStatus::kDeleting: return "DELETE";
    case IkeSaStatus::kRekeying: return "READY";
    default: return "IN-NEG";
  }
}

// ---------------------------------------------------------------------------------------------
// Impl helpers

Engine::Impl::Impl(Policy p, std::unique_ptr<Random> r) : policy(std::move(p)), rng(std::move(r)) {
  if (!rng) rng = make_openssl_random();
  cookie_secret = random_bytes(32);
}

void Engine::Impl::log(LogLine::Level level, IkeSaId sa, std::string text) {
  actions.emplace_back(LogLine{level, sa, std::move(text)});
}

Bytes Engine::Impl::random_bytes(std::size_t n) {
  Bytes b(n);
  rng->fill(b);
  return b;
}

std::uint64_t Engine::Impl::new_ike_spi() {
  for (;;) {
    Bytes b = random_bytes(8);
    std::uint64_t spi = 0;
    for (auto c : b) spi = (spi << 8) | c;
    if (spi != 0 && !sas.count(spi)) return spi;
  }
}

std::uint32_t Engine::Impl::new_child_spi() {
  for (;;) {
    Bytes b = random_bytes(4);
    std::uint32_t spi =
        (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    if (spi >= 256 && !child_index.count(spi)) {  // 1-255 are reserved (RFC 4303)
      child_index[spi] = 0;                       // reserved until installed
      return spi;
    }
  }
}

IkeSa* Engine::Impl::find_sa(std::uint64_t our_spi) {
  auto it = sas.find(our_spi);
  return it == sas.end() ? nullptr : it->second.get();
}

IkeSa* Engine::Impl::find_sa_by_id(IkeSaId id) {
  for (auto& [spi, sa] : sas)
    if (sa->id == id) return sa.get();
  return nullptr;
}

IkeSa* Engine::Impl::sa_of_child(std::uint32_t inbound_spi, detail::ChildSa** child) {
  auto it = child_index.find(inbound_spi);
  if (it == child_index.end()) return nullptr;
  IkeSa* sa = find_sa(it->second);
  if (!sa) return nullptr;
  for (auto& c : sa->children)
    if (c.inbound_spi == inbound_spi) {
      if (child) *child = &c;
      return sa;
    }
  return nullptr;
}

IkeSa& Engine::Impl::add_sa(std::unique_ptr<IkeSa> sa) {
  sa->id = next_id++;
  sa->created = now;
  sa->last_received = now;
  const std::uint64_t spi = sa->local_spi();
  auto& slot = sas[spi];
  slot = std::move(sa);
  return *slot;
}

void Engine::Impl::remove_child(IkeSa& sa, std::uint32_t inbound_spi, ChildSaDelete::Reason reason) {
  auto it = std::find_if(sa.children.begin(), sa.children.end(),
                         [&](const detail::ChildSa& c) { return c.inbound_spi == inbound_spi; });
  if (it == sa.children.end()) return;
  actions.emplace_back(ChildSaDelete{sa.id, it->inbound_spi, it->outbound_spi, reason});
  child_index.erase(it->inbound_spi);
  sa.children.erase(it);
}

void Engine::Impl::forget_half_open(const IkeSa& sa) {
  auto range = half_open_by_peer_spi.equal_range(sa.spi_i);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second == sa.spi_r) {
      half_open_by_peer_spi.erase(it);
      return;
    }
}

void Engine::Impl::remove_sa(IkeSa& sa, IkeSaDown::Reason reason, bool announce) {
  while (!sa.children.empty())
    remove_child(sa, sa.children.front().inbound_spi, ChildSaDelete::Reason::kIkeSaGone);
  if (sa.outstanding && sa.outstanding->new_child_spi) child_index.erase(sa.outstanding->new_child_spi);
  if (sa.state == SaState::kInitDone && half_open > 0) --half_open;
  if (!sa.initiator) forget_half_open(sa);
  if (announce) actions.emplace_back(IkeSaDown{sa.id, reason, sa.remote});
  sas.erase(sa.local_spi());  // destroys sa
}

void Engine::Impl::mark_established(IkeSa& sa) {
  if (sa.state == SaState::kInitDone && half_open > 0) --half_open;
  if (sa.state == SaState::kInitDone) forget_half_open(sa);
  sa.state = SaState::kEstablished;
  sa.established = now;
  sa.init_request.clear();
  sa.init_request.shrink_to_fit();
  sa.init_response.clear();
  sa.init_response.shrink_to_fit();
  sa.dh.reset();
  sa.cookie.clear();
  sa.cookie.shrink_to_fit();
  schedule_ike(sa);
  const Profile& prof = profile_of(sa);
  if (prof.dpd_interval.count() > 0) sa.last_received = now;
  sa.next_keepalive = now + policy.nat_keepalive_interval;
}

detail::SkDirection Engine::Impl::out_keys(const IkeSa& sa) const {
  return sa.initiator ? detail::SkDirection{&sa.keys.sk_ei, &sa.keys.sk_ai, sa.suite.integ}
                      : detail::SkDirection{&sa.keys.sk_er, &sa.keys.sk_ar, sa.suite.integ};
}
detail::SkDirection Engine::Impl::in_keys(const IkeSa& sa) const {
  return sa.initiator ? detail::SkDirection{&sa.keys.sk_er, &sa.keys.sk_ar, sa.suite.integ}
                      : detail::SkDirection{&sa.keys.sk_ei, &sa.keys.sk_ai, sa.suite.integ};
}

std::size_t Engine::Impl::max_datagram(const IkeSa& sa) const {
  if (!policy.fragmentation || !sa.peer_frag) return 0;
  const std::size_t ip_udp = (sa.remote.address.v6 ? 40 : 20) + 8 + (sa.natt ? 4 : 0);
  return policy.mtu > ip_udp + 128 ? policy.mtu - ip_udp : 128;
}

void Engine::Impl::send_packets(const IkeSa& sa, const std::vector<Bytes>& packets) {
  for (const auto& p : packets) actions.emplace_back(SendDatagram{sa.local, sa.remote, p, sa.natt, false});
  if (packets.size() > 1) stats.fragments_sent += packets.size();
}

msg::Header Engine::Impl::header_for(const IkeSa& sa, ExchangeType exchange, bool response,
                                     std::uint32_t message_id) const {
  msg::Header h;
  h.initiator_spi = sa.spi_i;
  h.responder_spi = sa.spi_r;
  h.exchange = exchange;
  h.flags = static_cast<std::uint8_t>((sa.initiator ? msg::Header::kFlagInitiator : 0) |
                                      (response ? msg::Header::kFlagResponse : 0));
  h.message_id = message_id;
  return h;
}

bool Engine::Impl::send_request(IkeSa& sa, ExchangeType exchange, const std::vector<msg::Payload>& inner,
                                Outstanding out) {
  out.message_id = sa.next_request_id++;
  out.packets = detail::seal_message(header_for(sa, exchange, false, out.message_id), inner, out_keys(sa),
                                     *rng, max_datagram(sa));
  if (out.packets.empty()) {
    log(LogLine::Level::kError, sa.id, "failed to encrypt a request");
    return false;
  }
  out.sends = 1;
  out.deadline =
      now + (out.kind == RequestKind::kDpd && dpd_retry(sa) ? *dpd_retry(sa) : policy.retransmit.initial);
  send_packets(sa, out.packets);
  sa.outstanding = std::move(out);
  return true;
}

void Engine::Impl::send_response(IkeSa& sa, ExchangeType exchange, std::uint32_t message_id,
                                 const std::vector<msg::Payload>& inner) {
  sa.last_response = detail::seal_message(header_for(sa, exchange, true, message_id), inner, out_keys(sa),
                                          *rng, max_datagram(sa));
  sa.have_last_response = !sa.last_response.empty();
  sa.expected_request_id = message_id + 1;
  send_packets(sa, sa.last_response);
}

void Engine::Impl::queue_task(IkeSa& sa, detail::Task task) {
  sa.tasks.push_back(task);
  run_tasks(sa);
}

void Engine::Impl::run_tasks(IkeSa& sa) {
  const std::uint64_t spi = sa.local_spi();
  while (IkeSa* s = find_sa(spi)) {
    if (s->outstanding || s->state != SaState::kEstablished || s->tasks.empty()) return;
    const detail::Task task = s->tasks.front();
    s->tasks.pop_front();
    switch (task.kind) {
      case RequestKind::kNewChild: start_create_child(*s, 0); break;
      case RequestKind::kRekeyChild: start_create_child(*s, task.child_spi); break;
      case RequestKind::kRekeyIke: start_rekey_ike(*s); break;
      case RequestKind::kDeleteChild: start_delete_child(*s, task.child_spi); break;
      case RequestKind::kDeleteIke: start_delete_ike(*s); break;
      case RequestKind::kDpd: start_dpd(*s); break;
      default: break;
    }
  }
}

void Engine::Impl::schedule_ike(IkeSa& sa) {
  const auto life = std::chrono::duration_cast<Duration>(profile_of(sa).ike_lifetime);
  if (life.count() <= 0) {
    sa.has_rekey_at = false;
    return;
  }
  // The original initiator rekeys at 90% minus jitter, the responder at 95%: collisions stay rare.
  Bytes r = random_bytes(2);
  const auto jitter = life / 20 * ((r[0] << 8 | r[1]) % 1000) / 1000;
  sa.rekey_at = sa.established + (sa.initiator ? life * 9 / 10 - jitter : life * 19 / 20);
  sa.expire_at = sa.established + life;
  sa.has_rekey_at = true;
}

void Engine::Impl::schedule_child(IkeSa& sa, detail::ChildSa& child) {
  const ChildPolicy& cp = profile_of(sa).child;
  const auto life = std::chrono::duration_cast<Duration>(cp.lifetime.seconds);
  if (life.count() <= 0) return;
  auto margin = std::chrono::duration_cast<Duration>(cp.rekey_margin);
  if (margin >= life) margin = life / 10;
  Bytes r = random_bytes(2);
  const auto jitter_max = std::chrono::duration_cast<Duration>(cp.rekey_jitter);
  const auto jitter = jitter_max * ((r[0] << 8 | r[1]) % 1000) / 1000;
  child.rekey_at = child.created + (sa.initiator ? life - margin - jitter : life - margin / 2);
  child.expire_at = child.created + life;
  child.has_rekey_at = child.has_expire_at = true;
}

void Engine::Impl::emit_key_log(const IkeSa& sa) {
  if (!key_log) return;
  IkeKeyLogEntry e;
  e.initiator_spi = sa.spi_i;
  e.responder_spi = sa.spi_r;
  e.sk_ei = sa.keys.sk_ei;
  e.sk_er = sa.keys.sk_er;
  e.sk_ai = sa.keys.sk_ai;
  e.sk_ar = sa.keys.sk_ar;
  e.sk_d = sa.keys.sk_d;
  e.encr_key_bits = sa.suite.encr_key_bits;
  e.integrity = sa.suite.integ;
  key_log(e);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

void Engine::Impl::on_datagram(const Endpoint& local, const Endpoint& remote, ByteView data) {
  auto hd = msg::decode_header(data);
  if (!hd.ok() || hd.value.length != data.size()) {
    ++stats.decode_errors;
    ++stats.dropped_at_dispatch;
    return;
  }
  const msg::Header& h = hd.value;
  if (h.exchange == ExchangeType::kIkeSaInit) {
    auto m = msg::decode_message(data);
    if (!m.ok()) {
      ++stats.decode_errors;
      ++stats.dropped_at_dispatch;
      return;
    }
    if (!h.is_response() && h.from_initiator() && h.responder_spi == 0 && h.message_id == 0) {
      responder_init(local, remote, data, m.value);
      return;
    }
    IkeSa* sa = h.is_response() && !h.from_initiator() ? find_sa(h.initiator_spi) : nullptr;
    if (sa && sa->initiator && sa->state == SaState::kInitSent && h.message_id == 0) {
      initiator_init_response(*sa, local, remote, data, m.value);
      return;
    }
    ++stats.dropped_at_dispatch;
    return;
  }
  const std::uint64_t our_spi = h.from_initiator() ? h.responder_spi : h.initiator_spi;
  IkeSa* sa = find_sa(our_spi);
  if (!sa || h.from_initiator() == sa->initiator ||
      (h.from_initiator() ? h.initiator_spi != sa->spi_i : h.responder_spi != sa->spi_r) ||
      sa->state == SaState::kInitSent) {
    ++stats.dropped_at_dispatch;
    return;
  }
  auto m = msg::decode_message(data);
  if (!m.ok() || m.value.payloads.empty() ||
      (m.value.payloads.back().type != PayloadType::kSk &&
       m.value.payloads.back().type != PayloadType::kSkf)) {
    ++stats.decode_errors;
    ++stats.dropped_at_dispatch;
    return;
  }
  on_encrypted(*sa, local, remote, data, m.value);
}

void Engine::Impl::on_encrypted(IkeSa& sa, const Endpoint& local, const Endpoint& remote, ByteView data,
                                const msg::Message& m) {
  const msg::Header& h = m.header;
  const msg::Payload& enc = m.payloads.back();
  const bool fragment = enc.type == PayloadType::kSkf;
  if (h.is_response()) {
    if (!sa.outstanding || sa.outstanding->message_id != h.message_id) {
      ++stats.dropped_at_dispatch;
      return;
    }
  } else if (h.message_id + 1 == sa.expected_request_id && sa.have_last_response) {
    // A retransmitted request: answer with the stored response once its ICV checks out.
    const Bytes& body =
        fragment ? std::get<msg::SkfPayload>(enc.body).body : std::get<msg::SkPayload>(enc.body).body;
    if (!detail::open_encrypted(data, body, in_keys(sa))) {
      ++stats.integrity_failures;
      ++stats.dropped_at_dispatch;
      return;
    }
    if (!fragment || std::get<msg::SkfPayload>(enc.body).fragment_number == 1) {
      ++stats.retransmits_answered;
      send_packets(sa, sa.last_response);
    }
    return;
  } else if (h.message_id != sa.expected_request_id) {
    ++stats.dropped_at_dispatch;
    return;
  }

  std::vector<msg::Payload> inner;
  if (!fragment) {
    auto plain = detail::open_encrypted(data, std::get<msg::SkPayload>(enc.body).body, in_keys(sa));
    if (!plain) {
      ++stats.integrity_failures;
      ++stats.dropped_at_dispatch;
      return;
    }
    auto decoded = msg::decode_payloads(enc.inner_first, *plain);
    OPENSSL_cleanse(plain->data(), plain->size());
    if (!decoded.ok()) {
      ++stats.decode_errors;
      if (!h.is_response()) {
        send_response(sa, h.exchange, h.message_id, {msg::make_notify(msg::notify::kInvalidSyntax)});
      }
      return;
    }
    inner = std::move(decoded.value);
  } else {
    const auto& f = std::get<msg::SkfPayload>(enc.body);
    auto plain = detail::open_encrypted(data, f.body, in_keys(sa));
    if (!plain) {
      ++stats.integrity_failures;
      ++stats.dropped_at_dispatch;
      return;
    }
    ++stats.fragments_received;
    detail::Reassembly& r = sa.reassembly;
    if (f.total_fragments > kMaxFragments) {  // defensive: far beyond any IKE message we accept
      ++stats.dropped_at_dispatch;
      return;
    }
    if (!r.active || r.message_id != h.message_id || r.response != h.is_response()) {
      r = detail::Reassembly{};
      r.active = true;
      r.message_id = h.message_id;
      r.response = h.is_response();
      r.total = f.total_fragments;
      r.parts.resize(f.total_fragments);
    }
    if (f.total_fragments != r.total || r.parts[f.fragment_number - 1]) {
      if (f.total_fragments > r.total) {  // RFC 7383 2.6.2: a larger total restarts reassembly
        r.total = f.total_fragments;
        r.parts.assign(f.total_fragments, std::nullopt);
        r.received = 0;
        r.bytes = 0;
      } else {
        return;
      }
    }
    if (f.fragment_number == 1) r.first = enc.inner_first;
    r.bytes += plain->size();
    if (r.bytes > 64 * 1024) {  // defensive limit
      r = detail::Reassembly{};
      ++stats.dropped_at_dispatch;
      return;
    }
    r.parts[f.fragment_number - 1] = std::move(*plain);
    if (++r.received < r.total) return;
    Bytes all;
    for (auto& part : r.parts) all.insert(all.end(), part->begin(), part->end());
    const PayloadType first = r.first;
    r = detail::Reassembly{};
    auto decoded = msg::decode_payloads(first, all);
    OPENSSL_cleanse(all.data(), all.size());
    if (!decoded.ok()) {
      ++stats.decode_errors;
      if (!h.is_response())
        send_response(sa, h.exchange, h.message_id, {msg::make_notify(msg::notify::kInvalidSyntax)});
      return;
    }
    inner = std::move(decoded.value);
  }
  on_plain_message(sa, h, std::move(inner), local, remote);
}

void Engine::Impl::on_plain_message(IkeSa& sa, const msg::Header& h, std::vector<msg::Payload> inner,
                                    const Endpoint& local, const Endpoint& remote) {
  sa.last_received = now;
  // Authenticated: follow the peer's address and port (NAT mapping changes, the float to 4500).
  if (!(remote == sa.remote) || !(local == sa.local)) {
    const bool float_only = sa.state == SaState::kInitDone || sa.nat_remote || sa.nat_local;
    if (float_only) {
      sa.remote = remote;
      sa.local = local;
      sa.natt = sa.natt || local.port == kNatTPort;
      for (const auto& c : sa.children)
        actions.emplace_back(
            ChildSaUpdate{c.inbound_spi, sa.local, sa.remote, sa.nat_local || sa.nat_remote});
    }
  }
  msg::Message m;
  m.header = h;
  m.payloads = std::move(inner);
  if (auto critical = m.unsupported_critical()) {
    ++stats.unsupported_critical;
    if (!h.is_response()) {
      send_response(sa, h.exchange, h.message_id,
                    {msg::make_notify(msg::notify::kUnsupportedCriticalPayload, Bytes{*critical})});
      if (sa.state == SaState::kInitDone) remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
    } else {
      Outstanding out = std::move(*sa.outstanding);
      sa.outstanding.reset();
      log(LogLine::Level::kWarning, sa.id, "response with an unsupported critical payload");
      if (out.kind == RequestKind::kIkeAuth)
        remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
      else
        run_tasks(sa);
    }
    return;
  }
  const std::uint64_t spi = sa.local_spi();
  if (!h.is_response()) {
    ++stats.incoming_requests;
    switch (h.exchange) {
      case ExchangeType::kIkeAuth:
        if (sa.state == SaState::kInitDone)
          responder_auth(sa, m);
        else
          ++stats.dropped_at_dispatch;
        break;
      case ExchangeType::kCreateChildSa:
        if (sa.state == SaState::kEstablished)
          responder_create_child(sa, m);
        else
          send_response(sa, h.exchange, h.message_id, {msg::make_notify(msg::notify::kTemporaryFailure)});
        break;
      case ExchangeType::kInformational:
        if (sa.state != SaState::kInitDone)
          responder_informational(sa, m);
        else
          ++stats.dropped_at_dispatch;
        break;
      default: ++stats.dropped_at_dispatch; break;
    }
  } else {
    Outstanding out = std::move(*sa.outstanding);
    sa.outstanding.reset();
    switch (out.kind) {
      case RequestKind::kIkeAuth: initiator_auth_response(sa, out, m); break;
      case RequestKind::kNewChild:
      case RequestKind::kRekeyChild: initiator_create_child_response(sa, out, m); break;
      case RequestKind::kRekeyIke: initiator_rekey_ike_response(sa, out, m); break;
      default: initiator_informational_response(sa, out, m); break;
    }
  }
  if (IkeSa* s = find_sa(spi)) run_tasks(*s);
}

// ---------------------------------------------------------------------------------------------
// Timers

// A liveness check of a profile with `dpd INTERVAL RETRY` is retried every RETRY seconds (as IOS
// does), not on the exponential backoff of other requests, so a dead peer is found within
// INTERVAL + RETRY * (tries + 1).
std::optional<Duration> Engine::Impl::dpd_retry(const IkeSa& sa) const {
  const Profile& prof = profile_of(sa);
  if (prof.dpd_interval.count() <= 0 || prof.dpd_retry.count() <= 0) return std::nullopt;
  return std::chrono::duration_cast<Duration>(prof.dpd_retry);
}

void Engine::Impl::retransmit_or_fail(IkeSa& sa) {
  Outstanding& out = *sa.outstanding;
  if (out.sends > policy.retransmit.tries) {
    ++stats.exhausted;
    log(LogLine::Level::kWarning, sa.id,
        "retransmissions exhausted, peer " + sa.remote.to_string() + " dead");
    const bool negotiating = sa.state == SaState::kInitSent || sa.state == SaState::kAuthSent;
    remove_sa(sa,
              negotiating                     ? IkeSaDown::Reason::kNegotiationFailed
              : out.kind == RequestKind::kDpd ? IkeSaDown::Reason::kDpdDead
                                              : IkeSaDown::Reason::kTimeout,
              true);
    return;
  }
  double factor = 1.0;
  for (std::uint32_t i = 0; i < out.sends; ++i) factor *= policy.retransmit.backoff;
  auto wait =
      Duration(static_cast<Duration::rep>(static_cast<double>(policy.retransmit.initial.count()) * factor));
  if (wait > policy.retransmit.max_interval) wait = policy.retransmit.max_interval;
  if (out.kind == RequestKind::kDpd && dpd_retry(sa)) wait = *dpd_retry(sa);  // IOS: `dpd S R`, every R s
  ++out.sends;
  out.deadline = now + wait;
  ++stats.retransmits_sent;
  send_packets(sa, out.packets);
}

void Engine::Impl::tick() {
  std::vector<std::uint64_t> spis;
  spis.reserve(sas.size());
  for (const auto& [spi, sa] : sas) spis.push_back(spi);
  for (std::uint64_t spi : spis) {
    IkeSa* sa = find_sa(spi);
    if (!sa) continue;
    if (sa->outstanding && now >= sa->outstanding->deadline) {
      retransmit_or_fail(*sa);
      if (!(sa = find_sa(spi))) continue;
    }
    if (sa->state == SaState::kInitDone && now >= sa->half_open_deadline) {
      log(LogLine::Level::kInfo, sa->id, "half-open IKE SA timed out");
      remove_sa(*sa, IkeSaDown::Reason::kTimeout, true);
      continue;
    }
    if ((sa->state == SaState::kRekeyed || sa->state == SaState::kDeleting) && !sa->outstanding &&
        now >= sa->expire_at) {
      remove_sa(
          *sa, sa->state == SaState::kRekeyed ? IkeSaDown::Reason::kRekeyed : IkeSaDown::Reason::kLocalDelete,
          true);
      continue;
    }
    if (sa->state != SaState::kEstablished) continue;
    const Profile& prof = profile_of(*sa);
    if (sa->has_rekey_at && now >= sa->expire_at) {
      log(LogLine::Level::kInfo, sa->id, "IKE SA lifetime expired");
      sa->has_rekey_at = false;
      queue_task(*sa, {RequestKind::kDeleteIke, 0});
      continue;
    }
    if (sa->has_rekey_at && now >= sa->rekey_at) {
      sa->rekey_at = sa->expire_at;  // once; expiry still pending
      queue_task(*sa, {RequestKind::kRekeyIke, 0});
      if (!(sa = find_sa(spi))) continue;
    }
    for (std::size_t i = 0; i < sa->children.size(); ++i) {
      detail::ChildSa& c = sa->children[i];
      if (c.has_expire_at && now >= c.expire_at && c.state != detail::ChildState::kDeleting) {
        c.has_expire_at = c.has_rekey_at = false;
        c.state = detail::ChildState::kDeleting;
        sa->tasks.push_back({RequestKind::kDeleteChild, c.inbound_spi});
      } else if (c.has_rekey_at && now >= c.rekey_at && c.state == detail::ChildState::kInstalled) {
        c.has_rekey_at = false;
        sa->tasks.push_back({RequestKind::kRekeyChild, c.inbound_spi});
      }
    }
    if (prof.dpd_interval.count() > 0 && prof.dpd_periodic && !sa->outstanding && sa->tasks.empty() &&
        now >= sa->last_received + prof.dpd_interval) {
      sa->tasks.push_back({RequestKind::kDpd, 0});
    }
    if (policy.nat_keepalive && sa->nat_local && now >= sa->next_keepalive) {
      sa->next_keepalive = now + policy.nat_keepalive_interval;
      actions.emplace_back(SendDatagram{sa->local, sa->remote, Bytes{0xFF}, false, true});
    }
    run_tasks(*sa);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

Engine::Engine(Policy policy, std::unique_ptr<Random> rng)
    : impl_(std::make_unique<Impl>(std::move(policy), std::move(rng))) {}
Engine::~Engine() = default;

void Engine::on_datagram(const Endpoint& local, const Endpoint& remote, ByteView datagram, TimePoint now) {
  impl_->now = now;
  impl_->on_datagram(local, remote, datagram);
}

void Engine::tick(TimePoint now) {
  impl_->now = now;
  impl_->tick();
}

std::optional<TimePoint> Engine::next_deadline() const {
  std::optional<TimePoint> best;
  auto consider = [&](TimePoint t) {
    if (!best || t < *best) best = t;
  };
  for (const auto& [spi, sa] : impl_->sas) {
    if (sa->outstanding) consider(sa->outstanding->deadline);
    if (sa->state == SaState::kInitDone) consider(sa->half_open_deadline);
    if (sa->state == SaState::kRekeyed || sa->state == SaState::kDeleting) consider(sa->expire_at);
    if (sa->state != SaState::kEstablished) continue;
    if (sa->has_rekey_at) consider(std::min(sa->rekey_at, sa->expire_at));
    for (const auto& c : sa->children) {
      if (c.has_rekey_at) consider(c.rekey_at);
      if (c.has_expire_at) consider(c.expire_at);
    }
    const Profile& prof = impl_->profile_of(*sa);
    if (prof.dpd_interval.count() > 0 && prof.dpd_periodic && !sa->outstanding)
      consider(sa->last_received + prof.dpd_interval);
    if (impl_->policy.nat_keepalive && sa->nat_local) consider(sa->next_keepalive);
  }
  return best;
}

IkeSaId Engine::initiate(const InitiateRequest& request, TimePoint now) {
  impl_->now = now;
  return impl_->initiate(request);
}

bool Engine::rekey_ike_sa(IkeSaId id, TimePoint now) {
  impl_->now = now;
  IkeSa* sa = impl_->find_sa_by_id(id);
  if (!sa || sa->state != SaState::kEstablished) return false;
  impl_->queue_task(*sa, {RequestKind::kRekeyIke, 0});
  return true;
}

bool Engine::rekey_child_sa(std::uint32_t inbound_spi, TimePoint now) {
  impl_->now = now;
  detail::ChildSa* child = nullptr;
  IkeSa* sa = impl_->sa_of_child(inbound_spi, &child);
  if (!sa || sa->state != SaState::kEstablished || child->state != detail::ChildState::kInstalled)
    return false;
  impl_->queue_task(*sa, {RequestKind::kRekeyChild, inbound_spi});
  return true;
}

bool Engine::delete_ike_sa(IkeSaId id, TimePoint now) {
  impl_->now = now;
  IkeSa* sa = impl_->find_sa_by_id(id);
  if (!sa) return false;
  if (sa->state != SaState::kEstablished) {
    impl_->remove_sa(*sa, IkeSaDown::Reason::kLocalDelete, true);
    return true;
  }
  impl_->queue_task(*sa, {RequestKind::kDeleteIke, 0});
  return true;
}

bool Engine::delete_child_sa(std::uint32_t inbound_spi, TimePoint now) {
  impl_->now = now;
  detail::ChildSa* child = nullptr;
  IkeSa* sa = impl_->sa_of_child(inbound_spi, &child);
  if (!sa || sa->state != SaState::kEstablished || child->state == detail::ChildState::kDeleting)
    return false;
  child->state = detail::ChildState::kDeleting;
  impl_->queue_task(*sa, {RequestKind::kDeleteChild, inbound_spi});
  return true;
}

bool Engine::create_child_sa(IkeSaId id, TimePoint now) {
  impl_->now = now;
  IkeSa* sa = impl_->find_sa_by_id(id);
  if (!sa || sa->state != SaState::kEstablished) return false;
  impl_->queue_task(*sa, {RequestKind::kNewChild, 0});
  return true;
}

bool Engine::send_dpd(IkeSaId id, TimePoint now) {
  impl_->now = now;
  IkeSa* sa = impl_->find_sa_by_id(id);
  if (!sa || sa->state != SaState::kEstablished) return false;
  impl_->queue_task(*sa, {RequestKind::kDpd, 0});
  return true;
}

void Engine::on_child_volume_limit(std::uint32_t inbound_spi, bool hard, TimePoint now) {
  if (hard)
    delete_child_sa(inbound_spi, now);
  else
    rekey_child_sa(inbound_spi, now);
}

void Engine::delete_all(TimePoint now) {
  impl_->now = now;
  std::vector<std::uint64_t> spis;
  for (const auto& [spi, sa] : impl_->sas) spis.push_back(spi);
  for (auto spi : spis) {
    IkeSa* sa = impl_->find_sa(spi);
    if (!sa) continue;
    if (sa->state == SaState::kEstablished) {
      // Best effort: one delete notification, no waiting for the answer.
      if (sa->outstanding && sa->outstanding->new_child_spi)
        impl_->child_index.erase(sa->outstanding->new_child_spi);
      sa->outstanding.reset();
      sa->tasks.clear();
      impl_->start_delete_ike(*sa);
    }
    if ((sa = impl_->find_sa(spi))) impl_->remove_sa(*sa, IkeSaDown::Reason::kLocalDelete, true);
  }
}

std::vector<Action> Engine::take_actions() {
  std::vector<Action> out;
  out.swap(impl_->actions);
  return out;
}

std::vector<IkeSaSnapshot> Engine::snapshot(TimePoint now) const {
  std::vector<IkeSaSnapshot> out;
  for (const auto& [spi, sa] : impl_->sas) {
    IkeSaSnapshot s;
    s.id = sa->id;
    s.local = sa->local;
    s.remote = sa->remote;
    switch (sa->state) {
      case SaState::kInitSent: s.status = IkeSaStatus::kInitSent; break;
      case SaState::kAuthSent: s.status = IkeSaStatus::kAuthSent; break;
      case SaState::kInitDone: s.status = IkeSaStatus::kNegotiating; break;
      case SaState::kEstablished:
        s.status = sa->outstanding && sa->outstanding->kind == RequestKind::kRekeyIke ? IkeSaStatus::kRekeying
                                                                                      : IkeSaStatus::kReady;
        break;
      case SaState::kRekeyed:
      case SaState::kDeleting: s.status = IkeSaStatus::kDeleting; break;
    }
    s.initiator = sa->initiator;
    s.encr_key_bits = sa->suite.encr_key_bits;
    s.integrity = sa->suite.integ;
    s.prf = sa->suite.prf;
    s.dh_group = sa->suite.dh;
    const auto life = impl_->profile_of(*sa).ike_lifetime;
    s.lifetime_seconds = static_cast<std::uint64_t>(life.count());
    if (sa->state == SaState::kEstablished || sa->state == SaState::kRekeyed)
      s.active_seconds = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(now - sa->established).count());
    s.initiator_spi = sa->spi_i;
    s.responder_spi = sa->spi_r;
    s.local_id = sa->local_id;
    s.remote_id = sa->remote_id;
    s.nat_local = sa->nat_local;
    s.nat_remote = sa->nat_remote;
    s.fragmentation = sa->peer_frag && impl_->policy.fragmentation;
    s.dpd_interval = impl_->profile_of(*sa).dpd_interval;
    s.next_request_id = sa->next_request_id;
    s.next_expected_id = sa->expected_request_id;
    s.profile = impl_->profile_of(*sa).name;
    for (const auto& c : sa->children) {
      ChildSaSnapshot cs;
      cs.inbound_spi = c.inbound_spi;
      cs.outbound_spi = c.outbound_spi;
      cs.mode = c.mode;
      cs.encryption = c.suite.encr;
      cs.integrity = c.suite.integ;
      cs.esn = c.suite.esn;
      cs.local_ts = c.local_ts;
      cs.remote_ts = c.remote_ts;
      cs.established_seconds = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(now - c.created).count());
      cs.rekeying = c.state == detail::ChildState::kRekeying;
      s.children.push_back(std::move(cs));
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

EngineStats Engine::stats() const {
  EngineStats s = impl_->stats;
  for (const auto& [spi, sa] : impl_->sas) {
    const bool active = sa->state == SaState::kEstablished;
    const bool nego =
        sa->state == SaState::kInitSent || sa->state == SaState::kAuthSent || sa->state == SaState::kInitDone;
    if (sa->initiator) {
      s.outgoing_active += active;
      s.outgoing_negotiating += nego;
    } else {
      s.incoming_active += active;
      s.incoming_negotiating += nego;
    }
  }
  return s;
}

void Engine::set_key_log_sink(KeyLogSink sink) {
  impl_->key_log = std::move(sink);
}

}  // namespace hubsec::ike
