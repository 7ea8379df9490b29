// Bad input never crashes or hangs the parser: thousands of deterministic mutations of the seed
// (cut, duplicated, swapped and garbled words and lines, binary bytes) all come back with findings
// or a configuration, and the seed's secret never leaks into the findings.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "hubsec/host/config/parser.hpp"

namespace hubsec::host::config {
namespace {

std::string seed() {
  std::ifstream in(HUBSEC_SEED_CONFIG);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string mutate(std::string text, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 5);
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    std::size_t at = rng() % text.size();
    std::size_t len = 1 + rng() % 24;
    switch (op(rng)) {
      case 0: text.erase(at, len); break;
      case 1: text.insert(at, text.substr(rng() % text.size(), len)); break;
      case 2: text[at] = static_cast<char>(rng() % 256); break;
      case 3: text.insert(at, " "); break;
      case 4: text.insert(at, "\n"); break;
      default: text.insert(at, std::string(len, static_cast<char>('a' + rng() % 26))); break;
    }
  }
  return text;
}

TEST(ConfigRobustness, MutatedSeedsNeverCrash) {
  const std::string base = seed();
  std::mt19937 rng(20261127);
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = mutate(base, rng);
    ParseResult r = parse_config(text, "m.conf");
    if (!r.ok()) {
      ++refused;
    }
    for (const Finding& f : r.findings) {
      ASSERT_FALSE(f.message.empty());
      ASSERT_GE(f.line, 0);
      if (f.caret_column >= 0) {
        ASSERT_LE(static_cast<std::size_t>(f.caret_column), f.text.size());
      }
    }
    // The seed's key "cisco" never reaches the output, unless a mutation copied it onto a line
    // that carries no key keyword (then it is no longer a key).
    bool only_in_key_lines = true;
    std::istringstream lines(text);
    for (std::string l; std::getline(lines, l);) {
      if (l.find("cisco") != std::string::npos && l.find("pre-sh") == std::string::npos) {
        only_in_key_lines = false;
      }
    }
    if (only_in_key_lines) {
      const std::string out = format(r.findings);
      ASSERT_EQ(out.find("cisco"), std::string::npos) << out;
    }
  }
  EXPECT_GT(refused, 100);  // the mutations do break things, so the parser was exercised
}

TEST(ConfigRobustness, HugeAndEmptyInputs) {
  EXPECT_FALSE(parse_config("", "e.conf").ok());  // nothing configured: no policy
  std::string long_line(100000, 'x');
  ParseResult r = parse_config(long_line + "\n" + seed(), "l.conf");
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].line, 1);
  std::string many;
  for (int i = 0; i < 5000; ++i) {
    many += "crypto ikev2 proposal P" + std::to_string(i) + "\n encryption aes-cbc-128\n";
  }
  r = parse_config(many, "many.conf");
  EXPECT_EQ(r.config.proposals.size(), 5000u);
}

}  // namespace
}  // namespace hubsec::host::config
