#include "hubsec/host/datapath/data_plane.hpp"

#include <openssl/crypto.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "hubsec/driver/byte_order.hpp"
#include "hubsec/driver/ipv4.hpp"
#include "hubsec/host/daemon/logger.hpp"
#include "hubsec/host/datapath/gre.hpp"
#include "hubsec/host/datapath/nhrp.hpp"
#include "hubsec/host/datapath/tcp_mss.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr std::size_t kEspOverhead =
    20 + 8 + 8 + 16 + 15 + 2 + 16;  // outer IP, UDP, SPI/seq, IV, pad, trailer, ICV
constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::size_t kHeldMax = 64;  // ESP kept for an SPI about to be installed (DataPlane::held_)
constexpr auto kHeldFor = std::chrono::milliseconds(500);
constexpr std::uint8_t kIpProtoUdp = 17;

std::string spi_text(std::uint32_t spi) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", spi);
  return buf;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Fills the backend's parameters for one direction; false when the backend cannot do the transform.
bool make_params(const ike::ChildSaInfo& sa, driver::Direction dir, driver::SaParams& p) {
  const ike::EspKeys& keys = dir == driver::Direction::kInbound ? sa.inbound : sa.outbound;
  if (sa.encryption != ike::EspEncr::kAesCbc256 || keys.encryption.size() != driver::kAesKeyBytes) {
    return false;  // the backends do AES-256-CBC only
  }
  p.integrity = sa.integrity == ike::EspInteg::kHmacSha1_96 ? driver::IntegrityAlg::kHmacSha1_96
                                                            : driver::IntegrityAlg::kHmacSha256_128;
  if (keys.integrity.size() != driver::integrity_key_bytes(p.integrity) || sa.local.address.v6 ||
      sa.remote.address.v6) {
    return false;
  }
  p.direction = dir;
  p.spi = keys.spi;
  p.mode = sa.mode == ike::ChildMode::kTunnel ? driver::EspMode::kTunnel : driver::EspMode::kTransport;
  std::copy(keys.encryption.view().begin(), keys.encryption.view().end(), p.enc_key.begin());
  std::copy(keys.integrity.view().begin(), keys.integrity.view().end(), p.auth_key.begin());
  p.esn = sa.esn;
  p.tunnel_src = sa.local.address.v4_host_order();
  p.tunnel_dst = sa.remote.address.v4_host_order();
  p.udp_encap = sa.udp_encap;
  if (dir == driver::Direction::kOutbound) {
    p.udp_sport = sa.local.port;
    p.udp_dport = sa.remote.port;
  } else {
    p.udp_sport = sa.remote.port;
    p.udp_dport = sa.local.port;
  }
  // Hard limits from the profile; the soft limit (rekey warning) at 90 %.
  p.hard_bytes = sa.lifetime.kilobytes * 1024;
  p.soft_bytes = p.hard_bytes / 10 * 9;
  p.hard_packets = sa.lifetime.packets;
  p.soft_packets = p.hard_packets / 10 * 9;
  return true;
}

void wipe(driver::SaParams& p) {
  OPENSSL_cleanse(p.enc_key.data(), p.enc_key.size());
  OPENSSL_cleanse(p.auth_key.data(), p.auth_key.size());
}

// Transport mode through a NAT (RFC 7296 2.23.1, RFC 3948 3.1.2): the selectors name the peers'
// original addresses (a spoke's private address: its NAT-OA), but the packets carry the translated
// ones, and the decapsulated header is the one the NAT rewrote. The data path therefore matches
// (and, through the NBMA address NHRP records from the outer source, sends to) the endpoints IKE
// observed, keeping the selectors' protocol and ports. Returns the original remote address when
// it differs from the observed one (for the log), else an empty string.
std::string map_transport_selectors_to_endpoints(SaEntry& e) {
  if (e.mode != ike::ChildMode::kTransport || !e.udp_encap) {
    return {};
  }
  std::string original;
  for (auto& ts : e.remote_ts) {
    if (ts.start != e.remote.address && original.empty()) {
      original = ts.start.to_string();
    }
    ts.start = ts.end = e.remote.address;
  }
  for (auto& ts : e.local_ts) {
    ts.start = ts.end = e.local.address;
  }
  return original;
}

}  // namespace

std::optional<FlowKey> flow_of(Packet ipv4) {
  auto h = driver::parse_ipv4(ipv4);
  if (!h) {
    return std::nullopt;
  }
  FlowKey f{h->src, h->dst, h->protocol, 0, 0};
  if ((h->protocol == kIpProtoTcp || h->protocol == kIpProtoUdp) && !h->is_fragment() &&
      h->total_len >= h->header_len + 4) {
    f.src_port = static_cast<std::uint16_t>((ipv4[h->header_len] << 8) | ipv4[h->header_len + 1]);
    f.dst_port = static_cast<std::uint16_t>((ipv4[h->header_len + 2] << 8) | ipv4[h->header_len + 3]);
  }
  return f;
}

DataPlane::DataPlane(driver::EspOffload& offload, PacketIo& io, daemon::Logger& log, DataPlaneConfig config)
    : offload_(offload), io_(io), log_(log), config_(std::move(config)) {
  for (const auto& [tunnel, nbma] : config_.static_nhrp) {
    nhrp_[tunnel] = NhrpPeer{tunnel, nbma, false, std::chrono::steady_clock::now()};
  }
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

DataPlane::~DataPlane() {
  std::lock_guard lock(mutex_);
  while (!sad_.empty()) {
    remove_locked(sad_.entries().begin()->first);
  }
  if (event_fd_ >= 0) {
    ::close(event_fd_);
  }
}

void DataPlane::lifetime_event_locked(SaEntry& e, bool hard) {
  bool& reported = hard ? e.hard_reported : e.soft_reported;
  if (reported) {
    return;
  }
  reported = true;
  ++(hard ? counters_.hard_limit_events : counters_.soft_limit_events);
  log_.info("ESP SA in " + spi_text(e.inbound_spi) + ": " + (hard ? "hard" : "soft") +
            " volume lifetime reached" +
            (hard ? ", its traffic drops until IKE deletes it" : ", asking IKE to rekey"));
  lifetime_events_.push_back(daemon::LifetimeEvent{e.inbound_spi, hard});
  if (event_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd_, &one, sizeof one);
  }
}

std::vector<daemon::LifetimeEvent> DataPlane::take_lifetime_events() {
  std::lock_guard lock(mutex_);
  if (event_fd_ >= 0) {
    std::uint64_t value = 0;
    [[maybe_unused]] auto n = ::read(event_fd_, &value, sizeof value);
  }
  std::vector<daemon::LifetimeEvent> out;
  out.swap(lifetime_events_);
  return out;
}

void DataPlane::install(const ike::ChildSaInstall& event) {
  std::lock_guard lock(mutex_);
  const ike::ChildSaInfo& sa = event.sa;
  driver::SaParams in, out;
  const bool ok =
      make_params(sa, driver::Direction::kInbound, in) && make_params(sa, driver::Direction::kOutbound, out);
  SaEntry e;
  e.ike_sa = sa.ike_sa;
  e.reqid = sa.reqid;
  e.inbound_spi = sa.inbound.spi;
  e.outbound_spi = sa.outbound.spi;
  e.mode = sa.mode;
  e.encryption = sa.encryption;
  e.integrity = sa.integrity;
  e.esn = sa.esn;
  e.local = sa.local;
  e.remote = sa.remote;
  e.udp_encap = sa.udp_encap;
  e.local_ts = sa.local_ts;
  e.remote_ts = sa.remote_ts;
  e.lifetime = sa.lifetime;
  e.pfs_group = sa.pfs_group;
  e.installed_at = std::chrono::steady_clock::now();
  if (const std::string nat_oa = map_transport_selectors_to_endpoints(e); !nat_oa.empty()) {
    log_.info("transport mode through NAT: the peer's selector " + nat_oa + " (its original address) is " +
              e.remote.to_string() + " on the wire; GRE to it goes there");
  }
  if (ok) {
    // Inbound first: the peer may use the new SA as soon as it has our response.
    e.inbound = offload_.install_sa(in);
    if (e.inbound != driver::kInvalidSa) {
      e.outbound = offload_.install_sa(out);
    }
  }
  if (e.inbound != driver::kInvalidSa && e.outbound != driver::kInvalidSa) {
    auto stored = std::make_unique<StoredParams>();
    stored->in = in;
    stored->out = out;
    params_[e.inbound_spi] = std::move(stored);
  }
  wipe(in);
  wipe(out);
  if (e.inbound == driver::kInvalidSa || e.outbound == driver::kInvalidSa) {
    if (e.inbound != driver::kInvalidSa) {
      offload_.remove_sa(e.inbound);
    }
    ++counters_.install_refused;
    log_.error("child SA in " + spi_text(e.inbound_spi) +
               " refused by the ESP backend (transform or table): " + "its traffic is dropped");
    return;
  }
  log_.info("ESP SA installed: in " + spi_text(e.inbound_spi) + " out " + spi_text(e.outbound_spi) +
            " reqid " + std::to_string(e.reqid) +
            (event.replaces_inbound_spi
                 ? " (rekey of in " + spi_text(event.replaces_inbound_spi) + ", kept until its delete)"
                 : ""));
  // A new (not rekeyed) SA to our NHS: the tunnel just came up (first time, after the hub's
  // `clear crypto sa`, after DPD), and the NHS may have forgotten us: register now, not at the
  // next holding-time refresh.
  if (!event.replaces_inbound_spi && !e.remote.address.v6) {
    for (const auto& [tunnel, nbma] : config_.static_nhrp) {
      if (nbma == e.remote.address.v4_host_order()) {
        registered_ = false;
        next_registration_ = {};
      }
    }
  }
  const std::uint32_t inbound_spi = e.inbound_spi;
  sad_.add(std::move(e));
  run_held_locked(inbound_spi);
}

void DataPlane::update(const ike::ChildSaUpdate& event) {
  std::lock_guard lock(mutex_);
  SaEntry* e = sad_.by_inbound_spi(event.inbound_spi);
  if (!e) {
    log_.warn("ESP SA update for unknown in SPI " + spi_text(event.inbound_spi));
    return;
  }
  auto stored = params_.find(event.inbound_spi);
  if (stored == params_.end() || event.local.address.v6 || event.remote.address.v6) {
    log_.warn("ESP SA in " + spi_text(event.inbound_spi) + ": endpoint change not applied");
    return;
  }
  // The backend's SA carries the encapsulation: re-install both directions with the new endpoints,
  // continuing the sequence numbers (inbound: everything up to the highest seen counts as seen).
  driver::SaParams in = stored->second->in, out = stored->second->out;
  const auto in_counters = offload_.counters(e->inbound).value_or(driver::SaCounters{});
  const auto out_counters = offload_.counters(e->outbound).value_or(driver::SaCounters{});
  in.initial_seq = in_counters.last_seq;
  out.initial_seq = out_counters.last_seq;
  for (driver::SaParams* p : {&in, &out}) {
    p->tunnel_src = event.local.address.v4_host_order();
    p->tunnel_dst = event.remote.address.v4_host_order();
    p->udp_encap = event.udp_encap;
  }
  out.udp_sport = in.udp_dport = event.local.port;
  out.udp_dport = in.udp_sport = event.remote.port;
  const driver::SaHandle new_in = offload_.install_sa(in);
  const driver::SaHandle new_out =
      new_in != driver::kInvalidSa ? offload_.install_sa(out) : driver::kInvalidSa;
  if (new_out == driver::kInvalidSa) {
    if (new_in != driver::kInvalidSa) {
      offload_.remove_sa(new_in);
    }
    wipe(in);
    wipe(out);
    log_.error("ESP SA in " + spi_text(event.inbound_spi) + ": re-install for new endpoints refused");
    return;
  }
  const daemon::IpsecFlowCounters so_far = sa_counters_locked(*e);  // the new handles count from zero
  offload_.remove_sa(e->inbound);
  offload_.remove_sa(e->outbound);
  e->inbound = new_in;
  e->outbound = new_out;
  e->local = event.local;
  e->remote = event.remote;
  e->udp_encap = event.udp_encap;
  map_transport_selectors_to_endpoints(*e);  // a NAT mapping change moves the observed address
  retired_[flow_key(*e)] += so_far;          // kept under the flow's key as it is now
  stored->second->in = in;
  stored->second->out = out;
  wipe(in);
  wipe(out);
  log_.info("ESP SA in " + spi_text(event.inbound_spi) + " moved to " + event.local.to_string() + " <-> " +
            event.remote.to_string() + (event.udp_encap ? " (UDP-encapsulated)" : ""));
}

DataPlane::StoredParams::~StoredParams() {
  wipe(in);
  wipe(out);
}

void DataPlane::remove_locked(std::uint32_t inbound_spi) {
  params_.erase(inbound_spi);
  const SaEntry* gone = sad_.by_inbound_spi(inbound_spi);
  if (!gone) {
    return;
  }
  const std::string key = flow_key(*gone);
  bool last_of_flow = true, last_to_peer = true;
  for (const auto& [spi, other] : sad_.entries()) {
    if (spi != inbound_spi) {
      last_of_flow = last_of_flow && flow_key(other) != key;
      last_to_peer = last_to_peer && other.remote.address != gone->remote.address;
    }
  }
  retire_counters_locked(*gone, last_of_flow);
  auto e = sad_.take(inbound_spi);
  offload_.remove_sa(e->inbound);
  offload_.remove_sa(e->outbound);
  // The peer's last SA is gone (deleted, DPD, expired): its dynamic NHRP mappings go with it, as a
  // DMVPN hub clears the cache entry when the tunnel protection goes down. It registers again.
  if (last_to_peer && !e->remote.address.v6) {
    const std::uint32_t nbma = e->remote.address.v4_host_order();
    std::erase_if(nhrp_, [nbma](const auto& kv) { return kv.second.dynamic && kv.second.nbma == nbma; });
  }
}

void DataPlane::remove(const ike::ChildSaDelete& event) {
  std::lock_guard lock(mutex_);
  SaEntry* e = sad_.by_inbound_spi(event.inbound_spi);
  if (!e) {
    return;
  }
  if (event.reason == ike::ChildSaDelete::Reason::kRekeyed && !e->retiring) {
    // Its successor carries the traffic now; ESP the peer sent on it before it switched may still
    // be queued behind the IKE delete (another socket, another thread): decrypt it for a while.
    e->retiring = true;
    e->retire_at = std::chrono::steady_clock::now() + kRekeyedGrace;
    log_.info("ESP SA rekeyed: in " + spi_text(event.inbound_spi) + " out " + spi_text(event.outbound_spi) +
              " inbound only until it retires");
    return;
  }
  remove_locked(event.inbound_spi);
  log_.info("ESP SA removed: in " + spi_text(event.inbound_spi) + " out " + spi_text(event.outbound_spi));
}

void DataPlane::esp_in_udp(const ike::Endpoint& local, const ike::Endpoint& remote, ike::ByteView esp) {
  std::lock_guard lock(mutex_);
  if (local.address.v6 || remote.address.v6) {
    ++counters_.network_in;
    ++counters_.malformed_drops;
    return;
  }
  const UdpEsp u{remote.address.v4_host_order(), local.address.v4_host_order(), remote.port, local.port, esp};
  network_udp_locked(std::span<const UdpEsp>(&u, 1));
}

void DataPlane::from_network_udp(std::span<const UdpEsp> packets) {
  std::lock_guard lock(mutex_);
  network_udp_locked(packets);
}

void DataPlane::network_udp_locked(std::span<const UdpEsp> packets) {
  constexpr std::size_t kHeaders = driver::kIpv4MinHeaderBytes + driver::kUdpHeaderBytes;
  std::vector<Pending> jobs;
  jobs.reserve(packets.size());
  for (const UdpEsp& u : packets) {
    ++counters_.network_in;
    if (u.esp.size() < 8 || kHeaders + u.esp.size() > driver::kIpv4MaxPacketBytes) {
      ++counters_.malformed_drops;
      continue;
    }
    // The backend works on whole packets: IP/UDP as they were on the wire around the ESP the socket
    // delivered, written straight into the job's input (one copy, as for raw ESP).
    Pending job;
    job.in.resize(kHeaders + u.esp.size());
    write_udp_esp_headers(u, job.in);
    std::copy(u.esp.begin(), u.esp.end(), job.in.begin() + kHeaders);
    const std::uint32_t spi = be32(u.esp.data());
    SaEntry* e = sad_.by_inbound_spi(spi);
    if (!e) {
      hold_locked(job.in, spi);
      continue;
    }
    job.sa = e->inbound;
    job.inbound_spi = e->inbound_spi;
    job.outer_src = u.src;
    jobs.push_back(std::move(job));
  }
  run_batch(jobs, driver::EspOp::kDecapsulate);
}

void DataPlane::tunnel_packet(Packet packet, std::vector<Pending>& jobs) {
  ++counters_.tunnel_in;
  if (!packet.empty() && (packet[0] >> 4) != 4) {
    ++counters_.non_ipv4_drops;  // the data path is IPv4 only
    return;
  }
  auto flow = flow_of(packet);
  if (!flow) {
    ++counters_.malformed_drops;
    return;
  }
  std::vector<std::uint8_t> clamped;
  if (config_.tcp_adjust_mss && flow->protocol == 6) {
    clamped.assign(packet.begin(), packet.end());
    if (clamp_tcp_mss(clamped, *config_.tcp_adjust_mss)) {
      packet = clamped;
    }
  }
  // Site-to-site: the inner packet itself matches a tunnel-mode SA.
  if (SaEntry* e = sad_.outbound_for(*flow); e && e->mode == ike::ChildMode::kTunnel) {
    Pending job;
    job.in.assign(packet.begin(), packet.end());
    job.sa = e->outbound;
    job.inbound_spi = e->inbound_spi;
    jobs.push_back(std::move(job));
    return;
  }
  // DMVPN: GRE to the NBMA address of the tunnel destination.
  auto peer = nhrp_.find(flow->dst);
  if (peer == nhrp_.end() && !config_.static_nhrp.empty()) {
    peer = nhrp_.find(config_.static_nhrp.begin()->first);  // a spoke: the hub (NHS) forwards the rest
  }
  if (peer == nhrp_.end()) {
    ++counters_.no_nhrp_drops;
    return;
  }
  Pending job;
  job.in = build_gre_packet(config_.local_nbma, peer->second.nbma, kGreProtoIpv4, config_.gre_key, packet);
  SaEntry* e = gre_sa(peer->second.nbma, peer->second.reqid);
  if (!e) {
    ++counters_.no_sa_drops;  // tunnel protection: no SA, no traffic (never GRE in clear)
    return;
  }
  job.sa = e->outbound;
  job.inbound_spi = e->inbound_spi;
  jobs.push_back(std::move(job));
}

void DataPlane::from_tunnel(std::span<const Packet> packets) {
  std::lock_guard lock(mutex_);
  std::vector<Pending> jobs;
  jobs.reserve(packets.size());
  for (Packet p : packets) {
    tunnel_packet(p, jobs);
  }
  run_batch(jobs, driver::EspOp::kEncapsulate);
}

void DataPlane::from_network(std::span<const Packet> packets) {
  std::lock_guard lock(mutex_);
  network_locked(packets, true);
}

void DataPlane::expire_held_locked(std::chrono::steady_clock::time_point now) {
  while (!held_.empty() && now - held_.front().at > kHeldFor) {  // held_ is in arrival order
    held_.pop_front();
    ++counters_.unknown_spi_drops;  // its SA did not come in time: dropped now
  }
}

void DataPlane::run_held_locked(std::uint32_t inbound_spi) {
  expire_held_locked(std::chrono::steady_clock::now());
  std::vector<std::vector<std::uint8_t>> waited;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->spi == inbound_spi) {
      waited.push_back(std::move(it->packet));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  if (waited.empty()) {
    return;
  }
  std::vector<Packet> packets(waited.begin(), waited.end());
  network_locked(packets, false);  // counted in network_in when they arrived
}

void DataPlane::network_locked(std::span<const Packet> packets, bool arriving) {
  std::vector<Pending> jobs;
  jobs.reserve(packets.size());
  for (Packet p : packets) {
    if (arriving) {
      ++counters_.network_in;
    }
    auto h = driver::parse_ipv4(p);
    std::size_t spi_at = h ? h->header_len : 0;
    if (h && h->protocol == kIpProtoUdp) {
      spi_at += 8;
    } else if (h && h->protocol != driver::kIpProtoEsp) {
      h.reset();
    }
    if (!h || h->total_len < spi_at + 8) {
      ++counters_.malformed_drops;
      continue;
    }
    SaEntry* e = sad_.by_inbound_spi(be32(p.data() + spi_at));
    if (!e) {
      hold_locked(p.first(h->total_len), be32(p.data() + spi_at));
      continue;
    }
    Pending job;
    job.in.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(h->total_len));
    job.sa = e->inbound;
    job.inbound_spi = e->inbound_spi;
    job.outer_src = h->src;
    jobs.push_back(std::move(job));
  }
  run_batch(jobs, driver::EspOp::kDecapsulate);
}

void DataPlane::hold_locked(Packet ipv4, std::uint32_t spi) {
  // Not counted as a drop yet: it is one only when it expires or is pushed out (expire_held_locked),
  // so unknown_spi_drops stays exact whether or not its SA arrives.
  const auto now = std::chrono::steady_clock::now();
  expire_held_locked(now);
  if (held_.size() == kHeldMax) {
    held_.pop_front();
    ++counters_.unknown_spi_drops;
  }
  held_.push_back({std::vector<std::uint8_t>(ipv4.begin(), ipv4.end()), spi, now});
}

void DataPlane::run_batch(std::vector<Pending>& jobs, driver::EspOp op) {
  if (jobs.empty()) {
    return;
  }
  std::vector<driver::EspJob> batch(jobs.size());
  const std::uint64_t first_cookie = next_cookie_;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].out.resize(jobs[i].in.size() + kEspOverhead);
    batch[i].op = op;
    batch[i].sa = jobs[i].sa;
    batch[i].in = jobs[i].in;
    batch[i].out = jobs[i].out;
    batch[i].cookie = next_cookie_++;
  }
  std::size_t accepted = 0;
  while (accepted < batch.size()) {
    std::size_t n = offload_.submit(std::span(batch).subspan(accepted));
    if (n == 0) {
      break;  // ring full: the backend counted the refused jobs on their SAs
    }
    accepted += n;
  }
  counters_.crypto_drops += batch.size() - accepted;
  std::vector<driver::EspCompletion> done(accepted);
  std::size_t collected = 0;
  // Every accepted job completes exactly once (EspOffload's contract; a card that stops answering is
  // reset by its backend, which then fails the jobs), and a card backend writes each job's output into
  // jobs[i].out when it completes: so wait for all of them, however slow (the Verilator card can take
  // over a second for a batch of large packets), never return while the backend may still write here.
  const auto slow = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  bool said_slow = false;
  while (collected < accepted) {
    std::size_t n = offload_.poll(std::span(done).subspan(collected));
    collected += n;
    if (n == 0) {
      std::this_thread::yield();  // a card backend: the completions are on their way
      if (!said_slow && std::chrono::steady_clock::now() >= slow) {
        said_slow = true;
        log_.error("ESP backend: " + std::to_string(accepted - collected) +
                   " completions still outstanding after 1 s");
      }
    }
  }
  const auto batch_time = std::chrono::steady_clock::now();
  std::uint32_t active_spi = 0;  // one SAD lookup per run of completions on the same SA
  SaEntry* active = nullptr;
  std::vector<Packet> to_send;
  std::vector<std::uint32_t> sent_on;  // the inbound SPI of each, to count send errors per SA
  to_send.reserve(op == driver::EspOp::kEncapsulate ? collected : 0);
  sent_on.reserve(to_send.capacity());
  for (std::size_t i = 0; i < collected; ++i) {
    const driver::EspCompletion& c = done[i];
    if (c.cookie < first_cookie || c.cookie >= first_cookie + jobs.size()) {
      continue;  // not a job of this batch (cannot happen: each batch waits for all of its own)
    }
    Pending& job = jobs[c.cookie - first_cookie];
    SaEntry* entry = c.soft_limit || c.status == driver::EspStatus::kHardLimit
                         ? sad_.by_inbound_spi(job.inbound_spi)
                         : nullptr;
    if (entry) {
      lifetime_event_locked(*entry, c.status == driver::EspStatus::kHardLimit);
    }
    if (c.status != driver::EspStatus::kOk) {
      ++counters_.crypto_drops;  // the backend's per-SA counters say which check failed
      continue;
    }
    if (!active || job.inbound_spi != active_spi) {
      active_spi = job.inbound_spi;
      active = sad_.by_inbound_spi(active_spi);
    }
    if (active) {  // liveness for on-demand DPD: authenticated ESP in, ESP out
      (op == driver::EspOp::kEncapsulate ? active->last_out : active->last_in) = batch_time;
    }
    if (op == driver::EspOp::kEncapsulate) {
      to_send.emplace_back(job.out.data(), c.out_len);
      sent_on.push_back(job.inbound_spi);
    } else {
      finish_inbound(job, c.out_len);
    }
  }
  if (!to_send.empty()) {  // the batch's ESP leaves together (few system calls), errors per packet
    std::vector<std::uint8_t> sent(to_send.size());
    io_.send_outer_batch(to_send, sent);
    for (std::size_t i = 0; i < sent.size(); ++i) {
      if (!sent[i]) {
        ++counters_.send_errors;
        if (SaEntry* e = sad_.by_inbound_spi(sent_on[i])) {
          ++e->send_errors;
        }
      }
    }
  }
  if (!control_out_.empty()) {
    std::vector<Pending> replies;
    replies.swap(control_out_);
    run_batch(replies, driver::EspOp::kEncapsulate);
  }
}

void DataPlane::finish_inbound(Pending& job, std::size_t out_len) {
  if (out_len == 0) {
    return;  // RFC 4303 dummy packet
  }
  Packet plain(job.out.data(), out_len);
  SaEntry* e = sad_.by_inbound_spi(job.inbound_spi);
  auto flow = flow_of(plain);
  if (!e || !flow || !e->inbound_matches(*flow)) {
    ++counters_.policy_drops;  // decrypted, but not what this SA may carry (RFC 4301 5.2)
    if (e) {
      ++e->policy_drops;
    }
    return;
  }
  // Tunnel mode carries either a site's traffic (delivered as it is) or, from a peer that protects
  // its GRE with tunnel mode (strongSwan's kernel-libipsec does tunnel mode only), GRE to us.
  const bool gre_to_us = flow->protocol == kIpProtoGre && flow->dst == config_.local_nbma;
  if (e->mode == ike::ChildMode::kTunnel && !gre_to_us) {
    if (config_.tcp_adjust_mss) {
      clamp_tcp_mss(std::span(job.out.data(), out_len), *config_.tcp_adjust_mss);
    }
    if (!io_.deliver_inner(plain)) {
      ++counters_.deliver_errors;
    }
    return;
  }
  if (flow->protocol != kIpProtoGre) {
    ++counters_.policy_drops;
    return;
  }
  auto h = driver::parse_ipv4(plain);
  auto gre = parse_gre(plain.subspan(h->header_len, h->total_len - h->header_len));
  if (!gre || gre->key != config_.gre_key) {
    ++counters_.malformed_drops;
    ++e->recv_errors;
    return;
  }
  if (gre->protocol == kGreProtoNhrp) {
    handle_nhrp(gre->payload, h->src, e->reqid);
    return;
  }
  if (gre->protocol != kGreProtoIpv4) {
    ++counters_.malformed_drops;
    return;
  }
  auto inner = flow_of(gre->payload);
  if (!inner) {
    ++counters_.malformed_drops;
    ++e->recv_errors;
    return;
  }
  // Authenticated GRE from this NBMA address: its tunnel source is reachable there (a fallback for
  // spokes that send traffic before their registration is answered).
  auto it = nhrp_.find(inner->src);
  if (it == nhrp_.end() &&
      (inner->src & config_.tunnel_mask) == (config_.tunnel_address & config_.tunnel_mask)) {
    nhrp_[inner->src] = NhrpPeer{inner->src, h->src, true, std::chrono::steady_clock::now(), e->reqid};
  }
  if (config_.tcp_adjust_mss) {
    const auto at = static_cast<std::size_t>(gre->payload.data() - job.out.data());
    clamp_tcp_mss(std::span(job.out.data() + at, gre->payload.size()), *config_.tcp_adjust_mss);
  }
  if (!io_.deliver_inner(gre->payload)) {
    ++counters_.deliver_errors;
  }
}

SaEntry* DataPlane::gre_sa(std::uint32_t nbma, std::uint32_t reqid) {
  const FlowKey gre{config_.local_nbma, nbma, kIpProtoGre, 0, 0};
  if (reqid != 0) {  // the Child SA the peer registered through, if it still leads to that address
    SaEntry* e = sad_.newest_of_reqid(reqid);
    if (e && !e->remote.address.v6 && e->remote.address.v4_host_order() == nbma && e->outbound_matches(gre)) {
      return e;
    }
  }
  return sad_.outbound_for(gre);
}

bool DataPlane::queue_gre(std::uint32_t nbma, std::uint16_t protocol,
                          const std::vector<std::uint8_t>& payload, std::vector<Pending>& jobs,
                          std::uint32_t reqid) {
  SaEntry* e = gre_sa(nbma, reqid);
  if (!e) {
    ++counters_.no_sa_drops;
    return false;
  }
  Pending job;
  job.in = build_gre_packet(config_.local_nbma, nbma, protocol, config_.gre_key, payload);
  job.sa = e->outbound;
  job.inbound_spi = e->inbound_spi;
  jobs.push_back(std::move(job));
  return true;
}

void DataPlane::handle_nhrp(std::span<const std::uint8_t> nhrp, std::uint32_t outer_src,
                            std::uint32_t reqid) {
  auto r = parse_nhrp(nhrp);
  if (!r) {
    ++counters_.nhrp_malformed;
    return;
  }
  if (r->op == kNhrpRegistrationReply) {
    ++counters_.nhrp_replies_received;
    if (r->request_id == pending_request_id_ && r->cie_code == 0) {
      registered_ = true;
      pending_request_id_ = 0;
      next_registration_ =
          std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1, r->holding_time / 3));
    }
    return;
  }
  ++counters_.nhrp_requests_received;
  // The NBMA address is where the registration came from (after any NAT), as DMVPN hubs record it.
  // Behind one NAT several spokes share that address: the SA the registration came through tells them apart.
  nhrp_[r->src_proto] = NhrpPeer{r->src_proto, outer_src, true, std::chrono::steady_clock::now(), reqid};
  NhrpRegistration reply = *r;
  reply.op = kNhrpRegistrationReply;
  reply.cie_code = 0;
  if (queue_gre(outer_src, kGreProtoNhrp, build_nhrp(reply), control_out_, reqid)) {
    ++counters_.nhrp_replies_sent;
  }
}

void DataPlane::tick(std::chrono::steady_clock::time_point now) {
  std::vector<Pending> jobs;
  {
    std::lock_guard lock(mutex_);
    expire_held_locked(now);
    offload_.refresh_statistics();  // an idle card's registers catch up (show crypto engine ...)
    std::vector<std::uint32_t> retired;
    for (const auto& [spi, e] : sad_.entries()) {
      if (e.retiring && now >= e.retire_at) {
        retired.push_back(spi);
      }
    }
    for (std::uint32_t spi : retired) {
      remove_locked(spi);
      log_.info("ESP SA removed: in " + spi_text(spi) + " (rekeyed, retired)");
    }
    if (config_.static_nhrp.empty() || now < next_registration_) {
      return;
    }
    const auto& [nhs, nbma] = *config_.static_nhrp.begin();
    NhrpRegistration req;
    req.request_id = next_request_id_++;
    req.src_nbma = config_.local_nbma;
    req.src_proto = config_.tunnel_address;
    req.dst_proto = nhs;
    req.mtu = config_.ip_mtu;
    req.unique = true;
    if (!sad_.outbound_for(FlowKey{config_.local_nbma, nbma, kIpProtoGre, 0, 0})) {
      next_registration_ = now + std::chrono::seconds(1);  // IKE has not finished yet
      return;
    }
    queue_gre(nbma, kGreProtoNhrp, build_nhrp(req), jobs);
    ++counters_.nhrp_requests_sent;
    pending_request_id_ = req.request_id;
    next_registration_ = now + std::chrono::seconds(2);  // retried until the reply moves it on
    run_batch(jobs, driver::EspOp::kEncapsulate);
  }
}

bool DataPlane::registered() const {
  std::lock_guard lock(mutex_);
  return registered_;
}

void DataPlane::learn_nhrp(std::uint32_t tunnel, std::uint32_t nbma, bool dynamic) {
  std::lock_guard lock(mutex_);
  nhrp_[tunnel] = NhrpPeer{tunnel, nbma, dynamic, std::chrono::steady_clock::now()};
}

std::vector<NhrpPeer> DataPlane::nhrp_peers() const {
  std::lock_guard lock(mutex_);
  std::vector<NhrpPeer> out;
  for (const auto& [t, p] : nhrp_) {
    out.push_back(p);
  }
  return out;
}

DataPlaneCounters DataPlane::counters() const {
  std::lock_guard lock(mutex_);
  DataPlaneCounters c = counters_;
  c.held_esp = held_.size();
  return c;
}

std::vector<daemon::PeerActivity> DataPlane::peer_activity() const {
  std::lock_guard lock(mutex_);
  std::map<std::uint32_t, daemon::PeerActivity> by_peer;
  for (const auto& [spi, e] : sad_.entries()) {
    if (e.retiring || e.remote.address.v6) {
      continue;
    }
    auto [it, fresh] = by_peer.try_emplace(e.remote.address.v4_host_order());
    daemon::PeerActivity& a = it->second;
    a.peer = e.remote.address;
    a.last_in = std::max(a.last_in, std::max(e.last_in, e.installed_at));
    a.last_out = std::max(a.last_out, e.last_out);
  }
  std::vector<daemon::PeerActivity> out;
  for (auto& [addr, a] : by_peer) {
    out.push_back(a);
  }
  return out;
}

std::size_t DataPlane::sa_count() const {
  std::lock_guard lock(mutex_);
  return sad_.entries().size();
}

void write_udp_esp_headers(const UdpEsp& udp, std::span<std::uint8_t> out) {
  // The driver's IPv4 header writer (build_ipv4_packet's), in place: build_ipv4_packet itself would
  // want the UDP header and ESP as one payload span and return a new vector: a second copy (and
  // allocation) of every packet on the receive path. The driver writes its UDP header inside the ESP
  // framing (no function of its own), so that part is here, as the framing writes it for ESP in UDP.
  const std::size_t total = driver::kIpv4MinHeaderBytes + driver::kUdpHeaderBytes + udp.esp.size();
  driver::Ipv4Header ip;
  ip.total_len = total;
  ip.protocol = kIpProtoUdp;
  ip.src = udp.src;
  ip.dst = udp.dst;
  driver::write_ipv4_header(ip, out);
  std::uint8_t* h = out.data() + driver::kIpv4MinHeaderBytes;
  driver::store_be16(h, udp.sport);
  driver::store_be16(h + 2, udp.dport);
  driver::store_be16(h + 4, static_cast<std::uint16_t>(total - driver::kIpv4MinHeaderBytes));
  driver::store_be16(h + 6, 0);
}

}  // namespace hubsec::host::datapath
