// esp_mac: the ESP integrity engines of one datapath lane: HMAC-SHA-1 and HMAC-SHA-256 (the committed
// sha_engine tops) behind one beat port, with the ICV truncated and left-aligned.
//
// CTX contexts per engine: the lane's packet slots, one message in flight per slot. Beats follow
// sha_engine's protocol (16 bytes per beat, the last one 0..16; beats of different contexts interleave
// freely, those of one context in order). in_sha256_i picks the engine and must stay constant for the beats
// of one message. space1_o / space256_o: sha_engine's in_space_o of each engine (a beat for context c would
// be taken now), so the sender can keep the port busy. States are left-aligned in 256 bits: for SHA-1 the
// 160-bit state is in bits [255:96]. Results are always taken: one per cycle, the engines by turns when both
// finish in the same cycle. out_icv_o: HMAC-SHA1-96 in bits [127:32] (low bits zero) or HMAC-SHA-256-128
// in all 128 bits, byte 0 in the top bits.
// The engines use the SHA core's low-latency mode by default (SHA_LOWLAT = 1: two rounds per round unit and
// cycle, a lone block in ROUNDS/2 + 4 cycles through the engine, 44 SHA-1 / 36 SHA-256): one packet's HMAC
// blocks are dependent, so the per-block latency bounds a lone packet. N_RND counts units of the selected
// mode; in the low-latency mode N_RND units compress 2*N_RND/ROUNDS blocks per cycle, so SHA-1 10 and
// SHA-256 8 give 16 bytes/cycle each (docs/rtl-crypto.md).
`default_nettype none

module esp_mac #(
  parameter int unsigned SHA1_N_RND = 10,    // round units of the SHA-1 core (sha_core); LOWLAT: divides 40
  parameter int unsigned SHA256_N_RND = 8,   // round units of the SHA-256 core; LOWLAT: divides 32
  parameter int unsigned SHA_LOWLAT = 1,     // 1: low-latency cores (two rounds per unit), 0: default cores
  parameter int unsigned CTX = 64,           // contexts (packet slots) per engine; power of two, >= 2
  localparam int unsigned CW = $clog2(CTX)
) (
  input  wire logic           clk_i,
  input  wire logic           rst_ni,
  input  wire logic           in_valid_i,
  output logic                in_ready_o,
  output logic [CTX-1:0]      space1_o,
  output logic [CTX-1:0]      space256_o,
  input  wire logic [CW-1:0]  in_ctx_i,
  input  wire logic           in_sha256_i,
  input  wire logic           in_first_i,
  input  wire logic           in_last_i,
  input  wire logic [4:0]     in_nbytes_i,
  input  wire logic [127:0]   in_data_i,
  input  wire logic [255:0]   in_istate_i,
  input  wire logic [255:0]   in_ostate_i,
  output logic                out_valid_o,
  output logic [CW-1:0]       out_ctx_o,
  output logic [127:0]        out_icv_o
);

  logic s1_in_ready, s2_in_ready, s1_out_valid, s2_out_valid, s1_take, prio1_q;
  logic [CW-1:0] s1_ctx, s2_ctx;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [159:0] s1_digest;  // truncated to the ICV: low bits unused
  logic [255:0] s2_digest;
  hubsec_crypto_pkg::sha_op_e s1_op, s2_op;
  logic [159:0] s1_ostate;
  logic [255:0] s2_ostate;
  logic [15:0] s1_drops, s2_drops;
  /* verilator lint_on UNUSEDSIGNAL */

  hmac_sha1 #(.CTX(CTX), .N_RND(SHA1_N_RND), .LOWLAT(SHA_LOWLAT)) u_sha1 (
    .clk_i, .rst_ni,
    .in_valid_i(in_valid_i && !in_sha256_i), .in_ready_o(s1_in_ready), .in_space_o(space1_o),
    .in_ctx_i, .in_first_i, .in_last_i, .in_nbytes_i, .in_data_i,
    .in_op_i(hubsec_crypto_pkg::SHA_OP_HMAC),
    .in_istate_i(in_istate_i[255:96]), .in_ostate_i(in_ostate_i[255:96]),
    .out_valid_o(s1_out_valid), .out_ready_i(!s2_out_valid || prio1_q), .out_ctx_o(s1_ctx), .out_op_o(s1_op),
    .out_digest_o(s1_digest), .out_ostate_o(s1_ostate), .drop_count_o(s1_drops));

  hmac_sha256 #(.CTX(CTX), .N_RND(SHA256_N_RND), .LOWLAT(SHA_LOWLAT)) u_sha256 (
    .clk_i, .rst_ni,
    .in_valid_i(in_valid_i && in_sha256_i), .in_ready_o(s2_in_ready), .in_space_o(space256_o),
    .in_ctx_i, .in_first_i, .in_last_i, .in_nbytes_i, .in_data_i,
    .in_op_i(hubsec_crypto_pkg::SHA_OP_HMAC),
    .in_istate_i(in_istate_i), .in_ostate_i(in_ostate_i),
    .out_valid_o(s2_out_valid), .out_ready_i(!s1_take), .out_ctx_o(s2_ctx), .out_op_o(s2_op),
    .out_digest_o(s2_digest), .out_ostate_o(s2_ostate), .drop_count_o(s2_drops));

  assign in_ready_o = in_sha256_i ? s2_in_ready : s1_in_ready;
  assign s1_take = s1_out_valid && (!s2_out_valid || prio1_q);
  assign out_valid_o = s1_out_valid || s2_out_valid;
  assign out_ctx_o = s1_take ? s1_ctx : s2_ctx;
  assign out_icv_o = s1_take ? {s1_digest[159:64], 32'h0} : s2_digest[255:128];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) prio1_q <= 1'b0;
    else prio1_q <= !prio1_q;
  end

endmodule

`default_nettype wire
