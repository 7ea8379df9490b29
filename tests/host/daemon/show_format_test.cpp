// `show crypto ikev2 sa [detailed]` and `show crypto ikev2 stats` follow IOS's layout: the lines
// and column positions of IOS's output, typed here from IOS's documentation and samples.
#include "hubsec/host/daemon/show_format.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace hubsec::host::daemon {
namespace {

ike::IkeSaSnapshot sample() {
  ike::IkeSaSnapshot sa;
  sa.id = 1;
  sa.local = ike::Endpoint{*ike::IpAddress::parse("192.0.2.1"), 4500};
  sa.remote = ike::Endpoint{*ike::IpAddress::parse("192.0.2.2"), 4500};
  sa.status = ike::IkeSaStatus::kReady;
  sa.initiator = false;
  sa.encr_key_bits = 256;
  sa.integrity = ike::IntegAlg::kHmacSha2_256_128;
  sa.prf = ike::PrfAlg::kHmacSha2_256;
  sa.dh_group = ike::DhGroup::kModp2048;
  sa.lifetime_seconds = 86400;
  sa.active_seconds = 563;
  sa.initiator_spi = 0x902888ED4634E9EBull;
  sa.responder_spi = 0x11FEB1839ECFF9F4ull;
  sa.local_id = ike::Identity::address(*ike::IpAddress::parse("1.1.1.1"));
  sa.remote_id = ike::Identity::address(*ike::IpAddress::parse("192.0.2.2"));
  sa.nat_remote = true;
  sa.dpd_interval = std::chrono::seconds(10);
  sa.next_request_id = 2;
  sa.next_expected_id = 3;
  return sa;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    out.push_back(l);
  }
  return out;
}

TEST(ShowFormat, SaSummaryMatchesIosLayout) {
  auto out = lines(show_ikev2_sa({sample()}, false));
  ASSERT_GE(out.size(), 8u);
  EXPECT_EQ(out[0], " IPv4 Crypto IKEv2  SA ");
  EXPECT_EQ(out[2], "Tunnel-id Local                 Remote                fvrf/ivrf            Status ");
  EXPECT_EQ(out[3], "1         192.0.2.1/4500        192.0.2.2/4500        none/none            READY  ");
  EXPECT_EQ(out[4],
            "      Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:14, Auth sign: PSK, Auth "
            "verify: PSK");
  EXPECT_EQ(out[5], "      Life/Active Time: 86400/563 sec");
  EXPECT_NE(std::find(out.begin(), out.end(), " IPv6 Crypto IKEv2  SA "), out.end());
  // Columns line up under the header.
  EXPECT_EQ(out[3].find("192.0.2.2"), out[2].find("Remote"));
  EXPECT_EQ(out[3].find("READY"), out[2].find("Status"));
}

TEST(ShowFormat, SaDetailedMatchesIosLayout) {
  auto sa = sample();
  ike::ChildSaSnapshot child;
  child.inbound_spi = 0xC1A2B3D4;
  child.outbound_spi = 0x0000BEEF;
  child.mode = ike::ChildMode::kTunnel;
  sa.children.push_back(child);
  std::string text = show_ikev2_sa({sa}, true, {ShowContext{3}});
  auto out = lines(text);
  auto has = [&](const std::string& l) { return std::find(out.begin(), out.end(), l) != out.end(); };
  EXPECT_TRUE(has("      Status Description: Negotiation done"));
  // Responder: our SPI is the responder's.
  EXPECT_TRUE(has("      Local spi: 11FEB1839ECFF9F4       Remote spi: 902888ED4634E9EB"));
  EXPECT_TRUE(has("      Local id: 1.1.1.1"));
  EXPECT_TRUE(has("      Remote id: 192.0.2.2"));
  EXPECT_TRUE(has("      DPD configured for 10 seconds, retry 3"));
  EXPECT_TRUE(has("      Fragmentation not configured."));
  EXPECT_TRUE(has("      Extended Authentication not configured."));
  EXPECT_TRUE(has("      Initiator of SA : No"));
  EXPECT_NE(text.find("NAT-T is detected outside"), std::string::npos);
  EXPECT_NE(text.find("Local req msg id:  2"), std::string::npos);
  EXPECT_NE(text.find("Remote req msg id:  3"), std::string::npos);
  EXPECT_NE(text.find("in 0xC1A2B3D4 out 0x0000BEEF, esp-aes 256 esp-sha-hmac, Tunnel"), std::string::npos);
}

TEST(ShowFormat, NegotiatingAndDeletingStatusWords) {
  EXPECT_EQ(ios_status(ike::IkeSaStatus::kInitSent), "IN-NEG");
  EXPECT_EQ(ios_status(ike::IkeSaStatus::kAuthSent), "IN-NEG");
  EXPECT_EQ(ios_status(ike::IkeSaStatus::kReady), "READY");
  EXPECT_EQ(ios_status(ike::IkeSaStatus::kDeleting), "DELETE");
}

TEST(ShowFormat, StatsMatchIosLayout) {
  ike::EngineStats s;
  s.incoming_sas = 3;
  s.incoming_active = 2;
  s.incoming_negotiating = 1;
  s.incoming_requests = 7;
  s.incoming_accepted = 5;
  s.incoming_rejected = 2;
  s.dropped_at_dispatch = 4;
  auto out = lines(show_ikev2_stats(s, 0, 1000));
  EXPECT_EQ(out[0], std::string(80, '-'));
  EXPECT_EQ(out[1], "                      Crypto IKEv2 SA Statistics");
  EXPECT_EQ(out[3],
            "System Resource Limit:   0        Max IKEv2 SAs: 0        Max in nego(in/out): 1000/1000");
  EXPECT_EQ(out[4], "Total incoming IKEv2 SA Count:    3        active:        2        negotiating: 1");
  EXPECT_EQ(out[5], "Total outgoing IKEv2 SA Count:    0        active:        0        negotiating: 0");
  EXPECT_EQ(out[6], "Incoming IKEv2 Requests: 7        accepted:      5        rejected:    2");
  EXPECT_EQ(out[8], "Rejected IKEv2 Requests: 2        rsrc low:      0        SA limit:    0");
  EXPECT_EQ(out[9], "IKEv2 packets dropped at dispatch: 4");
  EXPECT_EQ(out[10], "Incoming IKEV2 Cookie Challenged Requests: 0");
  EXPECT_EQ(out[12], "Total Deleted sessions of Cert Revoked Peers: 0");
}

TEST(ShowFormat, StatsEndWithTheSocketCountersIncludingPort4500QueueDrops) {
  IkeSocketCounters c;
  c.keepalives = 2;
  c.malformed = 3;
  c.send_errors = 0;
  c.natt_queue_drops = 100;
  const auto out = lines(show_ike_socket_counters(c));
  ASSERT_EQ(out.size(), 4u);
  // The first three as hubsecd printed them before (scripts match `NAT keepalives received +N`).
  EXPECT_EQ(out[0], "  NAT keepalives received    2");
  EXPECT_EQ(out[1], "  malformed datagrams        3");
  EXPECT_EQ(out[2], "  send errors                0");
  EXPECT_EQ(out[3], "  4500 non-ESP queue drops   100");
}

}  // namespace
}  // namespace hubsec::host::daemon
