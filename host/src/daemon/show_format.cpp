#include "hubsec/host/daemon/show_format.hpp"

#include <cstdio>

namespace hubsec::host::daemon {

namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.append(width - s.size(), ' ');
  }
  return s;
}

std::string spi16(std::uint64_t spi) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(spi));
  return buf;
}

std::string_view hash_name(ike::IntegAlg alg) {
  switch (alg) {
    case ike::IntegAlg::kHmacSha1_96: return "SHA96";
    case ike::IntegAlg::kHmacSha2_256_128: return "SHA256";
    case ike::IntegAlg::kHmacSha2_384_192: return "SHA384";
    case ike::IntegAlg::kHmacSha2_512_256: return "SHA512";
    case ike::IntegAlg::kNone: return "None";
  }
  return "?";
}

std::string_view prf_name(ike::PrfAlg alg) {
  switch (alg) {
    case ike::PrfAlg::kHmacSha1: return "SHA1";
    case ike::PrfAlg::kHmacSha2_256: return "SHA256";
    case ike::PrfAlg::kHmacSha2_384: return "SHA384";
    case ike::PrfAlg::kHmacSha2_512: return "SHA512";
  }
  return "?";
}

std::string n(std::uint64_t v) {
  return std::to_string(v);
}

}  // namespace

std::string_view ios_status(ike::IkeSaStatus status) {
  switch (status) {
    case ike::IkeSaStatus::kReady:
    case ike::IkeSaStatus::kRekeying: return "READY";
    case ike::IkeSaStatus::kDeleting: return "DELETE";
    default: return "IN-NEG";
  }
}

std::string show_ikev2_sa(const std::vector<ike::IkeSaSnapshot>& sas, bool detailed,
                          const std::vector<ShowContext>& context) {
  std::string out = " IPv4 Crypto IKEv2  SA \n\n";
  bool header = false;
  for (std::size_t i = 0; i < sas.size(); ++i) {
    const ike::IkeSaSnapshot& sa = sas[i];
    if (sa.local.address.v6) {
      continue;
    }
    if (!header) {
      out += "Tunnel-id Local                 Remote                fvrf/ivrf            Status \n";
      header = true;
    }
    out += pad(n(sa.id), 10) + pad(sa.local.to_string(), 22) + pad(sa.remote.to_string(), 22) +
           pad(sa.fvrf + "/" + sa.ivrf, 21) + pad(std::string(ios_status(sa.status)), 7) + "\n";
    out += "      Encr: AES-CBC, keysize: " + n(sa.encr_key_bits) +
           ", PRF: " + std::string(prf_name(sa.prf)) + ", Hash: " + std::string(hash_name(sa.integrity)) +
           ", DH Grp:" + n(static_cast<unsigned>(sa.dh_group)) + ", Auth sign: PSK, Auth verify: PSK\n";
    out += "      Life/Active Time: " + n(sa.lifetime_seconds) + "/" + n(sa.active_seconds) + " sec\n";
    if (!detailed) {
      continue;
    }
    const std::uint64_t local_spi = sa.initiator ? sa.initiator_spi : sa.responder_spi;
    const std::uint64_t remote_spi = sa.initiator ? sa.responder_spi : sa.initiator_spi;
    out += "      CE id: 0, Session-id: " + n(sa.id) + "\n";
    out += "      Status Description: " +
           std::string(sa.status == ike::IkeSaStatus::kReady || sa.status == ike::IkeSaStatus::kRekeying
                           ? "Negotiation done"
                       : sa.status == ike::IkeSaStatus::kDeleting ? "Deleting"
                                                                  : "Negotiation in progress") +
           "\n";
    out += "      Local spi: " + spi16(local_spi) + "       Remote spi: " + spi16(remote_spi) + "\n";
    out += "      Local id: " + sa.local_id.to_string() + "\n";
    out += "      Remote id: " + sa.remote_id.to_string() + "\n";
    out += "      Local req msg id:  " + pad(n(sa.next_request_id), 15) +
           "Remote req msg id:  " + pad(n(sa.next_expected_id), 10) + "\n";
    out += "      Local next msg id: " + pad(n(sa.next_request_id), 15) +
           "Remote next msg id: " + pad(n(sa.next_expected_id), 10) + "\n";
    out += "      Local req queued:  " + pad(n(sa.next_request_id), 15) +
           "Remote req queued:  " + pad(n(sa.next_expected_id), 10) + "\n";
    out += "      Local window:      1              Remote window:      1         \n";
    const std::uint32_t retry = i < context.size() ? context[i].dpd_retry_seconds : 0;
    out += "      DPD configured for " + n(static_cast<std::uint64_t>(sa.dpd_interval.count())) +
           " seconds, retry " + n(retry) + "\n";
    out += sa.fragmentation ? "      IETF Std Fragmentation enabled.\n"
                            : "      Fragmentation not configured.\n";
    out += "      Extended Authentication not configured.\n";
    out += sa.nat_local    ? "      NAT-T is detected inside \n"
           : sa.nat_remote ? "      NAT-T is detected outside\n"
                           : "      NAT-T is not detected  \n";
    out += "      Cisco Trust Security SGT is disabled\n";
    out += std::string("      Initiator of SA : ") + (sa.initiator ? "Yes" : "No") + "\n";
    if (!sa.profile.empty()) {
      out += "      IKEv2 profile: " + sa.profile + "\n";
    }
    out += "      Child SAs: " + n(sa.children.size()) + "\n";
    for (const ike::ChildSaSnapshot& c : sa.children) {
      char spis[64];
      std::snprintf(spis, sizeof spis, "in 0x%08X out 0x%08X", c.inbound_spi, c.outbound_spi);
      out += std::string("        ") + spis + ", " +
             (c.encryption == ike::EspEncr::kAesCbc256 ? "esp-aes 256" : "esp-aes") + " " +
             (c.integrity == ike::EspInteg::kHmacSha1_96 ? "esp-sha-hmac" : "esp-sha256-hmac") + ", " +
             (c.mode == ike::ChildMode::kTunnel ? "Tunnel" : "Transport") + ", age " +
             n(c.established_seconds) + " sec" + (c.rekeying ? ", rekeying" : "") + "\n";
      for (const auto& ts : c.local_ts) {
        out += "          local  " + ts.to_string() + "\n";
      }
      for (const auto& ts : c.remote_ts) {
        out += "          remote " + ts.to_string() + "\n";
      }
    }
    out += "\n";
  }
  out += "\n IPv6 Crypto IKEv2  SA \n\n";
  return out;
}

std::string show_ikev2_stats(const ike::EngineStats& s, std::uint32_t max_sas,
                             std::uint32_t max_in_negotiation) {
  const std::string rule(80, '-');
  std::string out;
  out += rule + "\n                      Crypto IKEv2 SA Statistics\n" + rule + "\n";
  out += "System Resource Limit:   0        Max IKEv2 SAs: " + pad(n(max_sas), 9) +
         "Max in nego(in/out): " + n(max_in_negotiation) + "/" + n(max_in_negotiation) + "\n";
  out += "Total incoming IKEv2 SA Count:    " + pad(n(s.incoming_sas), 9) +
         "active:        " + pad(n(s.incoming_active), 9) + "negotiating: " + n(s.incoming_negotiating) +
         "\n";
  out += "Total outgoing IKEv2 SA Count:    " + pad(n(s.outgoing_sas), 9) +
         "active:        " + pad(n(s.outgoing_active), 9) + "negotiating: " + n(s.outgoing_negotiating) +
         "\n";
  out += "Incoming IKEv2 Requests: " + pad(n(s.incoming_requests), 9) +
         "accepted:      " + pad(n(s.incoming_accepted), 9) + "rejected:    " + n(s.incoming_rejected) + "\n";
  out += "Outgoing IKEv2 Requests: " + pad(n(s.outgoing_requests), 9) +
         "accepted:      " + pad(n(s.outgoing_accepted), 9) + "rejected:    " + n(s.outgoing_rejected) + "\n";
  out += "Rejected IKEv2 Requests: " + pad(n(s.incoming_rejected + s.outgoing_rejected), 9) +
         "rsrc low:      " + pad(n(s.rejected_resource_low), 9) + "SA limit:    " + n(s.rejected_sa_limit) +
         "\n";
  out += "IKEv2 packets dropped at dispatch: " + n(s.dropped_at_dispatch) + "\n";
  out += "Incoming IKEV2 Cookie Challenged Requests: " + n(s.cookie_challenged) + "\n";
  out += "                 accepted: " + pad(n(s.cookie_accepted), 9) +
         "rejected: " + pad(n(s.cookie_rejected), 9) +
         "rejected no cookie: " + n(s.cookie_rejected_no_cookie) + "\n";
  out += "Total Deleted sessions of Cert Revoked Peers: 0\n";
  // hubsec's own counters, after IOS's block.
  out += "\nhubsec counters:\n";
  auto row = [&](const char* name, std::uint64_t v) { out += "  " + pad(name, 26) + n(v) + "\n"; };
  row("decode errors", s.decode_errors);
  row("integrity failures", s.integrity_failures);
  row("authentication failures", s.auth_failures);
  row("no proposal chosen", s.no_proposal_chosen);
  row("INVALID_KE sent", s.invalid_ke_sent);
  row("INVALID_KE received", s.invalid_ke_received);
  row("retransmissions sent", s.retransmits_sent);
  row("retransmissions answered", s.retransmits_answered);
  row("retransmits exhausted", s.exhausted);
  row("child SAs installed", s.child_sas_installed);
  row("child SA rekeys", s.child_rekeys);
  row("IKE SA rekeys", s.ike_rekeys);
  row("rekey collisions", s.rekey_collisions);
  row("DPD sent", s.dpd_sent);
  row("fragments sent", s.fragments_sent);
  row("fragments received", s.fragments_received);
  row("unsupported critical", s.unsupported_critical);
  return out;
}

std::string show_ike_socket_counters(const IkeSocketCounters& c) {
  std::string out;
  auto row = [&](const char* name, std::uint64_t v) { out += "  " + pad(name, 27) + n(v) + "\n"; };
  row("NAT keepalives received", c.keepalives);
  row("malformed datagrams", c.malformed);
  row("send errors", c.send_errors);
  // The data plane reads port 4500 and queues what is not ESP (IKE, keepalives) for the daemon; a flood
  // beyond that queue (4,096 datagrams) is dropped before the daemon sees it.
  row("4500 non-ESP queue drops", c.natt_queue_drops);
  return out;
}

}  // namespace hubsec::host::daemon
