// Verilator bench for the multi-context SHA / HMAC engine (hmac_sha1 / hmac_sha256 tops).
// Every expected value is computed by OpenSSL EVP at test time; the typed FIPS 180 / RFC 2202 / RFC 4231
// vectors are checked against OpenSSL and against the RTL. Compiled once per Verilated model (see
// CMakeLists.txt): SHA_ALG selects SHA-1 or SHA-256, SHA_FULL the shipping configuration (64 contexts; the
// ESP lanes' unit counts in the low-latency mode), SHA_LOWLAT the low-latency core (two rounds per unit).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include SHA_MODEL_HEADER
#include "verilated.h"
#pragma GCC diagnostic pop

namespace {

using Bytes = std::vector<uint8_t>;
using Model = SHA_MODEL;

constexpr bool kSha1 = SHA_ALG == 1;
constexpr bool kLowLat = SHA_LOWLAT != 0;
constexpr uint64_t kRounds = kSha1 ? 80 : 64;
// One block through the engine, from its last beat's handshake to out_valid_o: the core (default: 2*ROUNDS
// + 3, low-latency: ROUNDS/2 + 2) plus the engine's path into it (default 4: buffer, group choice, final
// choice with the pick, issue; low-latency 2: the fast issue register with the pick, issue). Each further
// block of a lone message takes the same from its previous block's result (docs/rtl-crypto.md).
constexpr uint64_t kBlockLatency = kLowLat ? kRounds / 2 + 4 : 2 * kRounds + 7;
constexpr size_t kStateBytes = kSha1 ? 20 : 32;
constexpr int kOpHash = 0, kOpHmac = 1, kOpKeyprep = 2;

// ---------------- OpenSSL reference ----------------

const EVP_MD* Md() {
  return kSha1 ? EVP_sha1() : EVP_sha256();
}

Bytes RefHash(const Bytes& msg) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(msg.data(), msg.size(), out.data(), &len, Md(), nullptr), 1);
  out.resize(len);
  return out;
}

Bytes RefHmac(const Bytes& key, const Bytes& msg) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                        EVP_MAC_free);
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac.get()), EVP_MAC_CTX_free);
  char digest_name[16];
  snprintf(digest_name, sizeof digest_name, "%s", kSha1 ? "SHA1" : "SHA256");
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  static const uint8_t kEmpty = 0;
  EXPECT_EQ(EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : key.data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx.get(), msg.data(), msg.size()), 1);
  Bytes out(EVP_MAX_MD_SIZE);
  size_t len = 0;
  EXPECT_EQ(EVP_MAC_final(ctx.get(), out.data(), &len, out.size()), 1);
  out.resize(len);
  return out;
}

Bytes FromHex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

Bytes FromText(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

std::string ToHex(const Bytes& b) {
  std::string s;
  char buf[3];
  for (uint8_t v : b) {
    snprintf(buf, sizeof buf, "%02x", v);
    s += buf;
  }
  return s;
}

// ---------------- port access ----------------

// Writes big-endian bytes into a Verilated port of nbytes*8 bits (byte 0 in the top bits).
template <typename W>
void SetWide(W& port, const uint8_t* bytes, size_t nbytes) {
  for (size_t w = 0; w < (nbytes + 3) / 4; ++w) port[w] = 0;
  for (size_t k = 0; k < nbytes; ++k) {
    size_t off = (nbytes - 1 - k) * 8;
    port[off / 32] |= static_cast<uint32_t>(bytes[k]) << (off % 32);
  }
}

template <typename W>
Bytes GetWide(const W& port, size_t nbytes) {
  Bytes out(nbytes);
  for (size_t k = 0; k < nbytes; ++k) {
    size_t off = (nbytes - 1 - k) * 8;
    out[k] = static_cast<uint8_t>(port[off / 32] >> (off % 32));
  }
  return out;
}

// ---------------- the driver ----------------

struct Job {
  int ctx = 0;
  int op = kOpHash;
  Bytes msg;
  Bytes istate, ostate;  // for kOpHmac
  // filled by the run
  bool done = false;
  Bytes got_digest, got_ostate;
};

struct Stalls {
  double in_idle = 0.0;      // probability of presenting nothing on a cycle
  double out_stall = 0.0;    // probability of out_ready_i low
  double early_first = 0.0;  // probability of presenting a first beat while the context is still busy
  double blind = 0.0;        // probability of picking a context without looking at in_space_o
};

class Engine {
 public:
  Engine() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(true);
    m_ = std::make_unique<Model>(ctx_.get());
    num_ctx_ = 1 << (sizeof(m_->in_ctx_i) * 8 >= 8 ? CtxBits() : 0);
    m_->clk_i = 0;
    m_->rst_ni = 0;
    m_->in_valid_i = 0;
    m_->out_ready_i = 0;
    for (int i = 0; i < 3; ++i) Tick();
    m_->rst_ni = 1;
    Tick();
  }
  ~Engine() { m_->final(); }

  int contexts() const { return num_ctx_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t last_in_cycle() const { return last_in_cycle_; }
  // message bytes taken and cycles elapsed until the first context ran out of work in the last Run
  uint64_t steady_bytes() const { return steady_bytes_; }
  uint64_t steady_cycles() const { return steady_cycles_; }
  Model& model() { return *m_; }

  // Runs the jobs (each bound to job.ctx, in vector order per context) to completion with random
  // interleaving and stalls. Returns false on timeout.
  bool Run(std::vector<Job>& jobs, const Stalls& st, uint32_t seed, uint64_t max_cycles) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    std::vector<std::deque<size_t>> queue(num_ctx_);
    for (size_t j = 0; j < jobs.size(); ++j) queue[jobs[j].ctx].push_back(j);
    std::vector<size_t> beat(num_ctx_, 0);     // next beat of the head job
    std::vector<bool> busy(num_ctx_, false);   // a job of this context has all beats in, result pending
    std::vector<long> inflight(num_ctx_, -1);  // job whose result is pending
    size_t remaining = jobs.size();
    uint64_t in_bytes = 0;
    steady_cycles_ = 0;
    steady_bytes_ = 0;
    bool holding = false;
    int hold_ctx = 0;
    const uint64_t start = cycles_;

    while (remaining > 0) {
      if (cycles_ - start > max_cycles) return false;
      // choose the input beat for this cycle
      if (!holding) {
        m_->in_valid_i = 0;
        if (uni(rng) >= st.in_idle) {
          std::vector<int> ready;
          for (int c = 0; c < num_ctx_; ++c) {
            if (queue[c].empty()) continue;
            bool first = beat[c] == 0;
            if (first && busy[c] && uni(rng) >= st.early_first) continue;
            if (!((m_->in_space_o >> c) & 1) && uni(rng) >= st.blind) continue;
            ready.push_back(c);
          }
          if (!ready.empty()) {
            hold_ctx = ready[rng() % ready.size()];
            PresentBeat(jobs[queue[hold_ctx].front()], beat[hold_ctx]);
            m_->in_ctx_i = static_cast<uint8_t>(hold_ctx);
            holding = true;
          }
        }
      }
      m_->out_ready_i = uni(rng) >= st.out_stall;
      m_->clk_i = 0;
      m_->eval();
      bool in_fire = m_->in_valid_i && m_->in_ready_o;
      bool out_fire = m_->out_valid_o && m_->out_ready_i;
      if (out_fire) {
        int c = m_->out_ctx_o;
        if (c >= num_ctx_ || inflight[c] < 0) {
          ADD_FAILURE() << "result for context " << c << " with no job in flight";
          return false;
        }
        Job& j = jobs[static_cast<size_t>(inflight[c])];
        j.got_digest = GetWide(m_->out_digest_o, kStateBytes);
        j.got_ostate = GetWide(m_->out_ostate_o, kStateBytes);
        EXPECT_EQ(m_->out_op_o, j.op);
        j.done = true;
        inflight[c] = -1;
        busy[c] = false;
        --remaining;
      }
      Tick();
      if (in_fire) {
        last_in_cycle_ = cycles_;
        holding = false;
        Job& j = jobs[queue[hold_ctx].front()];
        size_t nbeats = j.msg.empty() ? 1 : (j.msg.size() + 15) / 16;
        in_bytes += m_->in_last_i ? m_->in_nbytes_i : 16;
        if (++beat[hold_ctx] == nbeats && queue[hold_ctx].size() == 1 && steady_cycles_ == 0) {
          // the first context to run out of work ends the steady state (every context had work until now)
          steady_cycles_ = cycles_ - start;
          steady_bytes_ = in_bytes;
        }
        if (beat[hold_ctx] == nbeats) {
          EXPECT_EQ(inflight[hold_ctx], -1) << "engine took a first beat for a busy context";
          inflight[hold_ctx] = static_cast<long>(queue[hold_ctx].front());
          busy[hold_ctx] = true;
          queue[hold_ctx].pop_front();
          beat[hold_ctx] = 0;
        }
        m_->in_valid_i = 0;
      }
    }
    m_->in_valid_i = 0;
    m_->out_ready_i = 0;
    return true;
  }

  // Sends one message on context 0 as fast as the engine takes it, out_ready_i high, and returns the cycles
  // from its first and from its last beat's handshake to out_valid_o.
  std::pair<uint64_t, uint64_t> RunLone(Job& j, uint64_t max_cycles) {
    size_t nbeats = j.msg.empty() ? 1 : (j.msg.size() + 15) / 16;
    size_t b = 0;
    uint64_t first_fire = 0, last_fire = 0;
    const uint64_t start = cycles_;
    while (cycles_ - start < max_cycles) {
      if (b < nbeats) {
        PresentBeat(j, b);
        m_->in_ctx_i = 0;
      } else {
        m_->in_valid_i = 0;
      }
      m_->out_ready_i = 1;
      m_->clk_i = 0;
      m_->eval();
      if (m_->out_valid_o) {
        EXPECT_EQ(b, nbeats) << "digest before the last beat";
        j.got_digest = GetWide(m_->out_digest_o, kStateBytes);
        j.done = true;
        Tick();
        m_->in_valid_i = 0;
        m_->out_ready_i = 0;
        return {cycles_ - 1 - first_fire, cycles_ - 1 - last_fire};
      }
      bool fire = m_->in_valid_i && m_->in_ready_o;
      if (fire) {
        if (b == 0) first_fire = cycles_;
        last_fire = cycles_;
        ++b;
      }
      Tick();
    }
    ADD_FAILURE() << "timeout";
    return {0, 0};
  }

  void Tick() {
    m_->clk_i = 0;
    m_->eval();
    m_->clk_i = 1;
    m_->eval();
    ++cycles_;
  }

 private:
  static int CtxBits() {
    // in_ctx_i is $clog2(CTX) bits wide; the model does not export the parameter, so the bench is told.
    return SHA_FULL ? 6 : 3;
  }

  void PresentBeat(const Job& j, size_t b) {
    size_t nbeats = j.msg.empty() ? 1 : (j.msg.size() + 15) / 16;
    size_t off = b * 16;
    size_t n = j.msg.size() > off ? std::min<size_t>(16, j.msg.size() - off) : 0;
    uint8_t data[16];
    for (size_t i = 0; i < 16; ++i)
      data[i] = i < n ? j.msg[off + i] : static_cast<uint8_t>(0xa5 + i);  // junk past the end
    SetWide(m_->in_data_i, data, 16);
    m_->in_valid_i = 1;
    m_->in_first_i = b == 0;
    m_->in_last_i = b + 1 == nbeats;
    m_->in_nbytes_i = static_cast<uint8_t>(b + 1 == nbeats ? n : 16);
    m_->in_op_i = static_cast<uint8_t>(j.op);
    Bytes zero(kStateBytes, 0);
    const Bytes& is = j.istate.size() == kStateBytes ? j.istate : zero;
    const Bytes& os = j.ostate.size() == kStateBytes ? j.ostate : zero;
    SetWide(m_->in_istate_i, is.data(), kStateBytes);
    SetWide(m_->in_ostate_i, os.data(), kStateBytes);
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> m_;
  int num_ctx_ = 0;
  uint64_t cycles_ = 0;
  uint64_t last_in_cycle_ = 0;
  uint64_t steady_bytes_ = 0, steady_cycles_ = 0;
};

Bytes RandomBytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& v : b) v = static_cast<uint8_t>(rng());
  return b;
}

// Precomputes (inner, outer) states for each key on the engine (interleaved), returns them in order.
std::vector<std::pair<Bytes, Bytes>> Keyprep(Engine& e, const std::vector<Bytes>& keys, const Stalls& st,
                                             uint32_t seed) {
  std::vector<Job> jobs;
  for (size_t i = 0; i < keys.size(); ++i) {
    Job j;
    j.ctx = static_cast<int>(i % static_cast<size_t>(e.contexts()));
    j.op = kOpKeyprep;
    j.msg = keys[i];
    jobs.push_back(j);
  }
  EXPECT_TRUE(e.Run(jobs, st, seed, 50'000'000)) << "timeout";
  std::vector<std::pair<Bytes, Bytes>> out;
  for (auto& j : jobs) out.emplace_back(j.got_digest, j.got_ostate);
  return out;
}

#define SUITE_NAME_(a, b) a##b
#define SUITE_NAME(a, b) SUITE_NAME_(a, b)
#define SHA_SUITE SUITE_NAME(SHA_MODEL, _Test)

// ---------------- typed vectors ----------------

TEST(SHA_SUITE, Fips180Examples) {
  // FIPS 180 example messages: one block ("abc") and two blocks (the 448-bit message).
  struct V {
    const char* msg;
    const char* sha1;
    const char* sha256;
  };
  const V vectors[] = {
      {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  Engine e;
  std::vector<Job> jobs;
  for (size_t i = 0; i < std::size(vectors); ++i) {
    Job j;
    j.ctx = static_cast<int>(i);
    j.msg = FromText(vectors[i].msg);
    jobs.push_back(j);
  }
  ASSERT_TRUE(e.Run(jobs, {}, 1, 100'000));
  for (size_t i = 0; i < std::size(vectors); ++i) {
    Bytes typed = FromHex(kSha1 ? vectors[i].sha1 : vectors[i].sha256);
    EXPECT_EQ(ToHex(RefHash(jobs[i].msg)), ToHex(typed)) << "typed vector disagrees with OpenSSL";
    EXPECT_EQ(ToHex(jobs[i].got_digest), ToHex(typed)) << vectors[i].msg;
  }
}

TEST(SHA_SUITE, RfcHmacVectors) {
  // RFC 2202 section 3 (HMAC-SHA-1) and RFC 4231 section 4 (HMAC-SHA-256). Case 5 of each is truncated
  // (96 / 128 bits); the comparison covers the printed prefix.
  struct V {
    Bytes key, data;
    const char* digest;
  };
  const Bytes k0b(20, 0x0b), kaa20(20, 0xaa), k0c(20, 0x0c), kaa80(80, 0xaa), kaa131(131, 0xaa);
  const Bytes k_inc = FromHex("0102030405060708090a0b0c0d0e0f10111213141516171819");
  std::vector<V> v;
  if (kSha1) {
    v = {{k0b, FromText("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"},
         {FromText("Jefe"), FromText("what do ya want for nothing?"),
          "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
         {kaa20, Bytes(50, 0xdd), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
         {k_inc, Bytes(50, 0xcd), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
         {k0c, FromText("Test With Truncation"), "4c1a03424b55e07fe7f27be1"},
         {kaa80, FromText("Test Using Larger Than Block-Size Key - Hash Key First"),
          "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
         {kaa80, FromText("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
          "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"}};
  } else {
    v = {{k0b, FromText("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
         {FromText("Jefe"), FromText("what do ya want for nothing?"),
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
         {kaa20, Bytes(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
         {k_inc, Bytes(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
         {k0c, FromText("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"},
         {kaa131, FromText("Test Using Larger Than Block-Size Key - Hash Key First"),
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
         {kaa131,
          FromText(
              "This is a test using a larger than block-size key and a larger than block-size data. The key "
              "needs to be hashed before being used by the HMAC algorithm."),
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"}};
  }
  Engine e;
  std::vector<Bytes> keys;
  for (auto& c : v) keys.push_back(c.key);
  auto states = Keyprep(e, keys, {}, 2);
  std::vector<Job> jobs;
  for (size_t i = 0; i < v.size(); ++i) {
    Job j;
    j.ctx = static_cast<int>(i % static_cast<size_t>(e.contexts()));
    j.op = kOpHmac;
    j.msg = v[i].data;
    j.istate = states[i].first;
    j.ostate = states[i].second;
    jobs.push_back(j);
  }
  ASSERT_TRUE(e.Run(jobs, {}, 3, 1'000'000));
  for (size_t i = 0; i < v.size(); ++i) {
    std::string typed = v[i].digest;
    EXPECT_EQ(ToHex(RefHmac(v[i].key, v[i].data)).substr(0, typed.size()), typed)
        << "case " << i + 1 << " vs OpenSSL";
    EXPECT_EQ(ToHex(jobs[i].got_digest).substr(0, typed.size()), typed) << "case " << i + 1;
    EXPECT_EQ(ToHex(jobs[i].got_digest), ToHex(RefHmac(v[i].key, v[i].data))) << "case " << i + 1;
  }
}

// ---------------- randomised differential runs ----------------

std::vector<size_t> Lengths(std::mt19937& rng, size_t upto, size_t step, size_t n_long, size_t long_max) {
  std::vector<size_t> lens;
  for (size_t n = 0; n <= upto; n += step) lens.push_back(n);
  for (size_t n : {55, 56, 63, 64, 119, 120, 127, 128, 192, 256}) lens.push_back(n);
  for (size_t i = 0; i < n_long; ++i) {
    size_t n = rng() % (long_max + 1);
    lens.push_back(i % 2 ? n : n / 64 * 64);  // every other one an exact multiple of 64
  }
  return lens;
}

void RunHashes(Engine& e, const std::vector<size_t>& lens, const Stalls& st, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Job> jobs;
  for (size_t i = 0; i < lens.size(); ++i) {
    Job j;
    j.ctx = static_cast<int>(rng() % static_cast<uint32_t>(e.contexts()));
    j.msg = RandomBytes(rng, lens[i]);
    jobs.push_back(j);
  }
  ASSERT_TRUE(e.Run(jobs, st, seed + 1, 200'000'000)) << "timeout";
  size_t bad = 0;
  for (auto& j : jobs) {
    ASSERT_TRUE(j.done);
    if (j.got_digest != RefHash(j.msg)) {
      if (++bad < 5) ADD_FAILURE() << "hash mismatch, length " << j.msg.size();
    }
  }
  EXPECT_EQ(bad, 0u);
}

void RunHmacs(Engine& e, const std::vector<size_t>& lens, const Stalls& st, uint32_t seed) {
  std::mt19937 rng(seed);
  // keys of every interesting length: empty, short, exactly one block, longer than a block
  std::vector<Bytes> keys;
  for (size_t n : {0, 1, 16, 20, 32, 55, 56, 63, 64, 65, 100, 128, 131, 200})
    keys.push_back(RandomBytes(rng, n));
  auto states = Keyprep(e, keys, st, seed + 7);
  std::vector<Job> jobs;
  std::vector<size_t> key_of;
  for (size_t i = 0; i < lens.size(); ++i) {
    size_t k = rng() % keys.size();
    Job j;
    j.ctx = static_cast<int>(rng() % static_cast<uint32_t>(e.contexts()));
    j.op = kOpHmac;
    j.msg = RandomBytes(rng, lens[i]);
    j.istate = states[k].first;
    j.ostate = states[k].second;
    jobs.push_back(j);
    key_of.push_back(k);
  }
  ASSERT_TRUE(e.Run(jobs, st, seed + 1, 200'000'000)) << "timeout";
  size_t bad = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    ASSERT_TRUE(jobs[i].done);
    if (jobs[i].got_digest != RefHmac(keys[key_of[i]], jobs[i].msg)) {
      if (++bad < 5)
        ADD_FAILURE() << "HMAC mismatch, length " << jobs[i].msg.size() << " key length "
                      << keys[key_of[i]].size();
    }
  }
  EXPECT_EQ(bad, 0u);
}

const Stalls kStalls{0.3, 0.3, 0.1, 0.2};

#if !SHA_FULL
TEST(SHA_SUITE, RandomHashEveryLengthTo300AndLong) {
  std::mt19937 rng(11);
  Engine e;
  RunHashes(e, Lengths(rng, 300, 1, 80, 9000), kStalls, 12);
}

TEST(SHA_SUITE, RandomHmacEveryLengthTo300AndLong) {
  std::mt19937 rng(21);
  Engine e;
  RunHmacs(e, Lengths(rng, 300, 1, 80, 9000), kStalls, 22);
}

TEST(SHA_SUITE, RandomHashNoStalls) {
  std::mt19937 rng(31);
  Engine e;
  RunHashes(e, Lengths(rng, 200, 3, 8, 9000), {}, 32);
}
#else
TEST(SHA_SUITE, RandomHashEveryLengthTo300) {
  std::mt19937 rng(41);
  Engine e;
  RunHashes(e, Lengths(rng, 300, 1, 16, 9000), kStalls, 42);
}

TEST(SHA_SUITE, RandomHmacEveryLengthTo300) {
  std::mt19937 rng(51);
  Engine e;
  RunHmacs(e, Lengths(rng, 300, 1, 16, 9000), kStalls, 52);
}
#endif

// Hashes, HMACs and key precomputes interleaved on one engine: the three operations share contexts and the
// core, with stalls on both sides.
TEST(SHA_SUITE, MixedOperationsInterleaved) {
  std::mt19937 rng(61);
  Engine e;
  std::vector<Bytes> keys;
  for (size_t n : {3, 20, 64, 65, 150}) keys.push_back(RandomBytes(rng, n));
  auto states = Keyprep(e, keys, kStalls, 62);
  // the states are right if HMACs made from them match OpenSSL
  std::vector<Job> jobs;
  std::vector<size_t> key_of;
  for (int i = 0; i < (SHA_FULL ? 120 : 200); ++i) {
    Job j;
    j.ctx = static_cast<int>(rng() % static_cast<uint32_t>(e.contexts()));
    j.op = static_cast<int>(rng() % 3);
    size_t k = rng() % keys.size();
    j.msg = j.op == kOpKeyprep ? keys[k] : RandomBytes(rng, rng() % 400);
    if (j.op == kOpHmac) {
      j.istate = states[k].first;
      j.ostate = states[k].second;
    }
    jobs.push_back(j);
    key_of.push_back(k);
  }
  ASSERT_TRUE(e.Run(jobs, kStalls, 63, 50'000'000));
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    const Bytes& key = keys[key_of[i]];
    if (j.op == kOpHash) {
      EXPECT_EQ(ToHex(j.got_digest), ToHex(RefHash(j.msg))) << "job " << i;
    } else if (j.op == kOpHmac) {
      EXPECT_EQ(ToHex(j.got_digest), ToHex(RefHmac(key, j.msg))) << "job " << i;
    } else {
      EXPECT_EQ(ToHex(j.got_digest), ToHex(states[key_of[i]].first)) << "job " << i;
      EXPECT_EQ(ToHex(j.got_ostate), ToHex(states[key_of[i]].second)) << "job " << i;
    }
  }
  // and the key precompute states themselves produce OpenSSL's HMAC
  std::vector<Job> check;
  for (size_t k = 0; k < keys.size(); ++k) {
    Job j;
    j.ctx = static_cast<int>(k);
    j.op = kOpHmac;
    j.msg = FromText("abc");
    j.istate = states[k].first;
    j.ostate = states[k].second;
    check.push_back(j);
  }
  ASSERT_TRUE(e.Run(check, {}, 64, 1'000'000));
  for (size_t k = 0; k < keys.size(); ++k)
    EXPECT_EQ(ToHex(check[k].got_digest), ToHex(RefHmac(keys[k], check[k].msg)));
}

TEST(SHA_SUITE, StrayBeatIsDroppedAndCounted) {
  Engine e;
  Model& m = e.model();
  EXPECT_EQ(m.drop_count_o, 0);
  // a middle beat for a context with no open message
  uint8_t data[16] = {};
  SetWide(m.in_data_i, data, 16);
  m.in_ctx_i = 1;
  m.in_first_i = 0;
  m.in_last_i = 0;
  m.in_nbytes_i = 16;
  m.in_valid_i = 1;
  m.clk_i = 0;
  m.eval();
  EXPECT_TRUE(m.in_ready_o);
  e.Tick();
  m.in_valid_i = 0;
  e.Tick();
  EXPECT_EQ(m.drop_count_o, 1);
  // the engine still works afterwards
  std::vector<Job> jobs(1);
  jobs[0].ctx = 1;
  jobs[0].msg = FromText("abc");
  ASSERT_TRUE(e.Run(jobs, {}, 5, 100'000));
  EXPECT_EQ(jobs[0].got_digest, RefHash(jobs[0].msg));
}

// ---------------- cycle figures (deterministic) ----------------

// Latency of one block and throughput at full interleave (no stalls, the sender picks contexts with
// in_space_o), printed for docs/benchmarks.md. "steady" is the rate at which the engine took message bytes
// while every context still had work (the port carries at most 16 bytes/cycle); "total" covers the whole
// run including the ramp-up and draining the last results. The full configuration must take HMAC input of
// 1024-byte messages at >= 15.5 bytes/cycle in steady state.
TEST(SHA_SUITE, Cycles) {
  {
    Engine e;
    std::vector<Job> jobs(1);
    jobs[0].msg = FromText("abc");
    uint64_t c0 = e.cycles();
    ASSERT_TRUE(e.Run(jobs, {}, 1, 100'000));
    printf("[cycles] %s one-block hash latency: %llu cycles (first beat offered to digest out)\n",
           kSha1 ? "SHA-1" : "SHA-256", static_cast<unsigned long long>(e.cycles() - c0));
  }
  for (size_t len : {64, 576, 1024, 1500}) {
    for (int op : {kOpHash, kOpHmac}) {
      Engine e;
      std::mt19937 rng(7);
      std::vector<Job> jobs;
      const int per_ctx = SHA_FULL ? 4 : 2;
      for (int r = 0; r < per_ctx; ++r) {
        for (int c = 0; c < e.contexts(); ++c) {
          Job j;
          j.ctx = c;
          j.op = op;
          j.msg = RandomBytes(rng, len);
          j.istate = RandomBytes(rng, kStateBytes);  // throughput does not depend on the states
          j.ostate = RandomBytes(rng, kStateBytes);
          jobs.push_back(j);
        }
      }
      uint64_t c0 = e.cycles();
      ASSERT_TRUE(e.Run(jobs, {}, 9, 10'000'000));
      uint64_t total = e.cycles() - c0;
      double bytes = static_cast<double>(len * jobs.size());
      double steady_bpc = static_cast<double>(e.steady_bytes()) / static_cast<double>(e.steady_cycles());
      double total_bpc = bytes / static_cast<double>(total);
      printf(
          "[cycles] %s %s %zu-byte messages x %zu, %d contexts: steady %.2f bytes/cycle (%llu cycles), "
          "total %.2f bytes/cycle (%llu cycles)\n",
          kSha1 ? "SHA-1" : "SHA-256", op == kOpHmac ? "HMAC" : "hash", len, jobs.size(), e.contexts(),
          steady_bpc, static_cast<unsigned long long>(e.steady_cycles()), total_bpc,
          static_cast<unsigned long long>(total));
      if (SHA_FULL && !kLowLat && op == kOpHmac && len == 1024) {
        EXPECT_GE(steady_bpc, 15.5);
      }
      if (SHA_FULL && kLowLat && len == 1024) {
        // The lanes' size compresses 16 bytes/cycle (one block per 4 cycles); a 1024-byte message is 17
        // blocks hashed (padding included), 18 with the HMAC outer block.
        double bound = 1024.0 / ((op == kOpHmac ? 18.0 : 17.0) * 4.0);
        EXPECT_GE(steady_bpc, 0.97 * bound) << "bound " << bound;
      }
    }
  }
}

// Latency of a lone message (nothing else in the engine): one block, and a 1,424-byte HMAC (an ESP packet's
// authenticated bytes for a 1,400-byte payload), whose 23 inner blocks and outer block are dependent.
TEST(SHA_SUITE, LoneMessageLatency) {
  Engine e;
  Job one;
  one.msg = FromText("abc");
  auto [from_first, from_last] = e.RunLone(one, 100'000);
  printf("[cycles] %s%s one-block hash: %llu cycles from the beat to the digest\n",
         kSha1 ? "SHA-1" : "SHA-256", kLowLat ? " low-latency" : "",
         static_cast<unsigned long long>(from_last));
  EXPECT_EQ(ToHex(one.got_digest), ToHex(RefHash(one.msg)));
  EXPECT_EQ(from_first, kBlockLatency);

  std::mt19937 rng(71);
  Job mac;
  mac.op = kOpHmac;
  mac.msg = RandomBytes(rng, 1424);
  Bytes key = RandomBytes(rng, 32);
  std::vector<Bytes> keys{key};
  auto states = Keyprep(e, keys, {}, 72);
  mac.istate = states[0].first;
  mac.ostate = states[0].second;
  auto [total, tail] = e.RunLone(mac, 1'000'000);
  const uint64_t blocks = (64 + 1424 + 9 + 63) / 64 - 1 + 1;  // inner blocks after the key block, outer block
  printf(
      "[cycles] %s%s lone %zu-byte HMAC: %llu cycles from the first beat to the digest (%llu blocks, %.1f "
      "cycles per block), %llu from the last beat\n",
      kSha1 ? "SHA-1" : "SHA-256", kLowLat ? " low-latency" : "", mac.msg.size(),
      static_cast<unsigned long long>(total), static_cast<unsigned long long>(blocks),
      static_cast<double>(total) / static_cast<double>(blocks), static_cast<unsigned long long>(tail));
  EXPECT_EQ(ToHex(mac.got_digest), ToHex(RefHmac(key, mac.msg)));
  // the first block's four beats, then every block after its predecessor's result
  EXPECT_LE(total, 3 + blocks * kBlockLatency);
}

}  // namespace
