// sha_core: multi-context SHA-1 / SHA-256 compression core with a loadable chaining state.
//
// In:  (chaining value H, one 64-byte block, tag).  Out: (H + compress(H, block), tag), in input order.
// The core is a ring of N_RND round units, each slot carrying its own state, schedule and tag. A block
// circulates until it has had its ROUNDS rounds; a new block enters whenever the slot arriving at the ring
// entry is empty or has just finished its last pass. Two modes (parameter LOWLAT):
//   LOWLAT = 0 (default): sha1_round / sha256_round, one round per unit, each unit two register stages deep
//     (6 LUT levels); 2*N_RND blocks in flight, a block circulates ROUNDS/N_RND times.
//     latency:  2*ROUNDS + 3 cycles from in_valid_i&&in_ready_o to out_valid_o (empty ring, out ready)
//     interval: N_RND/ROUNDS blocks per cycle at full interleave (e.g. N_RND=32 for SHA-256: one block
//               every 2 cycles = 32 bytes/cycle; N_RND=ROUNDS: one block per cycle)
//   LOWLAT = 1: sha1_round2 / sha256_round2, two rounds per unit in one register stage (deeper logic, see
//     docs/rtl-crypto.md); N_RND blocks in flight, a block circulates ROUNDS/(2*N_RND) times; N_RND >= 2
//     and must divide 40 (SHA-1) or 32 (SHA-256). The entry register also resolves the first two rounds'
//     h + K + W sums, and the feed-forward add writes straight into the result FIFO.
//     latency:  ROUNDS/2 + 2 cycles (42 SHA-1, 34 SHA-256)
//     interval: 2*N_RND/ROUNDS blocks per cycle (SHA-1 N_RND=10, SHA-256 N_RND=8: one block every 4 cycles
//               = 16 bytes/cycle)
// Back-pressure: out_ready_i may stall; the core then stops accepting once its result FIFO is reserved
// (credits), blocks already in the ring finish into the FIFO.
// in_ready_o, out_valid_o, out_tag_o and out_h_o come straight from registers, so a caller's logic on them
// starts a fresh path; the round constants are registered per unit, so every round unit is one module.
`default_nettype none

module sha_core #(
  parameter int unsigned ALG = hubsec_crypto_pkg::SHA_ALG_SHA256,
  parameter int unsigned N_RND = 4,  // round units; must divide 80 (SHA-1) or 64 (SHA-256), LOWLAT: 40 or 32
  parameter int unsigned TW = 8,     // tag width
  parameter int unsigned LOWLAT = 0, // 1: two rounds per unit and cycle (sha1_round2 / sha256_round2)
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
  localparam int unsigned PASSES = (LOWLAT != 0) ? ROUNDS / (2 * N_RND) : ROUNDS / N_RND;
  localparam int unsigned PW = PASSES > 1 ? $clog2(PASSES) : 1;
  localparam int unsigned NW = SW / 32;
  // covers the ring (2 * N_RND slots, or N_RND in the low-latency ring) plus entry and exit registers
  localparam int unsigned FDEPTH = (LOWLAT != 0) ? N_RND + 4 : 2 * N_RND + 4;
  localparam int unsigned CRW = $clog2(FDEPTH + 1);
  localparam int unsigned TBW = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? 7 : 6;  // round number width

  // A unit count that does not divide the rounds would silently skip rounds (PASSES rounds down).
  if (ROUNDS % ((LOWLAT != 0 ? 2 : 1) * N_RND) != 0) begin : g_bad_rounds
    $error("sha_core: N_RND must divide the rounds (80 SHA-1, 64 SHA-256; with LOWLAT half of them)");
  end

  // ---- entry register: loaded when the slot arriving at the ring entry next cycle is free ----
  // in_ready_o comes from two registers (no logic between them and the port): free_q is the entry
  // condition one cycle early (from what reaches the last unit's output in two cycles), room_q the credit
  // test on the next credit count.
  logic [CRW-1:0] credit_q;
  logic free_q, room_q;
  logic in_fire, out_fire;
  // the slot that reaches the last unit's output in one cycle (ahead1) and in two (ahead2)
  logic ahead1_valid, ahead2_valid;
  logic [PW-1:0] ahead1_pass, ahead2_pass;

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

  for (genvar u = 0; u < N_RND; u++) begin : g_in
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
  end

  if (LOWLAT == 0) begin : g_ring1
    // One round per unit, two register stages per unit.
    logic [N_RND-1:0] mid_valid;
    logic [PW-1:0] mid_pass[N_RND];

    assign ahead1_valid = mid_valid[N_RND-1];
    assign ahead1_pass = mid_pass[N_RND-1];
    assign ahead2_valid = i_valid[N_RND-1];
    assign ahead2_pass = i_pass[N_RND-1];

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
  end else begin : g_ring2
    // Two rounds per unit, one register stage per unit. Each slot also carries the sums its next two
    // rounds need (PRW bits: SHA-1 {e + K + W, d + K + W}, SHA-256 {h0, d0, h1, d1}, see the round units),
    // resolved by the previous unit; for a new block by the entry register, from the constants K[0], K[1].
    localparam int unsigned PRW = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? 64 : 128;
    logic [PRW-1:0] inj_p_q, r_p;
    logic [PRW-1:0] u_p[N_RND];
    logic [PRW-1:0] i_p[N_RND];

    if (N_RND < 2) begin : g_bad_n
      $error("sha_core: LOWLAT needs N_RND >= 2");
    end

    // the slot that reaches the last unit's output next cycle is at its input now, the one after that at
    // the input of the unit before
    assign ahead1_valid = i_valid[N_RND-1];
    assign ahead1_pass = i_pass[N_RND-1];
    assign ahead2_valid = i_valid[N_RND-2];
    assign ahead2_pass = i_pass[N_RND-2];

    if (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) begin : g_inj1
      // p0 = e + K[0] + W[0], p1 = d + K[1] + W[1]
      always_ff @(posedge clk_i) begin
        if (in_fire) begin
          inj_p_q <= {in_h_i[31:0] + hubsec_crypto_pkg::sha1_k(7'd0) + in_block_i[511:480],
                      in_h_i[63:32] + hubsec_crypto_pkg::sha1_k(7'd1) + in_block_i[479:448]};
        end
      end
    end else begin : g_inj256
      // h0 = h + K[0] + W[0], d0 = d + h0, h1 = g + K[1] + W[1], d1 = c + h1
      logic [31:0] h0, h1;
      assign h0 = in_h_i[31:0] + hubsec_crypto_pkg::sha256_k(6'd0) + in_block_i[511:480];
      assign h1 = in_h_i[63:32] + hubsec_crypto_pkg::sha256_k(6'd1) + in_block_i[479:448];
      always_ff @(posedge clk_i) begin
        if (in_fire) inj_p_q <= {h0, in_h_i[159:128] + h0, h1, in_h_i[191:160] + h1};
      end
    end

    assign r_p = loop_v ? u_p[N_RND-1] : inj_p_q;

    for (genvar u = 0; u < N_RND; u++) begin : g_unit
      // Constants registered a cycle ahead from the pass of the slot entering unit u next cycle: it is at
      // unit u-1's input now (for unit 0: at the last unit's input, looping back with pass + 1, or a new
      // block, pass 0). The unit does rounds 2 * (pass * N_RND + u) and + 1, and resolves the sums of
      // the two after them.
      logic [PW-1:0] next_pass;
      logic [TBW-1:0] own_t, nxt_t;
      if (u == 0) begin : g_pass_wrap
        assign next_pass = (i_valid[N_RND-1] && 32'(i_pass[N_RND-1]) != PASSES - 1) ?
            i_pass[N_RND-1] + 1'b1 : '0;
        assign i_p[u] = r_p;
      end else begin : g_pass_prev
        assign next_pass = i_pass[u-1];
        assign i_p[u] = u_p[u-1];
      end
      assign own_t = TBW'(2 * (32'(next_pass) * N_RND + u));
      assign nxt_t = own_t + TBW'(2);  // out of range (80 / 64) after the last pass: unused there

      if (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) begin : g_sha1
        logic [1:0] f_q;  // f_t of the unit's rounds: 0 Ch (t < 20), 1 Parity, 2 Maj (40 <= t < 60)
        logic [31:0] k_q;
        always_ff @(posedge clk_i) begin
          f_q <= (32'(own_t) < 20) ? 2'd0 : (32'(own_t) >= 40 && 32'(own_t) < 60) ? 2'd2 : 2'd1;
          k_q <= hubsec_crypto_pkg::sha1_k(7'(nxt_t));
        end
        sha1_round2 #(.PW(PW), .TW(TW)) u_round (
          .clk_i, .rst_ni,
          .valid_i(i_valid[u]), .pass_i(i_pass[u]), .k_i(k_q), .f_i(f_q), .tag_i(i_tag[u]), .st_i(i_st[u]),
          .hin_i(i_hin[u]), .w_i(i_w[u]), .p_i(i_p[u]),
          .valid_o(u_valid[u]), .pass_o(u_pass[u]), .tag_o(u_tag[u]), .st_o(u_st[u]), .hin_o(u_hin[u]),
          .w_o(u_w[u]), .p_o(u_p[u])
        );
      end else begin : g_sha256
        logic [31:0] k0_q, k1_q;
        always_ff @(posedge clk_i) begin
          k0_q <= hubsec_crypto_pkg::sha256_k(6'(nxt_t));
          k1_q <= hubsec_crypto_pkg::sha256_k(6'(nxt_t + 1'b1));
        end
        sha256_round2 #(.PW(PW), .TW(TW)) u_round (
          .clk_i, .rst_ni,
          .valid_i(i_valid[u]), .pass_i(i_pass[u]), .k0_i(k0_q), .k1_i(k1_q), .tag_i(i_tag[u]),
          .st_i(i_st[u]), .hin_i(i_hin[u]), .w_i(i_w[u]), .p_i(i_p[u]),
          .valid_o(u_valid[u]), .pass_o(u_pass[u]), .tag_o(u_tag[u]), .st_o(u_st[u]), .hin_o(u_hin[u]),
          .w_o(u_w[u]), .p_o(u_p[u])
        );
      end
    end
  end

  // ---- exit: feed-forward add, then the result FIFO ----
  logic ff_v;
  logic [TW-1:0] ff_tag;
  logic [SW-1:0] ff_h;

  if (LOWLAT == 0) begin : g_exit_reg
    // the add in its own register stage
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
    assign ff_v = ff_v_q;
    assign ff_tag = ff_tag_q;
    assign ff_h = ff_h_q;
  end else begin : g_exit_direct
    // the add between the last unit's registers and the FIFO's (one adder, shallower than a round unit)
    assign ff_v = last_exit;
    assign ff_tag = u_tag[N_RND-1];
    for (genvar i = 0; i < NW; i++) begin : g_add
      assign ff_h[32*i+:32] = u_hin[N_RND-1][32*i+:32] + u_st[N_RND-1][32*i+:32];
    end
  end

  logic [CRW-1:0] fifo_count;
  assign out_fire = out_valid_o && out_ready_i;

  sha_fifo #(.W(TW + SW), .DEPTH(FDEPTH)) u_out_fifo (
    .clk_i, .rst_ni,
    .wr_valid_i(ff_v), .wr_data_i({ff_tag, ff_h}),
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
      // the last unit's output in two cycles: free, or finishing (then the entry register may enter)
      free_q <= !ahead2_valid || 32'(ahead2_pass) == PASSES - 1;
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
  logic ready_ref;
  assign ready_ref = (!ahead1_valid || 32'(ahead1_pass) == PASSES - 1) && 32'(credit_q) < FDEPTH;
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
