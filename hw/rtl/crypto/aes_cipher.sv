// aes_cipher: AES-256 forward cipher (DECRYPT = 0) or inverse cipher (DECRYPT = 1) with one context per
// pipeline stage. Every stage holds its own block, its own 8-word key window and its own tag, and derives
// the next round key from that window (aes_key_step), so consecutive cycles may carry blocks of different
// packets and different SAs with no stall and no shared key state.
//
// Key input: the cipher key for encryption; for decryption the decryption key w[52..59] that
// aes_key_expand computes once per SA (the inverse cipher runs the key schedule backwards from it).
//
// Structure: an entry register (initial AddRoundKey), then UNROLL round stages, each one round per cycle.
//   UNROLL = 14 (the shipped configuration): a straight pipeline of 14 round stages.
//     Latency 15 cycles (input handshake to out_valid_o). Initiation interval 1: one 16-byte block
//     per cycle, 15 blocks in flight, each with its own key and tag.
//   UNROLL = 1, 2 or 7 (small configurations for fast simulation): the round stages form a ring that each
//     block travels 14 / UNROLL times. Latency 15 cycles when the ring is free; throughput UNROLL blocks
//     per 14 cycles, UNROLL + 1 blocks in flight; a block that recirculates has priority over the input.
//   ENTRY_REG = 0: no entry register; the initial AddRoundKey is computed in front of the first round
//     stage, in the cycle of the input handshake. One cycle less latency (14 with UNROLL = 14), for a
//     feedback mode whose next input waits on this output (the CBC encryption of esp_outbound); one XOR
//     level more in front of the first stage's S-boxes, from the input ports.
// Blocks leave in the order they entered.
// Reset: synchronous, active low (rst_ni), on the valid bits only (UltraScale+ prefers synchronous resets).
// Handshakes: valid/ready. A stalled output (out_valid_o && !out_ready_i) freezes the stages; in_ready_o
// depends on out_ready_i combinationally. Depth per stage (Yosys, UltraScale+): one S-box plus an XOR tree,
// 3 LUT levels encrypting, 4 decrypting (docs/benchmarks.md).
`default_nettype none

module aes_cipher #(
    parameter bit          DECRYPT = 1'b0,
    parameter int unsigned UNROLL  = 14,
    parameter int unsigned TAG_W   = 8,
    parameter bit          ENTRY_REG = 1'b1  // 0: initial AddRoundKey in the first round stage (see above)
) (
    input  logic                          clk_i,
    input  logic                          rst_ni,
    input  logic                          in_valid_i,
    output logic                          in_ready_o,
    input  hubsec_crypto_pkg::aes_block_t in_block_i,
    input  hubsec_crypto_pkg::aes_key_t   in_key_i,
    input  logic [TAG_W-1:0]              in_tag_i,
    output logic                          out_valid_o,
    input  logic                          out_ready_i,
    output hubsec_crypto_pkg::aes_block_t out_block_o,
    output logic [TAG_W-1:0]              out_tag_o
);

  localparam bit LOOP = (UNROLL != 14);  // 14 rounds: fully unrolled
  localparam int unsigned LAST = UNROLL - 1;

  // Entry stage: the block after the initial AddRoundKey (the entry register, or the input itself).
  logic                          e_valid;
  hubsec_crypto_pkg::aes_block_t e_state;
  hubsec_crypto_pkg::aes_key_t   e_win;
  logic [TAG_W-1:0]              e_tag;

  // Round stages: the block after round rnd_q - 1 (rnd_q is the next round to run, 15 when done).
  logic                          valid_q[UNROLL];
  hubsec_crypto_pkg::aes_block_t state_q[UNROLL];
  hubsec_crypto_pkg::aes_key_t   win_q  [UNROLL];
  logic [TAG_W-1:0]              tag_q  [UNROLL];
  logic [3:0]                    rnd_q  [UNROLL];

  // Inputs of each round stage.
  logic                          src_valid[UNROLL];
  hubsec_crypto_pkg::aes_block_t src_state[UNROLL];
  hubsec_crypto_pkg::aes_key_t   src_win  [UNROLL];
  logic [TAG_W-1:0]              src_tag  [UNROLL];
  logic [3:0]                    src_rnd  [UNROLL];
  hubsec_crypto_pkg::aes_block_t round_out[UNROLL];
  hubsec_crypto_pkg::aes_key_t   win_next [UNROLL];

  logic done, recirc, advance, entry_drains;

  // ---- control ----
  assign done         = LOOP ? (rnd_q[LAST] == 4'd15) : 1'b1;
  assign out_valid_o  = valid_q[LAST] && done;
  assign recirc       = valid_q[LAST] && !done;
  assign advance      = !out_valid_o || out_ready_i;
  assign entry_drains = advance && !recirc;
  assign in_ready_o   = ENTRY_REG ? (!e_valid || entry_drains) : entry_drains;
  assign out_block_o  = state_q[LAST];
  assign out_tag_o    = tag_q[LAST];

  // ---- entry stage ----
  // Round key 0 (w[0..3]) forwards, round key 14 (w[56..59]) backwards.
  hubsec_crypto_pkg::aes_block_t in_ark;
  assign in_ark = in_block_i ^ (DECRYPT ? in_key_i[127:0] : in_key_i[255:128]);

  if (ENTRY_REG) begin : g_entry_reg
    logic                          e_valid_q;
    hubsec_crypto_pkg::aes_block_t e_state_q;
    hubsec_crypto_pkg::aes_key_t   e_win_q;
    logic [TAG_W-1:0]              e_tag_q;
    assign e_valid = e_valid_q;
    assign e_state = e_state_q;
    assign e_win   = e_win_q;
    assign e_tag   = e_tag_q;
    always_ff @(posedge clk_i) begin
      if (!rst_ni) e_valid_q <= 1'b0;
      else if (in_ready_o) e_valid_q <= in_valid_i;
    end

    always_ff @(posedge clk_i) begin
      if (in_valid_i && in_ready_o) begin
        e_state_q <= in_ark;
        e_win_q   <= in_key_i;
        e_tag_q   <= in_tag_i;
      end
    end
  end else begin : g_entry_comb
    // The first round stage takes the input itself when it does not take a recirculating block (the
    // input handshake is exactly that: in_ready_o = entry_drains).
    assign e_valid = in_valid_i;
    assign e_state = in_ark;
    assign e_win   = in_key_i;
    assign e_tag   = in_tag_i;
  end

  // ---- round stages ----
  for (genvar s = 0; s < UNROLL; s++) begin : g_stage
    logic [3:0] k;       // round number 1..14 run by this stage for the block it sees
    logic [3:0] step;    // key-schedule step that yields the next stage's window

    if (s == 0) begin : g_src_entry
      assign src_valid[s] = recirc || e_valid;
      assign src_state[s] = recirc ? state_q[LAST] : e_state;
      assign src_win[s]   = recirc ? win_q[LAST] : e_win;
      assign src_tag[s]   = recirc ? tag_q[LAST] : e_tag;
      assign src_rnd[s]   = recirc ? rnd_q[LAST] : 4'd1;
    end else begin : g_src_prev
      assign src_valid[s] = valid_q[s-1];
      assign src_state[s] = state_q[s-1];
      assign src_win[s]   = win_q[s-1];
      assign src_tag[s]   = tag_q[s-1];
      assign src_rnd[s]   = rnd_q[s-1];
    end

    assign k    = LOOP ? src_rnd[s] : 4'(s + 1);
    assign step = DECRYPT ? 4'd14 - k : k;

    if (DECRYPT) begin : g_dec
      // Inverse round k uses round key 14 - k = w[4(14-k) .. 4(14-k)+3]: the window's low-index half.
      aes_dec_round u_round (
          .state_i(src_state[s]),
          .rkey_i (src_win[s][255:128]),
          .last_i (k == 4'd14),
          .state_o(round_out[s])
      );
    end else begin : g_enc
      // Round k uses w[4k .. 4k+3]: the window's high-index half.
      aes_enc_round u_round (
          .state_i(src_state[s]),
          .rkey_i (src_win[s][127:0]),
          .last_i (k == 4'd14),
          .state_o(round_out[s])
      );
    end

    aes_key_step #(
        .DECRYPT(DECRYPT)
    ) u_key_step (
        .win_i(src_win[s]),
        .k_i  (step),
        .win_o(win_next[s])
    );

    always_ff @(posedge clk_i) begin
      if (!rst_ni) valid_q[s] <= 1'b0;
      else if (advance) valid_q[s] <= src_valid[s];
    end

    always_ff @(posedge clk_i) begin
      if (advance) begin
        state_q[s] <= round_out[s];
        win_q[s]   <= win_next[s];
        tag_q[s]   <= src_tag[s];
        rnd_q[s]   <= k + 4'd1;
      end
    end
  end

`ifndef SYNTHESIS
  // Handshake rules, checked when Verilator runs with --assert: a valid that is not taken stays up in the
  // next cycle with its payload unchanged, on both ports. (Written as immediate assertions on registered
  // copies: Verilator 5.006 has no ## sequences.)
  logic in_stalled_q, out_stalled_q;
  logic [$bits(in_key_i)+$bits(in_block_i)+TAG_W-1:0] in_payload_q;
  logic [$bits(out_block_o)+TAG_W-1:0] out_payload_q;
  always_ff @(posedge clk_i) begin
    in_stalled_q  <= rst_ni && in_valid_i && !in_ready_o;
    out_stalled_q <= rst_ni && out_valid_o && !out_ready_i;
    in_payload_q  <= {in_key_i, in_block_i, in_tag_i};
    out_payload_q <= {out_block_o, out_tag_o};
    if (rst_ni && in_stalled_q) begin
      assert (in_valid_i && {in_key_i, in_block_i, in_tag_i} == in_payload_q)
      else $error("aes_cipher: in_valid_i dropped or input changed while in_ready_o was low");
    end
    if (rst_ni && out_stalled_q) begin
      assert (out_valid_o && {out_block_o, out_tag_o} == out_payload_q)
      else $error("aes_cipher: out_valid_o dropped or output changed while out_ready_i was low");
    end
  end
  initial begin
    assert (UNROLL == 1 || UNROLL == 2 || UNROLL == 7 || UNROLL == 14)
    else $fatal(1, "aes_cipher: UNROLL must divide 14");
  end
`endif

endmodule

`default_nettype wire
