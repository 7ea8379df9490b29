#include "hubsec/driver/esp_types.hpp"

namespace hubsec::driver {

std::string_view to_string(EspStatus status) {
  switch (status) {
    case EspStatus::kOk: return "ok";
    case EspStatus::kIcvMismatch: return "icv-mismatch";
    case EspStatus::kBadPadding: return "bad-padding";
    case EspStatus::kReplay: return "replay";
    case EspStatus::kUnknownSa: return "unknown-sa";
    case EspStatus::kBadLength: return "bad-length";
    case EspStatus::kBadHeader: return "bad-header";
    case EspStatus::kSeqExhausted: return "seq-exhausted";
    case EspStatus::kHardLimit: return "hard-limit";
    case EspStatus::kRingFull: return "ring-full";
    case EspStatus::kDeviceError: return "device-error";
  }
  return "unknown";
}

}  // namespace hubsec::driver
