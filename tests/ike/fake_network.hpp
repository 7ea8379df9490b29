// Two IKE engines joined by a simulated network with loss, duplication, delay (and so reordering),
// an optional NAT in front of node A, and a simulated clock.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "hubsec/ike/engine.hpp"

namespace hubsec::ike::test {

using namespace std::chrono_literals;

struct Node {
  Endpoint address;
  std::unique_ptr<Engine> engine;
  std::map<std::uint32_t, ChildSaInfo> children;  // installed, by inbound SPI
  std::vector<ChildSaInstall> installs;
  std::vector<ChildSaDelete> deletes;
  std::vector<IkeSaUp> ups;
  std::vector<IkeSaDown> downs;
  std::vector<IkeKeyLogEntry> key_log;
  std::vector<std::pair<TimePoint, SendDatagram>> sent;
  std::vector<std::string> log;
};

inline Policy make_policy(const char* local_ip, const char* psk = "cisco") {
  Policy p;
  p.proposals = {
      IkeProposal{{{EncrAlg::kAesCbc, 256}}, {IntegAlg::kHmacSha2_256_128}, {}, {DhGroup::kModp2048}}};
  Profile prof;
  prof.name = "IKEV2-PROFILE";
  prof.local_id = Identity::address(*IpAddress::parse(local_ip));
  prof.remote = {RemoteIdMatch{}};
  PskEntry any;
  any.address = *IpAddress::parse("0.0.0.0");
  any.address_mask = *IpAddress::parse("0.0.0.0");
  any.key = SecretBytes::from_string(psk);
  prof.keyring.push_back(any);
  p.profiles = {prof};
  return p;
}

class FakeNetwork {
 public:
  struct Packet {
    TimePoint at;
    int to;
    Endpoint src, dst;
    Bytes data;
  };

  FakeNetwork(Policy pa, Policy pb) {
    a.address = {*IpAddress::parse("192.0.2.1"), 500};
    b.address = {*IpAddress::parse("192.0.2.2"), 500};
    a.engine = std::make_unique<Engine>(std::move(pa));
    b.engine = std::make_unique<Engine>(std::move(pb));
    a.engine->set_key_log_sink([this](const IkeKeyLogEntry& e) { a.key_log.push_back(e); });
    b.engine->set_key_log_sink([this](const IkeKeyLogEntry& e) { b.key_log.push_back(e); });
  }

  Node a, b;
  TimePoint now = TimePoint{} + 1h;
  std::mt19937 rng{12345};
  double loss = 0.0, duplicate = 0.0;
  Duration base_delay = 5ms, jitter = 0ms;
  bool blackhole = false;
  bool nat_a = false;  // A sits behind a NAT with public address 198.51.100.7
  IpAddress nat_public = *IpAddress::parse("198.51.100.7");
  std::vector<Packet> inflight;
  std::uint64_t delivered = 0, dropped = 0, marker_errors = 0;

  Endpoint a_seen_by_b() const { return nat_a ? Endpoint{nat_public, 500} : a.address; }

  IkeSaId initiate_from_a() {
    IkeSaId id = a.engine->initiate({a.address, b.address, ""}, now);
    collect();
    return id;
  }

  void collect() {
    collect(a, 0);
    collect(b, 1);
  }

  void collect(Node& n, int index) {
    for (auto& action : n.engine->take_actions()) {
      std::visit(
          [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, SendDatagram>) {
              n.sent.emplace_back(now, x);
              route(index, x);
            } else if constexpr (std::is_same_v<T, ChildSaInstall>) {
              n.installs.push_back(x);
              n.children[x.sa.inbound.spi] = x.sa;
            } else if constexpr (std::is_same_v<T, ChildSaDelete>) {
              n.deletes.push_back(x);
              n.children.erase(x.inbound_spi);
            } else if constexpr (std::is_same_v<T, ChildSaUpdate>) {
              auto it = n.children.find(x.inbound_spi);
              if (it != n.children.end()) {
                it->second.local = x.local;
                it->second.remote = x.remote;
                it->second.udp_encap = x.udp_encap;
              }
            } else if constexpr (std::is_same_v<T, IkeSaUp>) {
              n.ups.push_back(x);
            } else if constexpr (std::is_same_v<T, IkeSaDown>) {
              n.downs.push_back(x);
            } else if constexpr (std::is_same_v<T, LogLine>) {
              n.log.push_back(x.text);
            }
          },
          action);
    }
  }

  void route(int from, const SendDatagram& d) {
    if (d.keepalive) return;
    // The marker flag must agree with the ports (the host adds it on 4500 only).
    if (d.non_esp_marker != (d.local.port == kNatTPort)) ++marker_errors;
    Packet p{now + base_delay, 1 - from, d.local, d.remote, d.payload};
    if (jitter.count() > 0) p.at += Duration(std::uniform_int_distribution<long>(0, jitter.count())(rng));
    if (nat_a && from == 0) {
      p.src.address = nat_public;
      p.src.port = static_cast<std::uint16_t>(d.local.port == 500 ? 1500 : 14500);
    }
    if (nat_a && from == 1 && d.remote.address == nat_public) {
      p.dst.address = a.address.address;
      p.dst.port = static_cast<std::uint16_t>(d.remote.port == 1500    ? 500
                                              : d.remote.port == 14500 ? 4500
                                                                       : 0);
    }
    std::uniform_real_distribution<double> u(0, 1);
    if (blackhole || u(rng) < loss) {
      ++dropped;
      return;
    }
    inflight.push_back(p);
    if (u(rng) < duplicate) {
      p.at += 3ms;
      inflight.push_back(p);
    }
  }

  void deliver_due() {
    std::stable_sort(inflight.begin(), inflight.end(),
                     [](const Packet& x, const Packet& y) { return x.at < y.at; });
    while (!inflight.empty() && inflight.front().at <= now) {
      Packet p = std::move(inflight.front());
      inflight.erase(inflight.begin());
      Node& n = p.to == 0 ? a : b;
      ++delivered;
      n.engine->on_datagram(p.dst, p.src, p.data, now);
      collect();
    }
  }

  void step(Duration dt) {
    now += dt;
    deliver_due();
    a.engine->tick(now);
    b.engine->tick(now);
    collect();
  }

  void run(Duration total, Duration dt = 10ms) {
    for (Duration t{0}; t < total; t += dt) step(dt);
  }

  bool run_until(const std::function<bool()>& done, Duration limit, Duration dt = 10ms) {
    for (Duration t{0}; t < limit; t += dt) {
      step(dt);
      if (done()) return true;
    }
    return done();
  }

  bool both_up() const {
    return a.engine->snapshot(now).size() == 1 && b.engine->snapshot(now).size() == 1 &&
           a.engine->snapshot(now)[0].status == IkeSaStatus::kReady &&
           b.engine->snapshot(now)[0].status == IkeSaStatus::kReady;
  }
};

// Every Child SA of A has a twin at B with crossed SPIs and equal keys, and vice versa.
inline void expect_children_match(const Node& a, const Node& b) {
  ASSERT_EQ(a.children.size(), b.children.size());
  for (const auto& [spi, ca] : a.children) {
    auto it = std::find_if(b.children.begin(), b.children.end(),
                           [&](const auto& kv) { return kv.second.outbound.spi == spi; });
    ASSERT_NE(it, b.children.end()) << "no twin for SPI " << spi;
    const ChildSaInfo& cb = it->second;
    EXPECT_EQ(ca.outbound.spi, cb.inbound.spi);
    EXPECT_TRUE(ca.outbound.encryption.equals(cb.inbound.encryption.view()));
    EXPECT_TRUE(ca.outbound.integrity.equals(cb.inbound.integrity.view()));
    EXPECT_TRUE(ca.inbound.encryption.equals(cb.outbound.encryption.view()));
    EXPECT_TRUE(ca.inbound.integrity.equals(cb.outbound.integrity.view()));
    EXPECT_FALSE(ca.outbound.encryption.equals(ca.inbound.encryption.view()));
    EXPECT_EQ(ca.mode, cb.mode);
    EXPECT_EQ(ca.encryption, cb.encryption);
    EXPECT_EQ(ca.integrity, cb.integrity);
    EXPECT_EQ(ca.esn, cb.esn);
    EXPECT_EQ(ca.local_ts, cb.remote_ts);
    EXPECT_EQ(ca.remote_ts, cb.local_ts);
  }
}

}  // namespace hubsec::ike::test
