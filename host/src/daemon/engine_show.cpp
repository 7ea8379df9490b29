#include "hubsec/host/daemon/engine_show.hpp"

#include <cstdio>

namespace hubsec::host::daemon {

namespace {

using driver::EspStatus;

std::string line(const char* format, auto... values) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, values...);
  return buf;
}

// IOS's two columns: inbound (decrypt) on the left, outbound (encrypt) on the right.
std::string pair_row(std::uint64_t left, const char* left_label, std::uint64_t right,
                     const char* right_label) {
  return line("%15llu %-28s%15llu %s\n", static_cast<unsigned long long>(left), left_label,
              static_cast<unsigned long long>(right), right_label);
}

// IOS's error block: "name : value" twice per line.
std::string error_row(const char* left_label, std::uint64_t left, const char* right_label,
                      std::uint64_t right) {
  return line("     %-21s:%11llu    %-21s:%11llu\n", left_label, static_cast<unsigned long long>(left),
              right_label, static_cast<unsigned long long>(right));
}

std::string describe(std::string_view backend) {
  if (backend == "soft") {
    return "soft (OpenSSL on the packet thread, no accelerator)";
  }
  if (backend == "card:sim") {
    return "card:sim (hubsec_card, the Verilator model in hubsecd's process)";
  }
  if (backend.starts_with("card:")) {
    return std::string(backend) + " (hubsec_card)";
  }
  return std::string(backend);
}

std::string status_bits(std::uint32_t status) {
  static constexpr const char* kNames[] = {"ENABLED", "RESETTING", "FAULTED", "BUSY"};
  std::string out;
  for (unsigned bit = 0; bit < 4; ++bit) {
    if (status & (1u << bit)) {
      out += std::string(out.empty() ? "" : " ") + kNames[bit];
    }
  }
  return out.empty() ? "(none)" : out;
}

long long age_ms(std::chrono::steady_clock::time_point then, std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count();
}

}  // namespace

std::string show_crypto_engine_statistic(std::string_view backend, const driver::EngineStatistics& s,
                                         std::chrono::steady_clock::time_point now) {
  std::string out = "\nDevice:   " + describe(backend) + "\n";
  out += "Location: ESP data path of the tunnel interface\n";
  out +=
      line("Statistics for the ESP engine since it was opened, %lld seconds ago\n",
           static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(now - s.since).count()));
  out += pair_row(s.decrypt_jobs, "decrypt jobs", s.encrypt_jobs, "encrypt jobs");
  out += pair_row(s.decrypted, "packets decrypted", s.encrypted, "packets encrypted");
  out += pair_row(s.bytes_decrypted, "bytes decrypted", s.bytes_encrypted, "bytes encrypted");
  out += "\nErrors:\n";
  out += error_row("ring full drops", s.failed(EspStatus::kRingFull), "replay errors",
                   s.failed(EspStatus::kReplay));
  out += error_row("authentication errors", s.failed(EspStatus::kIcvMismatch), "unknown SA (bad SPI)",
                   s.failed(EspStatus::kUnknownSa));
  out += error_row("invalid length", s.failed(EspStatus::kBadLength), "invalid header",
                   s.failed(EspStatus::kBadHeader));
  out += error_row("bad padding", s.failed(EspStatus::kBadPadding), "sequence exhausted",
                   s.failed(EspStatus::kSeqExhausted));
  out += error_row("hard lifetime", s.failed(EspStatus::kHardLimit), "internal error",
                   s.failed(EspStatus::kDeviceError));
  out += line("\nSAs: %llu installed, %llu written, %llu removed, %llu refused\n",
              static_cast<unsigned long long>(s.sas), static_cast<unsigned long long>(s.sa_installs),
              static_cast<unsigned long long>(s.sa_removals), static_cast<unsigned long long>(s.sa_refusals));
  if (!s.card) {
    return out;
  }
  out += "\nCard (host side):\n";
  out += error_row("jobs in flight", s.in_flight, "refused by the host", s.host_refused);
  out += error_row("resets", s.resets, "protocol errors", s.protocol_errors);
  if (s.registers_read == std::chrono::steady_clock::time_point{}) {
    out += "\nCard registers: not read yet\n";
    return out;
  }
  // JOBS_DONE counts the control queue's SA commands too; the card's cycle counter runs while it is
  // clocked (the Verilator card: only while it has work), so cycles per completion is its time per job.
  out += line("\nCard registers (read %lld ms ago):\n", age_ms(s.registers_read, now));
  out += line("     %-21s: 0x%08X %s\n", "STATUS", s.reg_status, status_bits(s.reg_status).c_str());
  out += error_row("JOBS_DONE", s.reg_jobs_done, "FAULT_COUNT", s.reg_fault_count);
  out += error_row("CYCLES", s.reg_cycles, "cycles per completion",
                   s.reg_jobs_done ? s.reg_cycles / s.reg_jobs_done : 0);
  return out;
}

std::string show_crypto_engine_absent() {
  return "% No ESP data path (no tunnel interface with an address): no crypto engine in use\n";
}

}  // namespace hubsec::host::daemon
