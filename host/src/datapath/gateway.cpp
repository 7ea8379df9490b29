#include "hubsec/host/datapath/gateway.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <vector>

#include "hubsec/host/daemon/logger.hpp"
#include "hubsec/host/daemon/udp_framing.hpp"

namespace hubsec::host::datapath {

namespace {

constexpr std::size_t kBatch = 32;  // packets per EspOffload submit
// Datagrams for the daemon waiting at most (IKE, keepalives): the socket's buffer bounded them when the
// daemon read it; beyond this a flood of non-ESP datagrams is dropped and counted (`show crypto ikev2
// stats`, and logged on stop).
constexpr std::size_t kMaxQueuedForIke = 4096;
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
    : log_(log),
      offload_(std::move(offload)),
      tun_(config.interface_name, config.tunnel_address, config.tunnel_mask, config.ip_mtu),
      data_plane_(std::make_unique<DataPlane>(*offload_, *this, log, config)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  relay_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ike_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ >= 0 && ike_fd_ >= 0) {
    data_plane_->set_natt_reader(this);
  }
}

Gateway::~Gateway() {
  stop();
  data_plane_.reset();  // removes its SAs from the backend before the backend goes
  for (int fd : {stop_fd_, relay_fd_, wake_fd_, ike_fd_}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

bool Gateway::adopt(int fd) {
  std::unique_lock lock(natt_mutex_);
  if (!running_) {
    natt_.attach(fd);  // no packet thread (not yet, or no more): nobody else uses natt_
    return true;
  }
  natt_next_ = fd;
  natt_change_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  natt_cv_.wait(lock, [this] { return !natt_change_; });
  return true;
}

void Gateway::apply_natt_change() {
  std::lock_guard lock(natt_mutex_);
  if (natt_change_) {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
    if (natt_next_ < 0) {
      log_natt_stats();
    }
    natt_.attach(natt_next_);
    natt_change_ = false;
    natt_cv_.notify_all();
  }
}

void Gateway::log_natt_stats() {
  if (natt_.fd() < 0) {
    return;
  }
  // How well batching worked (docs/benchmarks.md, Gateway): datagrams per GRO buffer and per GSO message.
  const UdpEspStats& s = natt_.stats();
  const std::uint64_t ike_dropped = dropped();
  log_.info(
      "UDP 4500 on the packet thread: received " + std::to_string(s.received_datagrams) + " datagrams in " +
      std::to_string(s.received_buffers) + " buffers (" + std::to_string(s.receive_calls) +
      " recvmmsg), sent " + std::to_string(s.sent_datagrams) + " in " + std::to_string(s.sent_messages) +
      " messages (" + std::to_string(s.send_calls) + " sendmmsg)" +
      (s.gso_refused ? ", UDP GSO refused for " + std::to_string(s.gso_refused) +
                           " destination(s) (one datagram per message to them)"
                     : "") +
      (ike_dropped ? ", " + std::to_string(ike_dropped) + " non-ESP datagrams dropped (IKE thread behind)"
                   : ""));
}

std::vector<daemon::NattDatagram> Gateway::take() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(ike_fd_, &count, sizeof count);  // before the swap: no lost wake-up
  std::vector<daemon::NattDatagram> out;
  std::lock_guard lock(ike_mutex_);
  out.swap(ike_);
  return out;
}

void Gateway::send_outer_batch(std::span<const Packet> packets, std::span<std::uint8_t> sent) {
  // natt_ is the packet thread's: look at it only there (an NHRP reply from an SA install leaves raw).
  if (std::this_thread::get_id() != packet_thread_ || natt_.fd() < 0) {
    esp_.send_batch(packets, sent);
    return;
  }
  std::vector<Packet> raw, udp;
  std::vector<std::size_t> raw_at, udp_at;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const bool in_udp = natt_.takes(packets[i]);
    (in_udp ? udp : raw).push_back(packets[i]);
    (in_udp ? udp_at : raw_at).push_back(i);
  }
  std::vector<std::uint8_t> ok(packets.size());
  if (!raw.empty()) {
    esp_.send_batch(raw, std::span(ok).first(raw.size()));
    for (std::size_t i = 0; i < raw.size(); ++i) {
      sent[raw_at[i]] = ok[i];
    }
  }
  if (!udp.empty()) {
    natt_.send(udp, std::span(ok).first(udp.size()));
    for (std::size_t i = 0; i < udp.size(); ++i) {
      sent[udp_at[i]] = ok[i];
    }
  }
}

void Gateway::receive_natt(std::vector<std::vector<std::uint8_t>>& buffers) {
  std::vector<UdpEspSocket::Datagram> got;
  if (natt_.receive(buffers, got) == 0) {
    return;
  }
  std::vector<UdpEsp> esp;
  std::vector<daemon::NattDatagram> ike;
  for (const auto& d : got) {
    const ike::Endpoint local{ike::IpAddress::v4(d.dst), d.dport}, remote{ike::IpAddress::v4(d.src), d.sport};
    if (d.truncated || d.bytes.empty()) {  // the daemon counts them (oversized, malformed)
      ike.push_back(daemon::NattDatagram{local, remote, {}, d.truncated});
      continue;
    }
    // A GRO buffer holds datagrams of `segment` bytes (the last may be shorter): each one is looked at
    // on its own; an IKE message behind ESP of the same flow can be the last of them.
    for (std::size_t at = 0; at < d.bytes.size(); at += d.segment) {
      const auto one = d.bytes.subspan(at, std::min(d.segment, d.bytes.size() - at));
      if (daemon::classify_datagram(one, true).kind == daemon::DatagramKind::kEsp) {
        esp.push_back(UdpEsp{d.src, d.dst, d.sport, d.dport, one});
      } else {
        ike.push_back(daemon::NattDatagram{local, remote, {one.begin(), one.end()}, false});
      }
    }
  }
  if (!ike.empty()) {
    {
      std::lock_guard lock(ike_mutex_);
      for (auto& x : ike) {
        if (ike_.size() < kMaxQueuedForIke) {
          ike_.push_back(std::move(x));
        } else {
          ike_dropped_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(ike_fd_, &one, sizeof one);
  }
  for (std::size_t at = 0; at < esp.size(); at += kBatch) {  // the backend's batch size
    data_plane_->from_network_udp(std::span(esp).subspan(at, std::min(kBatch, esp.size() - at)));
  }
  flush_inner();
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
  {
    std::lock_guard lock(natt_mutex_);
    running_ = true;
  }
  std::vector<std::vector<std::uint8_t>> buffers(kBatch, std::vector<std::uint8_t>(kMaxPacket));
  std::vector<Packet> batch;
  batch.reserve(kBatch);
  std::vector<std::size_t> sizes(kBatch);
  std::vector<std::vector<std::uint8_t>> segments;
  for (;;) {
    apply_natt_change();
    std::array<pollfd, 6> fds{{{tun_.fd(), POLLIN, 0},
                               {esp_.receive_fd(), POLLIN, 0},
                               {stop_fd_, POLLIN, 0},
                               {relay_fd_, POLLIN, 0},
                               {wake_fd_, POLLIN, 0},
                               {natt_.fd(), POLLIN, 0}}};  // -1 (not adopted): poll skips it
    if (::poll(fds.data(), fds.size(), 500) < 0) {
      continue;  // EINTR
    }
    data_plane_->tick(std::chrono::steady_clock::now());
    if (fds[2].revents & POLLIN) {
      std::lock_guard lock(natt_mutex_);
      running_ = false;
      log_natt_stats();
      if (natt_change_) {  // adopt() waits: it may now use natt_ itself
        natt_change_ = false;
        natt_.attach(natt_next_);
        natt_cv_.notify_all();
      }
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
      const std::size_t n = esp_.receive_batch(buffers, sizes);
      for (std::size_t i = 0; i < n; ++i) {
        batch.emplace_back(buffers[i].data(), sizes[i]);
      }
      data_plane_->from_network(batch);
      flush_inner();
    }
    if (fds[5].revents & POLLIN) {
      receive_natt(buffers);
    }
  }
}

}  // namespace hubsec::host::datapath
