// DmaAddressMap: the Verilator card's IOMMU in miniature. Host memory becomes visible to the card's DMA
// only once mapped, at a bus address unrelated to its virtual address, with an unmapped guard page between
// mappings; any access that touches a byte outside a live mapping is a fault. Thread-safe: the host maps
// and unmaps while the simulation thread translates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace hubsec::sim {

class DmaAddressMap {
 public:
  static constexpr std::uint64_t kPageBytes = 4096;
  static constexpr std::uint64_t kFirstBusAddress = 0x10'0000'0000ULL;

  // Maps the pages spanning [host, host + bytes). Returns the bus address of `host`.
  std::uint64_t map(void* host, std::size_t bytes);
  // Removes the mapping that contains bus address `bus`; returns false if there is none.
  bool unmap(std::uint64_t bus);
  // Host pointer for [bus, bus + bytes) if one live mapping covers all of it, else nullptr.
  [[nodiscard]] std::uint8_t* translate(std::uint64_t bus, std::size_t bytes) const;
  [[nodiscard]] std::size_t mappings() const;

 private:
  struct Region {
    std::uint8_t* host_page = nullptr;  // first mapped page
    std::uint64_t bytes = 0;            // whole pages
  };
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Region> regions_;  // by bus address of the first page
  std::uint64_t next_bus_ = kFirstBusAddress;
};

}  // namespace hubsec::sim
