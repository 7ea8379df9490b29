// IKEv2 load generator: initiates N IKE SAs (IKE_SA_INIT + IKE_AUTH, one Child SA each) to one
// responder over real UDP and counts completions (IkeSaUp) per second. The same generator drives
// hubsecd and strongSwan's charon in bench/ike_vs_strongswan.sh, so their rates compare.
//
//   ike_load --remote ADDR --local ADDR[,ADDR...] [--count 2000] [--window 32] [--group 14]
//            [--psk cisco] [--timeout 120]
//
// One thread per local address, each with its own ike::Engine and its own UDP sockets on ports 500
// and 4500 of that address (strongSwan with kernel-libipsec fakes a NAT, so IKE_AUTH moves to 4500).
// Each thread keeps `window` handshakes outstanding and starts count/threads in all. The engine
// handles COOKIE and retransmissions itself. Deletes are not sent: the SAs stay for RSS figures.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hubsec/ike/engine.hpp"

using namespace hubsec::ike;

namespace {

struct Options {
  std::string remote;
  std::vector<std::string> locals;
  int count = 2000;
  int window = 32;
  int group = 14;
  std::string psk = "cisco";
  int timeout_s = 120;
};

struct Result {
  int up = 0, failed = 0;
  Clock::time_point first_start{}, last_up{};
};

Policy make_policy(const IpAddress& local, DhGroup group, const std::string& psk) {
  Policy p;
  p.proposals = {IkeProposal{{{EncrAlg::kAesCbc, 256}}, {IntegAlg::kHmacSha2_256_128}, {}, {group}}};
  p.max_half_open = 100000;
  Profile prof;
  prof.name = "LOAD";
  prof.local_id = Identity::address(local);
  prof.remote = {RemoteIdMatch{}};
  PskEntry any;
  any.address = *IpAddress::parse("0.0.0.0");
  any.address_mask = any.address;
  any.key = SecretBytes::from_string(psk);
  prof.keyring.push_back(any);
  // Tunnel mode, GRE between the outer addresses: what both responders are configured for
  // (kernel-libipsec in strongSwan does tunnel mode only).
  prof.child.mode = ChildMode::kTunnel;
  p.profiles = {prof};
  return p;
}

int bound_udp(const IpAddress& addr, std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  const int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(addr.v4_host_order());
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// One thread: one engine, one local address, `count` handshakes with `window` outstanding.
void run_worker(const Options& opt, const std::string& local_text, int count, Result* out) {
  const IpAddress local = *IpAddress::parse(local_text);
  const IpAddress remote = *IpAddress::parse(opt.remote);
  Engine engine(make_policy(local, static_cast<DhGroup>(opt.group), opt.psk));
  const int fd500 = bound_udp(local, 500), fd4500 = bound_udp(local, 4500);
  if (fd500 < 0 || fd4500 < 0) {
    std::fprintf(stderr, "ike_load: cannot bind %s:500/4500: %s\n", local_text.c_str(), std::strerror(errno));
    out->failed = count;
    return;
  }
  std::set<IkeSaId> pending;
  int started = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(opt.timeout_s);
  Bytes framed;
  auto drain = [&]() {
    for (auto& a : engine.take_actions()) {
      if (auto* d = std::get_if<SendDatagram>(&a)) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(d->remote.port);
        to.sin_addr.s_addr = htonl(d->remote.address.v4_host_order());
        const int fd = d->local.port == 4500 ? fd4500 : fd500;
        const Bytes* msg = &d->payload;
        if (d->non_esp_marker) {  // RFC 3948 2.2: four zero bytes before IKE on port 4500
          framed.assign(4, 0);
          framed.insert(framed.end(), d->payload.begin(), d->payload.end());
          msg = &framed;
        }
        sendto(fd, msg->data(), msg->size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      } else if (auto* up = std::get_if<IkeSaUp>(&a)) {
        if (pending.erase(up->id)) {
          ++out->up;
          out->last_up = Clock::now();
        }
      } else if (auto* down = std::get_if<IkeSaDown>(&a)) {
        if (pending.erase(down->id)) ++out->failed;
      }
    }
  };
  std::vector<std::uint8_t> buf(65536);
  out->first_start = Clock::now();
  while (out->up + out->failed < count && Clock::now() < deadline) {
    while (started < count && static_cast<int>(pending.size()) < opt.window) {
      const IkeSaId id = engine.initiate({{local, 500}, {remote, 500}, ""}, Clock::now());
      ++started;
      if (id == 0) {
        ++out->failed;
        continue;
      }
      pending.insert(id);
    }
    drain();
    int wait_ms = 50;
    if (auto next = engine.next_deadline()) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(ms, 0, 50));
    }
    pollfd fds[2] = {{fd500, POLLIN, 0}, {fd4500, POLLIN, 0}};
    poll(fds, 2, wait_ms);
    for (const pollfd& p : fds) {
      if (!(p.revents & POLLIN)) continue;
      for (;;) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n = recvfrom(p.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) break;
        ByteView data(buf.data(), static_cast<std::size_t>(n));
        const std::uint16_t local_port = p.fd == fd4500 ? 4500 : 500;
        if (local_port == 4500) {  // IKE only: skip ESP and keepalives
          if (n < 8 || std::memcmp(buf.data(), "\0\0\0\0", 4) != 0) continue;
          data = data.subspan(4);
        }
        const Endpoint from_ep{IpAddress::v4(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port)};
        engine.on_datagram({local, local_port}, from_ep, data, Clock::now());
        drain();
      }
    }
    engine.tick(Clock::now());
  }
  drain();
  out->failed += count - out->up - out->failed;  // timed out
  close(fd500);
  close(fd4500);
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--remote") {
      o->remote = v;
    } else if (a == "--local") {
      std::stringstream ss(v);
      for (std::string item; std::getline(ss, item, ',');) o->locals.push_back(item);
    } else if (a == "--count") {
      o->count = std::atoi(v);
    } else if (a == "--window") {
      o->window = std::atoi(v);
    } else if (a == "--group") {
      o->group = std::atoi(v);
    } else if (a == "--psk") {
      o->psk = v;
    } else if (a == "--timeout") {
      o->timeout_s = std::atoi(v);
    } else {
      return false;
    }
  }
  if (o->remote.empty() || o->locals.empty() || o->count <= 0 || o->window <= 0) return false;
  if (!IpAddress::parse(o->remote)) return false;
  for (const auto& l : o->locals)
    if (!IpAddress::parse(l)) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, &opt)) {
    std::fprintf(stderr,
                 "usage: ike_load --remote ADDR --local ADDR[,ADDR...] [--count N] [--window W] [--group G]"
                 " [--psk KEY] [--timeout S]\n");
    return 2;
  }
  const int threads = static_cast<int>(opt.locals.size());
  std::vector<Result> results(opt.locals.size());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    const int share = opt.count / threads + (t < opt.count % threads ? 1 : 0);
    workers.emplace_back(run_worker, std::cref(opt), std::cref(opt.locals[t]), share, &results[t]);
  }
  for (auto& w : workers) w.join();
  Result total;
  total.first_start = results[0].first_start;
  for (const Result& r : results) {
    total.up += r.up;
    total.failed += r.failed;
    total.first_start = std::min(total.first_start, r.first_start);
    total.last_up = std::max(total.last_up, r.last_up);
  }
  const double secs = std::chrono::duration<double>(total.last_up - total.first_start).count();
  std::printf("ike_load: %d established, %d failed, %.3f s -> %.1f handshakes/s (group %d, window %d x %d)\n",
              total.up, total.failed, secs, secs > 0 ? total.up / secs : 0.0, opt.group, opt.window, threads);
  return total.failed == 0 ? 0 : 1;
}
