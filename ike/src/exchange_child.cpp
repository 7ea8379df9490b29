// Child SAs: key derivation (RFC 7296 2.17), traffic selector narrowing (2.9), CREATE_CHILD_SA for
// new and rekeyed Child SAs and for IKE SA rekeying (1.3), with the collision rules of 2.8.1/2.8.2.
#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "engine_impl.hpp"

namespace hubsec::ike {

using detail::ChildSa;
using detail::ChildState;
using detail::IkeSa;
using detail::Outstanding;
using detail::RequestKind;
using detail::SaState;
using msg::ExchangeType;
using msg::PayloadType;
namespace notify = msg::notify;

namespace {

Bytes spi32(std::uint32_t spi) {
  return {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
          static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}
Bytes spi64(std::uint64_t spi) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(spi >> (56 - 8 * i));
  return b;
}
std::uint64_t read64(const Bytes& b) {
  std::uint64_t v = 0;
  for (auto c : b) v = (v << 8) | c;
  return v;
}

int compare_bytes(ByteView a, ByteView b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}
Bytes lower_nonce(ByteView a, ByteView b) {
  ByteView m = compare_bytes(a, b) <= 0 ? a : b;
  return Bytes(m.begin(), m.end());
}

int compare_addr(const IpAddress& a, const IpAddress& b) {
  return std::memcmp(a.bytes.data(), b.bytes.data(), 16);
}

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) {
  if (a.start.v6 != b.start.v6) return std::nullopt;
  TrafficSelector r;
  if (a.ip_proto == 0)
    r.ip_proto = b.ip_proto;
  else if (b.ip_proto == 0 || b.ip_proto == a.ip_proto)
    r.ip_proto = a.ip_proto;
  else
    return std::nullopt;
  r.start_port = std::max(a.start_port, b.start_port);
  r.end_port = std::min(a.end_port, b.end_port);
  if (r.start_port > r.end_port) return std::nullopt;
  r.start = compare_addr(a.start, b.start) >= 0 ? a.start : b.start;
  r.end = compare_addr(a.end, b.end) <= 0 ? a.end : b.end;
  if (compare_addr(r.start, r.end) > 0) return std::nullopt;
  return r;
}

std::vector<TrafficSelector> narrow_side(const std::vector<TrafficSelector>& ours,
                                         const std::vector<TrafficSelector>& theirs) {
  std::vector<TrafficSelector> out;
  for (const auto& o : ours)
    for (const auto& t : theirs)
      if (auto r = intersect(o, t); r && std::find(out.begin(), out.end(), *r) == out.end())
        out.push_back(*r);
  return out;
}

bool within(const std::vector<TrafficSelector>& inner, const std::vector<TrafficSelector>& outer) {
  return !inner.empty() && std::all_of(inner.begin(), inner.end(), [&](const TrafficSelector& i) {
    return std::any_of(outer.begin(), outer.end(), [&](const TrafficSelector& o) { return o.contains(i); });
  });
}

}  // namespace

void Engine::Impl::local_selectors(const IkeSa& sa, std::vector<TrafficSelector>& local_ts,
                                   std::vector<TrafficSelector>& remote_ts) const {
  const ChildPolicy& cp = profile_of(sa).child;
  if (cp.mode == ChildMode::kTransport) {
    local_ts = {TrafficSelector::host(sa.local.address, cp.transport_proto)};
    remote_ts = {TrafficSelector::host(sa.remote.address, cp.transport_proto)};
  } else {
    local_ts = cp.local_ts;
    remote_ts = cp.remote_ts;
  }
}

void Engine::Impl::child_selectors(const IkeSa& sa, const ChildSa* old,
                                   std::vector<TrafficSelector>& local_ts,
                                   std::vector<TrafficSelector>& remote_ts) const {
  if (old) {
    local_ts = old->local_ts;
    remote_ts = old->remote_ts;
  } else {
    local_selectors(sa, local_ts, remote_ts);
  }
}

bool Engine::Impl::narrow(const IkeSa& sa, const std::vector<TrafficSelector>& peer_local,
                          const std::vector<TrafficSelector>& peer_remote,
                          std::vector<TrafficSelector>& our_local,
                          std::vector<TrafficSelector>& our_remote) const {
  std::vector<TrafficSelector> cl, cr;
  local_selectors(sa, cl, cr);
  if (profile_of(sa).child.mode == ChildMode::kTransport && (sa.nat_local || sa.nat_remote)) {
    // Behind a NAT the peer names its private address: accept its host selectors as they are
    // (RFC 7296 2.23.1) and keep the protocol restriction.
    const std::uint8_t proto = profile_of(sa).child.transport_proto;
    if (peer_local.size() >= 1 && peer_remote.size() >= 1) {
      cr = {TrafficSelector::host(peer_local[0].start, proto)};
      cl = {TrafficSelector::host(peer_remote[0].start, proto)};
    }
  }
  our_remote = narrow_side(cr, peer_local);
  our_local = narrow_side(cl, peer_remote);
  return !our_local.empty() && !our_remote.empty();
}

ChildSa& Engine::Impl::install_child(IkeSa& sa, const detail::EspSuite& suite, std::uint32_t inbound_spi,
                                     std::uint32_t outbound_spi, ByteView ni, ByteView nr,
                                     const SecretBytes* shared, std::vector<TrafficSelector> local_ts,
                                     std::vector<TrafficSelector> remote_ts, ChildMode mode,
                                     std::uint32_t reqid, std::uint32_t replaces, bool exchange_initiator) {
  const std::size_t ek = detail::esp_encr_key_size(suite.encr), ak = detail::esp_integ_key_size(suite.integ);
  SecretBytes seed;
  if (shared) seed.append(shared->view());
  seed.append(ni);
  seed.append(nr);
  SecretBytes keymat = crypto::prf_plus(sa.suite.prf, sa.keys.sk_d.view(), seed.view(), 2 * (ek + ak));
  ChildSaInfo info;
  info.ike_sa = sa.id;
  info.reqid = reqid;
  info.mode = mode;
  info.encryption = suite.encr;
  info.integrity = suite.integ;
  info.esn = suite.esn;
  // 2.17: encryption then integrity key for initiator->responder, then the same for responder->initiator.
  EspKeys i_to_r{0, keymat.slice(0, ek), keymat.slice(ek, ak)};
  EspKeys r_to_i{0, keymat.slice(ek + ak, ek), keymat.slice(2 * ek + ak, ak)};
  info.outbound = exchange_initiator ? std::move(i_to_r) : std::move(r_to_i);
  info.inbound = exchange_initiator ? std::move(r_to_i) : std::move(i_to_r);
  info.inbound.spi = inbound_spi;
  info.outbound.spi = outbound_spi;
  info.local_ts = local_ts;
  info.remote_ts = remote_ts;
  info.local = sa.local;
  info.remote = sa.remote;
  info.udp_encap = sa.nat_local || sa.nat_remote;
  info.lifetime = profile_of(sa).child.lifetime;
  info.pfs_group = suite.dh;
  actions.emplace_back(ChildSaInstall{std::move(info), replaces});
  ChildSa child;
  child.reqid = reqid;
  child.inbound_spi = inbound_spi;
  child.outbound_spi = outbound_spi;
  child.mode = mode;
  child.suite = suite;
  child.local_ts = std::move(local_ts);
  child.remote_ts = std::move(remote_ts);
  child.created = now;
  sa.children.push_back(std::move(child));
  child_index[inbound_spi] = sa.local_spi();
  ++stats.child_sas_installed;
  ChildSa& c = sa.children.back();
  schedule_child(sa, c);
  log(LogLine::Level::kInfo, sa.id,
      "Child SA installed: in " + std::to_string(inbound_spi) + " out " + std::to_string(outbound_spi) +
          (mode == ChildMode::kTransport ? " transport" : " tunnel"));
  return c;
}

std::vector<msg::Payload> Engine::Impl::respond_child(IkeSa& sa, const msg::Message& m, ByteView ni,
                                                      ByteView nr, DhGroup ke_group,
                                                      const SecretBytes* shared, ChildSa* old,
                                                      bool in_ike_auth) {
  const ChildPolicy& cp = profile_of(sa).child;
  const auto* sa_payload = m.get<msg::SaPayload>(PayloadType::kSa);
  const auto* tsi = m.get<msg::TsPayload>(PayloadType::kTsi);
  const auto* tsr = m.get<msg::TsPayload>(PayloadType::kTsr);
  if (!sa_payload || !tsi || !tsr) return {msg::make_notify(notify::kInvalidSyntax)};
  ChildProposal proposal = cp.proposal;
  if (in_ike_auth) proposal.pfs_group = DhGroup::kNone;
  auto choice = detail::select_esp(*sa_payload, proposal, ke_group);
  if (!choice) {
    ++stats.no_proposal_chosen;
    log(LogLine::Level::kWarning, sa.id, "Child SA: no proposal chosen");
    return {msg::make_notify(notify::kNoProposalChosen)};
  }
  const ChildMode wanted = old ? old->mode : cp.mode;
  const ChildMode asked =
      m.find_notify(notify::kUseTransportMode) ? ChildMode::kTransport : ChildMode::kTunnel;
  if (wanted != asked) {
    ++stats.no_proposal_chosen;
    log(LogLine::Level::kWarning, sa.id, "Child SA: mode mismatch (we want transport/tunnel the other way)");
    return {msg::make_notify(notify::kNoProposalChosen)};
  }
  std::vector<TrafficSelector> lts, rts;
  if (old) {
    lts = narrow_side(old->local_ts, tsr->selectors);
    rts = narrow_side(old->remote_ts, tsi->selectors);
  } else {
    narrow(sa, tsi->selectors, tsr->selectors, lts, rts);
  }
  if (lts.empty() || rts.empty()) {
    log(LogLine::Level::kWarning, sa.id, "Child SA: traffic selectors unacceptable");
    return {msg::make_notify(notify::kTsUnacceptable)};
  }
  const std::uint32_t inbound = new_child_spi();
  const std::uint32_t reqid = old ? old->reqid : next_reqid++;
  const std::uint32_t replaces = old ? old->inbound_spi : 0;
  msg::SaPayload answer;
  answer.proposals.push_back(choice->proposal);
  answer.proposals[0].spi = spi32(inbound);
  std::vector<msg::Payload> p;
  p.push_back(msg::make_payload(PayloadType::kSa, std::move(answer)));
  install_child(sa, choice->suite, inbound, choice->peer_spi, ni, nr, shared, lts, rts, wanted, reqid,
                replaces, false);
  p.push_back(msg::make_payload(PayloadType::kTsi, msg::TsPayload{rts}));
  p.push_back(msg::make_payload(PayloadType::kTsr, msg::TsPayload{lts}));
  if (wanted == ChildMode::kTransport) p.push_back(msg::make_notify(notify::kUseTransportMode));
  return p;
}

std::uint32_t Engine::Impl::accept_child(IkeSa& sa, const msg::Message& m, ByteView ni, ByteView nr,
                                         const SecretBytes* shared, DhGroup sent_group,
                                         std::uint32_t inbound_spi, ChildSa* old, bool in_ike_auth) {
  const ChildPolicy& cp = profile_of(sa).child;
  for (const auto* n : m.notifies()) {
    if (notify::is_error(n->type)) {
      log(LogLine::Level::kWarning, sa.id,
          "Child SA refused by the peer with notify " + std::to_string(n->type));
      return 0;
    }
  }
  const auto* sa_payload = m.get<msg::SaPayload>(PayloadType::kSa);
  const auto* tsi = m.get<msg::TsPayload>(PayloadType::kTsi);
  const auto* tsr = m.get<msg::TsPayload>(PayloadType::kTsr);
  if (!sa_payload || !tsi || !tsr) {
    log(LogLine::Level::kWarning, sa.id, "Child SA answer without SA/TSi/TSr");
    return 0;
  }
  ChildProposal proposal = cp.proposal;
  if (in_ike_auth) proposal.pfs_group = DhGroup::kNone;
  auto choice = detail::accept_esp(*sa_payload, proposal, sent_group);
  std::vector<TrafficSelector> lts, rts;
  child_selectors(sa, old, lts, rts);
  const ChildMode wanted = old ? old->mode : cp.mode;
  const bool transport = m.find_notify(notify::kUseTransportMode) != nullptr;
  const bool nat = sa.nat_local || sa.nat_remote;
  const bool ts_ok = nat && wanted == ChildMode::kTransport
                         ? !tsi->selectors.empty() && !tsr->selectors.empty()
                         : within(tsi->selectors, lts) && within(tsr->selectors, rts);
  if (!choice || !ts_ok || (wanted == ChildMode::kTransport) != transport) {
    log(LogLine::Level::kWarning, sa.id, "Child SA answer unacceptable (proposal, selectors or mode)");
    return 0;
  }
  install_child(sa, choice->suite, inbound_spi, choice->peer_spi, ni, nr, shared, tsi->selectors,
                tsr->selectors, wanted, old ? old->reqid : next_reqid++, old ? old->inbound_spi : 0, true);
  return inbound_spi;
}

// ---------------------------------------------------------------------------------------------
// CREATE_CHILD_SA for Child SAs

void Engine::Impl::start_create_child(IkeSa& sa, std::uint32_t rekey_spi) {
  const ChildPolicy& cp = profile_of(sa).child;
  ChildSa* old = nullptr;
  if (rekey_spi) {
    for (auto& c : sa.children)
      if (c.inbound_spi == rekey_spi) old = &c;
    if (!old || old->state != ChildState::kInstalled) return;
    old->state = ChildState::kRekeying;
  }
  Outstanding out;
  out.kind = rekey_spi ? RequestKind::kRekeyChild : RequestKind::kNewChild;
  out.child_spi = rekey_spi;
  out.new_child_spi = new_child_spi();
  out.nonce = random_bytes(32);
  const DhGroup pfs = cp.proposal.pfs_group;
  if (pfs != DhGroup::kNone) out.dh = crypto::DhKey::generate(pfs);
  std::vector<msg::Payload> p;
  if (old)
    p.push_back(msg::make_notify(notify::kRekeySa, {}, msg::ProtocolId::kEsp, spi32(old->inbound_spi)));
  p.push_back(msg::make_payload(PayloadType::kSa, detail::esp_offer(cp.proposal, out.new_child_spi, pfs)));
  p.push_back(msg::make_payload(PayloadType::kNonce, msg::NoncePayload{out.nonce}));
  if (out.dh)
    p.push_back(msg::make_payload(PayloadType::kKe,
                                  msg::KePayload{static_cast<std::uint16_t>(pfs), out.dh->public_value()}));
  std::vector<TrafficSelector> lts, rts;
  child_selectors(sa, old, lts, rts);
  p.push_back(msg::make_payload(PayloadType::kTsi, msg::TsPayload{lts}));
  p.push_back(msg::make_payload(PayloadType::kTsr, msg::TsPayload{rts}));
  if ((old ? old->mode : cp.mode) == ChildMode::kTransport)
    p.push_back(msg::make_notify(notify::kUseTransportMode));
  ++stats.outgoing_requests;
  send_request(sa, ExchangeType::kCreateChildSa, p, std::move(out));
}

void Engine::Impl::responder_create_child(IkeSa& sa, const msg::Message& m) {
  const std::uint32_t mid = m.header.message_id;
  const auto* sa_payload = m.get<msg::SaPayload>(PayloadType::kSa);
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  if (!sa_payload || sa_payload->proposals.empty() || !nonce || nonce->data.size() < 16 ||
      nonce->data.size() > 256) {
    send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kInvalidSyntax)});
    return;
  }
  if (sa_payload->proposals[0].protocol == msg::ProtocolId::kIke) {
    responder_rekey_ike(sa, m, *sa_payload);
    return;
  }
  const ChildPolicy& cp = profile_of(sa).child;
  ChildSa* old = nullptr;
  const auto* rekey_notify = m.find_notify(notify::kRekeySa);
  if (!rekey_notify && sa.children.size() >= policy.max_children_per_ike_sa) {
    send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kNoAdditionalSas)});
    return;
  }
  if (const auto* rekey = rekey_notify) {
    std::uint32_t peer_in = 0;
    if (rekey->spi.size() == 4)
      peer_in = (std::uint32_t{rekey->spi[0]} << 24) | (std::uint32_t{rekey->spi[1]} << 16) |
                (std::uint32_t{rekey->spi[2]} << 8) | rekey->spi[3];
    for (auto& c : sa.children)
      if (c.outbound_spi == peer_in) old = &c;
    if (!old) {
      send_response(sa, ExchangeType::kCreateChildSa, mid,
                    {msg::make_notify(notify::kChildSaNotFound, {}, msg::ProtocolId::kEsp, rekey->spi)});
      return;
    }
    if (old->state == ChildState::kDeleting || old->state == ChildState::kRekeyed) {
      send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kTemporaryFailure)});
      return;
    }
  }
  const auto* ke = m.get<msg::KePayload>(PayloadType::kKe);
  DhGroup ke_group = DhGroup::kNone;
  std::unique_ptr<crypto::DhKey> dh;
  std::optional<SecretBytes> shared;
  if (ke) {
    ke_group = static_cast<DhGroup>(ke->group);
    const DhGroup want = cp.proposal.pfs_group != DhGroup::kNone ? cp.proposal.pfs_group : ke_group;
    if (!crypto::dh_supported(ke_group) || want != ke_group) {
      ++stats.invalid_ke_sent;
      send_response(sa, ExchangeType::kCreateChildSa, mid,
                    {detail::invalid_ke_notify(crypto::dh_supported(want) ? want : sa.suite.dh)});
      return;
    }
    dh = crypto::DhKey::generate(ke_group);
    if (dh) shared = dh->shared_secret(ke->data);
    if (!shared) {
      send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kInvalidSyntax)});
      return;
    }
  } else if (cp.proposal.pfs_group != DhGroup::kNone) {
    ++stats.no_proposal_chosen;
    send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kNoProposalChosen)});
    return;
  }
  const Bytes nr = random_bytes(32);
  const std::uint32_t old_in = old ? old->inbound_spi : 0;
  auto child = respond_child(sa, m, nonce->data, nr, ke_group, shared ? &*shared : nullptr, old, false);
  std::vector<msg::Payload> p;
  const bool ok = !child.empty() && child[0].type == PayloadType::kSa;
  if (ok) {
    p.push_back(std::move(child[0]));
    p.push_back(msg::make_payload(PayloadType::kNonce, msg::NoncePayload{nr}));
    if (dh) p.push_back(msg::make_payload(PayloadType::kKe, msg::KePayload{ke->group, dh->public_value()}));
    for (std::size_t i = 1; i < child.size(); ++i) p.push_back(std::move(child[i]));
    if (old_in) {
      ++stats.child_rekeys;
      ChildSa* o = nullptr;
      for (auto& c : sa.children)
        if (c.inbound_spi == old_in) o = &c;
      const std::uint32_t new_in = sa.children.back().inbound_spi;
      if (o && o->state == ChildState::kRekeying) {
        // Both ends rekey this SA at once: remember this exchange's lowest nonce (2.8.1).
        ++stats.rekey_collisions;
        o->peer_rekey_inbound_spi = new_in;
        o->peer_rekey_min_nonce = lower_nonce(nonce->data, nr);
      } else if (o) {
        o->state = ChildState::kRekeyed;  // the peer deletes it; we expire it if it does not
        o->has_rekey_at = false;
        o->has_expire_at = true;
        o->expire_at = now + std::chrono::seconds(60);
      }
    }
  } else {
    p = std::move(child);
  }
  send_response(sa, ExchangeType::kCreateChildSa, mid, p);
}

void Engine::Impl::initiator_create_child_response(IkeSa& sa, Outstanding& out, const msg::Message& m) {
  ChildSa* old = nullptr;
  if (out.child_spi)
    for (auto& c : sa.children)
      if (c.inbound_spi == out.child_spi) old = &c;
  if (out.kind == RequestKind::kRekeyChild && !old) {
    child_index.erase(out.new_child_spi);
    log(LogLine::Level::kInfo, sa.id, "rekeyed Child SA vanished meanwhile (deleted)");
    if (m.find(PayloadType::kSa) && !m.find_notify(notify::kChildSaNotFound)) {
      // The peer created a successor we no longer want: delete it right away.
      const auto* chosen = m.get<msg::SaPayload>(PayloadType::kSa);
      (void)chosen;
    }
    return;
  }
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  const auto* ke = m.get<msg::KePayload>(PayloadType::kKe);
  std::optional<SecretBytes> shared;
  bool ok = nonce && nonce->data.size() >= 16 && nonce->data.size() <= 256;
  for (const auto* n : m.notifies())
    if (notify::is_error(n->type)) ok = false;
  if (ok && out.dh) {
    ok = ke && ke->group == static_cast<std::uint16_t>(out.dh->group());
    if (ok) shared = out.dh->shared_secret(ke->data);
    ok = ok && shared.has_value();
  }
  std::uint32_t installed = 0;
  if (ok) {
    installed = accept_child(sa, m, out.nonce, nonce->data, shared ? &*shared : nullptr,
                             out.dh ? out.dh->group() : DhGroup::kNone, out.new_child_spi, old, false);
  } else {
    for (const auto* n : m.notifies())
      if (notify::is_error(n->type))
        log(LogLine::Level::kWarning, sa.id,
            "CREATE_CHILD_SA refused with notify " + std::to_string(n->type));
  }
  // install_child may have moved sa.children: look the old SA up again.
  old = nullptr;
  if (out.child_spi)
    for (auto& c : sa.children)
      if (c.inbound_spi == out.child_spi) old = &c;
  if (!installed) {
    child_index.erase(out.new_child_spi);
    ++stats.outgoing_rejected;
    if (old) {
      if (old->peer_rekey_inbound_spi) {
        old->state = ChildState::kRekeyed;  // the peer's rekey of it succeeded: it will delete it
        old->has_expire_at = true;
        old->expire_at = now + std::chrono::seconds(60);
      } else {
        old->state = ChildState::kInstalled;  // try again later
        old->has_rekey_at = true;
        old->rekey_at = now + std::chrono::seconds(10);
      }
    }
    return;
  }
  ++stats.outgoing_accepted;
  if (!old) return;
  ++stats.child_rekeys;
  if (old->peer_rekey_inbound_spi) {
    const Bytes own_min = lower_nonce(out.nonce, nonce->data);
    if (compare_bytes(own_min, old->peer_rekey_min_nonce) < 0) {
      // Our exchange holds the lowest nonce: our new SA is the redundant one, and we delete it. The
      // peer (winner) deletes the old SA.
      log(LogLine::Level::kInfo, sa.id, "Child SA rekey collision lost: deleting our redundant SA");
      old->state = ChildState::kRekeyed;
      old->has_expire_at = true;
      old->expire_at = now + std::chrono::seconds(60);
      for (auto& c : sa.children)
        if (c.inbound_spi == installed) c.state = ChildState::kDeleting;
      sa.tasks.push_front({RequestKind::kDeleteChild, installed});
      return;
    }
    log(LogLine::Level::kInfo, sa.id, "Child SA rekey collision won: deleting the old SA");
  }
  old->state = ChildState::kDeleting;
  sa.tasks.push_front({RequestKind::kDeleteChild, old->inbound_spi});
}

// ---------------------------------------------------------------------------------------------
// CREATE_CHILD_SA for the IKE SA

void Engine::Impl::start_rekey_ike(IkeSa& sa) {
  Outstanding out;
  out.kind = RequestKind::kRekeyIke;
  out.new_ike_spi = new_ike_spi();
  out.nonce = random_bytes(32);
  out.dh = crypto::DhKey::generate(sa.suite.dh);
  if (!out.dh) return;
  std::vector<msg::Payload> p;
  // Offer our proposals with the current group first so the KE matches what is chosen.
  std::vector<IkeProposal> proposals = policy.proposals;
  for (auto& prop : proposals) {
    auto it = std::find(prop.groups.begin(), prop.groups.end(), sa.suite.dh);
    if (it != prop.groups.end()) std::rotate(prop.groups.begin(), it, it + 1);
  }
  p.push_back(msg::make_payload(PayloadType::kSa, detail::ike_offer(proposals, spi64(out.new_ike_spi))));
  p.push_back(msg::make_payload(PayloadType::kNonce, msg::NoncePayload{out.nonce}));
  p.push_back(msg::make_payload(
      PayloadType::kKe, msg::KePayload{static_cast<std::uint16_t>(sa.suite.dh), out.dh->public_value()}));
  ++stats.outgoing_requests;
  send_request(sa, ExchangeType::kCreateChildSa, p, std::move(out));
}

IkeSa* Engine::Impl::make_rekeyed_sa(IkeSa& old, bool we_initiated, std::uint64_t spi_i, std::uint64_t spi_r,
                                     const crypto::IkeSuite& suite, ByteView shared, ByteView ni,
                                     ByteView nr) {
  auto owned = std::make_unique<IkeSa>();
  owned->initiator = we_initiated;
  owned->spi_i = spi_i;
  owned->spi_r = spi_r;
  owned->profile = old.profile;
  owned->local = old.local;
  owned->remote = old.remote;
  owned->suite = suite;
  owned->keys = crypto::derive_ike_keys(suite, shared, ni, nr, spi_i, spi_r, &old.keys.sk_d, old.suite.prf);
  owned->nat_local = old.nat_local;
  owned->nat_remote = old.nat_remote;
  owned->natt = old.natt;
  owned->peer_frag = old.peer_frag;
  owned->local_id = old.local_id;
  owned->remote_id = old.remote_id;
  owned->state = SaState::kEstablished;
  owned->replaces = old.id;
  IkeSa& sa = add_sa(std::move(owned));
  mark_established(sa);
  emit_key_log(sa);
  return &sa;
}

void Engine::Impl::move_children(IkeSa& from, IkeSa& to) {
  for (auto& c : from.children) {
    child_index[c.inbound_spi] = to.local_spi();
    to.children.push_back(std::move(c));
  }
  from.children.clear();
  from.rekeyed_into = to.local_spi();
  actions.emplace_back(IkeSaUp{to.id, from.id, to.local, to.remote, to.remote_id, profile_of(to).name});
}

void Engine::Impl::responder_rekey_ike(IkeSa& sa, const msg::Message& m, const msg::SaPayload& sa_payload) {
  const std::uint32_t mid = m.header.message_id;
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  const auto* ke = m.get<msg::KePayload>(PayloadType::kKe);
  const bool busy = std::any_of(sa.children.begin(), sa.children.end(),
                                [](const ChildSa& c) { return c.state == ChildState::kRekeying; }) ||
                    (sa.outstanding && sa.outstanding->kind != RequestKind::kRekeyIke &&
                     sa.outstanding->kind != RequestKind::kDpd);
  if (busy) {  // 2.25: finish the Child SA work first
    send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kTemporaryFailure)});
    return;
  }
  auto choice = detail::select_ike(sa_payload, policy.proposals);
  if (!choice || choice->proposal.spi.size() != 8 || !ke) {
    ++stats.no_proposal_chosen;
    send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kNoProposalChosen)});
    return;
  }
  const auto ke_group = static_cast<DhGroup>(ke->group);
  detail::prefer_ke_group(*choice, sa_payload, ke_group, policy.proposals);
  if (choice->suite.dh != ke_group) {
    ++stats.invalid_ke_sent;
    send_response(sa, ExchangeType::kCreateChildSa, mid, {detail::invalid_ke_notify(choice->suite.dh)});
    return;
  }
  auto dh = crypto::DhKey::generate(ke_group);
  std::optional<SecretBytes> shared;
  if (dh) shared = dh->shared_secret(ke->data);
  if (!shared) {
    send_response(sa, ExchangeType::kCreateChildSa, mid, {msg::make_notify(notify::kInvalidSyntax)});
    return;
  }
  const Bytes nr = random_bytes(32);
  const std::uint64_t our_spi = new_ike_spi();
  const std::uint64_t peer_spi = read64(choice->proposal.spi);
  msg::SaPayload answer;
  answer.proposals.push_back(choice->proposal);
  answer.proposals[0].spi = spi64(our_spi);
  std::vector<msg::Payload> p;
  p.push_back(msg::make_payload(PayloadType::kSa, std::move(answer)));
  p.push_back(msg::make_payload(PayloadType::kNonce, msg::NoncePayload{nr}));
  p.push_back(msg::make_payload(PayloadType::kKe, msg::KePayload{ke->group, dh->public_value()}));
  send_response(sa, ExchangeType::kCreateChildSa, mid, p);
  IkeSa* fresh =
      make_rekeyed_sa(sa, false, peer_spi, our_spi, choice->suite, shared->view(), nonce->data, nr);
  ++stats.ike_rekeys;
  if (sa.outstanding && sa.outstanding->kind == RequestKind::kRekeyIke) {
    ++stats.rekey_collisions;
    sa.peer_rekey_spi = fresh->local_spi();
    sa.peer_rekey_min_nonce = lower_nonce(nonce->data, nr);
    return;  // children move once our own exchange finishes
  }
  move_children(sa, *fresh);
  sa.state = SaState::kRekeyed;
  sa.expire_at = now + std::chrono::seconds(60);
  sa.tasks.clear();
  log(LogLine::Level::kInfo, sa.id, "IKE SA rekeyed by the peer into " + std::to_string(fresh->id));
}

void Engine::Impl::initiator_rekey_ike_response(IkeSa& sa, Outstanding& out, const msg::Message& m) {
  const auto* sa_payload = m.get<msg::SaPayload>(PayloadType::kSa);
  const auto* nonce = m.get<msg::NoncePayload>(PayloadType::kNonce);
  const auto* ke = m.get<msg::KePayload>(PayloadType::kKe);
  std::optional<crypto::IkeSuite> suite;
  if (sa_payload) suite = detail::accept_ike(*sa_payload, policy.proposals);
  std::optional<SecretBytes> shared;
  bool ok = suite && nonce && ke && nonce->data.size() >= 16 && sa_payload->proposals[0].spi.size() == 8 &&
            suite->dh == out.dh->group() && ke->group == static_cast<std::uint16_t>(suite->dh);
  for (const auto* n : m.notifies())
    if (notify::is_error(n->type)) ok = false;
  if (ok) shared = out.dh->shared_secret(ke->data);
  IkeSa* peer_made = sa.peer_rekey_spi ? find_sa(sa.peer_rekey_spi) : nullptr;
  if (!ok || !shared) {
    ++stats.outgoing_rejected;
    log(LogLine::Level::kWarning, sa.id, "IKE SA rekey refused or malformed answer");
    if (peer_made) {  // the peer's rekey stands
      move_children(sa, *peer_made);
      sa.state = SaState::kRekeyed;
      sa.expire_at = now + std::chrono::seconds(60);
      sa.tasks.clear();
    } else {
      sa.has_rekey_at = true;
      sa.rekey_at = now + std::chrono::seconds(10);
    }
    return;
  }
  IkeSa* fresh = make_rekeyed_sa(sa, true, out.new_ike_spi, read64(sa_payload->proposals[0].spi), *suite,
                                 shared->view(), out.nonce, nonce->data);
  ++stats.ike_rekeys;
  ++stats.outgoing_accepted;
  if (peer_made) {
    const Bytes own_min = lower_nonce(out.nonce, nonce->data);
    if (compare_bytes(own_min, sa.peer_rekey_min_nonce) < 0) {
      log(LogLine::Level::kInfo, sa.id, "IKE SA rekey collision lost: deleting our redundant IKE SA");
      move_children(sa, *peer_made);
      sa.state = SaState::kRekeyed;
      sa.expire_at = now + std::chrono::seconds(60);
      sa.tasks.clear();
      fresh->rekeyed_into = peer_made->local_spi();
      start_delete_ike(*fresh);
      return;
    }
    log(LogLine::Level::kInfo, sa.id, "IKE SA rekey collision won");
    peer_made->rekeyed_into = fresh->local_spi();  // the peer deletes it: report it as rekeyed
  }
  move_children(sa, *fresh);
  fresh->tasks = std::move(sa.tasks);
  sa.tasks.clear();
  start_delete_ike(sa);
  log(LogLine::Level::kInfo, sa.id, "IKE SA rekeyed into " + std::to_string(fresh->id));
}

}  // namespace hubsec::ike
