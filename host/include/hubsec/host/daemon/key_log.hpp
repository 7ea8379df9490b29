// Debug only (`hubsecd --keylog DIR`): the keys Wireshark needs to decrypt what hubsecd sends and
// receives, in Wireshark's own UAT file formats, so DIR can serve as (part of) a Wireshark
// configuration directory:
//   DIR/ikev2_decryption_table  ISPI,RSPI,SK_ei,SK_er,"AES-CBC-256 [RFC3602]",SK_ai,SK_ar,"HMAC_SHA2_256_128
//   [RFC4868]" DIR/esp_sa                  "IPv4","SRC","DST","0xSPI","AES-CBC
//   [RFC3602]","0xKEY","HMAC-SHA-1-96 [RFC2404]","0xKEY"
// The files are created 0600 and hold secrets: never enable this in production.
#pragma once

#include <string>

#include "hubsec/ike/actions.hpp"
#include "hubsec/ike/engine.hpp"

namespace hubsec::host::daemon {

class KeyLog {
 public:
  explicit KeyLog(std::string dir);
  void ike_sa(const ike::IkeKeyLogEntry& entry);
  void child_sa(const ike::ChildSaInfo& sa);

  // The two esp_sa lines (outbound, then inbound) for one Child SA.
  static std::string esp_sa_lines(const ike::ChildSaInfo& sa);

 private:
  void append(const std::string& file, const std::string& text);
  std::string dir_;
};

}  // namespace hubsec::host::daemon
