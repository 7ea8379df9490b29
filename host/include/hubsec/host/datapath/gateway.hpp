// hubsecd's gateway: the tunnel interface as a TUN device, raw ESP sockets on the outer side, the
// DataPlane between them on an EspOffload backend, and the packet thread that moves batches.
// The daemon thread calls the DataPlane (a ChildSaSink) for SA events. Port 4500 (the daemon's IKE
// socket) is read by the packet thread once the daemon hands it over (NattReader): ESP in UDP is
// decrypted there in batches and sent there (UDP GSO); IKE and keepalives go back to the daemon.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hubsec/driver/esp_offload.hpp"
#include "hubsec/host/config/model.hpp"
#include "hubsec/host/datapath/data_plane.hpp"
#include "hubsec/host/datapath/tun_device.hpp"
#include "hubsec/host/datapath/udp_esp_socket.hpp"

namespace hubsec::host::datapath {

// The data plane settings of the first tunnel interface that has `ip address` (nullopt: none, the
// daemon runs IKE only). `local_nbma` is the tunnel source the daemon resolved.
std::optional<DataPlaneConfig> data_plane_config(const config::Config& config, std::uint32_t local_nbma);

class Gateway final : public PacketIo, public NattReader {
 public:
  // Creates the TUN device and raw sockets (throws std::runtime_error without privileges).
  Gateway(std::unique_ptr<driver::EspOffload> offload, const DataPlaneConfig& config, daemon::Logger& log);
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void start();  // the packet thread
  void stop();   // joins the packet thread (the destructor does too); the backend stays
  DataPlane& data_plane() { return *data_plane_; }
  driver::EspOffload& offload() { return *offload_; }  // after stop(): the daemon reads card counters

  bool send_outer(Packet ipv4) override { return esp_.send(ipv4); }
  // Raw ESP in sendmmsg calls; ESP in UDP through the adopted port-4500 socket (UDP GSO) when the
  // packet thread sends (other threads: the raw socket, as before).
  void send_outer_batch(std::span<const Packet> packets, std::span<std::uint8_t> sent) override;
  // NattReader (the daemon thread).
  bool adopt(int fd) override;
  int datagram_fd() const override { return ike_fd_; }
  std::vector<daemon::NattDatagram> take() override;
  std::uint64_t dropped() const override { return ike_dropped_.load(std::memory_order_relaxed); }
  // The decrypted packets of a batch are collected and written after it, TCP segments of a flow
  // coalesced into one GSO write (tcp_coalesce.hpp); those of the daemon thread (ESP in UDP) are
  // queued to the packet thread.
  bool deliver_inner(Packet ipv4) override;

 private:
  void run();
  void flush_inner();
  void apply_natt_change();  // the packet thread: starts/stops using the socket adopt() was given
  void receive_natt(std::vector<std::vector<std::uint8_t>>& buffers);
  void log_natt_stats();

  std::atomic<std::thread::id> packet_thread_{};  // set by run(), read by both threads
  std::vector<std::vector<std::uint8_t>> inner_;  // the batch's decrypted packets (packet thread only)
  // Decrypted on the daemon thread (ESP in UDP on port 4500): handed to the packet thread, which
  // writes them coalesced like its own, so TCP's receive work and ACKs do not load the IKE thread.
  std::mutex relay_mutex_;
  std::vector<std::vector<std::uint8_t>> relay_;
  int relay_fd_ = -1;  // eventfd: wakes the packet thread when relay_ got packets

  // Port 4500: adopt() asks the packet thread to switch (natt_change_), waits until it has.
  std::mutex natt_mutex_;
  std::condition_variable natt_cv_;
  bool natt_change_ = false, running_ = false;
  int natt_next_ = -1;
  UdpEspSocket natt_;  // the packet thread's (or, while it does not run, adopt()'s)
  int wake_fd_ = -1;   // eventfd: a port-4500 change is waiting
  // Datagrams on port 4500 that are not ESP, for the daemon (IKE): ike_fd_ (eventfd) says when.
  std::mutex ike_mutex_;
  std::vector<daemon::NattDatagram> ike_;
  // Non-ESP datagrams dropped because ike_ was full: the packet thread counts (under ike_mutex_), the
  // daemon thread reads it for `show crypto ikev2 stats` (dropped()).
  std::atomic<std::uint64_t> ike_dropped_{0};
  int ike_fd_ = -1;
  daemon::Logger& log_;

  std::unique_ptr<driver::EspOffload> offload_;
  TunDevice tun_;
  RawEspSocket esp_;
  std::unique_ptr<DataPlane> data_plane_;
  int stop_fd_ = -1;  // eventfd: wakes the packet thread to stop
  std::thread thread_;
};

}  // namespace hubsec::host::datapath
