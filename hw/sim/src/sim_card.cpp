#include "hubsec/sim/sim_card.hpp"

#include <verilated.h>
#include <verilated_fst_c.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "Vhubsec_card.h"

namespace hubsec::sim {
namespace {

constexpr std::uint8_t kRespOkay = 0;
constexpr std::uint8_t kRespSlvErr = 2;
constexpr std::uint64_t kBeatBytes = 8;
constexpr std::uint64_t kIdleGraceCycles = 16;  // keep clocking this long after the card goes quiet
constexpr std::uint64_t kRegisterTimeoutCycles = 100000;

// What the clock edge saw: the handshakes that completed on it.
struct Handshakes {
  bool lite_aw = false, lite_b = false, lite_ar = false, lite_r = false;
  std::uint32_t lite_rdata = 0;
};

// A small deterministic generator for memory-side stalls.
class StallDice {
 public:
  StallDice(unsigned permille, std::uint64_t seed) : permille_(permille), state_(seed | 1) {}
  bool stall() {
    if (permille_ == 0) return false;
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return (state_ % 1000) < permille_;
  }

 private:
  unsigned permille_;
  std::uint64_t state_;
};

}  // namespace

class SimCard::Impl {
 public:
  Impl(SimCardOptions options, DmaAddressMap& map) : options_(std::move(options)), map_(map) {
    std::promise<void> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, &started] { thread_main(started); });
    ready.get();  // rethrows a failure to build the model
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  std::uint32_t read32(std::uint32_t offset) {
    std::promise<std::uint32_t> reply;
    auto answer = reply.get_future();
    enqueue(Request{Request::kRead, offset, 0, 0, &reply});
    return answer.get();
  }

  void write32(std::uint32_t offset, std::uint32_t value) {
    enqueue(Request{Request::kWrite, offset, value, 0, nullptr});
  }

  void run_cycles(std::uint64_t cycles) {
    std::promise<std::uint32_t> reply;
    auto answer = reply.get_future();
    enqueue(Request{Request::kRun, 0, 0, cycles, &reply});
    answer.get();
  }

  void set_interrupt_callback(std::function<void()> callback) {
    std::lock_guard lock(callback_mutex_);
    callback_ = std::move(callback);
  }

  bool interrupt_line() const { return irq_line_.load(); }

  SimCardStats stats() const {
    SimCardStats s;
    s.cycles = cycles_.load();
    s.dma_read_beats = read_beats_.load();
    s.dma_write_beats = write_beats_.load();
    s.dma_faults = dma_faults_.load();
    s.protocol_errors = protocol_errors_.load();
    s.interrupts = interrupts_.load();
    return s;
  }

 private:
  struct Request {
    enum Kind { kRead, kWrite, kRun } kind;
    std::uint32_t offset;
    std::uint32_t value;
    std::uint64_t cycles;
    std::promise<std::uint32_t>* reply;
  };

  void enqueue(Request request) {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    cv_.notify_one();
  }

  // ---- simulation thread ----
  void thread_main(std::promise<void>& started) {
    try {
      context_ = std::make_unique<VerilatedContext>();
      context_->fatalOnError(false);
      if (!options_.fst_path.empty()) context_->traceEverOn(true);
      top_ = std::make_unique<Vhubsec_card>(context_.get(), "card");
      if (!options_.fst_path.empty()) {
        fst_ = std::make_unique<VerilatedFstC>();
        top_->trace(fst_.get(), 99);
        fst_->open(options_.fst_path.c_str());
      }
      reset();
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    started.set_value();
    serve();
    if (fst_) fst_->close();
    top_->final();
    // The model is torn down on the thread that built it: its scopes unregister through this thread's
    // Verilator context (a model with assertions has scopes; destroying it from another thread crashes).
    fst_.reset();
    top_.reset();
    context_.reset();
  }

  void reset() {
    top_->rst_ni = 0;
    top_->clk_i = 0;
    clear_lite_inputs();
    set_memory_inputs();
    top_->eval();
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }

  void serve() {
    std::uint64_t quiet = 0;
    for (;;) {
      Request request{};
      bool have = false;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || !requests_.empty() || quiet < kIdleGraceCycles; });
        if (stop_) {
          for (auto& r : requests_) {
            if (r.reply)
              r.reply->set_exception(std::make_exception_ptr(std::runtime_error("sim card stopped")));
          }
          return;
        }
        if (!requests_.empty()) {
          request = requests_.front();
          requests_.pop_front();
          have = true;
        }
      }
      if (have) {
        perform(request);
        quiet = 0;
      } else {
        for (int i = 0; i < 64; ++i) tick();
        quiet = top_->active_o ? 0 : quiet + 64;
      }
    }
  }

  void perform(const Request& request) {
    switch (request.kind) {
      case Request::kWrite: lite_write(request.offset, request.value); break;
      case Request::kRead: {
        const std::uint32_t value = lite_read(request.offset);
        request.reply->set_value(value);
        break;
      }
      case Request::kRun:
        for (std::uint64_t i = 0; i < request.cycles; ++i) tick();
        request.reply->set_value(0);
        break;
    }
  }

  void lite_write(std::uint32_t offset, std::uint32_t value) {
    top_->s_axil_awaddr_i = offset & 0xfffu;
    top_->s_axil_awvalid_i = 1;
    top_->s_axil_wdata_i = value;
    top_->s_axil_wstrb_i = 0xf;
    top_->s_axil_wvalid_i = 1;
    top_->s_axil_bready_i = 1;
    bool accepted = false, answered = false;
    for (std::uint64_t i = 0; i < kRegisterTimeoutCycles && !answered; ++i) {
      const Handshakes hs = tick();
      if (hs.lite_aw) {
        accepted = true;
        top_->s_axil_awvalid_i = 0;
        top_->s_axil_wvalid_i = 0;
      }
      if (accepted && hs.lite_b) answered = true;
    }
    clear_lite_inputs();
  }

  std::uint32_t lite_read(std::uint32_t offset) {
    top_->s_axil_araddr_i = offset & 0xfffu;
    top_->s_axil_arvalid_i = 1;
    top_->s_axil_rready_i = 1;
    std::uint32_t value = 0xffffffffu;  // what a dead bus reads
    for (std::uint64_t i = 0; i < kRegisterTimeoutCycles; ++i) {
      const Handshakes hs = tick();
      if (hs.lite_ar) top_->s_axil_arvalid_i = 0;
      if (hs.lite_r) {
        value = hs.lite_rdata;
        break;
      }
    }
    clear_lite_inputs();
    return value;
  }

  void clear_lite_inputs() {
    top_->s_axil_awvalid_i = 0;
    top_->s_axil_wvalid_i = 0;
    top_->s_axil_bready_i = 0;
    top_->s_axil_arvalid_i = 0;
    top_->s_axil_rready_i = 0;
  }

  // One clock cycle. Inputs were set at the low phase; handshakes are sampled before the rising edge.
  Handshakes tick() {
    top_->eval();
    Handshakes hs;
    hs.lite_aw = top_->s_axil_awvalid_i && top_->s_axil_awready_o && top_->s_axil_wvalid_i;
    hs.lite_b = top_->s_axil_bvalid_o && top_->s_axil_bready_i;
    hs.lite_ar = top_->s_axil_arvalid_i && top_->s_axil_arready_o;
    hs.lite_r = top_->s_axil_rvalid_o && top_->s_axil_rready_i;
    hs.lite_rdata = top_->s_axil_rdata_o;
    const bool ar = top_->m_axi_arvalid_o && top_->m_axi_arready_i;
    const bool r = top_->m_axi_rvalid_i && top_->m_axi_rready_o;
    const bool aw = top_->m_axi_awvalid_o && top_->m_axi_awready_i;
    const bool w = top_->m_axi_wvalid_o && top_->m_axi_wready_i;
    const bool b = top_->m_axi_bvalid_i && top_->m_axi_bready_o;
    const std::uint64_t araddr = top_->m_axi_araddr_o, awaddr = top_->m_axi_awaddr_o;
    const unsigned arlen = top_->m_axi_arlen_o, awlen = top_->m_axi_awlen_o;
    const bool ar_shape_ok = top_->m_axi_arsize_o == 3 && top_->m_axi_arburst_o == 1;
    const bool aw_shape_ok = top_->m_axi_awsize_o == 3 && top_->m_axi_awburst_o == 1;
    const std::uint64_t wdata = top_->m_axi_wdata_o;
    const unsigned wstrb = top_->m_axi_wstrb_o;
    const bool wlast = top_->m_axi_wlast_o;

    const std::uint64_t now = cycles_.load();
    top_->clk_i = 1;
    top_->eval();
    if (fst_) fst_->dump(2 * now + 1);

    if (ar) start_read(araddr, arlen, ar_shape_ok);
    if (r) finish_read_beat();
    if (aw) start_write(awaddr, awlen, aw_shape_ok);
    if (w) write_beat(wdata, wstrb, wlast);
    if (b) write_.active = false;
    set_memory_inputs();

    top_->clk_i = 0;
    top_->eval();
    if (fst_) fst_->dump(2 * now + 2);
    cycles_.store(now + 1);

    const bool irq = top_->irq_o;
    if (irq && !irq_line_.load()) {
      interrupts_.fetch_add(1);
      irq_line_.store(true);
      std::lock_guard lock(callback_mutex_);
      if (callback_) callback_();
    } else if (!irq) {
      irq_line_.store(false);
    }
    return hs;
  }

  // ---- AXI4 slave over host memory ----
  struct Burst {
    bool active = false;
    std::uint64_t addr = 0;
    unsigned beats = 0;
    unsigned done = 0;
    bool fault = false;
    bool all_data = false;  // writes: every beat arrived, the response is due
  };

  // A burst is served only if it is legal and a live mapping covers all of it.
  bool burst_fault(std::uint64_t addr, unsigned beats, bool shape_ok) {
    const std::uint64_t bytes = std::uint64_t{beats} * kBeatBytes;
    const bool legal = shape_ok && (addr % kBeatBytes) == 0 && (addr & 0xfffu) + bytes <= 0x1000u;
    if (!legal) protocol_errors_.fetch_add(1);
    const bool fault = !legal || map_.translate(addr, bytes) == nullptr;
    if (fault) dma_faults_.fetch_add(1);
    return fault;
  }

  void start_read(std::uint64_t addr, unsigned len, bool shape_ok) {
    read_ = Burst{true, addr, len + 1, 0, burst_fault(addr, len + 1, shape_ok), false};
  }

  void finish_read_beat() {
    read_beats_.fetch_add(1);
    if (++read_.done == read_.beats) read_.active = false;
  }

  void start_write(std::uint64_t addr, unsigned len, bool shape_ok) {
    write_ = Burst{true, addr, len + 1, 0, burst_fault(addr, len + 1, shape_ok), false};
  }

  void write_beat(std::uint64_t data, unsigned strobes, bool last) {
    write_beats_.fetch_add(1);
    const std::uint64_t at = write_.addr + std::uint64_t{write_.done} * kBeatBytes;
    if (!write_.fault) {
      if (std::uint8_t* p = map_.translate(at, kBeatBytes)) {
        std::atomic_thread_fence(std::memory_order_release);
        for (unsigned i = 0; i < kBeatBytes; ++i) {
          if (strobes & (1u << i)) {
            std::atomic_ref<std::uint8_t>(p[i]).store(static_cast<std::uint8_t>(data >> (8 * i)),
                                                      std::memory_order_release);
          }
        }
      } else {
        write_.fault = true;  // unmapped while the burst ran
        dma_faults_.fetch_add(1);
      }
    }
    ++write_.done;
    if (last != (write_.done == write_.beats)) protocol_errors_.fetch_add(1);
    if (last || write_.done == write_.beats) write_.all_data = true;
  }

  void set_memory_inputs() {
    top_->m_axi_arready_i = !read_.active && !dice_.stall();
    const bool r_valid = read_.active && !dice_.stall();
    top_->m_axi_rvalid_i = r_valid;
    top_->m_axi_rlast_i = read_.active && read_.done + 1 == read_.beats;
    top_->m_axi_rresp_i = read_.fault ? kRespSlvErr : kRespOkay;
    std::uint64_t data = 0;
    if (r_valid && !read_.fault) {
      const std::uint64_t at = read_.addr + std::uint64_t{read_.done} * kBeatBytes;
      if (const std::uint8_t* p = map_.translate(at, kBeatBytes)) {
        for (unsigned i = 0; i < kBeatBytes; ++i) {
          data |= std::uint64_t{std::atomic_ref<std::uint8_t>(const_cast<std::uint8_t&>(p[i]))
                                    .load(std::memory_order_acquire)}
                  << (8 * i);
        }
      } else {
        read_.fault = true;
        top_->m_axi_rresp_i = kRespSlvErr;
      }
    }
    top_->m_axi_rdata_i = data;
    top_->m_axi_awready_i = !write_.active && !dice_.stall();
    top_->m_axi_wready_i = write_.active && !write_.all_data && !dice_.stall();
    top_->m_axi_bvalid_i = write_.active && write_.all_data;
    top_->m_axi_bresp_i = write_.fault ? kRespSlvErr : kRespOkay;
  }

  SimCardOptions options_;
  DmaAddressMap& map_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Request> requests_;
  bool stop_ = false;
  std::mutex callback_mutex_;
  std::function<void()> callback_;
  std::atomic<bool> irq_line_{false};
  std::atomic<std::uint64_t> cycles_{0}, read_beats_{0}, write_beats_{0}, dma_faults_{0}, protocol_errors_{0},
      interrupts_{0};

  // Simulation thread only.
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vhubsec_card> top_;
  std::unique_ptr<VerilatedFstC> fst_;
  Burst read_, write_;
  StallDice dice_{options_.dma_stall_permille, options_.stall_seed};
};

SimCard::SimCard(SimCardOptions options) : impl_(std::make_unique<Impl>(std::move(options), map_)) {}
SimCard::~SimCard() = default;
std::uint32_t SimCard::read32(std::uint32_t offset) {
  return impl_->read32(offset);
}
void SimCard::write32(std::uint32_t offset, std::uint32_t value) {
  impl_->write32(offset, value);
}
void SimCard::set_interrupt_callback(std::function<void()> callback) {
  impl_->set_interrupt_callback(std::move(callback));
}
bool SimCard::interrupt_line() const {
  return impl_->interrupt_line();
}
void SimCard::run_cycles(std::uint64_t cycles) {
  impl_->run_cycles(cycles);
}
SimCardStats SimCard::stats() const {
  return impl_->stats();
}

}  // namespace hubsec::sim
