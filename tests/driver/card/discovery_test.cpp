// The PCI and XRT backends run their discovery on a machine without a card: they must report none,
// with a reason, and not crash. Opening what does not exist fails cleanly.
#include "hubsec/driver/device/discovery.hpp"

#include <gtest/gtest.h>

#include "hubsec/driver/device/pci_ids.hpp"

namespace hubsec::driver::device {
namespace {

TEST(Discovery, PciScanReportsNoCardHere) {
  const Discovery found = discover_pci();
  EXPECT_TRUE(found.devices.empty()) << found.devices.front().spec;
  ASSERT_FALSE(found.notes.empty());
  EXPECT_NE(found.notes.front().find("pci:"), std::string::npos);
}

TEST(Discovery, XrtReportsNoCardHere) {
  const Discovery found = discover_xrt();
  EXPECT_TRUE(found.devices.empty());
  ASSERT_FALSE(found.notes.empty());
  if (xrt_backend_built()) {
    const OpenedDevice opened = open_xrt_device(0);
    EXPECT_EQ(opened.device, nullptr);
    EXPECT_NE(opened.error.find("no card"), std::string::npos) << opened.error;
  }
}

TEST(Discovery, AllListsTheVerilatorCardWhenBuilt) {
  const Discovery all = discover_all();
  bool has_sim = false;
  for (const auto& d : all.devices) has_sim = has_sim || d.spec == "sim";
  EXPECT_EQ(has_sim, sim_device_available());
}

TEST(Discovery, OpeningWhatIsNotThereFails) {
  EXPECT_EQ(open_pci_device("0000:ff:1f.7").device, nullptr);
  EXPECT_NE(open_pci_device("0000:ff:1f.7").error.find("no such PCI function"), std::string::npos);
  EXPECT_EQ(open_device("bogus").device, nullptr);
  EXPECT_EQ(open_device("xrt:x").device, nullptr);
  EXPECT_NE(open_device("xrt:x").error.find("number"), std::string::npos);
}

TEST(Discovery, CardIdsAreXilinxOnly) {
  EXPECT_TRUE(is_card_pci_id(0x10ee, 0x5004));
  EXPECT_FALSE(is_card_pci_id(0x10ee, 0x1234));
  EXPECT_FALSE(is_card_pci_id(0x8086, 0x5004));
}

}  // namespace
}  // namespace hubsec::driver::device

#include "hubsec/driver/device/offload_choice.hpp"

namespace hubsec::driver::device {
namespace {

TEST(OffloadChoice, OnlyAutoFallsBackAndItSaysWhy) {
  const OffloadChoice soft = choose_offload("soft", "");
  ASSERT_NE(soft.offload, nullptr);
  EXPECT_EQ(soft.backend, "soft");
  EXPECT_TRUE(soft.reason.empty());

  const OffloadChoice card = choose_offload("card", "");  // no card on this machine
  EXPECT_EQ(card.offload, nullptr);
  EXPECT_NE(card.reason.find("no card"), std::string::npos) << card.reason;

  const OffloadChoice automatic = choose_offload("auto", "");
  ASSERT_NE(automatic.offload, nullptr);
  EXPECT_EQ(automatic.backend, "soft");
  EXPECT_NE(automatic.reason.find("auto: using soft because"), std::string::npos) << automatic.reason;

  // A placeholder card is no ESP offload: auto says so and falls back.
  const OffloadChoice placeholder = choose_offload("auto", "loopback");
  ASSERT_NE(placeholder.offload, nullptr);
  EXPECT_EQ(placeholder.backend, "soft");
  EXPECT_NE(placeholder.reason.find("placeholder"), std::string::npos) << placeholder.reason;

  EXPECT_EQ(choose_offload("fast", "").offload, nullptr);
}

}  // namespace
}  // namespace hubsec::driver::device
