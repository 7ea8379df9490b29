// IKEv2 engine benchmark: IKE_SA_INIT + IKE_AUTH handshakes per second between two in-process
// engines, timing only the responder's work (what a hub pays per spoke), and heap bytes per
// established IKE SA (with its Child SA) held by the responder at 10,000 SAs.
//
//   ike_bench [handshakes=2000] [sas=10000] [group=14]
#include <malloc.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#include "hubsec/ike/engine.hpp"

using namespace hubsec::ike;
using namespace std::chrono_literals;

namespace {

Policy make_policy(const char* ip, DhGroup group) {
  Policy p;
  p.proposals = {IkeProposal{{{EncrAlg::kAesCbc, 256}}, {IntegAlg::kHmacSha2_256_128}, {}, {group}}};
  p.max_half_open = 100000;
  Profile prof;
  prof.name = "IKEV2-PROFILE";
  prof.local_id = Identity::address(*IpAddress::parse(ip));
  prof.remote = {RemoteIdMatch{}};
  PskEntry any;
  any.address = *IpAddress::parse("0.0.0.0");
  any.address_mask = any.address;
  any.key = SecretBytes::from_string("cisco");
  prof.keyring.push_back(any);
  p.profiles = {prof};
  return p;
}

struct Wire {
  Endpoint from, to;
  Bytes data;
  bool to_responder;
};

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

// CPU time of this thread: the machine is shared, so wall time would count other processes' work.
std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Runs `count` handshakes from `initiator` to `responder`; returns the responder's busy time.
std::chrono::nanoseconds handshakes(Engine& initiator, Engine& responder, int count, int* established) {
  const Endpoint hub{*IpAddress::parse("192.0.2.1"), 500};
  std::chrono::nanoseconds busy{0};
  TimePoint now{};
  for (int i = 0; i < count; ++i) {
    // Each handshake from its own spoke address, as a hub sees them.
    const Endpoint spoke{IpAddress::v4(0xC6336400u + static_cast<std::uint32_t>(i % 60000)), 500};
    initiator.initiate({spoke, hub, ""}, now);
    std::deque<Wire> queue;
    auto drain = [&](Engine& e, bool from_initiator) {
      for (auto& a : e.take_actions()) {
        if (auto* d = std::get_if<SendDatagram>(&a))
          queue.push_back({d->local, d->remote, std::move(d->payload), from_initiator});
        else if (std::holds_alternative<IkeSaUp>(a) && !from_initiator)
          ++*established;
      }
    };
    drain(initiator, true);
    while (!queue.empty()) {
      Wire w = std::move(queue.front());
      queue.pop_front();
      if (w.to_responder) {
        const auto t0 = thread_cpu();
        responder.on_datagram(w.to, w.from, w.data, now);
        busy += thread_cpu() - t0;
        drain(responder, false);
      } else {
        initiator.on_datagram(w.to, w.from, w.data, now);
        drain(initiator, true);
      }
    }
  }
  return busy;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int sas = argc > 2 ? std::atoi(argv[2]) : 10000;
  const auto group = static_cast<DhGroup>(argc > 3 ? std::atoi(argv[3]) : 14);

  {
    Engine responder(make_policy("192.0.2.1", group));
    Engine initiator(make_policy("198.51.100.1", group));
    int up = 0;
    handshakes(initiator, responder, 50, &up);  // warm-up
    up = 0;
    const auto wall0 = std::chrono::steady_clock::now();
    const auto busy = handshakes(initiator, responder, count, &up);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const double secs = std::chrono::duration<double>(busy).count();
    std::printf("group %u: %d handshakes (IKE_SA_INIT+IKE_AUTH, 1 Child SA each), %d established\n",
                static_cast<unsigned>(group), count, up);
    std::printf(
        "  responder thread CPU time %.3f s -> %.0f handshakes/s per core (wall, both sides in-process: "
        "%.0f/s)\n",
        secs, count / secs, count / wall);
  }
  {
    const std::size_t before = heap_in_use();
    auto responder = std::make_unique<Engine>(make_policy("192.0.2.1", group));
    auto initiator = std::make_unique<Engine>(make_policy("198.51.100.1", group));
    int up = 0;
    handshakes(*initiator, *responder, sas, &up);
    initiator.reset();  // only the responder's state remains
    responder->take_actions();
    malloc_trim(0);
    const std::size_t after = heap_in_use();
    const auto snap = responder->snapshot(TimePoint{});
    std::printf(
        "memory: %zu established IKE SAs (%zu with a Child SA) hold %zu heap bytes -> %.0f bytes per IKE "
        "SA\n",
        snap.size(), snap.size(), after - before,
        static_cast<double>(after - before) / static_cast<double>(snap.size()));
    if (static_cast<int>(snap.size()) != sas || up != sas) {
      std::fprintf(stderr, "expected %d established SAs, got %zu\n", sas, snap.size());
      return 1;
    }
  }
  return 0;
}
