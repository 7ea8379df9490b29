// `hubsec`: the operator's command line. `config check FILE` runs locally; `show ...` asks a running
// hubsecd over its control socket.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "hubsec/host/config/parser.hpp"
#include "hubsec/host/daemon/control_server.hpp"

namespace {

int usage() {
  std::cerr << "usage: hubsec config check FILE\n"
               "       hubsec [-s SOCKET] show crypto ikev2 sa [detailed]\n"
               "       hubsec [-s SOCKET] show crypto ikev2 stats\n"
               "       hubsec [-s SOCKET] show crypto ipsec sa [peer A.B.C.D] [detail]\n"
               "       hubsec [-s SOCKET] show crypto session | show dmvpn\n"
               "       hubsec [-s SOCKET] show crypto engine accelerator statistic\n"
               "       hubsec [-s SOCKET] clear crypto sa | clear crypto ikev2 sa [ID]\n"
               "       hubsec [-s SOCKET] crypto ikev2 rekey sa ID | rekey child INBOUND-SPI-HEX\n"
               "       hubsec [-s SOCKET] crypto ikev2 initiate A.B.C.D [PROFILE] | dpd ID\n"
               "SOCKET defaults to $HUBSEC_SOCKET, else /run/hubsec/hubsecd.sock\n";
  return 2;
}

// Sends the words as one command line to hubsecd; IOS-style error answers start with '%'.
int daemon_command(const std::string& socket, const std::vector<std::string>& words) {
  std::string line;
  for (const auto& w : words) {
    line += (line.empty() ? "" : " ") + w;
  }
  auto answer = hubsec::host::daemon::control_request(socket, line);
  if (!answer) {
    std::cerr << "% hubsecd is not answering on " << socket << "\n";
    return 1;
  }
  std::cout << *answer;
  return !answer->empty() && ((*answer)[0] == '%' || answer->find("\n% ") != std::string::npos) ? 1 : 0;
}

int config_check(const std::string& path) {
  hubsec::host::config::ParseResult result = hubsec::host::config::load_config_file(path);
  std::cout << hubsec::host::config::format(result.findings);
  if (!result.ok()) {
    return 1;
  }
  std::cout << path << ": configuration OK\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "config" && args[1] == "check") {
    return config_check(args[2]);
  }
  const char* env = std::getenv("HUBSEC_SOCKET");
  std::string socket = env ? env : "/run/hubsec/hubsecd.sock";
  if (args.size() >= 2 && (args[0] == "-s" || args[0] == "--socket")) {
    socket = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    return usage();
  }
  return daemon_command(socket, args);
}
