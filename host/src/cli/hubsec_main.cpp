// `hubsec`: the operator's command line. `config check FILE` runs locally; `show ...` asks a running
// hubsecd over its control socket.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "hubsec/host/config/parser.hpp"

namespace {

int usage() {
  std::cerr << "usage: hubsec config check FILE\n";
  return 2;
}

int config_check(const std::string& path) {
  hubsec::host::config::ParseResult result = hubsec::host::config::load_config_file(path);
  std::cout << hubsec::host::config::format(result.findings);
  if (!result.ok()) return 1;
  std::cout << path << ": configuration OK\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "config" && args[1] == "check") return config_check(args[2]);
  return usage();
}
