#include "hubsec/host/datapath/sa_database.hpp"

namespace hubsec::host::datapath {

bool selector_matches(const ike::TrafficSelector& ts, std::uint32_t addr, std::uint8_t protocol,
                      std::uint16_t port) {
  if (ts.start.v6 || ts.end.v6) {
    return false;
  }
  if (addr < ts.start.v4_host_order() || addr > ts.end.v4_host_order()) {
    return false;
  }
  if (ts.ip_proto != 0 && ts.ip_proto != protocol) {
    return false;
  }
  return port >= ts.start_port && port <= ts.end_port;
}

namespace {

bool any_matches(const std::vector<ike::TrafficSelector>& list, std::uint32_t addr, std::uint8_t protocol,
                 std::uint16_t port) {
  for (const auto& ts : list) {
    if (selector_matches(ts, addr, protocol, port)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool SaEntry::outbound_matches(const FlowKey& f) const {
  return any_matches(local_ts, f.src, f.protocol, f.src_port) &&
         any_matches(remote_ts, f.dst, f.protocol, f.dst_port);
}

bool SaEntry::inbound_matches(const FlowKey& f) const {
  return any_matches(remote_ts, f.src, f.protocol, f.src_port) &&
         any_matches(local_ts, f.dst, f.protocol, f.dst_port);
}

SaEntry& SaDatabase::add(SaEntry entry) {
  entry.generation = next_generation_++;
  const std::uint32_t spi = entry.inbound_spi;
  by_spi_.insert_or_assign(spi, std::move(entry));
  return by_spi_.at(spi);
}

std::optional<SaEntry> SaDatabase::take(std::uint32_t inbound_spi) {
  auto it = by_spi_.find(inbound_spi);
  if (it == by_spi_.end()) {
    return std::nullopt;
  }
  SaEntry e = std::move(it->second);
  by_spi_.erase(it);
  return e;
}

SaEntry* SaDatabase::by_inbound_spi(std::uint32_t spi) {
  auto it = by_spi_.find(spi);
  return it == by_spi_.end() ? nullptr : &it->second;
}

SaEntry* SaDatabase::newest_of_reqid(std::uint32_t reqid) {
  SaEntry* best = nullptr;
  for (auto& [spi, e] : by_spi_) {
    if (e.reqid == reqid && e.outbound != driver::kInvalidSa && !e.retiring &&
        (!best || e.generation > best->generation)) {
      best = &e;
    }
  }
  return best;
}

SaEntry* SaDatabase::outbound_for(const FlowKey& flow) {
  SaEntry* match = nullptr;
  for (auto& [spi, e] : by_spi_) {
    if (e.outbound != driver::kInvalidSa && !e.retiring && e.outbound_matches(flow) &&
        (!match || e.generation > match->generation)) {
      match = &e;
    }
  }
  return match ? newest_of_reqid(match->reqid) : nullptr;
}

}  // namespace hubsec::host::datapath
