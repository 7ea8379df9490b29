#include "hubsec/host/config/parser.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cursor.hpp"

namespace hubsec::host::config {

namespace {

using detail::Cursor;
using detail::Word;

enum class Mode : unsigned char {
  kGlobal,
  kProposal,
  kPolicy,
  kKeyring,
  kKeyringPeer,
  kIkeProfile,
  kTransformSet,
  kIpsecProfile,
  kInterface,
};

// One level of IOS's mode stack: the mode and the object it edits (indices into Config).
struct Frame {
  Mode mode = Mode::kGlobal;
  std::size_t index = 0;
  std::size_t peer = 0;  // kKeyringPeer: the peer inside keyring `index`
};

template <typename T>
void add_unique(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

// `match address local A.B.C.D` and `match fvrf NAME|any`, shared by policies and profiles; the cursor
// stands after the keyword `address` or `fvrf` respectively.
bool parse_match_address_local(Cursor& c, std::vector<Ipv4>& addresses) {
  if (!c.keyword("local")) {
    return false;
  }
  auto a = c.address();
  if (!a || !c.end()) {
    return false;
  }
  add_unique(addresses, *a);
  return true;
}

bool parse_match_fvrf(Cursor& c, std::vector<std::string>& vrfs) {
  auto vrf = c.name();
  if (!vrf || !c.end()) {
    return false;
  }
  add_unique(vrfs, *vrf);
  return true;
}

template <typename T>
std::size_t find_or_create(std::vector<T>& items, const std::string& name, const SourceLocation& where) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name == name) {
      return i;
    }
  }
  T item;
  item.name = name;
  item.where = where;
  items.push_back(std::move(item));
  return items.size() - 1;
}

// IOS's group numbers for `group` (IKEv2 proposal) and `set pfs groupN`.
constexpr std::uint16_t kIosGroups[] = {1, 2, 5, 14, 15, 16, 19, 20, 21, 24, 31};

std::optional<std::uint16_t> group_number(Cursor& c) {
  auto n = c.number(1, 31);
  if (!n) {
    return std::nullopt;
  }
  for (std::uint16_t g : kIosGroups) {
    if (g == *n) {
      return g;
    }
  }
  c.rewind_one();  // a number, but not a group IOS knows: the caret goes under it
  c.choose({});
  return std::nullopt;
}

std::optional<IkeEncryption> ike_encryption(Cursor& c) {
  static constexpr IkeEncryption kValues[] = {IkeEncryption::k3Des,      IkeEncryption::kAesCbc128,
                                              IkeEncryption::kAesCbc192, IkeEncryption::kAesCbc256,
                                              IkeEncryption::kAesGcm128, IkeEncryption::kAesGcm256,
                                              IkeEncryption::kDes};
  auto i =
      c.choose({"3des", "aes-cbc-128", "aes-cbc-192", "aes-cbc-256", "aes-gcm-128", "aes-gcm-256", "des"});
  if (!i) {
    return std::nullopt;
  }
  return kValues[*i];
}

std::optional<IkeHash> ike_hash(Cursor& c) {
  static constexpr IkeHash kValues[] = {IkeHash::kMd5, IkeHash::kSha1, IkeHash::kSha256, IkeHash::kSha384,
                                        IkeHash::kSha512};
  auto i = c.choose({"md5", "sha1", "sha256", "sha384", "sha512"});
  if (!i) {
    return std::nullopt;
  }
  return kValues[*i];
}

// `address A | fqdn NAME | email NAME | key-id ID` (identity local, peer identity).
std::optional<Identity> identity(Cursor& c) {
  auto kind = c.choose({"address", "fqdn", "email", "key-id"});
  if (!kind) {
    return std::nullopt;
  }
  Identity id;
  if (*kind == 0) {
    auto a = c.address();
    if (!a) {
      return std::nullopt;
    }
    id.kind = IdentityKind::kAddress;
    id.value = a->to_string();
    return id;
  }
  auto name = c.name();
  if (!name) {
    return std::nullopt;
  }
  id.kind = *kind == 1 ? IdentityKind::kFqdn : *kind == 2 ? IdentityKind::kEmail : IdentityKind::kKeyId;
  id.value = *name;
  return id;
}

// `[0|6] KEY` after pre-shared-key / pre-share key. Returns the key and whether it is type 6.
std::optional<std::pair<std::string, bool>> key_with_type(Cursor& c) {
  auto type = c.optional_choice({"0", "6"});
  auto key = c.rest_of_line();
  if (!key) {
    return std::nullopt;
  }
  return std::make_pair(*key, type == std::size_t{1});
}

class Parser {
 public:
  explicit Parser(std::string_view file) : file_(file) {}

  void run(std::string_view text) {
    std::vector<Frame> stack{Frame{}};
    std::istringstream in{std::string(text)};
    std::string line;
    bool ended = false;
    line_no_ = 0;
    while (std::getline(in, line)) {
      ++line_no_;
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      std::vector<Word> words = detail::split_words(line);
      if (words.empty() || words[0].text[0] == '!') {
        continue;
      }
      if (ended) {
        findings_.push_back({Severity::kWarning, file_, line_no_, line, -1, "lines after 'end' are ignored"});
        break;
      }
      if (words.size() == 1 && words[0].text == "end") {
        ended = true;
        continue;
      }
      if (words.size() == 1 && words[0].text == "exit") {
        if (stack.size() > 1) {
          stack.pop_back();
        }
        continue;
      }
      handle_line(stack, line, words);
    }
  }

  ParseResult take() {
    ParseResult r;
    r.config = std::move(cfg_);
    r.findings = std::move(findings_);
    return r;
  }

 private:
  SourceLocation here() const { return {file_, line_no_}; }

  // IOS tries the current submode first, then each enclosing mode; the first that accepts wins and
  // the stack unwinds to it. When none accepts, the attempt that got furthest names the error.
  void handle_line(std::vector<Frame>& stack, const std::string& line, const std::vector<Word>& words) {
    std::size_t best_pos = 0;
    bool best_incomplete = false;
    int best_caret = 0;
    bool have_best = false;
    for (std::size_t depth = stack.size(); depth-- > 0;) {
      Cursor c(line, words);
      std::optional<Frame> enter;
      if (dispatch(stack[depth], c, enter)) {
        stack.resize(depth + 1);
        if (enter) {
          stack.push_back(*enter);
        }
        return;
      }
      if (!have_best || c.failed_at() > best_pos) {
        have_best = true;
        best_pos = c.failed_at();
        best_incomplete = c.incomplete();
        best_caret = c.caret_column();
      }
    }
    Finding f{Severity::kError, file_, line_no_, line, best_caret, "% Invalid input detected at '^' marker."};
    redact_secret(f, words);
    if (best_incomplete) {
      f.caret_column = -1;
      f.message = "% Incomplete command.";
    }
    findings_.push_back(std::move(f));
  }

  // A refused line is echoed, as IOS does; but when it carries a key (`pre-shared-key`, `pre-share
  // key`, `ip nhrp authentication`), everything after the keyword is replaced, even if the line was
  // refused for a typo elsewhere, so a secret never reaches the output.
  static void redact_secret(Finding& f, const std::vector<Word>& words) {
    // How much of `word` spells (a prefix of) `keyword`.
    auto spelled = [](const std::string& word, std::string_view keyword) {
      std::size_t n = 0;
      while (n < word.size() && n < keyword.size() &&
             std::tolower(static_cast<unsigned char>(word[n])) == keyword[n]) {
        ++n;
      }
      return n;
    };
    for (std::size_t i = 0; i < words.size(); ++i) {
      const std::string& w = words[i].text;
      std::string lower = w;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      const std::size_t psk_at = lower.find("pre-sh");  // also inside a word two lines were merged into
      std::size_t kept = 0;
      if (psk_at != std::string::npos) {
        kept = psk_at + spelled(w.substr(psk_at), "pre-shared-key");
      } else if (spelled(w, "key") == 3 && w.size() == 3) {
        kept = 3;
      } else if (i > 0 && words[i - 1].text.find("nhrp") != std::string::npos &&
                 spelled(w, "authentication") >= 2) {
        kept = spelled(w, "authentication");
      } else {
        continue;
      }
      const std::size_t keep = static_cast<std::size_t>(words[i].column) + kept;
      if (f.text.find_first_not_of(" \t", keep) == std::string::npos) {
        return;  // nothing follows the keyword
      }
      f.text = f.text.substr(0, keep) + " <removed>";
      if (f.caret_column > static_cast<int>(keep)) {
        f.caret_column = static_cast<int>(keep) + 1;
      }
      return;
    }
  }

  bool dispatch(const Frame& frame, Cursor& c, std::optional<Frame>& enter) {
    switch (frame.mode) {
      case Mode::kGlobal: return global(c, enter);
      case Mode::kProposal: return proposal(cfg_.proposals[frame.index], c);
      case Mode::kPolicy: return policy(cfg_.policies[frame.index], c);
      case Mode::kKeyring: return keyring(frame.index, c, enter);
      case Mode::kKeyringPeer: return keyring_peer(cfg_.keyrings[frame.index].peers[frame.peer], c);
      case Mode::kIkeProfile: return ike_profile(cfg_.ike_profiles[frame.index], c);
      case Mode::kTransformSet: return transform_set_mode(cfg_.transform_sets[frame.index], c);
      case Mode::kIpsecProfile: return ipsec_profile(cfg_.ipsec_profiles[frame.index], c);
      case Mode::kInterface: return interface(cfg_.tunnels[frame.index], c);
    }
    return false;
  }

  // ---- global configuration --------------------------------------------------------------------
  bool global(Cursor& c, std::optional<Frame>& enter) {
    auto cmd = c.choose({"crypto", "interface"});
    if (!cmd) {
      return false;
    }
    if (*cmd == 1) {
      return interface_command(c, enter);
    }
    auto family = c.choose({"ikev2", "ipsec"});
    if (!family) {
      return false;
    }
    return *family == 0 ? crypto_ikev2(c, enter) : crypto_ipsec(c, enter);
  }

  bool crypto_ikev2(Cursor& c, std::optional<Frame>& enter) {
    auto what = c.choose(
        {"proposal", "policy", "keyring", "profile", "cookie-challenge", "fragmentation", "nat", "dpd"});
    if (!what) {
      return false;
    }
    CryptoGlobals& g = cfg_.globals;
    switch (*what) {
      case 0:
      case 1:
      case 2:
      case 3: {
        auto name = c.name();
        if (!name || !c.end()) {
          return false;
        }
        static constexpr Mode kModes[] = {Mode::kProposal, Mode::kPolicy, Mode::kKeyring, Mode::kIkeProfile};
        std::size_t index = *what == 0   ? find_or_create(cfg_.proposals, *name, here())
                            : *what == 1 ? find_or_create(cfg_.policies, *name, here())
                            : *what == 2 ? find_or_create(cfg_.keyrings, *name, here())
                                         : find_or_create(cfg_.ike_profiles, *name, here());
        enter = Frame{kModes[*what], index, 0};
        return true;
      }
      case 4: {
        auto n = c.number(1, 1000);
        if (!n || !c.end()) {
          return false;
        }
        g.ikev2_cookie_challenge = static_cast<std::uint32_t>(*n);
        return true;
      }
      case 5: {
        std::optional<std::uint64_t> mtu;
        if (c.optional_choice({"mtu"})) {
          mtu = c.number(68, 1500);
          if (!mtu) {
            return false;
          }
        }
        if (!c.end()) {
          return false;
        }
        g.ikev2_fragmentation = true;
        if (mtu) {
          g.ikev2_fragmentation_mtu = static_cast<std::uint16_t>(*mtu);
        }
        return true;
      }
      case 6: {
        if (!c.keyword("keepalive")) {
          return false;
        }
        auto n = c.number(5, 3600);
        if (!n || !c.end()) {
          return false;
        }
        g.ikev2_nat_keepalive_seconds = static_cast<std::uint32_t>(*n);
        return true;
      }
      default: {
        auto dpd = dpd_args(c);
        if (!dpd || !c.end()) {
          return false;
        }
        g.ikev2_dpd = dpd;
        return true;
      }
    }
  }

  static std::optional<Dpd> dpd_args(Cursor& c) {
    auto interval = c.number(10, 3600);
    auto retry = c.number(2, 60);
    auto mode = c.choose({"on-demand", "periodic"});
    if (!interval || !retry || !mode) {
      return std::nullopt;
    }
    return Dpd{static_cast<std::uint32_t>(*interval), static_cast<std::uint32_t>(*retry),
               *mode == 0 ? DpdMode::kOnDemand : DpdMode::kPeriodic};
  }

  bool crypto_ipsec(Cursor& c, std::optional<Frame>& enter) {
    auto what = c.choose({"transform-set", "profile", "security-association"});
    if (!what) {
      return false;
    }
    if (*what == 1) {
      auto name = c.name();
      if (!name || !c.end()) {
        return false;
      }
      enter = Frame{Mode::kIpsecProfile, find_or_create(cfg_.ipsec_profiles, *name, here()), 0};
      return true;
    }
    if (*what == 2) {
      return ipsec_sa_globals(c);
    }
    auto name = c.name();
    if (!name) {
      return false;
    }
    TransformSet parsed;
    if (!transforms(c, parsed)) {
      return false;
    }
    std::size_t index = find_or_create(cfg_.transform_sets, *name, here());
    TransformSet& ts = cfg_.transform_sets[index];
    ts.encryption = parsed.encryption;
    ts.integrity = parsed.integrity;
    enter = Frame{Mode::kTransformSet, index, 0};
    return true;
  }

  bool ipsec_sa_globals(Cursor& c) {
    auto what = c.choose({"lifetime", "replay"});
    if (!what) {
      return false;
    }
    CryptoGlobals& g = cfg_.globals;
    if (*what == 1) {
      if (!c.keyword("window-size")) {
        return false;
      }
      auto n = c.number(64, 1024);
      if (!n || !c.end()) {
        return false;
      }
      if (*n != 64 && *n != 128 && *n != 256 && *n != 512 && *n != 1024) {
        return false;
      }
      g.ipsec_replay_window = static_cast<std::uint32_t>(*n);
      return true;
    }
    auto unit = c.choose({"seconds", "kilobytes"});
    if (!unit) {
      return false;
    }
    if (*unit == 0) {
      auto n = c.number(120, 2592000);
      if (!n || !c.end()) {
        return false;
      }
      g.ipsec_lifetime_seconds = static_cast<std::uint32_t>(*n);
      return true;
    }
    auto n = c.number(2560, 4294967295u);
    if (!n || !c.end()) {
      return false;
    }
    g.ipsec_lifetime_kilobytes = *n;
    return true;
  }

  // `esp-aes [128|192|256] esp-sha-hmac ...`: at most one encryption and one ESP integrity transform.
  static bool transforms(Cursor& c, TransformSet& ts) {
    int count = 0;
    bool have_integrity = false;
    while (!c.at_end() || count == 0) {
      auto t = c.choose({"esp-aes", "esp-gcm", "esp-3des", "esp-des", "esp-null", "esp-md5-hmac",
                         "esp-sha-hmac", "esp-sha256-hmac", "esp-sha384-hmac", "esp-sha512-hmac"});
      if (!t) {
        return false;
      }
      if (*t <= 4) {
        if (ts.encryption) {
          return false_at_previous(c);  // a second encryption transform
        }
        if (*t == 0) {
          auto bits = c.optional_choice({"128", "192", "256"});
          ts.encryption = !bits || *bits == 0 ? EspEncryption::kAes128
                          : *bits == 1        ? EspEncryption::kAes192
                                              : EspEncryption::kAes256;
        } else if (*t == 1) {
          auto bits = c.optional_choice({"128", "256"});
          ts.encryption = bits == std::size_t{1} ? EspEncryption::kGcm256 : EspEncryption::kGcm128;
        } else {
          static constexpr EspEncryption kOthers[] = {EspEncryption::k3Des, EspEncryption::kDes,
                                                      EspEncryption::kNull};
          ts.encryption = kOthers[*t - 2];
        }
      } else {
        if (have_integrity) {
          return false_at_previous(c);
        }
        static constexpr EspIntegrity kIntegrity[] = {EspIntegrity::kMd5, EspIntegrity::kSha1,
                                                      EspIntegrity::kSha256, EspIntegrity::kSha384,
                                                      EspIntegrity::kSha512};
        ts.integrity = kIntegrity[*t - 5];
        have_integrity = true;
      }
      ++count;
    }
    return c.end();
  }

  bool interface_command(Cursor& c, std::optional<Frame>& enter) {
    auto name = c.name();
    if (!name) {
      return false;
    }
    // `interface Tunnel0` or `interface Tunnel 0`; hubsec has only tunnel interfaces.
    std::string lower = *name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    std::string unit_text;
    if (lower.rfind("tunnel", 0) == 0 && lower.size() > 6) {
      unit_text = lower.substr(6);
    } else if (lower.size() <= 6 && std::string("tunnel").rfind(lower, 0) == 0 && !lower.empty()) {
      auto unit = c.name();
      if (!unit) {
        return false;
      }
      unit_text = *unit;
    } else {
      return false_at_previous(c);
    }
    if (unit_text.empty() || unit_text.size() > 10 ||
        !std::all_of(unit_text.begin(), unit_text.end(), [](unsigned char ch) { return std::isdigit(ch); }) ||
        std::stoull(unit_text) > 2147483647ull) {
      return false_at_previous(c);
    }
    if (!c.end()) {
      return false;
    }
    std::string canonical = "Tunnel" + std::to_string(std::stoul(unit_text));
    std::size_t index = find_or_create(cfg_.tunnels, canonical, here());
    cfg_.tunnels[index].unit = static_cast<std::uint32_t>(std::stoul(unit_text));
    enter = Frame{Mode::kInterface, index, 0};
    return true;
  }

  // The word just consumed was wrong after all: rewind one word and fail there.
  static bool false_at_previous(Cursor& c) {
    c.rewind_one();
    c.choose({});
    return false;
  }

  // ---- crypto ikev2 proposal -------------------------------------------------------------------
  static bool proposal(IkeProposal& p, Cursor& c) {
    auto cmd = c.choose({"encryption", "integrity", "prf", "group"});
    if (!cmd) {
      return false;
    }
    if (*cmd == 0) {
      std::vector<IkeEncryption> algs;
      do {
        auto a = ike_encryption(c);
        if (!a) {
          return false;
        }
        algs.push_back(*a);
      } while (!c.at_end());
      for (auto a : algs) {
        add_unique(p.encryption, a);
      }
      return true;
    }
    if (*cmd == 3) {
      std::vector<std::uint16_t> groups;
      do {
        auto g = group_number(c);
        if (!g) {
          return false;
        }
        groups.push_back(*g);
      } while (!c.at_end());
      for (auto g : groups) {
        add_unique(p.groups, g);
      }
      return true;
    }
    std::vector<IkeHash> hashes;
    do {
      auto h = ike_hash(c);
      if (!h) {
        return false;
      }
      hashes.push_back(*h);
    } while (!c.at_end());
    for (auto h : hashes) {
      add_unique(*cmd == 1 ? p.integrity : p.prf, h);
    }
    return true;
  }

  // ---- crypto ikev2 policy ---------------------------------------------------------------------
  static bool policy(IkePolicy& p, Cursor& c) {
    auto cmd = c.choose({"proposal", "match"});
    if (!cmd) {
      return false;
    }
    if (*cmd == 0) {
      auto name = c.name();
      if (!name || !c.end()) {
        return false;
      }
      add_unique(p.proposals, *name);
      return true;
    }
    auto what = c.choose({"address", "fvrf"});
    if (!what) {
      return false;
    }
    return *what == 0 ? parse_match_address_local(c, p.match_address_local)
                      : parse_match_fvrf(c, p.match_fvrf);
  }

  // ---- crypto ikev2 keyring --------------------------------------------------------------------
  bool keyring(std::size_t keyring_index, Cursor& c, std::optional<Frame>& enter) {
    if (!c.keyword("peer")) {
      return false;
    }
    auto name = c.name();
    if (!name || !c.end()) {
      return false;
    }
    std::size_t peer = find_or_create(cfg_.keyrings[keyring_index].peers, *name, here());
    enter = Frame{Mode::kKeyringPeer, keyring_index, peer};
    return true;
  }

  static bool keyring_peer(KeyringPeer& peer, Cursor& c) {
    auto cmd = c.choose({"address", "identity", "pre-shared-key", "description", "hostname"});
    if (!cmd) {
      return false;
    }
    switch (*cmd) {
      case 0: {
        auto a = c.address();
        if (!a) {
          return false;
        }
        Ipv4Prefix prefix{*a};
        if (!c.at_end()) {
          auto m = c.mask();
          if (!m) {
            return false;
          }
          prefix.mask = *m;
        }
        if (!c.end()) {
          return false;
        }
        peer.address = prefix;
        return true;
      }
      case 1: {
        auto id = identity(c);
        if (!id || !c.end()) {
          return false;
        }
        peer.identity = *id;
        return true;
      }
      case 2: {
        auto side = c.optional_choice({"local", "remote"});
        auto key = key_with_type(c);
        if (!key) {
          return false;
        }
        SecretText secret(key->first);
        std::fill(key->first.begin(), key->first.end(), '\0');
        if (side != std::size_t{1}) {
          peer.psk_local = secret;
        }
        if (side != std::size_t{0}) {
          peer.psk_remote = secret;
        }
        peer.psk_type6 = peer.psk_type6 || key->second;
        return true;
      }
      case 3: {
        auto text = c.rest_of_line();
        if (!text) {
          return false;
        }
        peer.description = *text;
        return true;
      }
      default: {
        auto name = c.name();
        if (!name || !c.end()) {
          return false;
        }
        peer.hostname = *name;
        return true;
      }
    }
  }

  // ---- crypto ikev2 profile --------------------------------------------------------------------
  static bool ike_profile(IkeProfile& p, Cursor& c) {
    auto cmd = c.choose({"match", "identity", "authentication", "keyring", "lifetime", "dpd", "description"});
    if (!cmd) {
      return false;
    }
    switch (*cmd) {
      case 0: return profile_match(p, c);
      case 1: {
        if (!c.keyword("local")) {
          return false;
        }
        auto id = identity(c);
        if (!id || !c.end()) {
          return false;
        }
        p.identity_local = *id;
        return true;
      }
      case 2: {
        auto side = c.choose({"local", "remote"});
        if (!side) {
          return false;
        }
        auto method = c.choose({"pre-share", "rsa-sig", "ecdsa-sig"});
        if (!method) {
          return false;
        }
        std::optional<std::pair<std::string, bool>> key;
        if (*method == 0 && c.optional_choice({"key"})) {
          key = key_with_type(c);
          if (!key) {
            return false;
          }
        }
        if (!c.end()) {
          return false;
        }
        static constexpr AuthMethod kMethods[] = {AuthMethod::kPreShare, AuthMethod::kRsaSig,
                                                  AuthMethod::kEcdsaSig};
        if (*side == 0) {
          p.auth_local = {kMethods[*method]};  // one local method: the last one written wins
          if (key) {
            p.auth_local_key = SecretText(key->first);
          }
        } else {
          add_unique(p.auth_remote, kMethods[*method]);
          if (key) {
            p.auth_remote_key = SecretText(key->first);
          }
        }
        if (key) {
          std::fill(key->first.begin(), key->first.end(), '\0');
        }
        return true;
      }
      case 3: {
        if (!c.keyword("local")) {
          return false;
        }
        auto name = c.name();
        if (!name || !c.end()) {
          return false;
        }
        p.keyring_local = *name;
        return true;
      }
      case 4: {
        auto n = c.number(120, 86400);
        if (!n || !c.end()) {
          return false;
        }
        p.lifetime_seconds = static_cast<std::uint32_t>(*n);
        return true;
      }
      case 5: {
        auto dpd = dpd_args(c);
        if (!dpd || !c.end()) {
          return false;
        }
        p.dpd = dpd;
        return true;
      }
      default: {
        auto text = c.rest_of_line();
        if (!text) {
          return false;
        }
        p.description = *text;
        return true;
      }
    }
  }

  static bool profile_match(IkeProfile& p, Cursor& c) {
    auto what = c.choose({"identity", "address", "fvrf"});
    if (!what) {
      return false;
    }
    if (*what == 1) {
      return parse_match_address_local(c, p.match_address_local);
    }
    if (*what == 2) {
      return parse_match_fvrf(c, p.match_fvrf);
    }
    if (!c.keyword("remote")) {
      return false;
    }
    auto kind = c.choose({"address", "fqdn", "email", "key-id", "any"});
    if (!kind) {
      return false;
    }
    RemoteIdentityMatch m;
    switch (*kind) {
      case 0: {
        auto a = c.address();
        if (!a) {
          return false;
        }
        m.kind = RemoteIdentityMatch::Kind::kAddress;
        m.address.address = *a;
        if (!c.at_end()) {
          auto mask = c.mask();
          if (!mask) {
            return false;
          }
          m.address.mask = *mask;
        } else if (a->value == 0) {
          m.address.mask = Ipv4{0};  // IOS: `address 0.0.0.0` alone matches every address
        }
        break;
      }
      case 1:
      case 2: {
        m.kind = *kind == 1 ? RemoteIdentityMatch::Kind::kFqdn : RemoteIdentityMatch::Kind::kEmail;
        m.domain = c.optional_choice({"domain"}).has_value();
        auto name = c.name();
        if (!name) {
          return false;
        }
        m.name = *name;
        break;
      }
      case 3: {
        auto name = c.name();
        if (!name) {
          return false;
        }
        m.kind = RemoteIdentityMatch::Kind::kKeyId;
        m.name = *name;
        break;
      }
      default: m.kind = RemoteIdentityMatch::Kind::kAny; break;
    }
    if (!c.end()) {
      return false;
    }
    add_unique(p.match_remote, m);
    return true;
  }

  // ---- crypto ipsec transform-set (submode) ----------------------------------------------------
  static bool transform_set_mode(TransformSet& ts, Cursor& c) {
    if (!c.keyword("mode")) {
      return false;
    }
    auto mode = c.choose({"tunnel", "transport"});
    if (!mode) {
      return false;
    }
    if (*mode == 1) {
      c.optional_choice({"require"});
    }
    if (!c.end()) {
      return false;
    }
    ts.mode = *mode == 0 ? IpsecMode::kTunnel : IpsecMode::kTransport;
    return true;
  }

  // ---- crypto ipsec profile --------------------------------------------------------------------
  static bool ipsec_profile(IpsecProfile& p, Cursor& c) {
    auto cmd = c.choose({"set", "description"});
    if (!cmd) {
      return false;
    }
    if (*cmd == 1) {
      auto text = c.rest_of_line();
      if (!text) {
        return false;
      }
      p.description = *text;
      return true;
    }
    auto what = c.choose({"ikev2-profile", "transform-set", "pfs", "security-association"});
    if (!what) {
      return false;
    }
    switch (*what) {
      case 0: {
        auto name = c.name();
        if (!name || !c.end()) {
          return false;
        }
        p.ikev2_profile = *name;
        return true;
      }
      case 1: {
        std::vector<std::string> names;
        do {
          if (names.size() == 6) {
            c.choose({});
            return false;
          }
          auto name = c.name();
          if (!name) {
            return false;
          }
          names.push_back(*name);
        } while (!c.at_end());
        p.transform_sets = names;
        return true;
      }
      case 2: {
        std::uint16_t group = 1;  // IOS: `set pfs` alone means group1
        if (!c.at_end()) {
          auto g = c.choose({"group1", "group2", "group5", "group14", "group15", "group16", "group19",
                             "group20", "group21", "group24", "group31"});
          if (!g) {
            return false;
          }
          group = kIosGroups[*g];
        }
        if (!c.end()) {
          return false;
        }
        p.pfs_group = group;
        return true;
      }
      default: {
        if (!c.keyword("lifetime")) {
          return false;
        }
        auto unit = c.choose({"seconds", "kilobytes"});
        if (!unit) {
          return false;
        }
        if (*unit == 0) {
          auto n = c.number(120, 2592000);
          if (!n || !c.end()) {
            return false;
          }
          p.lifetime_seconds = static_cast<std::uint32_t>(*n);
          return true;
        }
        if (c.optional_choice({"disable"})) {
          if (!c.end()) {
            return false;
          }
          p.lifetime_kilobytes = 0;
          return true;
        }
        auto n = c.number(2560, 4294967295u);
        if (!n || !c.end()) {
          return false;
        }
        p.lifetime_kilobytes = *n;
        return true;
      }
    }
  }

  // ---- interface TunnelN -----------------------------------------------------------------------
  static bool interface(TunnelInterface& t, Cursor& c) {
    auto cmd = c.choose({"ip", "tunnel", "description", "shutdown", "no", "bandwidth"});
    if (!cmd) {
      return false;
    }
    switch (*cmd) {
      case 5: {
        auto n = c.number(1, 10000000);
        if (!n || !c.end()) {
          return false;
        }
        t.bandwidth_kbps = static_cast<std::uint32_t>(*n);
        return true;
      }
      case 0: return interface_ip(t, c);
      case 1: return interface_tunnel(t, c);
      case 2: {
        auto text = c.rest_of_line();
        if (!text) {
          return false;
        }
        t.description = *text;
        return true;
      }
      case 3:
        if (!c.end()) {
          return false;
        }
        t.shutdown = true;
        return true;
      default: {
        auto what = c.choose({"shutdown", "ip"});
        if (!what) {
          return false;
        }
        if (*what == 1 && !c.keyword("redirects")) {
          return false;  // `no ip redirects`: nothing to do
        }
        if (!c.end()) {
          return false;
        }
        if (*what == 0) {
          t.shutdown = false;
        }
        return true;
      }
    }
  }

  static bool interface_ip(TunnelInterface& t, Cursor& c) {
    auto what = c.choose({"address", "mtu", "tcp", "nhrp"});
    if (!what) {
      return false;
    }
    switch (*what) {
      case 0: {
        auto a = c.address();
        auto m = c.mask();
        if (!a || !m || !c.end()) {
          return false;
        }
        t.ip_address = Ipv4Prefix{*a, *m};
        return true;
      }
      case 1: {
        auto n = c.number(68, 9976);
        if (!n || !c.end()) {
          return false;
        }
        t.ip_mtu = static_cast<std::uint16_t>(*n);
        return true;
      }
      case 2: {
        if (!c.keyword("adjust-mss")) {
          return false;
        }
        auto n = c.number(500, 1460);
        if (!n || !c.end()) {
          return false;
        }
        t.tcp_adjust_mss = static_cast<std::uint16_t>(*n);
        return true;
      }
      default: return interface_nhrp(t, c);
    }
  }

  static bool interface_nhrp(TunnelInterface& t, Cursor& c) {
    auto what = c.choose(
        {"network-id", "authentication", "map", "nhs", "holdtime", "redirect", "shortcut", "registration"});
    if (!what) {
      return false;
    }
    switch (*what) {
      case 7: {
        auto sub = c.choose({"timeout", "no-unique"});
        if (!sub) {
          return false;
        }
        std::optional<std::uint64_t> n;
        if (*sub == 0 && !(n = c.number(1, 65535))) {
          return false;
        }
        if (!c.end()) {
          return false;
        }
        if (n) {
          t.nhrp_registration_timeout = static_cast<std::uint32_t>(*n);
        }
        if (*sub == 1) {
          t.nhrp_registration_no_unique = true;
        }
        return true;
      }
      case 0: {
        auto n = c.number(1, 4294967295u);
        if (!n || !c.end()) {
          return false;
        }
        t.nhrp_network_id = static_cast<std::uint32_t>(*n);
        return true;
      }
      case 1: {
        auto key = c.name();  // IOS: up to 8 characters
        if (!key) {
          return false;
        }
        if (key->size() > 8) {
          false_at_previous(c);
          return false;
        }
        if (!c.end()) {
          return false;
        }
        t.nhrp_authentication = SecretText(*key);
        std::fill(key->begin(), key->end(), '\0');
        return true;
      }
      case 2: {
        if (c.optional_choice({"multicast"})) {
          if (c.optional_choice({"dynamic"})) {
            if (!c.end()) {
              return false;
            }
            t.nhrp_map_multicast_dynamic = true;
            return true;
          }
          auto a = c.address();
          if (!a || !c.end()) {
            return false;
          }
          add_unique(t.nhrp_map_multicast, *a);
          return true;
        }
        auto protocol = c.address();
        auto nbma = c.address();
        if (!protocol || !nbma || !c.end()) {
          return false;
        }
        t.nhrp_maps.push_back({*protocol, *nbma});
        return true;
      }
      case 3: {
        NhrpNhs nhs;
        auto a = c.address();
        if (!a) {
          return false;
        }
        nhs.nhs = *a;
        if (c.optional_choice({"nbma"})) {
          auto nbma = c.address();
          if (!nbma) {
            return false;
          }
          nhs.nbma = *nbma;
        }
        nhs.multicast = c.optional_choice({"multicast"}).has_value();
        if (!c.end()) {
          return false;
        }
        t.nhrp_nhs.push_back(nhs);
        return true;
      }
      case 4: {
        auto n = c.number(1, 65535);
        if (!n || !c.end()) {
          return false;
        }
        t.nhrp_holdtime = static_cast<std::uint32_t>(*n);
        return true;
      }
      case 5:
        if (!c.end()) {
          return false;
        }
        t.nhrp_redirect = true;
        return true;
      default:
        if (!c.end()) {
          return false;
        }
        t.nhrp_shortcut = true;
        return true;
    }
  }

  static bool interface_tunnel(TunnelInterface& t, Cursor& c) {
    auto what = c.choose({"source", "destination", "mode", "key", "protection", "path-mtu-discovery"});
    if (!what) {
      return false;
    }
    switch (*what) {
      case 5:
        if (!c.end()) {
          return false;
        }
        t.path_mtu_discovery = true;
        return true;
      case 0: {
        auto src = c.name();
        if (!src || !c.end()) {
          return false;
        }
        t.tunnel_source = *src;
        return true;
      }
      case 1: {
        auto a = c.address();
        if (!a || !c.end()) {
          return false;
        }
        t.tunnel_destination = *a;
        return true;
      }
      case 2: {
        auto kind = c.choose({"gre", "ipsec"});
        if (!kind) {
          return false;
        }
        TunnelMode mode;
        if (*kind == 0) {
          auto sub = c.choose({"multipoint", "ip"});
          if (!sub) {
            return false;
          }
          mode = *sub == 0 ? TunnelMode::kGreMultipoint : TunnelMode::kGre;
        } else {
          if (!c.keyword("ipv4")) {
            return false;
          }
          mode = TunnelMode::kIpsecIpv4;
        }
        if (!c.end()) {
          return false;
        }
        t.mode = mode;
        return true;
      }
      case 3: {
        auto n = c.number(0, 4294967295u);
        if (!n || !c.end()) {
          return false;
        }
        t.tunnel_key = static_cast<std::uint32_t>(*n);
        return true;
      }
      default: {
        if (!c.keyword("ipsec") || !c.keyword("profile")) {
          return false;
        }
        auto name = c.name();
        if (!name) {
          return false;
        }
        bool shared = c.optional_choice({"shared"}).has_value();
        if (!c.end()) {
          return false;
        }
        t.protection_profile = *name;
        t.protection_shared = shared;
        return true;
      }
    }
  }

  std::string file_;
  int line_no_ = 0;
  Config cfg_;
  std::vector<Finding> findings_;
};

}  // namespace

ParseResult parse_config(std::string_view text, std::string_view file_name) {
  Parser parser(file_name);
  parser.run(text);
  ParseResult result = parser.take();
  std::vector<Finding> checks = validate(result.config);
  for (Finding& f : checks) {
    if (f.file.empty()) {
      f.file = std::string(file_name);
    }
  }
  result.findings.insert(result.findings.end(), checks.begin(), checks.end());
  return result;
}

ParseResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ParseResult r;
    r.findings.push_back({Severity::kError, path, 0, "", -1, "% cannot open configuration file"});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  ParseResult r = parse_config(content, path);
  std::fill(content.begin(), content.end(), '\0');  // the file holds keys
  return r;
}

}  // namespace hubsec::host::config
