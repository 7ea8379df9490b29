// esp_sa_table against a model of its documented behaviour: random writes, invalidates and lookups over
// in-range and out-of-range slots, stale generations, the wrong direction, back-pressure on the lookup
// result, a wipe (clear_i) in the middle; refused lookups must return zero context.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <random>

#include "Vesp_sa_table_small.h"

namespace hubsec::rtltest {
namespace {

constexpr int kSlots = 64;  // the model's SLOTS parameter (CMakeLists.txt)
constexpr std::uint8_t kOk = 0x00, kUnknown = 0x03, kStale = 0x04;

struct Rec {
  bool inbound = false, esn = false, sha256 = false;
  std::uint16_t gen = 0;
  std::uint32_t spi = 0;
  std::array<std::uint32_t, 8> key{}, istate{}, ostate{};
};

class SaTable : public ::testing::Test {
 protected:
  void tick() {
    m->clk_i = 0;
    m->eval();
    m->clk_i = 1;
    m->eval();
  }
  void wait_idle() {
    for (int i = 0; i < 4 * kSlots && m->busy_o; ++i) tick();
    ASSERT_FALSE(m->busy_o);
  }
  std::unique_ptr<Vesp_sa_table_small> m = std::make_unique<Vesp_sa_table_small>();
};

TEST_F(SaTable, RandomOperationsAgainstModel) {
  std::mt19937_64 rng(11);
  m->rst_ni = 0;
  m->clear_i = 0;
  m->wr_valid_i = 0;
  m->lk_valid_i = 0;
  m->res_ready_i = 1;
  tick();
  m->rst_ni = 1;
  wait_idle();

  std::map<int, Rec> model;
  int counts[9] = {};
  for (int op = 0; op < 6000; ++op) {
    const int slot = static_cast<int>(rng() % (kSlots + 6));  // a few out of range
    const auto kind = static_cast<unsigned>(rng() % 10);
    if (op == 3000) {  // wipe everything mid-run
      m->clear_i = 1;
      tick();
      m->clear_i = 0;
      EXPECT_TRUE(m->busy_o);
      wait_idle();
      model.clear();
    }
    if (kind < 3) {  // write or invalidate
      Rec r;
      r.inbound = rng() & 1, r.esn = rng() & 1, r.sha256 = rng() & 1;
      r.gen = static_cast<std::uint16_t>(rng() % 4);
      r.spi = static_cast<std::uint32_t>(rng());
      for (int w = 0; w < 8; ++w) {
        r.key[w] = static_cast<std::uint32_t>(rng()), r.istate[w] = static_cast<std::uint32_t>(rng());
        r.ostate[w] = static_cast<std::uint32_t>(rng());
      }
      const bool inv = kind == 0;
      m->wr_valid_i = 1;
      m->wr_invalidate_i = inv;
      m->wr_slot_i = static_cast<std::uint16_t>(slot);
      m->wr_gen_i = r.gen;
      m->wr_inbound_i = r.inbound, m->wr_esn_i = r.esn, m->wr_sha256_i = r.sha256;
      m->wr_spi_i = r.spi;
      for (int w = 0; w < 8; ++w) {
        m->wr_key_i[w] = r.key[w], m->wr_istate_i[w] = r.istate[w], m->wr_ostate_i[w] = r.ostate[w];
      }
      ASSERT_TRUE(m->wr_ready_o);
      tick();
      m->wr_valid_i = 0;
      if (slot < kSlots) {
        if (inv) {
          model.erase(slot);
        } else {
          model[slot] = r;
        }
      }
      continue;
    }
    // lookup with the right or a wrong generation and direction; the result is held a few cycles
    const auto it = model.find(slot);
    const bool want_inbound = (it != model.end() && (rng() % 4 != 0)) ? it->second.inbound : (rng() & 1);
    const auto gen =
        static_cast<std::uint16_t>((it != model.end() && (rng() % 3 != 0)) ? it->second.gen : rng() % 4);
    m->lk_valid_i = 1;
    m->lk_slot_i = static_cast<std::uint16_t>(slot);
    m->lk_gen_i = gen;
    m->lk_inbound_i = want_inbound;
    m->res_ready_i = 0;
    m->clk_i = 0;
    m->eval();
    ASSERT_TRUE(m->lk_ready_o);
    m->clk_i = 1;
    m->eval();
    m->lk_valid_i = 0;
    const int hold = static_cast<int>(rng() % 3);
    for (int h = 0; h <= hold; ++h) {
      m->clk_i = 0;
      m->eval();
      ASSERT_TRUE(m->res_valid_o);
      if (h < hold) {
        EXPECT_FALSE(m->lk_ready_o);  // result held: no new lookup
        m->clk_i = 1;
        m->eval();
      }
    }
    std::uint8_t want = kOk;
    if (it == model.end() || it->second.inbound != want_inbound) {
      want = kUnknown;
    } else if (it->second.gen != gen) {
      want = kStale;
    }
    ++counts[want];
    EXPECT_EQ(m->res_status_o, want) << "op " << op << " slot " << slot;
    if (want == kOk) {
      const Rec& r = it->second;
      EXPECT_EQ(m->res_spi_o, r.spi);
      EXPECT_EQ(m->res_esn_o != 0, r.esn);
      EXPECT_EQ(m->res_sha256_o != 0, r.sha256);
      for (int w = 0; w < 8; ++w) {
        EXPECT_EQ(m->res_key_o[w], r.key[w]);
        EXPECT_EQ(m->res_istate_o[w], r.istate[w]);
        EXPECT_EQ(m->res_ostate_o[w], r.ostate[w]);
      }
    } else {
      EXPECT_EQ(m->res_spi_o, 0u);
      for (int w = 0; w < 8; ++w) EXPECT_EQ(m->res_key_o[w] | m->res_istate_o[w] | m->res_ostate_o[w], 0u);
    }
    m->res_ready_i = 1;
    m->clk_i = 1;
    m->eval();
    if (HasFailure()) return;
  }
  EXPECT_GT(counts[kOk], 500);
  EXPECT_GT(counts[kUnknown], 500);
  EXPECT_GT(counts[kStale], 300);
}

}  // namespace
}  // namespace hubsec::rtltest
