// esp_demo: the interim `make demo`. Shows the soft ESP engine doing real work on real packets:
// a DMVPN-style ICMP echo inside GRE, protected with ESP in transport mode, decapsulated again,
// a tampered copy and a replayed copy refused, then NAT-T tunnel mode with ESN across 2^32, and
// the per-SA counters a `show crypto ipsec sa` will print later.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "hubsec/driver/byte_order.hpp"
#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/ipv4.hpp"
#include "hubsec/driver/soft_esp_offload.hpp"

namespace {

using namespace hubsec::driver;
using Bytes = std::vector<std::uint8_t>;

std::string addr(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string hex(std::span<const std::uint8_t> b, std::size_t max = 16) {
  std::string s;
  char buf[4];
  for (std::size_t i = 0; i < b.size() && i < max; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
  }
  if (b.size() > max) s += "..";
  return s;
}

// IPv4(src, dst, proto) around `payload`, with a valid header checksum.
Bytes ip_packet(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, const Bytes& payload) {
  Ipv4Header h;
  h.id = 0x2a2a;
  h.flags_offset = kIpv4FlagDf;
  h.protocol = proto;
  h.src = src;
  h.dst = dst;
  return build_ipv4_packet(h, payload);
}

// ICMP echo request (RFC 792) with a checksum, inside IPv4.
Bytes icmp_echo(std::uint32_t src, std::uint32_t dst, std::uint16_t id, std::uint16_t seq) {
  Bytes icmp(8 + 32);
  icmp[0] = 8;  // echo request
  store_be16(&icmp[4], id);
  store_be16(&icmp[6], seq);
  for (std::size_t i = 8; i < icmp.size(); ++i) icmp[i] = static_cast<std::uint8_t>('a' + (i - 8) % 23);
  store_be16(&icmp[2], internet_checksum(icmp));
  return ip_packet(src, dst, 1, icmp);
}

// RFC 2784 GRE (no options, protocol IPv4) between the tunnel endpoints.
Bytes gre(std::uint32_t src, std::uint32_t dst, const Bytes& inner) {
  Bytes body(4 + inner.size());
  store_be16(&body[2], 0x0800);
  std::copy(inner.begin(), inner.end(), body.begin() + 4);
  return ip_packet(src, dst, 47, body);
}

SaParams sa(Direction dir, std::uint32_t spi, EspMode mode, IntegrityAlg alg, const Bytes& ek,
            const Bytes& ak) {
  SaParams p;
  p.direction = dir;
  p.spi = spi;
  p.mode = mode;
  p.integrity = alg;
  std::copy(ek.begin(), ek.end(), p.enc_key.begin());
  std::copy_n(ak.begin(), integrity_key_bytes(alg), p.auth_key.begin());
  return p;
}

struct Demo {
  SoftEspOffload engine;

  EspCompletion run(EspOp op, SaHandle h, std::span<const std::uint8_t> in, Bytes& out) {
    out.assign(in.size() + 128, 0);
    EspJob job;
    job.op = op;
    job.sa = h;
    job.in = in;
    job.out = out;
    EspCompletion done;
    engine.submit(std::span(&job, 1));
    engine.poll(std::span(&done, 1));
    out.resize(done.out_len);
    return done;
  }
};

void describe_esp(const Bytes& wire, IntegrityAlg alg) {
  const auto ip = parse_ipv4(wire);
  std::size_t at = ip->header_len;
  std::printf("     IPv4 %s -> %s, protocol %u (%s), %zu bytes on the wire\n", addr(ip->src).c_str(),
              addr(ip->dst).c_str(), ip->protocol, ip->protocol == kIpProtoEsp ? "ESP" : "UDP", wire.size());
  if (ip->protocol == kIpProtoUdp) {
    std::printf("     UDP %u -> %u, length %u, checksum %u (RFC 3948: zero)\n", load_be16(&wire[at]),
                load_be16(&wire[at + 2]), load_be16(&wire[at + 4]), load_be16(&wire[at + 6]));
    at += kUdpHeaderBytes;
  }
  const std::size_t icv = icv_bytes(alg);
  const std::size_t ct = wire.size() - at - 24 - icv;
  std::printf("     ESP  SPI 0x%08x | SN %u | IV %s | ciphertext %zu bytes %s | ICV %s\n",
              load_be32(&wire[at]), load_be32(&wire[at + 4]),
              hex(std::span(wire).subspan(at + 8, 16), 8).c_str(), ct,
              hex(std::span(wire).subspan(at + 24, ct), 6).c_str(),
              hex(std::span(wire).subspan(wire.size() - icv, icv), icv).c_str());
}

void print_counters(const char* name, const SaCounters& c) {
  std::printf(
      "   %-28s packets %-6llu bytes %-8llu last SN %-11llu icv-fail %llu replay %llu pad %llu length %llu\n",
      name, static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.bytes),
      static_cast<unsigned long long>(c.last_seq), static_cast<unsigned long long>(c.icv_failures),
      static_cast<unsigned long long>(c.replay_failures), static_cast<unsigned long long>(c.pad_failures),
      static_cast<unsigned long long>(c.length_failures));
}

Bytes random_key(std::size_t n) {
  Bytes k(n);
  RAND_bytes(k.data(), static_cast<int>(n));
  return k;
}

}  // namespace

int main() {
  constexpr std::uint32_t kHub = 0xc0000201, kSpoke = 0xc0000202;  // 192.0.2.1, 192.0.2.2
  Demo d;
  const Capabilities caps = d.engine.capabilities();
  std::printf("hubsec soft ESP engine (backend \"%.*s\", %s)\n", static_cast<int>(caps.backend.size()),
              caps.backend.data(), OpenSSL_version(OPENSSL_VERSION));
  std::printf(
      "   supports: AES-256-CBC with HMAC-SHA1-96 and HMAC-SHA-256-128, transport and tunnel mode,\n"
      "   RFC 3948 UDP encapsulation, 64-bit ESN, anti-replay windows up to %u packets\n\n",
      caps.max_replay_window);

  // 1. One SA pair, as IKE would install it: the hub's outbound SA and the spoke's inbound SA share keys.
  Bytes ek = random_key(32), ak = random_key(20);
  const SaParams out_params =
      sa(Direction::kOutbound, 0xc0ffee01, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, ek, ak);
  const SaHandle hub_out = d.engine.install_sa(out_params);
  const SaHandle spoke_in = d.engine.install_sa(
      sa(Direction::kInbound, 0xc0ffee01, EspMode::kTransport, IntegrityAlg::kHmacSha1_96, ek, ak));
  OPENSSL_cleanse(ek.data(), ek.size());
  OPENSSL_cleanse(ak.data(), ak.size());
  std::printf(
      "1. Installed an SA pair: SPI 0xc0ffee01, transport mode, AES-256-CBC + HMAC-SHA1-96, random keys\n"
      "   (hub outbound = handle %u, spoke inbound = handle %u; the engine keeps keys only inside\n"
      "   OpenSSL contexts and wipes them on removal)\n\n",
      hub_out, spoke_in);

  // 2. A real packet: a ping from a host behind the hub to one behind the spoke, carried in GRE.
  const Bytes ping = icmp_echo(0x0a000001, 0x0a000102, 0x77, 1);
  const Bytes packet = gre(kHub, kSpoke, ping);
  std::printf(
      "2. Plain packet: GRE %s -> %s carrying ICMP echo request 10.0.0.1 -> 10.0.1.2 (id 0x77 seq 1)\n"
      "     %zu bytes: %s\n\n",
      addr(kHub).c_str(), addr(kSpoke).c_str(), packet.size(), hex(packet, 32).c_str());

  // 3. Encapsulate.
  Bytes wire;
  EspCompletion c = d.run(EspOp::kEncapsulate, hub_out, packet, wire);
  std::printf("3. Encapsulated (status %s, sequence number %llu): the GRE payload is now ESP\n",
              std::string(to_string(c.status)).c_str(), static_cast<unsigned long long>(c.seq));
  describe_esp(wire, IntegrityAlg::kHmacSha1_96);
  std::printf(
      "     (RFC 4303 layout: payload, padding 1,2,3.., pad length, next header 47 = GRE, all "
      "encrypted)\n\n");

  // 4. Decapsulate on the spoke.
  Bytes back;
  c = d.run(EspOp::kDecapsulate, spoke_in, wire, back);
  std::printf(
      "4. Decapsulated by the spoke's SA: status %s, next header %u, %zu bytes, identical to the original: "
      "%s\n\n",
      std::string(to_string(c.status)).c_str(), c.next_header, back.size(), back == packet ? "yes" : "NO");

  // 5. Tampering and replay.
  Bytes wire2, scratch;
  d.run(EspOp::kEncapsulate, hub_out, gre(kHub, kSpoke, icmp_echo(0x0a000001, 0x0a000102, 0x77, 2)), wire2);
  Bytes tampered = wire2;
  tampered[wire2.size() - 20] ^= 0x01;  // one bit of the ciphertext
  c = d.run(EspOp::kDecapsulate, spoke_in, tampered, scratch);
  std::printf("5. Packet SN 2 with one ciphertext bit flipped -> %s (ICV compared in constant time)\n",
              std::string(to_string(c.status)).c_str());
  c = d.run(EspOp::kDecapsulate, spoke_in, wire2, scratch);
  std::printf("   The genuine SN 2 right after               -> %s (the forgery did not use up SN 2)\n",
              std::string(to_string(c.status)).c_str());
  c = d.run(EspOp::kDecapsulate, spoke_in, wire, scratch);
  std::printf(
      "   SN 1 replayed by an attacker               -> %s (anti-replay, checked before any crypto)\n",
      std::string(to_string(c.status)).c_str());
  Bytes short_pkt(wire.begin(), wire.begin() + 40);
  store_be16(&short_pkt[2], 40);
  update_ipv4_checksum(short_pkt);
  c = d.run(EspOp::kDecapsulate, spoke_in, short_pkt, scratch);
  std::printf("   A packet cut short                         -> %s\n\n",
              std::string(to_string(c.status)).c_str());

  // 6. A batch of 32 pings, submitted at once, completions polled.
  std::vector<Bytes> ins, outs(32);
  std::vector<EspJob> jobs(32);
  for (std::uint16_t i = 0; i < 32; ++i)
    ins.push_back(gre(kHub, kSpoke, icmp_echo(0x0a000001, 0x0a000102, 0x77, i + 2)));
  for (std::size_t i = 0; i < 32; ++i) {
    outs[i].assign(ins[i].size() + 128, 0);
    jobs[i].sa = hub_out;
    jobs[i].in = ins[i];
    jobs[i].out = outs[i];
    jobs[i].cookie = i;
  }
  const std::size_t accepted = d.engine.submit(jobs);
  std::vector<EspCompletion> done(32);
  const std::size_t polled = d.engine.poll(done);
  std::size_t ok = 0;
  for (std::size_t i = 0; i < polled; ++i) ok += done[i].status == EspStatus::kOk ? 1 : 0;
  std::printf(
      "6. Batch: submitted 32 pings in one call, %zu accepted, %zu completions polled, %zu ok, SNs "
      "%llu..%llu\n\n",
      accepted, polled, ok, static_cast<unsigned long long>(done[0].seq),
      static_cast<unsigned long long>(done[polled - 1].seq));

  // 7. NAT-T tunnel mode with SHA-256 and ESN, crossing the 2^32 boundary of the sequence number.
  Bytes ek2 = random_key(32), ak2 = random_key(32);
  SaParams t_out =
      sa(Direction::kOutbound, 0x7e570002, EspMode::kTunnel, IntegrityAlg::kHmacSha256_128, ek2, ak2);
  t_out.tunnel_src = kHub;
  t_out.tunnel_dst = kSpoke;
  t_out.udp_encap = true;
  t_out.esn = true;
  t_out.initial_seq = 0xfffffffeull;  // as if 4 billion packets had already gone through
  SaParams t_in = t_out;
  t_in.direction = Direction::kInbound;
  const SaHandle nat_out = d.engine.install_sa(t_out);
  const SaHandle nat_in = d.engine.install_sa(t_in);
  OPENSSL_cleanse(ek2.data(), ek2.size());
  OPENSSL_cleanse(ak2.data(), ak2.size());
  std::printf(
      "7. Tunnel mode over UDP 4500 (NAT-T), HMAC-SHA-256-128, extended sequence numbers near 2^32:\n");
  for (int i = 0; i < 3; ++i) {
    const Bytes inner = icmp_echo(0x0a000001, 0x0a000102, 0x99, static_cast<std::uint16_t>(i));
    Bytes w, r;
    const EspCompletion e = d.run(EspOp::kEncapsulate, nat_out, inner, w);
    const EspCompletion x = d.run(EspOp::kDecapsulate, nat_in, w, r);
    std::printf("   SN %llu (0x%09llx, on the wire %u): encap %s, decap %s, inner packet back intact: %s\n",
                static_cast<unsigned long long>(e.seq), static_cast<unsigned long long>(e.seq),
                static_cast<std::uint32_t>(e.seq), std::string(to_string(e.status)).c_str(),
                std::string(to_string(x.status)).c_str(), r == inner ? "yes" : "NO");
    if (i == 2) describe_esp(w, IntegrityAlg::kHmacSha256_128);
  }
  std::printf("\n");

  // 8. A short burst of full-size packets, to show the speed (bench/esp_bench measures it properly).
  const Bytes big = gre(kHub, kSpoke, Bytes(1400 - 4, 0x5a));
  Bytes big_out(big.size() + 128);
  EspJob job;
  job.sa = hub_out;
  job.in = big;
  job.out = big_out;
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kBurst = 20000;
  for (int i = 0; i < kBurst; ++i) {
    d.engine.submit(std::span(&job, 1));
    d.engine.poll(std::span(done).first(1));
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("8. Encapsulated %d packets with 1400-byte payloads in %.1f ms on one core: %.2f Gbit/s\n\n",
              kBurst, s * 1e3, kBurst * 1400.0 * 8 / s / 1e9);

  std::printf("Per-SA counters:\n");
  print_counters("hub outbound (0xc0ffee01)", *d.engine.counters(hub_out));
  print_counters("spoke inbound (0xc0ffee01)", *d.engine.counters(spoke_in));
  print_counters("NAT-T outbound (0x7e570002)", *d.engine.counters(nat_out));
  print_counters("NAT-T inbound (0x7e570002)", *d.engine.counters(nat_in));
  d.engine.remove_sa(hub_out);
  d.engine.remove_sa(spoke_in);
  std::printf("\nRemoved the first pair (keys wiped); a job for it now gets: %s\n",
              std::string(to_string(d.run(EspOp::kDecapsulate, spoke_in, wire, scratch).status)).c_str());
  return back == packet ? 0 : 1;
}
