// Golden bytes, typed from the tables in docs/hw-interface.md: the generated C++ layouts put every field
// where the document says, little-endian. (The RTL side is checked end to end by the ring tests, where
// the Verilated card parses these same bytes.)
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "hubsec/driver/device/card_layout.hpp"

namespace hubsec::driver::device::card {
namespace {

template <typename T>
std::array<std::uint8_t, sizeof(T)> bytes_of(const T& value) {
  std::array<std::uint8_t, sizeof(T)> out{};
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

TEST(CardLayoutGolden, Descriptor) {
  Desc d{};
  d.opcode = 0x01;
  d.flags = 0x03;
  d.next_header = 0x2f;
  d.sa_slot = 0x0a0b;
  d.sa_gen = 0x0c0d;
  d.seq = 0x1112131415161718ull;
  d.src_addr = 0x2122232425262728ull;
  d.dst_addr = 0x3132333435363738ull;
  d.src_len = 0x4142;
  d.dst_cap = 0x4344;
  d.in_offset = 0x4546;
  d.out_offset = 0x4748;
  d.cookie = 0x5152535455565758ull;
  for (std::uint8_t i = 0; i < 16; ++i) d.iv[i] = static_cast<std::uint8_t>(0x60 + i);
  const std::array<std::uint8_t, 64> golden = {
      0x01, 0x03, 0x2f, 0x00, 0x0b, 0x0a, 0x0d, 0x0c,  // opcode flags next_header rsvd sa_slot sa_gen
      0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,  // seq
      0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21,  // src_addr
      0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31,  // dst_addr
      0x42, 0x41, 0x44, 0x43, 0x46, 0x45, 0x48, 0x47,  // src_len dst_cap in_offset out_offset
      0x58, 0x57, 0x56, 0x55, 0x54, 0x53, 0x52, 0x51,  // cookie
      0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  // iv
      0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f};
  EXPECT_EQ(bytes_of(d), golden);
}

TEST(CardLayoutGolden, Completion) {
  Cpl c{};
  c.cookie = 0x0102030405060708ull;
  c.out_len = 0x11121314;
  c.seq_lo = 0x21222324;
  c.sa_slot = 0x3132;
  c.status = 0x07;
  c.next_header = 0x04;
  c.flags = 0x01;
  c.consumer = 0x41424344;
  c.phase = 1;
  const std::array<std::uint8_t, 32> golden = {
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,   // cookie
      0x14, 0x13, 0x12, 0x11, 0x24, 0x23, 0x22, 0x21,   // out_len seq_lo
      0x32, 0x31, 0x07, 0x04, 0x01, 0x00, 0x00, 0x00,   // sa_slot status next_header flags rsvd
      0x44, 0x43, 0x42, 0x41, 0x00, 0x00, 0x00, 0x01};  // consumer rsvd phase (the last byte)
  EXPECT_EQ(bytes_of(c), golden);
}

TEST(CardLayoutGolden, SaRecordAndCounters) {
  SaRecord r{};
  r.flags = 0x0f;
  r.integrity = 2;
  r.icv_len = 16;
  r.spi = 0xa1a2a3a4;
  r.generation = 0xb1b2;
  r.hard_bytes = 0xc1c2c3c4c5c6c7c8ull;
  r.enc_key[0] = 0xd0;
  r.auth_key[31] = 0xe0;
  r.iv_key[0] = 0xf0;
  const auto b = bytes_of(r);
  EXPECT_EQ(sizeof(SaRecord), 160u);
  EXPECT_EQ(b[0], 0x0f);
  EXPECT_EQ(b[1], 2);
  EXPECT_EQ(b[2], 16);
  EXPECT_EQ((std::array<std::uint8_t, 4>{b[4], b[5], b[6], b[7]}),
            (std::array<std::uint8_t, 4>{0xa4, 0xa3, 0xa2, 0xa1}));
  EXPECT_EQ(b[8], 0xb2);
  EXPECT_EQ(b[9], 0xb1);
  EXPECT_EQ(b[40], 0xc8);
  EXPECT_EQ(b[47], 0xc1);
  EXPECT_EQ(b[48], 0xd0);
  EXPECT_EQ(b[111], 0xe0);
  EXPECT_EQ(b[112], 0xf0);
  SaCounters c{};
  c.generation = 0x0102;
  c.valid = 1;
  const auto cb = bytes_of(c);
  EXPECT_EQ(cb[48], 0x02);
  EXPECT_EQ(cb[49], 0x01);
  EXPECT_EQ(cb[50], 1);
}

TEST(CardLayoutGolden, RegisterMap) {
  EXPECT_EQ(reg::kId, 0x000u);
  EXPECT_EQ(reg::kControl, 0x020u);
  EXPECT_EQ(reg::kIrqStatus, 0x028u);
  EXPECT_EQ(queue_reg(0, qreg::kDescBaseLo), 0x100u);
  EXPECT_EQ(queue_reg(3, qreg::kProducer), 0x100u + 3 * 0x40 + 0x18);
  EXPECT_EQ(queue_reg(1, qreg::kQStatus), 0x174u);
  EXPECT_EQ(kCardId, 0x48534543u);
  EXPECT_EQ(static_cast<int>(Status::kDmaError), 7);
  EXPECT_EQ(static_cast<int>(Opcode::kSaWrite), 0x10);
}

}  // namespace
}  // namespace hubsec::driver::device::card
