// From the operator's typed configuration to what the IKE engine needs (ike::Policy) and whom
// hubsecd should initiate to. Pure: no sockets, so it is tested on its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hubsec/host/config/model.hpp"
#include "hubsec/ike/policy.hpp"

namespace hubsec::host::daemon {

// A peer hubsecd starts IKE towards: a keyring peer with one address, a `tunnel destination`, or an
// `ip nhrp nhs ... nbma` address.
struct InitiateTarget {
  ike::IpAddress peer;
  std::string profile;  // the engine profile (= the IKEv2 profile's name)
  std::string reason;   // "keyring IKEV2-KEYRING peer SPOKE1", for the log
  // A tunnel's `tunnel destination` or `ip nhrp nhs ... nbma`: tunnel protection keeps its SA up, so
  // it is initiated again also after the peer deleted it (the hub's `clear crypto sa`).
  bool tunnel_protection = false;
};

struct PlanOptions {
  // Our address, for `identity local` when the profile has none (IOS uses the interface address).
  std::optional<ike::IpAddress> local_address;
};

struct Plan {
  ike::Policy policy;
  std::vector<InitiateTarget> initiate;
  // Retry and DPD details the engine profile does not keep, per profile, for `show`.
  struct ProfileExtras {
    std::string name;
    std::uint32_t dpd_retry_seconds = 0;
  };
  std::vector<ProfileExtras> extras;
  std::vector<std::string> notes;   // what was left out and why (logged at start)
  std::vector<std::string> errors;  // the configuration cannot run (hubsecd refuses to start)
};

Plan build_plan(const config::Config& config, const PlanOptions& options);

}  // namespace hubsec::host::daemon
