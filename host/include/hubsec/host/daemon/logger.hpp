// hubsecd's log: timestamped lines to a stream (stderr by default). Callers pass text that holds no
// secrets; nothing here can format a key.
#pragma once

#include <cstdio>
#include <string_view>

namespace hubsec::host::daemon {

enum class LogLevel : unsigned char { kDebug, kInfo, kWarning, kError };

class Logger {
 public:
  explicit Logger(std::FILE* out = stderr, LogLevel min = LogLevel::kInfo) : out_(out), min_(min) {}
  void log(LogLevel level, std::string_view text);
  void info(std::string_view text) { log(LogLevel::kInfo, text); }
  void warn(std::string_view text) { log(LogLevel::kWarning, text); }
  void error(std::string_view text) { log(LogLevel::kError, text); }
  void debug(std::string_view text) { log(LogLevel::kDebug, text); }

 private:
  std::FILE* out_;
  LogLevel min_;
};

}  // namespace hubsec::host::daemon
