#include "hubsec/host/daemon/daemon.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>
#include <variant>

#include "../config/cursor.hpp"
#include "hubsec/host/daemon/control_server.hpp"
#include "hubsec/host/daemon/engine_show.hpp"
#include "hubsec/host/daemon/key_log.hpp"
#include "hubsec/host/daemon/show_format.hpp"
#include "hubsec/host/daemon/udp_framing.hpp"
#include "hubsec/host/daemon/udp_socket.hpp"

namespace hubsec::host::daemon {

namespace {

constexpr std::size_t kMaxDatagram = 65535;
constexpr auto kMaxPollWait = std::chrono::milliseconds(1000);
constexpr auto kFirstRetry = std::chrono::seconds(5);
constexpr auto kMaxRetry = std::chrono::seconds(60);

std::string_view down_reason(ike::IkeSaDown::Reason r) {
  switch (r) {
    case ike::IkeSaDown::Reason::kLocalDelete: return "local delete";
    case ike::IkeSaDown::Reason::kPeerDeleted: return "peer deleted";
    case ike::IkeSaDown::Reason::kRekeyed: return "rekeyed";
    case ike::IkeSaDown::Reason::kTimeout: return "timeout";
    case ike::IkeSaDown::Reason::kDpdDead: return "DPD: peer dead";
    case ike::IkeSaDown::Reason::kAuthFailed: return "authentication failed";
    case ike::IkeSaDown::Reason::kNegotiationFailed: return "negotiation failed";
    case ike::IkeSaDown::Reason::kExpired: return "expired";
  }
  return "?";
}

// Signals arrive as readable data on a signalfd, so the poll loop sees them like any socket.
class SignalFd {
 public:
  SignalFd() {
    sigemptyset(&mask_);
    sigaddset(&mask_, SIGTERM);
    sigaddset(&mask_, SIGINT);
    sigaddset(&mask_, SIGPIPE);
    sigprocmask(SIG_BLOCK, &mask_, &old_);
    fd_ = signalfd(-1, &mask_, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) {
      throw std::runtime_error("signalfd failed");
    }
  }
  ~SignalFd() {
    ::close(fd_);
    sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  int fd() const { return fd_; }
  // True when SIGTERM or SIGINT was read.
  bool stop_requested() {
    signalfd_siginfo info{};
    bool stop = false;
    while (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
        stop = true;
      }
    }
    return stop;
  }

 private:
  sigset_t mask_{}, old_{};
  int fd_ = -1;
};

struct Target {
  InitiateTarget target;
  ike::IkeSaId sa = 0;
  ike::TimePoint next_attempt{};
  std::chrono::seconds backoff = kFirstRetry;
  bool waiting = true;  // no SA: initiate at next_attempt
};

}  // namespace

struct Daemon::Impl {
  Impl(Plan p, DaemonOptions o, Logger& l, ChildSaSink& s)
      : plan(std::move(p)),
        options(std::move(o)),
        log(l),
        sink(s),
        engine(plan.policy),
        ike_socket(options.listen, ike::kIkePort),
        natt_socket(options.listen, ike::kNatTPort),
        control(options.control_path, [this](const std::string& line) { return handle_command(line); }) {
    if (options.keylog_dir) {
      key_log.emplace(*options.keylog_dir);
      log.warn("key log enabled in " + *options.keylog_dir +
               ": IKE and ESP keys are written there (debug only)");
      engine.set_key_log_sink([this](const ike::IkeKeyLogEntry& e) { key_log->ike_sa(e); });
    }
    if (options.initiate) {
      for (const auto& t : plan.initiate) {
        targets.push_back(Target{t, 0, ike::Clock::now(), kFirstRetry, true});
      }
    }
  }

  ~Impl() {
    if (natt_adopted) {
      sink.adopt_natt_socket(-1);  // the socket closes with this object: the data plane lets go first
    }
  }

  int run() {
    SignalFd signals;
    log.info("listening on UDP " + options.listen.to_string() + ":500 and :4500, control socket " +
             options.control_path);
    // The data plane's packet thread reads port 4500 when it can (ESP in UDP decrypted in batches
    // there); the IKE datagrams among them come back here through natt_datagram_fd().
    natt_adopted = natt_adopted || sink.adopt_natt_socket(natt_socket.fd());
    if (natt_adopted) {
      log.info("UDP 4500: ESP in UDP is read by the data plane's packet thread, IKE comes back to this one");
    }
    bool stopping = false;
    std::vector<std::uint8_t> buffer(kMaxDatagram + 1);
    for (;;) {
      ike::TimePoint now = ike::Clock::now();
      if (!stopping) {
        start_due_initiations(now);
      }
      engine.tick(now);
      drain();
      if (!stopping) {
        on_demand_dpd(now);
      }
      if (stopping) {
        break;
      }
      std::array<pollfd, 5> fds{{{ike_socket.fd(), POLLIN, 0},
                                 {natt_adopted ? sink.natt_datagram_fd() : natt_socket.fd(), POLLIN, 0},
                                 {control.fd(), POLLIN, 0},
                                 {signals.fd(), POLLIN, 0},
                                 {sink.lifetime_event_fd(), POLLIN, 0}}};  // -1: poll skips it
      int rc = ::poll(fds.data(), fds.size(), poll_timeout_ms(ike::Clock::now()));
      if (rc < 0 && errno != EINTR) {
        log.error("poll: " + std::string(std::strerror(errno)));
        return 1;
      }
      if (fds[0].revents & POLLIN) {
        receive_all(ike_socket, buffer, false);
      }
      if ((fds[1].revents & POLLIN) && !natt_adopted) {
        receive_all(natt_socket, buffer, true);
      } else if (fds[1].revents & POLLIN) {
        for (const auto& d : sink.take_natt_datagrams()) {
          if (d.oversized) {
            ++oversized;
            continue;
          }
          on_datagram(d.local, d.remote, d.bytes, true);
        }
      }
      if (fds[2].revents & POLLIN) {
        control.serve_pending();
      }
      if (fds[4].revents & POLLIN) {
        // The data plane saw a volume lifetime run out: soft = rekey the Child SA, hard = delete it.
        for (const auto& e : sink.take_lifetime_events()) {
          engine.on_child_volume_limit(e.inbound_spi, e.hard, ike::Clock::now());
        }
        drain();
      }
      if ((fds[3].revents & POLLIN) && signals.stop_requested()) {
        log.info("stopping: deleting every SA");
        engine.delete_all(ike::Clock::now());
        stopping = true;
      }
    }
    return 0;
  }

  int poll_timeout_ms(ike::TimePoint now) const {
    ike::TimePoint wake = now + kMaxPollWait;
    if (auto d = engine.next_deadline()) {
      wake = std::min(wake, *d);
    }
    for (const auto& t : targets) {
      if (t.waiting) {
        wake = std::min(wake, t.next_attempt);
      }
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 1000));
  }

  void receive_all(UdpSocket& socket, std::vector<std::uint8_t>& buffer, bool natt) {
    while (auto r = socket.receive(buffer)) {
      if (r->size > kMaxDatagram) {
        ++oversized;
        continue;
      }
      on_datagram(r->local, r->remote, ike::ByteView(buffer.data(), r->size), natt);
    }
  }

  void on_datagram(const ike::Endpoint& local, const ike::Endpoint& remote, ike::ByteView data, bool natt) {
    Classified c = classify_datagram(data, natt);
    static constexpr const char* kKinds[] = {"IKE", "ESP", "keepalive", "malformed"};
    log.debug("received " + std::to_string(data.size()) + " bytes " + kKinds[static_cast<int>(c.kind)] +
              " from " + remote.to_string() + " to " + local.to_string());
    switch (c.kind) {
      case DatagramKind::kIke: engine.on_datagram(local, remote, c.payload, ike::Clock::now()); break;
      case DatagramKind::kEsp: sink.esp_in_udp(local, remote, c.payload); break;
      case DatagramKind::kKeepalive: ++keepalives; break;
      case DatagramKind::kMalformed: ++malformed; break;
    }
    drain();
  }

  void start_due_initiations(ike::TimePoint now) {
    for (auto& t : targets) {
      if (!t.waiting || now < t.next_attempt) {
        continue;
      }
      auto local = local_address_towards(t.target.peer);
      t.waiting = false;
      if (!local) {
        log.warn("no route to " + t.target.peer.to_string() + " (" + t.target.reason + "), retrying");
        schedule_retry(t, now);
        continue;
      }
      ike::InitiateRequest req{ike::Endpoint{*local, ike::kIkePort},
                               ike::Endpoint{t.target.peer, ike::kIkePort}, t.target.profile};
      t.sa = engine.initiate(req, now);
      log.info("initiating IKE SA " + std::to_string(t.sa) + " to " + t.target.peer.to_string() + " (" +
               t.target.reason + ", profile " + t.target.profile + ")");
      if (t.sa == 0) {
        schedule_retry(t, now);
      }
    }
  }

  // IOS `dpd S R on-demand`: a liveness check when we send ESP to a peer we have had no ESP from for
  // S seconds (the engine retries it every R s and drops the peer when it stays silent). Once a second.
  void on_demand_dpd(ike::TimePoint now) {
    if (now < next_activity_check) {
      return;
    }
    next_activity_check = now + std::chrono::seconds(1);
    const bool any = std::any_of(plan.policy.profiles.begin(), plan.policy.profiles.end(),
                                 [](const auto& p) { return p.dpd_interval.count() > 0 && !p.dpd_periodic; });
    if (!any) {
      return;
    }
    const auto activity = sink.peer_activity();
    for (const auto& sa : engine.snapshot(now)) {
      const auto prof = std::find_if(plan.policy.profiles.begin(), plan.policy.profiles.end(),
                                     [&](const auto& p) { return p.name == sa.profile; });
      if (sa.status != ike::IkeSaStatus::kReady || prof == plan.policy.profiles.end() ||
          prof->dpd_interval.count() <= 0 || prof->dpd_periodic) {
        continue;
      }
      const auto a = std::find_if(activity.begin(), activity.end(),
                                  [&](const PeerActivity& x) { return x.peer == sa.remote.address; });
      if (a == activity.end() || a->last_out <= a->last_in || now - a->last_in < prof->dpd_interval) {
        continue;
      }
      auto& asked = dpd_asked[sa.id];
      if (asked != ike::TimePoint{} && now - asked < prof->dpd_interval) {
        continue;  // one check per interval: the engine retries it itself
      }
      asked = now;
      log.info("IKE SA " + std::to_string(sa.id) + ": sending ESP to " + sa.remote.address.to_string() +
               " but none received for " + std::to_string(prof->dpd_interval.count()) +
               " s: DPD (on-demand)");
      engine.send_dpd(sa.id, now);
    }
    std::erase_if(dpd_asked, [&](const auto& kv) { return now - kv.second > std::chrono::minutes(10); });
    drain();
  }

  void schedule_retry(Target& t, ike::TimePoint now) {
    t.waiting = true;
    t.sa = 0;
    t.next_attempt = now + t.backoff;
    log.info("will initiate to " + t.target.peer.to_string() + " again in " +
             std::to_string(t.backoff.count()) + " s");
    t.backoff = std::min(t.backoff * 2, kMaxRetry);
  }

  void drain() {
    for (auto& action : engine.take_actions()) {
      std::visit([this](auto& a) { handle(a); }, action);
    }
  }

  void handle(ike::SendDatagram& d) {
    UdpSocket& socket = d.local.port == ike::kNatTPort ? natt_socket : ike_socket;
    static constexpr std::array<std::uint8_t, 4> kMarker{0, 0, 0, 0};
    bool ok = d.non_esp_marker ? socket.send(d.local.address, d.remote, kMarker, d.payload)
                               : socket.send(d.local.address, d.remote, d.payload);
    if (!ok) {
      ++send_errors;
    }
  }
  void handle(ike::ChildSaInstall& e) {
    if (key_log) {
      key_log->child_sa(e.sa);
    }
    sink.install(e);
  }
  void handle(ike::ChildSaUpdate& e) { sink.update(e); }
  void handle(ike::ChildSaDelete& e) { sink.remove(e); }
  void handle(ike::IkeSaUp& e) {
    log.info("IKE SA " + std::to_string(e.id) + " up: " + e.local.to_string() + " <-> " +
             e.remote.to_string() + " remote id " + e.remote_id.to_string() + ", profile " + e.profile +
             (e.replaces ? " (rekey of IKE SA " + std::to_string(e.replaces) + ")" : ""));
    for (auto& t : targets) {
      if (t.sa == e.id || (e.replaces != 0 && t.sa == e.replaces)) {
        t.sa = e.id;
        t.backoff = kFirstRetry;
      }
    }
  }
  void handle(ike::IkeSaDown& e) {
    log.info("IKE SA " + std::to_string(e.id) + " down (" + std::string(down_reason(e.reason)) + "), peer " +
             e.remote.to_string());
    const bool retry = e.reason != ike::IkeSaDown::Reason::kRekeyed &&
                       e.reason != ike::IkeSaDown::Reason::kLocalDelete &&
                       e.reason != ike::IkeSaDown::Reason::kPeerDeleted;
    for (auto& t : targets) {
      if (t.sa != e.id || t.waiting) {
        continue;
      }
      // A protected tunnel's peer (NHS, tunnel destination) that deleted our SA: IOS brings the
      // tunnel protection up again; only our own operator's delete stays down.
      if (retry || (e.reason == ike::IkeSaDown::Reason::kPeerDeleted && t.target.tunnel_protection)) {
        schedule_retry(t, ike::Clock::now());
      } else if (e.reason != ike::IkeSaDown::Reason::kRekeyed) {
        t.sa = 0;  // deliberate: wait for an operator `crypto ikev2 initiate`
      }
    }
  }
  void handle(ike::LogLine& l) {
    static constexpr LogLevel kLevels[] = {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                                           LogLevel::kError};
    log.log(kLevels[static_cast<int>(l.level)],
            (l.ike_sa ? "IKE SA " + std::to_string(l.ike_sa) + ": " : "") + l.text);
  }

  std::vector<ShowContext> show_context(const std::vector<ike::IkeSaSnapshot>& sas) const {
    std::vector<ShowContext> ctx;
    for (const auto& sa : sas) {
      ShowContext c;
      for (const auto& e : plan.extras) {
        if (e.name == sa.profile) {
          c.dpd_retry_seconds = e.dpd_retry_seconds;
        }
      }
      ctx.push_back(c);
    }
    return ctx;
  }

  std::string handle_command(const std::string& line);

  Plan plan;
  DaemonOptions options;
  Logger& log;
  ChildSaSink& sink;
  ike::Engine engine;
  UdpSocket ike_socket;
  UdpSocket natt_socket;
  ControlServer control;
  std::optional<KeyLog> key_log;
  std::vector<Target> targets;
  ike::TimePoint next_activity_check{};
  std::map<ike::IkeSaId, ike::TimePoint> dpd_asked;  // on-demand DPD: when we last asked, per IKE SA
  std::uint64_t keepalives = 0, malformed = 0, oversized = 0, send_errors = 0;
  bool natt_adopted = false;  // the data plane reads natt_socket (adopt_natt_socket)
};

std::string Daemon::Impl::handle_command(const std::string& line) {
  using config::detail::Cursor;
  const auto words = config::detail::split_words(line);
  Cursor c(line, words);
  const ike::TimePoint now = ike::Clock::now();
  auto invalid = [&]() {
    if (c.incomplete()) {
      return std::string("% Incomplete command.\n");
    }
    return line + "\n" + std::string(static_cast<std::size_t>(c.caret_column()), ' ') +
           "^\n% Invalid input detected at '^' marker.\n";
  };
  auto verb = c.choose({"show", "clear", "crypto"});
  if (!verb) {
    return invalid();
  }
  if (*verb == 0) {
    auto what = c.choose({"crypto", "dmvpn"});
    if (what == 1) {
      return c.end() ? sink.show_dmvpn() : invalid();
    }
    auto family = what ? c.choose({"ikev2", "ipsec", "session", "engine"}) : std::nullopt;
    if (!family) {
      return invalid();
    }
    if (*family == 3) {  // IOS: show crypto engine accelerator statistic
      if (!c.keyword("accelerator") || !c.keyword("statistic") || !c.end()) {
        return invalid();
      }
      return options.show_crypto_engine ? options.show_crypto_engine() : show_crypto_engine_absent();
    }
    if (*family == 2) {
      return c.end() ? sink.show_crypto_session() : invalid();
    }
    if (*family == 1) {
      if (!c.keyword("sa")) {
        return invalid();
      }
      // IOS: show crypto ipsec sa [peer A.B.C.D] [detail]
      std::string peer;
      if (c.optional_choice({"peer"})) {
        auto a = c.address();
        if (!a) {
          return invalid();
        }
        peer = a->to_string();
      }
      const bool detail = c.optional_choice({"detail"}).has_value();
      if (!c.end()) {
        return invalid();
      }
      return sink.show_ipsec_sa(detail, peer);
    }
    auto item = c.choose({"sa", "stats"});
    if (!item) {
      return invalid();
    }
    if (*item == 1) {
      if (!c.end()) {
        return invalid();
      }
      return show_ikev2_stats(engine.stats(), plan.policy.max_sas, plan.policy.max_half_open) +
             show_ike_socket_counters(IkeSocketCounters{keepalives, malformed + oversized, send_errors,
                                                        sink.natt_datagrams_dropped()});
    }
    bool detailed = c.optional_choice({"detailed"}).has_value();
    if (!c.end()) {
      return invalid();
    }
    auto sas = engine.snapshot(now);
    return show_ikev2_sa(sas, detailed, show_context(sas));
  }
  if (*verb == 1) {
    auto what = c.choose({"crypto"});
    auto family = what ? c.choose({"sa", "ikev2"}) : std::nullopt;
    if (!family) {
      return invalid();
    }
    if (*family == 0) {
      // IOS: clear crypto sa [peer A.B.C.D]: every IKE SA (and its Child SAs) with that peer.
      std::optional<config::Ipv4> peer;
      if (c.optional_choice({"peer"})) {
        peer = c.address();
        if (!peer) {
          return invalid();
        }
      }
      if (!c.end()) {
        return invalid();
      }
      if (!peer) {
        engine.delete_all(now);
      } else {
        for (const auto& sa : engine.snapshot(now)) {
          if (!sa.remote.address.v6 && sa.remote.address.v4_host_order() == peer->value) {
            engine.delete_ike_sa(sa.id, now);
          }
        }
      }
      drain();
      return "";
    }
    if (!c.keyword("sa")) {
      return invalid();
    }
    ike::IkeSaId id = 0;  // 0 = all
    if (!c.at_end()) {
      auto n = c.number(1, 0xFFFFFFFFu);
      if (!n) {
        return invalid();
      }
      id = static_cast<ike::IkeSaId>(*n);
    }
    if (!c.end()) {
      return invalid();
    }
    if (id == 0) {
      for (const auto& sa : engine.snapshot(now)) {
        engine.delete_ike_sa(sa.id, now);
      }
    } else if (!engine.delete_ike_sa(id, now)) {
      return "% no IKE SA " + std::to_string(id) + "\n";
    }
    drain();
    return "";
  }
  // hubsec's own exec commands (IOS has no direct equivalent): crypto ikev2 rekey|initiate|dpd.
  if (!c.keyword("ikev2")) {
    return invalid();
  }
  auto op = c.choose({"rekey", "initiate", "dpd"});
  if (!op) {
    return invalid();
  }
  bool ok = false;
  if (*op == 0) {
    auto kind = c.choose({"sa", "child"});
    if (!kind) {
      return invalid();
    }
    if (*kind == 0) {
      auto id = c.number(1, 0xFFFFFFFFu);
      if (!id || !c.end()) {
        return invalid();
      }
      ok = engine.rekey_ike_sa(static_cast<ike::IkeSaId>(*id), now);
    } else {
      auto spi_text = c.name();
      if (!spi_text || !c.end()) {
        return invalid();
      }
      std::uint32_t spi = 0;
      try {
        spi = static_cast<std::uint32_t>(std::stoul(*spi_text, nullptr, 16));
      } catch (const std::exception&) {
        return "% bad SPI (hex, the inbound SPI)\n";
      }
      ok = engine.rekey_child_sa(spi, now);
    }
  } else if (*op == 1) {
    auto peer = c.address();
    std::optional<std::string> profile;
    if (!c.at_end()) {
      profile = c.name();
    }
    if (!peer || !c.end()) {
      return invalid();
    }
    auto local = local_address_towards(ike::IpAddress::v4(peer->value));
    if (!local) {
      return "% no route to " + peer->to_string() + "\n";
    }
    ike::InitiateRequest req{ike::Endpoint{*local, ike::kIkePort},
                             ike::Endpoint{ike::IpAddress::v4(peer->value), ike::kIkePort},
                             profile.value_or("")};
    auto id = engine.initiate(req, now);
    drain();
    return id ? "IKE SA " + std::to_string(id) + " initiating\n" : "% unknown profile\n";
  } else {
    auto id = c.number(1, 0xFFFFFFFFu);
    if (!id || !c.end()) {
      return invalid();
    }
    ok = engine.send_dpd(static_cast<ike::IkeSaId>(*id), now);
  }
  drain();
  return ok ? "" : "% refused: unknown or busy SA\n";
}

Daemon::Daemon(Plan plan, DaemonOptions options, Logger& log, ChildSaSink& sink)
    : impl_(std::make_unique<Impl>(std::move(plan), std::move(options), log, sink)) {}
Daemon::~Daemon() = default;
int Daemon::run() {
  return impl_->run();
}
std::string Daemon::handle_command(const std::string& line) {
  return impl_->handle_command(line);
}

}  // namespace hubsec::host::daemon
