#include "hubsec/host/daemon/ipsec_sa_show.hpp"

#include <cstdio>

#include "hubsec/host/config/model.hpp"

namespace hubsec::host::daemon {

namespace {

std::string ip_text(std::uint32_t a) {
  return config::Ipv4{a}.to_string();
}

// IOS: 0x1AD9E4A0(450487456)
std::string spi_text(std::uint32_t spi) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0x%X(%u)", spi, spi);
  return buf;
}

// IOS names the transform set's words: `esp-aes 256` shows as esp-256-aes.
std::string transform(const IpsecSaView& sa) {
  return std::string(sa.encryption == ike::EspEncr::kAesCbc256 ? "esp-256-aes" : "esp-aes") + " " +
         (sa.integrity == ike::EspInteg::kHmacSha1_96 ? "esp-sha-hmac" : "esp-sha256-hmac") + " ,";
}

std::string n(std::uint64_t v) {
  return std::to_string(v);
}

// One direction's block under `inbound esp sas:` / `outbound esp sas:`.
std::string sa_block(const IpsecSaView& sa, bool inbound, const std::string& map) {
  const std::uint32_t spi = inbound ? sa.inbound_spi : sa.outbound_spi;
  const std::uint32_t conn = inbound ? sa.in_conn_id : sa.out_conn_id;
  const auto& kb = inbound ? sa.in_kb_left : sa.out_kb_left;
  std::string out = "      spi: " + spi_text(spi) + "\n";
  out += "        transform: " + transform(sa) + "\n";
  out += std::string("        in use settings ={") +
         (sa.mode == ike::ChildMode::kTunnel ? "Tunnel" : "Transport") + (sa.udp_encap ? " UDP-Encaps" : "") +
         ", }\n";
  out += "        conn id: " + n(conn) + ", flow_id: " + sa.flow_id_prefix + ":" + n(conn) +
         ", sibling_flags 80000040, crypto map: " + map + "\n";
  out +=
      kb ? "        sa timing: remaining key lifetime (k/sec): (" + n(*kb) + "/" + n(sa.seconds_left) + ")\n"
         : "        sa timing: remaining key lifetime (sec): (" + n(sa.seconds_left) + ")\n";
  if (!kb) {
    out += "        Kilobyte Volume Rekey has been disabled\n";
  }
  out += "        IV size: 16 bytes\n";
  out += "        replay detection support: Y\n";
  out += "        Status: ACTIVE(ACTIVE)\n\n";
  return out;
}

}  // namespace

std::uint64_t IpsecFlowCounters::send_errors() const {
  return no_sa_send + encaps_failed_send + replay_rollover_send + internal_err_send;
}

std::uint64_t IpsecFlowCounters::recv_errors() const {
  return invalid_sa_rcv + decaps_failed_rcv + verify_failed + invalid_identity_rcv + invalid_len_rcv +
         replay_failed_rcv + internal_err_rcv;
}

IpsecFlowCounters& IpsecFlowCounters::operator+=(const IpsecFlowCounters& o) {
  encaps += o.encaps;
  decaps += o.decaps;
  no_sa_send += o.no_sa_send;
  invalid_sa_rcv += o.invalid_sa_rcv;
  encaps_failed_send += o.encaps_failed_send;
  decaps_failed_rcv += o.decaps_failed_rcv;
  verify_failed += o.verify_failed;
  invalid_identity_rcv += o.invalid_identity_rcv;
  invalid_len_rcv += o.invalid_len_rcv;
  replay_rollover_send += o.replay_rollover_send;
  replay_failed_rcv += o.replay_failed_rcv;
  internal_err_send += o.internal_err_send;
  internal_err_rcv += o.internal_err_rcv;
  return *this;
}

std::string crypto_map_tag(const std::string& interface) {
  return interface + "-head-0";
}

std::string ios_ident(const std::vector<ike::TrafficSelector>& list) {
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

std::string show_crypto_ipsec_sa(const std::vector<IpsecFlowView>& flows, bool detail,
                                 const std::string& peer) {
  std::string out;
  const std::string* interface = nullptr;
  for (const auto& f : flows) {
    if (!peer.empty() && f.remote.address.to_string() != peer) {
      continue;
    }
    const std::string map = crypto_map_tag(f.interface);
    if (!interface || *interface != f.interface) {
      interface = &f.interface;
      out += "\ninterface: " + f.interface + "\n    Crypto map tag: " + map + ", local addr " + f.local_addr +
             "\n";
    }
    const IpsecFlowCounters& c = f.counters;
    out += "\n   protected vrf: (none)\n";
    out += "   local  ident (addr/mask/prot/port): " + ios_ident(f.local_ts) + "\n";
    out += "   remote ident (addr/mask/prot/port): " + ios_ident(f.remote_ts) + "\n";
    out += "   current_peer " + f.remote.address.to_string() + " port " + n(f.remote.port) + "\n";
    out += "     PERMIT, flags={origin_is_acl,}\n";
    out += "    #pkts encaps: " + n(c.encaps) + ", #pkts encrypt: " + n(c.encaps) +
           ", #pkts digest: " + n(c.encaps) + "\n";
    out += "    #pkts decaps: " + n(c.decaps) + ", #pkts decrypt: " + n(c.decaps) +
           ", #pkts verify: " + n(c.decaps) + "\n";
    out += "    #pkts compressed: 0, #pkts decompressed: 0\n";
    out += "    #pkts not compressed: 0, #pkts compr. failed: 0\n";
    out += "    #pkts not decompressed: 0, #pkts decompress failed: 0\n";
    if (detail) {
      out += "    #pkts no sa (send) " + n(c.no_sa_send) + ", #pkts invalid sa (rcv) " + n(c.invalid_sa_rcv) +
             "\n";
      out += "    #pkts encaps failed (send) " + n(c.encaps_failed_send) + ", #pkts decaps failed (rcv) " +
             n(c.decaps_failed_rcv) + "\n";
      out += "    #pkts invalid prot (recv) 0, #pkts verify failed: " + n(c.verify_failed) + "\n";
      out += "    #pkts invalid identity (recv) " + n(c.invalid_identity_rcv) + ", #pkts invalid len (rcv) " +
             n(c.invalid_len_rcv) + "\n";
      out += "    #pkts replay rollover (send): " + n(c.replay_rollover_send) +
             ", #pkts replay rollover (rcv) 0\n";
      out += "    #pkts replay failed (rcv): " + n(c.replay_failed_rcv) + "\n";
      out += "    #pkts tagged (send): 0, #pkts untagged (rcv): 0\n";
      out += "    #pkts not tagged (send): 0, #pkts not untagged (rcv): 0\n";
      out += "    #pkts internal err (send): " + n(c.internal_err_send) + ", #pkts internal err (recv) " +
             n(c.internal_err_rcv) + "\n";
    } else {
      out += "    #send errors " + n(c.send_errors()) + ", #recv errors " + n(c.recv_errors()) + "\n";
    }
    out += "\n     local crypto endpt.: " + f.local.address.to_string() +
           ", remote crypto endpt.: " + f.remote.address.to_string() + "\n";
    // ESP overhead in transport mode with AES-CBC and a 12-16 byte ICV: IOS shows the payload room.
    const unsigned overhead = 20 + (f.sas.empty() || !f.sas.back().udp_encap ? 0 : 8) + 8 + 16 + 2 + 15 + 16;
    out += "     plaintext mtu " + n(f.path_mtu > overhead ? f.path_mtu - overhead : 0) + ", path mtu " +
           n(f.path_mtu) + ", ip mtu " + n(f.path_mtu) + "\n";
    out += "     current outbound spi: " + spi_text(f.current_outbound_spi) + "\n";
    out +=
        std::string("     PFS (Y/N): ") +
        (f.pfs_group == ike::DhGroup::kNone ? "N, DH group: none"
                                            : "Y, DH group: group" + n(static_cast<unsigned>(f.pfs_group))) +
        "\n";
    out += "\n     inbound esp sas:\n";
    for (const auto& sa : f.sas) {
      out += sa_block(sa, true, map);
    }
    out += "     inbound ah sas:\n\n     inbound pcp sas:\n\n     outbound esp sas:\n";
    for (const auto& sa : f.sas) {
      out += sa_block(sa, false, map);
    }
    out += "     outbound ah sas:\n\n     outbound pcp sas:\n";
  }
  return out;
}

}  // namespace hubsec::host::daemon
