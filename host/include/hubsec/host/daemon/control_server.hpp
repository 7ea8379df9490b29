// The unix control socket: one request line per connection ("show crypto ikev2 sa detailed"), one
// text answer, then the daemon closes the connection. Driven from the daemon's poll loop.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace hubsec::host::daemon {

class ControlServer {
 public:
  using Handler = std::function<std::string(const std::string& request)>;
  ControlServer(std::string path, Handler handler);  // throws std::runtime_error
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  int fd() const { return fd_; }
  // Accepts and answers every waiting client (each read is bounded by a short timeout).
  void serve_pending();

 private:
  void serve(int client);
  std::string path_;
  Handler handler_;
  int fd_ = -1;
};

// The client side, for the `hubsec` CLI: sends `request`, returns the answer (nullopt: no daemon).
std::optional<std::string> control_request(const std::string& path, const std::string& request);

}  // namespace hubsec::host::daemon
