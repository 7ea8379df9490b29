// `show crypto ipsec sa [detail]` follows IOS's layout: the lines below are typed from IOS samples
// (Cisco TAC documents 116085 and 116858, DMVPN hub output) with our numbers put in; the decimal in
// `0x...(...)` is computed by the test, not taken from our output.
#include "hubsec/host/daemon/ipsec_sa_show.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace hubsec::host::daemon {
namespace {

IpsecFlowView dmvpn_flow() {
  IpsecFlowView f;
  f.interface = "Tunnel0";
  f.local_addr = "192.0.2.1";
  f.local = ike::Endpoint{*ike::IpAddress::parse("192.0.2.1"), 500};
  f.remote = ike::Endpoint{*ike::IpAddress::parse("192.0.2.2"), 500};
  f.local_ts = {ike::TrafficSelector::host(f.local.address, 47)};
  f.remote_ts = {ike::TrafficSelector::host(f.remote.address, 47)};
  f.current_outbound_spi = 0x3F3AD32D;
  f.counters.encaps = 51810;
  f.counters.decaps = 44468;
  f.counters.verify_failed = 8;
  f.counters.replay_failed_rcv = 3;
  IpsecSaView sa;
  sa.inbound_spi = 0x1AD9E4A0;
  sa.outbound_spi = 0x3F3AD32D;
  sa.in_conn_id = 2001;
  sa.out_conn_id = 2002;
  sa.in_kb_left = 4607998;
  sa.out_kb_left = 4607997;
  sa.seconds_left = 3589;
  f.sas.push_back(sa);
  return f;
}

std::string spi(std::uint32_t v) {
  std::ostringstream s;
  s << "0x" << std::uppercase << std::hex << v << std::dec << "(" << static_cast<unsigned long>(v) << ")";
  return s.str();
}

TEST(IpsecSaShow, DmvpnFlowInIosLayout) {
  const std::string head =
      "\n"
      "interface: Tunnel0\n"
      "    Crypto map tag: Tunnel0-head-0, local addr 192.0.2.1\n"
      "\n"
      "   protected vrf: (none)\n"
      "   local  ident (addr/mask/prot/port): (192.0.2.1/255.255.255.255/47/0)\n"
      "   remote ident (addr/mask/prot/port): (192.0.2.2/255.255.255.255/47/0)\n"
      "   current_peer 192.0.2.2 port 500\n"
      "     PERMIT, flags={origin_is_acl,}\n"
      "    #pkts encaps: 51810, #pkts encrypt: 51810, #pkts digest: 51810\n"
      "    #pkts decaps: 44468, #pkts decrypt: 44468, #pkts verify: 44468\n"
      "    #pkts compressed: 0, #pkts decompressed: 0\n"
      "    #pkts not compressed: 0, #pkts compr. failed: 0\n"
      "    #pkts not decompressed: 0, #pkts decompress failed: 0\n"
      "    #send errors 0, #recv errors 11\n"
      "\n"
      "     local crypto endpt.: 192.0.2.1, remote crypto endpt.: 192.0.2.2\n"
      "";
  const std::string text = show_crypto_ipsec_sa({dmvpn_flow()}, false);
  EXPECT_EQ(text.substr(0, head.size()), head) << text;
  EXPECT_NE(text.find("     current outbound spi: " + spi(0x3F3AD32D) + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("     PFS (Y/N): N, DH group: none\n"), std::string::npos);
  const std::string inbound = "     inbound esp sas:\n      spi: " + spi(0x1AD9E4A0) +
                              "\n        transform: esp-256-aes esp-sha-hmac ,\n"
                              "        in use settings ={Transport, }\n"
                              "        conn id: 2001, flow_id: SW:2001, sibling_flags 80000040, crypto map: "
                              "Tunnel0-head-0\n"
                              "        sa timing: remaining key lifetime (k/sec): (4607998/3589)\n"
                              "        IV size: 16 bytes\n"
                              "        replay detection support: Y\n"
                              "        Status: ACTIVE(ACTIVE)\n\n"
                              "     inbound ah sas:\n\n     inbound pcp sas:\n\n     outbound esp sas:\n"
                              "      spi: " +
                              spi(0x3F3AD32D) + "\n";
  EXPECT_NE(text.find(inbound), std::string::npos) << text;
  EXPECT_NE(text.find("(4607997/3589)\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("\n     outbound pcp sas:\n")) << text;
}

TEST(IpsecSaShow, DetailHasIosErrorCountersInsteadOfTheSummary) {
  const std::string text = show_crypto_ipsec_sa({dmvpn_flow()}, true);
  const std::string block =
      "    #pkts not decompressed: 0, #pkts decompress failed: 0\n"
      "    #pkts no sa (send) 0, #pkts invalid sa (rcv) 0\n"
      "    #pkts encaps failed (send) 0, #pkts decaps failed (rcv) 0\n"
      "    #pkts invalid prot (recv) 0, #pkts verify failed: 8\n"
      "    #pkts invalid identity (recv) 0, #pkts invalid len (rcv) 0\n"
      "    #pkts replay rollover (send): 0, #pkts replay rollover (rcv) 0\n"
      "    #pkts replay failed (rcv): 3\n"
      "    #pkts tagged (send): 0, #pkts untagged (rcv): 0\n"
      "    #pkts not tagged (send): 0, #pkts not untagged (rcv): 0\n"
      "    #pkts internal err (send): 0, #pkts internal err (recv) 0\n"
      "\n     local crypto endpt.";
  EXPECT_NE(text.find(block), std::string::npos) << text;
  EXPECT_EQ(text.find("#send errors"), std::string::npos);
}

TEST(IpsecSaShow, RekeyedFlowListsBothSasTunnelUdpAndNoVolumeLifetime) {
  IpsecFlowView f = dmvpn_flow();
  const auto mask = *ike::IpAddress::parse("255.255.255.0");
  f.local_ts = {ike::TrafficSelector::subnet(*ike::IpAddress::parse("10.1.0.0"), mask)};
  f.remote_ts = {ike::TrafficSelector::subnet(*ike::IpAddress::parse("10.2.0.0"), mask)};
  f.remote.port = 4500;
  f.pfs_group = ike::DhGroup::kModp2048;
  IpsecSaView second = f.sas[0];
  second.inbound_spi = 0xC0FFEE01;
  second.outbound_spi = 0xC0FFEE02;
  f.sas.push_back(second);
  for (auto& sa : f.sas) {
    sa.mode = ike::ChildMode::kTunnel;
    sa.udp_encap = true;
    sa.in_kb_left.reset();
    sa.out_kb_left.reset();
  }
  const std::string text = show_crypto_ipsec_sa({f}, false);
  EXPECT_NE(text.find("   local  ident (addr/mask/prot/port): (10.1.0.0/255.255.255.0/0/0)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("   current_peer 192.0.2.2 port 4500\n"), std::string::npos);
  EXPECT_NE(text.find("     PFS (Y/N): Y, DH group: group14\n"), std::string::npos);
  EXPECT_NE(text.find("        in use settings ={Tunnel UDP-Encaps, }\n"), std::string::npos);
  EXPECT_NE(text.find("        sa timing: remaining key lifetime (sec): (3589)\n"), std::string::npos);
  const auto in1 = text.find("      spi: " + spi(0x1AD9E4A0)),
             in2 = text.find("      spi: " + spi(0xC0FFEE01));
  const auto out1 = text.find("      spi: " + spi(0x3F3AD32D)),
             out2 = text.find("      spi: " + spi(0xC0FFEE02));
  EXPECT_TRUE(in1 < in2 && in2 < out1 && out1 < out2) << text;
}

TEST(IpsecSaShow, PeerFilterKeepsOneInterfaceHeaderAndThatPeersFlows) {
  IpsecFlowView other = dmvpn_flow();
  other.remote.address = *ike::IpAddress::parse("192.0.2.12");
  other.remote_ts = {ike::TrafficSelector::host(other.remote.address, 47)};
  const std::string all = show_crypto_ipsec_sa({dmvpn_flow(), other}, false);
  EXPECT_EQ(all.find("interface: Tunnel0"), all.rfind("interface: Tunnel0")) << all;
  EXPECT_NE(all.find("   current_peer 192.0.2.12 port 500\n"), std::string::npos);
  const std::string one = show_crypto_ipsec_sa({dmvpn_flow(), other}, false, "192.0.2.12");
  EXPECT_NE(one.find("interface: Tunnel0"), std::string::npos);
  EXPECT_NE(one.find("   current_peer 192.0.2.12 port 500\n"), std::string::npos);
  EXPECT_EQ(one.find("192.0.2.2"), std::string::npos) << one;
  EXPECT_EQ(show_crypto_ipsec_sa({dmvpn_flow()}, false, "198.51.100.1"), "");
}

TEST(IpsecSaShow, NoKeysCanAppear) {
  // The views carry no key material at all: only SPIs, counters and names reach the text.
  static_assert(sizeof(IpsecSaView) < 128, "an SA view grew: keep keys out of it");
  EXPECT_EQ(show_crypto_ipsec_sa({}, true), "");
}

}  // namespace
}  // namespace hubsec::host::daemon
