// The driver's rings against the Verilator card with its ESP datapath: identity, SA commands, ENCRYPT
// jobs checked byte for byte against the software engine (OpenSSL), ring wrap, back-pressure, both
// interrupt triggers and arming, every status through the card (refusals, lengths, ICV, padding, hard
// limit), counters, DMA faults, a halted queue, and a reset in mid-traffic.
#include <cstdio>
#include <random>

#include "card_fixture.hpp"
#include "hubsec/driver/aes_cbc.hpp"
#include "hubsec/driver/hmac.hpp"

namespace hubsec::driver::device::testing {
namespace {

using layout::Status;

std::uint8_t status(Status s) {
  return static_cast<std::uint8_t>(s);
}

std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

class CardRings : public CardFixture {};

TEST_F(CardRings, IdentityAndCapabilities) {
  open();
  EXPECT_EQ(device_->read32(layout::reg::kId), layout::kCardId);
  EXPECT_EQ(identity_.version, layout::kCardVersion);
  EXPECT_FALSE(identity_.placeholder_datapath());
  EXPECT_EQ(identity_.caps, layout::kCapAes256Cbc | layout::kCapHmacSha196 | layout::kCapHmacSha256128 |
                                layout::kCapEsn | layout::kCapCardIv);
  EXPECT_EQ(identity_.queues, 4u);
  EXPECT_EQ(identity_.sa_slots, 64u);
  EXPECT_EQ(identity_.ring_log2_max, layout::kMaxRingLog2);
  EXPECT_EQ(identity_.describe().find("PLACEHOLDER"), std::string::npos);
  // The cycle counter runs and its high word is latched with the low one.
  const std::uint32_t c0 = device_->read32(layout::reg::kCyclesLo);
  const std::uint32_t c1 = device_->read32(layout::reg::kCyclesLo);
  EXPECT_GT(c1, c0);
  EXPECT_EQ(device_->read32(layout::reg::kCyclesHi), 0u);
}

TEST_F(CardRings, EncryptsThroughTheRingsWithOneDoorbellPerBatch) {
  open();
  ASSERT_EQ(install_sa(3, 7), status(Status::kOk));
  std::mt19937 rng(1);
  constexpr std::size_t kJobs = 10;
  std::vector<std::unique_ptr<DmaBuffer>> src, dst;
  std::vector<std::vector<std::uint8_t>> payload;
  std::vector<layout::Desc> descs;
  for (std::size_t i = 0; i < kJobs; ++i) {
    const std::size_t len = (i == 0) ? 0 : (i == 1 ? 1 : rng() % 2001);
    payload.push_back(random_bytes(rng, len));
    src.push_back(device_->alloc_dma(len + 8));
    dst.push_back(device_->alloc_dma(len + 72));
    if (len > 0) std::memcpy(src.back()->data(), payload.back().data(), len);
    std::memset(dst.back()->data(), 0xee, len + 72);
    descs.push_back(esp_desc(3, 7, *src.back(), len, *dst.back(), 100 + i));
  }
  ASSERT_EQ(data().post(descs), kJobs);
  data().ring_doorbell();
  EXPECT_EQ(data().doorbells(), 1u);
  const auto cpls = collect(data(), kJobs);
  ASSERT_EQ(cpls.size(), kJobs);
  for (std::size_t i = 0; i < kJobs; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(cpls[i].cookie, 100 + i);
    const auto want = sealed(descs[i], payload[i]);
    EXPECT_EQ(cpls[i].status, status(Status::kOk));
    EXPECT_EQ(cpls[i].out_len, want.size());
    EXPECT_EQ(cpls[i].sa_slot, 3);
    EXPECT_EQ(cpls[i].consumer, i + 1);
    EXPECT_EQ(cpls[i].seq_lo, static_cast<std::uint32_t>(seq_for(100 + i)));
    EXPECT_EQ(cpls[i].phase, 1);
    EXPECT_EQ(first_difference(dst[i]->data(), want), -1);
    EXPECT_EQ(dst[i]->data()[want.size()], 0xee) << "wrote past the output";
  }
  EXPECT_EQ(data().in_flight(), 0u);
  EXPECT_EQ(device_->read32(layout::reg::kJobsDone), kJobs + 1);  // + the SA_WRITE
}

TEST_F(CardRings, OffsetsAndPageCrossings) {
  open();
  ASSERT_EQ(install_sa(0, 1), status(Status::kOk));
  std::mt19937 rng(2);
  auto src = device_->alloc_dma(3 * 4096);
  auto dst = device_->alloc_dma(3 * 4096);
  const auto bytes = random_bytes(rng, 3 * 4096);
  std::memcpy(src->data(), bytes.data(), bytes.size());
  // Input starts 4000 bytes in (with 16 bytes of framing skipped), output 56 bytes of headroom: both
  // sides cross a 4 KiB page at different points.
  layout::Desc d = esp_desc(0, 1, *src, 1500, *dst, 9, 4000 - 16, 4096 - 56 - 8);
  d.in_offset = 16;
  d.out_offset = 56;
  d.dst_cap = 1500 - 16 + 56 + 64;
  ASSERT_EQ(data().post(std::span(&d, 1)), 1u);
  data().ring_doorbell();
  const auto cpls = collect(data(), 1);
  ASSERT_EQ(cpls.size(), 1u);
  const auto want = sealed(d, std::span(bytes).subspan(4000, 1500 - 16));
  EXPECT_EQ(cpls[0].status, status(Status::kOk));
  EXPECT_EQ(cpls[0].out_len, want.size());
  EXPECT_EQ(0, std::memcmp(dst->data() + 4096 - 8, want.data(), want.size()));
}

TEST_F(CardRings, RingsWrapManyTimes) {
  open(1, /*ring_log2=*/2);
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(256);
  auto dst = device_->alloc_dma(256);
  for (int i = 0; i < 256; ++i) src->data()[i] = static_cast<std::uint8_t>(i);
  std::vector<std::uint8_t> sent_len(50);
  std::uint64_t next_cookie = 0, expected_cookie = 0;
  std::vector<layout::Cpl> out(4);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (expected_cookie < 50 && std::chrono::steady_clock::now() < deadline) {
    while (next_cookie < 50 && data().free_slots() > 0) {
      const layout::Desc d = esp_desc(1, 1, *src, 8 + next_cookie % 64, *dst, next_cookie);
      sent_len[next_cookie] = static_cast<std::uint8_t>(d.src_len);
      ASSERT_EQ(data().post(std::span(&d, 1)), 1u);
      ++next_cookie;
    }
    data().ring_doorbell();
    const std::size_t n = data().poll(out);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i].cookie, expected_cookie);
      EXPECT_EQ(out[i].status, status(Status::kOk));
      EXPECT_EQ(out[i].out_len, esp_packet_length(sent_len[expected_cookie], IntegrityAlg::kHmacSha1_96));
      EXPECT_EQ(out[i].phase, ((expected_cookie >> 2) & 1) ^ 1);
      ++expected_cookie;
    }
    if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  EXPECT_EQ(expected_cookie, 50u);
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kConsumer)), 50u);
}

TEST_F(CardRings, FullRingsPushBackAndAFullCompletionRingStallsWithoutDropping) {
  open(1, /*ring_log2=*/3);
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(64);
  auto dst = device_->alloc_dma(256);
  std::vector<layout::Desc> descs;
  for (std::uint64_t i = 0; i < 20; ++i) descs.push_back(esp_desc(1, 1, *src, 64, *dst, i));
  // Host side: the descriptor ring takes 8 of 20.
  ASSERT_EQ(data().post(descs), 8u);
  data().ring_doorbell();
  // Read the completions but keep their slots: the host learns the 8 descriptors are free.
  std::vector<layout::Cpl> cpls(32);
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got < 8 && std::chrono::steady_clock::now() < deadline) {
    got += data().poll_keep(std::span(cpls).subspan(got, 8 - got));
  }
  ASSERT_EQ(got, 8u);
  ASSERT_EQ(data().free_slots(), 8u);
  ASSERT_EQ(data().post(std::span(descs).subspan(8, 8)), 8u);
  data().ring_doorbell();
  // The completion ring is full: the card stalls, it takes no descriptor and writes nothing.
  const std::uint32_t qstatus = layout::queue_reg(1, layout::qreg::kQStatus);
  EXPECT_NE(device_->read32(qstatus) & layout::kQstatCplFull, 0u);
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kConsumer)), 8u);
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kCplTail)), 8u);
  EXPECT_FALSE(data().completion_ready());
  // Returning the slots lets it go on; every job completes exactly once, in order.
  data().return_completion_space();
  const auto rest = collect(data(), 8);
  ASSERT_EQ(rest.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(rest[i].cookie, 8 + i);
  EXPECT_EQ(device_->read32(qstatus) & layout::kQstatCplFull, 0u);
}

TEST_F(CardRings, InterruptAfterCountCompletionsOnlyWhileArmed) {
  open();
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(64);
  auto dst = device_->alloc_dma(256);
  data().set_interrupt_moderation(4, 0);
  device_->wait_interrupt(std::chrono::microseconds(0));  // forget the control queue's history
  device_->write32(layout::reg::kIrqStatus, 0xff);
  std::vector<layout::Desc> descs;
  for (std::uint64_t i = 0; i < 4; ++i) descs.push_back(esp_desc(1, 1, *src, 64, *dst, i));
  // Unarmed: 3 completions raise nothing.
  ASSERT_EQ(data().post(std::span(descs).first(3)), 3u);
  data().ring_doorbell();
  EXPECT_EQ(collect(data(), 3).size(), 3u);
  EXPECT_FALSE(device_->wait_interrupt(std::chrono::milliseconds(50)));
  // Armed with 3 pending (< 4): still nothing.
  data().arm_interrupt();
  EXPECT_FALSE(device_->wait_interrupt(std::chrono::milliseconds(100)));
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kIrqArm)), 1u);
  // The fourth completion fires it and disarms the queue.
  ASSERT_EQ(data().post(std::span(descs).subspan(3, 1)), 1u);
  data().ring_doorbell();
  EXPECT_TRUE(device_->wait_interrupt(std::chrono::seconds(2)));
  EXPECT_EQ(device_->read32(layout::reg::kIrqStatus), 1u << 1);
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kIrqArm)), 0u);
  device_->write32(layout::reg::kIrqStatus, 1u << 1);
  EXPECT_EQ(device_->read32(layout::reg::kIrqStatus), 0u);
  EXPECT_EQ(collect(data(), 1).size(), 1u);
}

TEST_F(CardRings, InterruptByTimeWhenTheCountIsNotReached) {
  open();
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(64);
  auto dst = device_->alloc_dma(256);
  data().set_interrupt_moderation(1000, 2000);
  device_->write32(layout::reg::kIrqStatus, 0xff);
  device_->wait_interrupt(std::chrono::microseconds(0));
  data().arm_interrupt();
  const layout::Desc d = esp_desc(1, 1, *src, 64, *dst, 1);
  ASSERT_EQ(data().post(std::span(&d, 1)), 1u);
  const std::uint32_t before = device_->read32(layout::reg::kCyclesLo);
  data().ring_doorbell();
  EXPECT_TRUE(data().wait_for_completion(std::chrono::seconds(2)));
  const std::uint32_t after = device_->read32(layout::reg::kCyclesLo);
  EXPECT_GE(after - before, 2000u) << "fired before the time limit";
  EXPECT_EQ(collect(data(), 1).size(), 1u);
}

TEST_F(CardRings, ArmingWithWorkPendingFiresAtOnce) {
  open();
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(64);
  auto dst = device_->alloc_dma(256);
  data().set_interrupt_moderation(1, 0);
  device_->write32(layout::reg::kIrqStatus, 0xff);
  device_->wait_interrupt(std::chrono::microseconds(0));
  const layout::Desc d = esp_desc(1, 1, *src, 64, *dst, 1);
  ASSERT_EQ(data().post(std::span(&d, 1)), 1u);
  data().ring_doorbell();
  EXPECT_EQ(collect(data(), 1).size(), 1u);
  EXPECT_FALSE(device_->wait_interrupt(std::chrono::milliseconds(50)));
  data().arm_interrupt();
  EXPECT_TRUE(device_->wait_interrupt(std::chrono::seconds(2)));
}

// A DECRYPT descriptor for an ESP packet at src.
layout::Desc decrypt_desc(std::uint16_t slot, std::uint16_t generation, const DmaBuffer& src, std::size_t len,
                          const DmaBuffer& dst, std::uint64_t cookie, std::uint64_t seq) {
  layout::Desc d{};
  d.opcode = static_cast<std::uint8_t>(layout::Opcode::kDecrypt);
  d.flags = layout::kDescFlagRawEsp;
  d.sa_slot = slot;
  d.sa_gen = generation;
  d.seq = seq;
  d.src_addr = src.bus_address();
  d.dst_addr = dst.bus_address();
  d.src_len = static_cast<std::uint16_t>(len);
  d.dst_cap = static_cast<std::uint16_t>(len);
  d.cookie = cookie;
  return d;
}

// An ESP packet with a correct ICV (OpenSSL HMAC) around a last block whose padding is wrong.
std::vector<std::uint8_t> badly_padded(const Keys& k, std::uint32_t seq) {
  std::vector<std::uint8_t> plain(32, 0x42);
  plain[29] = 0x07;  // a pad byte that should be 2
  plain[30] = 3;     // pad length 3: bytes 27, 28, 29 must be 1, 2, 3
  plain[31] = 4;
  plain[27] = 1;
  plain[28] = 2;
  std::vector<std::uint8_t> pkt(8 + 16 + 32 + 12);
  for (int i = 0; i < 4; ++i) {
    pkt[i] = static_cast<std::uint8_t>(k.spi >> (24 - 8 * i));
    pkt[4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  }
  for (std::size_t i = 0; i < 16; ++i) pkt[8 + i] = static_cast<std::uint8_t>(0x30 + i);
  auto aes = AesCbc::create(AesCbc::Op::kEncrypt, k.enc);
  EXPECT_TRUE(aes && aes->start(pkt.data() + 8) && aes->update(plain.data(), plain.size(), pkt.data() + 24));
  auto mac = Hmac::create(HmacDigest::kSha1, std::span(k.auth).first(20));
  std::array<std::uint8_t, 20> icv{};
  EXPECT_TRUE(mac && mac->compute(std::span(pkt).first(56), {}, icv.data(), icv.size()));
  std::copy_n(icv.begin(), 12, pkt.begin() + 56);
  return pkt;
}

TEST_F(CardRings, EveryStatusThroughTheCard) {
  open(1, /*ring_log2=*/5);
  SaSpec in2;
  in2.inbound = true;
  in2.key_id = 2;
  SaSpec limited;
  limited.hard_packets = 1;
  ASSERT_EQ(install_sa(2, 5), status(Status::kOk));
  ASSERT_EQ(install_sa(3, 1, true, 0xffff, in2), status(Status::kOk));  // slot 2's peer
  ASSERT_EQ(install_sa(5, 1, true, 0xffff, limited), status(Status::kOk));
  ASSERT_EQ(install_sa(4, 1, true, /*record_generation=*/9), status(Status::kStaleSa));
  ASSERT_EQ(install_sa(200, 1), status(Status::kUnknownSa));
  std::mt19937 rng(3);
  const auto payload = random_bytes(rng, 100);
  auto src = device_->alloc_dma(4096);
  auto dst = device_->alloc_dma(4096);
  std::memcpy(src->data(), payload.data(), payload.size());
  // Inbound packets for slot 3: good, tampered, badly padded, cut short.
  const layout::Desc seal_desc = esp_desc(2, 5, *src, 100, *dst, 77);
  const auto good = sealed(seal_desc, payload);
  auto tampered = good;
  tampered[40] ^= 0x10;
  const auto padded = badly_padded(keys_for(2), 1234);
  auto pkt_good = device_->alloc_dma(4096), pkt_bad = device_->alloc_dma(4096);
  auto pkt_pad = device_->alloc_dma(4096), plain = device_->alloc_dma(4096);
  std::memcpy(pkt_good->data(), good.data(), good.size());
  std::memcpy(pkt_bad->data(), tampered.data(), tampered.size());
  std::memcpy(pkt_pad->data(), padded.data(), padded.size());

  std::vector<std::pair<layout::Desc, Status>> cases;
  cases.push_back({esp_desc(2, 5, *src, 100, *dst, 0), Status::kOk});
  cases.push_back({esp_desc(6, 0, *src, 100, *dst, 1), Status::kUnknownSa});    // never installed
  cases.push_back({esp_desc(4, 1, *src, 100, *dst, 2), Status::kUnknownSa});    // refused above
  cases.push_back({esp_desc(2, 4, *src, 100, *dst, 3), Status::kStaleSa});      // old generation
  cases.push_back({esp_desc(300, 0, *src, 100, *dst, 4), Status::kUnknownSa});  // beyond the table
  auto small = esp_desc(2, 5, *src, 100, *dst, 5);
  small.dst_cap = 99;
  cases.push_back({small, Status::kBadLength});
  cases.push_back({esp_desc(2, 5, *src, 100, *dst, 6, 4), Status::kBadLength});  // unaligned source
  auto offset = esp_desc(2, 5, *src, 100, *dst, 7);
  offset.in_offset = 101;
  cases.push_back({offset, Status::kBadLength});
  auto big = esp_desc(2, 5, *src, 4000, *dst, 8);
  big.src_len = big.dst_cap = 10000;  // above MAX_PACKET
  cases.push_back({big, Status::kBadLength});
  auto control_op = esp_desc(2, 5, *src, 100, *dst, 9);
  control_op.opcode = static_cast<std::uint8_t>(layout::Opcode::kSaInvalidate);
  cases.push_back({control_op, Status::kBadOpcode});
  auto unknown_op = esp_desc(2, 5, *src, 100, *dst, 10);
  unknown_op.opcode = 0x7f;
  cases.push_back({unknown_op, Status::kBadOpcode});
  cases.push_back(
      {decrypt_desc(2, 5, *pkt_good, good.size(), *plain, 11, 1), Status::kUnknownSa});  // outbound SA
  cases.push_back({decrypt_desc(3, 1, *pkt_bad, good.size(), *plain, 12, 0), Status::kIcvMismatch});
  cases.push_back({decrypt_desc(3, 1, *pkt_pad, padded.size(), *plain, 13, 0), Status::kBadPadding});
  cases.push_back({decrypt_desc(3, 1, *pkt_good, good.size() - 4, *plain, 14, 0), Status::kBadLength});
  cases.push_back({decrypt_desc(3, 1, *pkt_good, good.size(), *plain, 15, 0), Status::kOk});
  cases.push_back({esp_desc(5, 1, *src, 100, *dst, 16), Status::kOk});
  cases.push_back({esp_desc(5, 1, *src, 100, *dst, 17), Status::kHardLimit});
  auto corner = esp_desc(5, 1, *src, 100, *dst, 18);
  corner.sa_gen = 2;
  cases.push_back({corner, Status::kStaleSa});
  for (const auto& [desc, want] : cases) ASSERT_EQ(data().post(std::span(&desc, 1)), 1u);
  std::memset(dst->data(), 0xee, 4096);
  data().ring_doorbell();
  const auto cpls = collect(data(), cases.size());
  ASSERT_EQ(cpls.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(cpls[i].cookie, cases[i].first.cookie);
    EXPECT_EQ(cpls[i].status, status(cases[i].second)) << "case " << i;
    if (cases[i].second != Status::kOk) {
      EXPECT_EQ(cpls[i].out_len, 0u) << "case " << i;
    }
  }
  // The good decryption gave the payload and next header back; the refused ones wrote nothing.
  EXPECT_EQ(cpls[15].out_len, payload.size());
  EXPECT_EQ(cpls[15].next_header, seal_desc.next_header);
  EXPECT_EQ(cpls[15].seq_lo, static_cast<std::uint32_t>(seal_desc.seq));
  EXPECT_EQ(0, std::memcmp(plain->data(), payload.data(), payload.size()));
  // A data opcode on the control queue.
  auto misplaced = esp_desc(2, 5, *src, 100, *dst, 19);
  ASSERT_EQ(control().post(std::span(&misplaced, 1)), 1u);
  control().ring_doorbell();
  auto c = collect(control(), 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, status(Status::kBadOpcode));
  // Counters of slots 2, 3 and 5; then invalidating slot 2 refuses further jobs.
  auto counters_buf = device_->alloc_dma(4096);
  std::vector<layout::Desc> reads;
  for (const std::uint16_t slot : {std::uint16_t{2}, std::uint16_t{3}, std::uint16_t{5}}) {
    layout::Desc read{};
    read.opcode = static_cast<std::uint8_t>(layout::Opcode::kSaReadCounters);
    read.sa_slot = slot;
    read.dst_addr = counters_buf->bus_address() + 64u * reads.size();
    read.dst_cap = layout::kSaCountersBytes;
    reads.push_back(read);
  }
  layout::Desc invalidate{};
  invalidate.opcode = static_cast<std::uint8_t>(layout::Opcode::kSaInvalidate);
  invalidate.sa_slot = 2;
  reads.push_back(invalidate);
  ASSERT_EQ(control().post(reads), 4u);
  control().ring_doorbell();
  c = collect(control(), 4);
  ASSERT_EQ(c.size(), 4u);
  for (const auto& cpl : c) EXPECT_EQ(cpl.status, status(Status::kOk));
  layout::SaCounters s2{}, s3{}, s5{};
  std::memcpy(&s2, counters_buf->data(), sizeof s2);
  std::memcpy(&s3, counters_buf->data() + 64, sizeof s3);
  std::memcpy(&s5, counters_buf->data() + 128, sizeof s5);
  EXPECT_EQ(s2.packets, 1u);
  EXPECT_EQ(s2.bytes, 100u);
  EXPECT_EQ(s2.generation, 5u);
  EXPECT_EQ(s2.valid, 1u);
  EXPECT_EQ(s3.packets, 1u);
  EXPECT_EQ(s3.icv_failures, 1u);
  EXPECT_EQ(s3.pad_failures, 1u);
  EXPECT_EQ(s3.length_failures, 1u);
  EXPECT_EQ(s5.packets, 1u);
  EXPECT_EQ(s5.limit_drops, 1u);
  const auto after = esp_desc(2, 5, *src, 100, *dst, 20);
  ASSERT_EQ(data().post(std::span(&after, 1)), 1u);
  data().ring_doorbell();
  c = collect(data(), 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, status(Status::kUnknownSa));
}

TEST_F(CardRings, DmaFaultIsReportedAndTheCardGoesOn) {
  open();
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(4096);
  auto dst = device_->alloc_dma(4096);
  std::uint64_t stray = 0;
  {
    auto gone = device_->alloc_dma(4096);
    stray = gone->bus_address();
  }  // freed: unmapped from the card
  // 64 payload bytes: one read burst of 8 beats, one write burst of 15 (the 116-byte ESP packet).
  auto bad_src = esp_desc(1, 1, *src, 64, *dst, 1);
  bad_src.src_addr = stray + 64;
  auto bad_dst = esp_desc(1, 1, *src, 64, *dst, 2);
  bad_dst.dst_addr = stray;
  const layout::Desc descs[] = {bad_src, bad_dst, esp_desc(1, 1, *src, 64, *dst, 3)};
  expected_faults_ = 2;
  ASSERT_EQ(data().post(descs), 3u);
  data().ring_doorbell();
  const auto cpls = collect(data(), 3);
  ASSERT_EQ(cpls.size(), 3u);
  EXPECT_EQ(cpls[0].status, status(Status::kDmaError));
  EXPECT_EQ(cpls[1].status, status(Status::kDmaError));
  EXPECT_EQ(cpls[2].status, status(Status::kOk));
  const std::uint64_t fault = device_->read32(layout::reg::kFaultAddrLo) |
                              std::uint64_t{device_->read32(layout::reg::kFaultAddrHi)} << 32;
  EXPECT_EQ(fault, stray + 64);
  EXPECT_EQ(device_->read32(layout::reg::kFaultCount), 2u);
  EXPECT_NE(device_->read32(layout::reg::kStatus) & layout::kStatFaulted, 0u);
}

TEST_F(CardRings, RingFaultHaltsOnlyThatQueue) {
  open(2);
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(64);
  auto dst = device_->alloc_dma(256);
  device_->write32(layout::reg::kIrqStatus, 0xff);
  device_->wait_interrupt(std::chrono::microseconds(0));
  // Queue 2's descriptor ring now points at nothing.
  expected_faults_ = 1;
  device_->write32(layout::queue_reg(2, layout::qreg::kDescBaseLo), 0x1000);
  device_->write32(layout::queue_reg(2, layout::qreg::kDescBaseHi), 0);
  const layout::Desc d = esp_desc(1, 1, *src, 64, *dst, 1);
  ASSERT_EQ(data(2).post(std::span(&d, 1)), 1u);
  data(2).ring_doorbell();
  EXPECT_TRUE(device_->wait_interrupt(std::chrono::seconds(2)));
  EXPECT_NE(device_->read32(layout::queue_reg(2, layout::qreg::kQStatus)) & layout::kQstatHalted, 0u);
  EXPECT_NE(device_->read32(layout::reg::kIrqStatus) & (1u << 2), 0u);
  ASSERT_EQ(data(1).post(std::span(&d, 1)), 1u);
  data(1).ring_doorbell();
  const auto cpls = collect(data(1), 1);
  ASSERT_EQ(cpls.size(), 1u);
  EXPECT_EQ(cpls[0].status, status(Status::kOk));
}

TEST_F(CardRings, ResetInMidTrafficClearsEverythingAndTheCardRunsAgain) {
  open(2, 4);
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  auto src = device_->alloc_dma(2048);
  auto dst = device_->alloc_dma(4096);
  std::vector<layout::Desc> descs;
  for (std::uint64_t i = 0; i < 16; ++i) descs.push_back(esp_desc(1, 1, *src, 2000, *dst, i));
  // Queue 1 is made to hold work the card cannot finish: its completion ring fills (the host reads the
  // completions but keeps their slots), then 16 more jobs are posted and the card stalls on them. Queue 2
  // has 16 large jobs running at the same time. The reset lands in the middle of all that, whatever the
  // scheduling of the host and simulator threads.
  ASSERT_EQ(data(1).post(descs), 16u);
  data(1).ring_doorbell();
  std::vector<layout::Cpl> kept(16);
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got < 16 && std::chrono::steady_clock::now() < deadline)
    got += data(1).poll_keep(std::span(kept).subspan(got));
  ASSERT_EQ(got, 16u);
  ASSERT_EQ(data(1).post(descs), 16u);
  data(1).ring_doorbell();
  ASSERT_EQ(data(2).post(descs), 16u);
  data(2).ring_doorbell();
  EXPECT_NE(device_->read32(layout::queue_reg(1, layout::qreg::kQStatus)) & layout::kQstatCplFull, 0u);
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kProducer)), 32u);
  EXPECT_EQ(device_->read32(layout::queue_reg(1, layout::qreg::kConsumer)), 16u);
  ASSERT_TRUE(reset_card(*device_, std::chrono::seconds(2)));
  EXPECT_EQ(device_->read32(layout::reg::kJobsDone), 0u);
  EXPECT_EQ(device_->read32(layout::reg::kControl), 0u);
  EXPECT_EQ(device_->read32(layout::reg::kIrqMask), 0u);
  for (unsigned q = 0; q < 3; ++q) {
    EXPECT_EQ(device_->read32(layout::queue_reg(q, layout::qreg::kConsumer)), 0u);
    EXPECT_EQ(device_->read32(layout::queue_reg(q, layout::qreg::kQControl)), 0u);
    EXPECT_EQ(device_->read32(layout::queue_reg(q, layout::qreg::kDescBaseLo)), 0u);
  }
  // Bring it back: rings, enable; the SA table was wiped, so the first job is refused until reinstalled.
  for (auto& q : queues_) q->reprogram();
  enable_card(*device_, true);
  const layout::Desc probe = esp_desc(1, 1, *src, 64, *dst, 99);
  ASSERT_EQ(data(1).post(std::span(&probe, 1)), 1u);
  data(1).ring_doorbell();
  auto c = collect(data(1), 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, status(Status::kUnknownSa));
  ASSERT_EQ(install_sa(1, 1), status(Status::kOk));
  ASSERT_EQ(data(2).post(descs), 16u);
  data(2).ring_doorbell();
  c = collect(data(2), 16);
  ASSERT_EQ(c.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(c[i].cookie, i);
    EXPECT_EQ(c[i].status, status(Status::kOk));
  }
}

// Many queues, random sizes and offsets, the memory side withholding ready/valid 30% of the time.
TEST_F(CardRings, RandomTrafficOverQueuesWithBusStalls) {
  open(3, 4, /*stall_permille=*/300);
  // Both ICVs, ESN on and off.
  auto spec_of = [](std::uint16_t slot) {
    SaSpec spec;
    spec.sha256 = (slot & 1) != 0;
    spec.esn = (slot & 2) != 0;
    return spec;
  };
  for (std::uint16_t slot = 0; slot < 8; ++slot)
    ASSERT_EQ(install_sa(slot, slot, true, 0xffff, spec_of(slot)), status(Status::kOk));
  std::mt19937 rng(7);
  constexpr std::size_t kJobs = 240;
  struct Job {
    std::unique_ptr<DmaBuffer> src, dst;
    std::vector<std::uint8_t> payload;
    std::vector<std::uint8_t> want;
    std::size_t out_off = 0;
    bool done = false;
  };
  std::vector<Job> jobs(kJobs);
  std::size_t next = 0, finished = 0;
  std::vector<layout::Cpl> out(16);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (finished < kJobs && std::chrono::steady_clock::now() < deadline) {
    for (unsigned q = 1; q <= 3; ++q) {
      std::vector<layout::Desc> batch;
      const std::size_t room = data(q).free_slots();
      for (std::size_t k = 0; k < room && next < kJobs && k < 1 + rng() % 6; ++k, ++next) {
        Job& job = jobs[next];
        const std::size_t len = rng() % 1600;
        const std::size_t in_off = 8 * (rng() % 4);
        job.out_off = 8 * (rng() % 4);
        job.payload = random_bytes(rng, len);
        job.src = device_->alloc_dma(len + in_off + 8);
        job.dst = device_->alloc_dma(len + job.out_off + 72);
        if (len > 0) std::memcpy(job.src->data() + in_off, job.payload.data(), len);
        const auto slot = static_cast<std::uint16_t>(rng() % 8);
        layout::Desc d = esp_desc(slot, slot, *job.src, len + in_off, *job.dst, next);
        d.in_offset = static_cast<std::uint16_t>(in_off);
        d.out_offset = static_cast<std::uint16_t>(job.out_off);
        d.dst_cap = static_cast<std::uint16_t>(len + job.out_off + 64);
        job.want = sealed(d, job.payload, spec_of(slot));
        batch.push_back(d);
      }
      ASSERT_EQ(data(q).post(batch), batch.size());
      data(q).ring_doorbell();
      const std::size_t n = data(q).poll(out);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_LT(out[i].cookie, kJobs);
        Job& job = jobs[out[i].cookie];
        EXPECT_FALSE(job.done) << "completed twice";
        EXPECT_EQ(out[i].status, status(Status::kOk));
        EXPECT_EQ(out[i].out_len, job.want.size());
        EXPECT_EQ(0, std::memcmp(job.dst->data() + job.out_off, job.want.data(), job.want.size()));
        job.done = true;
        job.src.reset();
        job.dst.reset();
        ++finished;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  EXPECT_EQ(finished, kJobs);
  EXPECT_EQ(device_->read32(layout::reg::kFaultCount), 0u);
  EXPECT_EQ(device_->read32(layout::reg::kJobsDone), kJobs + 8);
  std::printf("card cycles for %zu random jobs: %u\n", kJobs, device_->read32(layout::reg::kCyclesLo));
}

}  // namespace
}  // namespace hubsec::driver::device::testing
