// libFuzzer target for the engine's exchange handlers: an IKE SA is set up once between two
// in-process engines, then each input becomes the plaintext inside a correctly encrypted and
// authenticated request to the responder (byte 0: exchange, byte 1: first payload type, rest: the
// payload chain). Whatever the chain holds, the engine must answer or drop, never crash; when an
// input tears the SA down, the next one builds a new SA.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "crypto.hpp"
#include "hubsec/ike/engine.hpp"
#include "hubsec/ike/message.hpp"

using namespace hubsec::ike;

namespace {

Policy make_policy(const char* ip) {
  Policy p;
  p.proposals = {
      IkeProposal{{{EncrAlg::kAesCbc, 128}}, {IntegAlg::kHmacSha1_96}, {}, {DhGroup::kCurve25519}}};
  Profile prof;
  prof.name = "P";
  prof.local_id = Identity::address(*IpAddress::parse(ip));
  prof.remote = {RemoteIdMatch{}};
  PskEntry any;
  any.address = *IpAddress::parse("0.0.0.0");
  any.address_mask = any.address;
  any.key = SecretBytes::from_string("cisco");
  prof.keyring.push_back(any);
  prof.child.proposal.pfs_group = DhGroup::kCurve25519;
  p.profiles = {prof};
  p.proposals[0].groups.push_back(DhGroup::kEcp256);
  return p;
}

struct Harness {
  Endpoint ea{*IpAddress::parse("192.0.2.1"), 500}, eb{*IpAddress::parse("192.0.2.2"), 500};
  std::unique_ptr<Engine> a, b;
  std::optional<IkeKeyLogEntry> keys;
  TimePoint now{};

  void shuttle() {
    std::deque<std::pair<bool, SendDatagram>> q;
    auto drain = [&](Engine& e, bool to_b) {
      for (auto& act : e.take_actions())
        if (auto* d = std::get_if<SendDatagram>(&act)) q.emplace_back(to_b, std::move(*d));
    };
    drain(*a, true);
    drain(*b, false);
    while (!q.empty()) {
      auto [to_b, d] = std::move(q.front());
      q.pop_front();
      (to_b ? *b : *a).on_datagram(d.remote, d.local, d.payload, now);
      drain(*a, true);
      drain(*b, false);
    }
  }

  bool ensure_sa() {
    if (b && b->snapshot(now).size() == 1 && b->snapshot(now)[0].status == IkeSaStatus::kReady && keys)
      return true;
    a = std::make_unique<Engine>(make_policy("192.0.2.1"));
    b = std::make_unique<Engine>(make_policy("192.0.2.2"));
    keys.reset();
    a->set_key_log_sink([this](const IkeKeyLogEntry& e) { keys = e; });
    a->initiate({ea, eb, ""}, now);
    shuttle();
    return keys && b->snapshot(now).size() == 1;
  }
};

Harness& harness() {
  static Harness h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 2048) return 0;
  Harness& h = harness();
  if (!h.ensure_sa()) std::abort();  // two healthy engines must always agree
  const auto snap = h.b->snapshot(h.now)[0];
  static const msg::ExchangeType kExchanges[] = {
      msg::ExchangeType::kCreateChildSa, msg::ExchangeType::kInformational, msg::ExchangeType::kIkeAuth};
  msg::Header hdr;
  hdr.initiator_spi = snap.initiator_spi;
  hdr.responder_spi = snap.responder_spi;
  hdr.exchange = kExchanges[data[0] % 3];
  hdr.flags = msg::Header::kFlagInitiator;
  hdr.message_id = snap.next_expected_id;
  // Encrypt the fuzz bytes as the SK payload's content with the initiator's keys.
  Bytes plain(data + 2, data + size);
  const std::size_t pad = 15 - plain.size() % 16;
  plain.resize(plain.size() + pad + 1, 0);
  plain.back() = static_cast<std::uint8_t>(pad);
  const Bytes iv(16, 0x5a);
  Bytes ct = crypto::aes_cbc(true, h.keys->sk_ei.view(), iv, plain);
  msg::Payload sk;
  sk.type = msg::PayloadType::kSk;
  sk.raw_type = 46;
  sk.inner_first = static_cast<msg::PayloadType>(data[1]);
  Bytes body = iv;
  body.insert(body.end(), ct.begin(), ct.end());
  body.resize(body.size() + 12, 0);
  sk.body = msg::SkPayload{body};
  Bytes wire = msg::encode_message(hdr, {sk});
  Bytes icv =
      crypto::integ_mac(IntegAlg::kHmacSha1_96, h.keys->sk_ai.view(), ByteView(wire).first(wire.size() - 12));
  std::copy(icv.begin(), icv.end(), wire.end() - 12);
  h.b->on_datagram(h.eb, h.ea, wire, h.now);
  h.shuttle();
  h.now += std::chrono::seconds(1);
  h.a->tick(h.now);
  h.b->tick(h.now);
  h.shuttle();
  return 0;
}
