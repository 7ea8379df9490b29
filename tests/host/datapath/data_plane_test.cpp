// The data plane end to end in memory: a hub and a spoke, each a DataPlane on its own SoftEspOffload,
// with mirrored Child SAs as IKE installs them. The ESP on the "wire" is opened by OpenSSL directly
// (EVP AES-256-CBC, EVP_MAC HMAC-SHA1) to check it carries GRE, not by our own ESP code.
#include "hubsec/host/datapath/data_plane.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "capture_io.hpp"
#include "hubsec/driver/ipv4.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"
#include "hubsec/host/daemon/logger.hpp"
#include "hubsec/host/datapath/gre.hpp"

namespace hubsec::host::datapath {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t kHubNbma = 0xc0000201, kSpokeNbma = 0xc0000202;  // 192.0.2.1, .2
constexpr std::uint32_t kHubTunnel = 0x0a000001, kSpokeTunnel = 0x0a000002;

using testing::CaptureIo;

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  return b;
}

struct Keys {
  std::uint32_t spi;
  Bytes enc, integ;
};

Keys new_keys(std::uint32_t spi) {
  return Keys{spi, random_bytes(32), random_bytes(20)};
}

ike::ChildSaInstall install_event(std::uint32_t reqid, const Keys& in, const Keys& out, std::uint32_t local,
                                  std::uint32_t remote, ike::ChildMode mode,
                                  std::vector<ike::TrafficSelector> lts,
                                  std::vector<ike::TrafficSelector> rts, bool udp = false) {
  ike::ChildSaInstall ev;
  ike::ChildSaInfo& sa = ev.sa;
  sa.ike_sa = 1;
  sa.reqid = reqid;
  sa.mode = mode;
  sa.inbound.spi = in.spi;
  sa.inbound.encryption = ike::SecretBytes(in.enc);
  sa.inbound.integrity = ike::SecretBytes(in.integ);
  sa.outbound.spi = out.spi;
  sa.outbound.encryption = ike::SecretBytes(out.enc);
  sa.outbound.integrity = ike::SecretBytes(out.integ);
  sa.local = ike::Endpoint{ike::IpAddress::v4(local), static_cast<std::uint16_t>(udp ? 4500 : 500)};
  sa.remote = ike::Endpoint{ike::IpAddress::v4(remote), static_cast<std::uint16_t>(udp ? 4500 : 500)};
  sa.udp_encap = udp;
  sa.local_ts = std::move(lts);
  sa.remote_ts = std::move(rts);
  sa.lifetime.seconds = std::chrono::seconds(3600);
  sa.lifetime.kilobytes = 4608000;
  return ev;
}

std::vector<ike::TrafficSelector> gre_host(std::uint32_t a) {
  return {ike::TrafficSelector::host(ike::IpAddress::v4(a), kIpProtoGre)};
}

Bytes icmp(std::uint32_t src, std::uint32_t dst, std::uint8_t fill = 0x5a) {
  driver::Ipv4Header h;
  h.protocol = 1;
  h.src = src;
  h.dst = dst;
  Bytes body(40, fill);
  body[0] = 8;  // echo request (the data plane does not look inside)
  return driver::build_ipv4_packet(h, body);
}

// Opens an IP/ESP packet with OpenSSL: verifies HMAC-SHA1-96, decrypts AES-256-CBC, returns the
// payload and next header (empty payload on any failure).
Bytes open_esp(const Bytes& packet, const Keys& k, std::uint8_t& next_header) {
  const Bytes esp(packet.begin() + 20, packet.end());
  if (esp.size() < 8 + 16 + 16 + 12) {
    return {};
  }
  const std::size_t icv_at = esp.size() - 12;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  std::uint8_t full[20];
  std::size_t full_len = 0;
  EVP_MAC_init(mctx, k.integ.data(), k.integ.size(), params);
  EVP_MAC_update(mctx, esp.data(), icv_at);
  EVP_MAC_final(mctx, full, &full_len, sizeof full);
  EVP_MAC_CTX_free(mctx);
  EVP_MAC_free(mac);
  if (full_len != 20 || CRYPTO_memcmp(full, esp.data() + icv_at, 12) != 0) {
    return {};
  }
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  Bytes plain(icv_at - 24 + 16);
  int n1 = 0, n2 = 0;
  EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), nullptr, k.enc.data(), esp.data() + 8);
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_DecryptUpdate(c, plain.data(), &n1, esp.data() + 24, static_cast<int>(icv_at - 24));
  EVP_DecryptFinal_ex(c, plain.data() + n1, &n2);
  EVP_CIPHER_CTX_free(c);
  plain.resize(static_cast<std::size_t>(n1 + n2));
  next_header = plain.back();
  const std::size_t pad = plain[plain.size() - 2];
  plain.resize(plain.size() - 2 - pad);
  return plain;
}

class DataPlaneTest : public ::testing::Test {
 protected:
  DataPlaneTest() {
    DataPlaneConfig hub_cfg;
    hub_cfg.local_nbma = kHubNbma;
    hub_cfg.tunnel_address = kHubTunnel;
    hub_cfg.tunnel_mask = 0xffffff00;
    DataPlaneConfig spoke_cfg = hub_cfg;
    spoke_cfg.local_nbma = kSpokeNbma;
    spoke_cfg.tunnel_address = kSpokeTunnel;
    spoke_cfg.static_nhrp[kHubTunnel] = kHubNbma;  // ip nhrp nhs 10.0.0.1 nbma 192.0.2.1
    spoke_cfg.tcp_adjust_mss = 1360;               // ip tcp adjust-mss 1360
    hub = std::make_unique<DataPlane>(hub_offload, hub_io, log, hub_cfg);
    spoke = std::make_unique<DataPlane>(spoke_offload, spoke_io, log, spoke_cfg);
  }

  // The GRE Child SA between hub and spoke, as each side's IKE would install it.
  void connect(std::uint32_t reqid, const Keys& to_spoke, const Keys& to_hub, std::uint32_t replaces_hub = 0,
               std::uint32_t replaces_spoke = 0) {
    auto hub_ev = install_event(reqid, to_hub, to_spoke, kHubNbma, kSpokeNbma, ike::ChildMode::kTransport,
                                gre_host(kHubNbma), gre_host(kSpokeNbma));
    hub_ev.replaces_inbound_spi = replaces_hub;
    auto spoke_ev = install_event(reqid, to_spoke, to_hub, kSpokeNbma, kHubNbma, ike::ChildMode::kTransport,
                                  gre_host(kSpokeNbma), gre_host(kHubNbma));
    spoke_ev.replaces_inbound_spi = replaces_spoke;
    hub->install(hub_ev);
    spoke->install(spoke_ev);
  }

  static void send(DataPlane& dp, const Bytes& p) {
    Packet v(p);
    dp.from_tunnel(std::span<const Packet>(&v, 1));
  }
  static void receive(DataPlane& dp, const Bytes& p) {
    Packet v(p);
    dp.from_network(std::span<const Packet>(&v, 1));
  }

  std::FILE* null_log = std::fopen("/dev/null", "w");
  daemon::Logger log{null_log};
  driver::SoftEspOffload hub_offload, spoke_offload;
  CaptureIo hub_io, spoke_io;
  std::unique_ptr<DataPlane> hub, spoke;
  Keys h2s = new_keys(0x1000a), s2h = new_keys(0x2000b);

  ~DataPlaneTest() override {
    hub.reset();
    spoke.reset();
    std::fclose(null_log);
  }
};

TEST_F(DataPlaneTest, SpokeToHubIsGreInTransportEspAndArrivesIntact) {
  connect(1, h2s, s2h);
  const Bytes ping = icmp(kSpokeTunnel, kHubTunnel);
  send(*spoke, ping);
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  const Bytes& wire = spoke_io.outer[0];
  auto outer = driver::parse_ipv4(wire);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->protocol, 50);
  EXPECT_EQ(outer->src, kSpokeNbma);
  EXPECT_EQ(outer->dst, kHubNbma);
  EXPECT_EQ(std::search(wire.begin(), wire.end(), ping.begin() + 20, ping.end()), wire.end())
      << "the inner packet is visible in clear";
  // OpenSSL opens it: SPI of the hub's inbound SA, next header GRE, GRE carrying the ping.
  EXPECT_EQ((std::uint32_t{wire[20]} << 24 | std::uint32_t{wire[21]} << 16 | std::uint32_t{wire[22]} << 8 |
             wire[23]),
            s2h.spi);
  std::uint8_t nh = 0;
  Bytes gre = open_esp(wire, s2h, nh);
  EXPECT_EQ(nh, 47);
  ASSERT_EQ(gre.size(), 4 + ping.size());
  EXPECT_EQ(Bytes(gre.begin(), gre.begin() + 4), (Bytes{0, 0, 0x08, 0x00}));
  EXPECT_EQ(Bytes(gre.begin() + 4, gre.end()), ping);

  receive(*hub, wire);
  ASSERT_EQ(hub_io.inner.size(), 1u);
  EXPECT_EQ(hub_io.inner[0], ping);
  // The hub learned where 10.0.0.2 lives, and the reply goes back the same way.
  auto peers = hub->nhrp_peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].tunnel, kSpokeTunnel);
  EXPECT_EQ(peers[0].nbma, kSpokeNbma);
  const Bytes reply = icmp(kHubTunnel, kSpokeTunnel, 0x33);
  send(*hub, reply);
  ASSERT_EQ(hub_io.outer.size(), 1u);
  receive(*spoke, hub_io.outer[0]);
  ASSERT_EQ(spoke_io.inner.size(), 1u);
  EXPECT_EQ(spoke_io.inner[0], reply);
  EXPECT_NE(hub->show_ipsec_sa().find("#pkts encaps: 1, #pkts encrypt: 1, #pkts digest: 1"),
            std::string::npos);
  EXPECT_NE(hub->show_ipsec_sa().find("#pkts decaps: 1, #pkts decrypt: 1, #pkts verify: 1"),
            std::string::npos);
  EXPECT_NE(hub->show_dmvpn().find("192.0.2.2        10.0.0.2    UP"), std::string::npos)
      << hub->show_dmvpn();
}

TEST_F(DataPlaneTest, NoSaMeansDropAndCountNeverClear) {
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  EXPECT_TRUE(spoke_io.outer.empty());
  EXPECT_EQ(spoke->counters().no_sa_drops, 1u);
  send(*hub, icmp(kHubTunnel, 0x0a000009));  // the hub has no NHRP entry for 10.0.0.9
  EXPECT_TRUE(hub_io.outer.empty());
  EXPECT_EQ(hub->counters().no_nhrp_drops, 1u);
  Bytes v6(40, 0);
  v6[0] = 0x60;  // an IPv6 header (the kernel's router solicitations on the TUN device)
  send(*spoke, v6);
  EXPECT_TRUE(spoke_io.outer.empty());
  EXPECT_EQ(spoke->counters().non_ipv4_drops, 1u);
  // After the delete, the same holds again.
  connect(1, h2s, s2h);
  spoke->remove(ike::ChildSaDelete{1, h2s.spi, s2h.spi, ike::ChildSaDelete::Reason::kPeerDeleted});
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  EXPECT_TRUE(spoke_io.outer.empty());
  EXPECT_EQ(spoke->counters().no_sa_drops, 2u);
}

TEST_F(DataPlaneTest, SpokeSendsUnknownTunnelDestinationsToItsHub) {
  connect(1, h2s, s2h);
  const Bytes to_other_spoke = icmp(kSpokeTunnel, 0x0a000003);
  send(*spoke, to_other_spoke);
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  EXPECT_EQ(driver::parse_ipv4(spoke_io.outer[0])->dst, kHubNbma);
  receive(*hub, spoke_io.outer[0]);
  ASSERT_EQ(hub_io.inner.size(), 1u);  // the hub's kernel routes it on to 10.0.0.3
  EXPECT_EQ(hub_io.inner[0], to_other_spoke);
}

TEST_F(DataPlaneTest, SpokeRegistersWithTheHubByNhrp) {
  const auto now = std::chrono::steady_clock::now();
  spoke->tick(now);  // no SA yet: nothing sent, in clear or otherwise
  EXPECT_TRUE(spoke_io.outer.empty());
  connect(1, h2s, s2h);
  spoke->tick(now + std::chrono::seconds(2));
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  std::uint8_t nh = 0;
  Bytes gre = open_esp(spoke_io.outer[0], s2h, nh);
  ASSERT_GE(gre.size(), 4u);
  EXPECT_EQ(Bytes(gre.begin(), gre.begin() + 4), (Bytes{0, 0, 0x20, 0x01}));  // GRE carrying NHRP
  receive(*hub, spoke_io.outer[0]);
  EXPECT_TRUE(hub_io.inner.empty());
  auto peers = hub->nhrp_peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].tunnel, kSpokeTunnel);
  EXPECT_EQ(peers[0].nbma, kSpokeNbma);
  EXPECT_TRUE(peers[0].dynamic);
  ASSERT_EQ(hub_io.outer.size(), 1u);  // the Registration Reply, in ESP
  EXPECT_FALSE(spoke->registered());
  receive(*spoke, hub_io.outer[0]);
  EXPECT_TRUE(spoke->registered());
  const auto c = hub->counters();
  EXPECT_EQ(c.nhrp_requests_received, 1u);
  EXPECT_EQ(c.nhrp_replies_sent, 1u);
  EXPECT_EQ(spoke->counters().nhrp_replies_received, 1u);
  spoke->tick(now + std::chrono::seconds(4));  // registered: the next one is holding time / 3 away
  EXPECT_EQ(spoke_io.outer.size(), 1u);
  // The hub cleared the SAs (and with them its NHRP entry); IKE brings a new SA up: the spoke
  // registers again at once, not a holding time later. A rekey does not.
  spoke->remove(ike::ChildSaDelete{1, h2s.spi, s2h.spi, ike::ChildSaDelete::Reason::kPeerDeleted});
  hub->remove(ike::ChildSaDelete{1, s2h.spi, h2s.spi, ike::ChildSaDelete::Reason::kPeerDeleted});
  EXPECT_TRUE(hub->nhrp_peers().empty());
  const Keys h2s2 = new_keys(0x3000c), s2h2 = new_keys(0x4000d);
  connect(2, h2s2, s2h2);
  spoke->tick(now + std::chrono::seconds(5));
  ASSERT_EQ(spoke_io.outer.size(), 2u) << "no registration on the new SA";
  receive(*hub, spoke_io.outer[1]);
  EXPECT_EQ(hub->nhrp_peers().size(), 1u);
  receive(*spoke, hub_io.outer.at(1));
  EXPECT_TRUE(spoke->registered());
  connect(2, new_keys(0x5000e), new_keys(0x6000f), s2h2.spi, h2s2.spi);
  spoke->tick(now + std::chrono::seconds(6));
  EXPECT_EQ(spoke_io.outer.size(), 2u) << "a rekey made the spoke register again";
}

TEST_F(DataPlaneTest, AdjustMssClampsSynsEnteringTheTunnel) {
  connect(1, h2s, s2h);
  driver::Ipv4Header h;
  h.protocol = 6;
  h.src = kSpokeTunnel;
  h.dst = kHubTunnel;
  Bytes tcp{0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0,    0,
            0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 0x05, 0xb4};
  send(*spoke, driver::build_ipv4_packet(h, tcp));
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  receive(*hub, spoke_io.outer[0]);
  ASSERT_EQ(hub_io.inner.size(), 1u);
  ASSERT_EQ(hub_io.inner[0].size(), 44u);
  EXPECT_EQ((hub_io.inner[0][42] << 8) | hub_io.inner[0][43], 1360);
}

TEST_F(DataPlaneTest, EndpointUpdateMovesTheSaToUdpEncapsulationAndKeepsTheSequence) {
  connect(1, h2s, s2h);
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  receive(*hub, spoke_io.outer.at(0));
  const Bytes old_raw = spoke_io.outer.at(0);
  // NAT detected later: both sides float to UDP 4500 (the spoke's mapping is port 4501 at the hub).
  const ike::Endpoint hub_ep{ike::IpAddress::v4(kHubNbma), 4500};
  const ike::Endpoint spoke_ep{ike::IpAddress::v4(kSpokeNbma), 4501};
  spoke->update(
      ike::ChildSaUpdate{h2s.spi, ike::Endpoint{ike::IpAddress::v4(kSpokeNbma), 4500}, hub_ep, true});
  hub->update(ike::ChildSaUpdate{s2h.spi, hub_ep, spoke_ep, true});
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel, 0x44));
  ASSERT_EQ(spoke_io.outer.size(), 2u);
  const Bytes& w = spoke_io.outer[1];
  auto outer = driver::parse_ipv4(w);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->protocol, 17);
  EXPECT_EQ((w[20] << 8) | w[21], 4500);
  // Sequence number 2: the moved SA continued where the old one stopped.
  EXPECT_EQ((std::uint32_t{w[32]} << 24 | std::uint32_t{w[33]} << 16 | std::uint32_t{w[34]} << 8 | w[35]),
            2u);
  hub->esp_in_udp(hub_ep, spoke_ep, ike::ByteView(w.data() + 28, w.size() - 28));
  ASSERT_EQ(hub_io.inner.size(), 2u);
  EXPECT_EQ(hub_io.inner[1], icmp(kSpokeTunnel, kHubTunnel, 0x44));
  // The hub's replies now go out in UDP to the NAT's port.
  send(*hub, icmp(kHubTunnel, kSpokeTunnel));
  ASSERT_EQ(hub_io.outer.size(), 1u);
  EXPECT_EQ((hub_io.outer[0][22] << 8) | hub_io.outer[0][23], 4501);
  // The first packet replayed (now in UDP) is refused: the window resumed at sequence 1.
  hub->esp_in_udp(hub_ep, spoke_ep, ike::ByteView(old_raw.data() + 20, old_raw.size() - 20));
  EXPECT_EQ(hub_io.inner.size(), 2u);
  // The flow's counters carried on across the re-install (the backend's restarted).
  const std::string show = hub->show_ipsec_sa();
  EXPECT_NE(show.find("    #pkts decaps: 2, #pkts decrypt: 2, #pkts verify: 2\n"), std::string::npos) << show;
  EXPECT_NE(show.find("    #send errors 0, #recv errors 1\n"), std::string::npos) << show;
  EXPECT_NE(show.find("   current_peer 192.0.2.2 port 4501\n"), std::string::npos) << show;
}

TEST_F(DataPlaneTest, UnsupportedTransformIsRefusedAndItsTrafficDropped) {
  auto ev = install_event(1, h2s, s2h, kSpokeNbma, kHubNbma, ike::ChildMode::kTransport, gre_host(kSpokeNbma),
                          gre_host(kHubNbma));
  ev.sa.encryption = ike::EspEncr::kAesCbc128;
  ev.sa.inbound.encryption = ike::SecretBytes(random_bytes(16));
  ev.sa.outbound.encryption = ike::SecretBytes(random_bytes(16));
  spoke->install(ev);
  EXPECT_EQ(spoke->counters().install_refused, 1u);
  EXPECT_EQ(spoke->sa_count(), 0u);
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  EXPECT_TRUE(spoke_io.outer.empty());
}

TEST_F(DataPlaneTest, TamperedReplayedAndUnknownSpiAreDroppedAndCounted) {
  connect(1, h2s, s2h);
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  Bytes tampered = spoke_io.outer[0];
  tampered[40] ^= 0x01;
  receive(*hub, tampered);
  EXPECT_TRUE(hub_io.inner.empty());
  receive(*hub, spoke_io.outer[0]);
  receive(*hub, spoke_io.outer[0]);  // replayed
  EXPECT_EQ(hub_io.inner.size(), 1u);
  Bytes unknown = spoke_io.outer[0];
  unknown[23] ^= 0xff;
  receive(*hub, unknown);
  EXPECT_EQ(hub_io.inner.size(), 1u);
  auto c = hub->counters();
  EXPECT_EQ(c.unknown_spi_drops, 0u) << "counted as dropped while it may still be decrypted";
  EXPECT_EQ(c.held_esp, 1u);
  hub->tick(std::chrono::steady_clock::now() + std::chrono::seconds(1));  // no SA came for it
  c = hub->counters();
  EXPECT_EQ(c.crypto_drops, 2u);
  EXPECT_EQ(c.unknown_spi_drops, 1u);
  EXPECT_EQ(c.held_esp, 0u);
  EXPECT_EQ(c.network_in, 4u);
  const std::string show = hub->show_ipsec_sa(true);
  EXPECT_NE(show.find("    #pkts invalid prot (recv) 0, #pkts verify failed: 1\n"), std::string::npos)
      << show;
  EXPECT_NE(show.find("    #pkts replay failed (rcv): 1\n"), std::string::npos) << show;
  EXPECT_NE(hub->show_ipsec_sa().find("    #send errors 0, #recv errors 2\n"), std::string::npos);
  receive(*hub, Bytes{0x45, 0x00});  // not even an IPv4 header
  EXPECT_EQ(hub->counters().malformed_drops, 1u);
}

TEST_F(DataPlaneTest, EspArrivingJustBeforeItsSaIsInstalledIsDecryptedAtTheInstall) {
  // A rekey's responder sends on the new SA as soon as it has answered; the initiator installs it when
  // the answer is in (slow on the Verilator card). ESP on that SPI in between waits, it is not lost.
  auto hub_ev = install_event(1, s2h, h2s, kHubNbma, kSpokeNbma, ike::ChildMode::kTransport,
                              gre_host(kHubNbma), gre_host(kSpokeNbma));
  auto spoke_ev = install_event(1, h2s, s2h, kSpokeNbma, kHubNbma, ike::ChildMode::kTransport,
                                gre_host(kSpokeNbma), gre_host(kHubNbma));
  spoke->install(spoke_ev);
  const Bytes ping = icmp(kSpokeTunnel, kHubTunnel);
  send(*spoke, ping);
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  receive(*hub, spoke_io.outer[0]);
  EXPECT_TRUE(hub_io.inner.empty());
  EXPECT_EQ(hub->counters().unknown_spi_drops, 0u);
  EXPECT_EQ(hub->counters().held_esp, 1u);
  hub->install(hub_ev);
  ASSERT_EQ(hub_io.inner.size(), 1u);
  EXPECT_EQ(hub_io.inner[0], ping);
  const auto c = hub->counters();
  EXPECT_EQ(c.unknown_spi_drops, 0u);
  EXPECT_EQ(c.held_esp, 0u);
  EXPECT_EQ(c.network_in, 1u);
}

// The ESP of a batch leaves through PacketIo::send_outer_batch; each packet that did not leave is a
// send error of the data path and of its SA (IOS: #send errors), the others are sent.
TEST_F(DataPlaneTest, SendErrorsInABatchAreCountedPerPacketAndPerSa) {
  connect(1, h2s, s2h);
  spoke_io.refuse_every = 2;
  std::vector<Bytes> pings;
  for (std::uint8_t i = 0; i < 6; ++i) {
    pings.push_back(icmp(kSpokeTunnel, kHubTunnel, i));
  }
  std::vector<Packet> batch(pings.begin(), pings.end());
  spoke->from_tunnel(batch);
  EXPECT_EQ(spoke_io.outer.size(), 3u);
  EXPECT_EQ(spoke->counters().send_errors, 3u);
  EXPECT_NE(spoke->show_ipsec_sa().find("    #send errors 3, #recv errors 0\n"), std::string::npos)
      << spoke->show_ipsec_sa();
  for (const auto& w : spoke_io.outer) {
    receive(*hub, w);
  }
  ASSERT_EQ(hub_io.inner.size(), 3u);
  EXPECT_EQ(hub_io.inner[0], pings[0]);
  EXPECT_EQ(hub_io.inner[1], pings[2]);
  EXPECT_EQ(hub_io.inner[2], pings[4]);
}

// Held ESP is an unknown-SPI drop exactly once: when it expires (tick), when newer held packets push
// it out (at most 64 wait), never when its SA arrives; network_in counts each packet once.
TEST_F(DataPlaneTest, HeldEspIsCountedAsUnknownSpiOnlyWhenItExpiresOrIsPushedOut) {
  spoke->install(install_event(1, h2s, s2h, kSpokeNbma, kHubNbma, ike::ChildMode::kTransport,
                               gre_host(kSpokeNbma), gre_host(kHubNbma)));
  constexpr std::size_t kSent = 70;  // 6 more than are held
  for (std::size_t i = 0; i < kSent; ++i) {
    send(*spoke, icmp(kSpokeTunnel, kHubTunnel, static_cast<std::uint8_t>(i)));
  }
  ASSERT_EQ(spoke_io.outer.size(), kSent);
  for (const auto& w : spoke_io.outer) {
    receive(*hub, w);
  }
  auto c = hub->counters();
  EXPECT_EQ(c.network_in, kSent);
  EXPECT_EQ(c.held_esp, 64u);
  EXPECT_EQ(c.unknown_spi_drops, kSent - 64);
  hub->install(install_event(1, s2h, h2s, kHubNbma, kSpokeNbma, ike::ChildMode::kTransport,
                             gre_host(kHubNbma), gre_host(kSpokeNbma)));
  ASSERT_EQ(hub_io.inner.size(), 64u);
  EXPECT_EQ(hub_io.inner.front()[20 + 8], static_cast<std::uint8_t>(kSent - 64)) << "not the newest 64";
  c = hub->counters();
  EXPECT_EQ(c.network_in, kSent);
  EXPECT_EQ(c.held_esp, 0u);
  EXPECT_EQ(c.unknown_spi_drops, kSent - 64);
  hub->tick(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  EXPECT_EQ(hub->counters().unknown_spi_drops, kSent - 64) << "a decrypted packet counted as dropped";
  // One more for an SPI that never comes: held, then dropped and counted once when it expires.
  Bytes stray = spoke_io.outer[0];
  stray[23] ^= 0xff;
  receive(*hub, stray);
  EXPECT_EQ(hub->counters().held_esp, 1u);
  hub->tick(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  hub->tick(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  c = hub->counters();
  EXPECT_EQ(c.held_esp, 0u);
  EXPECT_EQ(c.unknown_spi_drops, kSent - 64 + 1);
  EXPECT_EQ(c.network_in, kSent + 1);
}

TEST_F(DataPlaneTest, RekeyIsMakeBeforeBreak) {
  connect(1, h2s, s2h);
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  const Bytes old_sa_packet = spoke_io.outer.at(0);
  // Rekey: both sides install the new Child SA (same reqid) before the old one is deleted.
  const Keys h2s2 = new_keys(0x3000c), s2h2 = new_keys(0x4000d);
  connect(1, h2s2, s2h2, s2h.spi, h2s.spi);
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel, 0x77));
  ASSERT_EQ(spoke_io.outer.size(), 2u);
  const Bytes& w = spoke_io.outer[1];
  EXPECT_EQ((std::uint32_t{w[20]} << 24 | std::uint32_t{w[21]} << 16 | std::uint32_t{w[22]} << 8 | w[23]),
            s2h2.spi)
      << "outbound did not switch to the new SA";
  receive(*hub, w);
  receive(*hub, old_sa_packet);  // still in flight on the old SA: accepted until the delete
  EXPECT_EQ(hub_io.inner.size(), 2u);
  hub->remove(ike::ChildSaDelete{1, s2h.spi, h2s.spi, ike::ChildSaDelete::Reason::kRekeyed});
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel, 0x78));
  receive(*hub, spoke_io.outer.at(2));
  EXPECT_EQ(hub_io.inner.size(), 3u);
  EXPECT_EQ(hub->counters().unknown_spi_drops, 0u);
}

TEST_F(DataPlaneTest, TunnelModeSiteToSiteAndEspInUdp) {
  const auto lan_a =
      ike::TrafficSelector::subnet(ike::IpAddress::v4(0x0a010000), ike::IpAddress::v4(0xffffff00));
  const auto lan_b =
      ike::TrafficSelector::subnet(ike::IpAddress::v4(0x0a020000), ike::IpAddress::v4(0xffffff00));
  hub->install(
      install_event(5, s2h, h2s, kHubNbma, kSpokeNbma, ike::ChildMode::kTunnel, {lan_a}, {lan_b}, true));
  spoke->install(
      install_event(5, h2s, s2h, kSpokeNbma, kHubNbma, ike::ChildMode::kTunnel, {lan_b}, {lan_a}, true));
  const Bytes p = icmp(0x0a020007, 0x0a010005);
  send(*spoke, p);
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  auto outer = driver::parse_ipv4(spoke_io.outer[0]);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->protocol, 17);
  EXPECT_EQ(outer->dst, kHubNbma);
  // The IKE socket hands the ESP (from the SPI on) to esp_in_udp.
  const Bytes& w = spoke_io.outer[0];
  hub->esp_in_udp(ike::Endpoint{ike::IpAddress::v4(kHubNbma), 4500},
                  ike::Endpoint{ike::IpAddress::v4(kSpokeNbma), 4500},
                  ike::ByteView(w.data() + 28, w.size() - 28));
  ASSERT_EQ(hub_io.inner.size(), 1u);
  EXPECT_EQ(hub_io.inner[0], p);
  // A packet outside the selectors is not sent through the SA (and with no GRE peer, dropped).
  send(*spoke, icmp(0x0a030001, 0x0a010005));
  EXPECT_EQ(spoke_io.outer.size(), 1u);
}

// Volume lifetime: the soft limit (90 %) is reported once (a rekey request for IKE), the hard limit
// once when the backend refuses a packet; the event fd wakes the daemon. The rekeyed SA carries on.
TEST_F(DataPlaneTest, VolumeLifetimeSoftThenHardReportedOnceAndRekeyCarriesOn) {
  auto hub_ev = install_event(1, s2h, h2s, kHubNbma, kSpokeNbma, ike::ChildMode::kTransport,
                              gre_host(kHubNbma), gre_host(kSpokeNbma));
  auto spoke_ev = install_event(1, h2s, s2h, kSpokeNbma, kHubNbma, ike::ChildMode::kTransport,
                                gre_host(kSpokeNbma), gre_host(kHubNbma));
  spoke_ev.sa.lifetime.packets = 10;  // soft at 9, hard at 10
  hub->install(hub_ev);
  spoke->install(spoke_ev);
  EXPECT_TRUE(spoke->take_lifetime_events().empty());
  for (int i = 0; i < 8; ++i) {
    send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  }
  EXPECT_TRUE(spoke->take_lifetime_events().empty()) << "soft limit reported before 90 %";
  for (int i = 0; i < 4; ++i) {
    send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  }
  EXPECT_EQ(spoke_io.outer.size(), 10u) << "the hard limit did not stop the SA";
  pollfd pfd{spoke->lifetime_event_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 0), 1) << "the event fd is not readable";
  const auto events = spoke->take_lifetime_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].inbound_spi, h2s.spi);
  EXPECT_FALSE(events[0].hard);
  EXPECT_EQ(events[1].inbound_spi, h2s.spi);
  EXPECT_TRUE(events[1].hard);
  EXPECT_EQ(::poll(&pfd, 1, 0), 0) << "the event fd stayed readable";
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  EXPECT_TRUE(spoke->take_lifetime_events().empty()) << "reported twice";
  // IKE's rekey: the new SA takes the traffic; the old one goes with its delete.
  const Keys h2s2 = new_keys(0x3000c), s2h2 = new_keys(0x4000d);
  connect(1, h2s2, s2h2, s2h.spi, h2s.spi);
  spoke->remove(ike::ChildSaDelete{1, h2s.spi, s2h.spi, ike::ChildSaDelete::Reason::kRekeyed});
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  ASSERT_EQ(spoke_io.outer.size(), 11u);
  for (const auto& w : spoke_io.outer) {
    receive(*hub, w);
  }
  EXPECT_EQ(hub_io.inner.size(), 11u);
  const auto c = spoke->counters();
  EXPECT_EQ(c.soft_limit_events, 1u);
  EXPECT_EQ(c.hard_limit_events, 1u);
}

// show crypto ipsec sa: a flow's counters survive its rekeys (IOS counts per flow); the SAs are
// listed oldest first in both directions; a rekeyed SA decrypts what was in flight until it retires;
// the peer's dynamic NHRP entry goes with its last SA.
TEST_F(DataPlaneTest, ShowCountsPerFlowAcrossRekeysAndNhrpGoesWithTheLastSa) {
  connect(1, h2s, s2h);
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  receive(*hub, spoke_io.outer.at(0));
  receive(*hub, spoke_io.outer.at(1));
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));  // still in flight on the old SA when IKE deletes it
  const Bytes late = spoke_io.outer.at(2);
  ASSERT_EQ(hub->nhrp_peers().size(), 1u);
  const Keys h2s2 = new_keys(0x3000c), s2h2 = new_keys(0x4000d);
  connect(1, h2s2, s2h2, s2h.spi, h2s.spi);
  std::string show = hub->show_ipsec_sa();
  const auto in_at = show.find("     inbound esp sas:\n      spi: 0x2000B(131083)\n");
  const auto in2_at = show.find("      spi: 0x4000D(262157)\n");
  const auto out_at = show.find("     outbound esp sas:\n      spi: 0x1000A(65546)\n");
  const auto out2_at = show.find("      spi: 0x3000C(196620)\n");
  EXPECT_TRUE(in_at < in2_at && in2_at < out_at && out_at < out2_at) << show;
  EXPECT_NE(show.find("     current outbound spi: 0x3000C(196620)\n"), std::string::npos) << show;
  EXPECT_EQ(show.find("interface: Tunnel0"), show.rfind("interface: Tunnel0")) << "one block per interface";
  EXPECT_EQ(show.find("   protected vrf: (none)"), show.rfind("   protected vrf: (none)")) << "one flow";
  hub->remove(ike::ChildSaDelete{1, s2h.spi, h2s.spi, ike::ChildSaDelete::Reason::kRekeyed});
  receive(*hub, late);
  EXPECT_EQ(hub_io.inner.size(), 3u) << "a rekeyed SA refused what was in flight on it";
  send(*hub, icmp(kHubTunnel, kSpokeTunnel));
  ASSERT_EQ(hub_io.outer.size(), 1u);
  EXPECT_EQ(hub_io.outer[0][23], h2s2.spi & 0xff) << "a rekeyed SA was used outbound";
  hub->tick(std::chrono::steady_clock::now() + kRekeyedGrace + std::chrono::seconds(1));
  receive(*hub, late);
  EXPECT_EQ(hub_io.inner.size(), 3u);
  hub->tick(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  EXPECT_EQ(hub->counters().unknown_spi_drops, 1u) << "the rekeyed SA did not retire";
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  receive(*hub, spoke_io.outer.at(3));
  show = hub->show_ipsec_sa();
  EXPECT_NE(show.find("    #pkts decaps: 4, #pkts decrypt: 4, #pkts verify: 4\n"), std::string::npos) << show;
  EXPECT_NE(show.find("   local  ident (addr/mask/prot/port): (192.0.2.1/255.255.255.255/47/0)\n"),
            std::string::npos)
      << show;
  EXPECT_NE(hub->show_crypto_session().find("  IPSEC FLOW: permit 47 host 192.0.2.1 host 192.0.2.2\n"),
            std::string::npos)
      << hub->show_crypto_session();
  EXPECT_EQ(hub->nhrp_peers().size(), 1u) << "the NHRP entry went while an SA to the peer remained";
  hub->remove(ike::ChildSaDelete{1, s2h2.spi, h2s2.spi, ike::ChildSaDelete::Reason::kPeerDeleted});
  EXPECT_TRUE(hub->nhrp_peers().empty()) << "the NHRP entry outlived the peer's last SA";
  EXPECT_EQ(hub->show_ipsec_sa().find("protected vrf"), std::string::npos);
  EXPECT_EQ(spoke->nhrp_peers().size(), 1u);  // static (ip nhrp nhs ... nbma): kept
}

// On-demand DPD's input: when ESP last went out to a peer and last came in (authenticated) from it.
TEST_F(DataPlaneTest, PeerActivityTracksAuthenticatedEspBothWays) {
  connect(1, h2s, s2h);
  auto a = spoke->peer_activity();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].peer, ike::IpAddress::v4(kHubNbma));
  const auto installed = a[0].last_in;  // installation counts as heard from
  EXPECT_GT(installed, std::chrono::steady_clock::time_point{});
  send(*spoke, icmp(kSpokeTunnel, kHubTunnel));
  a = spoke->peer_activity();
  EXPECT_GE(a[0].last_out, installed);
  EXPECT_EQ(a[0].last_in, installed);
  receive(*hub, spoke_io.outer.at(0));
  send(*hub, icmp(kHubTunnel, kSpokeTunnel));
  Bytes forged = hub_io.outer.at(0);
  forged[forged.size() - 1] ^= 1;  // bad ICV: not a sign of life
  receive(*spoke, forged);
  EXPECT_EQ(spoke->peer_activity()[0].last_in, installed);
  EXPECT_EQ(spoke->counters().crypto_drops, 1u);
  receive(*spoke, hub_io.outer.at(0));
  EXPECT_GT(spoke->peer_activity()[0].last_in, installed);
}

// ESP that the port-4500 socket delivered goes to the backend behind the IPv4/UDP headers it had on the
// wire: the bytes of RFC 791 / RFC 768 headers, the IPv4 checksum worked out by hand (RFC 1071).
TEST(UdpEspHeaders, AreTheWireHeadersAroundTheEsp) {
  Bytes esp(100, 0xee);
  // 192.0.2.13:16836 (the NAT) -> 192.0.2.1:4500
  const UdpEsp u{0xc000020d, 0xc0000201, 16836, 4500, esp};
  Bytes out(28 + esp.size(), 0x55);
  write_udp_esp_headers(u, out);
  const Bytes expected{0x45, 0x00, 0x00, 0x80,   // version 4, IHL 5; total length 128
                       0x00, 0x00, 0x00, 0x00,   // id 0, no flags
                       0x40, 0x11, 0xf6, 0x5e,   // TTL 64, UDP, checksum
                       0xc0, 0x00, 0x02, 0x0d,   // 192.0.2.13
                       0xc0, 0x00, 0x02, 0x01,   // 192.0.2.1
                       0x41, 0xc4, 0x11, 0x94,   // ports 16836 -> 4500
                       0x00, 0x6c, 0x00, 0x00};  // UDP length 108, checksum 0
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 28), expected);
  EXPECT_EQ(Bytes(out.begin() + 28, out.end()), Bytes(esp.size(), 0x55)) << "the ESP is the caller's to copy";
}

}  // namespace
}  // namespace hubsec::host::datapath
