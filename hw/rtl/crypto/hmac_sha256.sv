// hmac_sha256: the HMAC-SHA-256 / SHA-256 engine as it ships (sha_engine with ALG = SHA-256).
// Defaults are the full configuration: N_RND = 32 round units (64 blocks in flight, one block per
// 2 cycles = 32 message bytes per cycle of compression) and CTX = 64 messages in flight.
// The CI benches use a small configuration (fewer units and contexts) of the same RTL. LOWLAT = 1 selects
// the low-latency core (sha_core, sha_engine): a lone block takes ROUNDS/2 + 4 cycles through the engine
// instead of 2*ROUNDS + 7 (from its beat's handshake), and N_RND units give 2*N_RND/ROUNDS blocks per cycle.
// See sha_engine for the port protocol.
`default_nettype none

module hmac_sha256 #(
  parameter int unsigned CTX = 64,
  parameter int unsigned N_RND = 32,
  parameter int unsigned LOWLAT = 0,  // 1: low-latency core (two rounds per unit, N_RND counts those units)
  localparam int unsigned CW = $clog2(CTX)
) (
  input  wire logic                        clk_i,
  input  wire logic                        rst_ni,
  input  wire logic                        in_valid_i,
  output logic                             in_ready_o,
  output logic [CTX-1:0]                   in_space_o,
  input  wire logic [CW-1:0]               in_ctx_i,
  input  wire logic                        in_first_i,
  input  wire logic                        in_last_i,
  input  wire logic [4:0]                  in_nbytes_i,
  input  wire logic [127:0]                in_data_i,
  input  wire hubsec_crypto_pkg::sha_op_e  in_op_i,
  input  wire logic [255:0]                in_istate_i,
  input  wire logic [255:0]                in_ostate_i,
  output logic                             out_valid_o,
  input  wire logic                        out_ready_i,
  output logic [CW-1:0]                    out_ctx_o,
  output hubsec_crypto_pkg::sha_op_e       out_op_o,
  output logic [255:0]                     out_digest_o,
  output logic [255:0]                     out_ostate_o,
  output logic [15:0]                      drop_count_o
);

  sha_engine #(.ALG(hubsec_crypto_pkg::SHA_ALG_SHA256), .CTX(CTX), .N_RND(N_RND), .LOWLAT(LOWLAT)) u_engine (.*);

endmodule

`default_nettype wire
