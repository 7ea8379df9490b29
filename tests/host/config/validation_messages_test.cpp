// Every message the parser and validator can give, each provoked by a broken variant of the seed.
// IOS's own messages are typed here from IOS's output, not taken from our headers, so a drift in
// our text fails the test.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "hubsec/host/config/parser.hpp"

namespace hubsec::host::config {
namespace {

std::string seed_text() {
  std::ifstream in(HUBSEC_SEED_CONFIG);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The seed with `from` replaced by `to` (which must occur).
std::string variant(const std::string& from, const std::string& to) {
  std::string text = seed_text();
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The findings whose message contains `needle`.
std::vector<Finding> with(const ParseResult& r, const std::string& needle) {
  std::vector<Finding> out;
  for (const Finding& f : r.findings) {
    if (f.message.find(needle) != std::string::npos) {
      out.push_back(f);
    }
  }
  return out;
}

constexpr const char* kIosProposal =
    "IKEv2 proposal MUST either have a set of an encryption algorithm other than aes-gcm, an integrity "
    "algorithm and a DH group configured or encryption algorithm aes-gcm, a prf algorithm and a DH group "
    "configured";
constexpr const char* kIosPolicy = "IKEv2 policy MUST have atleast one complete proposal attached";
constexpr const char* kIosProfile =
    "IKEv2 profile MUST have:\n   1. A local and a remote authentication method.\n"
    "   2. A match identity or a match certificate or match any statement.";

TEST(ValidationMessages, ProposalWithoutGroup) {
  ParseResult r = parse_config(variant(" group 14\n", ""), "hub.conf");
  auto f = with(r, kIosProposal);
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].severity, Severity::kError);
  EXPECT_EQ(f[0].file, "hub.conf");
  EXPECT_EQ(f[0].line, 2);
  EXPECT_EQ(f[0].message, kIosProposal);
  // ... which leaves the policy without a complete proposal, as IOS also says.
  EXPECT_EQ(with(r, kIosPolicy).size(), 1u);
  EXPECT_FALSE(r.ok());
}

TEST(ValidationMessages, ProposalWithoutIntegrity) {
  ParseResult r = parse_config(variant(" integrity sha256\n", ""), "hub.conf");
  EXPECT_EQ(with(r, kIosProposal).size(), 1u) << format(r.findings);
}

TEST(ValidationMessages, ProposalWithoutEncryption) {
  ParseResult r = parse_config(variant(" encryption aes-cbc-256\n", ""), "hub.conf");
  EXPECT_EQ(with(r, kIosProposal).size(), 1u) << format(r.findings);
}

TEST(ValidationMessages, GcmProposalWithIntegrityInsteadOfPrf) {
  ParseResult r = parse_config(variant("encryption aes-cbc-256", "encryption aes-gcm-256"), "hub.conf");
  EXPECT_EQ(with(r, kIosProposal).size(), 1u) << format(r.findings);
}

TEST(ValidationMessages, GcmMixedWithCbc) {
  ParseResult r =
      parse_config(variant("encryption aes-cbc-256", "encryption aes-cbc-256 aes-gcm-128"), "hub.conf");
  EXPECT_EQ(with(r, kIosProposal).size(), 1u) << format(r.findings);
}

TEST(ValidationMessages, PolicyWithoutProposal) {
  ParseResult r = parse_config(variant("\n proposal IKEV2-PROPOSAL\n", "\n"), "hub.conf");
  auto f = with(r, kIosPolicy);
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].line, 6);
  EXPECT_EQ(f[0].message, kIosPolicy);
}

TEST(ValidationMessages, PolicyNamingAnUndefinedProposal) {
  ParseResult r = parse_config(variant("\n proposal IKEV2-PROPOSAL\n", "\n proposal TYPO\n"), "hub.conf");
  EXPECT_EQ(with(r, "% IKEv2 proposal TYPO is not defined").size(), 1u) << format(r.findings);
  EXPECT_EQ(with(r, kIosPolicy).size(), 1u);
}

TEST(ValidationMessages, NoPolicyAtAll) {
  ParseResult r =
      parse_config(variant("crypto ikev2 policy IKEV2-POLICY\n proposal IKEV2-PROPOSAL\n", ""), "hub.conf");
  EXPECT_EQ(with(r, "no crypto ikev2 policy with a complete proposal hubsec implements").size(), 1u)
      << format(r.findings);
  EXPECT_FALSE(r.ok());
}

TEST(ValidationMessages, ProfileWithoutRemoteAuthentication) {
  ParseResult r = parse_config(variant(" authentication remote pre-share\n", ""), "hub.conf");
  auto f = with(r, kIosProfile);
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].line, 12);
  EXPECT_EQ(f[0].message, kIosProfile);
}

TEST(ValidationMessages, ProfileWithoutMatchIdentity) {
  ParseResult r = parse_config(variant(" match identity remote any\n", ""), "hub.conf");
  EXPECT_EQ(with(r, kIosProfile).size(), 1u) << format(r.findings);
}

TEST(ValidationMessages, ProfileReferencingAMissingKeyring) {
  ParseResult r =
      parse_config(variant(" keyring local IKEV2-KEYRING\n", " keyring local NO-SUCH-KEYRING\n"), "hub.conf");
  auto f = with(r, "% IKEv2 keyring NO-SUCH-KEYRING is not defined");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].severity, Severity::kError);
  EXPECT_EQ(f[0].line, 12);
}

TEST(ValidationMessages, PreShareWithoutAnyKeySource) {
  ParseResult r = parse_config(variant(" keyring local IKEV2-KEYRING\n", ""), "hub.conf");
  EXPECT_EQ(with(r, "authentication pre-share needs a `keyring local NAME`").size(), 1u)
      << format(r.findings);
  EXPECT_FALSE(r.ok());
}

TEST(ValidationMessages, CertificateAuthenticationIsRefused) {
  ParseResult r =
      parse_config(variant(" authentication local pre-share", " authentication local rsa-sig"), "hub.conf");
  EXPECT_EQ(with(r, "% hubsec authenticates with pre-share only").size(), 1u) << format(r.findings);
}

TEST(ValidationMessages, IpsecProfileProblems) {
  ParseResult r = parse_config(variant(" set ikev2-profile IKEV2-PROFILE\n", ""), "hub.conf");
  EXPECT_EQ(with(r, "% no `set ikev2-profile`: hubsec speaks IKEv2 only").size(), 1u) << format(r.findings);
  r = parse_config(variant("set ikev2-profile IKEV2-PROFILE", "set ikev2-profile NOPE"), "hub.conf");
  EXPECT_EQ(with(r, "% IKEv2 profile NOPE is not defined").size(), 1u) << format(r.findings);
  r = parse_config(variant("set transform-set IPSEC-TRANSFORM", "set transform-set NOPE"), "hub.conf");
  EXPECT_EQ(with(r, "% transform set NOPE is not defined").size(), 1u) << format(r.findings);
  EXPECT_EQ(with(r, "% no transform set hubsec implements").size(), 1u);
  r = parse_config(variant(" set transform-set IPSEC-TRANSFORM\n", ""), "hub.conf");
  auto f = with(r, "IOS's default transform set is used");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_TRUE(r.ok());
  r = parse_config(variant(" set transform-set IPSEC-TRANSFORM\n",
                           " set transform-set IPSEC-TRANSFORM\n set pfs group5\n"),
                   "hub.conf");
  EXPECT_EQ(with(r, "% not implemented by hubsec, nothing usable left: pfs group5").size(), 1u)
      << format(r.findings);
}

TEST(ValidationMessages, TransformSetHubsecCannotRun) {
  ParseResult r = parse_config(variant("esp-aes 256 esp-sha-hmac", "esp-3des esp-md5-hmac"), "hub.conf");
  auto f = with(r, "% not implemented by hubsec: ESP needs esp-aes");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_EQ(with(r, "% no transform set hubsec implements").size(), 1u);  // and the profile has none left
  EXPECT_FALSE(r.ok());
}

TEST(ValidationMessages, TunnelProtectionNamingAnUndefinedProfile) {
  ParseResult r = parse_config(
      variant("tunnel protection ipsec profile DMVPN-IPSEC", "tunnel protection ipsec profile X"),
      "hub.conf");
  auto f = with(r, "% IPsec profile X is not defined");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].line, 23);
}

TEST(ValidationMessages, KeyringPeerProblemsAreWarnings) {
  ParseResult r = parse_config(
      variant("  address 0.0.0.0 0.0.0.0\n  pre-shared-key cisco\n", "  pre-shared-key 6 ABCDEF\n"),
      "hub.conf");
  EXPECT_EQ(with(r, "% keyring peer has no address and no identity").size(), 1u) << format(r.findings);
  EXPECT_EQ(with(r, "% type 6 pre-shared-key is encrypted").size(), 1u);
  r = parse_config(variant("  pre-shared-key cisco\n", ""), "hub.conf");
  EXPECT_EQ(with(r, "% keyring peer has no pre-shared-key").size(), 1u) << format(r.findings);
  EXPECT_TRUE(r.ok());
}

TEST(ValidationMessages, UnimplementedAlgorithms) {
  ParseResult r = parse_config(variant(" group 14\n", " group 14 5\n"), "hub.conf");
  auto f = with(r, "% not implemented by hubsec, left out of negotiation: group 5");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_TRUE(r.ok());
  r = parse_config(variant(" group 14\n", " group 5\n"), "hub.conf");
  f = with(r, "% not implemented by hubsec, nothing usable left: group 5");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].severity, Severity::kError);
}

TEST(ValidationMessages, FvrfAndMatchAddressLocalAreNoted) {
  ParseResult r =
      parse_config(variant("\n proposal IKEV2-PROPOSAL\n",
                           "\n proposal IKEV2-PROPOSAL\n match fvrf any\n match address local 192.0.2.1\n"),
                   "hub.conf");
  EXPECT_EQ(with(r, "% match fvrf accepted").size(), 1u) << format(r.findings);
  EXPECT_EQ(with(r, "% match address local accepted").size(), 1u);
  EXPECT_TRUE(r.ok());
  for (const Finding& f : r.findings) {
    EXPECT_EQ(f.severity, Severity::kNote);
  }
}

TEST(ValidationMessages, UnknownCommandWithCaretFileAndLine) {
  ParseResult r =
      parse_config(variant(" integrity sha256\n", " integrity sha256\n intgrity sha1\n"), "hub.conf");
  auto f = with(r, "% Invalid input detected at '^' marker.");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].line, 5);
  EXPECT_EQ(f[0].text, " intgrity sha1");
  EXPECT_EQ(f[0].caret_column, 1);
  EXPECT_EQ(format(f[0]),
            "hub.conf:5: error:\n"
            " intgrity sha1\n"
            " ^\n"
            "% Invalid input detected at '^' marker.\n");
}

TEST(ValidationMessages, BadArgumentPutsTheCaretUnderIt) {
  ParseResult r = parse_config(variant(" group 14\n", " group 14 17\n"), "hub.conf");
  auto f = with(r, "% Invalid input detected at '^' marker.");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].caret_column, 10);  // under "17": no such IOS group
  r = parse_config(variant("encryption aes-cbc-256", "encryption aes-cbc-512"), "hub.conf");
  f = with(r, "% Invalid input detected at '^' marker.");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].caret_column, 12);
  r = parse_config(variant("esp-aes 256 esp-sha-hmac", "esp-aes 256 esp-sha-hmac esp-sha256-hmac"),
                   "hub.conf");
  f = with(r, "% Invalid input detected at '^' marker.");
  // The refused transform-set line opens no submode, so its ` mode transport` is refused too, as in IOS.
  ASSERT_EQ(f.size(), 2u) << format(r.findings);
  EXPECT_EQ(f[1].text, " mode transport");
  EXPECT_EQ(f[0].text.substr(static_cast<std::size_t>(f[0].caret_column)), "esp-sha256-hmac");
  r = parse_config(variant("  address 0.0.0.0 0.0.0.0", "  address 0.0.0.300 0.0.0.0"), "hub.conf");
  f = with(r, "% Invalid input detected at '^' marker.");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].caret_column, 10);
}

TEST(ValidationMessages, IncompleteCommand) {
  ParseResult r = parse_config(variant(" group 14\n", " group 14\n dpd 10 3\n"), "hub.conf");
  EXPECT_TRUE(with(r, "% Incomplete command.").empty());  // dpd is not a proposal command: invalid
  r = parse_config(variant(" keyring local IKEV2-KEYRING\n", " keyring local IKEV2-KEYRING\n dpd 10 3\n"),
                   "hub.conf");
  auto f = with(r, "% Incomplete command.");
  ASSERT_EQ(f.size(), 1u) << format(r.findings);
  EXPECT_EQ(f[0].caret_column, -1);
  EXPECT_EQ(f[0].text, " dpd 10 3");
}

TEST(ValidationMessages, OutOfRangeNumbers) {
  ParseResult r = parse_config(
      variant(" keyring local IKEV2-KEYRING\n", " keyring local IKEV2-KEYRING\n lifetime 60\n"), "hub.conf");
  EXPECT_EQ(with(r, "% Invalid input detected at '^' marker.").size(), 1u) << format(r.findings);
  EXPECT_EQ(r.config.ike_profiles.at(0).lifetime_seconds, 86400u);  // a refused line changes nothing
}

TEST(ValidationMessages, LinesAfterEndAreIgnoredWithAWarning) {
  ParseResult r = parse_config(seed_text() + "end\ncrypto ikev2 proposal LATE\n", "hub.conf");
  EXPECT_EQ(with(r, "lines after 'end' are ignored").size(), 1u) << format(r.findings);
  EXPECT_EQ(r.config.find_proposal("LATE"), nullptr);
}

TEST(ValidationMessages, UnreadableFile) {
  ParseResult r = load_config_file("/nonexistent/hub.conf");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].message, "% cannot open configuration file");
  EXPECT_FALSE(r.ok());
}

TEST(ValidationMessages, PreSharedKeysNeverAppearInFindings) {
  std::string text = variant("pre-shared-key cisco", "pre-shared-key s3cr3t-psk-value") +
                     "interface Tunnel0\n ip nhrp authentication nhrpPW12\n";
  ParseResult r = parse_config(text, "hub.conf");
  // Provoke findings on the very lines that hold secrets.
  r = parse_config(
      variant("  pre-shared-key cisco\n", "  pre-shared-key s3cr3t-psk-value\n  bogus s3cr3t\n") +
          "interface Tunnel0\n ip nhrp authentication nhrpPW12\n",
      "hub.conf");
  std::string out = format(r.findings);
  EXPECT_EQ(out.find("s3cr3t-psk-value"), std::string::npos) << out;
  EXPECT_EQ(out.find("nhrpPW12"), std::string::npos) << out;
  EXPECT_NE(out.find("% Invalid input detected"), std::string::npos);  // there was something to print
  // A refused key line (a typo after the key, a bad type) is echoed without the key.
  r = parse_config(
      variant("  pre-shared-key cisco\n", "  pre-shared-key s3cr3t-psk-value\n") +
          "interface Tunnel0\n ip nhrp authentication nhrpPW12345\n"
          "crypto ikev2 profile IKEV2-PROFILE\n authentication local pre-share key 0 profilekey junk\n"
          "crypto ikev2 keyring K2\n peer P\n  pre-shared-key\n",
      "hub.conf");
  out = format(r.findings);
  EXPECT_EQ(out.find("nhrpPW12345"), std::string::npos) << out;
  EXPECT_NE(out.find(" ip nhrp authentication <removed>\n"), std::string::npos) << out;
  EXPECT_NE(out.find("% Incomplete command."), std::string::npos) << out;  // the bare pre-shared-key
}

}  // namespace
}  // namespace hubsec::host::config
