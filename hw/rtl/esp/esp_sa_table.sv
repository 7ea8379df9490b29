// esp_sa_table: the ESP datapath's SA slots and their counters, in two RAMs of SLOTS entries (one write
// port and one registered read port each: block RAM).
//
// Key RAM, per slot: valid, direction, ESN, ICV algorithm, generation, SPI, the AES-256 cipher key, an
// auxiliary key (outbound: the IV key for card-generated IVs; inbound: the decryption key w[52..59],
// expanded at install), the HMAC inner and outer states (computed at install from the raw key, esp_key_prep).
// Counter RAM, per slot: valid, generation, packets and payload bytes of jobs that completed OK, ICV /
// padding / length failures, limit drops, and the soft and hard limits (packets, bytes; 0 = no limit).
//
// Every access is an operation of a single sequencer, never overlapping, so no operation can see a half-done
// one: an install is two cycles (issue: RAM write; then ins_done_o), the others three (issue: RAM read;
// compute: the 64-bit sums and the compares that need no sum, registered; execute: the limit compares,
// decide, write, answer with a one-cycle *_done_o pulse). The compute stage keeps every path short: a
// 64-bit add of a counter and a small value is a 32-bit carry chain and a select (carry-select), a 64-bit
// compare two 32-bit compares side by side. Priority: install > update > read > check.
//   install: write a whole slot (or wipe it: invalidate), counters zero. The caller checks the range.
//   check:   a job's admission. UNKNOWN_SA if the slot is out of range, not valid or of the other
//            direction; STALE_SA if the generation differs; then the hard limits, exact with jobs in
//            flight: the caller gives the count and an upper bound of the payload bytes of this slot's
//            admitted jobs not yet counted (chk_infl_*). OK when even all of them succeeding leaves the
//            counts under the limits; HARD_LIMIT (and limit_drops + 1) when the counted values alone have
//            reached a limit (packets >= hard_packets or bytes >= hard_bytes, as the soft engine does);
//            otherwise chk_wait_o: the caller retries once jobs in flight are counted. On OK the slot's
//            context comes out (zero otherwise).
//   update:  a completed job in job order: OK adds one packet and its payload bytes and answers whether a
//            soft limit is reached (packets >= soft_packets or bytes >= soft_bytes); ICV_MISMATCH,
//            BAD_PADDING, BAD_LENGTH add to their failure counter; other statuses change nothing. An update
//            for a generation the slot no longer holds (rewritten meanwhile) changes nothing.
//   read:    the slot's counters record (all zero and rd_status UNKNOWN_SA out of range).
// Reset and clear_i wipe both RAMs, one slot per cycle (SLOTS cycles, busy_o); operations wait meanwhile.
`default_nettype none

module esp_sa_table #(
  parameter int unsigned SLOTS = 4096,
  parameter int unsigned INFL_W = 5,  // width of the in-flight job count
  localparam int unsigned SW = SLOTS > 1 ? $clog2(SLOTS) : 1
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_ni,
  input  wire logic                 clear_i,
  output logic                      busy_o,
  // install / invalidate
  input  wire logic                 ins_valid_i,
  output logic                      ins_ready_o,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire logic [15:0]          ins_slot_i,     // < SLOTS (the caller checks): high bits unused
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire logic                 ins_invalidate_i,
  input  wire logic [15:0]          ins_gen_i,
  input  wire logic                 ins_inbound_i,
  input  wire logic                 ins_esn_i,
  input  wire logic                 ins_sha256_i,
  input  wire logic [31:0]          ins_spi_i,
  input  wire logic [255:0]         ins_key_i,
  input  wire logic [255:0]         ins_aux_i,
  input  wire logic [255:0]         ins_istate_i,
  input  wire logic [255:0]         ins_ostate_i,
  input  wire logic [63:0]          ins_soft_packets_i,
  input  wire logic [63:0]          ins_hard_packets_i,
  input  wire logic [63:0]          ins_soft_bytes_i,
  input  wire logic [63:0]          ins_hard_bytes_i,
  output logic                      ins_done_o,
  // check (job admission)
  input  wire logic                 chk_valid_i,
  output logic                      chk_ready_o,
  input  wire logic [15:0]          chk_slot_i,
  input  wire logic [15:0]          chk_gen_i,
  input  wire logic                 chk_inbound_i,
  input  wire logic [INFL_W-1:0]    chk_infl_n_i,
  input  wire logic [INFL_W+15:0]   chk_infl_b_i,
  output logic                      chk_done_o,
  output logic [7:0]                chk_status_o,   // hubsec_card_pkg::status_e
  output logic                      chk_wait_o,     // undecided: retry
  output logic                      chk_esn_o,
  output logic                      chk_sha256_o,
  output logic [31:0]               chk_spi_o,
  output logic [255:0]              chk_key_o,
  output logic [255:0]              chk_aux_o,
  output logic [255:0]              chk_istate_o,
  output logic [255:0]              chk_ostate_o,
  // update (completion)
  input  wire logic                 upd_valid_i,
  output logic                      upd_ready_o,
  input  wire logic [15:0]          upd_slot_i,
  input  wire logic [15:0]          upd_gen_i,
  input  wire logic [7:0]           upd_status_i,
  input  wire logic [16:0]          upd_bytes_i,
  output logic                      upd_done_o,
  output logic                      upd_soft_o,
  // counters read
  input  wire logic                 rd_valid_i,
  output logic                      rd_ready_o,
  input  wire logic [15:0]          rd_slot_i,
  output logic                      rd_done_o,
  output logic [7:0]                rd_status_o,
  output logic                      rd_slot_valid_o,
  output logic [15:0]               rd_gen_o,
  output logic [63:0]               rd_packets_o,
  output logic [63:0]               rd_bytes_o,
  output logic [63:0]               rd_icv_failures_o,
  output logic [63:0]               rd_pad_failures_o,
  output logic [63:0]               rd_len_failures_o,
  output logic [63:0]               rd_limit_drops_o
);

  typedef struct packed {
    logic valid;
    logic inbound;
    logic esn;
    logic sha256;
    logic [15:0] gen;
    logic [31:0] spi;
    logic [255:0] key;
    logic [255:0] aux;
    logic [255:0] istate;
    logic [255:0] ostate;
  } key_t;

  typedef struct packed {
    logic valid;
    logic [15:0] gen;
    logic [63:0] packets;
    logic [63:0] bytes;
    logic [63:0] icv;
    logic [63:0] pad;
    logic [63:0] len;
    logic [63:0] drops;
    logic [63:0] soft_p;
    logic [63:0] hard_p;
    logic [63:0] soft_b;
    logic [63:0] hard_b;
  } cnt_t;

  typedef enum logic [2:0] {OP_NONE, OP_INS, OP_CHK, OP_UPD, OP_RD} op_e;

  // RAM words are plain vectors (block RAM inference; Yosys reads no unpacked arrays of structs)
  localparam int unsigned KW = 4 + 16 + 32 + 4 * 256;  // $bits(key_t) (checked below; Yosys has no $bits(type))
  localparam int unsigned CNW = 1 + 16 + 10 * 64;      // $bits(cnt_t)
  logic [KW-1:0] kmem_q[SLOTS];
  logic [CNW-1:0] cmem_q[SLOTS];
  logic [KW-1:0] rk_raw_q;
  logic [CNW-1:0] rc_raw_q;
  key_t rk_q;
  cnt_t rc_q;
  assign rk_q = key_t'(rk_raw_q);
  assign rc_q = cnt_t'(rc_raw_q);
  op_e op_q;   // the operation in its compute stage (an install: its answer)
  op_e op2_q;  // the operation in its execute stage
  logic wipe_q;
  logic [SW-1:0] wipe_ptr_q;

  // a + b for b < 2^32: the low half's carry selects the high half or the high half + 1 (both computed
  // alongside), so the path is one 32-bit carry chain and a multiplexer
  function automatic logic [63:0] add_small(input logic [63:0] a, input logic [31:0] b);
    logic [32:0] lo;
    logic [31:0] hi_inc;
    lo = {1'b0, a[31:0]} + {1'b0, b};
    hi_inc = a[63:32] + 32'd1;
    add_small = {lo[32] ? hi_inc : a[63:32], lo[31:0]};
  endfunction

  // a < b from the two halves compared side by side
  function automatic logic lt64(input logic [63:0] a, input logic [63:0] b);
    lt64 = (a[63:32] < b[63:32]) || (a[63:32] == b[63:32] && a[31:0] < b[31:0]);
  endfunction

  // ---- arbitration: one operation issues per idle cycle ----
  logic idle, ins_fire, upd_fire, rd_fire, chk_fire;
  assign idle = op_q == OP_NONE && op2_q == OP_NONE && !wipe_q;
  assign ins_ready_o = idle;
  assign upd_ready_o = idle && !ins_valid_i;
  assign rd_ready_o = idle && !ins_valid_i && !upd_valid_i;
  assign chk_ready_o = idle && !ins_valid_i && !upd_valid_i && !rd_valid_i;
  assign ins_fire = ins_valid_i && ins_ready_o;
  assign upd_fire = upd_valid_i && upd_ready_o;
  assign rd_fire = rd_valid_i && rd_ready_o;
  assign chk_fire = chk_valid_i && chk_ready_o;
  assign busy_o = wipe_q;

  logic [15:0] a_slot;
  assign a_slot = upd_fire ? upd_slot_i : rd_fire ? rd_slot_i : chk_slot_i;

  // ---- operation arguments, registered at issue (held until the next issue) ----
  logic [SW-1:0] addr_q;
  logic range_q, inbound_q;
  logic [15:0] gen_q;
  logic [7:0] ustat_q;
  logic [16:0] ubytes_q;
  logic [INFL_W-1:0] infl_n_q;
  logic [INFL_W+15:0] infl_b_q;

  always_ff @(posedge clk_i) begin
    if (upd_fire || rd_fire || chk_fire) begin
      addr_q <= a_slot[SW-1:0];
      range_q <= 17'(a_slot) < 17'(SLOTS);
      gen_q <= upd_fire ? upd_gen_i : chk_gen_i;
      inbound_q <= chk_inbound_i;
      ustat_q <= upd_status_i;
      ubytes_q <= upd_bytes_i;
      infl_n_q <= chk_infl_n_i;
      infl_b_q <= chk_infl_b_i;
    end
  end

  // ---- compute (op_q): RAM word in rk_q / rc_q, which stay until the next issue ----
  //   sum_p: check: packets + jobs in flight;        update: packets + 1
  //   sum_b: check: bytes + their bytes bound;       update: bytes + the job's bytes
  //   sum_c: check: limit drops + 1;                 update: the failure counter of the status + 1
  logic [63:0] sum_p_q, sum_b_q, sum_c_q, c_sel;
  logic unknown_q, stale_q, blocked_q, match_q, hp_z_q, hb_z_q, sp_nz_q, sb_nz_q;
  always_comb begin
    case (ustat_q)
      8'(hubsec_card_pkg::STATUS_ICV_MISMATCH): c_sel = rc_q.icv;
      8'(hubsec_card_pkg::STATUS_BAD_PADDING): c_sel = rc_q.pad;
      default: c_sel = rc_q.len;
    endcase
    if (op_q == OP_CHK) c_sel = rc_q.drops;
  end
  always_ff @(posedge clk_i) begin
    if (op_q == OP_CHK || op_q == OP_UPD) begin
      sum_p_q <= add_small(rc_q.packets, op_q == OP_CHK ? 32'(infl_n_q) : 32'd1);
      sum_b_q <= add_small(rc_q.bytes, op_q == OP_CHK ? 32'(infl_b_q) : 32'(ubytes_q));
      sum_c_q <= add_small(c_sel, 32'd1);
      unknown_q <= !range_q || !rk_q.valid || rk_q.inbound != inbound_q;
      stale_q <= rk_q.gen != gen_q;
      match_q <= rc_q.valid && rc_q.gen == gen_q;
      hp_z_q <= rc_q.hard_p == '0;
      hb_z_q <= rc_q.hard_b == '0;
      sp_nz_q <= rc_q.soft_p != '0;
      sb_nz_q <= rc_q.soft_b != '0;
      // the counted values alone have reached a hard limit
      blocked_q <= (rc_q.hard_p != '0 && !lt64(rc_q.packets, rc_q.hard_p)) ||
                   (rc_q.hard_b != '0 && !lt64(rc_q.bytes, rc_q.hard_b));
    end
  end

  // ---- execute (op2_q) ----
  logic fits;
  cnt_t c_new;
  logic c_wr;
  // even every job in flight succeeding leaves the counts under the hard limits
  assign fits = (hp_z_q || lt64(sum_p_q, rc_q.hard_p)) && (hb_z_q || lt64(sum_b_q, rc_q.hard_b));

  always_comb begin
    c_new = rc_q;
    c_wr = 1'b0;
    if (op2_q == OP_CHK && !unknown_q && !stale_q && blocked_q) begin
      c_new.drops = sum_c_q;
      c_wr = 1'b1;
    end
    if (op2_q == OP_UPD && match_q) begin
      c_wr = 1'b1;
      case (ustat_q)
        8'(hubsec_card_pkg::STATUS_OK): begin
          c_new.packets = sum_p_q;
          c_new.bytes = sum_b_q;
        end
        8'(hubsec_card_pkg::STATUS_ICV_MISMATCH): c_new.icv = sum_c_q;
        8'(hubsec_card_pkg::STATUS_BAD_PADDING): c_new.pad = sum_c_q;
        8'(hubsec_card_pkg::STATUS_BAD_LENGTH): c_new.len = sum_c_q;
        default: c_wr = 1'b0;
      endcase
    end
  end

  logic chk_ok;
  assign chk_ok = !unknown_q && !stale_q && fits;
  assign chk_done_o = op2_q == OP_CHK;
  assign chk_wait_o = !unknown_q && !stale_q && !fits && !blocked_q;
  always_comb begin
    if (unknown_q) chk_status_o = 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
    else if (stale_q) chk_status_o = 8'(hubsec_card_pkg::STATUS_STALE_SA);
    else if (!fits) chk_status_o = 8'(hubsec_card_pkg::STATUS_HARD_LIMIT);
    else chk_status_o = 8'(hubsec_card_pkg::STATUS_OK);
  end
  assign chk_esn_o = chk_ok && rk_q.esn;
  assign chk_sha256_o = chk_ok && rk_q.sha256;
  assign chk_spi_o = chk_ok ? rk_q.spi : '0;
  assign chk_key_o = chk_ok ? rk_q.key : '0;
  assign chk_aux_o = chk_ok ? rk_q.aux : '0;
  assign chk_istate_o = chk_ok ? rk_q.istate : '0;
  assign chk_ostate_o = chk_ok ? rk_q.ostate : '0;

  assign upd_done_o = op2_q == OP_UPD;
  // a soft limit reached with this job: packets >= soft_packets or bytes >= soft_bytes after it
  assign upd_soft_o = op2_q == OP_UPD && match_q && ustat_q == 8'(hubsec_card_pkg::STATUS_OK) &&
                      ((sp_nz_q && !lt64(sum_p_q, rc_q.soft_p)) || (sb_nz_q && !lt64(sum_b_q, rc_q.soft_b)));

  assign ins_done_o = op_q == OP_INS;

  logic rd_ok;
  assign rd_ok = range_q && rc_q.valid;
  assign rd_done_o = op2_q == OP_RD;
  assign rd_status_o = range_q ? 8'(hubsec_card_pkg::STATUS_OK) : 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
  assign rd_slot_valid_o = rd_ok;
  assign rd_gen_o = rd_ok ? rc_q.gen : '0;
  assign rd_packets_o = rd_ok ? rc_q.packets : '0;
  assign rd_bytes_o = rd_ok ? rc_q.bytes : '0;
  assign rd_icv_failures_o = rd_ok ? rc_q.icv : '0;
  assign rd_pad_failures_o = rd_ok ? rc_q.pad : '0;
  assign rd_len_failures_o = rd_ok ? rc_q.len : '0;
  assign rd_limit_drops_o = rd_ok ? rc_q.drops : '0;

  // ---- RAMs: one write port (wipe, install at issue, counter update at execute), one read port ----
  key_t k_ins;
  cnt_t c_ins;
  always_comb begin
    k_ins = '0;
    c_ins = '0;
    if (!ins_invalidate_i) begin
      k_ins.valid = 1'b1;
      k_ins.inbound = ins_inbound_i;
      k_ins.esn = ins_esn_i;
      k_ins.sha256 = ins_sha256_i;
      k_ins.gen = ins_gen_i;
      k_ins.spi = ins_spi_i;
      k_ins.key = ins_key_i;
      k_ins.aux = ins_aux_i;
      k_ins.istate = ins_istate_i;
      k_ins.ostate = ins_ostate_i;
      c_ins.valid = 1'b1;
      c_ins.gen = ins_gen_i;
      c_ins.soft_p = ins_soft_packets_i;
      c_ins.hard_p = ins_hard_packets_i;
      c_ins.soft_b = ins_soft_bytes_i;
      c_ins.hard_b = ins_hard_bytes_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (wipe_q) begin
      kmem_q[wipe_ptr_q] <= '0;
      cmem_q[wipe_ptr_q] <= '0;
    end else if (ins_fire) begin
      kmem_q[ins_slot_i[SW-1:0]] <= k_ins;
      cmem_q[ins_slot_i[SW-1:0]] <= c_ins;
    end else if (c_wr) begin
      cmem_q[addr_q] <= c_new;
    end
    if (upd_fire || rd_fire || chk_fire) begin
      rk_raw_q <= kmem_q[a_slot[SW-1:0]];
      rc_raw_q <= cmem_q[a_slot[SW-1:0]];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wipe_q <= 1'b1;
      wipe_ptr_q <= '0;
      op_q <= OP_NONE;
      op2_q <= OP_NONE;
    end else if (clear_i) begin
      wipe_q <= 1'b1;
      wipe_ptr_q <= '0;
      op_q <= OP_NONE;
      op2_q <= OP_NONE;
    end else begin
      op2_q <= op_q == OP_INS ? OP_NONE : op_q;
      if (wipe_q) begin
        wipe_ptr_q <= wipe_ptr_q + 1'b1;
        if (wipe_ptr_q == SW'(SLOTS - 1)) wipe_q <= 1'b0;
      end
      if (ins_fire) op_q <= OP_INS;
      else if (upd_fire) op_q <= OP_UPD;
      else if (rd_fire) op_q <= OP_RD;
      else if (chk_fire) op_q <= OP_CHK;
      else op_q <= OP_NONE;
    end
  end

  // The in-flight sums enter add_small as 32 bits: a wider count would be cut silently.
  if (INFL_W + 16 > 32) begin : g_bad_infl_w
    $error("esp_sa_table: INFL_W must be <= 16 (in-flight sums are added as 32 bits)");
  end

`ifndef SYNTHESIS
  initial begin
    assert (KW == $bits(key_t) && CNW == $bits(cnt_t)) else $fatal(1, "esp_sa_table: record widths");
  end
`endif

endmodule

`default_nettype wire
