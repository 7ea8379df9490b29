// Reads the IOS subset hubsecd understands (docs/configuration.md) into a typed Config.
// Like IOS reading a pasted configuration, a line that the current submode does not know is tried
// in the enclosing modes, up to global configuration; a line no mode accepts is refused with
// "% Invalid input detected at '^' marker." and the caret under the first word that failed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hubsec/host/config/finding.hpp"
#include "hubsec/host/config/model.hpp"

namespace hubsec::host::config {

struct ParseResult {
  Config config;
  std::vector<Finding> findings;  // parse errors, then validation findings
  bool ok() const { return !has_errors(findings); }
};

// Parses and validates. `file_name` only labels the findings.
ParseResult parse_config(std::string_view text, std::string_view file_name);

// Reads a file; a file that cannot be read is an error finding.
ParseResult load_config_file(const std::string& path);

// Cross-object checks (IOS's "MUST" messages, missing references, what hubsec cannot do).
std::vector<Finding> validate(const Config& config);

}  // namespace hubsec::host::config
