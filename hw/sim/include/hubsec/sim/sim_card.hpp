// SimCard: the Verilated hubsec_card running on its own thread. The thread owns the model (Verilator
// models are built and stepped on one thread), clocks it only while the card has something to do (work
// queued, a reset pending, an interrupt timer running) and sleeps otherwise, serves the card's AXI4 DMA
// master from host memory through a DmaAddressMap (a stray address answers SLVERR and is counted), and
// calls the interrupt callback on each rising edge of the interrupt line.
//
// Register writes are posted (queued, as PCIe MMIO writes are); reads wait for the answer and so flush
// the writes before them. Host memory the card writes is stored beat by beat in address order behind a
// release fence, so a reader that loads a completion's last byte with acquire sees the whole completion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hubsec/sim/dma_address_map.hpp"

namespace hubsec::sim {

struct SimCardOptions {
  std::string fst_path;             // non-empty: write an FST waveform there
  unsigned dma_stall_permille = 0;  // chance per cycle that the memory side withholds ready/valid
  std::uint64_t stall_seed = 1;
};

struct SimCardStats {
  std::uint64_t cycles = 0;
  std::uint64_t dma_read_beats = 0;
  std::uint64_t dma_write_beats = 0;
  std::uint64_t dma_faults = 0;       // bursts answered with SLVERR
  std::uint64_t protocol_errors = 0;  // bursts the card should never issue (4 KiB crossing, bad size)
  std::uint64_t interrupts = 0;       // rising edges of the interrupt line
};

class SimCard {
 public:
  explicit SimCard(SimCardOptions options = {});
  ~SimCard();
  SimCard(const SimCard&) = delete;
  SimCard& operator=(const SimCard&) = delete;

  [[nodiscard]] std::uint32_t read32(std::uint32_t offset);
  void write32(std::uint32_t offset, std::uint32_t value);  // posted

  DmaAddressMap& dma_map() { return map_; }

  // Called on the simulation thread; keep it short (signal a condition variable).
  void set_interrupt_callback(std::function<void()> callback);
  [[nodiscard]] bool interrupt_line() const;

  // Runs the clock for `cycles` even if the card is idle (tests of time-based behaviour).
  void run_cycles(std::uint64_t cycles);

  [[nodiscard]] SimCardStats stats() const;

 private:
  class Impl;
  DmaAddressMap map_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubsec::sim
