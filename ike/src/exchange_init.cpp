// IKE_SA_INIT (RFC 7296 1.2, 2.6 cookies, 2.23 NAT detection, 1.3 INVALID_KE_PAYLOAD) and IKE_AUTH
// with pre-shared keys (2.15).
#include <openssl/crypto.h>

#include <algorithm>

#include "engine_impl.hpp"

namespace hubsec::ike {

using detail::IkeSa;
using detail::Outstanding;
using detail::RequestKind;
using detail::SaState;
using msg::ExchangeType;
using msg::PayloadType;
namespace notify = msg::notify;

namespace {

Bytes u64_bytes(std::uint64_t v) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return b;
}

Bytes id_body(const Identity& id) {
  Bytes b(4 + id.data.size(), 0);
  b[0] = static_cast<std::uint8_t>(id.type);
  std::copy(id.data.begin(), id.data.end(), b.begin() + 4);
  return b;
}

Identity local_identity(const Profile& prof, const Endpoint& local) {
  Identity id = prof.local_id;
  if (id.data.empty() && (id.type == IdType::kIpv4Addr || id.type == IdType::kIpv6Addr))
    id = Identity::address(local.address);
  return id;
}

}  // namespace

Bytes Engine::Impl::natd_hash(std::uint64_t spi_i, std::uint64_t spi_r, const Endpoint& ep) const {
  Bytes data = u64_bytes(spi_i);
  Bytes r = u64_bytes(spi_r);
  data.insert(data.end(), r.begin(), r.end());
  auto a = ep.address.view();
  data.insert(data.end(), a.begin(), a.end());
  data.push_back(static_cast<std::uint8_t>(ep.port >> 8));
  data.push_back(static_cast<std::uint8_t>(ep.port));
  return crypto::sha1(data);
}

// RFC 7296 2.23: the peer's NAT_DETECTION_SOURCE_IP hashes its address as it sent it, the
// DESTINATION_IP one ours; a mismatch with what we see means a NAT on that side. `spi_r` is the
// responder SPI as it stood in that message's header (0 in the IKE_SA_INIT request).
bool Engine::Impl::detect_nat(IkeSa& sa, const msg::Message& m, std::uint64_t spi_r) const {
  if (!m.find_notify(notify::kNatDetectionSourceIp) || !m.find_notify(notify::kNatDetectionDestinationIp))
    return false;
  bool remote_ok = false, local_ok = false;
  const Bytes want_remote = natd_hash(sa.spi_i, spi_r, sa.remote);
  const Bytes want_local = natd_hash(sa.spi_i, spi_r, sa.local);
  for (const auto* n : m.notifies()) {
    if (n->type == notify::kNatDetectionSourceIp && n->data == want_remote) remote_ok = true;
    if (n->type == notify::kNatDetectionDestinationIp && n->data == want_local) local_ok = true;
  }
  sa.nat_remote = !remote_ok;
  sa.nat_local = !local_ok;
  return true;
}

// Stateless cookie (RFC 7296 2.6): HMAC(secret, Ni | IPi | SPIi).
Bytes Engine::Impl::cookie_for(const msg::Message& m, const Endpoint& remote) const {
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  Bytes data = nonce ? nonce->data : Bytes{};
  auto a = remote.address.view();
  data.insert(data.end(), a.begin(), a.end());
  Bytes spi = u64_bytes(m.header.initiator_spi);
  data.insert(data.end(), spi.begin(), spi.end());
  return crypto::hmac_sha256(cookie_secret, data);
}

void Engine::Impl::send_plain(const Endpoint& local, const Endpoint& remote, const msg::Header& h,
                              const std::vector<msg::Payload>& payloads, Bytes* copy) {
  Bytes bytes = msg::encode_message(h, payloads);
  if (copy) *copy = bytes;
  actions.emplace_back(SendDatagram{local, remote, std::move(bytes), local.port == kNatTPort, false});
}

// ---------------------------------------------------------------------------------------------
// Initiator

IkeSaId Engine::Impl::initiate(const InitiateRequest& request) {
  if (policy.profiles.empty() || policy.proposals.empty() || policy.proposals[0].groups.empty()) return 0;
  std::size_t index = 0;
  if (!request.profile.empty()) {
    auto it = std::find_if(policy.profiles.begin(), policy.profiles.end(),
                           [&](const Profile& p) { return p.name == request.profile; });
    if (it == policy.profiles.end()) return 0;
    index = static_cast<std::size_t>(it - policy.profiles.begin());
  }
  auto owned = std::make_unique<IkeSa>();
  owned->initiator = true;
  owned->spi_i = new_ike_spi();
  owned->profile = index;
  owned->local = request.local;
  owned->remote = request.remote;
  owned->local_id = local_identity(policy.profiles[index], request.local);
  owned->state = SaState::kInitSent;
  owned->dh = crypto::DhKey::generate(policy.proposals[0].groups[0]);
  owned->ni = random_bytes(32);
  if (!owned->dh) return 0;
  IkeSa& sa = add_sa(std::move(owned));
  ++stats.outgoing_sas;
  ++stats.outgoing_requests;
  log(LogLine::Level::kInfo, sa.id, "initiating IKE SA to " + sa.remote.to_string());
  send_init_request(sa);
  return sa.id;
}

void Engine::Impl::send_init_request(IkeSa& sa) {
  std::vector<msg::Payload> p;
  if (!sa.cookie.empty()) p.push_back(msg::make_notify(notify::kCookie, sa.cookie));
  p.push_back(msg::make_payload(PayloadType::kSa, detail::ike_offer(policy.proposals, {})));
  p.push_back(msg::make_payload(
      PayloadType::kKe, msg::KePayload{static_cast<std::uint16_t>(sa.dh->group()), sa.dh->public_value()}));
  p.push_back(msg::make_payload(PayloadType::kNonce, msg::NoncePayload{sa.ni}));
  p.push_back(msg::make_notify(notify::kNatDetectionSourceIp, natd_hash(sa.spi_i, 0, sa.local)));
  p.push_back(msg::make_notify(notify::kNatDetectionDestinationIp, natd_hash(sa.spi_i, 0, sa.remote)));
  if (policy.fragmentation) p.push_back(msg::make_notify(notify::kIkev2FragmentationSupported));
  msg::Header h;
  h.initiator_spi = sa.spi_i;
  h.exchange = ExchangeType::kIkeSaInit;
  h.flags = msg::Header::kFlagInitiator;
  send_plain(sa.local, sa.remote, h, p, &sa.init_request);
  Outstanding out;
  out.kind = RequestKind::kIkeSaInit;
  out.packets = {sa.init_request};
  out.sends = 1;
  out.deadline = now + policy.retransmit.initial;
  sa.outstanding = std::move(out);
  sa.next_request_id = 1;
}

void Engine::Impl::initiator_init_response(IkeSa& sa, const Endpoint& local, const Endpoint& remote,
                                           ByteView data, const msg::Message& m) {
  (void)local;
  (void)remote;
  if (const auto* cookie = m.find_notify(notify::kCookie)) {
    if (cookie->data.empty() || cookie->data.size() > 64 || sa.cookie == cookie->data) {
      ++stats.dropped_at_dispatch;
      return;
    }
    sa.cookie = cookie->data;
    log(LogLine::Level::kInfo, sa.id, "responder asked for a cookie, retrying");
    send_init_request(sa);
    return;
  }
  if (const auto* ike = m.find_notify(notify::kInvalidKePayload)) {
    ++stats.invalid_ke_received;
    DhGroup group = DhGroup::kNone;
    if (ike->data.size() == 2) group = static_cast<DhGroup>((ike->data[0] << 8) | ike->data[1]);
    if (group == sa.dh->group() || !crypto::dh_supported(group) ||
        !detail::ike_group_acceptable(policy.proposals, group)) {
      log(LogLine::Level::kWarning, sa.id, "INVALID_KE_PAYLOAD asks for a group we do not accept");
      ++stats.outgoing_rejected;
      remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
      return;
    }
    log(LogLine::Level::kInfo, sa.id, "INVALID_KE_PAYLOAD: retrying with " + std::string(to_string(group)));
    sa.dh = crypto::DhKey::generate(group);
    if (!sa.dh) {
      remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
      return;
    }
    send_init_request(sa);
    return;
  }
  for (const auto* n : m.notifies()) {
    if (notify::is_error(n->type)) {
      if (n->type == notify::kNoProposalChosen) ++stats.no_proposal_chosen;
      log(LogLine::Level::kWarning, sa.id, "IKE_SA_INIT refused with notify " + std::to_string(n->type));
      ++stats.outgoing_rejected;
      remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
      return;
    }
  }
  const auto* sa_payload = m.get<msg::SaPayload>(PayloadType::kSa);
  const auto* ke = m.get<msg::KePayload>(PayloadType::kKe);
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  std::optional<crypto::IkeSuite> suite;
  if (sa_payload) suite = detail::accept_ike(*sa_payload, policy.proposals);
  if (!suite || !ke || !nonce || m.header.responder_spi == 0 || nonce->data.size() < 16 ||
      nonce->data.size() > 256 || suite->dh != sa.dh->group() ||
      ke->group != static_cast<std::uint16_t>(suite->dh) || m.unsupported_critical()) {
    log(LogLine::Level::kWarning, sa.id, "malformed or unacceptable IKE_SA_INIT response");
    ++stats.outgoing_rejected;
    remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
    return;
  }
  auto shared = sa.dh->shared_secret(ke->data);
  if (!shared) {
    log(LogLine::Level::kWarning, sa.id, "invalid KE value from the responder");
    remove_sa(sa, IkeSaDown::Reason::kNegotiationFailed, true);
    return;
  }
  sa.suite = *suite;
  sa.spi_r = m.header.responder_spi;
  sa.nr = nonce->data;
  sa.init_response.assign(data.begin(), data.end());
  sa.keys = crypto::derive_ike_keys(sa.suite, shared->view(), sa.ni, sa.nr, sa.spi_i, sa.spi_r);
  sa.dh.reset();
  detect_nat(sa, m, sa.spi_r);
  sa.peer_frag = policy.fragmentation && m.find_notify(notify::kIkev2FragmentationSupported);
  sa.outstanding.reset();
  emit_key_log(sa);
  if (sa.nat_local || sa.nat_remote) {
    // RFC 7296 2.23: float to 4500 with the non-ESP marker for everything after IKE_SA_INIT.
    sa.local.port = kNatTPort;
    sa.remote.port = kNatTPort;
    sa.natt = true;
    log(LogLine::Level::kInfo, sa.id,
        std::string("NAT detected (") + (sa.nat_local ? "local" : "") + (sa.nat_remote ? " remote" : "") +
            "), moving to port 4500");
  }
  send_auth_request(sa);
}

void Engine::Impl::send_auth_request(IkeSa& sa) {
  const Profile& prof = profile_of(sa);
  auto psk = prof.find_psk(sa.remote.address, Identity::address(sa.remote.address));
  if (!psk) {
    log(LogLine::Level::kError, sa.id, "no pre-shared key for peer " + sa.remote.address.to_string());
    remove_sa(sa, IkeSaDown::Reason::kAuthFailed, true);
    return;
  }
  const Bytes body = id_body(sa.local_id);
  SecretBytes auth =
      crypto::psk_auth(sa.suite.prf, psk->view(), sa.init_request, sa.nr, sa.keys.sk_pi.view(), body);
  std::vector<msg::Payload> p;
  p.push_back(msg::make_payload(PayloadType::kIdi, msg::IdPayload{sa.local_id, body}));
  // INITIAL_CONTACT when we hold no other SA with this peer (RFC 7296 2.4).
  const bool first = std::none_of(sas.begin(), sas.end(), [&](const auto& kv) {
    return kv.second.get() != &sa && kv.second->remote.address == sa.remote.address &&
           kv.second->state == SaState::kEstablished;
  });
  if (first) p.push_back(msg::make_notify(notify::kInitialContact));
  p.push_back(msg::make_payload(PayloadType::kAuth,
                                msg::AuthPayload{2, Bytes(auth.view().begin(), auth.view().end())}));
  Outstanding out;
  out.kind = RequestKind::kIkeAuth;
  out.new_child_spi = new_child_spi();
  ChildProposal proposal = prof.child.proposal;
  p.push_back(
      msg::make_payload(PayloadType::kSa, detail::esp_offer(proposal, out.new_child_spi, DhGroup::kNone)));
  std::vector<TrafficSelector> lts, rts;
  local_selectors(sa, lts, rts);
  p.push_back(msg::make_payload(PayloadType::kTsi, msg::TsPayload{lts}));
  p.push_back(msg::make_payload(PayloadType::kTsr, msg::TsPayload{rts}));
  if (prof.child.mode == ChildMode::kTransport) p.push_back(msg::make_notify(notify::kUseTransportMode));
  p.push_back(msg::make_notify(notify::kEspTfcPaddingNotSupported));
  sa.state = SaState::kAuthSent;
  send_request(sa, ExchangeType::kIkeAuth, p, std::move(out));
}

void Engine::Impl::initiator_auth_response(IkeSa& sa, Outstanding& out, const msg::Message& m) {
  const auto* idr = m.get<msg::IdPayload>(PayloadType::kIdr);
  const auto* auth = m.get<msg::AuthPayload>(PayloadType::kAuth);
  const Profile& prof = profile_of(sa);
  bool ok = idr && auth && auth->method == static_cast<std::uint8_t>(AuthMethod::kPsk) &&
            !m.find_notify(notify::kAuthenticationFailed);
  if (ok)
    ok = std::any_of(prof.remote.begin(), prof.remote.end(),
                     [&](const RemoteIdMatch& r) { return r.matches(idr->id); }) ||
         prof.remote.empty();
  std::optional<SecretBytes> psk;
  if (ok) psk = prof.find_psk(sa.remote.address, idr->id);
  if (ok && psk) {
    SecretBytes expected = crypto::psk_auth(sa.suite.prf, psk->view(), sa.init_response, sa.ni,
                                            sa.keys.sk_pr.view(), idr->raw_body);
    ok = !expected.empty() && expected.equals(auth->data);
  } else {
    ok = false;
  }
  if (!ok) {
    ++stats.auth_failures;
    ++stats.outgoing_rejected;
    log(LogLine::Level::kWarning, sa.id,
        "IKE_AUTH failed with " + sa.remote.to_string() + " (AUTHENTICATION_FAILED)");
    child_index.erase(out.new_child_spi);
    remove_sa(sa, IkeSaDown::Reason::kAuthFailed, true);
    return;
  }
  sa.remote_id = idr->id;
  const Bytes ni = sa.ni, nr = sa.nr;
  mark_established(sa);
  ++stats.outgoing_accepted;
  actions.emplace_back(IkeSaUp{sa.id, 0, sa.local, sa.remote, sa.remote_id, prof.name});
  log(LogLine::Level::kInfo, sa.id,
      "IKE SA established with " + sa.remote.to_string() + " as " + sa.remote_id.to_string());
  if (!accept_child(sa, m, ni, nr, nullptr, DhGroup::kNone, out.new_child_spi, nullptr, true))
    child_index.erase(out.new_child_spi);
  sa.ni.clear();
  sa.nr.clear();
}

// ---------------------------------------------------------------------------------------------
// Responder

void Engine::Impl::responder_init(const Endpoint& local, const Endpoint& remote, ByteView data,
                                  const msg::Message& m) {
  ++stats.incoming_requests;
  const msg::Header& h = m.header;
  // A retransmitted IKE_SA_INIT: answer with the same response.
  auto range = half_open_by_peer_spi.equal_range(h.initiator_spi);
  for (auto it = range.first; it != range.second; ++it) {
    IkeSa* sa = find_sa(it->second);
    if (sa && sa->remote.address == remote.address) {
      if (sa->state == SaState::kInitDone &&
          std::equal(data.begin(), data.end(), sa->init_request.begin(), sa->init_request.end())) {
        ++stats.retransmits_answered;
        actions.emplace_back(SendDatagram{local, remote, sa->init_response, local.port == kNatTPort, false});
      } else {
        ++stats.dropped_at_dispatch;
      }
      return;
    }
  }
  msg::Header rh;
  rh.initiator_spi = h.initiator_spi;
  rh.exchange = ExchangeType::kIkeSaInit;
  rh.flags = msg::Header::kFlagResponse;
  if (auto critical = m.unsupported_critical()) {
    ++stats.unsupported_critical;
    ++stats.incoming_rejected;
    send_plain(local, remote, rh, {msg::make_notify(notify::kUnsupportedCriticalPayload, Bytes{*critical})});
    return;
  }
  const auto* sa_payload = m.get<msg::SaPayload>(PayloadType::kSa);
  const auto* ke = m.get<msg::KePayload>(PayloadType::kKe);
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  if (!sa_payload || !ke || !nonce || nonce->data.size() < 16 || nonce->data.size() > 256) {
    ++stats.incoming_rejected;
    send_plain(local, remote, rh, {msg::make_notify(notify::kInvalidSyntax)});
    return;
  }
  if (policy.max_sas && sas.size() >= policy.max_sas) {
    ++stats.rejected_sa_limit;
    ++stats.incoming_rejected;
    return;
  }
  if (half_open >= policy.max_half_open) {
    ++stats.rejected_resource_low;
    ++stats.incoming_rejected;
    return;
  }
  if (policy.cookie_threshold >= 0 && half_open >= static_cast<std::uint32_t>(policy.cookie_threshold)) {
    const Bytes want = cookie_for(m, remote);
    const auto* cookie = m.find_notify(notify::kCookie);
    if (!cookie || cookie->data.size() != want.size() ||
        CRYPTO_memcmp(cookie->data.data(), want.data(), want.size()) != 0) {
      ++stats.cookie_challenged;
      if (cookie)
        ++stats.cookie_rejected;
      else
        ++stats.cookie_rejected_no_cookie;
      send_plain(local, remote, rh, {msg::make_notify(notify::kCookie, want)});
      return;
    }
    ++stats.cookie_accepted;
  }
  auto choice = detail::select_ike(*sa_payload, policy.proposals);
  if (!choice) {
    ++stats.no_proposal_chosen;
    ++stats.incoming_rejected;
    log(LogLine::Level::kWarning, 0, "IKE_SA_INIT from " + remote.to_string() + ": no proposal chosen");
    send_plain(local, remote, rh, {msg::make_notify(notify::kNoProposalChosen)});
    return;
  }
  const auto ke_group = static_cast<DhGroup>(ke->group);
  detail::prefer_ke_group(*choice, *sa_payload, ke_group, policy.proposals);
  if (choice->suite.dh != ke_group) {
    ++stats.invalid_ke_sent;
    ++stats.incoming_rejected;
    send_plain(local, remote, rh, {detail::invalid_ke_notify(choice->suite.dh)});
    return;
  }
  auto dh = crypto::DhKey::generate(choice->suite.dh);
  std::optional<SecretBytes> shared;
  if (dh) shared = dh->shared_secret(ke->data);
  if (!shared) {
    ++stats.incoming_rejected;
    send_plain(local, remote, rh, {msg::make_notify(notify::kInvalidSyntax)});
    return;
  }
  auto owned = std::make_unique<IkeSa>();
  owned->initiator = false;
  owned->spi_i = h.initiator_spi;
  owned->spi_r = new_ike_spi();
  owned->local = local;
  owned->remote = remote;
  owned->natt = local.port == kNatTPort;
  owned->state = SaState::kInitDone;
  owned->suite = choice->suite;
  owned->ni = nonce->data;
  owned->nr = random_bytes(32);
  owned->init_request.assign(data.begin(), data.end());
  owned->keys =
      crypto::derive_ike_keys(owned->suite, shared->view(), owned->ni, owned->nr, owned->spi_i, owned->spi_r);
  owned->half_open_deadline = now + policy.half_open_timeout;
  IkeSa& sa = add_sa(std::move(owned));
  half_open_by_peer_spi.emplace(sa.spi_i, sa.spi_r);
  ++half_open;
  ++stats.incoming_sas;
  ++stats.incoming_accepted;
  emit_key_log(sa);

  const bool natd = detect_nat(sa, m, 0);
  sa.peer_frag = policy.fragmentation && m.find_notify(notify::kIkev2FragmentationSupported);
  std::vector<msg::Payload> p;
  msg::SaPayload chosen;
  chosen.proposals.push_back(choice->proposal);
  p.push_back(msg::make_payload(PayloadType::kSa, std::move(chosen)));
  p.push_back(msg::make_payload(PayloadType::kKe, msg::KePayload{ke->group, dh->public_value()}));
  p.push_back(msg::make_payload(PayloadType::kNonce, msg::NoncePayload{sa.nr}));
  if (natd) {
    p.push_back(msg::make_notify(notify::kNatDetectionSourceIp, natd_hash(sa.spi_i, sa.spi_r, local)));
    p.push_back(msg::make_notify(notify::kNatDetectionDestinationIp, natd_hash(sa.spi_i, sa.spi_r, remote)));
  }
  if (sa.peer_frag) p.push_back(msg::make_notify(notify::kIkev2FragmentationSupported));
  rh.responder_spi = sa.spi_r;
  send_plain(local, remote, rh, p, &sa.init_response);
  sa.expected_request_id = 1;
}

void Engine::Impl::responder_auth(IkeSa& sa, const msg::Message& m) {
  const std::uint32_t mid = m.header.message_id;
  const auto* idi = m.get<msg::IdPayload>(PayloadType::kIdi);
  const auto* auth = m.get<msg::AuthPayload>(PayloadType::kAuth);
  std::optional<std::size_t> profile;
  std::optional<SecretBytes> psk;
  if (idi && auth && auth->method == static_cast<std::uint8_t>(AuthMethod::kPsk)) {
    for (std::size_t i = 0; i < policy.profiles.size() && !profile; ++i) {
      const Profile& prof = policy.profiles[i];
      if (std::any_of(prof.remote.begin(), prof.remote.end(),
                      [&](const RemoteIdMatch& r) { return r.matches(idi->id); }) ||
          prof.remote.empty())
        profile = i;
    }
  }
  if (profile) psk = policy.profiles[*profile].find_psk(sa.remote.address, idi->id);
  bool ok = false;
  if (psk) {
    SecretBytes expected = crypto::psk_auth(sa.suite.prf, psk->view(), sa.init_request, sa.nr,
                                            sa.keys.sk_pi.view(), idi->raw_body);
    ok = !expected.empty() && expected.equals(auth->data);
  }
  if (!ok) {
    ++stats.auth_failures;
    ++stats.incoming_rejected;
    log(LogLine::Level::kWarning, sa.id,
        "IKE_AUTH from " + sa.remote.to_string() + " refused: " +
            (!idi || !auth ? "no ID/AUTH (EAP is not supported)"
             : !profile    ? "no profile matches identity " + idi->id.to_string()
             : !psk        ? "no pre-shared key for " + idi->id.to_string()
                           : "AUTH mismatch (wrong pre-shared key?)"));
    send_response(sa, ExchangeType::kIkeAuth, mid, {msg::make_notify(notify::kAuthenticationFailed)});
    remove_sa(sa, IkeSaDown::Reason::kAuthFailed, true);
    return;
  }
  sa.profile = *profile;
  const Profile& prof = policy.profiles[*profile];
  sa.remote_id = idi->id;
  if (m.find_notify(notify::kInitialContact)) {
    // RFC 7296 2.4: the peer restarted; its older SAs with this identity and address are stale.
    std::vector<std::uint64_t> stale;
    for (const auto& [spi, other] : sas)
      if (other.get() != &sa && other->remote_id == sa.remote_id &&
          other->remote.address == sa.remote.address && other->state != SaState::kInitDone &&
          other->state != SaState::kInitSent)
        stale.push_back(spi);
    for (auto spi : stale)
      if (IkeSa* old = find_sa(spi)) {
        log(LogLine::Level::kInfo, old->id, "INITIAL_CONTACT from the peer: dropping its old IKE SA");
        remove_sa(*old, IkeSaDown::Reason::kPeerDeleted, true);
      }
  }
  sa.local_id = local_identity(prof, sa.local);
  const Bytes body = id_body(sa.local_id);
  SecretBytes our_auth =
      crypto::psk_auth(sa.suite.prf, psk->view(), sa.init_response, sa.ni, sa.keys.sk_pr.view(), body);
  std::vector<msg::Payload> p;
  p.push_back(msg::make_payload(PayloadType::kIdr, msg::IdPayload{sa.local_id, body}));
  p.push_back(msg::make_payload(PayloadType::kAuth,
                                msg::AuthPayload{2, Bytes(our_auth.view().begin(), our_auth.view().end())}));
  const Bytes ni = sa.ni, nr = sa.nr;
  mark_established(sa);
  ++stats.incoming_accepted;
  actions.emplace_back(IkeSaUp{sa.id, 0, sa.local, sa.remote, sa.remote_id, prof.name});
  log(LogLine::Level::kInfo, sa.id,
      "IKE SA established with " + sa.remote.to_string() + " as " + sa.remote_id.to_string());
  if (m.find(PayloadType::kSa) && m.find(PayloadType::kTsi) && m.find(PayloadType::kTsr)) {
    auto child = respond_child(sa, m, ni, nr, DhGroup::kNone, nullptr, nullptr, true);
    p.insert(p.end(), child.begin(), child.end());
  }
  sa.ni.clear();
  sa.nr.clear();
  send_response(sa, ExchangeType::kIkeAuth, mid, p);
}

}  // namespace hubsec::ike
