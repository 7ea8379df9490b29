// esp_datapath (SA table + both lanes) against the soft engine: SAs installed through the table's write
// port, jobs naming slot and generation; random packets both ways bit-exact with random stalls and
// tampering; refusals for stale generations, unknown and invalidated slots, the wrong direction; a slot
// rewritten with new keys serves the new generation only.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "Vesp_dp_small.h"
#include "esp_bench.hpp"

namespace hubsec::rtltest {
namespace {

constexpr std::uint8_t kStatusUnknown = 0x03, kStatusStale = 0x04;
constexpr int kSlots = 16;  // SLOTS of the model (CMakeLists.txt)

struct Dp : ::testing::Test {
  Dp() {
    m->rst_ni = 0;
    m->clear_i = 0;
    m->wr_valid_i = 0;
    m->job_valid_i = 0;
    m->in_valid_i = 0;
    tick();
    m->rst_ni = 1;
    for (int i = 0; i < 4 * kSlots && m->busy_o; ++i) tick();
  }
  void tick() {
    m->clk_i = 0;
    m->eval();
    m->clk_i = 1;
    m->eval();
  }
  void write_sa(int slot, std::uint16_t gen, const Sa& sa, bool inbound, bool invalidate = false) {
    m->wr_valid_i = 1;
    m->wr_invalidate_i = invalidate;
    m->wr_slot_i = static_cast<std::uint16_t>(slot);
    m->wr_gen_i = gen;
    m->wr_inbound_i = inbound;
    m->wr_esn_i = sa.esn;
    m->wr_sha256_i = sa.sha256();
    m->wr_spi_i = sa.spi;
    put(m->wr_key_i, 256, sa.enc_key.data(), 32);
    put(m->wr_istate_i, 256, sa.states.inner.data(), 32);
    put(m->wr_ostate_i, 256, sa.states.outer.data(), 32);
    m->clk_i = 0;
    m->eval();
    ASSERT_TRUE(m->wr_ready_o);
    m->clk_i = 1;
    m->eval();
    m->wr_valid_i = 0;
  }

  struct Result {
    std::uint8_t status = 0xff;
    Bytes out;
    std::uint32_t len = 0;
    std::uint8_t nh = 0;
    std::size_t beats_taken = 0;
  };
  // beats: what the job sends (payload beats outbound, framed ESP beats inbound); none for a refused job.
  Result run(bool decrypt, int slot, std::uint16_t gen, std::uint64_t seq, const Bytes& iv, std::size_t len,
             std::uint8_t nh, const std::vector<std::pair<const std::uint8_t*, std::size_t>>& beats,
             Stalls st) {
    m->job_decrypt_i = decrypt;
    m->job_slot_i = static_cast<std::uint16_t>(slot);
    m->job_gen_i = gen;
    m->job_seq_i = seq;
    put(m->job_iv_i, 128, iv.data(), 16);
    m->job_len_i = static_cast<std::uint16_t>(len);
    m->job_nh_i = nh;
    Result r;
    bool sent = false, done = false, pending = false;
    std::size_t beat = 0;
    for (std::uint64_t cyc = 0; cyc < kCycleLimit && !done; ++cyc) {
      m->job_valid_i = !sent;
      m->in_valid_i = beat < beats.size() && (pending || st.go());
      if (beat < beats.size()) put(m->in_data_i, 128, beats[beat].first, beats[beat].second);
      m->out_ready_i = st.go();
      m->res_ready_i = st.go();
      m->clk_i = 0;
      m->eval();
      if (m->job_valid_i && m->job_ready_o) sent = true;
      pending = m->in_valid_i && !m->in_ready_o;
      if (m->in_valid_i && m->in_ready_o) ++beat;
      if (m->out_valid_o && m->out_ready_i) get(m->out_data_o, 128, m->out_nbytes_o, r.out);
      if (m->res_valid_o && m->res_ready_i) {
        r.status = m->res_status_o;
        r.len = m->res_len_o;
        r.nh = m->res_nh_o;
        done = true;
      }
      m->clk_i = 1;
      m->eval();
    }
    EXPECT_TRUE(done) << "datapath hung";
    r.beats_taken = beat;
    return r;
  }
  static std::vector<std::pair<const std::uint8_t*, std::size_t>> payload_beats(const Bytes& p) {
    std::vector<std::pair<const std::uint8_t*, std::size_t>> b;
    for (std::size_t o = 0; o < p.size(); o += 16)
      b.emplace_back(p.data() + o, std::min<std::size_t>(16, p.size() - o));
    return b;
  }
  std::unique_ptr<Vesp_dp_small> m = std::make_unique<Vesp_dp_small>();
};

TEST_F(Dp, SlotsGenerationsAndPacketsBitExact) {
  std::mt19937_64 rng(99);
  // slot 2i: outbound, slot 2i + 1: inbound, same keys
  std::vector<Sa> sas;
  std::vector<std::uint16_t> gens;
  for (int i = 0; i < kSlots / 2; ++i) {
    sas.push_back(random_sa(rng));
    gens.push_back(static_cast<std::uint16_t>(rng()));
    write_sa(2 * i, gens[i], sas[i], false);
    write_sa(2 * i + 1, gens[i], sas[i], true);
  }
  int refused = 0;
  for (int n = 0; n < 200; ++n) {
    const int i = static_cast<int>(rng() % sas.size());
    if (n % 25 == 24) {  // rekey: new keys and generation in both slots; the old generation is refused
      const std::uint16_t old_gen = gens[i];
      sas[i] = random_sa(rng);
      gens[i] = static_cast<std::uint16_t>(old_gen + 1);
      write_sa(2 * i, gens[i], sas[i], false);
      write_sa(2 * i + 1, gens[i], sas[i], true);
      Stalls st{rng, 0};
      const Bytes iv(16, 1);
      EXPECT_EQ(run(false, 2 * i, old_gen, 1, iv, 10, 4, {}, st).status, kStatusStale);
      ++refused;
    }
    const Sa& sa = sas[i];
    const std::size_t len = rng() % 2001;
    const Bytes payload = random_bytes(rng, len), iv = random_bytes(rng, 16);
    const std::uint64_t seq = rng();
    const auto nh = static_cast<std::uint8_t>(rng());
    Stalls st{rng, 30};
    auto enc = soft(sa, Direction::kOutbound);
    Bytes ref(driver::esp_packet_length(len, sa.alg));
    std::size_t ref_len = 0;
    ASSERT_EQ(enc->seal(sa.spi, seq, iv.data(), payload, nh, ref, ref_len), EspStatus::kOk);
    const Result o = run(false, 2 * i, gens[i], seq, iv, len, nh, payload_beats(payload), st);
    EXPECT_EQ(o.status, kStatusOk);
    ASSERT_EQ(o.out, ref) << "packet " << n;
    EXPECT_EQ(o.len, ref_len);

    Bytes esp = ref;
    if (rng() % 4 == 0) esp[rng() % esp.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    auto dec = soft(sa, Direction::kInbound);
    const SoftOpen want = soft_open(*dec, esp, static_cast<std::uint32_t>(seq >> 32), sa.spi);
    const Result r = run(true, 2 * i + 1, gens[i], seq, iv, esp.size(), 0,
                         inbound_beats(esp, driver::icv_bytes(sa.alg)), st);
    EXPECT_EQ(r.status, want.status) << "packet " << n;
    if (want.status == kStatusOk) {
      EXPECT_EQ(r.out, want.payload);
      EXPECT_EQ(r.nh, want.nh);
    } else {
      EXPECT_TRUE(r.out.empty());
    }

    // refusals take no beat and give no output
    const unsigned kind = static_cast<unsigned>(rng() % 4);
    Result x;
    if (kind == 0) {
      x = run(true, 2 * i, gens[i], seq, iv, esp.size(), 0, {}, st);  // inbound job on an outbound slot
      EXPECT_EQ(x.status, kStatusUnknown);
    } else if (kind == 1) {
      x = run(false, kSlots + static_cast<int>(rng() % 100), 0, seq, iv, 10, 0, {}, st);  // out of range
      EXPECT_EQ(x.status, kStatusUnknown);
    } else if (kind == 2) {
      x = run(false, 2 * i, static_cast<std::uint16_t>(gens[i] ^ (1u + rng() % 0xfffe)), seq, iv, 10, 0, {},
              st);
      EXPECT_EQ(x.status, kStatusStale);
    }
    if (kind < 3) {
      EXPECT_TRUE(x.out.empty());
      ++refused;
    }
    if (HasFailure()) return;
  }
  // an invalidated slot is unknown, and stays so for any generation
  write_sa(0, 0, sas[0], false, true);
  Stalls st{rng, 0};
  const Bytes iv(16, 2);
  EXPECT_EQ(run(false, 0, gens[0], 1, iv, 10, 0, {}, st).status, kStatusUnknown);
  EXPECT_EQ(run(false, 0, 0, 1, iv, 10, 0, {}, st).status, kStatusUnknown);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace hubsec::rtltest
