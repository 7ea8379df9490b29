// A PacketIo for tests: keeps every packet the data plane sends to the outer network and delivers
// to the tunnel interface.
#pragma once

#include <cstdint>
#include <vector>

#include "hubsec/host/datapath/data_plane.hpp"

namespace hubsec::host::datapath::testing {

struct CaptureIo final : PacketIo {
  std::vector<std::vector<std::uint8_t>> outer, inner;
  std::size_t refuse_every = 0;  // > 0: every n-th send_outer fails (not captured), for send-error counts
  std::size_t sends = 0;
  bool send_outer(Packet p) override {
    if (refuse_every > 0 && ++sends % refuse_every == 0) {
      return false;
    }
    outer.emplace_back(p.begin(), p.end());
    return true;
  }
  bool deliver_inner(Packet p) override {
    inner.emplace_back(p.begin(), p.end());
    return true;
  }
};

}  // namespace hubsec::host::datapath::testing
