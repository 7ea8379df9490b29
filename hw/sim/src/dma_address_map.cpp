#include "hubsec/sim/dma_address_map.hpp"

#include <bit>

namespace hubsec::sim {

std::uint64_t DmaAddressMap::map(void* host, std::size_t bytes) {
  const auto addr = std::bit_cast<std::uintptr_t>(host);
  const std::uintptr_t first_page = addr & ~(kPageBytes - 1);
  const std::uintptr_t end = addr + (bytes == 0 ? 1 : bytes);
  const std::uint64_t span = ((end - first_page) + kPageBytes - 1) & ~(kPageBytes - 1);
  std::lock_guard lock(mutex_);
  const std::uint64_t bus_page = next_bus_;
  next_bus_ += span + kPageBytes;  // leave a guard page unmapped
  regions_[bus_page] = Region{std::bit_cast<std::uint8_t*>(first_page), span};
  return bus_page + (addr - first_page);
}

bool DmaAddressMap::unmap(std::uint64_t bus) {
  std::lock_guard lock(mutex_);
  auto it = regions_.upper_bound(bus);
  if (it == regions_.begin()) return false;
  --it;
  if (bus - it->first >= it->second.bytes) return false;
  regions_.erase(it);
  return true;
}

std::uint8_t* DmaAddressMap::translate(std::uint64_t bus, std::size_t bytes) const {
  std::lock_guard lock(mutex_);
  auto it = regions_.upper_bound(bus);
  if (it == regions_.begin()) return nullptr;
  --it;
  const std::uint64_t offset = bus - it->first;
  if (offset >= it->second.bytes || bytes > it->second.bytes - offset) return nullptr;
  return it->second.host_page + offset;
}

std::size_t DmaAddressMap::mappings() const {
  std::lock_guard lock(mutex_);
  return regions_.size();
}

}  // namespace hubsec::sim
