// `show crypto ipsec sa [detail]` in IOS's layout: one block per interface, then one per protected
// flow (local/remote ident and peer) with the flow's counters, its current outbound SPI, and every
// Child SA of the flow under `inbound esp sas:` / `outbound esp sas:` (oldest first, so the n-th
// inbound and the n-th outbound SA are one Child SA). A pure function of the views below, filled by
// the data plane (host/src/datapath/data_plane_show.cpp) or by LoggingChildSaSink. No keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hubsec/ike/actions.hpp"

namespace hubsec::host::daemon {

// What IOS counts per flow (cumulative over the flow's Child SAs, rekeys included).
struct IpsecFlowCounters {
  std::uint64_t encaps = 0, decaps = 0;    // packets protected / verified and decrypted
  std::uint64_t no_sa_send = 0;            // outbound traffic of this flow with no SA
  std::uint64_t invalid_sa_rcv = 0;        // SPI/handle mismatch at the backend
  std::uint64_t encaps_failed_send = 0;    // outbound refused (lifetime, sequence, socket)
  std::uint64_t decaps_failed_rcv = 0;     // bad padding, bad header, bad GRE inside
  std::uint64_t verify_failed = 0;         // ICV mismatch
  std::uint64_t invalid_identity_rcv = 0;  // decrypted but outside the SA's selectors
  std::uint64_t invalid_len_rcv = 0;
  std::uint64_t replay_rollover_send = 0;  // sequence space exhausted
  std::uint64_t replay_failed_rcv = 0;
  std::uint64_t internal_err_send = 0, internal_err_rcv = 0;  // ring full, device errors, no data path

  std::uint64_t send_errors() const;
  std::uint64_t recv_errors() const;
  IpsecFlowCounters& operator+=(const IpsecFlowCounters& o);
};

// One Child SA (both directions).
struct IpsecSaView {
  std::uint32_t inbound_spi = 0, outbound_spi = 0;
  ike::ChildMode mode = ike::ChildMode::kTransport;
  ike::EspEncr encryption = ike::EspEncr::kAesCbc256;
  ike::EspInteg integrity = ike::EspInteg::kHmacSha1_96;
  bool udp_encap = false;
  std::uint32_t in_conn_id = 0, out_conn_id = 0;  // backend handles
  std::string flow_id_prefix = "SW";              // IOS: SW (software) or the hardware engine
  // Remaining lifetime: kilobytes (nullopt = volume lifetime disabled) and seconds.
  std::optional<std::uint64_t> in_kb_left, out_kb_left;
  std::uint64_t seconds_left = 0;
};

struct IpsecFlowView {
  std::string interface = "Tunnel0";
  std::string local_addr;  // the interface's tunnel source (Crypto map tag line)
  std::vector<ike::TrafficSelector> local_ts, remote_ts;
  ike::Endpoint local, remote;
  std::uint16_t path_mtu = 1500;  // outer link
  std::uint32_t current_outbound_spi = 0;
  ike::DhGroup pfs_group = ike::DhGroup::kNone;
  IpsecFlowCounters counters;
  std::vector<IpsecSaView> sas;  // oldest first
};

// IOS's crypto map name for tunnel protection: "<interface>-head-0".
std::string crypto_map_tag(const std::string& interface);

// Flows are printed in the order given, grouped under an `interface:` line when it changes; with
// `peer` (`show crypto ipsec sa peer A.B.C.D`) only the flows to that address.
std::string show_crypto_ipsec_sa(const std::vector<IpsecFlowView>& flows, bool detail,
                                 const std::string& peer = {});

// IOS's (addr/mask/prot/port) for the first IPv4 selector of a list.
std::string ios_ident(const std::vector<ike::TrafficSelector>& list);

}  // namespace hubsec::host::daemon
