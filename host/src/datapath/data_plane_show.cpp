// The show commands of the data plane, in IOS's layout (`show crypto ipsec sa`, `show dmvpn`,
// `show crypto session`).
#include <chrono>
#include <cstdio>

#include "hubsec/host/datapath/data_plane.hpp"

namespace hubsec::host::datapath {

namespace {

std::string ip_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

std::string spi_text(std::uint32_t spi) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0x%X(%u)", spi, spi);
  return buf;
}

// IOS prints a selector as (addr/mask/prot/port).
std::string ident(const std::vector<ike::TrafficSelector>& list) {
  if (list.empty() || list.front().start.v6) {
    return "(none)";
  }
  const auto& ts = list.front();
  const std::uint32_t lo = ts.start.v4_host_order(), hi = ts.end.v4_host_order();
  const std::uint32_t mask = ~(lo ^ hi);
  const unsigned port = ts.start_port == ts.end_port ? ts.start_port : 0;
  return "(" + ip_text(lo) + "/" + ip_text(mask) + "/" + std::to_string(ts.ip_proto) + "/" +
         std::to_string(port) + ")";
}

std::string transform(const SaEntry& e) {
  return std::string(e.encryption == ike::EspEncr::kAesCbc256 ? "esp-256-aes" : "esp-aes") + " " +
         (e.integrity == ike::EspInteg::kHmacSha1_96 ? "esp-sha-hmac" : "esp-sha256-hmac") + " ,";
}

std::string lifetime_left(const SaEntry& e, const driver::SaCounters& c) {
  const auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - e.installed_at)
          .count();
  const long long secs =
      e.lifetime.seconds.count() ? std::max<long long>(0, e.lifetime.seconds.count() - age) : 0;
  const long long kb = e.lifetime.kilobytes
                           ? std::max<long long>(0, static_cast<long long>(e.lifetime.kilobytes) -
                                                        static_cast<long long>(c.bytes / 1024))
                           : 0;
  return "(" + std::to_string(kb) + "/" + std::to_string(secs) + ")";
}

std::uint64_t errors(const driver::SaCounters& c) {
  return c.icv_failures + c.pad_failures + c.length_failures + c.header_failures + c.seq_exhausted +
         c.hard_limit_drops + c.ring_full_drops + c.device_errors + c.unknown_sa;
}

std::string describe(const SaEntry& e) {
  daemon::ChildSaRecord r;
  r.ike_sa = e.ike_sa;
  r.reqid = e.reqid;
  r.inbound_spi = e.inbound_spi;
  r.outbound_spi = e.outbound_spi;
  r.mode = e.mode;
  r.encryption = e.encryption;
  r.integrity = e.integrity;
  r.local = e.local;
  r.remote = e.remote;
  r.udp_encap = e.udp_encap;
  r.local_ts = e.local_ts;
  r.remote_ts = e.remote_ts;
  return r.describe();
}

}  // namespace

std::string DataPlane::show_ipsec_sa() const {
  std::lock_guard lock(mutex_);
  std::string out = "\ninterface: " + config_.interface_name + "\n";
  out += "    Crypto map tag: " + config_.interface_name + "-head-0, local addr " +
         ip_text(config_.local_nbma) + "\n";
  for (const auto& [spi, e] : sad_.entries()) {
    const auto in = offload_.counters(e.inbound).value_or(driver::SaCounters{});
    const auto outc = offload_.counters(e.outbound).value_or(driver::SaCounters{});
    const std::string encaps = std::to_string(outc.packets), decaps = std::to_string(in.packets);
    out += "\n   protected vrf: (none)\n";
    out += "   local  ident (addr/mask/prot/port): " + ident(e.local_ts) + "\n";
    out += "   remote ident (addr/mask/prot/port): " + ident(e.remote_ts) + "\n";
    out +=
        "   current_peer " + e.remote.address.to_string() + " port " + std::to_string(e.remote.port) + "\n";
    out += "     PERMIT, flags={origin_is_acl,}\n";
    out += "    #pkts encaps: " + encaps + ", #pkts encrypt: " + encaps + ", #pkts digest: " + encaps + "\n";
    out += "    #pkts decaps: " + decaps + ", #pkts decrypt: " + decaps + ", #pkts verify: " + decaps + "\n";
    out += "    #pkts compressed: 0, #pkts decompressed: 0\n";
    out += "    #pkts not compressed: 0, #pkts compr. failed: 0\n";
    out += "    #pkts not decompressed: 0, #pkts decompress failed: 0\n";
    out += "    #send errors " + std::to_string(errors(outc) + e.send_errors) + ", #recv errors " +
           std::to_string(errors(in) + in.replay_failures + e.recv_errors + e.policy_drops) + "\n";
    out += "    #pkts replay failed: " + std::to_string(in.replay_failures) +
           ", #pkts verify failed: " + std::to_string(in.icv_failures) + "\n";
    out += "\n     local crypto endpt.: " + e.local.address.to_string() +
           ", remote crypto endpt.: " + e.remote.address.to_string() + "\n";
    out += "     plaintext mtu " + std::to_string(config_.ip_mtu) + ", path mtu 1500, ip mtu " +
           std::to_string(config_.ip_mtu) + "\n";
    const SaEntry* current = const_cast<SaDatabase&>(sad_).newest_of_reqid(e.reqid);
    out += "     current outbound spi: " + spi_text(current ? current->outbound_spi : e.outbound_spi) + "\n";
    out += std::string("     PFS (Y/N): ") +
           (e.pfs_group == ike::DhGroup::kNone ? "N, DH group: none" : "Y") + "\n";
    const std::string settings = std::string("{") +
                                 (e.mode == ike::ChildMode::kTunnel ? "Tunnel" : "Transport") +
                                 (e.udp_encap ? " UDP-Encaps" : "") + ", }";
    out += "\n     inbound esp sas:\n      spi: " + spi_text(e.inbound_spi) +
           "\n        transform: " + transform(e) + "\n        in use settings =" + settings +
           "\n        conn id: " + std::to_string(e.inbound) + ", crypto map: " + config_.interface_name +
           "-head-0\n        sa timing: remaining key lifetime (k/sec): " + lifetime_left(e, in) +
           "\n        replay detection support: Y\n        Status: ACTIVE(ACTIVE)\n";
    out += "\n     outbound esp sas:\n      spi: " + spi_text(e.outbound_spi) +
           "\n        transform: " + transform(e) + "\n        in use settings =" + settings +
           "\n        conn id: " + std::to_string(e.outbound) + ", crypto map: " + config_.interface_name +
           "-head-0\n        sa timing: remaining key lifetime (k/sec): " + lifetime_left(e, outc) +
           "\n        replay detection support: Y\n        Status: " +
           (current == &e ? "ACTIVE(ACTIVE)" : "STANDBY(rekeyed, until its delete)") + "\n";
  }
  // One line per Child SA (the summary the interop scripts read).
  out += "\nChild SAs installed:\n";
  for (const auto& [spi, e] : sad_.entries()) {
    out += "  IKE SA " + std::to_string(e.ike_sa) + " reqid " + std::to_string(e.reqid) + ": " + describe(e) +
           "\n";
  }
  out += "Drops: no SA " + std::to_string(counters_.no_sa_drops) + ", no NHRP mapping " +
         std::to_string(counters_.no_nhrp_drops) + ", unknown SPI " +
         std::to_string(counters_.unknown_spi_drops) + ", malformed " +
         std::to_string(counters_.malformed_drops) + ", not IPv4 " +
         std::to_string(counters_.non_ipv4_drops) + ", policy " + std::to_string(counters_.policy_drops) +
         ", crypto " + std::to_string(counters_.crypto_drops) + ", SA refused " +
         std::to_string(counters_.install_refused) + "\n";
  return out;
}

std::string DataPlane::show_dmvpn() const {
  std::lock_guard lock(mutex_);
  std::string out = "Legend: Attrb --> S - Static, D - Dynamic, I - Incomplete\n";
  out += "\n==========================================================================\n";
  out += "\nInterface: " + config_.interface_name + ", IPv4 NHRP Details\n";
  out += "Type:" + std::string(config_.static_nhrp.empty() ? "Hub" : "Spoke") +
         ", NHRP Peers:" + std::to_string(nhrp_.size()) + ",\n\n";
  out += " # Ent  Peer NBMA Addr Peer Tunnel Add State  UpDn Tm Attrb\n";
  out += " ----- --------------- --------------- ----- -------- -----\n";
  for (const auto& [t, p] : nhrp_) {
    bool up = false;
    for (const auto& [spi, e] : sad_.entries()) {
      up = up || (!e.remote.address.v6 && e.remote.address.v4_host_order() == p.nbma);
    }
    const auto age =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - p.since).count();
    char line[128];
    std::snprintf(line, sizeof line, "     1 %15s %15s %5s %02lld:%02lld:%02lld %5s\n",
                  ip_text(p.nbma).c_str(), ip_text(p.tunnel).c_str(), up ? "UP" : "NHRP",
                  static_cast<long long>(age / 3600), static_cast<long long>(age / 60 % 60),
                  static_cast<long long>(age % 60), p.dynamic ? "D" : "S");
    out += line;
  }
  return out;
}

std::string DataPlane::show_crypto_session() const {
  std::lock_guard lock(mutex_);
  std::string out = "Crypto session current status\n";
  for (const auto& [spi, e] : sad_.entries()) {
    const auto in = offload_.counters(e.inbound).value_or(driver::SaCounters{});
    const auto outc = offload_.counters(e.outbound).value_or(driver::SaCounters{});
    out += "\nInterface: " + config_.interface_name +
           "\nSession status: UP-ACTIVE\nPeer: " + e.remote.address.to_string() + " port " +
           std::to_string(e.remote.port) + "\n  IKEv2 SA: local " + e.local.to_string() + " remote " +
           e.remote.to_string() + " Active\n  IPSEC FLOW: permit " + ident(e.local_ts) + " " +
           ident(e.remote_ts) + "\n        Active SAs: 2, origin: crypto map\n" +
           "        Inbound:  #pkts dec'ed " + std::to_string(in.packets) + " drop " +
           std::to_string(errors(in) + in.replay_failures) + "\n        Outbound: #pkts enc'ed " +
           std::to_string(outc.packets) + " drop " + std::to_string(errors(outc)) + "\n";
  }
  return out;
}

}  // namespace hubsec::host::datapath
