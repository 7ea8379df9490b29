// The packet thread's use of the daemon's UDP port-4500 socket once the data plane has adopted it
// (ChildSaSink::adopt_natt_socket): ESP in UDP in and out with few system calls.
//   receive: recvmmsg with UDP_GRO on, so a burst of equal-sized datagrams of one flow that the peer sent
//     as one GSO packet (or that GRO joined) arrives as one buffer of `segment`-byte datagrams (the last
//     may be shorter), plus IP_PKTINFO for the local address.
//   send: the ESP-in-UDP packets the backend built (IPv4/UDP/ESP) leave as UDP payloads (the kernel
//     writes IP/UDP again, with a checksum); a run of them to one destination with equal sizes (the ESP
//     packets of one TSO read from the TUN device are) is one UDP_SEGMENT (GSO) message: one trip through
//     the stack, veth and the NAT for up to 64 packets. All messages of a batch go in one sendmmsg.
// A kernel that refuses GSO (EINVAL, EIO, EOPNOTSUPP) gets one datagram per message from then on.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <vector>

namespace hubsec::host::datapath {

struct UdpEspStats {
  std::uint64_t receive_calls = 0, received_buffers = 0, received_datagrams = 0;
  std::uint64_t send_calls = 0, sent_messages = 0, sent_datagrams = 0, gso_refused = 0;
};

class UdpEspSocket {
 public:
  // Starts using `fd` (a bound IPv4 UDP socket; UDP_GRO is switched on when the kernel has it);
  // -1 stops (UDP_GRO off again: the owner reads single datagrams).
  void attach(int fd);
  int fd() const { return fd_; }

  struct Datagram {
    std::uint32_t src = 0, dst = 0;  // host order
    std::uint16_t sport = 0, dport = 0;
    std::span<const std::uint8_t> bytes;  // one datagram, or several of `segment` bytes each (GRO)
    std::size_t segment = 0;              // == bytes.size() when not coalesced
    bool truncated = false;               // larger than its buffer: bytes is not the whole datagram
  };
  // One recvmmsg into the buffers (each 64 KB); appends what arrived. 0: nothing waiting.
  std::size_t receive(std::span<std::vector<std::uint8_t>> buffers, std::vector<Datagram>& out);

  // True when the IPv4 packet is UDP from this socket's port (ESP in UDP it can send).
  bool takes(std::span<const std::uint8_t> ipv4) const;
  // Sends packets that takes() accepted; sent[i] = 1 for each that left.
  void send(std::span<const std::span<const std::uint8_t>> packets, std::span<std::uint8_t> sent);

  const UdpEspStats& stats() const { return stats_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;  // host order
  bool gso_ = true;
  UdpEspStats stats_;
};

}  // namespace hubsec::host::datapath
