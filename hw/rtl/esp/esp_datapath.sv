// esp_datapath: the SA table in front of one outbound and one inbound lane, one job at a time.
//
// A job names a slot and the generation it was built for; the table refuses unknown or stale slots and jobs
// for a slot of the other direction (the result comes at once and the sender sends no beats, as for
// BAD_LENGTH). Otherwise the slot's context goes to the lane of the job's direction and the job's beats and
// the lane's output beats are routed through (framing: see esp_outbound / esp_inbound). Outbound results are
// OK with the ESP length; inbound results carry the lane's status. SA writes and invalidates use the table's
// write port directly (see esp_sa_table for the ordering against lookups).
`default_nettype none

module esp_datapath #(
  parameter int unsigned SLOTS = 4096,
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 40,
  parameter int unsigned SHA256_N_RND = 32,
  parameter int unsigned MAX_BLK = 1024
) (
  input  wire logic          clk_i,
  // AES resets synchronously, the SHA engines asynchronously (both as committed): one net feeds both.
  /* verilator lint_off SYNCASYNCNET */
  input  wire logic          rst_ni,
  /* verilator lint_on SYNCASYNCNET */
  input  wire logic          clear_i,
  output logic               busy_o,
  // SA writes
  input  wire logic          wr_valid_i,
  output logic               wr_ready_o,
  input  wire logic          wr_invalidate_i,
  input  wire logic [15:0]   wr_slot_i,
  input  wire logic [15:0]   wr_gen_i,
  input  wire logic          wr_inbound_i,
  input  wire logic          wr_esn_i,
  input  wire logic          wr_sha256_i,
  input  wire logic [31:0]   wr_spi_i,
  input  wire logic [255:0]  wr_key_i,
  input  wire logic [255:0]  wr_istate_i,
  input  wire logic [255:0]  wr_ostate_i,
  // jobs
  input  wire logic          job_valid_i,
  output logic               job_ready_o,
  input  wire logic          job_decrypt_i,
  input  wire logic [15:0]   job_slot_i,
  input  wire logic [15:0]   job_gen_i,
  input  wire logic [63:0]   job_seq_i,   // outbound: the sequence number; inbound: high half = inferred
  input  wire logic [127:0]  job_iv_i,
  input  wire logic [15:0]   job_len_i,   // outbound: payload bytes; inbound: ESP packet bytes
  input  wire logic [7:0]    job_nh_i,
  // beats in (payload or ESP packet) and out (ESP packet or payload)
  input  wire logic          in_valid_i,
  output logic               in_ready_o,
  input  wire logic [127:0]  in_data_i,
  output logic               out_valid_o,
  input  wire logic          out_ready_i,
  output logic [127:0]       out_data_o,
  output logic [4:0]         out_nbytes_o,
  output logic               out_last_o,
  // results
  output logic               res_valid_o,
  input  wire logic          res_ready_i,
  output logic [7:0]         res_status_o,
  output logic [16:0]        res_len_o,
  output logic [7:0]         res_nh_o,
  output logic [31:0]        res_spi_o,
  output logic [31:0]        res_seq_lo_o
);

  typedef enum logic [2:0] {S_IDLE, S_LOOKUP, S_TABLE, S_START, S_RUN, S_REFUSE} state_e;
  state_e state_q;
  logic dec_q;
  logic [15:0] slot_q, gen_q, len_q;
  logic [63:0] seq_q;
  logic [127:0] iv_q;
  logic [7:0] nh_q, status_q;
  logic esn_q, sha256_q;
  logic [31:0] spi_q;
  logic [255:0] key_q, istate_q, ostate_q;

  // ---- SA table ----
  logic lk_ready, t_valid, t_esn, t_sha256;
  logic [7:0] t_status;
  logic [31:0] t_spi;
  logic [255:0] t_key, t_istate, t_ostate;
  esp_sa_table #(.SLOTS(SLOTS)) u_table (
    .clk_i, .rst_ni, .clear_i, .busy_o,
    .wr_valid_i, .wr_ready_o, .wr_invalidate_i, .wr_slot_i, .wr_gen_i, .wr_inbound_i, .wr_esn_i, .wr_sha256_i,
    .wr_spi_i, .wr_key_i, .wr_istate_i, .wr_ostate_i,
    .lk_valid_i(state_q == S_LOOKUP), .lk_ready_o(lk_ready), .lk_slot_i(slot_q), .lk_gen_i(gen_q),
    .lk_inbound_i(dec_q),
    .res_valid_o(t_valid), .res_ready_i(state_q == S_TABLE), .res_status_o(t_status), .res_esn_o(t_esn),
    .res_sha256_o(t_sha256), .res_spi_o(t_spi), .res_key_o(t_key), .res_istate_o(t_istate),
    .res_ostate_o(t_ostate));

  // ---- lanes ----
  logic o_job_ready, o_pl_ready, o_out_valid, o_out_last, o_res_valid;
  logic [127:0] o_out_data;
  logic [4:0] o_out_nbytes;
  logic [16:0] o_res_len;
  esp_outbound #(.AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND)) u_out (
    .clk_i, .rst_ni,
    .job_valid_i(state_q == S_START && !dec_q), .job_ready_o(o_job_ready), .job_key_i(key_q),
    .job_sha256_i(sha256_q), .job_istate_i(istate_q), .job_ostate_i(ostate_q), .job_esn_i(esn_q),
    .job_spi_i(spi_q), .job_seq_i(seq_q), .job_iv_i(iv_q), .job_len_i(len_q), .job_nh_i(nh_q),
    .pl_valid_i(in_valid_i && state_q == S_RUN && !dec_q), .pl_ready_o(o_pl_ready), .pl_data_i(in_data_i),
    .out_valid_o(o_out_valid), .out_ready_i(out_ready_i && state_q == S_RUN && !dec_q), .out_data_o(o_out_data),
    .out_nbytes_o(o_out_nbytes), .out_last_o(o_out_last),
    .res_valid_o(o_res_valid), .res_ready_i(res_ready_i && state_q == S_RUN && !dec_q), .res_len_o(o_res_len));

  logic i_job_ready, i_in_ready, i_out_valid, i_out_last, i_res_valid;
  logic [127:0] i_out_data;
  logic [4:0] i_out_nbytes;
  logic [7:0] i_status, i_nh;
  logic [15:0] i_len;
  logic [31:0] i_spi, i_seq_lo;
  esp_inbound #(.AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND),
                .MAX_BLK(MAX_BLK)) u_in (
    .clk_i, .rst_ni,
    .job_valid_i(state_q == S_START && dec_q), .job_ready_o(i_job_ready), .job_key_i(key_q),
    .job_sha256_i(sha256_q), .job_istate_i(istate_q), .job_ostate_i(ostate_q), .job_esn_i(esn_q),
    .job_seq_hi_i(seq_q[63:32]), .job_spi_i(spi_q), .job_len_i(len_q),
    .in_valid_i(in_valid_i && state_q == S_RUN && dec_q), .in_ready_o(i_in_ready), .in_data_i(in_data_i),
    .out_valid_o(i_out_valid), .out_ready_i(out_ready_i && state_q == S_RUN && dec_q), .out_data_o(i_out_data),
    .out_nbytes_o(i_out_nbytes), .out_last_o(i_out_last),
    .res_valid_o(i_res_valid), .res_ready_i(res_ready_i && state_q == S_RUN && dec_q), .res_status_o(i_status),
    .res_len_o(i_len), .res_nh_o(i_nh), .res_spi_o(i_spi), .res_seq_lo_o(i_seq_lo));

  // ---- routing ----
  logic run;
  assign run = state_q == S_RUN;
  assign job_ready_o = state_q == S_IDLE;
  assign in_ready_o = run && (dec_q ? i_in_ready : o_pl_ready);
  assign out_valid_o = run && (dec_q ? i_out_valid : o_out_valid);
  assign out_data_o = dec_q ? i_out_data : o_out_data;
  assign out_nbytes_o = dec_q ? i_out_nbytes : o_out_nbytes;
  assign out_last_o = dec_q ? i_out_last : o_out_last;
  assign res_valid_o = state_q == S_REFUSE || (run && (dec_q ? i_res_valid : o_res_valid));
  assign res_status_o = state_q == S_REFUSE ? status_q : (dec_q ? i_status : 8'(hubsec_card_pkg::STATUS_OK));
  assign res_len_o = state_q == S_REFUSE ? '0 : (dec_q ? {1'b0, i_len} : o_res_len);
  assign res_nh_o = (state_q == S_RUN && dec_q) ? i_nh : '0;
  assign res_spi_o = (state_q == S_RUN && dec_q) ? i_spi : spi_q;
  assign res_seq_lo_o = (state_q == S_RUN && dec_q) ? i_seq_lo : seq_q[31:0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) state_q <= S_IDLE;
    else if (clear_i) state_q <= S_IDLE;
    else begin
      case (state_q)
        S_IDLE: if (job_valid_i) state_q <= S_LOOKUP;
        S_LOOKUP: if (lk_ready) state_q <= S_TABLE;
        S_TABLE: if (t_valid) state_q <= (t_status == 8'(hubsec_card_pkg::STATUS_OK)) ? S_START : S_REFUSE;
        S_START: if (dec_q ? i_job_ready : o_job_ready) state_q <= S_RUN;
        S_RUN: if (res_valid_o && res_ready_i) state_q <= S_IDLE;
        S_REFUSE: if (res_ready_i) state_q <= S_IDLE;
        default: state_q <= S_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (state_q == S_IDLE && job_valid_i) begin
      dec_q <= job_decrypt_i;
      slot_q <= job_slot_i;
      gen_q <= job_gen_i;
      seq_q <= job_seq_i;
      iv_q <= job_iv_i;
      len_q <= job_len_i;
      nh_q <= job_nh_i;
      spi_q <= '0;
    end
    if (state_q == S_TABLE && t_valid) begin
      status_q <= t_status;
      esn_q <= t_esn;
      sha256_q <= t_sha256;
      spi_q <= t_spi;
      key_q <= t_key;
      istate_q <= t_istate;
      ostate_q <= t_ostate;
    end
  end

endmodule

`default_nettype wire
