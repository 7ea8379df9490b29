// `show crypto engine accelerator statistic`: IOS's blocks (device, two columns inbound | outbound, an
// error block of "name : value" pairs) filled from EngineStatistics, each number in its own place; a
// card adds its host-side counts and its registers, a soft engine has neither.
#include "hubsec/host/daemon/engine_show.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace hubsec::host::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& wanted) {
  for (const auto& l : lines(text)) {
    if (l == wanted) return true;
  }
  return false;
}

driver::EngineStatistics sample(std::chrono::steady_clock::time_point now) {
  driver::EngineStatistics s;
  s.since = now - seconds(75);
  s.decrypt_jobs = 11;
  s.encrypt_jobs = 12;
  s.decrypted = 9;
  s.encrypted = 10;
  s.bytes_decrypted = 12345;
  s.bytes_encrypted = 67890;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kRingFull)] = 1;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kReplay)] = 2;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kIcvMismatch)] = 3;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kUnknownSa)] = 4;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kBadLength)] = 5;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kBadHeader)] = 6;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kBadPadding)] = 7;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kSeqExhausted)] = 8;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kHardLimit)] = 13;
  s.failures[static_cast<std::size_t>(driver::EspStatus::kDeviceError)] = 14;
  s.sas = 4;
  s.sa_installs = 6;
  s.sa_removals = 2;
  s.sa_refusals = 1;
  return s;
}

TEST(EngineShow, SoftEngineCountsInIosLayoutAndNoCardBlocks) {
  const auto now = std::chrono::steady_clock::now();
  const std::string out = show_crypto_engine_statistic("soft", sample(now), now);
  const auto l = lines(out);
  ASSERT_GE(l.size(), 4u);
  EXPECT_EQ(l[0], "");
  EXPECT_EQ(l[1], "Device:   soft (OpenSSL on the packet thread, no accelerator)");
  EXPECT_TRUE(has_line(out, "Statistics for the ESP engine since it was opened, 75 seconds ago")) << out;
  EXPECT_TRUE(has_line(out, "             11 decrypt jobs                             12 encrypt jobs"))
      << out;
  EXPECT_TRUE(has_line(out, "              9 packets decrypted                        10 packets encrypted"))
      << out;
  EXPECT_TRUE(has_line(out, "          12345 bytes decrypted                       67890 bytes encrypted"))
      << out;
  EXPECT_TRUE(has_line(out, "     ring full drops      :          1    replay errors        :          2"))
      << out;
  EXPECT_TRUE(has_line(out, "     authentication errors:          3    unknown SA (bad SPI) :          4"))
      << out;
  EXPECT_TRUE(has_line(out, "     invalid length       :          5    invalid header       :          6"))
      << out;
  EXPECT_TRUE(has_line(out, "     bad padding          :          7    sequence exhausted   :          8"))
      << out;
  EXPECT_TRUE(has_line(out, "     hard lifetime        :         13    internal error       :         14"))
      << out;
  EXPECT_TRUE(has_line(out, "SAs: 4 installed, 6 written, 2 removed, 1 refused")) << out;
  EXPECT_EQ(out.find("Card"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(EngineShow, CardAddsItsHostSideAndItsRegistersWithTheirAge) {
  const auto now = std::chrono::steady_clock::now();
  driver::EngineStatistics s = sample(now);
  s.card = true;
  s.in_flight = 3;
  s.host_refused = 15;
  s.resets = 1;
  s.protocol_errors = 2;
  s.reg_status = 0x9;  // ENABLED | BUSY
  s.reg_jobs_done = 40;
  s.reg_fault_count = 0;
  s.reg_cycles = 100000;
  s.registers_read = now - milliseconds(250);
  const std::string out = show_crypto_engine_statistic("card:sim", s, now);
  EXPECT_TRUE(has_line(out, "Device:   card:sim (hubsec_card, the Verilator model in hubsecd's process)"))
      << out;
  EXPECT_TRUE(has_line(out, "     jobs in flight       :          3    refused by the host  :         15"))
      << out;
  EXPECT_TRUE(has_line(out, "     resets               :          1    protocol errors      :          2"))
      << out;
  EXPECT_TRUE(has_line(out, "Card registers (read 250 ms ago):")) << out;
  EXPECT_TRUE(has_line(out, "     STATUS               : 0x00000009 ENABLED BUSY")) << out;
  EXPECT_TRUE(has_line(out, "     JOBS_DONE            :         40    FAULT_COUNT          :          0"))
      << out;
  EXPECT_TRUE(has_line(out, "     CYCLES               :     100000    cycles per completion:       2500"))
      << out;

  s.registers_read = {};
  s.reg_jobs_done = 0;
  const std::string unread = show_crypto_engine_statistic("card:pci:0000:3b:00.0", s, now);
  EXPECT_TRUE(has_line(unread, "Device:   card:pci:0000:3b:00.0 (hubsec_card)")) << unread;
  EXPECT_TRUE(has_line(unread, "Card registers: not read yet")) << unread;
  EXPECT_EQ(unread.find("JOBS_DONE"), std::string::npos) << unread;
}

TEST(EngineShow, AbsentEngineIsAnIosError) {
  EXPECT_EQ(show_crypto_engine_absent().rfind("% ", 0), 0u);
}

}  // namespace
}  // namespace hubsec::host::daemon
