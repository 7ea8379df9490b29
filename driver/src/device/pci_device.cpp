// PCI backend: libpci finds Xilinx functions with the card's device ids; the register BAR is mapped from
// sysfs (resourceN). It needs no kernel driver of ours, and so it has no DMA memory and no interrupt:
// it serves `hubsec-card list/info` and register-level bring-up; the data path on a board runs through
// the XRT backend (xrt::bo host memory), or through a VFIO allocator that is not written yet.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "hubsec/driver/device/discovery.hpp"
#include "hubsec/driver/device/pci_ids.hpp"
#include "hubsec/driver/device/polled_interrupt.hpp"

extern "C" {
#include <pci/pci.h>
}

namespace hubsec::driver::device {
namespace {

// libpci reports fatal errors through a callback that must not return; we jump back to the scan.
thread_local std::jmp_buf* pci_error_jump = nullptr;
thread_local char pci_error_text[256];

extern "C" void pci_error_handler(char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(pci_error_text, sizeof pci_error_text, format, args);
  va_end(args);
  if (pci_error_jump != nullptr) std::longjmp(*pci_error_jump, 1);
}
extern "C" void pci_quiet(char*, ...) {}

struct RawPciFunction {
  unsigned domain, bus, dev, func;
  unsigned vendor, device;
};

// Plain C-style scan (no C++ objects with destructors live across setjmp). Returns the count or -1.
int scan_pci(RawPciFunction* out, int capacity) {
  std::jmp_buf jump;
  pci_access* access = pci_alloc();
  if (access == nullptr) return -1;
  access->error = pci_error_handler;
  access->warning = pci_quiet;
  access->debug = pci_quiet;
  pci_error_jump = &jump;
  if (setjmp(jump) != 0) {
    pci_error_jump = nullptr;
    return -1;  // the access structure is leaked: libpci's state is unknown after its fatal error
  }
  pci_init(access);
  pci_scan_bus(access);
  int count = 0;
  for (pci_dev* d = access->devices; d != nullptr; d = d->next) {
    pci_fill_info(d, PCI_FILL_IDENT);
    if (count < capacity) {
      out[count] = RawPciFunction{
          static_cast<unsigned>(d->domain), d->bus, d->dev, d->func, d->vendor_id, d->device_id};
    }
    ++count;
  }
  pci_cleanup(access);
  pci_error_jump = nullptr;
  return count;
}

std::string bdf_string(const RawPciFunction& f) {
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%02x:%02x.%x", f.domain, f.bus, f.dev, f.func);
  return text;
}

class PciDevice final : public Device {
 public:
  PciDevice(std::string bdf, volatile std::uint32_t* regs, std::size_t bytes)
      : bdf_(std::move(bdf)), regs_(regs), bytes_(bytes) {}
  ~PciDevice() override { munmap(const_cast<std::uint32_t*>(regs_), bytes_); }

  std::string name() const override { return "pci:" + bdf_; }
  std::uint32_t read32(std::uint32_t offset) override {
    if (offset % 4 != 0 || offset + 4 > bytes_) return 0xffffffffu;
    return regs_[offset / 4];
  }
  void write32(std::uint32_t offset, std::uint32_t value) override {
    if (offset % 4 != 0 || offset + 4 > bytes_) return;
    regs_[offset / 4] = value;
  }
  std::unique_ptr<DmaBuffer> alloc_dma(std::size_t) override { return nullptr; }
  bool wait_interrupt(std::chrono::microseconds timeout) override {
    return poll_for_interrupt(*this, timeout);
  }
  std::string last_error() const override {
    return "pci backend has no DMA memory (no kernel driver of ours); use xrt:N for the data path";
  }

 private:
  std::string bdf_;
  volatile std::uint32_t* regs_;
  std::size_t bytes_;
};

}  // namespace

Discovery discover_pci() {
  Discovery found;
  if (!std::filesystem::exists("/sys/bus/pci/devices")) {
    found.notes.push_back("pci: /sys/bus/pci is not available here");
    return found;
  }
  constexpr int kCapacity = 1024;
  static_assert(kCapacity > 0);
  auto functions = std::make_unique<RawPciFunction[]>(kCapacity);
  const int count = scan_pci(functions.get(), kCapacity);
  if (count < 0) {
    found.notes.push_back(std::string("pci: libpci failed: ") + pci_error_text);
    return found;
  }
  int xilinx = 0;
  for (int i = 0; i < std::min(count, kCapacity); ++i) {
    const RawPciFunction& f = functions[static_cast<std::size_t>(i)];
    if (f.vendor == kXilinxVendorId) ++xilinx;
    if (!is_card_pci_id(static_cast<std::uint16_t>(f.vendor), static_cast<std::uint16_t>(f.device))) continue;
    char ids[32];
    std::snprintf(ids, sizeof ids, "%04x:%04x", f.vendor, f.device);
    found.devices.push_back({"pci:" + bdf_string(f), std::string("Xilinx PCI function ") + ids});
  }
  found.notes.push_back("pci: scanned " + std::to_string(count) + " functions, " + std::to_string(xilinx) +
                        " Xilinx, " + std::to_string(found.devices.size()) + " hubsec card(s)");
  return found;
}

OpenedDevice open_pci_device(std::string_view spec) {
  // spec: BDF, or BDF/barN.
  std::string bdf(spec);
  int bar = 0;
  if (auto slash = bdf.find("/bar"); slash != std::string::npos) {
    bar = std::atoi(bdf.c_str() + slash + 4);
    bdf.resize(slash);
  }
  if (bdf.size() == 7) bdf = "0000:" + bdf;  // bus:dev.fn without a domain
  const std::string dir = "/sys/bus/pci/devices/" + bdf;
  if (!std::filesystem::exists(dir)) return {nullptr, "pci:" + bdf + ": no such PCI function"};
  const std::string path = dir + "/resource" + std::to_string(bar);
  const int fd = ::open(path.c_str(), O_RDWR | O_SYNC);
  if (fd < 0) return {nullptr, "pci:" + bdf + ": cannot open " + path};
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    return {nullptr, "pci:" + bdf + ": BAR " + std::to_string(bar) + " has no size"};
  }
  const auto bytes = static_cast<std::size_t>(st.st_size);
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) return {nullptr, "pci:" + bdf + ": cannot map " + path};
  return {std::make_unique<PciDevice>(bdf, static_cast<volatile std::uint32_t*>(base), bytes), {}};
}

}  // namespace hubsec::driver::device
