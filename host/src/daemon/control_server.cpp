#include "hubsec/host/daemon/control_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace hubsec::host::daemon {

namespace {

constexpr std::size_t kMaxRequest = 1024;
constexpr int kClientTimeoutMs = 1000;

sockaddr_un address_of(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) {
    throw std::runtime_error("control socket path too long: " + path);
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  return sa;
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ControlServer::ControlServer(std::string path, Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)) {
  sockaddr_un sa = address_of(path_);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    throw std::runtime_error("control socket: " + std::string(std::strerror(errno)));
  }
  ::unlink(path_.c_str());     // a stale socket from a previous run
  mode_t old = ::umask(0117);  // owner and group only: the answers describe the VPN
  int rc = ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::umask(old);
  if (rc != 0 || ::listen(fd_, 8) != 0) {
    int err = errno;
    ::close(fd_);
    throw std::runtime_error("control socket " + path_ + ": " + std::strerror(err));
  }
}

ControlServer::~ControlServer() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

void ControlServer::serve_pending() {
  for (;;) {
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      return;
    }
    serve(client);
    ::close(client);
  }
}

void ControlServer::serve(int client) {
  std::string request;
  char buf[256];
  while (request.find('\n') == std::string::npos && request.size() < kMaxRequest) {
    pollfd p{client, POLLIN, 0};
    if (::poll(&p, 1, kClientTimeoutMs) <= 0) {
      return;  // a silent client does not stall the daemon for long
    }
    ssize_t n = ::recv(client, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    request.append(buf, static_cast<std::size_t>(n));
  }
  if (auto nl = request.find('\n'); nl != std::string::npos) {
    request.resize(nl);
  }
  if (request.size() >= kMaxRequest) {
    write_all(client, "% request too long\n");
    return;
  }
  write_all(client, handler_(request));
}

std::optional<std::string> control_request(const std::string& path, const std::string& request) {
  sockaddr_un sa = address_of(path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return std::nullopt;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::optional<std::string> answer;
  if (write_all(fd, request + "\n")) {
    answer.emplace();
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      answer->append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

}  // namespace hubsec::host::daemon
