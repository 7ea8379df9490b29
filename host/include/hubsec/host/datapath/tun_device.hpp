// A Linux TUN device (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR) configured with the tunnel interface's
// address, mask and MTU and brought up, all by ioctl. Needs CAP_NET_ADMIN. Every read and write
// carries a 10-byte virtio_net_hdr in front of the IPv4 packet. With TUN_F_CSUM | TUN_F_TSO4 the
// kernel may hand over TCP super-packets of up to 64 KB and packets whose checksum is ours to finish
// (tcp_coalesce.hpp: segment_tcp, complete_checksum); write() puts an empty header in front, and
// write_gso() lets a coalesced TCP packet in as one GSO packet.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hubsec/host/datapath/tcp_coalesce.hpp"

namespace hubsec::host::datapath {

class TunDevice {
 public:
  // Throws std::runtime_error with the reason when the device cannot be created or configured.
  TunDevice(const std::string& name, std::uint32_t address, std::uint32_t mask, std::uint16_t mtu);
  ~TunDevice();
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // Non-blocking: nullopt when nothing is waiting.
  std::optional<std::size_t> read(std::span<std::uint8_t> buffer, VnetHeader& vnet);
  bool write(std::span<const std::uint8_t> packet);
  bool write_gso(const VnetHeader& vnet, std::span<const std::uint8_t> packet);

 private:
  int fd_ = -1;
  std::string name_;
};

// Raw IPv4 sockets for the outer side: one receives protocol 50 (with the IP header, as the ESP
// backend wants whole packets), one sends whole IPv4 packets we built (IPPROTO_RAW: ESP, or UDP/ESP
// on 4500 for NAT traversal).
class RawEspSocket {
 public:
  RawEspSocket();  // throws std::runtime_error (needs CAP_NET_RAW)
  ~RawEspSocket();
  RawEspSocket(const RawEspSocket&) = delete;
  RawEspSocket& operator=(const RawEspSocket&) = delete;

  int receive_fd() const { return rx_; }
  std::optional<std::size_t> receive(std::span<std::uint8_t> buffer);
  bool send(std::span<const std::uint8_t> ipv4);  // destination taken from the header
  // Batches, one system call for many packets (recvmmsg / sendmmsg). receive_batch: up to
  // buffers.size() packets, their sizes in sizes[]; returns how many (0: none waiting).
  std::size_t receive_batch(std::span<std::vector<std::uint8_t>> buffers, std::span<std::size_t> sizes);
  // sent[i] = 1 for each packet that left.
  void send_batch(std::span<const std::span<const std::uint8_t>> packets, std::span<std::uint8_t> sent);

 private:
  int rx_ = -1, tx_ = -1;
};

}  // namespace hubsec::host::datapath
