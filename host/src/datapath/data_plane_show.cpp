// The show commands of the data plane, in IOS's layout (`show crypto ipsec sa`, `show dmvpn`,
// `show crypto session`).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "hubsec/host/config/model.hpp"
#include "hubsec/host/daemon/ipsec_sa_show.hpp"
#include "hubsec/host/datapath/data_plane.hpp"

namespace hubsec::host::datapath {

namespace {

std::string ip_text(std::uint32_t a) {
  return config::Ipv4{a}.to_string();
}

// A selector as IOS prints an ACL entry of `show crypto session`: `host A` or `A/MASK`.
std::string acl_address(const ike::TrafficSelector& ts) {
  const std::uint32_t lo = ts.start.v4_host_order(), hi = ts.end.v4_host_order();
  return lo == hi ? "host " + ip_text(lo) : ip_text(lo) + "/" + ip_text(~(lo ^ hi));
}

std::string acl(const std::vector<ike::TrafficSelector>& local,
                const std::vector<ike::TrafficSelector>& remote) {
  if (local.empty() || remote.empty() || local.front().start.v6 || remote.front().start.v6) {
    return "(none)";
  }
  const unsigned proto = local.front().ip_proto;
  return (proto ? std::to_string(proto) : std::string("ip")) + " " + acl_address(local.front()) + " " +
         acl_address(remote.front());
}

long long seconds_left(const SaEntry& e, std::chrono::steady_clock::time_point now) {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e.installed_at).count();
  return e.lifetime.seconds.count() ? std::max<long long>(0, e.lifetime.seconds.count() - age) : 0;
}

std::optional<std::uint64_t> kb_left(const SaEntry& e, const driver::SaCounters& c) {
  if (!e.lifetime.kilobytes) {
    return std::nullopt;
  }
  const std::uint64_t used = c.bytes / 1024;
  return used >= e.lifetime.kilobytes ? 0 : e.lifetime.kilobytes - used;
}

}  // namespace

std::string flow_key(const SaEntry& e) {
  return e.remote.address.to_string() + " " + daemon::ios_ident(e.local_ts) + " " +
         daemon::ios_ident(e.remote_ts);
}

daemon::IpsecFlowCounters DataPlane::sa_counters_locked(const SaEntry& e) const {
  const auto in = offload_.counters(e.inbound).value_or(driver::SaCounters{});
  const auto out = offload_.counters(e.outbound).value_or(driver::SaCounters{});
  daemon::IpsecFlowCounters c;
  c.encaps = out.packets;
  c.decaps = in.packets;
  c.invalid_sa_rcv = in.unknown_sa;
  c.encaps_failed_send = out.hard_limit_drops + out.pad_failures + out.length_failures + out.header_failures +
                         out.icv_failures + e.send_errors;
  c.decaps_failed_rcv = in.pad_failures + in.header_failures + in.hard_limit_drops + e.recv_errors;
  c.verify_failed = in.icv_failures;
  c.invalid_identity_rcv = e.policy_drops;
  c.invalid_len_rcv = in.length_failures;
  c.replay_rollover_send = out.seq_exhausted;
  c.replay_failed_rcv = in.replay_failures;
  c.internal_err_send = out.ring_full_drops + out.device_errors + out.unknown_sa + out.replay_failures;
  c.internal_err_rcv = in.ring_full_drops + in.device_errors + in.seq_exhausted;
  return c;
}

void DataPlane::retire_counters_locked(const SaEntry& e, bool last_of_flow) {
  const std::string key = flow_key(e);
  if (last_of_flow) {
    retired_.erase(key);  // the flow is gone (IOS forgets its counters with it)
  } else {
    retired_[key] += sa_counters_locked(e);
  }
}

std::string DataPlane::show_ipsec_sa(bool detail, const std::string& peer) const {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const bool soft = offload_.capabilities().backend.starts_with("soft");
  // One flow per peer and selector pair; its SAs oldest first; flows by peer address.
  std::vector<const SaEntry*> entries;
  for (const auto& [spi, e] : sad_.entries()) {
    entries.push_back(&e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const SaEntry* a, const SaEntry* b) { return a->generation < b->generation; });
  std::map<std::pair<std::uint32_t, std::string>, daemon::IpsecFlowView> flows;
  for (const SaEntry* e : entries) {
    const std::string key = flow_key(*e);
    auto [it, fresh] = flows.try_emplace({e->remote.address.v4_host_order(), key});
    daemon::IpsecFlowView& f = it->second;
    if (fresh) {
      f.interface = config_.interface_name;
      f.local_addr = ip_text(config_.local_nbma);
      f.local_ts = e->local_ts;
      f.remote_ts = e->remote_ts;
      if (auto r = retired_.find(key); r != retired_.end()) {
        f.counters = r->second;
      }
    }
    f.local = e->local;
    f.remote = e->remote;  // the newest SA's endpoints (after a NAT float)
    f.current_outbound_spi = e->outbound_spi;
    f.pfs_group = e->pfs_group;
    f.counters += sa_counters_locked(*e);
    const auto in = offload_.counters(e->inbound).value_or(driver::SaCounters{});
    const auto out = offload_.counters(e->outbound).value_or(driver::SaCounters{});
    daemon::IpsecSaView sa;
    sa.inbound_spi = e->inbound_spi;
    sa.outbound_spi = e->outbound_spi;
    sa.mode = e->mode;
    sa.encryption = e->encryption;
    sa.integrity = e->integrity;
    sa.udp_encap = e->udp_encap;
    sa.in_conn_id = e->inbound;
    sa.out_conn_id = e->outbound;
    sa.flow_id_prefix = soft ? "SW" : "HW";
    sa.in_kb_left = kb_left(*e, in);
    sa.out_kb_left = kb_left(*e, out);
    sa.seconds_left = static_cast<std::uint64_t>(seconds_left(*e, now));
    f.sas.push_back(sa);
  }
  std::vector<daemon::IpsecFlowView> list;
  for (auto& [key, f] : flows) {
    list.push_back(std::move(f));
  }
  std::string out = daemon::show_crypto_ipsec_sa(list, detail, peer);
  if (out.empty()) {
    out = "\ninterface: " + config_.interface_name +
          "\n    Crypto map tag: " + daemon::crypto_map_tag(config_.interface_name) + ", local addr " +
          ip_text(config_.local_nbma) + "\n";
  }
  if (detail) {
    // Drops before any SA is known (IOS logs these as %CRYPTO-4-RECVD_PKT_INV_SPI and the like).
    out += "\nData path drops: no SA " + std::to_string(counters_.no_sa_drops) + ", no NHRP mapping " +
           std::to_string(counters_.no_nhrp_drops) + ", unknown SPI " +
           std::to_string(counters_.unknown_spi_drops) + ", malformed " +
           std::to_string(counters_.malformed_drops) + ", not IPv4 " +
           std::to_string(counters_.non_ipv4_drops) + ", policy " + std::to_string(counters_.policy_drops) +
           ", crypto " + std::to_string(counters_.crypto_drops) + ", SA refused " +
           std::to_string(counters_.install_refused) + "\n";
    out += "Lifetime: soft limits reported " + std::to_string(counters_.soft_limit_events) +
           ", hard limits " + std::to_string(counters_.hard_limit_events) + "\n";
  }
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
  std::map<std::string, std::vector<const SaEntry*>> flows;
  for (const auto& [spi, e] : sad_.entries()) {
    flows[flow_key(e)].push_back(&e);
  }
  for (const auto& [key, sas] : flows) {
    const SaEntry& e = *sas.front();
    daemon::IpsecFlowCounters c;
    if (auto r = retired_.find(key); r != retired_.end()) {
      c = r->second;
    }
    for (const SaEntry* s : sas) {
      c += sa_counters_locked(*s);
    }
    out += "\nInterface: " + config_.interface_name +
           "\nSession status: UP-ACTIVE\nPeer: " + e.remote.address.to_string() + " port " +
           std::to_string(e.remote.port) + "\n  IKEv2 SA: local " + e.local.address.to_string() + "/" +
           std::to_string(e.local.port) + " remote " + e.remote.address.to_string() + "/" +
           std::to_string(e.remote.port) + " Active\n  IPSEC FLOW: permit " + acl(e.local_ts, e.remote_ts) +
           "\n        Active SAs: " + std::to_string(2 * sas.size()) + ", origin: crypto map\n" +
           "        Inbound:  #pkts dec'ed " + std::to_string(c.decaps) + " drop " +
           std::to_string(c.recv_errors()) + "\n        Outbound: #pkts enc'ed " + std::to_string(c.encaps) +
           " drop " + std::to_string(c.send_errors()) + "\n";
  }
  return out;
}

}  // namespace hubsec::host::datapath
