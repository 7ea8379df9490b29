// A PacketIo for tests: keeps every packet the data plane sends to the outer network and delivers
// to the tunnel interface.
#pragma once

#include <cstdint>
#include <vector>

#include "hubsec/host/datapath/data_plane.hpp"

namespace hubsec::host::datapath::testing {

struct CaptureIo final : PacketIo {
  std::vector<std::vector<std::uint8_t>> outer, inner;
  bool send_outer(Packet p) override {
    outer.emplace_back(p.begin(), p.end());
    return true;
  }
  bool deliver_inner(Packet p) override {
    inner.emplace_back(p.begin(), p.end());
    return true;
  }
};

}  // namespace hubsec::host::datapath::testing
