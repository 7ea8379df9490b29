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

// The send side (TUNSETOFFLOAD with TUN_F_CSUM | TUN_F_TSO4): the kernel hands over packets whose
// checksum is left to us (flags NEEDS_CSUM: the field holds the pseudo-header sum) and TCP
// super-packets of up to 64 KB (gso_type TCPV4) to cut into gso_size segments.
// complete_checksum() finishes a NEEDS_CSUM packet in place (false if the offsets are out of range).
bool complete_checksum(const VnetHeader& vnet, std::span<std::uint8_t> packet);
// segment_tcp() cuts an IPv4/TCP super-packet into segments with their own IP length, id (+1 each),
// header checksum, sequence number and TCP checksum; FIN and PSH only on the last, CWR only on the
// first. Empty when the packet is not IPv4/TCP (the caller drops it).
std::vector<std::vector<std::uint8_t>> segment_tcp(const VnetHeader& vnet,
                                                   std::span<const std::uint8_t> packet);

}  // namespace hubsec::host::datapath
