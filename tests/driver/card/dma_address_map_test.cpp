// The simulated IOMMU: mapped bytes translate, everything else faults, unmapping revokes access.
#include "hubsec/sim/dma_address_map.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace hubsec::sim {
namespace {

TEST(DmaAddressMap, TranslatesMappedPagesOnly) {
  DmaAddressMap map;
  alignas(4096) static std::uint8_t pages[3 * 4096];
  const std::uint64_t bus = map.map(pages + 100, 5000);  // touches pages 0 and 1
  EXPECT_EQ(bus % 4096, 100u);
  EXPECT_EQ(map.translate(bus, 8), pages + 100);
  EXPECT_EQ(map.translate(bus - 100, 8192), pages);    // whole mapped pages
  EXPECT_EQ(map.translate(bus - 100, 8193), nullptr);  // one byte into page 2: not mapped
  EXPECT_EQ(map.translate(bus - 101, 1), nullptr);     // below the mapping
  EXPECT_EQ(map.translate(0x1000, 8), nullptr);        // a stray address
  const std::uint64_t bus2 = map.map(pages + 2 * 4096, 16);
  EXPECT_GE(bus2, bus - 100 + 3 * 4096);  // a guard page between mappings
  EXPECT_EQ(map.translate(bus - 100 + 2 * 4096, 8), nullptr);
  EXPECT_TRUE(map.unmap(bus + 10));
  EXPECT_EQ(map.translate(bus, 8), nullptr);
  EXPECT_FALSE(map.unmap(bus));
  EXPECT_EQ(map.mappings(), 1u);
}

}  // namespace
}  // namespace hubsec::sim
