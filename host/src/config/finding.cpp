#include "hubsec/host/config/finding.hpp"

#include <algorithm>

namespace hubsec::host::config {

std::string format(const Finding& f) {
  std::string out = f.file;
  if (f.line > 0) {
    out += ":" + std::to_string(f.line);
  }
  switch (f.severity) {
    case Severity::kError: out += ": error:"; break;
    case Severity::kWarning: out += ": warning:"; break;
    case Severity::kNote: out += ": note:"; break;
  }
  // IOS echoes the command, then the marker line, then the message.
  out += "\n";
  if (!f.text.empty()) {
    out += f.text + "\n";
  }
  if (f.caret_column >= 0) {
    out += std::string(static_cast<std::size_t>(f.caret_column), ' ') + "^\n";
  }
  out += f.message;
  return out + "\n";
}

std::string format(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += format(f);
  }
  return out;
}

bool has_errors(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::kError; });
}

}  // namespace hubsec::host::config
