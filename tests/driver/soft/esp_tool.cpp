// esp_tool: a line-oriented front end to SoftEspOffload, so that an independent ESP implementation
// (scapy, in scapy_esp.py) can exchange packets with hubsec. One command per line on stdin, one
// answer per line on stdout:
//   install out|in <spi-hex> transport|tunnel sha1|sha256 <esn 0|1> <udp 0|1> <enc-key-hex>
//           <auth-key-hex> <tunnel-src-hex> <tunnel-dst-hex> <initial-seq>   -> ok <handle> | err
//   encap <handle> <packet-hex>   -> ok <seq> <packet-hex>            | err <status>
//   decap <handle> <packet-hex>   -> ok <seq> <next-header> <packet-hex> | err <status>
#include <openssl/crypto.h>

#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hubsec/driver/soft_esp_offload.hpp"

namespace {

std::vector<std::uint8_t> from_hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

std::string install(hubsec::driver::SoftEspOffload& engine, std::istringstream& in) {
  using namespace hubsec::driver;
  std::string dir, spi, mode, alg, enc, auth, src, dst;
  int esn = 0, udp = 0;
  std::uint64_t initial = 0;
  in >> dir >> spi >> mode >> alg >> esn >> udp >> enc >> auth >> src >> dst >> initial;
  SaParams p;
  p.direction = dir == "out" ? Direction::kOutbound : Direction::kInbound;
  p.spi = static_cast<std::uint32_t>(std::stoul(spi, nullptr, 16));
  p.mode = mode == "tunnel" ? EspMode::kTunnel : EspMode::kTransport;
  p.integrity = alg == "sha256" ? IntegrityAlg::kHmacSha256_128 : IntegrityAlg::kHmacSha1_96;
  p.esn = esn != 0;
  p.udp_encap = udp != 0;
  const auto ek = from_hex(enc), ak = from_hex(auth);
  if (ek.size() != p.enc_key.size() || ak.size() != integrity_key_bytes(p.integrity)) return "err keys";
  std::copy(ek.begin(), ek.end(), p.enc_key.begin());
  std::copy(ak.begin(), ak.end(), p.auth_key.begin());
  p.tunnel_src = static_cast<std::uint32_t>(std::stoul(src, nullptr, 16));
  p.tunnel_dst = static_cast<std::uint32_t>(std::stoul(dst, nullptr, 16));
  p.initial_seq = initial;
  const SaHandle h = engine.install_sa(p);
  OPENSSL_cleanse(p.enc_key.data(), p.enc_key.size());
  OPENSSL_cleanse(p.auth_key.data(), p.auth_key.size());
  return h == kInvalidSa ? "err install" : "ok " + std::to_string(h);
}

std::string process(hubsec::driver::SoftEspOffload& engine, hubsec::driver::EspOp op,
                    std::istringstream& in) {
  using namespace hubsec::driver;
  SaHandle handle = 0;
  std::string hex;
  in >> handle >> hex;
  const auto packet = from_hex(hex);
  std::vector<std::uint8_t> out(packet.size() + 256);
  EspJob job;
  job.op = op;
  job.sa = handle;
  job.in = packet;
  job.out = out;
  if (engine.submit(std::span(&job, 1)) != 1) return "err ring-full";
  EspCompletion done;
  if (engine.poll(std::span(&done, 1)) != 1) return "err no-completion";
  if (done.status != EspStatus::kOk) return "err " + std::string(to_string(done.status));
  std::string answer = "ok " + std::to_string(done.seq) + " ";
  if (op == EspOp::kDecapsulate) answer += std::to_string(done.next_header) + " ";
  return answer + to_hex(std::span(out).first(done.out_len));
}

}  // namespace

int main() {
  hubsec::driver::SoftEspOffload engine;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string answer = "err unknown-command";
    if (cmd == "install") answer = install(engine, in);
    if (cmd == "encap") answer = process(engine, hubsec::driver::EspOp::kEncapsulate, in);
    if (cmd == "decap") answer = process(engine, hubsec::driver::EspOp::kDecapsulate, in);
    std::cout << answer << std::endl;
  }
  return 0;
}
