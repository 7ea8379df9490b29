// Typed configuration: what the operator's IOS text means, after parsing. Names of objects are
// case-sensitive as in IOS; everything a command did not set keeps IOS's default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hubsec/host/config/secret_text.hpp"

namespace hubsec::host::config {

// Where a block or command came from, for messages.
struct SourceLocation {
  std::string file;
  int line = 0;
};

// IPv4 in host byte order. IOS's configuration here is IPv4-only.
struct Ipv4 {
  std::uint32_t value = 0;
  std::string to_string() const;
  static std::optional<Ipv4> parse(std::string_view text);
  friend bool operator==(const Ipv4&, const Ipv4&) = default;
};

// Address with a dotted mask, as IOS writes it (`address 0.0.0.0 0.0.0.0`).
struct Ipv4Prefix {
  Ipv4 address;
  Ipv4 mask{0xFFFFFFFFu};
  bool is_host() const { return mask.value == 0xFFFFFFFFu; }
  bool is_any() const { return mask.value == 0; }
  bool contains(Ipv4 addr) const { return (addr.value & mask.value) == (address.value & mask.value); }
  friend bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;
};

// ---- crypto ikev2 proposal ----------------------------------------------------------------------
enum class IkeEncryption : std::uint8_t {
  kDes,
  k3Des,
  kAesCbc128,
  kAesCbc192,
  kAesCbc256,
  kAesGcm128,
  kAesGcm256
};
// Integrity and PRF share IOS's keywords.
enum class IkeHash : std::uint8_t { kMd5, kSha1, kSha256, kSha384, kSha512 };

bool is_aead(IkeEncryption enc);
std::string_view keyword(IkeEncryption enc);  // "aes-cbc-256"
std::string_view keyword(IkeHash hash);       // "sha256"

struct IkeProposal {
  std::string name;
  std::vector<IkeEncryption> encryption;
  std::vector<IkeHash> integrity;
  std::vector<IkeHash> prf;
  std::vector<std::uint16_t> groups;  // IANA/IOS group numbers, in the order written
  SourceLocation where;

  // IOS: non-GCM encryption + integrity + group, or GCM encryption + prf + group, never mixed.
  bool complete() const;
  // PRFs actually used: configured ones, else the integrity algorithms (IOS's rule).
  std::vector<IkeHash> effective_prf() const;
};

// ---- crypto ikev2 policy ------------------------------------------------------------------------
struct IkePolicy {
  std::string name;
  std::vector<std::string> proposals;  // in order of preference
  std::vector<Ipv4> match_address_local;
  std::vector<std::string> match_fvrf;  // "any" or a VRF name; hubsec has no VRFs
  SourceLocation where;
};

// ---- crypto ikev2 keyring -----------------------------------------------------------------------
enum class IdentityKind : std::uint8_t { kAddress, kFqdn, kEmail, kKeyId };
struct Identity {
  IdentityKind kind = IdentityKind::kAddress;
  std::string value;  // dotted address, name, email or key-id text
  friend bool operator==(const Identity&, const Identity&) = default;
};
std::string to_string(const Identity& id);  // "address 1.1.1.1", "fqdn hub.example"

struct KeyringPeer {
  std::string name;
  std::optional<Ipv4Prefix> address;
  std::optional<Identity> identity;
  std::string hostname;
  std::string description;
  // `pre-shared-key KEY` sets both; `pre-shared-key local|remote KEY` one of them.
  SecretText psk_local, psk_remote;
  bool psk_type6 = false;  // `pre-shared-key 6 KEY`: encrypted with the router's master key
  SourceLocation where;
};

struct Keyring {
  std::string name;
  std::vector<KeyringPeer> peers;
  SourceLocation where;
};

// ---- crypto ikev2 profile -----------------------------------------------------------------------
struct RemoteIdentityMatch {
  enum class Kind : std::uint8_t { kAny, kAddress, kFqdn, kEmail, kKeyId };
  Kind kind = Kind::kAny;
  Ipv4Prefix address;   // kAddress; mask all-ones when written without one
  std::string name;     // kFqdn/kEmail/kKeyId
  bool domain = false;  // `fqdn domain NAME` / `email domain NAME`: suffix match
  friend bool operator==(const RemoteIdentityMatch&, const RemoteIdentityMatch&) = default;
};

enum class AuthMethod : std::uint8_t { kPreShare, kRsaSig, kEcdsaSig };
enum class DpdMode : std::uint8_t { kOnDemand, kPeriodic };
struct Dpd {
  std::uint32_t interval_seconds = 0;
  std::uint32_t retry_seconds = 0;
  DpdMode mode = DpdMode::kOnDemand;
};

struct IkeProfile {
  std::string name;
  std::vector<RemoteIdentityMatch> match_remote;
  std::vector<Ipv4> match_address_local;
  std::vector<std::string> match_fvrf;
  std::optional<Identity> identity_local;
  std::vector<AuthMethod> auth_local;   // IOS allows one; kept as written
  std::vector<AuthMethod> auth_remote;  // IOS allows several
  std::string keyring_local;            // empty = none
  // `authentication local|remote pre-share key KEY`: a key in the profile instead of a keyring.
  SecretText auth_local_key, auth_remote_key;
  std::string description;
  std::uint32_t lifetime_seconds = 86400;
  std::optional<Dpd> dpd;
  SourceLocation where;
};

// ---- crypto ipsec transform-set -----------------------------------------------------------------
enum class EspEncryption : std::uint8_t { kNull, kDes, k3Des, kAes128, kAes192, kAes256, kGcm128, kGcm256 };
enum class EspIntegrity : std::uint8_t { kNone, kMd5, kSha1, kSha256, kSha384, kSha512 };
enum class IpsecMode : std::uint8_t { kTunnel, kTransport };

std::string_view transform_text(EspEncryption enc);   // "esp-aes 256"
std::string_view transform_text(EspIntegrity integ);  // "esp-sha-hmac"

struct TransformSet {
  std::string name;
  std::optional<EspEncryption> encryption;
  EspIntegrity integrity = EspIntegrity::kNone;
  IpsecMode mode = IpsecMode::kTunnel;  // IOS default
  SourceLocation where;
};

// ---- crypto ipsec profile -----------------------------------------------------------------------
struct IpsecProfile {
  std::string name;
  std::string ikev2_profile;                // empty = none
  std::vector<std::string> transform_sets;  // up to 6, in order
  std::optional<std::uint16_t> pfs_group;   // `set pfs groupN`
  // `set security-association lifetime ...`; unset = the global value (CryptoGlobals).
  std::optional<std::uint32_t> lifetime_seconds;
  std::optional<std::uint64_t> lifetime_kilobytes;  // 0 = `kilobytes disable`
  std::string description;
  SourceLocation where;
};

// ---- interface TunnelN --------------------------------------------------------------------------
enum class TunnelMode : std::uint8_t { kGre, kGreMultipoint, kIpsecIpv4 };

struct NhrpNhs {
  Ipv4 nhs;
  std::optional<Ipv4> nbma;
  bool multicast = false;
};
struct NhrpMap {
  Ipv4 protocol;  // tunnel address
  Ipv4 nbma;      // public address
};

struct TunnelInterface {
  std::string name;  // "Tunnel0"
  std::uint32_t unit = 0;
  std::string description;
  std::optional<Ipv4Prefix> ip_address;
  std::string tunnel_source;  // an address or an interface name, as written
  std::optional<Ipv4> tunnel_destination;
  TunnelMode mode = TunnelMode::kGre;  // IOS default: GRE point-to-point
  std::optional<std::uint32_t> tunnel_key;
  std::optional<std::uint16_t> ip_mtu;
  std::optional<std::uint16_t> tcp_adjust_mss;
  std::optional<std::uint32_t> nhrp_network_id;
  bool nhrp_map_multicast_dynamic = false;
  SecretText nhrp_authentication;
  std::vector<NhrpNhs> nhrp_nhs;
  std::vector<NhrpMap> nhrp_maps;
  std::vector<Ipv4> nhrp_map_multicast;
  std::optional<std::uint32_t> nhrp_holdtime;
  bool nhrp_redirect = false;
  bool nhrp_shortcut = false;
  std::optional<std::uint32_t> nhrp_registration_timeout;  // spoke: `ip nhrp registration timeout N`
  bool nhrp_registration_no_unique = false;
  bool path_mtu_discovery = false;  // `tunnel path-mtu-discovery`
  std::optional<std::uint32_t> bandwidth_kbps;
  std::string protection_profile;  // `tunnel protection ipsec profile NAME [shared]`
  bool protection_shared = false;
  bool shutdown = false;
  SourceLocation where;
};

// Global `crypto ikev2 ...` and `crypto ipsec ...` settings, IOS defaults.
struct CryptoGlobals {
  std::optional<std::uint32_t> ikev2_cookie_challenge;  // half-open SAs before cookies are asked
  bool ikev2_fragmentation = false;
  std::uint16_t ikev2_fragmentation_mtu = 576;
  std::optional<std::uint32_t> ikev2_nat_keepalive_seconds;
  std::optional<Dpd> ikev2_dpd;  // profile `dpd` overrides
  std::uint32_t ipsec_lifetime_seconds = 3600;
  std::uint64_t ipsec_lifetime_kilobytes = 4608000;
  std::uint32_t ipsec_replay_window = 64;
};

struct Config {
  CryptoGlobals globals;
  std::vector<IkeProposal> proposals;
  std::vector<IkePolicy> policies;
  std::vector<Keyring> keyrings;
  std::vector<IkeProfile> ike_profiles;
  std::vector<TransformSet> transform_sets;
  std::vector<IpsecProfile> ipsec_profiles;
  std::vector<TunnelInterface> tunnels;

  const IkeProposal* find_proposal(std::string_view name) const;
  const Keyring* find_keyring(std::string_view name) const;
  const IkeProfile* find_ike_profile(std::string_view name) const;
  const TransformSet* find_transform_set(std::string_view name) const;
  const IpsecProfile* find_ipsec_profile(std::string_view name) const;
};

}  // namespace hubsec::host::config
