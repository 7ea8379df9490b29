#include "hubsec/host/datapath/gateway.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <vector>

#include "hubsec/host/daemon/logger.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr std::size_t kBatch = 32;  // packets per EspOffload submit
constexpr std::size_t kMaxPacket = 65535;
constexpr std::uint8_t kVnetNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM

}  // namespace

std::optional<DataPlaneConfig> data_plane_config(const config::Config& config, std::uint32_t local_nbma) {
  for (const auto& t : config.tunnels) {
    if (!t.ip_address || t.shutdown) {
      continue;
    }
    DataPlaneConfig c;
    c.interface_name = t.name;
    c.local_nbma = local_nbma;
    c.tunnel_address = t.ip_address->address.value;
    c.tunnel_mask = t.ip_address->mask.value;
    c.gre_key = t.tunnel_key;
    c.ip_mtu = t.ip_mtu.value_or(1400);
    c.tcp_adjust_mss = t.tcp_adjust_mss;
    for (const auto& nhs : t.nhrp_nhs) {
      if (nhs.nbma) {
        c.static_nhrp[nhs.nhs.value] = nhs.nbma->value;
      }
    }
    for (const auto& m : t.nhrp_maps) {
      c.static_nhrp[m.protocol.value] = m.nbma.value;
    }
    return c;
  }
  return std::nullopt;
}

Gateway::Gateway(std::unique_ptr<driver::EspOffload> offload, const DataPlaneConfig& config,
                 daemon::Logger& log)
    : offload_(std::move(offload)),
      tun_(config.interface_name, config.tunnel_address, config.tunnel_mask, config.ip_mtu),
      data_plane_(std::make_unique<DataPlane>(*offload_, *this, log, config)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  relay_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Gateway::~Gateway() {
  stop();
  data_plane_.reset();  // removes its SAs from the backend before the backend goes
  ::close(stop_fd_);
  ::close(relay_fd_);
}

void Gateway::start() {
  thread_ = std::thread([this] { run(); });
}

void Gateway::stop() {
  if (thread_.joinable()) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
}

bool Gateway::deliver_inner(Packet ipv4) {
  if (std::this_thread::get_id() == packet_thread_) {
    inner_.emplace_back(ipv4.begin(), ipv4.end());
    return true;
  }
  if (!thread_.joinable() || relay_fd_ < 0) {
    return tun_.write(ipv4);  // no packet thread (yet)
  }
  bool wake = false;
  {
    std::lock_guard lock(relay_mutex_);
    wake = relay_.empty();
    relay_.emplace_back(ipv4.begin(), ipv4.end());
  }
  if (wake) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(relay_fd_, &one, sizeof one);
  }
  return true;
}

void Gateway::flush_inner() {
  if (inner_.empty()) {
    return;
  }
  for (const auto& p : coalesce_tcp(inner_)) {
    if (!tun_.write_gso(p.vnet, p.bytes) && p.segments > 1) {
      for (const auto& s : segment_tcp(p.vnet, p.bytes)) {  // a kernel that refuses GSO writes
        tun_.write(s);
      }
    }
  }
  inner_.clear();
}

void Gateway::run() {
  packet_thread_ = std::this_thread::get_id();
  std::vector<std::vector<std::uint8_t>> buffers(kBatch, std::vector<std::uint8_t>(kMaxPacket));
  std::vector<Packet> batch;
  batch.reserve(kBatch);
  std::vector<std::vector<std::uint8_t>> segments;
  for (;;) {
    std::array<pollfd, 4> fds{{{tun_.fd(), POLLIN, 0},
                               {esp_.receive_fd(), POLLIN, 0},
                               {stop_fd_, POLLIN, 0},
                               {relay_fd_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), 500) < 0) {
      continue;  // EINTR
    }
    data_plane_->tick(std::chrono::steady_clock::now());
    if (fds[2].revents & POLLIN) {
      return;
    }
    if (fds[3].revents & POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto n = ::read(relay_fd_, &count, sizeof count);
      std::lock_guard lock(relay_mutex_);
      for (auto& p : relay_) {
        inner_.push_back(std::move(p));
      }
      relay_.clear();
    }
    flush_inner();  // the relayed packets (the batches below flush their own)
    if (fds[0].revents & POLLIN) {
      batch.clear();
      segments.clear();  // (moving a segment's vector keeps its bytes where the batch points)
      for (std::size_t reads = 0; reads < kBatch; ++reads) {
        VnetHeader vnet;
        auto n = tun_.read(buffers[reads], vnet);
        if (!n) {
          break;
        }
        std::span<std::uint8_t> p(buffers[reads].data(), *n);
        if (vnet.gso_type != 0) {  // a TCP super-packet: cut it into MSS-sized segments here
          for (auto& s : segment_tcp(vnet, p)) {
            segments.push_back(std::move(s));
            batch.emplace_back(segments.back().data(), segments.back().size());
          }
          continue;
        }
        if ((vnet.flags & kVnetNeedsCsum) && !complete_checksum(vnet, p)) {
          continue;
        }
        batch.emplace_back(p.data(), p.size());
      }
      for (std::size_t at = 0; at < batch.size(); at += kBatch) {  // the backend's batch size
        data_plane_->from_tunnel(std::span(batch).subspan(at, std::min(kBatch, batch.size() - at)));
      }
    }
    if (fds[1].revents & POLLIN) {
      batch.clear();
      while (batch.size() < kBatch) {
        auto n = esp_.receive(buffers[batch.size()]);
        if (!n) {
          break;
        }
        batch.emplace_back(buffers[batch.size()].data(), *n);
      }
      data_plane_->from_network(batch);
      flush_inner();
    }
  }
}

}  // namespace hubsec::host::datapath
