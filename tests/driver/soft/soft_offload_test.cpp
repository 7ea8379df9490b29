// SoftEspOffload end to end: round trips of every payload length, tampering, anti-replay through
// the engine, padding, lengths, sequence exhaustion, lifetimes, the completion ring, SA table.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"
#include "test_util.hpp"

namespace hubsec::driver::test {
namespace {

constexpr std::uint8_t kGre = 47;

struct Config {
  EspMode mode;
  IntegrityAlg alg;
  bool esn;
  bool udp;
};

std::string describe(const Config& c) {
  return std::string(c.mode == EspMode::kTunnel ? "tunnel" : "transport") +
         (c.alg == IntegrityAlg::kHmacSha1_96 ? "/sha1" : "/sha256") + (c.esn ? "/esn" : "") +
         (c.udp ? "/udp" : "");
}

std::vector<Config> all_configs() {
  std::vector<Config> out;
  for (EspMode m : {EspMode::kTransport, EspMode::kTunnel}) {
    for (IntegrityAlg a : {IntegrityAlg::kHmacSha1_96, IntegrityAlg::kHmacSha256_128}) {
      for (bool esn : {false, true}) {
        for (bool udp : {false, true}) out.push_back({m, a, esn, udp});
      }
    }
  }
  return out;
}

// One engine with an outbound SA and the matching inbound SA (same keys), as two peers would have.
struct Link {
  explicit Link(const SaParams& out_params, SoftEspOffload::Options options = {},
                std::uint64_t inbound_top = 0)
      : engine(options) {
    params = out_params;
    out = engine.install_sa(out_params);
    SaParams in_params = peer_of(out_params);
    in_params.initial_seq = inbound_top;
    in = engine.install_sa(in_params);
  }
  explicit Link(const Config& c) : Link(sa_params(Direction::kOutbound, c.mode, c.alg, c.esn, c.udp)) {}

  EspCompletion run(EspOp op, SaHandle sa, std::span<const std::uint8_t> in_bytes, Bytes& out_bytes,
                    bool raw = false, std::uint8_t next_header = 0) {
    EspJob job;
    job.op = op;
    job.sa = sa;
    job.in = in_bytes;
    job.out = out_bytes;
    job.raw_esp = raw;
    job.next_header = next_header;
    job.cookie = ++cookie;
    EXPECT_EQ(engine.submit(std::span(&job, 1)), 1u);
    EspCompletion done;
    EXPECT_EQ(engine.poll(std::span(&done, 1)), 1u);
    EXPECT_EQ(done.cookie, job.cookie);
    if (done.status == EspStatus::kOk) out_bytes.resize(done.out_len);
    return done;
  }
  Bytes encap(const Bytes& packet, EspStatus expect = EspStatus::kOk) {
    Bytes wire(packet.size() + 128);
    const EspCompletion c = run(EspOp::kEncapsulate, out, packet, wire);
    EXPECT_EQ(c.status, expect) << to_string(c.status);
    return c.status == EspStatus::kOk ? wire : Bytes{};
  }
  EspStatus decap_status(const Bytes& packet, Bytes* result = nullptr, bool raw = false) {
    Bytes back(packet.size() + 64);
    const EspCompletion c = run(EspOp::kDecapsulate, in, packet, back, raw);
    if (result != nullptr) *result = back;
    return c.status;
  }
  SaCounters in_counters() const { return *engine.counters(in); }
  SaCounters out_counters() const { return *engine.counters(out); }

  SoftEspOffload engine;
  SaParams params;
  SaHandle out = kInvalidSa, in = kInvalidSa;
  std::uint64_t cookie = 0;
};

// The packet the gateway hands to ESP: IP/GRE between the endpoints (transport), or any inner
// IPv4 packet (tunnel).
Bytes plain_packet(const Config& c, std::size_t payload_len) {
  if (c.mode == EspMode::kTransport)
    return ipv4_packet(kHubAddr, kSpokeAddr, kGre, random_bytes(payload_len));
  return ipv4_packet(0x0a000001, 0x0a000102, 1, random_bytes(payload_len));
}

TEST(SoftEspOffload, EveryPayloadLengthRoundTripsInEveryConfiguration) {
  for (const Config& c : all_configs()) {
    SCOPED_TRACE(describe(c));
    Link link(c);
    ASSERT_NE(link.out, kInvalidSa);
    ASSERT_NE(link.in, kInvalidSa);
    std::uint64_t bytes = 0;
    for (std::size_t len = 0; len <= 2048; ++len) {
      const Bytes packet = plain_packet(c, len);
      const Bytes wire = link.encap(packet);
      ASSERT_FALSE(wire.empty()) << len;
      Bytes back;
      ASSERT_EQ(link.decap_status(wire, &back), EspStatus::kOk) << len;
      ASSERT_EQ(back, packet) << len;
      bytes += c.mode == EspMode::kTransport ? len : packet.size();
    }
    EXPECT_EQ(link.out_counters().packets, 2049u);
    EXPECT_EQ(link.in_counters().packets, 2049u);
    EXPECT_EQ(link.in_counters().bytes, bytes);
    EXPECT_EQ(link.out_counters().bytes, bytes);
    EXPECT_EQ(link.in_counters().last_seq, 2049u);
  }
}

TEST(SoftEspOffload, RawEspRoundTripsEveryLength) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha256_128, true, false});
  for (std::size_t len = 0; len <= 2048; ++len) {
    const Bytes payload = random_bytes(len);
    Bytes esp(esp_packet_length(len, IntegrityAlg::kHmacSha256_128));
    const EspCompletion e = link.run(EspOp::kEncapsulate, link.out, payload, esp, true, kGre);
    ASSERT_EQ(e.status, EspStatus::kOk);
    ASSERT_EQ(e.out_len, esp_packet_length(len, IntegrityAlg::kHmacSha256_128));
    Bytes back(len);  // exactly the payload size: the engine must not need room for the padding
    const EspCompletion d = link.run(EspOp::kDecapsulate, link.in, esp, back, true);
    ASSERT_EQ(d.status, EspStatus::kOk) << len;
    EXPECT_EQ(d.next_header, kGre);
    EXPECT_EQ(d.seq, e.seq);
    ASSERT_EQ(back, payload);
  }
}

// With a caller-supplied IV the engine is bit-exact: the card backend is compared against this.
TEST(SoftEspOffload, CallerIvGivesTheReferencePacket) {
  for (bool esn : {false, true}) {
    SaParams p =
        sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha256_128, esn, false);
    p.initial_seq = esn ? 0x2fffffffeull : 40;
    Link link(p);
    const Bytes payload = random_bytes(333), iv = random_bytes(16);
    Bytes esp(esp_packet_length(payload.size(), p.integrity));
    EspJob job;
    job.sa = link.out;
    job.in = payload;
    job.out = esp;
    job.raw_esp = true;
    job.next_header = kGre;
    job.iv = iv.data();
    ASSERT_EQ(link.engine.submit(std::span(&job, 1)), 1u);
    EspCompletion done;
    ASSERT_EQ(link.engine.poll(std::span(&done, 1)), 1u);
    ASSERT_EQ(done.status, EspStatus::kOk);
    EXPECT_EQ(done.seq, p.initial_seq + 1);
    EXPECT_EQ(esp, reference_esp(p, p.initial_seq + 1, iv, esp_plaintext(payload, kGre)));
  }
}

// One submit() seals its outbound jobs together (interleaved CBC chains where the CPU has AES-NI):
// every packet of mixed batches over several SAs (both ICVs, ESN on and off, sizes 0..2,000 and jumbo)
// is the reference packet (OpenSSL EVP), and sequence numbers run per SA in job order.
TEST(SoftEspOffload, BatchedOutboundJobsGiveTheReferencePackets) {
  SoftEspOffload engine;
  std::vector<SaParams> params;
  std::vector<SaHandle> handles;
  std::vector<std::uint64_t> next_seq;
  for (IntegrityAlg alg : {IntegrityAlg::kHmacSha1_96, IntegrityAlg::kHmacSha256_128}) {
    for (bool esn : {false, true}) {
      SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, alg, esn, false,
                             0x2000 + static_cast<std::uint32_t>(params.size()));
      p.initial_seq = esn ? 0xfffffff0ull : 7;
      params.push_back(p);
      handles.push_back(engine.install_sa(p));
      ASSERT_NE(handles.back(), kInvalidSa);
      next_seq.push_back(p.initial_seq + 1);
    }
  }
  std::mt19937 rng(1128);
  for (int round = 0; round < 20; ++round) {
    const std::size_t n = 1 + rng() % 48;
    std::vector<std::size_t> which(n);
    std::vector<Bytes> payloads(n), ivs(n), outs(n);
    std::vector<EspJob> jobs(n);
    for (std::size_t i = 0; i < n; ++i) {
      which[i] = rng() % params.size();
      payloads[i] = random_bytes(rng() % 16 == 0 ? 9000 : rng() % 2001);
      ivs[i] = random_bytes(16);
      outs[i].assign(esp_packet_length(payloads[i].size(), params[which[i]].integrity), 0);
      jobs[i].sa = handles[which[i]];
      jobs[i].in = payloads[i];
      jobs[i].out = outs[i];
      jobs[i].raw_esp = true;
      jobs[i].next_header = kGre;
      jobs[i].iv = ivs[i].data();
      jobs[i].cookie = i;
    }
    ASSERT_EQ(engine.submit(jobs), n);
    std::vector<EspCompletion> done(n);
    ASSERT_EQ(engine.poll(done), n);
    for (std::size_t i = 0; i < n; ++i) {
      const SaParams& p = params[which[i]];
      ASSERT_EQ(done[i].cookie, i);
      ASSERT_EQ(done[i].status, EspStatus::kOk) << to_string(done[i].status);
      ASSERT_EQ(done[i].seq, next_seq[which[i]]++);
      ASSERT_EQ(done[i].out_len, outs[i].size());
      ASSERT_EQ(outs[i], reference_esp(p, done[i].seq, ivs[i], esp_plaintext(payloads[i], kGre)))
          << "round " << round << " job " << i << " of " << n << ", " << payloads[i].size() << " bytes";
    }
  }
}

TEST(SoftEspOffload, OutboundFramingFields) {
  for (const Config& c : all_configs()) {
    SCOPED_TRACE(describe(c));
    Link link(c);
    const Bytes packet = plain_packet(c, 100);
    const Bytes wire = link.encap(packet);
    const auto ip = parse_ipv4(wire);
    ASSERT_TRUE(ip.has_value());
    EXPECT_EQ(ip->total_len, wire.size());
    EXPECT_EQ(ip->protocol, c.udp ? kIpProtoUdp : kIpProtoEsp);
    EXPECT_EQ(ip->src, kHubAddr);
    EXPECT_EQ(ip->dst, kSpokeAddr);
    std::size_t esp_at = ip->header_len;
    if (c.udp) {
      EXPECT_EQ(load_be16(&wire[esp_at]), kNatTraversalPort);
      EXPECT_EQ(load_be16(&wire[esp_at + 2]), kNatTraversalPort);
      EXPECT_EQ(load_be16(&wire[esp_at + 4]), wire.size() - esp_at);
      EXPECT_EQ(load_be16(&wire[esp_at + 6]), 0u);  // RFC 3948: zero UDP checksum
      esp_at += 8;
    }
    EXPECT_EQ(load_be32(&wire[esp_at]), link.params.spi);
    EXPECT_EQ(load_be32(&wire[esp_at + 4]), 1u);
    const std::size_t payload = c.mode == EspMode::kTransport ? 100 : packet.size();
    EXPECT_EQ(wire.size() - esp_at, esp_packet_length(payload, c.alg));
  }
}

TEST(SoftEspOffload, IvsAreFreshPerPacket) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(64, 0));
  std::vector<Bytes> ivs;
  for (int i = 0; i < 100; ++i) {
    const Bytes wire = link.encap(packet);
    ivs.emplace_back(wire.begin() + 28, wire.begin() + 44);
  }
  std::sort(ivs.begin(), ivs.end());
  EXPECT_EQ(std::adjacent_find(ivs.begin(), ivs.end()), ivs.end());
}

// Every single-bit flip of the received packet is refused with the status its position implies,
// and none of them moves the window or disturbs the genuine packet afterwards.
TEST(SoftEspOffload, EverySingleBitFlipIsRejected) {
  for (const Config& c : {Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false},
                          Config{EspMode::kTunnel, IntegrityAlg::kHmacSha256_128, true, false}}) {
    SCOPED_TRACE(describe(c));
    SaParams p = sa_params(Direction::kOutbound, c.mode, c.alg, c.esn, c.udp);
    p.initial_seq = 2;  // the packet carries 3: no flip of it gives the invalid number 0
    Link link(p);
    const Bytes wire = link.encap(plain_packet(c, 77));
    const std::size_t esp_at = kIpv4MinHeaderBytes;
    const std::size_t icv_at = wire.size() - icv_bytes(c.alg);
    std::uint64_t expected_icv_failures = 0;
    for (std::size_t bit = 0; bit < wire.size() * 8; ++bit) {
      Bytes bad = wire;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      const std::size_t at = bit / 8;
      EspStatus want = EspStatus::kIcvMismatch;  // SN, IV, ciphertext, ICV
      if (at < esp_at)
        want = EspStatus::kBadHeader;
      else if (at < esp_at + 4)
        want = EspStatus::kUnknownSa;
      if (want == EspStatus::kIcvMismatch) ++expected_icv_failures;
      const char* where = at < esp_at        ? "ip"
                          : at < esp_at + 4  ? "spi"
                          : at < esp_at + 8  ? "sn"
                          : at < esp_at + 24 ? "iv"
                          : at < icv_at      ? "ciphertext"
                                             : "icv";
      ASSERT_EQ(link.decap_status(bad), want) << "bit " << bit << " in " << where;
    }
    const SaCounters after = link.in_counters();
    EXPECT_EQ(after.icv_failures, expected_icv_failures);
    EXPECT_EQ(after.unknown_sa, 32u);
    EXPECT_EQ(after.header_failures, kIpv4MinHeaderBytes * 8);
    EXPECT_EQ(after.packets, 0u);
    EXPECT_EQ(after.last_seq, 0u);  // the window never moved
    EXPECT_EQ(link.decap_status(wire), EspStatus::kOk);
  }
}

TEST(SoftEspOffload, ReplayThroughTheEngine) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, true});
  std::vector<Bytes> wires;
  for (int i = 0; i < 70; ++i)
    wires.push_back(link.encap(ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(10, 1))));
  EXPECT_EQ(link.decap_status(wires[0]), EspStatus::kOk);
  EXPECT_EQ(link.decap_status(wires[0]), EspStatus::kReplay);  // duplicate
  EXPECT_EQ(link.decap_status(wires[69]), EspStatus::kOk);     // seq 70: window now 7..70
  EXPECT_EQ(link.decap_status(wires[5]), EspStatus::kReplay);  // seq 6: left of the window
  EXPECT_EQ(link.decap_status(wires[6]), EspStatus::kOk);      // seq 7: the left edge
  EXPECT_EQ(link.decap_status(wires[6]), EspStatus::kReplay);
  EXPECT_EQ(link.decap_status(wires[40]), EspStatus::kOk);  // late, inside
  const SaCounters c = link.in_counters();
  EXPECT_EQ(c.replay_failures, 3u);
  EXPECT_EQ(c.packets, 4u);
  EXPECT_EQ(c.last_seq, 70u);
}

TEST(SoftEspOffload, Window4096ThroughTheEngine) {
  SaParams p =
      sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha256_128, false, false);
  p.replay_window = 4096;
  Link link(p);
  std::vector<Bytes> wires;
  for (int i = 0; i < 4200; ++i)
    wires.push_back(link.encap(ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(4, 1))));
  ASSERT_EQ(link.decap_status(wires[4199]), EspStatus::kOk);  // seq 4200 first: window 105..4200
  for (std::size_t i = 4199; i-- > 104;) ASSERT_EQ(link.decap_status(wires[i]), EspStatus::kOk) << i + 1;
  EXPECT_EQ(link.decap_status(wires[103]), EspStatus::kReplay);   // seq 104: one left of the window
  EXPECT_EQ(link.decap_status(wires[2000]), EspStatus::kReplay);  // duplicate deep inside
  EXPECT_EQ(link.in_counters().packets, 4096u);
}

TEST(SoftEspOffload, ForgedPacketDoesNotMoveTheWindow) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  std::vector<Bytes> wires;
  for (int i = 0; i < 3; ++i)
    wires.push_back(link.encap(ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(10, 1))));
  // A forgery claiming sequence number 1,000,000: ICV fails, the window stays where it was.
  Bytes forged = wires[0];
  store_be32(&forged[24], 1'000'000);
  EXPECT_EQ(link.decap_status(forged), EspStatus::kIcvMismatch);
  for (const Bytes& w : wires) EXPECT_EQ(link.decap_status(w), EspStatus::kOk);
}

TEST(SoftEspOffload, EsnAcrossTheLow32BitWrap) {
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTunnel, IntegrityAlg::kHmacSha256_128, true, true);
  p.initial_seq = 0xfffffff0u;
  Link link(p, {}, 0xfffffff0u);  // the receiver has seen everything up to there
  std::vector<Bytes> wires;
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 40; ++i) {
    Bytes out(300);
    const Bytes packet = ipv4_packet(0x0a000001, 0x0a000002, 17, Bytes(20, 2));
    const EspCompletion e = link.run(EspOp::kEncapsulate, link.out, packet, out);
    ASSERT_EQ(e.status, EspStatus::kOk);
    wires.push_back(out);
    seqs.push_back(e.seq);
  }
  EXPECT_EQ(seqs.front(), 0xfffffff1u);
  EXPECT_EQ(seqs.back(), 0x100000018u);
  // Deliver them out of order around the wrap: every one is accepted once, with its full number.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < wires.size(); i += 2) order.push_back(i);
  for (std::size_t i = 1; i < wires.size(); i += 2) order.push_back(i);
  for (std::size_t i : order) {
    Bytes out(400);
    const EspCompletion d = link.run(EspOp::kDecapsulate, link.in, wires[i], out);
    ASSERT_EQ(d.status, EspStatus::kOk) << i;
    EXPECT_EQ(d.seq, seqs[i]);
  }
  for (std::size_t i : order) EXPECT_EQ(link.decap_status(wires[i]), EspStatus::kReplay) << i;
  EXPECT_EQ(link.in_counters().last_seq, 0x100000018u);
}

TEST(SoftEspOffload, EsnHighBitsAreInTheIcv) {
  // Same keys, same packet bytes on the wire, but the receiver believes another 2^32 subspace:
  // the ICV must fail, which proves the high half is covered.
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, true, false);
  p.initial_seq = 0x100000000ull;    // first packet: high 1, low 1
  Link link(p, {}, 0x100000000ull);  // this receiver is in subspace 1 too
  SoftEspOffload other;
  SaParams in = peer_of(p);
  in.initial_seq = 0;  // receiver infers high 0 for low 1
  const SaHandle h = other.install_sa(in);
  const Bytes wire = link.encap(ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(40, 3)));
  EspJob job;
  job.op = EspOp::kDecapsulate;
  job.sa = h;
  job.in = wire;
  Bytes out(wire.size());
  job.out = out;
  ASSERT_EQ(other.submit(std::span(&job, 1)), 1u);
  EspCompletion done;
  ASSERT_EQ(other.poll(std::span(&done, 1)), 1u);
  EXPECT_EQ(done.status, EspStatus::kIcvMismatch);
  EXPECT_EQ(link.decap_status(wire), EspStatus::kOk);  // the right subspace verifies
}

TEST(SoftEspOffload, BadPaddingAfterAValidIcv) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  const SaParams& sa = link.params;
  const Bytes iv = random_bytes(16);
  // Pad bytes 1, 2, 4 instead of 1, 2, 3.
  Bytes plain = esp_plaintext(Bytes(9, 0x55), kGre);
  ASSERT_EQ(plain[11], 3);
  plain[11] = 4;
  EXPECT_EQ(link.decap_status(reference_esp(sa, 1, iv, plain), nullptr, true), EspStatus::kBadPadding);
  // Pad length longer than the ciphertext.
  Bytes huge = Bytes(14, 0);
  huge.push_back(200);
  huge.push_back(kGre);
  EXPECT_EQ(link.decap_status(reference_esp(sa, 2, iv, huge), nullptr, true), EspStatus::kBadPadding);
  // A correct one from the same reference encoder is accepted.
  EXPECT_EQ(link.decap_status(reference_esp(sa, 3, iv, esp_plaintext(Bytes(9, 0x55), kGre)), nullptr, true),
            EspStatus::kOk);
  EXPECT_EQ(link.in_counters().pad_failures, 2u);
}

TEST(SoftEspOffload, ShortAndMisalignedPackets) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha256_128, false, false});
  const Bytes payload(30, 7);
  Bytes esp(esp_packet_length(payload.size(), IntegrityAlg::kHmacSha256_128));
  ASSERT_EQ(link.run(EspOp::kEncapsulate, link.out, payload, esp, true, kGre).status, EspStatus::kOk);
  for (std::size_t n = 0; n < esp_min_packet_length(IntegrityAlg::kHmacSha256_128); ++n) {
    const Bytes cut(esp.begin(), esp.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(link.decap_status(cut, nullptr, true), EspStatus::kBadLength) << n;
  }
  for (std::size_t drop = 1; drop < 16; ++drop) {  // ciphertext no longer whole blocks
    const Bytes cut(esp.begin(), esp.end() - static_cast<std::ptrdiff_t>(drop));
    EXPECT_EQ(link.decap_status(cut, nullptr, true), EspStatus::kBadLength) << drop;
  }
  // Framed: an IP header that promises more than it carries, and an IP packet cut inside ESP.
  const Bytes wire = link.encap(ipv4_packet(kHubAddr, kSpokeAddr, kGre, payload));
  const Bytes truncated(wire.begin(), wire.end() - 5);
  EXPECT_EQ(link.decap_status(truncated), EspStatus::kBadHeader);
  Bytes short_ip =
      ipv4_packet(kHubAddr, kSpokeAddr, kIpProtoEsp, Bytes(wire.begin() + 20, wire.begin() + 40));
  EXPECT_EQ(link.decap_status(short_ip), EspStatus::kBadLength);
  EXPECT_EQ(link.decap_status(Bytes(10, 0x45)), EspStatus::kBadHeader);
  EXPECT_EQ(link.decap_status(wire), EspStatus::kOk);
}

TEST(SoftEspOffload, SequenceNumberNeverCyclesWithoutEsn) {
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false);
  p.initial_seq = 0xfffffffeu;
  Link link(p);
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(8, 1));
  Bytes out(200);
  const EspCompletion last = link.run(EspOp::kEncapsulate, link.out, packet, out);
  ASSERT_EQ(last.status, EspStatus::kOk);
  EXPECT_EQ(last.seq, 0xffffffffu);
  for (int i = 0; i < 3; ++i) link.encap(packet, EspStatus::kSeqExhausted);
  EXPECT_EQ(link.out_counters().seq_exhausted, 3u);
  EXPECT_EQ(link.out_counters().last_seq, 0xffffffffu);
  // Non-ESN SAs cannot even start beyond 32 bits.
  p.initial_seq = 0x100000000ull;
  EXPECT_EQ(link.engine.install_sa(p), kInvalidSa);
}

TEST(SoftEspOffload, SixtyFourBitSpaceExhaustsWithEsn) {
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, true, false);
  p.initial_seq = UINT64_MAX - 1;
  Link link(p);
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(8, 1));
  link.encap(packet);
  link.encap(packet, EspStatus::kSeqExhausted);
}

TEST(SoftEspOffload, OutputTooSmallConsumesNoSequenceNumber) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(100, 1));
  Bytes small(60);
  EXPECT_EQ(link.run(EspOp::kEncapsulate, link.out, packet, small).status, EspStatus::kBadLength);
  Bytes big(400);
  EXPECT_EQ(link.run(EspOp::kEncapsulate, link.out, packet, big).seq, 1u);
  Bytes tiny(10);
  EXPECT_EQ(link.run(EspOp::kDecapsulate, link.in, big, tiny).status, EspStatus::kBadLength);
  EXPECT_EQ(link.out_counters().length_failures, 1u);
}

TEST(SoftEspOffload, TransportModeRefusesFragmentsAndBadInput) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  Bytes frag = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(40, 1));
  frag[6] = 0x20;  // MF
  update_ipv4_checksum(frag);
  link.encap(frag, EspStatus::kBadHeader);
  Bytes bad_sum = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(40, 1));
  bad_sum[10] ^= 1;
  link.encap(bad_sum, EspStatus::kBadHeader);
  link.encap(Bytes{}, EspStatus::kBadHeader);
  EXPECT_EQ(link.out_counters().header_failures, 3u);
  EXPECT_EQ(link.out_counters().last_seq, 0u);
}

TEST(SoftEspOffload, UdpEncapsulatedSaRefusesOtherFraming) {
  const Config udp{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, true};
  Link link(udp);
  const Bytes wire = link.encap(plain_packet(udp, 50));
  Bytes marker = wire;  // IKE behind the non-ESP marker on port 4500
  std::fill(marker.begin() + 28, marker.begin() + 32, 0);
  EXPECT_EQ(link.decap_status(marker), EspStatus::kBadHeader);
  const Bytes keepalive = ipv4_packet(kSpokeAddr, kHubAddr, kIpProtoUdp, hex("1194119400090000ff"));
  EXPECT_EQ(link.decap_status(keepalive), EspStatus::kBadHeader);
  Bytes wrong_port = wire;
  store_be16(&wrong_port[22], 500);
  EXPECT_EQ(link.decap_status(wrong_port), EspStatus::kBadHeader);
  // Plain ESP to a UDP-encapsulated SA is refused too.
  const Bytes bare = ipv4_packet(kHubAddr, kSpokeAddr, kIpProtoEsp, Bytes(wire.begin() + 28, wire.end()));
  EXPECT_EQ(link.decap_status(bare), EspStatus::kBadHeader);
  // NAT rewrote the source port: still accepted (only the destination port is ours).
  Bytes natted = wire;
  store_be16(&natted[20], 31337);
  EXPECT_EQ(link.decap_status(natted), EspStatus::kOk);
}

TEST(SoftEspOffload, UnknownSaWrongDirectionAndOtherSpi) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(20, 1));
  Bytes out(200);
  EXPECT_EQ(link.run(EspOp::kEncapsulate, 9999, packet, out).status, EspStatus::kUnknownSa);
  EXPECT_EQ(link.engine.unknown_sa_drops(), 1u);
  EXPECT_EQ(link.run(EspOp::kEncapsulate, link.in, packet, out).status, EspStatus::kUnknownSa);
  EXPECT_EQ(link.in_counters().unknown_sa, 1u);
  SaParams other =
      sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false, 0x2222);
  const SaHandle o = link.engine.install_sa(other);
  Bytes wire(200);
  ASSERT_EQ(link.run(EspOp::kEncapsulate, o, packet, wire).status, EspStatus::kOk);
  EXPECT_EQ(link.decap_status(wire), EspStatus::kUnknownSa);
}

TEST(SoftEspOffload, RemoveSaWipesAndForgets) {
  Link link(Config{EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false});
  const Bytes wire = link.encap(ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(20, 1)));
  EXPECT_TRUE(link.engine.remove_sa(link.in));
  EXPECT_FALSE(link.engine.remove_sa(link.in));
  EXPECT_FALSE(link.engine.counters(link.in).has_value());
  EXPECT_EQ(link.decap_status(wire), EspStatus::kUnknownSa);
  // A new SA never reuses the removed handle.
  const SaHandle again = link.engine.install_sa(peer_of(link.params));
  EXPECT_NE(again, link.in);
  EXPECT_NE(again, kInvalidSa);
}

TEST(SoftEspOffload, InstallRefusesBadParameters) {
  SoftEspOffload engine;
  const SaParams good =
      sa_params(Direction::kOutbound, EspMode::kTunnel, IntegrityAlg::kHmacSha1_96, false, false);
  EXPECT_NE(engine.install_sa(good), kInvalidSa);
  SaParams p = good;
  p.spi = 0;
  EXPECT_EQ(engine.install_sa(p), kInvalidSa);
  p = good;
  p.replay_window = kMaxReplayWindow + 1;
  EXPECT_EQ(engine.install_sa(p), kInvalidSa);
  p = good;
  p.tunnel_dst = 0;  // outbound tunnel needs both endpoints
  EXPECT_EQ(engine.install_sa(p), kInvalidSa);
  p = good;
  p.integrity = static_cast<IntegrityAlg>(9);
  EXPECT_EQ(engine.install_sa(p), kInvalidSa);
  SoftEspOffload tiny(SoftEspOffload::Options{.max_sas = 1, .queue_depth = 8});
  EXPECT_NE(tiny.install_sa(good), kInvalidSa);
  EXPECT_EQ(tiny.install_sa(good), kInvalidSa);  // table full
}

TEST(SoftEspOffload, SoftAndHardLifetimes) {
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false);
  p.soft_packets = 3;
  p.hard_packets = 5;
  Link link(p);
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(10, 1));
  for (int i = 1; i <= 6; ++i) {
    Bytes out(200);
    const EspCompletion c = link.run(EspOp::kEncapsulate, link.out, packet, out);
    if (i <= 5) {
      EXPECT_EQ(c.status, EspStatus::kOk) << i;
      EXPECT_EQ(c.soft_limit, i >= 3) << i;
    } else {
      EXPECT_EQ(c.status, EspStatus::kHardLimit);
    }
  }
  EXPECT_EQ(link.out_counters().hard_limit_drops, 1u);
  SaParams b = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false);
  b.soft_bytes = 25;
  b.hard_bytes = 30;
  Link bytes_link(b);
  Bytes out(200);
  EXPECT_FALSE(bytes_link.run(EspOp::kEncapsulate, bytes_link.out, packet, out).soft_limit);  // 10 bytes
  out.resize(200);
  EXPECT_FALSE(bytes_link.run(EspOp::kEncapsulate, bytes_link.out, packet, out).soft_limit);  // 20
  out.resize(200);
  EXPECT_TRUE(bytes_link.run(EspOp::kEncapsulate, bytes_link.out, packet, out).soft_limit);  // 30
  out.resize(200);
  EXPECT_EQ(bytes_link.run(EspOp::kEncapsulate, bytes_link.out, packet, out).status, EspStatus::kHardLimit);
}

TEST(SoftEspOffload, BatchesAndTheCompletionRing) {
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false);
  Link link(p, SoftEspOffload::Options{.max_sas = 16, .queue_depth = 4});
  EXPECT_EQ(link.engine.capabilities().max_batch, 4u);
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(10, 1));
  std::vector<Bytes> outs(6, Bytes(200));
  std::vector<EspJob> jobs(6);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].sa = link.out;
    jobs[i].in = packet;
    jobs[i].out = outs[i];
    jobs[i].cookie = 100 + i;
  }
  EXPECT_EQ(link.engine.submit(jobs), 4u);  // ring holds 4 completions
  EXPECT_EQ(link.out_counters().ring_full_drops, 2u);
  EXPECT_EQ(link.engine.pending_completions(), 4u);
  std::vector<EspCompletion> done(8);
  ASSERT_EQ(link.engine.poll(std::span(done).first(3)), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(done[i].cookie, 100 + i);
    EXPECT_EQ(done[i].seq, i + 1);
  }
  EXPECT_EQ(link.engine.submit(std::span(jobs).subspan(4)), 2u);  // room again (wraps the ring)
  ASSERT_EQ(link.engine.poll(done), 3u);
  EXPECT_EQ(done[0].cookie, 103u);
  EXPECT_EQ(done[1].cookie, 104u);
  EXPECT_EQ(done[2].cookie, 105u);
  EXPECT_EQ(link.engine.poll(done), 0u);
  // Mixed batch: encaps then decaps of their results, statuses per job.
  std::vector<EspJob> dec(4);
  for (std::size_t i = 0; i < 4; ++i) {
    dec[i].op = EspOp::kDecapsulate;
    dec[i].sa = link.in;
    outs[i].resize(done[0].out_len);
  }
  Bytes w0(200), w1(200), r0(200), r1(200), r2(200), r3(200);
  ASSERT_EQ(link.run(EspOp::kEncapsulate, link.out, packet, w0).status, EspStatus::kOk);
  ASSERT_EQ(link.run(EspOp::kEncapsulate, link.out, packet, w1).status, EspStatus::kOk);
  Bytes bad = w1;
  bad.back() ^= 1;
  const Bytes* ins[4] = {&w0, &w0, &bad, &w1};
  Bytes* rs[4] = {&r0, &r1, &r2, &r3};
  for (std::size_t i = 0; i < 4; ++i) {
    dec[i].in = *ins[i];
    dec[i].out = *rs[i];
    dec[i].cookie = i;
  }
  ASSERT_EQ(link.engine.submit(dec), 4u);
  ASSERT_EQ(link.engine.poll(done), 4u);
  EXPECT_EQ(done[0].status, EspStatus::kOk);
  EXPECT_EQ(done[1].status, EspStatus::kReplay);
  EXPECT_EQ(done[2].status, EspStatus::kIcvMismatch);
  EXPECT_EQ(done[3].status, EspStatus::kOk);
}

// statistics(): what the engine did, by direction and by failure, and the SA table's changes.
TEST(SoftEspOffload, StatisticsCountJobsBytesAndFailures) {
  SaParams p = sa_params(Direction::kOutbound, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, false, false);
  Link link(p, SoftEspOffload::Options{.max_sas = 16, .queue_depth = 4});
  const Bytes packet = ipv4_packet(kHubAddr, kSpokeAddr, kGre, Bytes(10, 1));
  std::vector<Bytes> outs(6, Bytes(200));
  std::vector<EspJob> jobs(6);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].sa = link.out;
    jobs[i].in = packet;
    jobs[i].out = outs[i];
    jobs[i].cookie = i;
  }
  EXPECT_EQ(link.engine.submit(jobs), 4u);
  std::vector<EspCompletion> done(4);
  ASSERT_EQ(link.engine.poll(done), 4u);
  Bytes wire = link.encap(packet);
  EXPECT_EQ(link.decap_status(wire), EspStatus::kOk);
  EXPECT_EQ(link.decap_status(wire), EspStatus::kReplay);
  Bytes tampered = link.encap(packet);
  tampered.back() ^= 1;
  EXPECT_EQ(link.decap_status(tampered), EspStatus::kIcvMismatch);
  EXPECT_FALSE(link.engine.install_sa(SaParams{}) != kInvalidSa);  // SPI 0

  const EngineStatistics s = link.engine.statistics();
  EXPECT_FALSE(s.card);
  EXPECT_EQ(s.encrypt_jobs, 6u);
  EXPECT_EQ(s.encrypted, 6u);
  EXPECT_EQ(s.bytes_encrypted, 6u * 10u);  // transport mode: the payload behind the IP header
  EXPECT_EQ(s.decrypt_jobs, 3u);
  EXPECT_EQ(s.decrypted, 1u);
  EXPECT_EQ(s.bytes_decrypted, 10u);
  EXPECT_EQ(s.failed(EspStatus::kRingFull), 2u);
  EXPECT_EQ(s.failed(EspStatus::kReplay), 1u);
  EXPECT_EQ(s.failed(EspStatus::kIcvMismatch), 1u);
  EXPECT_EQ(s.sa_installs, 2u);
  EXPECT_EQ(s.sa_refusals, 1u);
  EXPECT_EQ(s.sas, 2u);
  EXPECT_TRUE(link.engine.remove_sa(link.in));
  EXPECT_EQ(link.engine.statistics().sa_removals, 1u);
  EXPECT_EQ(link.engine.statistics().sas, 1u);
}

TEST(SoftEspOffload, Capabilities) {
  SoftEspOffload engine;
  const Capabilities caps = engine.capabilities();
  EXPECT_EQ(caps.backend, "soft");
  EXPECT_TRUE(caps.hmac_sha1_96 && caps.hmac_sha256_128 && caps.esn && caps.udp_encap && caps.tunnel_mode);
  EXPECT_EQ(caps.max_packet_bytes, 65535u);
  EXPECT_GE(caps.max_replay_window, 4096u);
}

}  // namespace
}  // namespace hubsec::driver::test
