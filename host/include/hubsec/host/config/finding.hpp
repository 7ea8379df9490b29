// What the parser and the validator have to say about a configuration, with the source line.
#pragma once

#include <string>
#include <vector>

namespace hubsec::host::config {

enum class Severity : unsigned char { kNote, kWarning, kError };

struct Finding {
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;           // 0 = the whole file
  std::string text;       // the offending line as written (for the caret), may be empty
  int caret_column = -1;  // 0-based column of IOS's '^' marker in `text`, -1 = none
  std::string message;    // IOS's wording where IOS has one; may span lines
};

// "hub.conf:12: error:" followed by the line, the caret and the message, IOS style.
std::string format(const Finding& finding);
std::string format(const std::vector<Finding>& findings);
bool has_errors(const std::vector<Finding>& findings);

}  // namespace hubsec::host::config
