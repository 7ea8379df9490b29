// The ESP data plane of hubsecd: the ChildSaSink IKE installs SAs into, and the packet paths.
//   tunnel -> network: an IPv4 packet from the tunnel interface either matches a tunnel-mode SA's
//     selectors (site-to-site) or is GRE-encapsulated (RFC 2784) towards the NBMA address NHRP knows
//     for its destination, then protected by the transport-mode SA whose protocol-47 host selectors
//     cover the GRE packet. No SA: dropped and counted, never sent in clear.
//   network -> tunnel: ESP (protocol 50, or ESP-in-UDP on 4500 from the IKE socket) is found by SPI,
//     decrypted and verified by the EspOffload backend, checked against the SA's selectors, GRE
//     removed, and the inner packet delivered to the tunnel interface.
// Jobs go to the backend in batches. One mutex guards everything: IKE (the daemon thread) and the
// packet thread both call in.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hubsec/driver/esp_offload.hpp"
#include "hubsec/host/daemon/child_sa_sink.hpp"
#include "hubsec/host/daemon/ipsec_sa_show.hpp"
#include "hubsec/host/datapath/sa_database.hpp"

namespace hubsec::host::daemon {
class Logger;
}

namespace hubsec::host::datapath {

using Packet = std::span<const std::uint8_t>;

// Where packets leave the data plane: the outer network (whole IPv4 packets, ESP or UDP/ESP) and
// the tunnel interface (inner IPv4 packets). Tests capture them; hubsecd writes to sockets/TUN.
class PacketIo {
 public:
  virtual ~PacketIo() = default;
  virtual bool send_outer(Packet ipv4) = 0;
  virtual bool deliver_inner(Packet ipv4) = 0;
  // The ESP packets of one batch, in order (sent[i] = 1: packets[i] left): hubsecd sends them with
  // few system calls (sendmmsg, UDP GSO). The default sends them one at a time.
  virtual void send_outer_batch(std::span<const Packet> packets, std::span<std::uint8_t> sent) {
    for (std::size_t i = 0; i < packets.size(); ++i) {
      sent[i] = send_outer(packets[i]) ? 1 : 0;
    }
  }
};

// ESP in UDP as a UDP socket delivers it: the addresses and ports (host order) and the ESP packet.
struct UdpEsp {
  std::uint32_t src = 0, dst = 0;
  std::uint16_t sport = 0, dport = 0;
  Packet esp;
};

// The packet thread's reader of the port-4500 socket (Gateway); the daemon reaches it through the
// DataPlane's ChildSaSink methods adopt_natt_socket / natt_datagram_fd / take_natt_datagrams.
class NattReader {
 public:
  virtual ~NattReader() = default;
  virtual bool adopt(int fd) = 0;
  virtual int datagram_fd() const = 0;
  virtual std::vector<daemon::NattDatagram> take() = 0;
  // Non-ESP datagrams dropped because the daemon had not taken the earlier ones (queue full). Any thread.
  virtual std::uint64_t dropped() const = 0;
};

struct DataPlaneConfig {
  std::string interface_name = "Tunnel0";
  std::uint32_t local_nbma = 0;      // tunnel source address (host order)
  std::uint32_t tunnel_address = 0;  // `ip address` of the tunnel interface
  std::uint32_t tunnel_mask = 0;
  std::optional<std::uint32_t> gre_key;  // `tunnel key`
  std::uint16_t ip_mtu = 1400;
  std::optional<std::uint16_t> tcp_adjust_mss;  // `ip tcp adjust-mss`: SYNs both ways are clamped
  std::map<std::uint32_t, std::uint32_t>
      static_nhrp;  // tunnel address -> NBMA (`ip nhrp nhs X nbma Y`, `ip nhrp map`)
};

struct DataPlaneCounters {
  std::uint64_t tunnel_in = 0, network_in = 0;
  std::uint64_t no_sa_drops = 0;    // would have needed an SA that does not exist: dropped, not sent clear
  std::uint64_t no_nhrp_drops = 0;  // tunnel destination with no NBMA address
  std::uint64_t unknown_spi_drops = 0;  // ESP for an SPI whose SA did not come within kHeldFor
  std::uint64_t malformed_drops = 0;    // bad IPv4 header, bad GRE, ...
  std::uint64_t non_ipv4_drops = 0;     // from the tunnel interface: IPv6 (router solicitations, ...)
  std::uint64_t policy_drops = 0;       // decrypted but outside the SA's selectors
  std::uint64_t crypto_drops = 0;       // the backend refused the job (ICV, replay, ring full, ...)
  std::uint64_t install_refused = 0;    // Child SA the backend cannot do (e.g. AES-128): its traffic drops
  std::uint64_t soft_limit_events = 0, hard_limit_events = 0;  // volume lifetimes reported to IKE
  std::uint64_t send_errors = 0, deliver_errors = 0;
  std::uint64_t nhrp_requests_sent = 0, nhrp_requests_received = 0, nhrp_replies_sent = 0,
                nhrp_replies_received = 0, nhrp_malformed = 0;
  // Not a counter: ESP waiting now for its SA to be installed (network_in counts it; it becomes
  // decrypted or an unknown_spi_drop later).
  std::uint64_t held_esp = 0;
};

struct NhrpPeer {
  std::uint32_t tunnel = 0, nbma = 0;
  bool dynamic = false;
  std::chrono::steady_clock::time_point since{};
  std::uint32_t reqid = 0;  // the Child SA it registered through (0: static, or not known)
};

class DataPlane final : public daemon::ChildSaSink {
 public:
  DataPlane(driver::EspOffload& offload, PacketIo& io, daemon::Logger& log, DataPlaneConfig config);
  ~DataPlane() override;
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;

  // ChildSaSink (the daemon thread).
  void install(const ike::ChildSaInstall& event) override;
  void update(const ike::ChildSaUpdate& event) override;
  void remove(const ike::ChildSaDelete& event) override;
  void esp_in_udp(const ike::Endpoint& local, const ike::Endpoint& remote, ike::ByteView packet) override;
  bool adopt_natt_socket(int fd) override { return natt_reader_ && natt_reader_->adopt(fd); }
  int natt_datagram_fd() const override { return natt_reader_ ? natt_reader_->datagram_fd() : -1; }
  std::vector<daemon::NattDatagram> take_natt_datagrams() override {
    return natt_reader_ ? natt_reader_->take() : std::vector<daemon::NattDatagram>{};
  }
  std::uint64_t natt_datagrams_dropped() const override { return natt_reader_ ? natt_reader_->dropped() : 0; }
  // Set once, before the daemon starts (Gateway): without one the daemon reads port 4500 itself.
  void set_natt_reader(NattReader* reader) { natt_reader_ = reader; }
  std::string show_ipsec_sa(bool detail = false, const std::string& peer = {}) const override;
  // Volume lifetimes (kilobytes/packets) that ran out: soft = the backend's soft limit (90 %) was
  // crossed, time to rekey; hard = the backend refused a packet at the hard limit. Each reported
  // once per SA; lifetime_event_fd() (an eventfd) becomes readable when there are some.
  int lifetime_event_fd() const override { return event_fd_; }
  std::vector<daemon::LifetimeEvent> take_lifetime_events() override;
  std::vector<daemon::PeerActivity> peer_activity() const override;

  // Packet paths (the packet thread), a batch at a time.
  void from_tunnel(std::span<const Packet> packets);
  void from_network(std::span<const Packet> packets);      // whole IPv4 packets: IP/ESP or IP/UDP/ESP
  void from_network_udp(std::span<const UdpEsp> packets);  // ESP in UDP from the port-4500 socket

  // Timers: rekeyed SAs retire (kRekeyedGrace after their delete); a spoke (re)sends its NHRP
  // registration to its NHS (every 2 s until answered, then every holding time / 3). Called by the
  // packet thread about twice a second.
  void tick(std::chrono::steady_clock::time_point now);
  bool registered() const;

  // NHRP cache (the registration handling adds dynamic entries).
  void learn_nhrp(std::uint32_t tunnel, std::uint32_t nbma, bool dynamic);
  std::vector<NhrpPeer> nhrp_peers() const;
  std::string show_dmvpn() const override;
  std::string show_crypto_session() const override;

  DataPlaneCounters counters() const;
  std::size_t sa_count() const;

 private:
  struct Pending {
    std::vector<std::uint8_t> in, out;
    driver::SaHandle sa = driver::kInvalidSa;
    std::uint32_t inbound_spi = 0;  // the entry, to count errors and check selectors
    std::uint32_t outer_src = 0;    // inbound: the packet's outer source (learns NHRP)
  };
  void run_batch(std::vector<Pending>& jobs, driver::EspOp op);
  // arriving = false: packets that were held (network_in counted them when they arrived).
  void network_locked(std::span<const Packet> packets, bool arriving);
  void network_udp_locked(std::span<const UdpEsp> packets);
  void queue_inbound(Packet ipv4, std::uint32_t outer_src, std::uint32_t spi, std::vector<Pending>& jobs);
  void run_held_locked(std::uint32_t inbound_spi);
  void hold_locked(Packet ipv4, std::uint32_t spi);
  void expire_held_locked(std::chrono::steady_clock::time_point now);
  // ESP for an SPI that is not installed, kept for a moment (kHeldFor, at most kHeldMax packets): a
  // rekey's responder sends on the new SA as soon as it has answered, and the initiator installs it only
  // when the answer is in (slow on the Verilator card); install() decrypts what waited for its SPI.
  // A held packet counts as an unknown_spi_drop only when it expires or is pushed out by newer ones.
  struct HeldEsp {
    std::vector<std::uint8_t> packet;
    std::uint32_t spi = 0;
    std::chrono::steady_clock::time_point at{};
  };
  std::deque<HeldEsp> held_;
  void finish_inbound(Pending& job, std::size_t out_len);
  void tunnel_packet(Packet packet, std::vector<Pending>& jobs);
  void remove_locked(std::uint32_t inbound_spi);
  void lifetime_event_locked(SaEntry& e, bool hard);
  // IOS's per-flow counters of one SA (backend counters of both handles plus the data path's own),
  // and keeping those of SAs that go (rekeyed, moved) so a flow's counters survive its rekeys.
  daemon::IpsecFlowCounters sa_counters_locked(const SaEntry& e) const;
  void retire_counters_locked(const SaEntry& e, bool last_of_flow);
  // The outbound SA for GRE to an NBMA address (reqid: prefer that Child SA, see NhrpPeer).
  SaEntry* gre_sa(std::uint32_t nbma, std::uint32_t reqid);
  bool queue_gre(std::uint32_t nbma, std::uint16_t protocol, const std::vector<std::uint8_t>& payload,
                 std::vector<Pending>& jobs, std::uint32_t reqid = 0);
  void handle_nhrp(std::span<const std::uint8_t> nhrp, std::uint32_t outer_src, std::uint32_t reqid);

  // The backend parameters (keys included) of each installed Child SA, kept to re-install it when
  // IKE moves its endpoints (NAT mapping change, float to 4500). Wiped when dropped.
  struct StoredParams {
    driver::SaParams in, out;
    StoredParams() = default;
    StoredParams(const StoredParams&) = delete;
    StoredParams& operator=(const StoredParams&) = delete;
    ~StoredParams();
  };
  std::map<std::uint32_t, std::unique_ptr<StoredParams>> params_;  // by inbound SPI

  NattReader* natt_reader_ = nullptr;
  mutable std::mutex mutex_;
  driver::EspOffload& offload_;
  PacketIo& io_;
  daemon::Logger& log_;
  DataPlaneConfig config_;
  SaDatabase sad_;
  std::map<std::uint32_t, NhrpPeer> nhrp_;                    // by tunnel address
  std::map<std::string, daemon::IpsecFlowCounters> retired_;  // by flow_key(): counters of SAs gone
  std::vector<daemon::LifetimeEvent> lifetime_events_;
  int event_fd_ = -1;
  DataPlaneCounters counters_;
  std::uint64_t next_cookie_ = 1;
  std::vector<Pending> control_out_;  // NHRP replies produced while handling a batch
  std::uint32_t next_request_id_ = 1;
  std::uint32_t pending_request_id_ = 0;
  bool registered_ = false;
  std::chrono::steady_clock::time_point next_registration_{};
};

// The flow an SA protects as `show crypto ipsec sa` groups them: peer address and selectors.
std::string flow_key(const SaEntry& e);

// How long a rekeyed Child SA still decrypts after IKE deleted it (no outbound use meanwhile).
constexpr std::chrono::seconds kRekeyedGrace{2};

// Parses the transport/tunnel-relevant fields of an IPv4 packet for a policy lookup.
std::optional<FlowKey> flow_of(Packet ipv4);

// The 28 bytes of IPv4 (no options, TTL 64, checksum) and UDP (checksum 0, as RFC 3948 allows) headers in
// front of ESP in UDP as it was on the wire: how ESP that the port-4500 socket delivered (UDP payload
// only) goes to the backend, which decrypts whole packets. out.size() >= 28; udp.esp is not read, only
// its size, so the caller copies the ESP behind the headers once.
void write_udp_esp_headers(const UdpEsp& udp, std::span<std::uint8_t> out);

}  // namespace hubsec::host::datapath
