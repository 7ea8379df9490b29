// Writes a few valid IKE messages as the fuzzer's seed corpus (run by the fuzz test before fuzzing).
#include <cstdio>
#include <string>

#include "hubsec/ike/message.hpp"
#include "proposals.hpp"

using namespace hubsec::ike;
using namespace hubsec::ike::msg;

static void write(const std::string& dir, const char* name, const Bytes& b) {
  std::FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
  if (!f) return;
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string dir = argv[1];
  Header h;
  h.initiator_spi = 0x0102030405060708ull;
  h.exchange = ExchangeType::kIkeSaInit;
  h.flags = Header::kFlagInitiator;
  std::vector<IkeProposal> ours{{{{EncrAlg::kAesCbc, 256}, {EncrAlg::kAesCbc, 128}},
                                 {IntegAlg::kHmacSha2_256_128, IntegAlg::kHmacSha1_96},
                                 {},
                                 {DhGroup::kModp2048, DhGroup::kEcp256}}};
  std::vector<Payload> init{make_payload(PayloadType::kSa, detail::ike_offer(ours, {})),
                            make_payload(PayloadType::kKe, KePayload{19, Bytes(64, 7)}),
                            make_payload(PayloadType::kNonce, NoncePayload{Bytes(32, 4)}),
                            make_notify(notify::kNatDetectionSourceIp, Bytes(20, 1)),
                            make_notify(notify::kIkev2FragmentationSupported)};
  write(dir, "ike_sa_init", encode_message(h, init));
  ChildProposal cp;
  cp.esn = true;
  TsPayload ts;
  ts.selectors.push_back(TrafficSelector::host(*IpAddress::parse("192.0.2.1"), 47));
  std::vector<Payload> auth{
      make_payload(PayloadType::kIdi, IdPayload{Identity::fqdn("spoke.example"), {}}),
      make_payload(PayloadType::kAuth, AuthPayload{2, Bytes(32, 3)}),
      make_payload(PayloadType::kSa, detail::esp_offer(cp, 0x11223344, DhGroup::kEcp256)),
      make_payload(PayloadType::kTsi, ts),
      make_payload(PayloadType::kTsr, ts),
      make_notify(notify::kRekeySa, {}, ProtocolId::kEsp, {1, 2, 3, 4}),
      make_payload(PayloadType::kDelete, DeletePayload{ProtocolId::kEsp, {0x1000}}),
      make_payload(PayloadType::kCp, CpPayload{1, {{1, {}}}}),
      make_payload(PayloadType::kVendorId, VendorIdPayload{Bytes(16, 9)})};
  h.exchange = ExchangeType::kIkeAuth;
  write(dir, "ike_auth_plain", encode_message(h, auth));
  Payload sk;
  sk.type = PayloadType::kSkf;
  sk.inner_first = PayloadType::kIdi;
  sk.body = SkfPayload{1, 3, Bytes(64, 5)};
  write(dir, "skf", encode_message(h, {sk}));
  if (argc < 3) return 0;
  // Engine fuzzer seeds: exchange selector, first payload type, then an inner payload chain.
  const std::string edir = argv[2];
  auto inner = [&](const char* name, std::uint8_t exchange, const std::vector<Payload>& chain) {
    PayloadType first = PayloadType::kNone;
    Bytes body = encode_payloads(chain, &first);
    Bytes out{exchange, static_cast<std::uint8_t>(first)};
    out.insert(out.end(), body.begin(), body.end());
    write(edir, name, out);
  };
  ChildProposal pfs;
  pfs.pfs_group = DhGroup::kCurve25519;
  TsPayload tsa, tsb;
  tsa.selectors.push_back(TrafficSelector::host(*IpAddress::parse("192.0.2.1"), 47));
  tsb.selectors.push_back(TrafficSelector::host(*IpAddress::parse("192.0.2.2"), 47));
  inner("new_child", 0,
        {make_payload(PayloadType::kSa, detail::esp_offer(pfs, 0x01020304, DhGroup::kCurve25519)),
         make_payload(PayloadType::kNonce, NoncePayload{Bytes(32, 1)}),
         make_payload(PayloadType::kKe, KePayload{31, Bytes(32, 9)}), make_payload(PayloadType::kTsi, tsa),
         make_payload(PayloadType::kTsr, tsb), make_notify(notify::kUseTransportMode)});
  inner("rekey_child", 0,
        {make_notify(notify::kRekeySa, {}, ProtocolId::kEsp, {1, 2, 3, 4}),
         make_payload(PayloadType::kSa, detail::esp_offer(pfs, 0x01020305, DhGroup::kCurve25519)),
         make_payload(PayloadType::kNonce, NoncePayload{Bytes(32, 2)}),
         make_payload(PayloadType::kKe, KePayload{31, Bytes(32, 9)}), make_payload(PayloadType::kTsi, tsa),
         make_payload(PayloadType::kTsr, tsb)});
  std::vector<IkeProposal> ike{
      {{{EncrAlg::kAesCbc, 128}}, {IntegAlg::kHmacSha1_96}, {}, {DhGroup::kCurve25519}}};
  inner("rekey_ike", 0,
        {make_payload(PayloadType::kSa, detail::ike_offer(ike, Bytes(8, 7))),
         make_payload(PayloadType::kNonce, NoncePayload{Bytes(32, 3)}),
         make_payload(PayloadType::kKe, KePayload{31, Bytes(32, 9)})});
  inner("delete_esp", 1, {make_payload(PayloadType::kDelete, DeletePayload{ProtocolId::kEsp, {0x01020304}})});
  inner("delete_ike", 1, {make_payload(PayloadType::kDelete, DeletePayload{ProtocolId::kIke, {}})});
  inner("notify", 1,
        {make_notify(notify::kInitialContact), make_payload(PayloadType::kCp, CpPayload{1, {{1, {}}}})});
  inner("auth", 2, auth);
  return 0;
}
