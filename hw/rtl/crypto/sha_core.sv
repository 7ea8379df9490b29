// sha_core: multi-context SHA-1 / SHA-256 compression core with a loadable chaining state.
//
// In:  (chaining value H, one 64-byte block, tag).  Out: (H + compress(H, block), tag), in input order.
// The core is a ring of N_RND round units (sha1_round / sha256_round), each two register stages deep, so
// 2*N_RND independent blocks are in flight, each slot carrying its own state, schedule and tag. A block
// circulates ROUNDS/N_RND times; a new block enters whenever the slot arriving at the ring entry is empty
// or has just finished its last pass.
//   latency:   2*ROUNDS + 3 cycles from in_valid_i&&in_ready_o to out_valid_o (empty ring, out ready)
//   interval:  N_RND/ROUNDS blocks per cycle at full interleave (e.g. N_RND=32 for SHA-256: one block every
//              2 cycles = 32 bytes/cycle; N_RND=ROUNDS: one block per cycle)
// Back-pressure: out_ready_i may stall; the core then stops accepting once its result FIFO is reserved
// (credits), blocks already in the ring finish into the FIFO.
// in_ready_o, out_valid_o, out_tag_o and out_h_o come straight from registers, so a caller's logic on them
// starts a fresh path; the round constants are registered per unit, so every round unit is one module.
`default_nettype none

module sha_core #(
  parameter int unsigned ALG = hubsec_crypto_pkg::SHA_ALG_SHA256,
  parameter int unsigned N_RND = 4,  // round units; must divide 80 (SHA-1) or 64 (SHA-256)
  parameter int unsigned TW = 8,     // tag width
  localparam int unsigned SW = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? 160 : 256
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic          in_valid_i,
  output logic               in_ready_o,
  input  wire logic [TW-1:0] in_tag_i,
  input  wire logic [SW-1:0] in_h_i,      // chaining value, big-endian words (H0 in the top bits)
  input  wire logic [511:0]  in_block_i,  // message block, byte 0 in bits [511:504]
  output logic               out_valid_o,
  input  wire logic          out_ready_i,
  output logic [TW-1:0]      out_tag_o,
  output logic [SW-1:0]      out_h_o
);

  localparam int unsigned ROUNDS = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? 80 : 64;
  localparam int unsigned PASSES = ROUNDS / N_RND;
  localparam int unsigned PW = PASSES > 1 ? $clog2(PASSES) : 1;
  localparam int unsigned NW = SW / 32;
  localparam int unsigned FDEPTH = 2 * N_RND + 4;  // covers the ring plus entry and exit registers
  localparam int unsigned CRW = $clog2(FDEPTH + 1);
  localparam int unsigned TBW = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? 7 : 6;  // round number width

  // ---- entry register: loaded when the slot arriving at the ring entry next cycle is free ----
  // in_ready_o comes from two registers (no logic between them and the port): free_q is the entry
  // condition one cycle early (from the last unit's input instead of its stage-1 register), room_q the
  // credit test on the next credit count.
  logic [N_RND-1:0] mid_valid;
  logic [PW-1:0] mid_pass[N_RND];
  logic [CRW-1:0] credit_q;
  logic free_q, room_q;
  logic in_fire, out_fire;

  assign in_ready_o = free_q && room_q;
  assign in_fire = in_valid_i && in_ready_o;

  logic inj_v_q;
  logic [TW-1:0] inj_tag_q;
  logic [SW-1:0] inj_h_q;
  logic [15:0][31:0] inj_w_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) inj_v_q <= 1'b0;
    else inj_v_q <= in_fire;
  end

  always_ff @(posedge clk_i) begin
    if (in_fire) begin
      inj_tag_q <= in_tag_i;
      inj_h_q <= in_h_i;
      for (int i = 0; i < 16; i++) inj_w_q[i] <= in_block_i[511-32*i-:32];
    end
  end

  // ---- the ring ----
  logic [N_RND-1:0] u_valid;
  logic [PW-1:0] u_pass[N_RND];
  logic [TW-1:0] u_tag[N_RND];
  logic [SW-1:0] u_st[N_RND];
  logic [SW-1:0] u_hin[N_RND];
  logic [15:0][31:0] u_w[N_RND];

  // Ring entry: a slot still working loops back for its next pass, otherwise the entry register enters.
  logic last_exit, loop_v;
  logic r_valid;
  logic [PW-1:0] r_pass;
  logic [TW-1:0] r_tag;
  logic [SW-1:0] r_st, r_hin;
  logic [15:0][31:0] r_w;

  assign last_exit = u_valid[N_RND-1] && 32'(u_pass[N_RND-1]) == PASSES - 1;
  assign loop_v = u_valid[N_RND-1] && !last_exit;

  always_comb begin
    if (loop_v) begin
      r_valid = 1'b1;
      r_pass = u_pass[N_RND-1] + 1'b1;
      r_tag = u_tag[N_RND-1];
      r_st = u_st[N_RND-1];
      r_hin = u_hin[N_RND-1];
      r_w = u_w[N_RND-1];
    end else begin
      r_valid = inj_v_q;
      r_pass = '0;
      r_tag = inj_tag_q;
      r_st = inj_h_q;
      r_hin = inj_h_q;
      r_w = inj_w_q;
    end
  end

  // what enters each unit: the ring entry for unit 0, the previous unit's output otherwise
  logic [N_RND-1:0] i_valid;
  logic [PW-1:0] i_pass[N_RND];
  logic [TW-1:0] i_tag[N_RND];
  logic [SW-1:0] i_st[N_RND];
  logic [SW-1:0] i_hin[N_RND];
  logic [15:0][31:0] i_w[N_RND];

  // Round constants, registered a cycle ahead: the slot entering unit u next cycle is in unit u-1's
  // stage 1 now (for unit 0: the last unit's, which loops back with pass + 1, or a new block, pass 0).
  for (genvar u = 0; u < N_RND; u++) begin : g_unit
    logic [PW-1:0] next_pass;
    logic [TBW-1:0] next_t;
    logic [31:0] k_q;
    if (u == 0) begin : g_pass_wrap
      assign next_pass = (mid_valid[N_RND-1] && 32'(mid_pass[N_RND-1]) != PASSES - 1) ?
          mid_pass[N_RND-1] + 1'b1 : '0;
    end else begin : g_pass_prev
      assign next_pass = mid_pass[u-1];
    end
    assign next_t = TBW'(32'(next_pass) * N_RND + u);
    always_ff @(posedge clk_i) begin
      k_q <= (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? hubsec_crypto_pkg::sha1_k(7'(next_t))
                                                      : hubsec_crypto_pkg::sha256_k(6'(next_t));
    end

    if (u == 0) begin : g_first
      assign i_valid[u] = r_valid;
      assign i_pass[u] = r_pass;
      assign i_tag[u] = r_tag;
      assign i_st[u] = r_st;
      assign i_hin[u] = r_hin;
      assign i_w[u] = r_w;
    end else begin : g_next
      assign i_valid[u] = u_valid[u-1];
      assign i_pass[u] = u_pass[u-1];
      assign i_tag[u] = u_tag[u-1];
      assign i_st[u] = u_st[u-1];
      assign i_hin[u] = u_hin[u-1];
      assign i_w[u] = u_w[u-1];
    end
    if (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) begin : g_sha1
      logic [1:0] f_q;  // f_t: 0 Ch (t < 20), 1 Parity, 2 Maj (40 <= t < 60)
      always_ff @(posedge clk_i) begin
        f_q <= (32'(next_t) < 20) ? 2'd0 : (32'(next_t) >= 40 && 32'(next_t) < 60) ? 2'd2 : 2'd1;
      end
      sha1_round #(.PW(PW), .TW(TW)) u_round (
        .clk_i, .rst_ni,
        .valid_i(i_valid[u]), .pass_i(i_pass[u]), .k_i(k_q), .f_i(f_q), .tag_i(i_tag[u]), .st_i(i_st[u]), .hin_i(i_hin[u]), .w_i(i_w[u]),
        .mid_valid_o(mid_valid[u]), .mid_pass_o(mid_pass[u]),
        .valid_o(u_valid[u]), .pass_o(u_pass[u]), .tag_o(u_tag[u]), .st_o(u_st[u]), .hin_o(u_hin[u]),
        .w_o(u_w[u])
      );
    end else begin : g_sha256
      sha256_round #(.PW(PW), .TW(TW)) u_round (
        .clk_i, .rst_ni,
        .valid_i(i_valid[u]), .pass_i(i_pass[u]), .k_i(k_q), .tag_i(i_tag[u]), .st_i(i_st[u]), .hin_i(i_hin[u]), .w_i(i_w[u]),
        .mid_valid_o(mid_valid[u]), .mid_pass_o(mid_pass[u]),
        .valid_o(u_valid[u]), .pass_o(u_pass[u]), .tag_o(u_tag[u]), .st_o(u_st[u]), .hin_o(u_hin[u]),
        .w_o(u_w[u])
      );
    end
  end

  // ---- exit: feed-forward add, then the result FIFO ----
  logic ff_v_q;
  logic [TW-1:0] ff_tag_q;
  logic [SW-1:0] ff_h_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ff_v_q <= 1'b0;
    else ff_v_q <= last_exit;
  end

  always_ff @(posedge clk_i) begin
    if (last_exit) begin
      ff_tag_q <= u_tag[N_RND-1];
      for (int i = 0; i < NW; i++) begin
        ff_h_q[32*i+:32] <= u_hin[N_RND-1][32*i+:32] + u_st[N_RND-1][32*i+:32];
      end
    end
  end

  logic [CRW-1:0] fifo_count;
  assign out_fire = out_valid_o && out_ready_i;

  sha_fifo #(.W(TW + SW), .DEPTH(FDEPTH)) u_out_fifo (
    .clk_i, .rst_ni,
    .wr_valid_i(ff_v_q), .wr_data_i({ff_tag_q, ff_h_q}),
    .rd_valid_o(out_valid_o), .rd_ready_i(out_ready_i), .rd_data_o({out_tag_o, out_h_o}),
    .count_o(fifo_count)
  );

  // Credits: blocks accepted and not yet taken from the FIFO never exceed its depth. room_q is
  // credit_q < FDEPTH for the count that credit_q takes next.
  logic room_keep, room_dec;
  assign room_keep = 32'(credit_q) < FDEPTH;      // no change, or one in and one out
  assign room_dec = 32'(credit_q) < FDEPTH - 1;   // one more block accepted

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      credit_q <= '0;
      room_q <= 1'b1;
      free_q <= 1'b1;
    end else begin
      credit_q <= credit_q + CRW'(in_fire) - CRW'(out_fire);
      room_q <= (in_fire && !out_fire) ? room_dec : (out_fire && !in_fire) ? 1'b1 : room_keep;
      // mid_valid / mid_pass of the last unit next cycle = its input now
      free_q <= !i_valid[N_RND-1] || 32'(i_pass[N_RND-1]) == PASSES - 1;
    end
  end

`ifndef SYNTHESIS
  // Checks run from the first cycle after reset (a flop, so reset stays a purely asynchronous net).
  logic chk_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) chk_q <= 1'b0;
    else chk_q <= 1'b1;
  end
  a_entry_free: assert property (@(posedge clk_i) disable iff (!chk_q) !(loop_v && inj_v_q))
    else $error("sha_core: entry slot collision");
  logic last_mid_valid, ready_ref;
  logic [PW-1:0] last_mid_pass;
  assign last_mid_valid = mid_valid[N_RND-1];
  assign last_mid_pass = mid_pass[N_RND-1];
  assign ready_ref = (!last_mid_valid || 32'(last_mid_pass) == PASSES - 1) && 32'(credit_q) < FDEPTH;
  a_ready: assert property (@(posedge clk_i) disable iff (!chk_q) in_ready_o == ready_ref)
    else $error("sha_core: registered in_ready differs from its definition");
  a_credits: assert property (@(posedge clk_i) disable iff (!chk_q) 32'(fifo_count) <= 32'(credit_q))
    else $error("sha_core: FIFO holds more than the credits");
  // Handshake rules: a presented result stays presented and unchanged until taken.
  property p_out_hold;
    @(posedge clk_i) disable iff (!chk_q)
      out_valid_o && !out_ready_i |=> out_valid_o && out_tag_o == $past(out_tag_o) && out_h_o == $past(out_h_o);
  endproperty
  a_out_hold: assert property (p_out_hold);
`endif

endmodule

`default_nettype wire
