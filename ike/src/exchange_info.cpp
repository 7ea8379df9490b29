// INFORMATIONAL exchanges: Delete (RFC 7296 1.4.1, with the delete collisions of 2.25) and
// liveness checks (2.4, an empty INFORMATIONAL request).
#include <algorithm>

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

void Engine::Impl::start_delete_child(IkeSa& sa, std::uint32_t inbound_spi) {
  auto it = std::find_if(sa.children.begin(), sa.children.end(),
                         [&](const ChildSa& c) { return c.inbound_spi == inbound_spi; });
  if (it == sa.children.end()) return;
  it->state = ChildState::kDeleting;
  Outstanding out;
  out.kind = RequestKind::kDeleteChild;
  out.child_spi = inbound_spi;
  send_request(
      sa, ExchangeType::kInformational,
      {msg::make_payload(PayloadType::kDelete, msg::DeletePayload{msg::ProtocolId::kEsp, {inbound_spi}})},
      std::move(out));
}

void Engine::Impl::start_delete_ike(IkeSa& sa) {
  Outstanding out;
  out.kind = RequestKind::kDeleteIke;
  sa.tasks.clear();
  sa.state = SaState::kDeleting;
  sa.expire_at = now + policy.retransmit.max_interval * (policy.retransmit.tries + 1);
  send_request(sa, ExchangeType::kInformational,
               {msg::make_payload(PayloadType::kDelete, msg::DeletePayload{msg::ProtocolId::kIke, {}})},
               std::move(out));
}

void Engine::Impl::start_dpd(IkeSa& sa) {
  Outstanding out;
  out.kind = RequestKind::kDpd;
  ++stats.dpd_sent;
  send_request(sa, ExchangeType::kInformational, {}, std::move(out));
}

namespace {
ChildSaDelete::Reason reason_for(const IkeSa& sa, const ChildSa& c, ChildSaDelete::Reason otherwise) {
  const bool successor = std::any_of(sa.children.begin(), sa.children.end(), [&](const ChildSa& o) {
    return o.reqid == c.reqid && o.inbound_spi != c.inbound_spi;
  });
  return successor ? ChildSaDelete::Reason::kRekeyed : otherwise;
}
}  // namespace

void Engine::Impl::responder_informational(IkeSa& sa, const msg::Message& m) {
  const std::uint32_t mid = m.header.message_id;
  std::vector<std::uint32_t> ours;
  bool delete_ike = false;
  for (const auto& p : m.payloads) {
    const auto* d = std::get_if<msg::DeletePayload>(&p.body);
    if (!d) continue;
    if (d->protocol == msg::ProtocolId::kIke) {
      delete_ike = true;
      continue;
    }
    if (d->protocol != msg::ProtocolId::kEsp) continue;
    for (std::uint32_t peer_in : d->spis) {
      auto it = std::find_if(sa.children.begin(), sa.children.end(),
                             [&](const ChildSa& c) { return c.outbound_spi == peer_in; });
      if (it == sa.children.end()) continue;
      // 2.25: if we are closing it ourselves, answer without a Delete for it.
      if (it->state != ChildState::kDeleting) ours.push_back(it->inbound_spi);
      const auto reason = reason_for(sa, *it, ChildSaDelete::Reason::kPeerDeleted);
      remove_child(sa, it->inbound_spi, reason);
    }
  }
  std::vector<msg::Payload> answer;
  if (!ours.empty())
    answer.push_back(
        msg::make_payload(PayloadType::kDelete, msg::DeletePayload{msg::ProtocolId::kEsp, ours}));
  send_response(sa, ExchangeType::kInformational, mid, delete_ike ? std::vector<msg::Payload>{} : answer);
  if (delete_ike) {
    log(LogLine::Level::kInfo, sa.id, "IKE SA deleted by the peer");
    remove_sa(sa,
              sa.state == SaState::kRekeyed || sa.rekeyed_into ? IkeSaDown::Reason::kRekeyed
                                                               : IkeSaDown::Reason::kPeerDeleted,
              true);
  }
}

void Engine::Impl::initiator_informational_response(IkeSa& sa, Outstanding& out, const msg::Message& m) {
  (void)m;
  switch (out.kind) {
    case RequestKind::kDeleteIke:
      remove_sa(sa, sa.rekeyed_into ? IkeSaDown::Reason::kRekeyed : IkeSaDown::Reason::kLocalDelete, true);
      return;
    case RequestKind::kDeleteChild: {
      auto it = std::find_if(sa.children.begin(), sa.children.end(),
                             [&](const ChildSa& c) { return c.inbound_spi == out.child_spi; });
      if (it != sa.children.end())
        remove_child(sa, out.child_spi, reason_for(sa, *it, ChildSaDelete::Reason::kLocalDelete));
      return;
    }
    default: return;  // DPD: last_received was refreshed on arrival
  }
}

}  // namespace hubsec::ike
