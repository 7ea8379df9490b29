// Receive-side coalescing of TCP segments before they are written to the TUN device (a user-space
// GRO): consecutive segments of one TCP flow in a batch become one large packet that the kernel takes
// as a GSO packet through a virtio_net_hdr (IFF_VNET_HDR). The receiving TCP then processes (and
// acknowledges) one packet instead of many, which also thins the ACKs that cross the tunnel back.
// Merged only: IPv4 without options, not fragmented, same addresses/TOS/TTL/DF; TCP with the same
// ports, ack number, window, header length and options, flags ACK (PSH allowed on the last), each
// segment starting where the previous ended, every segment but the last exactly as long as the first.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hubsec::host::datapath {

// struct virtio_net_hdr (linux/virtio_net.h), host byte order as TUN uses it on little-endian hosts.
struct VnetHeader {
  std::uint8_t flags = 0;      // 1 = NEEDS_CSUM: the TCP checksum field holds the pseudo-header sum
  std::uint8_t gso_type = 0;   // 0 = none, 1 = TCPV4
  std::uint16_t hdr_len = 0;   // IP + TCP header bytes
  std::uint16_t gso_size = 0;  // payload bytes per segment
  std::uint16_t csum_start = 0, csum_offset = 0;
};
static_assert(sizeof(VnetHeader) == 10);

struct CoalescedPacket {
  VnetHeader vnet;                  // all zero for a packet written as it came
  std::vector<std::uint8_t> bytes;  // the IPv4 packet
  std::size_t segments = 1;
};

// The packets in order, runs of mergeable TCP segments joined (each result <= 65535 bytes).
std::vector<CoalescedPacket> coalesce_tcp(std::span<const std::vector<std::uint8_t>> packets);

}  // namespace hubsec::host::datapath
