#include "hubsec/host/datapath/udp_esp_socket.hpp"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hubsec/host/datapath/send_messages.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace hubsec::host::datapath {

namespace {

constexpr std::size_t kMaxSegments = 64;       // the kernel's UDP_MAX_SEGMENTS (older kernels)
constexpr std::size_t kMaxGsoPayload = 65000;  // < 65535 - IP - UDP headers
constexpr std::size_t kMaxMessages = 64;       // per sendmmsg / recvmmsg
constexpr int kSendBufferBytes = 4 << 20;
constexpr int kMaxSendWaits = 10;  // waits for send-buffer room per send() call, all messages together
constexpr int kSendWaitMs = 5;     // each: poll() returns as soon as there is room

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// An ESP-in-UDP packet as the backend wrote it.
struct Outgoing {
  std::uint32_t src = 0, dst = 0;
  std::uint16_t dport = 0;
  std::span<const std::uint8_t> payload;  // the ESP packet
};

Outgoing parse(std::span<const std::uint8_t> ipv4) {
  const std::size_t ihl = static_cast<std::size_t>(ipv4[0] & 0x0f) * 4;
  return Outgoing{be32(ipv4.data() + 12), be32(ipv4.data() + 16), be16(ipv4.data() + ihl + 2),
                  ipv4.subspan(ihl + 8)};
}

// Room for IP_PKTINFO and UDP_SEGMENT / UDP_GRO.
struct alignas(cmsghdr) Control {
  char bytes[CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(int))];
};

}  // namespace

bool GsoRefusals::allows(std::uint32_t dst, Clock::time_point now) {
  if (since_.empty()) {
    return true;
  }
  const auto it = since_.find(dst);
  if (it == since_.end()) {
    return true;
  }
  if (now - it->second < kRetryAfter) {
    return false;
  }
  since_.erase(it);
  return true;
}

void GsoRefusals::refuse(std::uint32_t dst, Clock::time_point now) {
  if (since_.size() >= kMaxEntries && !since_.contains(dst)) {
    since_.erase(std::min_element(since_.begin(), since_.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; }));
  }
  since_[dst] = now;
}

void UdpEspSocket::attach(int fd) {
  const int on = fd >= 0 ? 1 : 0;
  const int target = fd >= 0 ? fd : fd_;
  if (target >= 0) {
    ::setsockopt(target, SOL_UDP, UDP_GRO, &on, sizeof on);  // refused by old kernels: no coalescing
  }
  fd_ = fd;
  port_ = 0;
  if (fd_ < 0) {
    return;
  }
  // A GSO message of up to 64 packets must fit the send buffer at once; beyond net.core.wmem_max
  // when we have CAP_NET_ADMIN.
  if (::setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &kSendBufferBytes, sizeof kSendBufferBytes) != 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof kSendBufferBytes);
  }
  sockaddr_in me{};
  socklen_t len = sizeof me;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&me), &len) == 0) {
    port_ = ntohs(me.sin_port);
  }
}

bool UdpEspSocket::takes(std::span<const std::uint8_t> ipv4) const {
  if (fd_ < 0 || ipv4.size() < 28 || (ipv4[0] >> 4) != 4 || ipv4[9] != IPPROTO_UDP) {
    return false;
  }
  const std::size_t ihl = static_cast<std::size_t>(ipv4[0] & 0x0f) * 4;
  return ihl >= 20 && ipv4.size() >= ihl + 8 && be16(ipv4.data() + ihl) == port_;
}

std::size_t UdpEspSocket::receive(std::span<std::vector<std::uint8_t>> buffers, std::vector<Datagram>& out) {
  const std::size_t count = std::min(buffers.size(), kMaxMessages);
  mmsghdr msgs[kMaxMessages]{};
  iovec iov[kMaxMessages];
  sockaddr_in from[kMaxMessages];
  Control control[kMaxMessages];
  for (std::size_t i = 0; i < count; ++i) {
    iov[i] = {buffers[i].data(), buffers[i].size()};
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = control[i].bytes;
    msgs[i].msg_hdr.msg_controllen = sizeof control[i].bytes;
  }
  const int n = ::recvmmsg(fd_, msgs, static_cast<unsigned>(count), MSG_DONTWAIT, nullptr);
  ++stats_.receive_calls;
  if (n <= 0) {
    return 0;
  }
  for (int i = 0; i < n; ++i) {
    const msghdr& m = msgs[i].msg_hdr;
    Datagram d;
    d.src = ntohl(from[i].sin_addr.s_addr);
    d.sport = ntohs(from[i].sin_port);
    d.dport = port_;
    d.bytes = std::span<const std::uint8_t>(buffers[i].data(), msgs[i].msg_len);
    d.segment = d.bytes.size();
    // A lost control message (MSG_CTRUNC) may be the UDP_GRO segment size: the buffer could hold many
    // datagrams read as one, so it goes the way of a truncated one (the daemon counts it) rather than
    // being decrypted as one ESP packet and miscounted as an ICV failure.
    d.truncated = (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&m), c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        d.dst = ntohl(info.ipi_addr.s_addr);
      } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
        int size = 0;
        std::memcpy(&size, CMSG_DATA(c), sizeof size);
        if (size > 0) {
          d.segment = static_cast<std::size_t>(size);
        }
      }
    }
    stats_.received_datagrams += d.segment ? (d.bytes.size() + d.segment - 1) / d.segment : 1;
    out.push_back(d);
  }
  stats_.received_buffers += static_cast<std::uint64_t>(n);
  return static_cast<std::size_t>(n);
}

void UdpEspSocket::send(std::span<const std::span<const std::uint8_t>> packets,
                        std::span<std::uint8_t> sent) {
  std::vector<iovec> iov(packets.size());
  std::vector<Outgoing> parsed(packets.size());
  for (std::size_t i = 0; i < packets.size(); ++i) {
    parsed[i] = parse(packets[i]);
    iov[i] = {const_cast<std::uint8_t*>(parsed[i].payload.data()), parsed[i].payload.size()};
    sent[i] = 0;
  }
  mmsghdr msgs[kMaxMessages];
  sockaddr_in to[kMaxMessages];
  Control control[kMaxMessages];
  std::size_t first[kMaxMessages + 1];  // packets [first[k], first[k + 1]) are message k
  int waits = 0;
  std::size_t next = 0;
  // Packets [next, probe_end) go one per message, alone in their sendmmsg: the kernel refused them as
  // one GSO message, and whether any of them leaves singly decides if GSO was the problem.
  std::size_t probe_end = 0;
  std::uint32_t probe_dst = 0;  // where they go
  const auto now = GsoRefusals::Clock::now();
  while (next < packets.size()) {
    const bool probing = probe_end > next;
    const std::size_t limit = probing ? probe_end : packets.size();
    // Messages from `next` on: a run to one destination whose datagrams (all but the last) have the
    // first one's size is one GSO message.
    std::size_t m = 0;
    std::size_t at = next;
    while (at < limit && m < kMaxMessages) {
      const Outgoing& head = parsed[at];
      const std::size_t size = head.payload.size();
      std::size_t end = at + 1, total = size;
      const bool gso = !probing && gso_refusals_.allows(head.dst, now);
      while (gso && end < limit && end - at < kMaxSegments) {
        const Outgoing& o = parsed[end];
        if (o.dst != head.dst || o.dport != head.dport || o.src != head.src || o.payload.size() > size ||
            total + o.payload.size() > kMaxGsoPayload || size == 0) {
          break;
        }
        total += o.payload.size();
        ++end;
        if (o.payload.size() < size) {
          break;  // a shorter one ends the message
        }
      }
      first[m] = at;
      msghdr& h = msgs[m].msg_hdr;
      h = msghdr{};
      to[m] = sockaddr_in{};
      to[m].sin_family = AF_INET;
      to[m].sin_port = htons(head.dport);
      to[m].sin_addr.s_addr = htonl(head.dst);
      h.msg_name = &to[m];
      h.msg_namelen = sizeof to[m];
      h.msg_iov = &iov[at];
      h.msg_iovlen = end - at;
      h.msg_control = control[m].bytes;
      h.msg_controllen = sizeof control[m].bytes;
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      std::size_t used = 0;
      if (head.src != 0) {  // leave from the address IKE uses (the socket is bound to any)
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo info{};
        info.ipi_spec_dst.s_addr = htonl(head.src);
        std::memcpy(CMSG_DATA(c), &info, sizeof info);
        used += CMSG_SPACE(sizeof(in_pktinfo));
        c = CMSG_NXTHDR(&h, c);
      }
      if (end - at > 1) {
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const auto segment = static_cast<std::uint16_t>(size);
        std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
        used += CMSG_SPACE(sizeof(std::uint16_t));
      }
      h.msg_controllen = used;
      if (used == 0) {
        h.msg_control = nullptr;
      }
      ++m;
      at = end;
    }
    first[m] = at;
    bool probe_sent = false;
    std::size_t refused = m;  // the GSO message the kernel refused (m: none)
    const SendResult r = send_messages(
        fd_, std::span(msgs, m),
        [&](std::size_t k, std::size_t n) {
          for (std::size_t i = first[k]; i < first[k + n]; ++i) {
            sent[i] = 1;
          }
          stats_.sent_messages += n;
          stats_.sent_datagrams += first[k + n] - first[k];
          probe_sent = probe_sent || probing;
        },
        [&](std::size_t k, int err) {
          if ((err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) && waits < kMaxSendWaits) {
            // The socket is non-blocking (the daemon's): wait for room rather than drop, but within one
            // budget per call: this thread also reads port 4500 (IKE, DPD) and Tunnel0, so a full send
            // buffer may cost it at most kMaxSendWaits x kSendWaitMs per batch; past that the rest drop,
            // counted.
            ++waits;
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, kSendWaitMs);
            return SendFailure::kRetry;
          }
          // A GSO message to a route whose MTU is below the segment size: EINVAL (EMSGSIZE on newer
          // kernels, 6.18 here); no GSO at all: EIO, EOPNOTSUPP.
          if (first[k + 1] - first[k] > 1 &&
              (err == EINVAL || err == EMSGSIZE || err == EIO || err == EOPNOTSUPP)) {
            refused = k;  // try its datagrams one by one
            return SendFailure::kStop;
          }
          return SendFailure::kSkip;  // this message failed (sent stays 0 for its packets); go on
        });
    stats_.send_calls += r.calls;
    next = first[r.handled];
    if (probing && probe_sent) {
      // Singly some of them left where the GSO message could not: no UDP GSO to this destination (its
      // route's MTU is below the segment size, or no GSO at all), one datagram per message to it from
      // now on; other destinations keep GSO. None left: it was not GSO's fault.
      gso_refusals_.refuse(probe_dst, now);
      ++stats_.gso_refused;
    }
    if (refused < m) {
      probe_end = first[refused + 1];
      probe_dst = parsed[first[refused]].dst;
    }
  }
}

}  // namespace hubsec::host::datapath
