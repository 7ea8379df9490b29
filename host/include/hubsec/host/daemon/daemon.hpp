// hubsecd's core: one IKE engine driven by a poll loop over the IKE sockets (UDP 500 and 4500),
// the control socket and a signalfd, with the engine's timers as the poll timeout.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hubsec/host/daemon/child_sa_sink.hpp"
#include "hubsec/host/daemon/logger.hpp"
#include "hubsec/host/daemon/plan.hpp"
#include "hubsec/ike/engine.hpp"

namespace hubsec::host::daemon {

struct DaemonOptions {
  std::string control_path = "/run/hubsec/hubsecd.sock";
  std::optional<std::string> keylog_dir;  // debug: Wireshark key files
  ike::IpAddress listen = ike::IpAddress::v4(0);
  bool initiate = true;  // towards the plan's targets, retried with backoff after failures
  // `show crypto engine accelerator statistic`: the ESP engine's statistics (engine_show.hpp); empty
  // without a data path. Called on the daemon thread; must not touch the backend's device.
  std::function<std::string()> show_crypto_engine;
};

class Daemon {
 public:
  Daemon(Plan plan, DaemonOptions options, Logger& log, ChildSaSink& sink);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until SIGTERM or SIGINT; then deletes every SA (telling the peers) and returns 0.
  int run();

  // One control command ("show crypto ikev2 sa detailed", ...); the text answer.
  std::string handle_command(const std::string& line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubsec::host::daemon
