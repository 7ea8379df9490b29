// The debug key log: Wireshark's esp_sa UAT lines (quoted fields, 0x keys, outbound then inbound)
// and the ikev2_decryption_table line, in files only the owner can read.
#include "hubsec/host/daemon/key_log.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace hubsec::host::daemon {
namespace {

ike::SecretBytes bytes(std::size_t n, std::uint8_t first) {
  ike::SecretBytes s(n);
  for (std::size_t i = 0; i < n; ++i) {
    s.data()[i] = static_cast<std::uint8_t>(first + i);
  }
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(KeyLog, EspSaLinesAreWiresharkUat) {
  ike::ChildSaInfo sa;
  sa.local = ike::Endpoint{*ike::IpAddress::parse("192.0.2.1"), 4500};
  sa.remote = ike::Endpoint{*ike::IpAddress::parse("192.0.2.2"), 4500};
  sa.integrity = ike::EspInteg::kHmacSha1_96;
  sa.outbound.spi = 0x0A0B0C0D;
  sa.outbound.encryption = bytes(32, 0x00);
  sa.outbound.integrity = bytes(20, 0x80);
  sa.inbound.spi = 0xC1A2B3D4;
  sa.inbound.encryption = bytes(32, 0x20);
  sa.inbound.integrity = bytes(20, 0xA0);
  const std::string lines = KeyLog::esp_sa_lines(sa);
  EXPECT_EQ(
      lines,
      "\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0x0a0b0c0d\",\"AES-CBC [RFC3602]\","
      "\"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\",\"HMAC-SHA-1-96 [RFC2404]\","
      "\"0x808182838485868788898a8b8c8d8e8f90919293\"\n"
      "\"IPv4\",\"192.0.2.2\",\"192.0.2.1\",\"0xc1a2b3d4\",\"AES-CBC [RFC3602]\","
      "\"0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\",\"HMAC-SHA-1-96 [RFC2404]\","
      "\"0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\"\n");
  sa.integrity = ike::EspInteg::kHmacSha256_128;
  EXPECT_NE(KeyLog::esp_sa_lines(sa).find("\"HMAC-SHA-256-128 [RFC4868]\""), std::string::npos);
}

TEST(KeyLog, FilesAreAppendedAndPrivate) {
  const std::string dir = "/tmp/hubsec-keylog-test-" + std::to_string(::getpid());
  {
    KeyLog log(dir);
    ike::ChildSaInfo sa;
    sa.local = ike::Endpoint{*ike::IpAddress::parse("192.0.2.1"), 500};
    sa.remote = ike::Endpoint{*ike::IpAddress::parse("192.0.2.2"), 500};
    sa.outbound.encryption = bytes(32, 1);
    sa.outbound.integrity = bytes(20, 2);
    sa.inbound.encryption = bytes(32, 3);
    sa.inbound.integrity = bytes(20, 4);
    log.child_sa(sa);
    log.child_sa(sa);
    ike::IkeKeyLogEntry e;
    e.initiator_spi = 0x0102030405060708ull;
    e.responder_spi = 0x1112131415161718ull;
    e.sk_ei = bytes(32, 0x10);
    e.sk_er = bytes(32, 0x30);
    e.sk_ai = bytes(32, 0x50);
    e.sk_ar = bytes(32, 0x70);
    log.ike_sa(e);
  }
  const std::string esp = slurp(dir + "/esp_sa");
  EXPECT_EQ(std::count(esp.begin(), esp.end(), '\n'), 4);
  const std::string ike = slurp(dir + "/ikev2_decryption_table");
  EXPECT_EQ(ike.rfind("0102030405060708,1112131415161718,101112", 0), 0u) << ike;
  EXPECT_NE(ike.find(",\"AES-CBC-256 [RFC3602]\","), std::string::npos);
  EXPECT_NE(ike.find(",\"HMAC_SHA2_256_128 [RFC4868]\""), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/esp_sa").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  ::unlink((dir + "/esp_sa").c_str());
  ::unlink((dir + "/ikev2_decryption_table").c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace hubsec::host::daemon
