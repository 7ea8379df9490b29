// SAD/SPD: inbound by SPI, outbound by selectors with the newest SA of a reqid (make-before-break).
#include "hubsec/host/datapath/sa_database.hpp"

#include <gtest/gtest.h>

namespace hubsec::host::datapath {
namespace {

ike::IpAddress ip(const char* text) {
  return *ike::IpAddress::parse(text);
}

SaEntry gre_entry(std::uint32_t in_spi, std::uint32_t reqid, const char* local, const char* remote) {
  SaEntry e;
  e.inbound_spi = in_spi;
  e.outbound_spi = in_spi + 0x1000;
  e.reqid = reqid;
  e.local_ts = {ike::TrafficSelector::host(ip(local), 47)};
  e.remote_ts = {ike::TrafficSelector::host(ip(remote), 47)};
  e.inbound = in_spi;  // any valid handle
  e.outbound = in_spi + 1;
  return e;
}

TEST(Selectors, AddressProtocolAndPortRanges) {
  auto ts = ike::TrafficSelector::subnet(ip("10.1.0.0"), ip("255.255.255.0"));
  EXPECT_TRUE(selector_matches(ts, 0x0a010005, 1, 0));
  EXPECT_FALSE(selector_matches(ts, 0x0a020005, 1, 0));
  auto gre = ike::TrafficSelector::host(ip("192.0.2.1"), 47);
  EXPECT_TRUE(selector_matches(gre, 0xc0000201, 47, 0));
  EXPECT_FALSE(selector_matches(gre, 0xc0000201, 1, 0));
  ike::TrafficSelector web = ts;
  web.ip_proto = 6;
  web.start_port = web.end_port = 443;
  EXPECT_TRUE(selector_matches(web, 0x0a010001, 6, 443));
  EXPECT_FALSE(selector_matches(web, 0x0a010001, 6, 80));
}

TEST(SaDatabase, InboundBySpiOutboundByPolicy) {
  SaDatabase db;
  db.add(gre_entry(0x100, 1, "192.0.2.1", "192.0.2.2"));
  db.add(gre_entry(0x200, 2, "192.0.2.1", "192.0.2.3"));
  ASSERT_NE(db.by_inbound_spi(0x200), nullptr);
  EXPECT_EQ(db.by_inbound_spi(0x300), nullptr);
  SaEntry* e = db.outbound_for({0xc0000201, 0xc0000203, 47, 0, 0});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->reqid, 2u);
  EXPECT_EQ(db.outbound_for({0xc0000201, 0xc0000204, 47, 0, 0}), nullptr);  // no policy: no SA
  EXPECT_EQ(db.outbound_for({0xc0000201, 0xc0000202, 1, 0, 0}), nullptr);   // not GRE
}

TEST(SaDatabase, RekeySwitchesOutboundAtOnceAndKeepsOldInboundUntilTaken) {
  SaDatabase db;
  db.add(gre_entry(0x100, 7, "192.0.2.1", "192.0.2.2"));
  db.add(gre_entry(0x500, 7, "192.0.2.1", "192.0.2.2"));  // the rekeyed Child SA, same reqid
  const FlowKey flow{0xc0000201, 0xc0000202, 47, 0, 0};
  ASSERT_NE(db.outbound_for(flow), nullptr);
  EXPECT_EQ(db.outbound_for(flow)->inbound_spi, 0x500u);
  EXPECT_NE(db.by_inbound_spi(0x100), nullptr);  // the old one still decrypts
  EXPECT_TRUE(db.take(0x100));
  EXPECT_EQ(db.by_inbound_spi(0x100), nullptr);
  EXPECT_EQ(db.outbound_for(flow)->inbound_spi, 0x500u);
  EXPECT_FALSE(db.take(0x100));
}

}  // namespace
}  // namespace hubsec::host::datapath
