#include "hubsec/host/daemon/logger.hpp"

#include <sys/time.h>

#include <ctime>

namespace hubsec::host::daemon {

void Logger::log(LogLevel level, std::string_view text) {
  if (level < min_) {
    return;
  }
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  gmtime_r(&tv.tv_sec, &tm);
  static constexpr const char* kNames[] = {"debug", "info", "warning", "error"};
  std::fprintf(out_, "%02d:%02d:%02d.%03ld hubsecd %s: %.*s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
               static_cast<long>(tv.tv_usec / 1000), kNames[static_cast<int>(level)],
               static_cast<int>(text.size()), text.data());
  std::fflush(out_);
}

}  // namespace hubsec::host::daemon
