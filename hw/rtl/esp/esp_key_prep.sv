// esp_key_prep: the per-SA key work done once when a slot is written, so that no packet pays for it.
//
// In: the raw HMAC key (byte 0 in the top bits: 20 bytes for HMAC-SHA1-96, 32 for HMAC-SHA-256-128; bytes
// past the key length are ignored) and the AES-256 cipher key. Out: the HMAC inner and outer chaining states
// compress(IV, K0 ^ ipad) and compress(IV, K0 ^ opad), left-aligned in 256 bits (SHA-1 in [255:96], low bits
// zero), as esp_outbound / esp_inbound take them; and the AES decryption key w[52..59] (aes_key_expand).
//
// A dedicated small engine pair (hmac_sha1 and hmac_sha256, 2 contexts each, KP_N_RND round units, context
// 0 only) runs SHA_OP_KEYPREP: the lanes' MAC engines are not shared, so a slot write never takes a cycle
// from packets. One key at a time: about 2 x 167 cycles (SHA-1) or 2 x 135 (SHA-256) from the input
// handshake, the key expansion (14 cycles) overlapped. The raw and expanded keys are held here only until
// the output is taken, then zeroed (the SHA engines' own block buffers keep the last key block until the
// next key overwrites it).
`default_nettype none

module esp_key_prep #(
  parameter int unsigned KP_N_RND = 1  // round units of each key-prep SHA core (divides 64 and 80)
) (
  input  wire logic          clk_i,
  // AES resets synchronously, the SHA engines asynchronously (both as committed): one net feeds both.
  /* verilator lint_off SYNCASYNCNET */
  input  wire logic          rst_ni,
  /* verilator lint_on SYNCASYNCNET */
  input  wire logic          in_valid_i,
  output logic               in_ready_o,
  input  wire logic          in_sha256_i,
  input  wire logic [255:0]  in_enc_key_i,
  input  wire logic [255:0]  in_auth_key_i,
  output logic               out_valid_o,
  input  wire logic          out_ready_i,
  output logic [255:0]       out_istate_o,
  output logic [255:0]       out_ostate_o,
  output logic [255:0]       out_dec_key_o
);

  typedef enum logic [2:0] {K_IDLE, K_B0, K_B1, K_WAIT, K_OUT} state_e;
  state_e state_q;
  logic sha256_q, hv_q, kv_q;
  logic [255:0] auth_q, istate_q, ostate_q, dkey_q;

  // ---- AES decryption key ----
  logic ke_in_ready, ke_out_valid;
  logic [255:0] ke_dkey;
  /* verilator lint_off UNUSEDSIGNAL */
  logic ke_tag;
  /* verilator lint_on UNUSEDSIGNAL */
  aes_key_expand #(.TAG_W(1)) u_key_expand (
    .clk_i, .rst_ni,
    .in_valid_i(state_q == K_IDLE && in_valid_i), .in_ready_o(ke_in_ready), .in_key_i(in_enc_key_i),
    .in_tag_i(1'b0),
    .out_valid_o(ke_out_valid), .out_ready_i(1'b1), .out_dec_key_o(ke_dkey), .out_tag_o(ke_tag));

  // ---- HMAC key precompute: two beats (16 bytes, then 4 or 16) on context 0 ----
  logic beat_v, beat_last, s1_in_ready, s2_in_ready, s1_out_valid, s2_out_valid;
  logic [4:0] beat_nb;
  logic [127:0] beat_data;
  logic [159:0] s1_digest, s1_ostate;
  logic [255:0] s2_digest, s2_ostate;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [1:0] s1_space, s2_space;
  logic s1_ctx, s2_ctx;
  hubsec_crypto_pkg::sha_op_e s1_op, s2_op;
  logic [15:0] s1_drops, s2_drops;
  /* verilator lint_on UNUSEDSIGNAL */
  assign beat_v = state_q == K_B0 || state_q == K_B1;
  assign beat_last = state_q == K_B1;
  assign beat_nb = (beat_last && !sha256_q) ? 5'd4 : 5'd16;
  assign beat_data = beat_last ? auth_q[127:0] : auth_q[255:128];

  hmac_sha1 #(.CTX(2), .N_RND(KP_N_RND)) u_sha1 (
    .clk_i, .rst_ni,
    .in_valid_i(beat_v && !sha256_q), .in_ready_o(s1_in_ready), .in_space_o(s1_space), .in_ctx_i(1'b0),
    .in_first_i(!beat_last), .in_last_i(beat_last), .in_nbytes_i(beat_nb), .in_data_i(beat_data),
    .in_op_i(hubsec_crypto_pkg::SHA_OP_KEYPREP), .in_istate_i('0), .in_ostate_i('0),
    .out_valid_o(s1_out_valid), .out_ready_i(state_q == K_WAIT), .out_ctx_o(s1_ctx), .out_op_o(s1_op),
    .out_digest_o(s1_digest), .out_ostate_o(s1_ostate), .drop_count_o(s1_drops));

  hmac_sha256 #(.CTX(2), .N_RND(KP_N_RND)) u_sha256 (
    .clk_i, .rst_ni,
    .in_valid_i(beat_v && sha256_q), .in_ready_o(s2_in_ready), .in_space_o(s2_space), .in_ctx_i(1'b0),
    .in_first_i(!beat_last), .in_last_i(beat_last), .in_nbytes_i(beat_nb), .in_data_i(beat_data),
    .in_op_i(hubsec_crypto_pkg::SHA_OP_KEYPREP), .in_istate_i('0), .in_ostate_i('0),
    .out_valid_o(s2_out_valid), .out_ready_i(state_q == K_WAIT), .out_ctx_o(s2_ctx), .out_op_o(s2_op),
    .out_digest_o(s2_digest), .out_ostate_o(s2_ostate), .drop_count_o(s2_drops));

  logic beat_fire;
  assign beat_fire = beat_v && (sha256_q ? s2_in_ready : s1_in_ready);

  assign in_ready_o = state_q == K_IDLE && ke_in_ready;
  assign out_valid_o = state_q == K_OUT;
  assign out_istate_o = istate_q;
  assign out_ostate_o = ostate_q;
  assign out_dec_key_o = dkey_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= K_IDLE;
      hv_q <= 1'b0;
      kv_q <= 1'b0;
    end else begin
      case (state_q)
        K_IDLE: if (in_valid_i && in_ready_o) begin
          state_q <= K_B0;
          hv_q <= 1'b0;
          kv_q <= 1'b0;
        end
        K_B0: if (beat_fire) state_q <= K_B1;
        K_B1: if (beat_fire) state_q <= K_WAIT;
        K_WAIT: if ((hv_q || s1_out_valid || s2_out_valid) && (kv_q || ke_out_valid)) state_q <= K_OUT;
        K_OUT: if (out_ready_i) state_q <= K_IDLE;
        default: state_q <= K_IDLE;
      endcase
      if (ke_out_valid) kv_q <= 1'b1;
      if (state_q == K_WAIT && (s1_out_valid || s2_out_valid)) hv_q <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (state_q == K_IDLE && in_valid_i && in_ready_o) begin
      sha256_q <= in_sha256_i;
      auth_q <= in_auth_key_i;
    end
    if (state_q == K_B1 && beat_fire) auth_q <= '0;
    if (ke_out_valid) dkey_q <= ke_dkey;
    if (state_q == K_WAIT && s1_out_valid) begin
      istate_q <= {s1_digest, 96'h0};
      ostate_q <= {s1_ostate, 96'h0};
    end
    if (state_q == K_WAIT && s2_out_valid) begin
      istate_q <= s2_digest;
      ostate_q <= s2_ostate;
    end
    if (state_q == K_OUT && out_ready_i) begin
      istate_q <= '0;
      ostate_q <= '0;
      dkey_q <= '0;
    end
  end

endmodule

`default_nettype wire
