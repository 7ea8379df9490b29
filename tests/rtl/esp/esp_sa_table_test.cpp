// esp_sa_table against a model: random installs, invalidates, job checks (slot range, direction, generation,
// hard limits with jobs in flight), completion updates (counters, soft limits, stale generations) and counter
// reads, several requests at once (priority: install > update > read > check), and wipes by clear_i.
// Counters start at zero and grow by little, so a quarter of the installs are followed by counters and limits
// written straight into the counter RAM just under 2^32 or at random 64-bit values, limits just above them
// (the table adds and compares 64-bit values in 32-bit halves: the carry into the high half and the
// comparison of equal high halves must be exercised). Not near 2^64: where a sum wraps, the table and the
// soft engine differ (a blocked slot whose packets + jobs in flight wrap), which no counter ever reaches.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>

#include "Vesp_sa_table_small.h"
#include "Vesp_sa_table_small___024root.h"

namespace {

constexpr int kSlots = 64;
constexpr std::uint8_t kOk = 0, kIcv = 1, kPad = 2, kUnknown = 3, kStale = 4, kLen = 5, kHard = 6;

using Key = std::array<std::uint32_t, 8>;

struct Rec {
  bool valid = false, inbound = false, esn = false, sha256 = false;
  std::uint16_t gen = 0;
  std::uint32_t spi = 0;
  Key key{}, aux{}, istate{}, ostate{};
  std::uint64_t packets = 0, bytes = 0, icv = 0, pad = 0, len = 0, drops = 0;
  std::uint64_t soft_p = 0, hard_p = 0, soft_b = 0, hard_b = 0;
};

template <typename W>
void put_key(W& w, const Key& k) {
  for (int i = 0; i < 8; ++i) w[i] = k[static_cast<std::size_t>(i)];
}
template <typename W>
bool same_key(const W& w, const Key& k) {
  for (int i = 0; i < 8; ++i)
    if (w[i] != k[static_cast<std::size_t>(i)]) return false;
  return true;
}

struct SaTable : ::testing::Test {
  std::unique_ptr<Vesp_sa_table_small> m = std::make_unique<Vesp_sa_table_small>();
  std::array<Rec, kSlots> model{};
  std::mt19937_64 rng{2026};

  void tick() {
    m->clk_i = 0;
    m->eval();
    m->clk_i = 1;
    m->eval();
  }
  void wait_wipe() {
    for (int i = 0; i < 2 * kSlots + 4 && m->busy_o; ++i) tick();
    ASSERT_FALSE(m->busy_o);
  }
  std::uint64_t limit() {
    switch (rng() % 4) {
      case 0: return 0;
      case 1: return 1 + rng() % 6;
      case 2: return 1 + rng() % 5000;
      default: return rng();
    }
  }
  Key rkey() {
    Key k;
    for (auto& x : k) x = static_cast<std::uint32_t>(rng());
    return k;
  }

  // pending requests and the expected answers (computed when they fire)
  struct Ins {
    int slot;
    bool inv;
    Rec r;
  };
  struct Chk {
    int slot;
    std::uint16_t gen;
    bool inbound;
    unsigned n;
    unsigned b;
  };
  struct Upd {
    int slot;
    std::uint16_t gen;
    std::uint8_t status;
    unsigned bytes;
  };
  struct ChkExp {
    std::uint8_t status;
    bool wait;
    Rec ctx;
  };
  std::optional<Ins> ins;
  std::optional<Chk> chk;
  std::optional<Upd> upd;
  std::optional<int> rd;
  std::optional<ChkExp> chk_exp;
  std::optional<bool> upd_exp;
  std::optional<Rec> rd_exp;
  std::optional<bool> rd_range;
  bool ins_exp = false;
  int answered = 0;

  void drive() {
    m->ins_valid_i = ins.has_value();
    if (ins) {
      const Rec& r = ins->r;
      m->ins_slot_i = static_cast<std::uint16_t>(ins->slot);
      m->ins_invalidate_i = ins->inv;
      m->ins_gen_i = r.gen;
      m->ins_inbound_i = r.inbound;
      m->ins_esn_i = r.esn;
      m->ins_sha256_i = r.sha256;
      m->ins_spi_i = r.spi;
      put_key(m->ins_key_i, r.key);
      put_key(m->ins_aux_i, r.aux);
      put_key(m->ins_istate_i, r.istate);
      put_key(m->ins_ostate_i, r.ostate);
      m->ins_soft_packets_i = r.soft_p;
      m->ins_hard_packets_i = r.hard_p;
      m->ins_soft_bytes_i = r.soft_b;
      m->ins_hard_bytes_i = r.hard_b;
    }
    m->chk_valid_i = chk.has_value();
    if (chk) {
      m->chk_slot_i = static_cast<std::uint16_t>(chk->slot);
      m->chk_gen_i = chk->gen;
      m->chk_inbound_i = chk->inbound;
      m->chk_infl_n_i = static_cast<std::uint8_t>(chk->n);
      m->chk_infl_b_i = chk->b;
    }
    m->upd_valid_i = upd.has_value();
    if (upd) {
      m->upd_slot_i = static_cast<std::uint16_t>(upd->slot);
      m->upd_gen_i = upd->gen;
      m->upd_status_i = upd->status;
      m->upd_bytes_i = upd->bytes;
    }
    m->rd_valid_i = rd.has_value();
    if (rd) m->rd_slot_i = static_cast<std::uint16_t>(*rd);
  }

  // the model's answers, applied at the handshake
  void fire_ins() {
    Rec r = ins->inv ? Rec{} : ins->r;
    if (!ins->inv) {
      r.valid = true;
      r.packets = r.bytes = r.icv = r.pad = r.len = r.drops = 0;
    }
    model[static_cast<std::size_t>(ins->slot)] = r;
    if (!ins->inv) installed = ins->slot;
    ins_exp = true;
    ins.reset();
  }

  // After an install's write (no operation can read the slot in the next cycle): counters just under 2^32
  // or random, limits just above them, in the RAM word and in the model.
  std::optional<int> installed;
  std::uint64_t near_edge() {
    if (rng() % 2 == 0) return (std::uint64_t{1} << 32) - 1 - rng() % 8;
    return rng() >> 1;  // (far from 2^64)
  }
  void seed_counters(int slot) {
    Rec& r = model[static_cast<std::size_t>(slot)];
    r.packets = near_edge();
    r.bytes = near_edge() - rng() % 4000;  // (just under 2^32: the jobs in flight carry it over)
    r.icv = near_edge();
    r.pad = near_edge();
    r.len = near_edge();
    r.drops = near_edge();
    if (rng() % 4 != 0) r.hard_p = r.packets + rng() % 6;
    if (rng() % 4 != 0) r.hard_b = r.bytes + rng() % 5000;
    if (rng() % 4 != 0) r.soft_p = r.packets + rng() % 4;
    if (rng() % 4 != 0) r.soft_b = r.bytes + rng() % 3000;
    // cnt_t, packed, from bit 0: hard_b, soft_b, hard_p, soft_p, drops, len, pad, icv, bytes, packets, gen,
    // valid
    auto& w = m->rootp->esp_sa_table__DOT__cmem_q[static_cast<std::size_t>(slot)];
    const std::uint64_t f[] = {r.hard_b, r.soft_b, r.hard_p, r.soft_p, r.drops,
                               r.len,    r.pad,    r.icv,    r.bytes,  r.packets};
    for (int i = 0; i < 10; ++i) {
      w[2 * i] = static_cast<std::uint32_t>(f[i]);
      w[2 * i + 1] = static_cast<std::uint32_t>(f[i] >> 32);
    }
  }
  void fire_chk() {
    ChkExp e{};
    const bool range = chk->slot < kSlots;
    Rec* r = range ? &model[static_cast<std::size_t>(chk->slot)] : nullptr;
    if (!r || !r->valid || r->inbound != chk->inbound) {
      e.status = kUnknown;
    } else if (r->gen != chk->gen) {
      e.status = kStale;
    } else {
      const bool fits = (r->hard_p == 0 || r->packets + chk->n < r->hard_p) &&
                        (r->hard_b == 0 || r->bytes + chk->b < r->hard_b);
      const bool blocked =
          (r->hard_p != 0 && r->packets >= r->hard_p) || (r->hard_b != 0 && r->bytes >= r->hard_b);
      if (fits) {
        e.status = kOk;
        e.ctx = *r;
      } else if (blocked) {
        e.status = kHard;
        ++r->drops;
      } else {
        e.status = kHard;
        e.wait = true;
      }
    }
    chk_exp = e;
    chk.reset();
  }
  void fire_upd() {
    bool soft = false;
    Rec& r = model[static_cast<std::size_t>(upd->slot)];
    if (r.valid && r.gen == upd->gen) {
      switch (upd->status) {
        case kOk:
          ++r.packets;
          r.bytes += upd->bytes;
          soft = (r.soft_p != 0 && r.packets >= r.soft_p) || (r.soft_b != 0 && r.bytes >= r.soft_b);
          break;
        case kIcv: ++r.icv; break;
        case kPad: ++r.pad; break;
        case kLen: ++r.len; break;
        default: break;
      }
    }
    upd_exp = soft;
    upd.reset();
  }
  void fire_rd() {
    rd_range = *rd < kSlots;
    rd_exp = *rd_range ? model[static_cast<std::size_t>(*rd)] : Rec{};
    rd.reset();
  }

  void check_answers() {
    if (m->ins_done_o) {
      EXPECT_TRUE(ins_exp);
      ins_exp = false;
      ++answered;
    }
    if (m->chk_done_o) {
      ASSERT_TRUE(chk_exp);
      const ChkExp& e = *chk_exp;
      EXPECT_EQ(m->chk_wait_o, e.wait);
      if (!e.wait) {
        EXPECT_EQ(m->chk_status_o, e.status);
      }
      const bool ok = !e.wait && e.status == kOk;
      EXPECT_EQ(m->chk_esn_o, ok && e.ctx.esn);
      EXPECT_EQ(m->chk_sha256_o, ok && e.ctx.sha256);
      EXPECT_EQ(m->chk_spi_o, ok ? e.ctx.spi : 0u);
      const Key zero{};
      EXPECT_TRUE(same_key(m->chk_key_o, ok ? e.ctx.key : zero));
      EXPECT_TRUE(same_key(m->chk_aux_o, ok ? e.ctx.aux : zero));
      EXPECT_TRUE(same_key(m->chk_istate_o, ok ? e.ctx.istate : zero));
      EXPECT_TRUE(same_key(m->chk_ostate_o, ok ? e.ctx.ostate : zero));
      chk_exp.reset();
      ++answered;
    }
    if (m->upd_done_o) {
      ASSERT_TRUE(upd_exp);
      EXPECT_EQ(m->upd_soft_o, *upd_exp);
      upd_exp.reset();
      ++answered;
    }
    if (m->rd_done_o) {
      ASSERT_TRUE(rd_exp);
      const Rec& e = *rd_exp;
      EXPECT_EQ(m->rd_status_o, *rd_range ? kOk : kUnknown);
      EXPECT_EQ(m->rd_slot_valid_o, e.valid);
      EXPECT_EQ(m->rd_gen_o, e.valid ? e.gen : 0);
      EXPECT_EQ(m->rd_packets_o, e.packets);
      EXPECT_EQ(m->rd_bytes_o, e.bytes);
      EXPECT_EQ(m->rd_icv_failures_o, e.icv);
      EXPECT_EQ(m->rd_pad_failures_o, e.pad);
      EXPECT_EQ(m->rd_len_failures_o, e.len);
      EXPECT_EQ(m->rd_limit_drops_o, e.drops);
      rd_exp.reset();
      ++answered;
    }
  }

  // one cycle: present the pending requests, apply the handshakes to the model, check the answers
  void cycle() {
    drive();
    m->clk_i = 0;
    m->eval();
    check_answers();
    // at most one fires (checked): the model follows the grant
    const bool fi = m->ins_valid_i && m->ins_ready_o, fu = m->upd_valid_i && m->upd_ready_o,
               fr = m->rd_valid_i && m->rd_ready_o, fc = m->chk_valid_i && m->chk_ready_o;
    EXPECT_LE(int{fi} + int{fu} + int{fr} + int{fc}, 1);
    if (fi) fire_ins();
    if (fu) fire_upd();
    if (fr) fire_rd();
    if (fc) fire_chk();
    m->clk_i = 1;
    m->eval();
  }

  int any_slot() {
    return (rng() % 8 == 0) ? kSlots + static_cast<int>(rng() % 200) : static_cast<int>(rng() % kSlots);
  }
  std::uint16_t gen_for(int slot) {
    if (slot < kSlots && rng() % 5 != 0) return model[static_cast<std::size_t>(slot)].gen;
    return static_cast<std::uint16_t>(rng());
  }
};

TEST_F(SaTable, RandomOperationsAgainstModel) {
  m->rst_ni = 0;
  m->clear_i = 0;
  drive();
  tick();
  m->rst_ni = 1;
  wait_wipe();
  int ops = 0, oks = 0, stales = 0, unknowns = 0, hards = 0, waits = 0, softs = 0;
  // 100,000 cycles: an operation takes 3 cycles (2 for an install), so about 35,000 operations
  constexpr int kCycles = 100000;
  for (int n = 0; n < kCycles && !HasFailure(); ++n) {
    if (n == kCycles / 2) {  // a wipe half way
      m->clear_i = 1;
      tick();
      m->clear_i = 0;
      ins.reset();
      chk.reset();
      upd.reset();
      rd.reset();
      chk_exp.reset();
      upd_exp.reset();
      rd_exp.reset();
      ins_exp = false;
      installed.reset();
      model = {};
      ASSERT_NO_FATAL_FAILURE(wait_wipe());
    }
    // new requests on idle ports (several at once now and then)
    if (!ins && rng() % 12 == 0) {
      Ins x{static_cast<int>(rng() % kSlots), rng() % 5 == 0, {}};
      x.r.inbound = rng() & 1;
      x.r.esn = rng() & 1;
      x.r.sha256 = rng() & 1;
      x.r.gen = static_cast<std::uint16_t>(rng());
      x.r.spi = static_cast<std::uint32_t>(rng());
      x.r.key = rkey();
      x.r.aux = rkey();
      x.r.istate = rkey();
      x.r.ostate = rkey();
      x.r.soft_p = limit();
      x.r.hard_p = limit();
      x.r.soft_b = limit();
      x.r.hard_b = limit();
      ins = x;
    }
    if (!chk && rng() % 2 == 0) {
      const int s = any_slot();
      const bool inb =
          (s < kSlots && rng() % 6 != 0) ? model[static_cast<std::size_t>(s)].inbound : (rng() & 1);
      chk = Chk{s, gen_for(s), inb, static_cast<unsigned>(rng() % 3 == 0 ? rng() % 4 : 0),
                static_cast<unsigned>(rng() % 3 == 0 ? rng() % 3000 : 0)};
    }
    if (!upd && rng() % 4 == 0) {
      const int s = static_cast<int>(rng() % kSlots);
      static constexpr std::uint8_t st[] = {kOk, kOk, kOk, kIcv, kPad, kLen, kUnknown, kStale};
      upd = Upd{s, gen_for(s), st[rng() % 8], static_cast<unsigned>(rng() % 2001)};
    }
    if (!rd && rng() % 8 == 0) rd = any_slot();
    // count outcomes for the coverage checks below
    const int before = answered;
    cycle();
    if (installed && rng() % 4 == 0) seed_counters(*installed);
    installed.reset();
    // (the answer pulses of the next cycle are visible now, from registered state)
    ops += answered - before;
    if (m->chk_done_o) {
      if (m->chk_wait_o)
        ++waits;
      else if (m->chk_status_o == kOk)
        ++oks;
      else if (m->chk_status_o == kStale)
        ++stales;
      else if (m->chk_status_o == kUnknown)
        ++unknowns;
      else if (m->chk_status_o == kHard)
        ++hards;
    }
    if (m->upd_done_o && m->upd_soft_o) ++softs;
  }
  std::printf(
      "[ table ] %d operations: checks OK %d, STALE %d, UNKNOWN %d, HARD_LIMIT %d, wait %d; soft %d\n", ops,
      oks, stales, unknowns, hards, waits, softs);
  EXPECT_GT(ops, 15000);
  EXPECT_GT(oks, 1000);
  EXPECT_GT(stales, 200);
  EXPECT_GT(unknowns, 200);
  EXPECT_GT(hards, 50);
  EXPECT_GT(waits, 50);
  EXPECT_GT(softs, 50);
}

}  // namespace
