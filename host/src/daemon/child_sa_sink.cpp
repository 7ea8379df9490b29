#include "hubsec/host/daemon/child_sa_sink.hpp"

#include <cstdio>

#include "hubsec/host/daemon/ipsec_sa_show.hpp"
#include "hubsec/host/daemon/logger.hpp"

namespace hubsec::host::daemon {

namespace {

std::string spi_text(std::uint32_t spi) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", spi);
  return buf;
}

std::string ts_list(const std::vector<ike::TrafficSelector>& list) {
  std::string out;
  for (const auto& ts : list) {
    out += (out.empty() ? "" : ", ") + ts.to_string();
  }
  return out;
}

}  // namespace

std::string ChildSaRecord::describe() const {
  std::string out = "in " + spi_text(inbound_spi) + " out " + spi_text(outbound_spi) + " " +
                    (encryption == ike::EspEncr::kAesCbc256 ? "esp-aes 256" : "esp-aes") + " " +
                    (integrity == ike::EspInteg::kHmacSha1_96 ? "esp-sha-hmac" : "esp-sha256-hmac") + " " +
                    (mode == ike::ChildMode::kTunnel ? "Tunnel" : "Transport") +
                    (udp_encap ? " UDP-Encaps" : "") + " local " + local.to_string() + " remote " +
                    remote.to_string() + " ts {" + ts_list(local_ts) + "} === {" + ts_list(remote_ts) + "}";
  return out;
}

void LoggingChildSaSink::install(const ike::ChildSaInstall& event) {
  const ike::ChildSaInfo& sa = event.sa;
  ChildSaRecord r;
  r.ike_sa = sa.ike_sa;
  r.reqid = sa.reqid;
  r.inbound_spi = sa.inbound.spi;
  r.outbound_spi = sa.outbound.spi;
  r.mode = sa.mode;
  r.encryption = sa.encryption;
  r.integrity = sa.integrity;
  r.local = sa.local;
  r.remote = sa.remote;
  r.udp_encap = sa.udp_encap;
  r.local_ts = sa.local_ts;
  r.remote_ts = sa.remote_ts;
  std::string text = "child SA installed (IKE SA " + std::to_string(sa.ike_sa) + ", reqid " +
                     std::to_string(sa.reqid) + "): " + r.describe();
  if (event.replaces_inbound_spi != 0) {
    text += " (rekey of in " + spi_text(event.replaces_inbound_spi) + ")";
  }
  log_.info(text);
  by_inbound_spi_[r.inbound_spi] = std::move(r);
}

void LoggingChildSaSink::update(const ike::ChildSaUpdate& event) {
  auto it = by_inbound_spi_.find(event.inbound_spi);
  if (it == by_inbound_spi_.end()) {
    log_.warn("child SA update for unknown in SPI " + spi_text(event.inbound_spi));
    return;
  }
  it->second.local = event.local;
  it->second.remote = event.remote;
  it->second.udp_encap = event.udp_encap;
  log_.info("child SA updated: " + it->second.describe());
}

void LoggingChildSaSink::remove(const ike::ChildSaDelete& event) {
  static constexpr const char* kReasons[] = {"rekeyed", "peer deleted", "local delete", "IKE SA gone",
                                             "expired"};
  auto it = by_inbound_spi_.find(event.inbound_spi);
  log_.info("child SA deleted (" + std::string(kReasons[static_cast<int>(event.reason)]) + "): in " +
            spi_text(event.inbound_spi) + " out " + spi_text(event.outbound_spi));
  if (it != by_inbound_spi_.end()) {
    by_inbound_spi_.erase(it);
  }
}

void LoggingChildSaSink::esp_in_udp(const ike::Endpoint&, const ike::Endpoint&, ike::ByteView packet) {
  if (packet.size() < 4) {
    return;
  }
  const std::uint32_t spi = (std::uint32_t{packet[0]} << 24) | (std::uint32_t{packet[1]} << 16) |
                            (std::uint32_t{packet[2]} << 8) | std::uint32_t{packet[3]};
  auto it = by_inbound_spi_.find(spi);
  if (it == by_inbound_spi_.end()) {
    ++esp_unknown_spi_;
    return;
  }
  ++it->second.esp_packets_received;  // no data path yet: counted and dropped
}

std::string LoggingChildSaSink::show_ipsec_sa(bool detail, const std::string& peer) const {
  std::vector<IpsecFlowView> flows;
  for (const auto& [spi, r] : by_inbound_spi_) {
    IpsecFlowView f;
    f.local_addr = r.local.address.to_string();
    f.local_ts = r.local_ts;
    f.remote_ts = r.remote_ts;
    f.local = r.local;
    f.remote = r.remote;
    f.current_outbound_spi = r.outbound_spi;
    f.counters.internal_err_rcv = r.esp_packets_received;
    IpsecSaView sa;
    sa.inbound_spi = r.inbound_spi;
    sa.outbound_spi = r.outbound_spi;
    sa.mode = r.mode;
    sa.encryption = r.encryption;
    sa.integrity = r.integrity;
    sa.udp_encap = r.udp_encap;
    sa.flow_id_prefix = "none";  // no ESP backend: nothing is installed
    f.sas.push_back(sa);
    flows.push_back(std::move(f));
  }
  std::string out = show_crypto_ipsec_sa(flows, detail, peer);
  if (detail) {
    out += "\nNo ESP data path (no tunnel interface address): ESP is counted and dropped; unknown SPI " +
           std::to_string(esp_unknown_spi_) + "\n";
  }
  return out;
}

}  // namespace hubsec::host::daemon
