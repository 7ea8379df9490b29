// sha_engine: multi-context SHA-1 / SHA-256 hashing, HMAC and HMAC key precompute around one sha_core.
//
// Input: 16-byte beats tagged with a context number; beats of different contexts interleave freely, beats of
// one context arrive in message order. A message's first beat carries its operation (hubsec_crypto_pkg::
// sha_op_e) and, for HMAC, the SA's precomputed inner and outer chaining states. Every beat but the last
// carries 16 bytes; the last carries in_nbytes_i = 0..16 (0 for an empty message).
//   SHA_OP_HASH:    digest of the message from the standard IV.
//   SHA_OP_HMAC:    inner hash resumed from in_istate_i (the 64-byte K0^ipad block counts in the length),
//                   then the outer block (inner digest, padding, length (64 + L) * 8) from in_ostate_i.
//   SHA_OP_KEYPREP: the message is a raw HMAC key; K0 = key (<= 64 bytes) or H(key), zero padded to 64 bytes;
//                   out: inner state compress(IV, K0^ipad) in out_digest_o, outer state in out_ostate_o.
// Padding (0x80, zeros, 64-bit bit length) is added here for any byte length.
//
// Each context owns a one-block buffer, a chaining value and its message state. A block goes to the core as
// soon as it is complete and the context's previous block has come back, so a context fills its next block
// while the previous one is in the core; throughput comes from many contexts in flight. A context handles
// one message at a time: a first beat for a busy context waits (back-pressure) until its result is taken.
// A non-first beat for a context with no open message is dropped and counted in drop_count_o.
// in_space_o tells the sender which contexts would take a beat now, so that it can keep the port busy.
// Results leave in completion order, tagged with the context.
// Latency: a one-block message's digest leaves 5 cycles after the core's (2*ROUNDS + 3; 136 cycles SHA-256,
// 168 SHA-1) from its beat: beat into the buffer, group choice, final choice, pick, issue. Each further
// block of a message waits for the previous one (a context has one block in the core at a time).
// LOWLAT = 1 selects the core's low-latency ring (two rounds per cycle, ROUNDS/2 + 2 cycles) and a fast
// issue path: a context whose next block becomes ready when its result returns or its last beat arrives is
// picked the next cycle, skipping the two round-robin stages, whenever the round-robin has no choice to
// offer (so it never overtakes a waiting context). A one-block message then takes ROUNDS/2 + 4 cycles
// (44 SHA-1, 36 SHA-256), and so does each further block of a lone message.
`default_nettype none

module sha_engine #(
  parameter int unsigned ALG = hubsec_crypto_pkg::SHA_ALG_SHA256,
  parameter int unsigned CTX = 8,     // contexts (messages in flight); power of two, >= 2
  parameter int unsigned N_RND = 4,   // round units in the core (see sha_core)
  parameter int unsigned LEN_W = 32,  // message length counter width in bytes
  parameter int unsigned LOWLAT = 0,  // 1: low-latency core (two rounds per unit) and fast issue, see above
  localparam int unsigned SW = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ? 160 : 256,
  localparam int unsigned CW = $clog2(CTX)
) (
  input  wire logic                        clk_i,
  input  wire logic                        rst_ni,
  // message beats
  input  wire logic                        in_valid_i,
  output logic                             in_ready_o,
  output logic [CTX-1:0]                   in_space_o,   // bit c: a beat for context c would be taken now
  input  wire logic [CW-1:0]               in_ctx_i,
  input  wire logic                        in_first_i,
  input  wire logic                        in_last_i,
  input  wire logic [4:0]                  in_nbytes_i,  // bytes in a last beat, 0..16
  input  wire logic [127:0]                in_data_i,    // byte 0 in bits [127:120]
  input  wire hubsec_crypto_pkg::sha_op_e  in_op_i,      // first beat only
  input  wire logic [SW-1:0]               in_istate_i,  // first beat of SHA_OP_HMAC only
  input  wire logic [SW-1:0]               in_ostate_i,  // first beat of SHA_OP_HMAC only
  // results
  output logic                             out_valid_o,
  input  wire logic                        out_ready_i,
  output logic [CW-1:0]                    out_ctx_o,
  output hubsec_crypto_pkg::sha_op_e       out_op_o,
  output logic [SW-1:0]                    out_digest_o,  // digest, or inner state for SHA_OP_KEYPREP
  output logic [SW-1:0]                    out_ostate_o,  // outer state for SHA_OP_KEYPREP, else zero
  output logic [15:0]                      drop_count_o   // saturating count of dropped beats
);

  localparam int unsigned OUTER_BITS_I = (64 + SW / 8) * 8;
  localparam logic [63:0] OUTER_BITS = 64'(OUTER_BITS_I);  // K0^opad block + inner digest
  localparam int unsigned TW = CW + 6;  // core tag: {ctx, operation, block kind, final}
  localparam logic [SW-1:0] IV = (ALG == hubsec_crypto_pkg::SHA_ALG_SHA1) ?
      SW'(hubsec_crypto_pkg::SHA1_IV) : SW'(hubsec_crypto_pkg::SHA256_IV);

  // ---- per-context state ----
  logic [CTX-1:0] act_q;     // a message is open (first beat seen, result not yet taken)
  logic [CTX-1:0] full_q;    // a block is waiting to be issued
  logic [CTX-1:0] infl_q;    // a block is picked for or inside the core
  logic [CTX-1:0] first_q;   // the next data block starts from the initial state
  logic [CTX-1:0] lastin_q;  // the last beat is in: the buffer holds the final data block
  logic [CTX-1:0] kd_q;      // key precompute from a hashed (long) key: K0 comes from the chaining value
  hubsec_crypto_pkg::sha_op_e op_q[CTX];
  hubsec_crypto_pkg::sha_blk_e kind_q[CTX];
  logic [1:0] beat_q[CTX];
  logic [6:0] end_q[CTX];    // offset of the 0x80 byte in the final data block (64: in the next block)
  logic [LEN_W-1:0] len_q[CTX];  // message bytes so far, plus 64 for HMAC (the key block)

  // storage arrays, one write port each
  logic [127:0] buf_q[4*CTX];    // block buffer, index {ctx, beat}
  logic [SW-1:0] init_q[CTX];    // state of the first block: IV or the HMAC inner state
  logic [SW-1:0] outer_q[CTX];   // HMAC outer state
  logic [SW-1:0] chain_q[CTX];   // chaining value returned by the core
  logic [SW-1:0] aux_q[CTX];     // key precompute: inner state while the outer one is computed

  // ---- input side ----
  logic [CW-1:0] ic;
  logic open_ok, drop, in_fire, accept;
  logic [1:0] pos;
  logic [4:0] nb;
  logic [LEN_W-1:0] new_len;
  logic [6:0] end_pos;

  assign ic = in_ctx_i;
  assign open_ok = act_q[ic] && !lastin_q[ic];
  assign drop = !in_first_i && !open_ok;
  assign in_ready_o = in_first_i ? !act_q[ic] : (drop || !full_q[ic]);
  assign in_fire = in_valid_i && in_ready_o;
  // Lets the sender pick a context that will not stall the shared port (the first beat of a new message
  // for an idle context, the next beat for an open one).
  assign in_space_o = ~act_q | (~lastin_q & ~full_q);
  assign accept = in_fire && !drop;
  assign pos = in_first_i ? 2'd0 : beat_q[ic];
  assign nb = !in_last_i ? 5'd16 : (in_nbytes_i > 5'd16 ? 5'd16 : in_nbytes_i);
  // The length includes the 64-byte K0^ipad block already absorbed by a resumed HMAC inner state.
  assign new_len = (in_first_i ? ((in_op_i == hubsec_crypto_pkg::SHA_OP_HMAC) ? LEN_W'(64) : '0) : len_q[ic])
                   + LEN_W'(nb);
  assign end_pos = {pos, 4'd0} + 7'(nb);

  // The same decisions per context, from that context's own flags, so that the state updates do not
  // wait for a CTX-to-1 multiplexer on in_ctx_i (in_ready_o and the shared write port above do).
  logic [CTX-1:0] take, take_done, take_key;
  for (genvar c = 0; c < CTX; c++) begin : g_take
    assign take[c] = in_valid_i && ic == CW'(c) &&
                     (in_first_i ? !act_q[c] : (act_q[c] && !lastin_q[c] && !full_q[c]));
    assign take_done[c] = in_last_i || (!in_first_i && beat_q[c] == 2'd3);
    // a key that ends in its first block (no block issued yet) is at most 64 bytes: use it as K0
    assign take_key[c] = (in_first_i ? in_op_i : op_q[c]) == hubsec_crypto_pkg::SHA_OP_KEYPREP &&
                         (in_first_i || first_q[c]);
  end

  // ---- issue: round-robin pick of a context with a block ready, then build the block ----
  // The choice is pipelined so that no path runs from the candidate vector through a 64-wide arbiter
  // into the issue registers, and no carry chain is involved. Contexts form NG groups of GS.
  //   stage A: per group, a round-robin choice among its candidates (registered: grp_v_q, grp_idx_q);
  //   stage B: a round-robin choice among the groups with a registered offer (registered: sel_q);
  //   pick:    the registered choice is taken when the issue register is free (pick_v).
  // A context stays a candidate until it is picked, so a registered choice is still good later. Stage A
  // leaves out the context in sel_q (being picked now); stage B leaves out the group of sel_q, whose offer
  // was computed before that choice. A context alone therefore waits a cycle more, which costs nothing:
  // it has one block per round trip through the core.
  localparam int unsigned GB = (CW + 1) / 2;       // index bits within a group
  localparam int unsigned GS = 1 << GB;            // contexts per group
  localparam int unsigned NG = CTX / GS;           // groups
  localparam int unsigned GW = NG > 1 ? CW - GB : 1;  // group number bits

  function automatic logic [GB-1:0] lowest_ctx(input logic [GS-1:0] v);
    lowest_ctx = '0;
    for (int i = GS - 1; i >= 0; i--) if (v[i]) lowest_ctx = GB'(i);
  endfunction
  function automatic logic [GW-1:0] lowest_grp(input logic [NG-1:0] v);
    lowest_grp = '0;
    for (int i = NG - 1; i >= 0; i--) if (v[i]) lowest_grp = GW'(i);
  endfunction

  logic [CTX-1:0] cand, cand_x, sel_1h_q, mask_q;
  logic [NG-1:0] grp_v_q, gsel_1h_q, gmask_q, gx, gx_hi;
  logic [GB-1:0] grp_idx_q[NG];
  logic [GW-1:0] gsel;
  logic [CW-1:0] sel_q, pick;
  logic sel_v_q, pick_v;
  logic iss_v_q;
  logic [CW-1:0] sc;  // issuing context
  logic core_in_ready, core_in_fire;

  // fast issue (LOWLAT): a context picked past the round-robin this cycle
  logic fast_take;
  logic [CW-1:0] fast_c;
  logic [CTX-1:0] fast_x;  // left out of stage A: the fast candidate of this cycle
  logic [CTX-1:0] pick_1h;  // LOWLAT: the picked context, one-hot from registers (no decoder after the pick)

  assign cand = full_q & ~infl_q;
  assign cand_x = cand & ~sel_1h_q & ~fast_x;

  // stage A
  for (genvar g = 0; g < NG; g++) begin : g_grp
    logic [GS-1:0] cx, hi;
    assign cx = cand_x[g*GS+:GS];
    assign hi = cx & mask_q[g*GS+:GS];  // candidates above the group's last winner
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        grp_v_q[g] <= 1'b0;
        grp_idx_q[g] <= '0;
      end else begin
        grp_v_q[g] <= cx != '0;
        grp_idx_q[g] <= lowest_ctx(hi != '0 ? hi : cx);
      end
    end
  end

  // stage B
  assign gx = grp_v_q & ~gsel_1h_q;
  assign gx_hi = gx & gmask_q;  // groups above the last winning group
  assign gsel = lowest_grp(gx_hi != '0 ? gx_hi : gx);
  logic [CW-1:0] sel;
  if (NG > 1) begin : g_sel_grp
    assign sel = {gsel, grp_idx_q[gsel]};
  end else begin : g_sel_one
    assign sel = grp_idx_q[0];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sel_v_q <= 1'b0;
      sel_q <= '0;
      sel_1h_q <= '0;
      gsel_1h_q <= '0;
    end else begin
      sel_v_q <= gx != '0;
      sel_q <= sel;
      for (int g = 0; g < NG; g++) begin
        gsel_1h_q[g] <= gx != '0 && gsel == GW'(g);
        for (int i = 0; i < GS; i++) sel_1h_q[g*GS+i] <= gx != '0 && gsel == GW'(g) && grp_idx_q[g] == GB'(i);
      end
    end
  end

  assign core_in_fire = iss_v_q && core_in_ready;
  assign pick_v = (sel_v_q || fast_take) && (!iss_v_q || core_in_ready);
  assign pick = fast_take ? fast_c : sel_q;

  // round-robin pointers, moved when a choice is picked
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mask_q <= '0;
      gmask_q <= '0;
    end else if (pick_v) begin
      for (int g = 0; g < NG; g++) begin
        if (!(NG > 1) || GW'(g) == GW'(pick >> GB)) begin
          for (int i = 0; i < GS; i++) mask_q[g*GS+i] <= GB'(i) > pick[GB-1:0];
        end
        gmask_q[g] <= NG > 1 && GW'(g) > GW'(pick >> GB);
      end
    end
  end

  // The picked context's message state, registered with the pick so that building the block does not go
  // through 64-way multiplexers. It cannot change until the block is issued: the buffer is full (no beats)
  // and the context has nothing in flight (no results).
  hubsec_crypto_pkg::sha_blk_e iss_kind_q;
  hubsec_crypto_pkg::sha_op_e iss_op_q;
  logic iss_lastin_q, iss_first_q, iss_kd_q;
  logic [6:0] iss_end_q;
  logic [LEN_W-1:0] iss_len_q;

  always_ff @(posedge clk_i) begin
    if (pick_v) begin
      iss_kind_q <= kind_q[pick];
      iss_op_q <= op_q[pick];
      iss_lastin_q <= lastin_q[pick];
      iss_first_q <= first_q[pick];
      iss_kd_q <= kd_q[pick];
      iss_end_q <= end_q[pick];
      iss_len_q <= len_q[pick];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      iss_v_q <= 1'b0;
      sc <= '0;
    end else if (pick_v) begin
      iss_v_q <= 1'b1;
      sc <= pick;
    end else if (core_in_fire) begin
      iss_v_q <= 1'b0;
    end
  end

  // Block for context sc.
  hubsec_crypto_pkg::sha_blk_e sk;
  logic [511:0] raw, blk, digest_blk, outer_blk;
  logic [63:0] bitlen;
  logic [6:0] m_lim, p80_pos;
  logic p80_en, len_en, fin, xpad;
  logic [7:0] pad_byte;
  logic [SW-1:0] blk_h;

  assign sk = iss_kind_q;
  assign raw = {buf_q[{sc, 2'd0}], buf_q[{sc, 2'd1}], buf_q[{sc, 2'd2}], buf_q[{sc, 2'd3}]};
  assign bitlen = {61'(iss_len_q), 3'b0};
  assign digest_blk = {chain_q[sc], {(512 - SW) {1'b0}}};
  assign outer_blk = {chain_q[sc], 8'h80, {(512 - SW - 72) {1'b0}}, OUTER_BITS};
  assign xpad = iss_lastin_q && iss_end_q > 7'd55;

  always_comb begin
    m_lim = 7'd64;
    p80_pos = iss_end_q;
    p80_en = 1'b0;
    len_en = 1'b0;
    fin = 1'b0;
    pad_byte = 8'h00;
    blk_h = chain_q[sc];
    unique case (sk)
      hubsec_crypto_pkg::SHA_BLK_DATA: begin
        if (iss_lastin_q) begin
          m_lim = iss_end_q;
          p80_en = iss_end_q < 7'd64;
          len_en = iss_end_q <= 7'd55;
          fin = len_en;
        end
        if (iss_first_q) blk_h = init_q[sc];
      end
      hubsec_crypto_pkg::SHA_BLK_PAD: begin
        m_lim = 7'd0;
        p80_pos = 7'd0;
        p80_en = iss_end_q == 7'd64;
        len_en = 1'b1;
        fin = 1'b1;
      end
      hubsec_crypto_pkg::SHA_BLK_OUTER: begin
        fin = 1'b1;
        blk_h = outer_q[sc];
      end
      hubsec_crypto_pkg::SHA_BLK_KIPAD, hubsec_crypto_pkg::SHA_BLK_KOPAD: begin
        m_lim = iss_kd_q ? 7'd64 : iss_end_q;  // a short key is zero padded; H(key) is already
        pad_byte = (sk == hubsec_crypto_pkg::SHA_BLK_KIPAD) ? 8'h36 : 8'h5c;
        blk_h = IV;
      end
      default: ;
    endcase
  end

  always_comb begin
    logic [511:0] src;
    src = raw;
    if (sk == hubsec_crypto_pkg::SHA_BLK_OUTER) src = outer_blk;
    else if (iss_kd_q && (sk == hubsec_crypto_pkg::SHA_BLK_KIPAD || sk == hubsec_crypto_pkg::SHA_BLK_KOPAD))
      src = digest_blk;
    for (int i = 0; i < 64; i++) begin
      logic [7:0] byte_v;
      if (sk == hubsec_crypto_pkg::SHA_BLK_OUTER || 7'(i) < m_lim) byte_v = src[511-8*i-:8];
      else if (p80_en && 7'(i) == p80_pos) byte_v = 8'h80;
      else byte_v = 8'h00;
      blk[511-8*i-:8] = byte_v ^ pad_byte;
    end
    if (len_en) blk[63:0] = bitlen;  // bytes 56..63; only data and padding blocks, which have no pad_byte
  end

  logic core_out_valid, core_out_ready;
  logic [TW-1:0] core_out_tag;
  logic [SW-1:0] core_out_h;

  sha_core #(.ALG(ALG), .N_RND(N_RND), .TW(TW), .LOWLAT(LOWLAT)) u_core (
    .clk_i, .rst_ni,
    .in_valid_i(iss_v_q), .in_ready_o(core_in_ready), .in_tag_i({sc, iss_op_q, sk, fin}), .in_h_i(blk_h),
    .in_block_i(blk),
    .out_valid_o(core_out_valid), .out_ready_i(core_out_ready), .out_tag_o(core_out_tag),
    .out_h_o(core_out_h)
  );

  // ---- results ----
  logic [CW-1:0] rc;
  hubsec_crypto_pkg::sha_blk_e rk;
  logic rfin, r_data, need_out, res_fire;
  hubsec_crypto_pkg::sha_op_e rop;

  // The operation travels in the tag, so the result path needs no 64-way lookup by context.
  assign rc = core_out_tag[TW-1:6];
  assign rop = hubsec_crypto_pkg::sha_op_e'(core_out_tag[5:4]);
  assign rk = hubsec_crypto_pkg::sha_blk_e'(core_out_tag[3:1]);
  assign rfin = core_out_tag[0];
  assign r_data = rk == hubsec_crypto_pkg::SHA_BLK_DATA || rk == hubsec_crypto_pkg::SHA_BLK_PAD;
  assign need_out = (r_data && rfin && rop == hubsec_crypto_pkg::SHA_OP_HASH) ||
                    rk == hubsec_crypto_pkg::SHA_BLK_OUTER || rk == hubsec_crypto_pkg::SHA_BLK_KOPAD;
  assign core_out_ready = !need_out || out_ready_i;
  assign res_fire = core_out_valid && core_out_ready;

  assign out_valid_o = core_out_valid && need_out;
  assign out_ctx_o = rc;
  assign out_op_o = rop;
  assign out_digest_o = (rk == hubsec_crypto_pkg::SHA_BLK_KOPAD) ? aux_q[rc] : core_out_h;
  assign out_ostate_o = (rk == hubsec_crypto_pkg::SHA_BLK_KOPAD) ? core_out_h : '0;

  // ---- fast issue (LOWLAT) ----
  // A context whose next block is ready as its previous result lands (an HMAC outer block, a key block,
  // a padding block, or a data block that filled meanwhile), or whose block is completed by a beat while it
  // has nothing in flight, is registered here and picked the next cycle if the round-robin offers nothing
  // then; otherwise it stays a candidate and the round-robin picks it later. Stage A leaves it out in that
  // cycle (as it leaves out sel_q), so the round-robin cannot choose it a second time.
  if (LOWLAT != 0) begin : g_fast
    logic fast_v_q, res_next, beat_next;
    logic [CW-1:0] fast_c_q;
    logic [CTX-1:0] fast_1h_q;
    assign res_next = res_fire && !need_out &&
                      ((r_data && rfin) || rk == hubsec_crypto_pkg::SHA_BLK_KIPAD || full_q[rc]);
    assign beat_next = (take & take_done & ~infl_q) != '0;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        fast_v_q <= 1'b0;
        fast_c_q <= '0;
        fast_1h_q <= '0;
      end else begin
        fast_v_q <= res_next || beat_next;
        fast_c_q <= res_next ? rc : ic;
        fast_1h_q <= (res_next || beat_next) ? CTX'(1) << (res_next ? rc : ic) : '0;
      end
    end
    assign fast_take = fast_v_q && !sel_v_q;
    assign fast_c = fast_c_q;
    assign fast_x = fast_1h_q;
    assign pick_1h = fast_take ? fast_1h_q : sel_1h_q;
  end else begin : g_no_fast
    assign fast_take = 1'b0;
    assign fast_c = '0;
    assign fast_x = '0;
    assign pick_1h = '0;  // unused: the default mode sets infl_q[pick] as before
  end

  // ---- per-context state updates (the three sources never touch the same field of the same context
  //      in one cycle: see the assertions below) ----
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q <= '0;
      full_q <= '0;
      infl_q <= '0;
      first_q <= '0;
      lastin_q <= '0;
      kd_q <= '0;
      drop_count_o <= '0;
      for (int i = 0; i < CTX; i++) begin
        op_q[i] <= hubsec_crypto_pkg::SHA_OP_HASH;
        kind_q[i] <= hubsec_crypto_pkg::SHA_BLK_DATA;
        beat_q[i] <= '0;
        end_q[i] <= '0;
        len_q[i] <= '0;
      end
    end else begin
      // issue
      if (pick_v) begin
        if (LOWLAT != 0) begin
          for (int c = 0; c < CTX; c++) if (pick_1h[c]) infl_q[c] <= 1'b1;
        end else begin
          infl_q[pick] <= 1'b1;
        end
      end
      if (core_in_fire) begin
        if (sk == hubsec_crypto_pkg::SHA_BLK_DATA) begin
          first_q[sc] <= 1'b0;
          if (xpad) kind_q[sc] <= hubsec_crypto_pkg::SHA_BLK_PAD;
          else full_q[sc] <= 1'b0;
        end else begin
          full_q[sc] <= 1'b0;
        end
      end
      // results
      if (res_fire) begin
        infl_q[rc] <= 1'b0;
        if (need_out) begin
          act_q[rc] <= 1'b0;
          lastin_q[rc] <= 1'b0;
        end else if (r_data && rfin) begin
          full_q[rc] <= 1'b1;
          if (rop == hubsec_crypto_pkg::SHA_OP_HMAC) begin
            kind_q[rc] <= hubsec_crypto_pkg::SHA_BLK_OUTER;
          end else begin
            kind_q[rc] <= hubsec_crypto_pkg::SHA_BLK_KIPAD;
            kd_q[rc] <= 1'b1;
          end
        end else if (rk == hubsec_crypto_pkg::SHA_BLK_KIPAD) begin
          full_q[rc] <= 1'b1;
          kind_q[rc] <= hubsec_crypto_pkg::SHA_BLK_KOPAD;
        end
      end
      // input beats
      if (in_fire && drop && drop_count_o != '1) drop_count_o <= drop_count_o + 1'b1;
      for (int c = 0; c < CTX; c++) begin
        if (take[c]) begin
          beat_q[c] <= pos + 1'b1;
          len_q[c] <= new_len;
          if (in_first_i) begin
            act_q[c] <= 1'b1;
            op_q[c] <= in_op_i;
            first_q[c] <= 1'b1;
            kd_q[c] <= 1'b0;
          end
          if (take_done[c]) begin
            full_q[c] <= 1'b1;
            kind_q[c] <= hubsec_crypto_pkg::SHA_BLK_DATA;
            if (in_last_i) begin
              lastin_q[c] <= 1'b1;
              end_q[c] <= end_pos;
              if (take_key[c]) kind_q[c] <= hubsec_crypto_pkg::SHA_BLK_KIPAD;
            end
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (accept) begin
      buf_q[{ic, pos}] <= in_data_i;
      if (in_first_i) begin
        init_q[ic] <= (in_op_i == hubsec_crypto_pkg::SHA_OP_HMAC) ? in_istate_i : IV;
        outer_q[ic] <= in_ostate_i;
      end
    end
    if (res_fire && r_data) chain_q[rc] <= core_out_h;
    if (res_fire && rk == hubsec_crypto_pkg::SHA_BLK_KIPAD) aux_q[rc] <= core_out_h;
  end

`ifndef SYNTHESIS
  // Checks run from the first cycle after reset (a flop, so reset stays a purely asynchronous net).
  logic chk_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) chk_q <= 1'b0;
    else chk_q <= 1'b1;
  end
  a_beat_vs_issue: assert property (@(posedge clk_i) disable iff (!chk_q) !(accept && core_in_fire && ic == sc))
    else $error("sha_engine: beat into an issuing buffer");
  a_result_vs_issue: assert property (@(posedge clk_i) disable iff (!chk_q) !(res_fire && core_in_fire && rc == sc))
    else $error("sha_engine: result for an issuing context");
  a_beat_vs_final: assert property (@(posedge clk_i) disable iff (!chk_q) !(accept && res_fire && ic == rc && !need_out && (r_data ? rfin : 1'b1)))
    else $error("sha_engine: beat for a context in its final steps");
  a_result_in_flight: assert property (@(posedge clk_i) disable iff (!chk_q) !(res_fire && !infl_q[rc]))
    else $error("sha_engine: result for a context with nothing in flight");
  a_pick_ready: assert property (@(posedge clk_i) disable iff (!chk_q) !(pick_v && !cand[pick]))
    else $error("sha_engine: picked a context with no block ready");
  a_pick_1h: assert property (@(posedge clk_i) disable iff (!chk_q) !(LOWLAT != 0 && pick_v && pick_1h != CTX'(1) << pick))
    else $error("sha_engine: one-hot pick differs from the pick");
  a_take: assert property (@(posedge clk_i) disable iff (!chk_q) take == (accept ? CTX'(1) << ic : '0))
    else $error("sha_engine: per-context take differs from the port decision");
  a_full_beats: assert property (@(posedge clk_i) disable iff (!chk_q) !(in_valid_i && !in_last_i && in_nbytes_i != 5'd16))
    else $error("sha_engine: a beat before the last must carry 16 bytes");
  // Handshake rules: what is presented stays presented and unchanged until taken.
  property p_in_hold;
    @(posedge clk_i) disable iff (!chk_q)
      in_valid_i && !in_ready_o |=> in_valid_i && in_ctx_i == $past(in_ctx_i) && in_data_i == $past(in_data_i)
        && in_first_i == $past(in_first_i) && in_last_i == $past(in_last_i);
  endproperty
  property p_out_hold;
    @(posedge clk_i) disable iff (!chk_q)
      out_valid_o && !out_ready_i |=> out_valid_o && out_ctx_o == $past(out_ctx_o)
        && out_digest_o == $past(out_digest_o) && out_ostate_o == $past(out_ostate_o);
  endproperty
  a_in_hold: assert property (p_in_hold);
  a_out_hold: assert property (p_out_hold);
`endif

endmodule

`default_nettype wire
