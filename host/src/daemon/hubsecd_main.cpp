// hubsecd: IKEv2 for the hub, configured in IOS syntax. See docs/configuration.md.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "hubsec/driver/device/card_esp_offload.hpp"
#include "hubsec/driver/device/card_layout.hpp"
#include "hubsec/driver/device/offload_choice.hpp"
#include "hubsec/host/config/parser.hpp"
#include "hubsec/host/daemon/child_sa_sink.hpp"
#include "hubsec/host/daemon/daemon.hpp"
#include "hubsec/host/daemon/engine_show.hpp"
#include "hubsec/host/daemon/logger.hpp"
#include "hubsec/host/daemon/plan.hpp"
#include "hubsec/host/datapath/gateway.hpp"

namespace {

using namespace hubsec::host;

constexpr const char* kUsage =
    "usage: hubsecd -c FILE [options]\n"
    "  -c, --config FILE     IOS configuration (see docs/configuration.md)\n"
    "  -s, --control PATH    control socket for the hubsec CLI (default /run/hubsec/hubsecd.sock)\n"
    "  --local A.B.C.D       our address: identity when a profile has no `identity local`, GRE selectors\n"
    "  --listen A.B.C.D      bind UDP 500/4500 to this address only (default: all)\n"
    "  --no-initiate         answer only; do not initiate to the configured peers\n"
    "  --keylog DIR          DEBUG: write Wireshark key files DIR/ikev2_decryption_table and DIR/esp_sa\n"
    "  --esp-backend B       ESP crypto for the tunnel interface's data path: soft (default), card, auto\n"
    "  --esp-device SPEC     card to use: sim, pci:BDF, xrt:N (default: the first one found)\n"
    "  --card-stall-timeout MS  reset a card that completes nothing for MS ms with jobs in flight\n"
    "                        (default 20000 for the Verilator card, 500 for a board)\n"
    "  --debug               log debug lines too\n"
    "  -h, --help            this text\n";

struct Args {
  std::string config;
  daemon::DaemonOptions options;
  std::optional<hubsec::ike::IpAddress> local;
  bool debug = false;
  std::string esp_backend = "soft";
  std::string esp_device;
  std::optional<std::chrono::milliseconds> card_stall_timeout;
};

// A card that completes nothing for this long with jobs in flight is reset (its SAs reinstalled, the
// jobs failed). A board answers in microseconds: half a second is a dead card. The Verilator card on a
// loaded machine can take seconds for a queue of 1,400-byte jobs (20-350 ms each, more while other
// processes compete for the CPU), which is slow, not stalled: it gets the 20 s hubsec-card uses for it.
std::chrono::milliseconds card_stall_timeout(const Args& a) {
  if (a.card_stall_timeout) {
    return *a.card_stall_timeout;
  }
  return a.esp_device == "sim" ? std::chrono::milliseconds(20000) : std::chrono::milliseconds(500);
}

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> v(argv + 1, argv + argc);
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= v.size()) {
        return std::nullopt;
      }
      return v[++i];
    };
    auto address = [&]() -> std::optional<hubsec::ike::IpAddress> {
      auto text = value();
      if (!text) {
        return std::nullopt;
      }
      auto ip = config::Ipv4::parse(*text);
      if (!ip) {
        return std::nullopt;
      }
      return hubsec::ike::IpAddress::v4(ip->value);
    };
    const std::string& o = v[i];
    if (o == "-c" || o == "--config") {
      auto x = value();
      if (!x) {
        return std::nullopt;
      }
      a.config = *x;
    } else if (o == "-s" || o == "--control") {
      auto x = value();
      if (!x) {
        return std::nullopt;
      }
      a.options.control_path = *x;
    } else if (o == "--keylog") {
      auto x = value();
      if (!x) {
        return std::nullopt;
      }
      a.options.keylog_dir = *x;
    } else if (o == "--local") {
      a.local = address();
      if (!a.local) {
        return std::nullopt;
      }
    } else if (o == "--listen") {
      auto x = address();
      if (!x) {
        return std::nullopt;
      }
      a.options.listen = *x;
    } else if (o == "--esp-backend" || o == "--esp-device") {
      auto x = value();
      if (!x || (o == "--esp-backend" && *x != "soft" && *x != "card" && *x != "auto")) {
        return std::nullopt;
      }
      (o == "--esp-backend" ? a.esp_backend : a.esp_device) = *x;
    } else if (o == "--card-stall-timeout") {
      auto x = value();
      char* end = nullptr;
      const unsigned long ms = x ? std::strtoul(x->c_str(), &end, 10) : 0;
      if (!x || x->empty() || *end != '\0' || ms < 10 || ms > 600000) {
        std::cerr << "hubsecd: --card-stall-timeout takes milliseconds, 10 to 600000\n";
        return std::nullopt;
      }
      a.card_stall_timeout = std::chrono::milliseconds(ms);
    } else if (o == "--no-initiate") {
      a.options.initiate = false;
    } else if (o == "-h" || o == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (o == "--debug") {
      a.debug = true;
    } else {
      return std::nullopt;
    }
  }
  if (a.config.empty()) {
    return std::nullopt;
  }
  return a;
}

// The first IPv4 address of a local interface (`tunnel source eth0`), as IOS uses the interface's.
std::optional<hubsec::ike::IpAddress> interface_address(const std::string& name) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return std::nullopt;
  }
  std::optional<hubsec::ike::IpAddress> found;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && name == i->ifa_name) {
      sockaddr_in sin{};
      std::memcpy(&sin, i->ifa_addr, sizeof sin);
      found = hubsec::ike::IpAddress::v4(ntohl(sin.sin_addr.s_addr));
    }
  }
  ::freeifaddrs(list);
  return found;
}

// The card's own counters (registers, docs/hw-interface.md) and the backend's recoveries, logged when
// hubsecd stops: the demo prints them. CYCLES counts the cycles the card was clocked (the Verilator
// card is clocked only while it has work), so cycles / completions is the card's time per job.
std::string card_summary(hubsec::driver::device::CardEspOffload& card) {
  namespace reg = hubsec::driver::device::card::reg;
  auto& device = card.device();
  const std::uint64_t jobs = device.read32(reg::kJobsDone);
  const std::uint64_t lo = device.read32(reg::kCyclesLo);  // latches CYCLES_HI
  const std::uint64_t cycles = (std::uint64_t{device.read32(reg::kCyclesHi)} << 32) | lo;
  return "card " + device.name() + " counters: " + std::to_string(jobs) +
         " completions (ESP jobs and SA commands), " + std::to_string(cycles) + " cycles clocked (" +
         std::to_string(jobs ? cycles / jobs : 0) + " per completion), " +
         std::to_string(device.read32(reg::kFaultCount)) + " DMA faults, " + std::to_string(card.resets()) +
         " resets, " + std::to_string(card.protocol_errors()) + " protocol errors";
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) {
    std::cerr << kUsage;
    return 2;
  }
  daemon::Logger log(stderr, args->debug ? daemon::LogLevel::kDebug : daemon::LogLevel::kInfo);
  config::ParseResult parsed = config::load_config_file(args->config);
  if (!parsed.findings.empty()) {
    std::cerr << config::format(parsed.findings);
  }
  if (!parsed.ok()) {
    log.error("configuration refused: " + args->config);
    return 1;
  }
  daemon::PlanOptions plan_options;
  plan_options.local_address = args->local;
  if (!plan_options.local_address) {
    // IOS takes the address of the tunnel source: an address, or a local interface's address.
    for (const auto& t : parsed.config.tunnels) {
      if (t.tunnel_source.empty() || plan_options.local_address) {
        continue;
      }
      if (auto ip = config::Ipv4::parse(t.tunnel_source)) {
        plan_options.local_address = hubsec::ike::IpAddress::v4(ip->value);
      } else if (auto addr = interface_address(t.tunnel_source)) {
        plan_options.local_address = addr;
      } else {
        log.warn(t.name + ": tunnel source " + t.tunnel_source +
                 " is neither an address nor a local interface");
      }
    }
    if (plan_options.local_address) {
      log.info("local address " + plan_options.local_address->to_string());
    }
  }
  daemon::Plan plan = daemon::build_plan(parsed.config, plan_options);
  for (const auto& n : plan.notes) {
    log.warn(n);
  }
  for (const auto& e : plan.errors) {
    log.error(e);
  }
  if (!plan.errors.empty()) {
    return 1;
  }
  if (args->options.control_path == "/run/hubsec/hubsecd.sock") {
    ::mkdir("/run/hubsec", 0750);
  }
  // The ESP data path runs when a tunnel interface has an address (a DMVPN hub or spoke); without
  // one hubsecd negotiates SAs only and logs what it would install.
  auto dp_config =
      plan_options.local_address
          ? datapath::data_plane_config(parsed.config, plan_options.local_address->v4_host_order())
          : std::nullopt;
  // SIGTERM/SIGINT/SIGPIPE blocked before any thread starts (the packet thread, the Verilator card's):
  // threads inherit the mask, so the signals reach the daemon's signalfd and hubsecd stops in order
  // instead of the kernel killing it through a thread that had them unblocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    std::unique_ptr<datapath::Gateway> gateway;
    daemon::LoggingChildSaSink logging_sink(log);
    daemon::ChildSaSink* sink = &logging_sink;
    if (dp_config) {
      hubsec::driver::device::CardEspOffload::Options card_options;
      card_options.stall_timeout = card_stall_timeout(*args);
      auto choice = hubsec::driver::device::choose_offload(args->esp_backend, args->esp_device, card_options);
      if (!choice.offload) {
        log.error("ESP backend " + args->esp_backend + ": " + choice.reason);
        return 1;
      }
      log.info("ESP backend " + choice.backend + (choice.reason.empty() ? "" : " (" + choice.reason + ")") +
               ", tunnel interface " + dp_config->interface_name);
      if (choice.backend != "soft") {
        log.info("card stall timeout " + std::to_string(card_options.stall_timeout.count()) + " ms");
      }
      gateway = std::make_unique<datapath::Gateway>(std::move(choice.offload), *dp_config, log);
      gateway->start();
      sink = &gateway->data_plane();
      // The backend publishes its statistics from the packet thread; the daemon thread only copies them.
      args->options.show_crypto_engine = [offload = &gateway->offload(), backend = choice.backend] {
        return daemon::show_crypto_engine_statistic(backend, offload->statistics(),
                                                    std::chrono::steady_clock::now());
      };
    }
    daemon::Daemon d(std::move(plan), args->options, log, *sink);
    const int rc = d.run();
    if (gateway) {
      gateway->stop();  // no thread uses the backend now: the card's registers can be read
      if (auto* card = dynamic_cast<hubsec::driver::device::CardEspOffload*>(&gateway->offload())) {
        log.info(card_summary(*card));
      }
    }
    return rc;
  } catch (const std::exception& e) {
    log.error(e.what());
    return 1;
  }
}
