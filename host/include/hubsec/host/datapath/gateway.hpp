// hubsecd's gateway: the tunnel interface as a TUN device, raw ESP sockets on the outer side, the
// DataPlane between them on an EspOffload backend, and the packet thread that moves batches.
// The daemon thread calls the DataPlane (a ChildSaSink) for SA events and ESP-in-UDP on 4500.
#pragma once

#include <atomic>
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

namespace hubsec::host::datapath {

// The data plane settings of the first tunnel interface that has `ip address` (nullopt: none, the
// daemon runs IKE only). `local_nbma` is the tunnel source the daemon resolved.
std::optional<DataPlaneConfig> data_plane_config(const config::Config& config, std::uint32_t local_nbma);

class Gateway final : public PacketIo {
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
  // The decrypted packets of a batch are collected and written after it, TCP segments of a flow
  // coalesced into one GSO write (tcp_coalesce.hpp); those of the daemon thread (ESP in UDP) are
  // queued to the packet thread.
  bool deliver_inner(Packet ipv4) override;

 private:
  void run();
  void flush_inner();

  std::atomic<std::thread::id> packet_thread_{};  // set by run(), read by both threads
  std::vector<std::vector<std::uint8_t>> inner_;  // the batch's decrypted packets (packet thread only)
  // Decrypted on the daemon thread (ESP in UDP on port 4500): handed to the packet thread, which
  // writes them coalesced like its own, so TCP's receive work and ACKs do not load the IKE thread.
  std::mutex relay_mutex_;
  std::vector<std::vector<std::uint8_t>> relay_;
  int relay_fd_ = -1;  // eventfd: wakes the packet thread when relay_ got packets

  std::unique_ptr<driver::EspOffload> offload_;
  TunDevice tun_;
  RawEspSocket esp_;
  std::unique_ptr<DataPlane> data_plane_;
  int stop_fd_ = -1;  // eventfd: wakes the packet thread to stop
  std::thread thread_;
};

}  // namespace hubsec::host::datapath
