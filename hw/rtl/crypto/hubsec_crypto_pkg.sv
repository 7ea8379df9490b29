// hubsec_crypto_pkg: types and constants shared by the crypto cores. Name items as
// hubsec_crypto_pkg::item (no wildcard imports) so that Yosys can read the RTL.
`default_nettype none

package hubsec_crypto_pkg;

  // ---- AES-256 ----

  // ---- SHA-1 / SHA-256 / HMAC ----

endpackage

`default_nettype wire
