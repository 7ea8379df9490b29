// A spoke behind a NAT, in memory: hub and spoke DataPlanes on their own SoftEspOffloads with the
// UDP-encapsulated transport-mode Child SA each side's IKE installs (RFC 7296 2.23.1: the spoke's
// selectors name its private address 198.51.100.2; the hub sees it at the NAT's 192.0.2.13:40000).
// Between them a NAT written out here: it rewrites the outer source address and UDP source port
// one way and the destination the other (RFC 3022 NAPT), as nftables masquerade does.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

#include "capture_io.hpp"
#include "hubsec/driver/ipv4.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"
#include "hubsec/host/daemon/logger.hpp"
#include "hubsec/host/datapath/data_plane.hpp"
#include "hubsec/host/datapath/gre.hpp"

namespace hubsec::host::datapath {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t kHub = 0xc0000201;      // 192.0.2.1
constexpr std::uint32_t kNat = 0xc000020d;      // 192.0.2.13, the NAT's outside address
constexpr std::uint32_t kPrivate = 0xc6336402;  // 198.51.100.2, the spoke behind it
constexpr std::uint16_t kNatPort = 40000;       // what the NAT made of the spoke's 4500
constexpr std::uint32_t kHubTunnel = 0x0a000001, kSpokeTunnel = 0x0a00000d;

ike::Endpoint ep(std::uint32_t a, std::uint16_t port) {
  return {ike::IpAddress::v4(a), port};
}

std::vector<ike::TrafficSelector> gre_host(std::uint32_t a) {
  return {ike::TrafficSelector::host(ike::IpAddress::v4(a), kIpProtoGre)};
}

// One direction's keys, shared by both ends' events.
struct Keys {
  std::uint32_t spi;
  Bytes enc = Bytes(32), integ = Bytes(20);
  explicit Keys(std::uint32_t s) : spi(s) {
    EXPECT_EQ(RAND_bytes(enc.data(), 32), 1);
    EXPECT_EQ(RAND_bytes(integ.data(), 20), 1);
  }
};

ike::ChildSaInstall event(const Keys& in, const Keys& out, ike::Endpoint local, ike::Endpoint remote,
                          std::uint32_t local_ts, std::uint32_t remote_ts, std::uint32_t reqid = 1) {
  ike::ChildSaInstall ev;
  ike::ChildSaInfo& sa = ev.sa;
  sa.ike_sa = reqid;
  sa.reqid = reqid;
  sa.mode = ike::ChildMode::kTransport;
  sa.inbound = {in.spi, ike::SecretBytes(in.enc), ike::SecretBytes(in.integ)};
  sa.outbound = {out.spi, ike::SecretBytes(out.enc), ike::SecretBytes(out.integ)};
  sa.local = local;
  sa.remote = remote;
  sa.udp_encap = true;
  sa.local_ts = gre_host(local_ts);
  sa.remote_ts = gre_host(remote_ts);
  sa.lifetime.seconds = std::chrono::seconds(3600);
  return ev;
}

Bytes icmp(std::uint32_t src, std::uint32_t dst, std::uint8_t fill = 0x5a) {
  driver::Ipv4Header h;
  h.protocol = 1;
  h.src = src;
  h.dst = dst;
  Bytes body(40, fill);
  body[0] = 8;
  return driver::build_ipv4_packet(h, body);
}

// The UDP datagram's endpoints and payload of an IP/UDP packet.
struct Udp {
  std::uint32_t src, dst;
  std::uint16_t sport, dport;
  Bytes payload;
};
Udp parse_udp(const Bytes& p) {
  auto h = driver::parse_ipv4(p);
  EXPECT_TRUE(h && h->protocol == 17) << "not UDP: ESP must be UDP-encapsulated through a NAT";
  if (!h || h->protocol != 17) {
    return {};
  }
  const std::uint8_t* u = p.data() + h->header_len;
  return {h->src, h->dst, static_cast<std::uint16_t>(u[0] << 8 | u[1]),
          static_cast<std::uint16_t>(u[2] << 8 | u[3]), Bytes(u + 8, p.data() + h->total_len)};
}

class NatTransportTest : public ::testing::Test {
 protected:
  NatTransportTest() {
    DataPlaneConfig hub_cfg;
    hub_cfg.local_nbma = kHub;
    hub_cfg.tunnel_address = kHubTunnel;
    hub_cfg.tunnel_mask = 0xffffff00;
    DataPlaneConfig spoke_cfg = hub_cfg;
    spoke_cfg.local_nbma = kPrivate;  // tunnel source: the only address the spoke knows
    spoke_cfg.tunnel_address = kSpokeTunnel;
    spoke_cfg.static_nhrp[kHubTunnel] = kHub;
    hub = std::make_unique<DataPlane>(hub_offload, hub_io, log, hub_cfg);
    spoke = std::make_unique<DataPlane>(spoke_offload, spoke_io, log, spoke_cfg);
    // What each IKE installs: the spoke's selectors name its private address on both sides.
    hub->install(event(to_hub, to_spoke, ep(kHub, 4500), ep(kNat, kNatPort), kHub, kPrivate));
    spoke->install(event(to_spoke, to_hub, ep(kPrivate, 4500), ep(kHub, 4500), kPrivate, kHub));
  }
  ~NatTransportTest() override {
    hub.reset();
    spoke.reset();
    std::fclose(null_log);
  }

  // spoke -> NAT -> hub: the datagram as the hub's port-4500 socket reports it.
  void spoke_to_hub(const Bytes& packet) {
    Udp u = parse_udp(packet);
    EXPECT_EQ(u.src, kPrivate);
    EXPECT_EQ(u.dst, kHub);
    EXPECT_EQ(u.sport, 4500);
    EXPECT_EQ(u.dport, 4500);
    hub->esp_in_udp(ep(kHub, u.dport), ep(kNat, kNatPort), u.payload);
  }
  // hub -> NAT -> spoke: only what the NAT has a mapping for (its address and port) gets through.
  void hub_to_spoke(const Bytes& packet) {
    Udp u = parse_udp(packet);
    EXPECT_EQ(u.dst, kNat) << "the hub must send to the observed address";
    EXPECT_EQ(u.dport, kNatPort) << "the hub must send to the observed port";
    if (u.dst == kNat && u.dport == kNatPort) {
      spoke->esp_in_udp(ep(kPrivate, 4500), ep(kHub, u.sport), u.payload);
    }
  }

  std::FILE* null_log = std::fopen("/dev/null", "w");
  daemon::Logger log{null_log};
  driver::SoftEspOffload hub_offload, spoke_offload;
  testing::CaptureIo hub_io, spoke_io;
  std::unique_ptr<DataPlane> hub, spoke;
  Keys to_hub{0x1111}, to_spoke{0x2222};
};

TEST_F(NatTransportTest, RegistrationAndPingsBothWaysGoThroughTheNatsAddressAndPort) {
  // The spoke registers (NBMA = its private address); the hub records the NAT's address.
  spoke->tick(std::chrono::steady_clock::now());
  ASSERT_EQ(spoke_io.outer.size(), 1u);
  spoke_to_hub(spoke_io.outer[0]);
  EXPECT_EQ(hub->counters().policy_drops, 0u) << "the spoke's GRE was refused as outside the SA";
  auto peers = hub->nhrp_peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].tunnel, kSpokeTunnel);
  EXPECT_EQ(peers[0].nbma, kNat);
  // The registration reply goes back through the NAT and is accepted.
  ASSERT_EQ(hub_io.outer.size(), 1u);
  hub_to_spoke(hub_io.outer[0]);
  EXPECT_TRUE(spoke->registered());

  // hub -> spoke and spoke -> hub over the tunnel.
  const Bytes down = icmp(kHubTunnel, kSpokeTunnel);
  Packet p(down);
  hub->from_tunnel(std::span<const Packet>(&p, 1));
  ASSERT_EQ(hub_io.outer.size(), 2u);
  hub_to_spoke(hub_io.outer[1]);
  ASSERT_EQ(spoke_io.inner.size(), 1u);
  EXPECT_EQ(spoke_io.inner[0], down);
  const Bytes up = icmp(kSpokeTunnel, kHubTunnel);
  Packet q(up);
  spoke->from_tunnel(std::span<const Packet>(&q, 1));
  ASSERT_EQ(spoke_io.outer.size(), 2u);
  spoke_to_hub(spoke_io.outer[1]);
  ASSERT_EQ(hub_io.inner.size(), 1u);
  EXPECT_EQ(hub_io.inner[0], up);
  EXPECT_EQ(hub->counters().policy_drops + hub->counters().no_sa_drops + spoke->counters().policy_drops, 0u);
}

// The packet thread's path: a batch of ESP in UDP as the port-4500 socket delivers it (a GRO buffer
// split into datagrams) goes through from_network_udp at once; an unknown SPI among them waits.
TEST_F(NatTransportTest, ABatchOfEspInUdpFromTheSocketIsDecryptedTogether) {
  spoke->tick(std::chrono::steady_clock::now());
  spoke_to_hub(spoke_io.outer[0]);  // registration: the hub learns where the spoke is
  std::vector<Bytes> ups;
  for (std::uint8_t i = 0; i < 5; ++i) {
    ups.push_back(icmp(kSpokeTunnel, kHubTunnel, i));
  }
  std::vector<Packet> batch(ups.begin(), ups.end());
  spoke->from_tunnel(batch);
  ASSERT_EQ(spoke_io.outer.size(), 6u);
  std::vector<Udp> wire;
  for (std::size_t i = 1; i < 6; ++i) {
    wire.push_back(parse_udp(spoke_io.outer[i]));
  }
  Bytes stray = wire[0].payload;  // an SPI nobody installed
  stray[0] ^= 0x40;
  std::vector<UdpEsp> in;
  for (const auto& u : wire) {
    in.push_back(UdpEsp{kNat, kHub, kNatPort, u.dport, u.payload});  // after the NAT
  }
  in.push_back(UdpEsp{kNat, kHub, kNatPort, 4500, stray});
  const auto before = hub->counters();
  hub->from_network_udp(in);
  ASSERT_EQ(hub_io.inner.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(hub_io.inner[i], ups[i]);
  }
  const auto after = hub->counters();
  EXPECT_EQ(after.network_in - before.network_in, 6u);
  EXPECT_EQ(after.held_esp, 1u);
  EXPECT_EQ(after.policy_drops + after.crypto_drops + after.malformed_drops, 0u);
}

TEST_F(NatTransportTest, ANewNatMappingMovesTheTraffic) {
  spoke->tick(std::chrono::steady_clock::now());
  spoke_to_hub(spoke_io.outer[0]);
  // The NAT rebinds the spoke to another port (IKE reports it with a ChildSaUpdate).
  hub->update(ike::ChildSaUpdate{to_hub.spi, ep(kHub, 4500), ep(kNat, 40001), true});
  const Bytes down = icmp(kHubTunnel, kSpokeTunnel);
  Packet p(down);
  hub->from_tunnel(std::span<const Packet>(&p, 1));
  ASSERT_EQ(hub_io.outer.size(), 2u);
  Udp u = parse_udp(hub_io.outer[1]);
  EXPECT_EQ(u.dst, kNat);
  EXPECT_EQ(u.dport, 40001);
  EXPECT_EQ(hub->counters().no_sa_drops, 0u);
}

// Two spokes behind the same NAT: one NBMA address, two ports, two Child SAs. The hub must answer
// each through the SA its registration came in on, not the newest SA for that address.
TEST_F(NatTransportTest, TwoSpokesBehindOneNatAreToldApartByTheirSa) {
  constexpr std::uint32_t kPrivate2 = 0xc6336403, kSpoke2Tunnel = 0x0a00000e;  // 198.51.100.3, 10.0.0.14
  constexpr std::uint16_t kNatPort2 = 40002;
  DataPlaneConfig cfg;
  cfg.local_nbma = kPrivate2;
  cfg.tunnel_address = kSpoke2Tunnel;
  cfg.tunnel_mask = 0xffffff00;
  cfg.static_nhrp[kHubTunnel] = kHub;
  driver::SoftEspOffload offload2;
  testing::CaptureIo io2;
  DataPlane spoke2(offload2, io2, log, cfg);
  Keys to_hub2{0x3333}, to_spoke2{0x4444};
  hub->install(event(to_hub2, to_spoke2, ep(kHub, 4500), ep(kNat, kNatPort2), kHub, kPrivate2, 2));
  spoke2.install(event(to_spoke2, to_hub2, ep(kPrivate2, 4500), ep(kHub, 4500), kPrivate2, kHub, 2));
  // Both register, the first spoke before the second (whose SA is the newer one).
  spoke->tick(std::chrono::steady_clock::now());
  spoke_to_hub(spoke_io.outer.at(0));
  spoke2.tick(std::chrono::steady_clock::now());
  Udp u = parse_udp(io2.outer.at(0));
  hub->esp_in_udp(ep(kHub, 4500), ep(kNat, kNatPort2), u.payload);
  ASSERT_EQ(hub->nhrp_peers().size(), 2u);
  ASSERT_EQ(hub_io.outer.size(), 2u);  // the two registration replies
  EXPECT_EQ(parse_udp(hub_io.outer[0]).dport, kNatPort);
  EXPECT_EQ(parse_udp(hub_io.outer[1]).dport, kNatPort2);
  // Pings to each spoke leave through that spoke's port, and that spoke opens them.
  for (std::uint32_t to : {kSpokeTunnel, kSpoke2Tunnel}) {
    const Bytes ping = icmp(kHubTunnel, to);
    Packet p(ping);
    hub->from_tunnel(std::span<const Packet>(&p, 1));
  }
  ASSERT_EQ(hub_io.outer.size(), 4u);
  hub_to_spoke(hub_io.outer[2]);  // checks the port is the first spoke's
  ASSERT_EQ(spoke_io.inner.size(), 1u);
  EXPECT_EQ(driver::parse_ipv4(spoke_io.inner[0])->dst, kSpokeTunnel);
  Udp second = parse_udp(hub_io.outer[3]);
  EXPECT_EQ(second.dport, kNatPort2);
  spoke2.esp_in_udp(ep(kPrivate2, 4500), ep(kHub, second.sport), second.payload);
  ASSERT_EQ(io2.inner.size(), 1u);
  EXPECT_EQ(driver::parse_ipv4(io2.inner[0])->dst, kSpoke2Tunnel);
}

}  // namespace
}  // namespace hubsec::host::datapath
