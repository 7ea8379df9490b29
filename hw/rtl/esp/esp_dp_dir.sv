// esp_dp_dir: one direction's job order in esp_datapath (one instance per lane): the jobs of this
// direction in admission order, their input beats, output beats and results.
//
// Order FIFO: DEPTH entries, pushed by the dispatcher (room_o says it may push; a refused job is pushed as
// such and takes no beat). Its head is the job whose output beats and result go next on this direction's
// ports. Input FIFO: the jobs that take input beats (push_nb_i of them, nonzero), in the same order; its head
// is the job whose beats the sender's beat port feeds to the lane. A lane job's result waits for its last
// output beat (an inbound job that fails, or has an empty payload, has none), is counted in the SA table
// (upd_*: a request, upd_fire_i when the table took it, upd_done_i with its answer), then shown on res_*.
// infl_*: the jobs of slot/generation sum_* in the order FIFO, not refused and not yet counted, and the sum
// of their lengths (the table's exact hard-limit check).
// DEC: the lane is esp_inbound (status, payload length, next header, SPI and sequence come from the lane;
// the table counts the payload bytes); otherwise esp_outbound (OK, the ESP length, the SPI and sequence the
// job had; the table counts the job's payload length).
`default_nettype none

module esp_dp_dir #(
  parameter int unsigned DEPTH = 16,  // power of two
  parameter int unsigned DEC = 0,  // 1: the inbound lane
  localparam int unsigned DW = $clog2(DEPTH),
  localparam int unsigned NW = DW + 1
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic          clear_i,
  output logic               busy_o,
  // admission (the dispatcher)
  output logic               room_o,
  input  wire logic          push_i,
  input  wire logic          push_refused_i,
  input  wire logic [7:0]    push_status_i,   // refused: the status
  input  wire logic [15:0]   push_slot_i,
  input  wire logic [15:0]   push_gen_i,
  input  wire logic [15:0]   push_charge_i,   // job length: an upper bound of the payload bytes it may count
  input  wire logic [31:0]   push_spi_i,
  input  wire logic [31:0]   push_seq_lo_i,
  input  wire logic [15:0]   push_nb_i,       // input beats the lane takes (0: none)
  // in-flight sums for the table check
  input  wire logic [15:0]   sum_slot_i,
  input  wire logic [15:0]   sum_gen_i,
  output logic [NW-1:0]      infl_n_o,
  output logic [NW+15:0]     infl_b_o,
  // input beats: the sender's port (data goes to the lane directly) and the lane
  input  wire logic          in_valid_i,
  output logic               in_ready_o,
  output logic               lane_in_valid_o,
  input  wire logic          lane_in_ready_i,
  // output beats (data, byte count and last go from the lane to the port directly)
  input  wire logic          lane_out_valid_i,
  output logic               lane_out_ready_o,
  input  wire logic          lane_out_last_i,
  output logic               out_valid_o,
  input  wire logic          out_ready_i,
  // the lane's result
  input  wire logic          lane_res_valid_i,
  output logic               lane_res_ready_o,
  input  wire logic [7:0]    lane_status_i,
  input  wire logic [16:0]   lane_len_i,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire logic [7:0]    lane_nh_i,       // DEC only
  input  wire logic [31:0]   lane_spi_i,      // DEC only
  input  wire logic [31:0]   lane_seq_lo_i,   // DEC only
  /* verilator lint_on UNUSEDSIGNAL */
  // completion update in the table
  output logic               upd_req_o,
  input  wire logic          upd_fire_i,
  input  wire logic          upd_done_i,
  input  wire logic          upd_soft_i,
  output logic [15:0]        upd_slot_o,
  output logic [15:0]        upd_gen_o,
  output logic [7:0]         upd_status_o,
  output logic [16:0]        upd_bytes_o,
  // results
  output logic               res_valid_o,
  input  wire logic          res_ready_i,
  output logic [7:0]         res_status_o,
  output logic [16:0]        res_len_o,
  output logic [7:0]         res_nh_o,
  output logic [31:0]        res_spi_o,
  output logic [31:0]        res_seq_lo_o,
  output logic [7:0]         res_flags_o
);

  localparam logic [7:0] ST_OK = 8'(hubsec_card_pkg::STATUS_OK);

  // ================= order FIFO (admission order) and input FIFO =================
  typedef struct packed {
    logic refused;
    logic [7:0] status;   // refusal status
    logic [15:0] slot;
    logic [15:0] gen;
    logic [15:0] charge;
    logic [31:0] spi;
    logic [31:0] seq_lo;
  } ord_t;

  localparam int unsigned OW = 1 + 8 + 3 * 16 + 2 * 32;  // $bits(ord_t) (checked below)
  logic [OW-1:0] ord_q[DEPTH];  // (plain vectors: Yosys reads no unpacked arrays of structs)
  logic [DW-1:0] ord_rd_q, ord_wr_q;
  logic [NW-1:0] ord_n_q;
  logic ord_pop;
  ord_t ord_in, h;
  assign h = ord_t'(ord_q[ord_rd_q]);
  assign room_o = 32'(ord_n_q) < DEPTH;

  always_comb begin
    ord_in = '0;
    ord_in.refused = push_refused_i;
    ord_in.status = push_status_i;
    ord_in.slot = push_slot_i;
    ord_in.gen = push_gen_i;
    ord_in.charge = push_charge_i;
    ord_in.spi = push_spi_i;
    ord_in.seq_lo = push_seq_lo_i;
  end

  logic [15:0] in_nb_q[DEPTH];
  logic [DW-1:0] in_rd_q, in_wr_q;
  logic [NW-1:0] in_n_q;
  logic [15:0] in_cnt_q;  // beats of the head input job taken so far
  logic in_push, in_pop, in_v, in_fire;
  assign in_push = push_i && push_nb_i != '0;
  assign in_v = in_n_q != '0;

  // ---- in-flight sums: jobs of this slot and generation admitted and not yet counted ----
  logic counted;  // the head is counted (its result is shown)
  always_comb begin
    infl_n_o = '0;
    infl_b_o = '0;
    for (int i = 0; i < DEPTH; i++) begin
      logic [DW-1:0] off;
      /* verilator lint_off UNUSEDSIGNAL */
      ord_t e;  // (status, SPI, sequence unused here)
      /* verilator lint_on UNUSEDSIGNAL */
      e = ord_t'(ord_q[i]);
      off = DW'(i) - ord_rd_q;
      if (NW'(off) < ord_n_q && !e.refused && e.slot == sum_slot_i && e.gen == sum_gen_i &&
          !(off == '0 && counted)) begin
        infl_n_o = infl_n_o + 1'b1;
        infl_b_o = infl_b_o + (NW + 16)'(e.charge);
      end
    end
  end

  // ---- input beats: to the lane, for the oldest job still taking beats ----
  assign in_ready_o = in_v && lane_in_ready_i;
  assign lane_in_valid_o = in_valid_i && in_v;
  assign in_fire = in_valid_i && in_ready_o;
  assign in_pop = in_fire && in_cnt_q + 16'd1 == in_nb_q[in_rd_q];

  // ---- output beats and result of the head job ----
  logic h_v, h_lane, no_beats, beats_done_q, l_res_valid, l_ready_to_count;
  assign h_v = ord_n_q != '0;
  assign h_lane = h_v && !h.refused;
  // (an inbound head whose result says "no payload" owns no beat: whatever the lane shows is not its)
  assign no_beats = DEC != 0 && lane_res_valid_i && (lane_status_i != ST_OK || lane_len_i == '0);
  assign out_valid_o = !beats_done_q && h_lane && !no_beats && lane_out_valid_i;
  assign lane_out_ready_o = out_ready_i && h_lane && !no_beats && !beats_done_q;

  assign l_res_valid = h_lane && lane_res_valid_i;
  // the result waits for the job's last output beat (an inbound job that fails, or has an empty payload,
  // has none)
  assign l_ready_to_count = l_res_valid && (beats_done_q || no_beats);

  // count the completion in the table, then show the result
  typedef enum logic [1:0] {R_IDLE, R_UPD, R_SHOW} rstate_e;
  rstate_e r_q;
  logic flags_soft_q, counts;
  assign counts = lane_status_i == ST_OK || lane_status_i == 8'(hubsec_card_pkg::STATUS_ICV_MISMATCH) ||
                  lane_status_i == 8'(hubsec_card_pkg::STATUS_BAD_PADDING) ||
                  lane_status_i == 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
  assign upd_req_o = r_q == R_IDLE && l_ready_to_count && counts;
  assign upd_slot_o = h.slot;
  assign upd_gen_o = h.gen;
  assign upd_status_o = lane_status_i;
  assign upd_bytes_o = (DEC != 0) ? lane_len_i : {1'b0, h.charge};
  assign counted = r_q == R_SHOW;

  assign res_valid_o = h_v && (h.refused || r_q == R_SHOW);
  assign res_status_o = h.refused ? h.status : lane_status_i;
  assign res_len_o = h.refused ? '0 : lane_len_i;
  assign res_nh_o = (DEC != 0 && h_lane) ? lane_nh_i : '0;
  assign res_spi_o = (DEC != 0 && h_lane) ? lane_spi_i : h.spi;
  assign res_seq_lo_o = (DEC != 0 && h_lane) ? lane_seq_lo_i : h.seq_lo;
  assign res_flags_o = (h_lane && r_q == R_SHOW && flags_soft_q) ?
                       8'(1 << hubsec_card_pkg::CPL_FLAG_SOFT_LIMIT) : 8'h0;
  assign lane_res_ready_o = h_lane && r_q == R_SHOW && res_ready_i;
  assign ord_pop = res_valid_o && res_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r_q <= R_IDLE;
      beats_done_q <= 1'b0;
      flags_soft_q <= 1'b0;
    end else if (clear_i) begin
      r_q <= R_IDLE;
      beats_done_q <= 1'b0;
      flags_soft_q <= 1'b0;
    end else begin
      case (r_q)
        R_IDLE: if (l_ready_to_count) begin
          if (!counts) begin
            r_q <= R_SHOW;
            flags_soft_q <= 1'b0;
          end else if (upd_fire_i) r_q <= R_UPD;
        end
        R_UPD: if (upd_done_i) begin
          r_q <= R_SHOW;
          flags_soft_q <= upd_soft_i;
        end
        R_SHOW: if (res_ready_i) r_q <= R_IDLE;
        default: r_q <= R_IDLE;
      endcase
      if (out_valid_o && out_ready_i && lane_out_last_i) beats_done_q <= 1'b1;
      if (ord_pop) beats_done_q <= 1'b0;
    end
  end

  // ---- FIFO pointers ----
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ord_rd_q <= '0;
      ord_wr_q <= '0;
      ord_n_q <= '0;
      in_rd_q <= '0;
      in_wr_q <= '0;
      in_n_q <= '0;
      in_cnt_q <= '0;
    end else if (clear_i) begin
      ord_rd_q <= '0;
      ord_wr_q <= '0;
      ord_n_q <= '0;
      in_rd_q <= '0;
      in_wr_q <= '0;
      in_n_q <= '0;
      in_cnt_q <= '0;
    end else begin
      if (push_i) ord_wr_q <= ord_wr_q + 1'b1;
      if (ord_pop) ord_rd_q <= ord_rd_q + 1'b1;
      ord_n_q <= ord_n_q + NW'(push_i) - NW'(ord_pop);
      if (in_push) in_wr_q <= in_wr_q + 1'b1;
      if (in_pop) in_rd_q <= in_rd_q + 1'b1;
      in_n_q <= in_n_q + NW'(in_push) - NW'(in_pop);
      if (in_pop) in_cnt_q <= '0;
      else if (in_fire) in_cnt_q <= in_cnt_q + 16'd1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i) ord_q[ord_wr_q] <= ord_in;
    if (in_push) in_nb_q[in_wr_q] <= push_nb_i;
  end

  assign busy_o = ord_n_q != '0 || in_n_q != '0;

`ifndef SYNTHESIS
  // ---- checks (Verilator --assert): no FIFO over- or underflow; beats and results for the head only ----
  logic chk_rst_n;
  assign chk_rst_n = rst_ni && !clear_i;
  initial begin
    assert (OW == $bits(ord_t)) else $fatal(1, "esp_dp_dir: order entry width");
  end
  always_ff @(posedge clk_i) begin
    if (chk_rst_n) begin
      assert (!(push_i && !ord_pop && 32'(ord_n_q) == DEPTH)) else $error("esp_dp_dir: order FIFO overflow");
      assert (!(in_push && !in_pop && 32'(in_n_q) == DEPTH)) else $error("esp_dp_dir: input FIFO overflow");
      assert (!(ord_pop && ord_n_q == '0)) else $error("esp_dp_dir: result with no job");
      assert (!(in_fire && !in_v)) else $error("esp_dp_dir: input beat with no job");
      assert (!(out_valid_o && out_ready_i && !h_lane)) else $error("esp_dp_dir: beat for no lane job");
      assert (!(r_q == R_SHOW && !l_res_valid)) else $error("esp_dp_dir: counted result went away");
      assert (!(upd_fire_i && !upd_req_o)) else $error("esp_dp_dir: update taken with no request");
    end
  end
`endif

endmodule

`default_nettype wire
