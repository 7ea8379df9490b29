#include "hubsec/host/daemon/key_log.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace hubsec::host::daemon {

namespace {

std::string hex(ike::ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::string spi_hex(std::uint32_t spi) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", spi);
  return buf;
}

std::string_view auth_name(ike::EspInteg integ) {
  return integ == ike::EspInteg::kHmacSha1_96 ? "HMAC-SHA-1-96 [RFC2404]" : "HMAC-SHA-256-128 [RFC4868]";
}

std::string line(const ike::IpAddress& src, const ike::IpAddress& dst, const ike::EspKeys& keys,
                 ike::EspInteg integ) {
  return "\"IPv4\",\"" + src.to_string() + "\",\"" + dst.to_string() + "\",\"" + spi_hex(keys.spi) +
         "\",\"AES-CBC [RFC3602]\",\"0x" + hex(keys.encryption.view()) + "\",\"" +
         std::string(auth_name(integ)) + "\",\"0x" + hex(keys.integrity.view()) + "\"\n";
}

}  // namespace

KeyLog::KeyLog(std::string dir) : dir_(std::move(dir)) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create key log directory " + dir_);
  }
}

void KeyLog::append(const std::string& file, const std::string& text) {
  const std::string path = dir_ + "/" + file;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::string KeyLog::esp_sa_lines(const ike::ChildSaInfo& sa) {
  return line(sa.local.address, sa.remote.address, sa.outbound, sa.integrity) +
         line(sa.remote.address, sa.local.address, sa.inbound, sa.integrity);
}

void KeyLog::ike_sa(const ike::IkeKeyLogEntry& entry) {
  std::string text = entry.format_line() + "\n";
  append("ikev2_decryption_table", text);
  OPENSSL_cleanse(text.data(), text.size());
}

void KeyLog::child_sa(const ike::ChildSaInfo& sa) {
  std::string text = esp_sa_lines(sa);
  append("esp_sa", text);
  OPENSSL_cleanse(text.data(), text.size());
}

}  // namespace hubsec::host::daemon
