// The packet thread's use of the daemon's UDP port-4500 socket once the data plane has adopted it
// (ChildSaSink::adopt_natt_socket): ESP in UDP in and out with few system calls.
//   receive: recvmmsg with UDP_GRO on, so a burst of equal-sized datagrams of one flow that the peer sent
//     as one GSO packet (or that GRO joined) arrives as one buffer of `segment`-byte datagrams (the last
//     may be shorter), plus IP_PKTINFO for the local address.
//   send: the ESP-in-UDP packets the backend built (IPv4/UDP/ESP) leave as UDP payloads (the kernel
//     writes IP/UDP again, with a checksum); a run of them to one destination with equal sizes (the ESP
//     packets of one TSO read from the TUN device are) is one UDP_SEGMENT (GSO) message: one trip through
//     the stack, veth and the NAT for up to 64 packets. All messages of a batch go in one sendmmsg.
// A GSO message the kernel refuses (EINVAL or EMSGSIZE: the route to that peer has an MTU below the
// segment size; EIO, EOPNOTSUPP: no GSO) is sent again one datagram per message; when those leave, that
// destination (only) gets one datagram per message from then on (GsoRefusals).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace hubsec::host::datapath {

struct UdpEspStats {
  std::uint64_t receive_calls = 0, received_buffers = 0, received_datagrams = 0;
  std::uint64_t send_calls = 0, sent_messages = 0, sent_datagrams = 0;
  std::uint64_t gso_refused = 0;  // destinations UDP GSO was turned off for (GsoRefusals::refuse)
};

// The destinations (IPv4, host order) UDP GSO failed for: the kernel refused a GSO message to them and
// the same datagrams then left one per message. Only they go one datagram per message; the others
// keep GSO. An entry is tried again after kRetryAfter (a path MTU the kernel learned from ICMP expires
// after 10 minutes by default), at most kMaxEntries are kept (a new one pushes out the oldest: it
// costs one refused message and a retry when it comes back).
class GsoRefusals {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::minutes kRetryAfter{10};
  static constexpr std::size_t kMaxEntries = 256;

  bool allows(std::uint32_t dst, Clock::time_point now);  // forgets an entry older than kRetryAfter
  void refuse(std::uint32_t dst, Clock::time_point now);
  std::size_t size() const { return since_.size(); }

 private:
  std::map<std::uint32_t, Clock::time_point> since_;
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
  const GsoRefusals& gso_refusals() const { return gso_refusals_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;  // host order
  GsoRefusals gso_refusals_;
  UdpEspStats stats_;
};

}  // namespace hubsec::host::datapath
