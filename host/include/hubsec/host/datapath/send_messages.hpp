// sendmmsg until every message of a batch is handled, shared by the raw-ESP and the ESP-in-UDP senders:
// sendmmsg may send only the first few messages (it stops at the first that fails, or when the socket
// has no room), so the rest go in further calls; a message the kernel refuses outright is left to the
// caller's on_error: try it again (after waiting for room), skip it (not sent), or stop (the caller
// builds its messages again from that one, e.g. without UDP GSO).
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hubsec::host::datapath {

enum class SendFailure : std::uint8_t { kRetry, kSkip, kStop };

struct SendResult {
  std::size_t handled = 0;  // messages sent or skipped: msgs[handled] is where a kStop stopped
  std::uint64_t calls = 0;  // sendmmsg calls made
};

// on_sent(k, n): messages [k, k + n) left (their msg_len says how many bytes each).
// on_error(k, err): msgs[k] did not leave (errno err); returns what to do about it.
template <typename OnSent, typename OnError>
SendResult send_messages(int fd, std::span<mmsghdr> msgs, OnSent&& on_sent, OnError&& on_error) {
  SendResult r;
  while (r.handled < msgs.size()) {
    const int n = ::sendmmsg(fd, msgs.data() + r.handled, static_cast<unsigned>(msgs.size() - r.handled), 0);
    ++r.calls;
    if (n > 0) {
      on_sent(r.handled, static_cast<std::size_t>(n));
      r.handled += static_cast<std::size_t>(n);
      continue;
    }
    switch (on_error(r.handled, errno)) {
      case SendFailure::kRetry: break;
      case SendFailure::kSkip: ++r.handled; break;
      case SendFailure::kStop: return r;
    }
  }
  return r;
}

}  // namespace hubsec::host::datapath
