// The narrow interface between hubsecd's IKE side and the ESP data plane: Child SAs to install,
// update (new NAT ports, float to 4500) and delete, and the ESP-in-UDP packets that arrive on the
// IKE socket at port 4500. Issue 7's data path implements it on the EspOffload backends; until then
// LoggingChildSaSink records what would be installed, without keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hubsec/ike/actions.hpp"

namespace hubsec::host::daemon {

class Logger;

// A volume lifetime (kilobytes/packets) of an installed Child SA ran out in the data plane.
struct LifetimeEvent {
  std::uint32_t inbound_spi = 0;
  bool hard = false;  // false: soft limit, rekey now; true: hard limit, the SA carries nothing more
};

// ESP activity with one peer (all its SAs): IOS's on-demand DPD probes a peer we send to but have
// not heard from for the DPD interval.
struct PeerActivity {
  ike::IpAddress peer;
  std::chrono::steady_clock::time_point last_in{}, last_out{};  // installation counts as "in"
};

// A datagram from the port-4500 socket that is not ESP (IKE behind its non-ESP marker, a NAT
// keepalive, garbage), handed back by a data plane that reads that socket (adopt_natt_socket).
struct NattDatagram {
  ike::Endpoint local, remote;
  std::vector<std::uint8_t> bytes;
  bool oversized = false;  // larger than the data plane's buffer: bytes is empty
};

class ChildSaSink {
 public:
  virtual ~ChildSaSink() = default;
  virtual void install(const ike::ChildSaInstall& event) = 0;
  virtual void update(const ike::ChildSaUpdate& event) = 0;
  virtual void remove(const ike::ChildSaDelete& event) = 0;
  // One ESP packet (from the SPI on) received in UDP on port 4500.
  virtual void esp_in_udp(const ike::Endpoint& local, const ike::Endpoint& remote, ike::ByteView packet) = 0;
  // Port 4500 carries ESP in UDP besides IKE. A data plane with its own packet thread may read that
  // socket itself (batched, ESP decrypted there, not on the IKE thread): adopt_natt_socket(fd) true =
  // from now on it reads every datagram and hands back the rest through take_natt_datagrams() when
  // natt_datagram_fd() (an eventfd) is readable; false = the daemon reads it and passes ESP to
  // esp_in_udp(). adopt_natt_socket(-1) gives the socket back; it returns once the data plane no
  // longer uses it.
  virtual bool adopt_natt_socket(int fd) {
    (void)fd;
    return false;
  }
  virtual int natt_datagram_fd() const { return -1; }
  virtual std::vector<NattDatagram> take_natt_datagrams() { return {}; }
  // Datagrams the data plane read from that socket and dropped because take_natt_datagrams() had not
  // kept up (its queue for the daemon was full): `show crypto ikev2 stats`.
  virtual std::uint64_t natt_datagrams_dropped() const { return 0; }
  // The answer to `show crypto ipsec sa [detail]` (IOS layout, ipsec_sa_show.hpp): the data plane
  // owns the SAs and their counters.
  // `peer`: only the flows to that address (empty: all).
  virtual std::string show_ipsec_sa(bool detail = false, const std::string& peer = {}) const = 0;
  // `show dmvpn` and `show crypto session`: only a data plane with a tunnel interface has them.
  virtual std::string show_dmvpn() const { return "% No tunnel interface with an address: no NHRP\n"; }
  virtual std::string show_crypto_session() const {
    return "% No ESP data plane: see show crypto ipsec sa\n";
  }
  // Volume lifetimes: the daemon polls lifetime_event_fd() (-1 = none) and passes the events to
  // the IKE engine (soft: rekey the Child SA, hard: delete it).
  virtual int lifetime_event_fd() const { return -1; }
  virtual std::vector<LifetimeEvent> take_lifetime_events() { return {}; }
  virtual std::vector<PeerActivity> peer_activity() const { return {}; }
};

// What an installed Child SA looks like without its keys.
struct ChildSaRecord {
  ike::IkeSaId ike_sa = 0;
  std::uint32_t reqid = 0;
  std::uint32_t inbound_spi = 0, outbound_spi = 0;
  ike::ChildMode mode = ike::ChildMode::kTransport;
  ike::EspEncr encryption = ike::EspEncr::kAesCbc256;
  ike::EspInteg integrity = ike::EspInteg::kHmacSha1_96;
  ike::Endpoint local, remote;
  bool udp_encap = false;
  std::vector<ike::TrafficSelector> local_ts, remote_ts;
  std::uint64_t esp_packets_received = 0;  // ESP-in-UDP seen for inbound_spi (not decrypted yet)
  std::string describe() const;            // one line, IOS transform words, no keys
};

class LoggingChildSaSink final : public ChildSaSink {
 public:
  explicit LoggingChildSaSink(Logger& log) : log_(log) {}
  void install(const ike::ChildSaInstall& event) override;
  void update(const ike::ChildSaUpdate& event) override;
  void remove(const ike::ChildSaDelete& event) override;
  void esp_in_udp(const ike::Endpoint& local, const ike::Endpoint& remote, ike::ByteView packet) override;

  const std::map<std::uint32_t, ChildSaRecord>& installed() const { return by_inbound_spi_; }
  std::uint64_t esp_unknown_spi() const { return esp_unknown_spi_; }
  // The records in IOS's layout; ESP that arrived for them counts as `internal err (recv)` (no data path).
  std::string show_ipsec_sa(bool detail = false, const std::string& peer = {}) const override;

 private:
  Logger& log_;
  std::map<std::uint32_t, ChildSaRecord> by_inbound_spi_;
  std::uint64_t esp_unknown_spi_ = 0;
};

}  // namespace hubsec::host::daemon
