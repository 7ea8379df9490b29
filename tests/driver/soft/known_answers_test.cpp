// Known answers typed from the RFCs: RFC 3602 section 4 (AES-CBC, cases 1-4), RFC 2202 section 3
// (HMAC-SHA-1), RFC 4231 section 4 (HMAC-SHA-256), RFC 4868 section 2.7.2.1 (HMAC-SHA-256 with
// 32-byte keys, and its 128-bit truncation). They run through the engine's own AesCbc and Hmac
// layers, which EspCrypto is built from. Then EspCrypto::seal is checked against a packet
// assembled by one-shot OpenSSL calls at test time.
#include <gtest/gtest.h>

#include "hubsec/driver/aes_cbc.hpp"
#include "hubsec/driver/esp_crypto.hpp"
#include "hubsec/driver/hmac.hpp"
#include "test_util.hpp"

namespace hubsec::driver::test {
namespace {

struct CbcCase {
  const char* name;
  Bytes key, iv, plain, cipher;
};

std::vector<CbcCase> rfc3602_cases() {
  return {
      {"case1", hex("06a9214036b8a15b512e03d534120006"), hex("3dafba429d9eb430b422da802c9fac41"),
       ascii("Single block msg"), hex("e353779c1079aeb82708942dbe77181a")},
      {"case2", hex("c286696d887c9aa0611bbb3e2025a45a"), hex("562e17996d093d28ddb3ba695a2e6f58"),
       hex("000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f"),
       hex("d296cd94c2cccf8a3a863028b5e1dc0a 7586602d253cfff91b8266bea6d61ab1")},
      {"case3", hex("6c3ea0477630ce21a2ce334aa746c2cd"), hex("c782dc4c098c66cbd9cd27d825682c81"),
       ascii("This is a 48-byte message (exactly 3 AES blocks)"),
       hex("d0a02b3836451753d493665d33f0e886 2dea54cdb293abc7506939276772f8d5 "
           "021c19216bad525c8579695d83ba2684")},
      {"case4", hex("56e47a38c5598974bc46903dba290349"), hex("8ce82eefbea0da3c44699ed7db51b7d9"),
       hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
           "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"),
       hex("c30e32ffedc0774e6aff6af0869f71aa 0f3af07a9a31a9c684db207eb0ef8e4e"
           "35907aa632c3ffdf868bb7b29d3d46ad 83ce9f9a102ee99d49a53e87f4c3da55")},
  };
}

TEST(Rfc3602, AesCbcEncryptAndDecrypt) {
  for (const CbcCase& c : rfc3602_cases()) {
    SCOPED_TRACE(c.name);
    auto enc = AesCbc::create(AesCbc::Op::kEncrypt, c.key);
    auto dec = AesCbc::create(AesCbc::Op::kDecrypt, c.key);
    ASSERT_NE(enc, nullptr);
    ASSERT_NE(dec, nullptr);
    Bytes out(c.plain.size());
    // Twice on the same context: the second message must not depend on the first (IV reset).
    for (int round = 0; round < 2; ++round) {
      ASSERT_TRUE(enc->start(c.iv.data()));
      ASSERT_TRUE(enc->update(c.plain.data(), c.plain.size(), out.data()));
      EXPECT_EQ(out, c.cipher);
      ASSERT_TRUE(dec->start(c.iv.data()));
      ASSERT_TRUE(dec->update(c.cipher.data(), c.cipher.size(), out.data()));
      EXPECT_EQ(out, c.plain);
    }
    // Block by block gives the same chain.
    ASSERT_TRUE(enc->start(c.iv.data()));
    for (std::size_t off = 0; off < c.plain.size(); off += 16) {
      ASSERT_TRUE(enc->update(c.plain.data() + off, 16, out.data() + off));
    }
    EXPECT_EQ(out, c.cipher);
  }
}

TEST(AesCbc, RefusesOtherKeySizesAndPartialBlocks) {
  EXPECT_EQ(AesCbc::create(AesCbc::Op::kEncrypt, Bytes(24)), nullptr);
  EXPECT_EQ(AesCbc::create(AesCbc::Op::kEncrypt, Bytes(15)), nullptr);
  auto enc = AesCbc::create(AesCbc::Op::kEncrypt, Bytes(32));
  ASSERT_NE(enc, nullptr);
  Bytes iv(16), buf(32);
  ASSERT_TRUE(enc->start(iv.data()));
  EXPECT_FALSE(enc->update(buf.data(), 17, buf.data()));
}

struct MacCase {
  const char* name;
  Bytes key, data, mac;  // mac may be a truncation (RFC 4231 case 5)
};

void check_macs(HmacDigest digest, const std::vector<MacCase>& cases) {
  for (const MacCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto h = Hmac::create(digest, c.key);
    ASSERT_NE(h, nullptr);
    Bytes out(c.mac.size());
    for (int round = 0; round < 2; ++round) {  // the pre-keyed context is reusable
      ASSERT_TRUE(h->compute(c.data, {}, out.data(), out.size()));
      EXPECT_EQ(out, c.mac);
    }
    // Split input gives the same MAC.
    const std::size_t half = c.data.size() / 2;
    ASSERT_TRUE(
        h->compute(std::span(c.data).first(half), std::span(c.data).subspan(half), out.data(), out.size()));
    EXPECT_EQ(out, c.mac);
  }
}

TEST(Rfc2202, HmacSha1) {
  const std::string block_key = "Test Using Larger Than Block-Size Key - Hash Key First";
  check_macs(HmacDigest::kSha1,
             {
                 {"1", repeat(0x0b, 20), ascii("Hi There"), hex("b617318655057264e28bc0b6fb378c8ef146be00")},
                 {"2", ascii("Jefe"), ascii("what do ya want for nothing?"),
                  hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")},
                 {"3", repeat(0xaa, 20), repeat(0xdd, 50), hex("125d7342b9ac11cd91a39af48aa17b4f63f175d3")},
                 {"4", hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeat(0xcd, 50),
                  hex("4c9007f4026250c6bc8414f9bf50c86c2d7235da")},
                 {"5", repeat(0x0c, 20), ascii("Test With Truncation"),
                  hex("4c1a03424b55e07fe7f27be1d58bb9324a9a5a04")},
                 {"5-96", repeat(0x0c, 20), ascii("Test With Truncation"), hex("4c1a03424b55e07fe7f27be1")},
                 {"6", repeat(0xaa, 80), ascii(block_key), hex("aa4ae5e15272d00e95705637ce8a3b55ed402112")},
                 {"7", repeat(0xaa, 80),
                  ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
                  hex("e8e99d0f45237d786d6bbaa7965c7808bbff1a91")},
             });
}

TEST(Rfc4231, HmacSha256) {
  check_macs(
      HmacDigest::kSha256,
      {
          {"1", repeat(0x0b, 20), ascii("Hi There"),
           hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")},
          {"2", ascii("Jefe"), ascii("what do ya want for nothing?"),
           hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")},
          {"3", repeat(0xaa, 20), repeat(0xdd, 50),
           hex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")},
          {"4", hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeat(0xcd, 50),
           hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")},
          {"5 (truncated to 128)", repeat(0x0c, 20), ascii("Test With Truncation"),
           hex("a3b6167473100ee06e0c796c2955552b")},
          {"6", repeat(0xaa, 131), ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
           hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")},
          {"7", repeat(0xaa, 131),
           ascii("This is a test using a larger than block-size key and a larger than block-size data. "
                 "The key needs to be hashed before being used by the HMAC algorithm."),
           hex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")},
      });
}

TEST(Rfc4868, HmacSha256AuthenticationVectors) {
  const Bytes key4 = hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  check_macs(
      HmacDigest::kSha256,
      {
          {"AUTH256-1", repeat(0x0b, 32), ascii("Hi There"),
           hex("198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7")},
          {"AUTH256-1 -128", repeat(0x0b, 32), ascii("Hi There"), hex("198a607eb44bfbc69903a0f1cf2bbdc5")},
          {"AUTH256-2", ascii("JefeJefeJefeJefeJefeJefeJefeJefe"), ascii("what do ya want for nothing?"),
           hex("167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6")},
          {"AUTH256-2 -128", ascii("JefeJefeJefeJefeJefeJefeJefeJefe"), ascii("what do ya want for nothing?"),
           hex("167f928588c5cc2eef8e3093caa0e87c")},
          {"AUTH256-3", repeat(0xaa, 32), repeat(0xdd, 50),
           hex("cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0")},
          {"AUTH256-3 -128", repeat(0xaa, 32), repeat(0xdd, 50), hex("cdcb1220d1ecccea91e53aba3092f962")},
          {"AUTH256-4", key4, repeat(0xcd, 50),
           hex("372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f")},
          {"AUTH256-4 -128", key4, repeat(0xcd, 50), hex("372efcf9b40b35c2115b1346903d2ef4")},
      });
}

// EspCrypto::seal must produce exactly the packet that plain OpenSSL calls produce from the RFC
// 4303 layout, for both ICVs, ESN on and off, and payload lengths around the block boundaries.
TEST(EspCrypto, SealMatchesOneShotOpenSslReference) {
  for (IntegrityAlg alg : {IntegrityAlg::kHmacSha1_96, IntegrityAlg::kHmacSha256_128}) {
    for (bool esn : {false, true}) {
      SaParams sa = sa_params(Direction::kOutbound, EspMode::kTransport, alg, esn, false);
      auto crypto = EspCrypto::create(Direction::kOutbound, sa.enc_key, alg,
                                      std::span(sa.auth_key).first(integrity_key_bytes(alg)), esn);
      ASSERT_NE(crypto, nullptr);
      for (std::size_t len : {0u, 1u, 13u, 14u, 15u, 16u, 30u, 31u, 100u, 1400u}) {
        SCOPED_TRACE(testing::Message() << "alg " << int(alg) << " esn " << esn << " len " << len);
        const Bytes payload = random_bytes(len), iv = random_bytes(16);
        const std::uint64_t seq = esn ? 0x0000000500000007ull : 7;
        Bytes out(esp_packet_length(len, alg));
        std::size_t out_len = 0;
        ASSERT_EQ(crypto->seal(sa.spi, seq, iv.data(), payload, 47, out, out_len), EspStatus::kOk);
        EXPECT_EQ(out_len, out.size());
        EXPECT_EQ(out, reference_esp(sa, seq, iv, esp_plaintext(payload, 47)));
      }
    }
  }
}

}  // namespace
}  // namespace hubsec::driver::test
