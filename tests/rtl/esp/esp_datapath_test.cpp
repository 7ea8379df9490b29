// esp_datapath (SA table, on-card key precompute, IV generator, both lanes) against the driver's soft engine
// (EspCrypto, OpenSSL underneath) and a sequential model of the slots (statuses, counters, limits).
//
// SAs are written with RAW keys through the write port, so every ICV also checks the card's HMAC inner/outer
// state precompute against OpenSSL's HMAC. Jobs go in on the one job port in script order; each direction is
// fed as the card adapter feeds the datapath (the next job of a direction is handed over once that
// direction's previous job has taken all its input beats, or its result has come back: a refused job takes no
// beat), so both directions' input ports are fed at once; each direction's results and output beats must come
// back in that direction's job order with several jobs in flight. Random stalls on every port, each on its
// own. Card-generated IVs: the packet must open with the soft engine using the IV it carries, and no IV may
// repeat. HUBSEC_DP_PACKETS sets the length of the random run (CI: 600; by hand: 5,000).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "Vesp_dp_small.h"
#include "Vesp_dp_small___024root.h"
#include "esp_bench.hpp"
#include "hubsec/driver/hmac.hpp"

namespace hubsec::rtltest {
namespace {

constexpr int kSlots = 16;  // SLOTS of the model (CMakeLists.txt)
constexpr int kDepth = 16;  // DEPTH of the model
constexpr std::uint8_t kStale = 0x04, kHard = 0x06;

struct Limits {
  std::uint64_t soft_p = 0, hard_p = 0, soft_b = 0, hard_b = 0;
};
struct Counters {
  std::uint64_t packets = 0, bytes = 0, icv = 0, pad = 0, len = 0, drops = 0;
  bool operator==(const Counters&) const = default;
};
// The model's view of a slot.
struct Slot {
  bool valid = false, inbound = false;
  std::uint16_t gen = 0;
  Sa sa;
  Limits lim;
  Counters c;
};

struct Job {
  bool dec = false, card_iv = false;
  int slot = 0;
  std::uint16_t gen = 0;
  std::uint64_t seq = 0;
  Bytes iv = Bytes(16, 0);
  std::size_t len = 0;
  std::uint8_t nh = 0;
  Bytes input;  // outbound payload, or the ESP packet
  // expected
  std::uint8_t status = 0;
  Bytes out;
  std::uint32_t res_len = 0, spi = 0, seq_lo = 0;
  std::uint8_t res_nh = 0;
  bool soft = false, soft_any = false;
  std::optional<Sa> open_with;  // card IV: the output must open with this SA's soft engine
  bool hold_out = false;        // from this job's handshake on, outputs are held until a held write is done
};
struct Write {
  int slot = 0;
  std::uint16_t gen = 0;
  bool inbound = false, invalidate = false, hold = false;
  Sa sa;
  Bytes iv_key = Bytes(32, 0);
  Limits lim;
  std::uint8_t status = 0;
  std::size_t in_flight_at_write = 0;  // measured: jobs handed over whose result was not yet taken
  std::uint64_t cycles = 0;            // measured: write handshake to wr_done (key precompute included)
  bool done_seen = false;
};
struct Item {
  bool is_write = false;
  Job j;
  Write w;
};

// An ESP packet with a correct ICV but bad padding: a sealed packet loses its last cipher block, so the
// trailer is read from a payload block we chose (pad length too large, or a wrong pad byte), and the ICV
// is recomputed with OpenSSL's HMAC (driver::Hmac).
Bytes bad_padding_packet(const Sa& sa, std::uint64_t seq, std::mt19937_64& rng, bool too_long) {
  Bytes payload = random_bytes(rng, 32 + 16 * (rng() % 4));
  const std::size_t b = payload.size() - 16;  // the block that becomes the last one
  if (too_long) {
    payload[b + 14] = 250;
  } else {
    payload[b + 14] = 3;
    payload[b + 11] = 1;
    payload[b + 12] = 2;
    payload[b + 13] = 9;
  }
  auto enc = soft(sa, Direction::kOutbound);
  const Bytes iv = random_bytes(rng, 16);
  Bytes esp(driver::esp_packet_length(payload.size(), sa.alg));
  std::size_t n = 0;
  EXPECT_EQ(enc->seal(sa.spi, seq, iv.data(), payload, 4, esp, n), EspStatus::kOk);
  const std::size_t icv = driver::icv_bytes(sa.alg);
  // ciphertext: payload blocks, then the trailer block; keep the payload blocks only
  const std::size_t ct = payload.size();
  Bytes out(esp.begin(), esp.begin() + static_cast<std::ptrdiff_t>(24 + ct));
  auto mac = driver::Hmac::create(sa.sha256() ? driver::HmacDigest::kSha256 : driver::HmacDigest::kSha1,
                                  sa.auth_key);
  Bytes hi;
  if (sa.esn)
    hi = {static_cast<std::uint8_t>(seq >> 56), static_cast<std::uint8_t>(seq >> 48),
          static_cast<std::uint8_t>(seq >> 40), static_cast<std::uint8_t>(seq >> 32)};
  Bytes tag(icv);
  EXPECT_TRUE(mac->compute(out, hi, tag.data(), icv));
  out.insert(out.end(), tag.begin(), tag.end());
  return out;
}

struct Dp : ::testing::Test {
  std::unique_ptr<Vesp_dp_small> m = std::make_unique<Vesp_dp_small>();
  std::mt19937_64 rng{4303};
  std::vector<Slot> model = std::vector<Slot>(kSlots);
  std::set<Bytes> card_ivs;
  std::uint64_t cycles = 0;
  std::uint64_t both_in = 0, both_out = 0;  // cycles with an input (output) beat taken on both directions

  Dp() {
    m->rst_ni = 0;
    m->clear_i = 0;
    idle_inputs();
    tick();
    m->rst_ni = 1;
    wait_not_busy();
  }
  void idle_inputs() {
    m->wr_valid_i = 0;
    m->wr_done_ready_i = 0;
    m->cnt_valid_i = 0;
    m->cnt_res_ready_i = 0;
    m->job_valid_i = 0;
    m->enc_in_valid_i = 0;
    m->dec_in_valid_i = 0;
    m->enc_out_ready_i = 0;
    m->dec_out_ready_i = 0;
    m->enc_res_ready_i = 0;
    m->dec_res_ready_i = 0;
  }
  void tick() {
    m->clk_i = 0;
    m->eval();
    m->clk_i = 1;
    m->eval();
    ++cycles;
  }
  void wait_not_busy() {
    for (int i = 0; i < 100000 && m->busy_o; ++i) tick();
    ASSERT_FALSE(m->busy_o);
  }

  // ---------------- the model ----------------
  std::uint16_t next_gen(int slot) {
    return static_cast<std::uint16_t>(model[static_cast<std::size_t>(slot)].gen + 1);
  }

  Item make_write(int slot, std::uint16_t gen, bool inbound, const Sa& sa, const Limits& lim,
                  bool invalidate = false) {
    Item it;
    it.is_write = true;
    Write& w = it.w;
    w.slot = slot;
    w.gen = gen;
    w.inbound = inbound;
    w.invalidate = invalidate;
    w.sa = sa;
    w.lim = lim;
    w.iv_key = random_bytes(rng, 32);
    if (slot >= kSlots) {
      w.status = kStatusUnknownSa;
    } else {
      Slot& s = model[static_cast<std::size_t>(slot)];
      s = Slot{};
      if (!invalidate) {
        s.valid = true;
        s.inbound = inbound;
        s.gen = gen;
        s.sa = sa;
        s.lim = lim;
      }
    }
    return it;
  }

  // Refusals of the slot itself, then the hard limits (as the soft engine: counts reached).
  std::optional<std::uint8_t> refusal(Job& j) {
    if (j.slot >= kSlots) return kStatusUnknownSa;
    Slot& s = model[static_cast<std::size_t>(j.slot)];
    if (!s.valid || s.inbound != j.dec) return kStatusUnknownSa;
    if (s.gen != j.gen) return kStale;
    if ((s.lim.hard_p != 0 && s.c.packets >= s.lim.hard_p) ||
        (s.lim.hard_b != 0 && s.c.bytes >= s.lim.hard_b)) {
      ++s.c.drops;
      return kHard;
    }
    return std::nullopt;
  }
  void count_ok(Job& j, std::size_t payload) {
    Slot& s = model[static_cast<std::size_t>(j.slot)];
    ++s.c.packets;
    s.c.bytes += payload;
    j.soft = (s.lim.soft_p != 0 && s.c.packets >= s.lim.soft_p) ||
             (s.lim.soft_b != 0 && s.c.bytes >= s.lim.soft_b);
  }

  Item make_outbound(int slot, std::uint16_t gen, std::size_t len, bool card_iv) {
    Item it;
    Job& j = it.j;
    j.slot = slot;
    j.gen = gen;
    j.len = len;
    j.card_iv = card_iv;
    j.seq = rng();
    j.iv = random_bytes(rng, 16);
    j.nh = static_cast<std::uint8_t>(rng());
    j.input = random_bytes(rng, len);
    j.seq_lo = static_cast<std::uint32_t>(j.seq);
    if (auto r = refusal(j)) {
      j.status = *r;
      return it;
    }
    const Sa& sa = model[static_cast<std::size_t>(slot)].sa;
    j.status = kStatusOk;
    j.spi = sa.spi;
    j.res_len = static_cast<std::uint32_t>(driver::esp_packet_length(len, sa.alg));
    if (card_iv) {
      j.open_with = sa;
    } else {
      auto enc = soft(sa, Direction::kOutbound);
      j.out.resize(j.res_len);
      std::size_t n = 0;
      EXPECT_EQ(enc->seal(sa.spi, j.seq, j.iv.data(), j.input, j.nh, j.out, n), EspStatus::kOk);
    }
    count_ok(j, len);
    return it;
  }

  // An inbound job: a packet sealed by the soft engine with the SA's keys, tampered with now and then.
  Item make_inbound(int slot, std::uint16_t gen, std::size_t len, unsigned tamper_pct) {
    Item it;
    Job& j = it.j;
    j.dec = true;
    j.slot = slot;
    j.gen = gen;
    j.seq = rng();
    const Slot& s = model[static_cast<std::size_t>(std::min(slot, kSlots - 1))];
    const Sa& sa = s.sa;
    const bool sa_ok = slot < kSlots && s.valid && !sa.enc_key.empty();
    Bytes esp;
    if (!sa_ok) {
      esp = random_bytes(rng, 64);
    } else {
      const unsigned t = static_cast<unsigned>(rng() % 100);
      if (t < tamper_pct / 4) {
        esp = bad_padding_packet(sa, j.seq, rng, rng() & 1);
      } else {
        const Bytes payload = random_bytes(rng, len);
        auto enc = soft(sa, Direction::kOutbound);
        esp.resize(driver::esp_packet_length(len, sa.alg));
        std::size_t n = 0;
        const Bytes iv = random_bytes(rng, 16);
        EXPECT_EQ(enc->seal(sa.spi, j.seq, iv.data(), payload, static_cast<std::uint8_t>(rng()), esp, n),
                  EspStatus::kOk);
        if (t < tamper_pct * 2 / 4) {
          esp[rng() % esp.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        } else if (t < tamper_pct * 3 / 4) {
          const std::size_t d = 1 + rng() % 15;  // cut or grown: never a whole block
          if ((rng() & 1) && esp.size() > d)
            esp.resize(esp.size() - d);
          else
            esp.resize(esp.size() + d, 0x5a);
        } else if (t < tamper_pct) {
          if (rng() & 1)
            j.seq ^= std::uint64_t{1} << (32 + rng() % 32);  // wrong inferred high half
          else
            esp[rng() % 4] ^= 0x10;  // another SPI
        }
      }
    }
    j.input = esp;
    j.len = esp.size();
    const auto hdr = driver::read_esp_header(esp);
    if (auto r = refusal(j)) {  // refused before the lane: the job's own sequence number comes back
      j.status = *r;
      j.seq_lo = static_cast<std::uint32_t>(j.seq);
      return it;
    }
    j.seq_lo = hdr ? hdr->seq_low : 0;
    auto dec = soft(sa, Direction::kInbound);
    const SoftOpen want = soft_open(*dec, esp, static_cast<std::uint32_t>(j.seq >> 32), sa.spi);
    j.status = want.status;
    j.spi = hdr ? hdr->spi : 0;
    Slot& ms = model[static_cast<std::size_t>(slot)];
    if (want.status == kStatusOk) {
      j.out = want.payload;
      j.res_len = static_cast<std::uint32_t>(want.payload.size());
      j.res_nh = want.nh;
      count_ok(j, want.payload.size());
    } else if (want.status == kStatusIcv) {
      ++ms.c.icv;
    } else if (want.status == kStatusPad) {
      ++ms.c.pad;
    } else if (want.status == kStatusLen) {
      ++ms.c.len;
      j.spi = 0;  // the lane takes no beat: the result carries no header fields
      j.seq_lo = 0;
    }
    return it;
  }

  // ---------------- the bench ----------------
  // A result as one direction's result port shows it.
  struct Res {
    std::uint8_t status = 0, nh = 0, flags = 0;
    std::uint32_t len = 0, spi = 0, seq_lo = 0;
  };
  Res res_of(bool dec) const {
    if (dec)
      return {m->dec_res_status_o, m->dec_res_nh_o,  m->dec_res_flags_o,
              m->dec_res_len_o,    m->dec_res_spi_o, m->dec_res_seq_lo_o};
    return {m->enc_res_status_o, m->enc_res_nh_o,  m->enc_res_flags_o,
            m->enc_res_len_o,    m->enc_res_spi_o, m->enc_res_seq_lo_o};
  }

  // Runs the items in order: jobs handed over on the one job port in script order, each direction fed the way
  // the card adapter feeds the datapath (a job of a direction is handed over once that direction's previous
  // job has taken all its input beats, or its result has come back: a refused job takes no beat), so that the
  // two directions' inputs are fed at the same time; writes when every job handed over so far has been
  // admitted (optionally with outputs held, so jobs are in flight meanwhile). Each direction's output beats
  // and results must come back in that direction's job order. Every port stalls on its own.
  void run(std::vector<Item>& items, unsigned stall_pct) {
    Stalls st{rng, stall_pct};
    std::vector<std::size_t> jobs;         // item index of each job, in order
    std::vector<std::size_t> dir_jobs[2];  // per direction (0 outbound, 1 inbound): job numbers, in order
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!items[i].is_write) {
        dir_jobs[items[i].j.dec ? 1 : 0].push_back(jobs.size());
        jobs.push_back(i);
      }
    std::vector<Bytes> outs(jobs.size());
    std::size_t si = 0, sj = 0, rj[2] = {0, 0};  // sender item, sender job, receiver job per direction
    struct Feeder {
      bool active = false, pend = false;
      std::size_t job = 0, beat = 0;  // job number, beats taken
      std::vector<std::pair<const std::uint8_t*, std::size_t>> beats;
    } feed[2];
    int phase = 0;
    bool job_pend = false, hold = false;
    const std::uint64_t limit = 20000 + 3000 * items.size();
    std::uint64_t cyc = 0;
    for (; cyc < limit && (rj[0] + rj[1] < jobs.size() || si < items.size()); ++cyc) {
      // ---- inputs ----
      m->job_valid_i = 0;
      m->enc_in_valid_i = 0;
      m->dec_in_valid_i = 0;
      m->wr_valid_i = 0;
      m->wr_done_ready_i = 0;
      Item* cur = si < items.size() ? &items[si] : nullptr;
      if (cur && cur->is_write) {
        const Write& w = cur->w;
        if (phase == 1) {
          m->wr_valid_i = 1;
          m->wr_invalidate_i = w.invalidate;
          m->wr_slot_i = static_cast<std::uint16_t>(w.slot);
          m->wr_gen_i = w.gen;
          m->wr_inbound_i = w.inbound;
          m->wr_esn_i = w.sa.esn;
          m->wr_sha256_i = w.sa.sha256();
          m->wr_spi_i = w.sa.spi;
          put(m->wr_enc_key_i, 256, w.sa.enc_key.data(), w.sa.enc_key.size());
          put(m->wr_auth_key_i, 256, w.sa.auth_key.data(), w.sa.auth_key.size());
          put(m->wr_iv_key_i, 256, w.iv_key.data(), 32);
          m->wr_soft_packets_i = w.lim.soft_p;
          m->wr_hard_packets_i = w.lim.hard_p;
          m->wr_soft_bytes_i = w.lim.soft_b;
          m->wr_hard_bytes_i = w.lim.hard_b;
        } else if (phase == 2) {
          m->wr_done_ready_i = st.go();
        }
      } else if (cur && !feed[cur->j.dec ? 1 : 0].active) {
        const Job& j = cur->j;
        m->job_valid_i = job_pend || st.go();
        m->job_decrypt_i = j.dec;
        m->job_slot_i = static_cast<std::uint16_t>(j.slot);
        m->job_gen_i = j.gen;
        m->job_seq_i = j.seq;
        put(m->job_iv_i, 128, j.iv.data(), 16);
        m->job_card_iv_i = j.card_iv;
        m->job_len_i = static_cast<std::uint16_t>(j.len);
        m->job_nh_i = j.nh;
      }
      for (int d = 0; d < 2; ++d) {
        Feeder& f = feed[d];
        if (!f.active) continue;
        const bool v = f.pend || st.go();
        if (d == 0) {
          m->enc_in_valid_i = v;
          put(m->enc_in_data_i, 128, f.beats[f.beat].first, f.beats[f.beat].second);
        } else {
          m->dec_in_valid_i = v;
          put(m->dec_in_data_i, 128, f.beats[f.beat].first, f.beats[f.beat].second);
        }
      }
      m->enc_out_ready_i = !hold && st.go();
      m->dec_out_ready_i = !hold && st.go();
      m->enc_res_ready_i = !hold && st.go();
      m->dec_res_ready_i = !hold && st.go();
      m->clk_i = 0;
      m->eval();
      // ---- handshakes ----
      bool advance = false;
      if (cur && cur->is_write) {
        Write& w = cur->w;
        if (phase == 0 && m->job_ready_o) {  // every job handed over has been admitted
          phase = 1;
          hold = w.hold;
        } else if (phase == 1 && m->wr_ready_o) {
          w.in_flight_at_write = sj - rj[0] - rj[1];
          w.cycles = cyc;
          phase = 2;
        } else if (phase == 2 && m->wr_done_valid_o && !w.done_seen) {
          w.cycles = cyc - w.cycles;
          w.done_seen = true;
        }
        if (phase == 2 && m->wr_done_valid_o && m->wr_done_ready_i) {
          EXPECT_EQ(m->wr_done_status_o, w.status) << "write to slot " << w.slot;
          hold = false;
          advance = true;
        }
      } else if (cur) {
        job_pend = m->job_valid_i && !m->job_ready_o;
        if (m->job_valid_i && m->job_ready_o) {
          if (cur->j.hold_out) hold = true;
          Feeder& f = feed[cur->j.dec ? 1 : 0];
          f.beat = 0;
          f.pend = false;
          f.job = sj;
          f.beats.clear();
          const Bytes& in = cur->j.input;
          if (!cur->j.dec) {
            for (std::size_t o = 0; o < in.size(); o += 16)
              f.beats.emplace_back(in.data() + o, std::min<std::size_t>(16, in.size() - o));
          } else if (in.size() >= 8) {  // header alone, then 16-byte beats (the adapter's framing)
            f.beats.emplace_back(in.data(), 8);
            for (std::size_t o = 8; o < in.size(); o += 16)
              f.beats.emplace_back(in.data() + o, std::min<std::size_t>(16, in.size() - o));
          }
          f.active = !f.beats.empty();
          advance = true;
        }
      }
      if (m->enc_in_valid_i && m->enc_in_ready_o && m->dec_in_valid_i && m->dec_in_ready_o) ++both_in;
      if (m->enc_out_valid_o && m->enc_out_ready_i && m->dec_out_valid_o && m->dec_out_ready_i) ++both_out;
      for (int d = 0; d < 2; ++d) {
        Feeder& f = feed[d];
        if (!f.active) continue;
        const bool v = d == 0 ? m->enc_in_valid_i : m->dec_in_valid_i;
        const bool r = d == 0 ? m->enc_in_ready_o : m->dec_in_ready_o;
        f.pend = v && !r;
        if (v && r && ++f.beat == f.beats.size()) f.active = false;
      }
      for (int d = 0; d < 2; ++d) {
        const std::vector<std::size_t>& dj = dir_jobs[d];
        const bool ov = d == 0 ? m->enc_out_valid_o : m->dec_out_valid_o;
        const bool orr = d == 0 ? m->enc_out_ready_i : m->dec_out_ready_i;
        if (ov && orr) {
          EXPECT_LT(rj[d], dj.size()) << "output beat with no job, direction " << d;
          if (rj[d] < dj.size()) {
            if (d == 0)
              get(m->enc_out_data_o, 128, m->enc_out_nbytes_o, outs[dj[rj[d]]]);
            else
              get(m->dec_out_data_o, 128, m->dec_out_nbytes_o, outs[dj[rj[d]]]);
          }
        }
        const bool rv = d == 0 ? m->enc_res_valid_o : m->dec_res_valid_o;
        const bool rr = d == 0 ? m->enc_res_ready_i : m->dec_res_ready_i;
        if (rv && rr) {
          EXPECT_LT(rj[d], dj.size()) << "result with no job, direction " << d;
          if (rj[d] >= dj.size()) break;
          const std::size_t n = dj[rj[d]];
          check_result(items[jobs[n]].j, res_of(d == 1), outs[n], n);
          // a job whose result is back while its input is still being fed was refused: it took no beat
          Feeder& f = feed[d];
          if (f.active && f.job == n) {
            EXPECT_EQ(f.beat, 0u) << "job " << n << " took beats and gave a result before the rest";
            f.active = false;
          }
          ++rj[d];
        }
      }
      if (HasFailure()) break;
      if (advance) {
        if (!cur->is_write) ++sj;
        ++si;
        phase = 0;
        job_pend = false;
      }
      m->clk_i = 1;
      m->eval();
      ++cycles;
    }
    EXPECT_EQ(rj[0] + rj[1], jobs.size()) << "datapath hung after " << cyc << " cycles";
    idle_inputs();
  }

  void check_result(const Job& j, const Res& r, const Bytes& out, std::size_t n) {
    EXPECT_EQ(r.status, j.status) << "job " << n << (j.dec ? " inbound" : " outbound") << " slot " << j.slot;
    if (!j.soft_any) {
      EXPECT_EQ((r.flags & 1) != 0, j.soft) << "soft flag, job " << n;
    }
    EXPECT_EQ(r.flags & 0xfe, 0);
    if (r.status != j.status) return;
    EXPECT_EQ(r.spi, j.spi) << "job " << n;
    EXPECT_EQ(r.seq_lo, j.seq_lo) << "job " << n;
    if (j.status != kStatusOk) {
      EXPECT_TRUE(out.empty()) << "a failed job released bytes, job " << n;
      EXPECT_EQ(r.len, 0u);
      return;
    }
    EXPECT_EQ(r.len, j.res_len) << "job " << n;
    if (j.dec) {
      EXPECT_EQ(r.nh, j.res_nh) << "job " << n;
    } else {
      EXPECT_EQ(r.nh, 0) << "job " << n;
    }
    if (j.open_with) {  // card IV: must open with the soft engine, using the IV in the packet
      ASSERT_EQ(out.size(), j.res_len);
      auto dec = soft(*j.open_with, Direction::kInbound);
      const SoftOpen o = soft_open(*dec, out, static_cast<std::uint32_t>(j.seq >> 32), j.open_with->spi);
      EXPECT_EQ(o.status, kStatusOk) << "card-IV packet does not open, job " << n;
      EXPECT_EQ(o.payload, j.input);
      EXPECT_EQ(o.nh, j.nh);
      const Bytes iv(out.begin() + 8, out.begin() + 24);
      EXPECT_TRUE(card_ivs.insert(iv).second) << "card IV repeated, job " << n;
      const auto hdr = driver::read_esp_header(out);
      ASSERT_TRUE(hdr);
      EXPECT_EQ(hdr->spi, j.open_with->spi);
      EXPECT_EQ(hdr->seq_low, j.seq_lo);
    } else {
      EXPECT_EQ(out, j.out) << "job " << n << (j.dec ? " inbound" : " outbound") << " len " << j.len;
    }
  }

  // Reads every slot's counters (and one out of range) and compares them with the model.
  void check_counters() {
    for (int slot = 0; slot <= kSlots; ++slot) {
      m->cnt_valid_i = 1;
      m->cnt_slot_i = static_cast<std::uint16_t>(slot == kSlots ? kSlots + 7 : slot);
      bool sent = false, got = false;
      for (int cyc = 0; cyc < 200 && !got; ++cyc) {
        m->cnt_res_ready_i = rng() & 1;
        m->clk_i = 0;
        m->eval();
        if (!sent && m->cnt_valid_i && m->cnt_ready_o) {
          sent = true;
        }
        if (m->cnt_res_valid_o && m->cnt_res_ready_i) {
          got = true;
          if (slot == kSlots) {
            EXPECT_EQ(m->cnt_res_status_o, kStatusUnknownSa);
            EXPECT_FALSE(m->cnt_slot_valid_o);
          } else {
            const Slot& s = model[static_cast<std::size_t>(slot)];
            EXPECT_EQ(m->cnt_res_status_o, kStatusOk);
            EXPECT_EQ(m->cnt_slot_valid_o, s.valid) << "slot " << slot;
            EXPECT_EQ(m->cnt_gen_o, s.valid ? s.gen : 0) << "slot " << slot;
            const Counters c{m->cnt_packets_o,      m->cnt_bytes_o,        m->cnt_icv_failures_o,
                             m->cnt_pad_failures_o, m->cnt_len_failures_o, m->cnt_limit_drops_o};
            EXPECT_EQ(c.packets, s.c.packets) << "slot " << slot;
            EXPECT_EQ(c.bytes, s.c.bytes) << "slot " << slot;
            EXPECT_EQ(c.icv, s.c.icv) << "slot " << slot;
            EXPECT_EQ(c.pad, s.c.pad) << "slot " << slot;
            EXPECT_EQ(c.len, s.c.len) << "slot " << slot;
            EXPECT_EQ(c.drops, s.c.drops) << "slot " << slot;
          }
        }
        m->clk_i = 1;
        m->eval();
        if (sent) m->cnt_valid_i = 0;
      }
      EXPECT_TRUE(got) << "counter read hung";
      m->cnt_valid_i = 0;
      m->cnt_res_ready_i = 0;
    }
  }

  std::size_t random_len() {
    static constexpr std::size_t edges[] = {0, 1, 13, 14, 15, 16, 17, 30, 31, 32, 33, 46, 47, 48, 1400, 2000};
    return (rng() % 4 == 0) ? edges[rng() % std::size(edges)] : rng() % 2001;
  }

  // The random mix used by several tests. pairs: SA pairs (slot 2i outbound, 2i + 1 inbound, same keys).
  std::vector<Item> random_script(std::size_t n_jobs, int pairs, const std::vector<Limits>& limits,
                                  bool rekeys, unsigned card_iv_pct) {
    std::vector<Item> items;
    std::vector<Sa> sas;
    for (int i = 0; i < pairs; ++i) {
      sas.push_back(random_sa(rng));
      const Limits lim = limits.empty() ? Limits{} : limits[static_cast<std::size_t>(i) % limits.size()];
      const auto g = static_cast<std::uint16_t>(rng());
      items.push_back(make_write(2 * i, g, false, sas.back(), lim));
      items.push_back(make_write(2 * i + 1, g, true, sas.back(), lim));
    }
    for (std::size_t n = 0; n < n_jobs; ++n) {
      const int i = static_cast<int>(rng() % static_cast<unsigned>(pairs));
      if (rekeys && rng() % 60 == 0) {  // rekey a pair while its jobs are in flight
        sas[static_cast<std::size_t>(i)] = random_sa(rng);
        const std::uint16_t old = model[static_cast<std::size_t>(2 * i)].gen;
        const auto g = static_cast<std::uint16_t>(old + 1);
        for (int k = 0; k < 2; ++k) {
          // jobs of the old generation still in flight count for nothing and carry no soft flag
          int marked = 0;
          for (auto it = items.rbegin(); it != items.rend() && marked < 2 * kDepth; ++it)
            if (!it->is_write && it->j.slot == 2 * i + k) {
              it->j.soft_any = true;
              ++marked;
            }
          items.push_back(make_write(2 * i + k, g, k == 1, sas[static_cast<std::size_t>(i)],
                                     model[static_cast<std::size_t>(2 * i + k)].lim));
          items.back().w.hold = rng() & 1;
        }
        items.push_back(make_outbound(2 * i, old, 10, false));  // the old generation: STALE_SA
        continue;
      }
      const unsigned kind = static_cast<unsigned>(rng() % 100);
      if (kind < 45) {
        items.push_back(make_outbound(2 * i, model[static_cast<std::size_t>(2 * i)].gen, random_len(),
                                      rng() % 100 < card_iv_pct));
      } else if (kind < 90) {
        items.push_back(
            make_inbound(2 * i + 1, model[static_cast<std::size_t>(2 * i + 1)].gen, random_len(), 40));
      } else if (kind < 93) {
        items.push_back(make_outbound(2 * i + 1, model[static_cast<std::size_t>(2 * i + 1)].gen, 20,
                                      false));  // wrong direction
      } else if (kind < 96) {
        items.push_back(make_outbound(
            2 * i, static_cast<std::uint16_t>(model[static_cast<std::size_t>(2 * i)].gen ^ 0x8001), 20,
            false));
      } else {
        items.push_back(
            make_outbound(2 * pairs + static_cast<int>(rng() % 40), 0, 20, false));  // empty or out of range
      }
    }
    return items;
  }
};

TEST_F(Dp, RandomTrafficBitExactWithStallsAndRekeys) {
  const char* env = std::getenv("HUBSEC_DP_PACKETS");
  const std::size_t n = env ? std::strtoull(env, nullptr, 10) : 600;
  auto items = random_script(n, 6, {}, true, 30);
  run(items, 30);
  std::size_t stale = 0, refused = 0, in_flight_rekeys = 0;
  std::map<std::uint8_t, std::size_t> statuses;
  for (const auto& it : items) {
    if (it.is_write) {
      if (it.w.in_flight_at_write > 0) ++in_flight_rekeys;
      continue;
    }
    ++statuses[it.j.status];
    if (it.j.status == kStale) ++stale;
    if (it.j.status == kStatusUnknownSa || it.j.status == kStale) ++refused;
  }
  EXPECT_GT(statuses[kStatusOk], n / 2);
  EXPECT_GT(statuses[kStatusIcv], 5u);
  EXPECT_GT(statuses[kStatusPad], 2u);
  EXPECT_GT(statuses[kStatusLen], 2u);
  EXPECT_GT(refused, 20u);
  EXPECT_GT(card_ivs.size(), n / 10);
  if (n >= 200) {
    EXPECT_GT(in_flight_rekeys, 0u);
  }
  // the two directions' ports run at the same time
  EXPECT_GT(both_in, n / 10);
  EXPECT_GT(both_out, n / 10);
  check_counters();
  std::printf(
      "[ dp ] %zu jobs, %llu cycles, %zu card IVs, %zu rekeys with jobs in flight; %llu / %llu cycles with "
      "input / output beats on both directions\n",
      n, static_cast<unsigned long long>(cycles), card_ivs.size(), in_flight_rekeys,
      static_cast<unsigned long long>(both_in), static_cast<unsigned long long>(both_out));
}

TEST_F(Dp, NoStallsBackToBack) {
  auto items = random_script(100, 3, {}, false, 50);
  run(items, 0);
  check_counters();
}

TEST_F(Dp, HardAndSoftLimitsExactWithJobsInFlight) {
  // packets, bytes, both, none; jobs back to back so that many of one slot are in flight at the limit
  const std::vector<Limits> lims = {{4, 7, 0, 0}, {0, 0, 3000, 9000}, {2, 0, 0, 4000}, {0, 12, 2500, 0}};
  auto items = random_script(400, 4, lims, false, 20);
  run(items, 10);
  std::size_t hard = 0, soft = 0;
  for (const auto& it : items) {
    if (it.is_write) continue;
    if (it.j.status == kHard) ++hard;
    if (it.j.soft) ++soft;
  }
  EXPECT_GT(hard, 100u);
  EXPECT_GT(soft, 10u);
  check_counters();
  // a rewrite of the slot starts its counts again
  items.clear();
  items.push_back(make_write(0, next_gen(0), false, random_sa(rng), {1, 2, 0, 0}));
  for (int i = 0; i < 4; ++i) items.push_back(make_outbound(0, model[0].gen, 100, i & 1));
  run(items, 30);
  EXPECT_EQ(items[1].j.status, kStatusOk);
  EXPECT_TRUE(items[1].j.soft);
  EXPECT_EQ(items[3].j.status, kHard);
  check_counters();
}

TEST_F(Dp, SlotRewrittenWhileOldPacketsAreInFlight) {
  const Sa a = random_sa(rng);
  Sa b = random_sa(rng);
  while (b.sha256() == a.sha256()) b = random_sa(rng);  // one write of each algorithm
  std::vector<Item> items;
  items.push_back(make_write(3, 10, false, a, {}));
  items.push_back(make_write(4, 10, true, a, {}));
  for (int i = 0; i < 6; ++i) {
    items.push_back(make_outbound(3, 10, 600 + 16 * static_cast<std::size_t>(i), i == 5));
    items.push_back(make_inbound(4, 10, 500, 0));
  }
  items[2].j.hold_out = true;  // all twelve stay in flight until the rewrite, whatever the lanes' speed
  // rewrite both slots with new keys while those jobs are in flight (outputs held meanwhile)
  items.push_back(make_write(3, 11, false, b, {}));
  items.back().w.hold = true;
  items.push_back(make_write(4, 11, true, b, {}));
  items.back().w.hold = true;
  items.push_back(make_outbound(3, 10, 100, false));  // old generation: stale
  items.push_back(make_inbound(4, 10, 100, 0));       // (sealed with the new keys; refused before anything)
  items.push_back(make_outbound(3, 11, 100, false));  // new keys
  items.push_back(make_inbound(4, 11, 100, 0));
  run(items, 20);
  EXPECT_GE(items[14].w.in_flight_at_write, 6u) << "the rewrite did not overlap the old jobs";
  EXPECT_EQ(items[16].j.status, kStale);
  EXPECT_EQ(items[17].j.status, kStale);
  EXPECT_EQ(items[18].j.status, kStatusOk);
  EXPECT_EQ(items[19].j.status, kStatusOk);
  check_counters();
  std::printf("[ dp ] SA write to wr_done: %llu cycles (%s), %llu (%s); %zu jobs in flight at the rewrite\n",
              static_cast<unsigned long long>(items[0].w.cycles), a.sha256() ? "SHA-256" : "SHA-1",
              static_cast<unsigned long long>(items[14].w.cycles), b.sha256() ? "SHA-256" : "SHA-1",
              items[14].w.in_flight_at_write);
}

TEST_F(Dp, EveryStatusAndInvalidateWipes) {
  const Sa a = random_sa(rng);
  std::vector<Item> items;
  items.push_back(make_write(0, 1, false, a, {0, 3, 0, 0}));
  items.push_back(make_write(1, 1, true, a, {}));
  items.push_back(make_write(kSlots + 3, 1, false, a, {}));                     // UNKNOWN_SA write
  for (int i = 0; i < 4; ++i) items.push_back(make_outbound(0, 1, 40, false));  // OK x3, HARD_LIMIT
  items.push_back(make_outbound(0, 2, 40, false));                              // STALE_SA
  items.push_back(make_outbound(1, 1, 40, false));                              // UNKNOWN_SA: direction
  items.push_back(make_outbound(kSlots + 1, 1, 40, false));                     // UNKNOWN_SA: range
  items.push_back(make_outbound(5, 0, 40, false));                              // UNKNOWN_SA: empty slot
  items.push_back(make_inbound(1, 1, 64, 0));                                   // OK
  // ICV_MISMATCH, BAD_PADDING, BAD_LENGTH, UNKNOWN_SA (SPI), built explicitly
  auto inbound_with = [&](Bytes esp, std::uint64_t seq) {
    Item it;
    it.j.dec = true;
    it.j.slot = 1;
    it.j.gen = 1;
    it.j.seq = seq;
    it.j.input = esp;
    it.j.len = esp.size();
    auto dec = soft(a, Direction::kInbound);
    const SoftOpen want = soft_open(*dec, esp, static_cast<std::uint32_t>(seq >> 32), a.spi);
    it.j.status = want.status;
    const auto hdr = driver::read_esp_header(esp);
    it.j.spi = want.status == kStatusLen ? 0 : hdr->spi;
    it.j.seq_lo = want.status == kStatusLen ? 0 : hdr->seq_low;
    if (want.status == kStatusIcv) ++model[1].c.icv;
    if (want.status == kStatusPad) ++model[1].c.pad;
    if (want.status == kStatusLen) ++model[1].c.len;
    return it;
  };
  auto sealed = [&](std::uint64_t seq) {
    auto enc = soft(a, Direction::kOutbound);
    const Bytes payload = random_bytes(rng, 50), iv = random_bytes(rng, 16);
    Bytes esp(driver::esp_packet_length(50, a.alg));
    std::size_t n = 0;
    EXPECT_EQ(enc->seal(a.spi, seq, iv.data(), payload, 6, esp, n), EspStatus::kOk);
    return esp;
  };
  Bytes e = sealed(77);
  e[30] ^= 1;
  items.push_back(inbound_with(e, 77));
  items.push_back(inbound_with(bad_padding_packet(a, 78, rng, false), 78));
  items.push_back(inbound_with(bad_padding_packet(a, 79, rng, true), 79));
  e = sealed(80);
  e.pop_back();
  items.push_back(inbound_with(e, 80));
  e = sealed(81);
  e[0] ^= 0x80;
  items.push_back(inbound_with(e, 81));
  run(items, 0);
  const std::vector<std::uint8_t> want = {
      0, 0,          0,          kHard,      kStale,     kStatusUnknownSa, kStatusUnknownSa, kStatusUnknownSa,
      0, kStatusIcv, kStatusPad, kStatusPad, kStatusLen, kStatusUnknownSa};
  std::vector<std::uint8_t> got;
  for (const auto& it : items)
    if (!it.is_write) got.push_back(it.j.status);
  EXPECT_EQ(got, want) << "the script does not provoke every status";
  check_counters();

  // invalidate: the slot's key material and counters are zero in the RAMs, jobs are UNKNOWN_SA
  items.clear();
  items.push_back(make_write(0, 0, false, a, {}, true));
  items.push_back(make_outbound(0, 1, 40, false));
  run(items, 0);
  EXPECT_EQ(items[1].j.status, kStatusUnknownSa);
  check_counters();
  const auto& kmem = m->rootp->esp_datapath__DOT__u_table__DOT__kmem_q;
  const auto& cmem = m->rootp->esp_datapath__DOT__u_table__DOT__cmem_q;
  const auto zero = [](const auto& wide) {
    for (const auto w : wide.m_storage)
      if (w != 0) return false;
    return true;
  };
  EXPECT_TRUE(zero(kmem[0])) << "key RAM not wiped";
  EXPECT_TRUE(zero(cmem[0])) << "counter RAM not wiped";
  EXPECT_FALSE(zero(kmem[1])) << "(the peek must see a live slot)";

  // clear_i wipes every slot
  m->clear_i = 1;
  tick();
  m->clear_i = 0;
  wait_not_busy();
  for (int s = 0; s < kSlots; ++s) {
    EXPECT_TRUE(zero(kmem[static_cast<std::size_t>(s)])) << "slot " << s;
    EXPECT_TRUE(zero(cmem[static_cast<std::size_t>(s)])) << "slot " << s;
  }
  model = std::vector<Slot>(kSlots);
  check_counters();
}

// clear_i (a card reset) in the middle of traffic: jobs half fed, outputs held, a slot write in key prep.
// Afterwards every slot is empty and the datapath works as new.
TEST_F(Dp, ClearInTheMiddleOfTraffic) {
  const Sa a = random_sa(rng);
  std::vector<Item> items;
  items.push_back(make_write(0, 5, false, a, {}));
  items.push_back(make_write(1, 5, true, a, {}));
  run(items, 0);
  // jobs in, some beats, nothing taken out; an SA write started
  const Bytes payload = random_bytes(rng, 200), iv = random_bytes(rng, 16);
  idle_inputs();
  int jobs = 0;
  for (int cyc = 0; cyc < 400; ++cyc) {
    m->job_valid_i = jobs < 6;
    m->job_decrypt_i = 0;
    m->job_slot_i = 0;
    m->job_gen_i = 5;
    m->job_seq_i = 9;
    put(m->job_iv_i, 128, iv.data(), 16);
    m->job_card_iv_i = jobs & 1;
    m->job_len_i = 200;
    m->job_nh_i = 4;
    m->enc_in_valid_i = 1;
    put(m->enc_in_data_i, 128, payload.data() + 16 * (cyc % 12), 16);
    m->wr_valid_i = cyc == 300;
    m->wr_invalidate_i = 0;
    m->wr_slot_i = 2;
    m->wr_gen_i = 1;
    m->clk_i = 0;
    m->eval();
    if (m->job_valid_i && m->job_ready_o) ++jobs;
    m->clk_i = 1;
    m->eval();
  }
  idle_inputs();
  EXPECT_GT(jobs, 2);
  EXPECT_TRUE(m->busy_o);
  m->clear_i = 1;
  tick();
  m->clear_i = 0;
  ASSERT_NO_FATAL_FAILURE(wait_not_busy());
  m->clk_i = 0;
  m->eval();
  EXPECT_FALSE(m->enc_out_valid_o);
  EXPECT_FALSE(m->enc_res_valid_o);
  EXPECT_FALSE(m->dec_out_valid_o);
  EXPECT_FALSE(m->dec_res_valid_o);
  EXPECT_FALSE(m->wr_done_valid_o);
  model = std::vector<Slot>(kSlots);
  check_counters();
  items = random_script(60, 2, {}, false, 40);
  run(items, 20);
  check_counters();
}

// Cycles per job through the whole datapath, fed the way the card adapter feeds it (the next job once the
// current one's input is taken), no stalls, one SA pair: printed for docs/rtl-esp.md (CI configuration: AES
// UNROLL = 2, so long packets are bound by the AES ring; short ones show the per-job overhead).
TEST_F(Dp, CyclesPerJob) {
  std::vector<Item> items;
  const Sa a = random_sa(rng);
  items.push_back(make_write(0, 1, false, a, {}));
  items.push_back(make_write(1, 1, true, a, {}));
  run(items, 0);
  for (const std::size_t len : {64u, 512u, 1400u}) {
    for (int mode = 0; mode < 3; ++mode) {  // outbound job IV, outbound card IV, inbound
      items.clear();
      for (int i = 0; i < 16; ++i)
        items.push_back(mode == 2 ? make_inbound(1, 1, len, 0) : make_outbound(0, 1, len, mode == 1));
      const std::uint64_t c0 = cycles;
      run(items, 0);
      const double per_job = static_cast<double>(cycles - c0) / 16.0;
      std::printf("[ dp ] %4zu-byte payload, %-20s %7.1f cycles/job, %5.2f payload bytes/cycle\n", len,
                  mode == 0   ? "outbound, job IV:"
                  : mode == 1 ? "outbound, card IV:"
                              : "inbound:",
                  per_job, static_cast<double>(len) / per_job);
    }
  }
}

}  // namespace
}  // namespace hubsec::rtltest
