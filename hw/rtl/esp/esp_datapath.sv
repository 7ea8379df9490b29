// esp_datapath: the SA table, key precompute and IV generator in front of one outbound and one inbound lane,
// with several jobs in flight and everything leaving in job order.
//
// SA writes (wr_*): one raw SA_RECORD. Out-of-range slot: done at once with UNKNOWN_SA. Invalidate: the slot
// is wiped (keys, states, counters zero). Otherwise esp_key_prep computes the HMAC inner/outer states from
// the raw HMAC key and the AES decryption key, then the slot is written in one table operation (counters
// zero, the new generation) and wr_done fires with OK: from then on jobs see the new slot. The raw keys held
// here are zeroed once the slot is written. One write at a time.
//
// Jobs: a dispatcher takes one job at a time: the table checks slot, direction, generation and hard limits
// (see esp_sa_table; a job that would wait on a limit while this slot has jobs in flight waits here, which
// keeps the limit exact). A refused job (UNKNOWN_SA, STALE_SA, HARD_LIMIT) takes no beats and gives only a
// result. An outbound job with job_card_iv_i gets its IV from esp_iv_gen (AES-256 of a unique counter under
// the slot's IV key; job_iv_i is ignored). The job then goes to its lane with the slot's context (inbound:
// the decryption key the table stored at install, not the cipher key; the lane
// copies it, so a slot rewritten later does not change jobs already dispatched: they finish with the old
// keys, while new jobs naming the old generation are STALE_SA).
//
// Order rule: results and output beats leave in job order, refused jobs included. A FIFO of DEPTH jobs in
// admission order (job_ready_o is low while it is full) names the job whose output beats and result go next;
// another FIFO names the job whose input beats come next (the sender sends each job's beats in job order,
// after the job handshake: outbound ceil(len/16) payload beats; inbound the framed ESP packet, none for a
// bad length). Jobs of both lanes are in flight at once (and several per lane when a lane accepts them).
// A job's result leaves after its last output beat; completions are counted in the table (one table
// operation per completion) before the result is shown, and res_flags_o bit CPL_FLAG_SOFT_LIMIT says the
// slot reached a soft limit with this job.
//
// Counter reads (cnt_*): one at a time, the slot's SA_COUNTERS fields; UNKNOWN_SA for a slot out of range,
// OK with cnt_slot_valid_o = 0 (and zeros) for an empty slot.
//
// clear_i: the lanes, key prep and IV pipelines are reset (a registered reset, one cycle later), every FIFO
// emptied, the table wiped (SLOTS cycles). busy_o: the table is being wiped, or any job, write or counter
// read is in progress.
`default_nettype none

module esp_datapath #(
  parameter int unsigned SLOTS = 4096,
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 10,    // esp_mac round units (low-latency mode): 16 bytes/cycle
  parameter int unsigned SHA256_N_RND = 8,   // each engine
  parameter int unsigned MAX_BLK = 1024,
  parameter int unsigned DEPTH = 16,        // jobs in flight (admitted, result not yet taken); power of two
  parameter int unsigned IV_UNROLL = 2,     // aes_cipher UNROLL of the IV generator (1, 2, 7, 14)
  parameter int unsigned KP_N_RND = 1,      // round units of the key-prep SHA cores (divides 64 and 80)
  parameter int unsigned LANE_NSLOT = 64,   // packets in flight per lane (the lanes' NSLOT)
  parameter int unsigned LANE_RING_BLK = 8192,  // each lane's packet ring in blocks (the lanes' RING_BLK)
  localparam int unsigned DW = $clog2(DEPTH),
  localparam int unsigned NW = DW + 1
) (
  input  wire logic          clk_i,
  // AES resets synchronously, the SHA engines asynchronously (both as committed): one net feeds both.
  /* verilator lint_off SYNCASYNCNET */
  input  wire logic          rst_ni,
  /* verilator lint_on SYNCASYNCNET */
  input  wire logic          clear_i,
  output logic               busy_o,
  // SA writes: one raw SA_RECORD
  input  wire logic          wr_valid_i,
  output logic               wr_ready_o,
  input  wire logic          wr_invalidate_i,
  input  wire logic [15:0]   wr_slot_i,
  input  wire logic [15:0]   wr_gen_i,
  input  wire logic          wr_inbound_i,
  input  wire logic          wr_esn_i,
  input  wire logic          wr_sha256_i,
  input  wire logic [31:0]   wr_spi_i,
  input  wire logic [255:0]  wr_enc_key_i,
  input  wire logic [255:0]  wr_auth_key_i,   // raw HMAC key, byte 0 in the top bits, zero padded
  input  wire logic [255:0]  wr_iv_key_i,
  input  wire logic [63:0]   wr_soft_packets_i,
  input  wire logic [63:0]   wr_hard_packets_i,
  input  wire logic [63:0]   wr_soft_bytes_i,
  input  wire logic [63:0]   wr_hard_bytes_i,
  output logic               wr_done_valid_o,
  input  wire logic          wr_done_ready_i,
  output logic [7:0]         wr_done_status_o,
  // counter reads
  input  wire logic          cnt_valid_i,
  output logic               cnt_ready_o,
  input  wire logic [15:0]   cnt_slot_i,
  output logic               cnt_res_valid_o,
  input  wire logic          cnt_res_ready_i,
  output logic [7:0]         cnt_res_status_o,
  output logic [63:0]        cnt_packets_o,
  output logic [63:0]        cnt_bytes_o,
  output logic [63:0]        cnt_icv_failures_o,
  output logic [63:0]        cnt_pad_failures_o,
  output logic [63:0]        cnt_len_failures_o,
  output logic [63:0]        cnt_limit_drops_o,
  output logic [15:0]        cnt_gen_o,
  output logic               cnt_slot_valid_o,
  // jobs
  input  wire logic          job_valid_i,
  output logic               job_ready_o,
  input  wire logic          job_decrypt_i,
  input  wire logic [15:0]   job_slot_i,
  input  wire logic [15:0]   job_gen_i,
  input  wire logic [63:0]   job_seq_i,   // outbound: the sequence number; inbound: high half = inferred
  input  wire logic [127:0]  job_iv_i,
  input  wire logic          job_card_iv_i,  // outbound: generate the IV on the card (job_iv_i ignored)
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
  output logic [31:0]        res_seq_lo_o,
  output logic [7:0]         res_flags_o
);

  localparam logic [7:0] ST_OK = 8'(hubsec_card_pkg::STATUS_OK);
  localparam logic [7:0] ST_UNKNOWN = 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);

  // Lanes, key prep and IV pipelines restart on clear_i through a registered reset.
  logic lrst_nq;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) lrst_nq <= 1'b0;
    else lrst_nq <= !clear_i;
  end

  // ================= SA table =================
  logic tbl_busy;
  logic ins_valid, ins_ready, ins_done;
  logic chk_valid, chk_ready, chk_done, chk_wait, chk_esn, chk_sha256;
  logic [7:0] chk_status;
  logic [31:0] chk_spi;
  logic [255:0] chk_key, chk_aux, chk_istate, chk_ostate;
  logic [NW-1:0] infl_n;
  logic [NW+15:0] infl_b;
  logic upd_valid, upd_ready, upd_done, upd_soft;
  logic [7:0] upd_status;
  logic [16:0] upd_bytes;
  logic rd_ready, rd_done, rd_slot_valid;
  logic [7:0] rd_status;
  logic [15:0] rd_gen;
  logic [63:0] rd_packets, rd_bytes, rd_icv, rd_pad, rd_len, rd_drops;

  // write-path registers (declared here: the table's install port reads them)
  logic w_inv_q, w_inbound_q, w_esn_q, w_sha256_q;
  logic [15:0] w_slot_q, w_gen_q;
  logic [31:0] w_spi_q;
  logic [255:0] w_enc_q, w_auth_q, w_ivk_q, w_istate_q, w_ostate_q, w_dkey_q;
  logic [63:0] w_sp_q, w_hp_q, w_sb_q, w_hb_q;

  // dispatcher registers
  logic j_dec_q, j_card_iv_q;
  logic [15:0] j_slot_q, j_gen_q, j_len_q;
  logic [63:0] j_seq_q;
  logic [127:0] j_iv_q;
  logic [7:0] j_nh_q;

  // result-side head entry
  logic [15:0] h_slot, h_gen;

  esp_sa_table #(.SLOTS(SLOTS), .INFL_W(NW)) u_table (
    .clk_i, .rst_ni, .clear_i, .busy_o(tbl_busy),
    .ins_valid_i(ins_valid), .ins_ready_o(ins_ready), .ins_slot_i(w_slot_q), .ins_invalidate_i(w_inv_q),
    .ins_gen_i(w_gen_q), .ins_inbound_i(w_inbound_q), .ins_esn_i(w_esn_q), .ins_sha256_i(w_sha256_q),
    .ins_spi_i(w_spi_q), .ins_key_i(w_enc_q), .ins_aux_i(w_inbound_q ? w_dkey_q : w_ivk_q),
    .ins_istate_i(w_istate_q), .ins_ostate_i(w_ostate_q), .ins_soft_packets_i(w_sp_q),
    .ins_hard_packets_i(w_hp_q), .ins_soft_bytes_i(w_sb_q), .ins_hard_bytes_i(w_hb_q), .ins_done_o(ins_done),
    .chk_valid_i(chk_valid), .chk_ready_o(chk_ready), .chk_slot_i(j_slot_q), .chk_gen_i(j_gen_q),
    .chk_inbound_i(j_dec_q), .chk_infl_n_i(infl_n), .chk_infl_b_i(infl_b), .chk_done_o(chk_done),
    .chk_status_o(chk_status), .chk_wait_o(chk_wait), .chk_esn_o(chk_esn), .chk_sha256_o(chk_sha256),
    .chk_spi_o(chk_spi), .chk_key_o(chk_key), .chk_aux_o(chk_aux), .chk_istate_o(chk_istate),
    .chk_ostate_o(chk_ostate),
    .upd_valid_i(upd_valid), .upd_ready_o(upd_ready), .upd_slot_i(h_slot), .upd_gen_i(h_gen),
    .upd_status_i(upd_status), .upd_bytes_i(upd_bytes), .upd_done_o(upd_done), .upd_soft_o(upd_soft),
    .rd_valid_i(cnt_valid_i && cnt_ready_o), .rd_ready_o(rd_ready), .rd_slot_i(cnt_slot_i),
    .rd_done_o(rd_done), .rd_status_o(rd_status), .rd_slot_valid_o(rd_slot_valid), .rd_gen_o(rd_gen),
    .rd_packets_o(rd_packets), .rd_bytes_o(rd_bytes), .rd_icv_failures_o(rd_icv),
    .rd_pad_failures_o(rd_pad), .rd_len_failures_o(rd_len), .rd_limit_drops_o(rd_drops));

  // ================= SA writes =================
  typedef enum logic [2:0] {W_IDLE, W_PREP, W_KP, W_INS, W_INSW, W_DONE} wstate_e;
  wstate_e w_q;
  logic [7:0] w_status_q;
  logic kp_in_ready, kp_out_valid;
  logic [255:0] kp_istate, kp_ostate, kp_dkey;

  esp_key_prep #(.KP_N_RND(KP_N_RND)) u_key_prep (
    .clk_i, .rst_ni(lrst_nq),
    .in_valid_i(w_q == W_PREP), .in_ready_o(kp_in_ready), .in_sha256_i(w_sha256_q), .in_enc_key_i(w_enc_q),
    .in_auth_key_i(w_sha256_q ? w_auth_q : {w_auth_q[255:96], 96'h0}),
    .out_valid_o(kp_out_valid), .out_ready_i(w_q == W_KP), .out_istate_o(kp_istate),
    .out_ostate_o(kp_ostate), .out_dec_key_o(kp_dkey));

  assign wr_ready_o = w_q == W_IDLE && !tbl_busy;
  assign ins_valid = w_q == W_INS;
  assign wr_done_valid_o = w_q == W_DONE;
  assign wr_done_status_o = w_status_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) w_q <= W_IDLE;
    else if (clear_i) w_q <= W_IDLE;
    else begin
      case (w_q)
        W_IDLE: if (wr_valid_i && wr_ready_o)
          w_q <= (17'(wr_slot_i) >= 17'(SLOTS)) ? W_DONE : wr_invalidate_i ? W_INS : W_PREP;
        W_PREP: if (kp_in_ready) w_q <= W_KP;
        W_KP: if (kp_out_valid) w_q <= W_INS;
        W_INS: if (ins_ready) w_q <= W_INSW;
        W_INSW: if (ins_done) w_q <= W_DONE;
        W_DONE: if (wr_done_ready_i) w_q <= W_IDLE;
        default: w_q <= W_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (w_q == W_IDLE && wr_valid_i && wr_ready_o) begin
      w_inv_q <= wr_invalidate_i;
      w_slot_q <= wr_slot_i;
      w_gen_q <= wr_gen_i;
      w_inbound_q <= wr_inbound_i;
      w_esn_q <= wr_esn_i;
      w_sha256_q <= wr_sha256_i;
      w_spi_q <= wr_spi_i;
      w_enc_q <= wr_enc_key_i;
      w_auth_q <= wr_auth_key_i;
      w_ivk_q <= wr_iv_key_i;
      w_sp_q <= wr_soft_packets_i;
      w_hp_q <= wr_hard_packets_i;
      w_sb_q <= wr_soft_bytes_i;
      w_hb_q <= wr_hard_bytes_i;
      w_istate_q <= '0;
      w_ostate_q <= '0;
      w_dkey_q <= '0;
      w_status_q <= (17'(wr_slot_i) >= 17'(SLOTS)) ? ST_UNKNOWN : ST_OK;
    end
    if (w_q == W_PREP && kp_in_ready) w_auth_q <= '0;  // key prep holds its own copy
    if (w_q == W_KP && kp_out_valid) begin
      w_istate_q <= kp_istate;
      w_ostate_q <= kp_ostate;
      w_dkey_q <= kp_dkey;
    end
    if (w_q == W_INSW && ins_done) begin  // the slot holds them now: wipe the copies
      w_enc_q <= '0;
      w_auth_q <= '0;
      w_ivk_q <= '0;
      w_istate_q <= '0;
      w_ostate_q <= '0;
      w_dkey_q <= '0;
    end
  end

  // ================= counter reads =================
  typedef enum logic [1:0] {C_IDLE, C_WAIT, C_RES} cstate_e;
  cstate_e c_q;
  assign cnt_ready_o = c_q == C_IDLE && rd_ready;
  assign cnt_res_valid_o = c_q == C_RES;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) c_q <= C_IDLE;
    else if (clear_i) c_q <= C_IDLE;
    else begin
      case (c_q)
        C_IDLE: if (cnt_valid_i && cnt_ready_o) c_q <= C_WAIT;
        C_WAIT: if (rd_done) c_q <= C_RES;
        C_RES: if (cnt_res_ready_i) c_q <= C_IDLE;
        default: c_q <= C_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (c_q == C_WAIT && rd_done) begin
      cnt_res_status_o <= rd_status;
      cnt_slot_valid_o <= rd_slot_valid;
      cnt_gen_o <= rd_gen;
      cnt_packets_o <= rd_packets;
      cnt_bytes_o <= rd_bytes;
      cnt_icv_failures_o <= rd_icv;
      cnt_pad_failures_o <= rd_pad;
      cnt_len_failures_o <= rd_len;
      cnt_limit_drops_o <= rd_drops;
    end
  end

  // ================= order FIFO (admission order) and input FIFO =================
  typedef struct packed {
    logic refused;
    logic [7:0] status;   // refusal status
    logic dec;
    logic [15:0] slot;
    logic [15:0] gen;
    logic [15:0] charge;  // job length: an upper bound of the payload bytes the job may count
    logic [31:0] spi;
    logic [31:0] seq_lo;
  } ord_t;

  localparam int unsigned OW = 1 + 8 + 1 + 3 * 16 + 2 * 32;  // $bits(ord_t) (checked below)
  logic [OW-1:0] ord_q[DEPTH];  // (plain vectors: Yosys reads no unpacked arrays of structs)
  logic [DW-1:0] ord_rd_q, ord_wr_q;
  logic [NW-1:0] ord_n_q;
  logic ord_push, ord_pop;
  ord_t ord_in, h;
  assign h = ord_t'(ord_q[ord_rd_q]);
  assign h_slot = h.slot;
  assign h_gen = h.gen;

  logic in_dec_q[DEPTH];
  logic [15:0] in_nb_q[DEPTH];
  logic [DW-1:0] in_rd_q, in_wr_q;
  logic [NW-1:0] in_n_q;
  logic [15:0] in_cnt_q;  // beats of the head input job taken so far
  logic in_push, in_pop;
  logic [15:0] in_nb;

  // ================= dispatcher =================
  typedef enum logic [2:0] {D_IDLE, D_CHK, D_WAITCHK, D_IVREQ, D_IVWAIT, D_LANE} dstate_e;
  dstate_e d_q;
  logic c_esn_q, c_sha256_q;
  logic [31:0] c_spi_q;
  logic [255:0] c_key_q, c_aux_q, c_istate_q, c_ostate_q;
  logic iv_req_ready, iv_valid;
  logic [127:0] iv;
  logic o_job_ready, i_job_ready, lane_fire;

  assign job_ready_o = d_q == D_IDLE && 32'(ord_n_q) < DEPTH && !tbl_busy;
  assign chk_valid = d_q == D_CHK;
  assign lane_fire = d_q == D_LANE && (j_dec_q ? i_job_ready : o_job_ready);

  esp_iv_gen #(.UNROLL(IV_UNROLL)) u_iv_gen (
    .clk_i, .rst_ni, .flush_i(!lrst_nq || clear_i),
    .req_valid_i(d_q == D_IVREQ), .req_ready_o(iv_req_ready), .req_key_i(c_aux_q), .req_slot_i(j_slot_q),
    .req_gen_i(j_gen_q),
    .iv_valid_o(iv_valid), .iv_ready_i(d_q == D_IVWAIT), .iv_o(iv));

  // jobs of this slot and generation admitted and not yet counted (the head once counted is not)
  logic counted_q;
  always_comb begin
    infl_n = '0;
    infl_b = '0;
    for (int i = 0; i < DEPTH; i++) begin
      logic [DW-1:0] off;
      /* verilator lint_off UNUSEDSIGNAL */
      ord_t e;  // (status, direction, SPI, sequence unused here)
      /* verilator lint_on UNUSEDSIGNAL */
      e = ord_t'(ord_q[i]);
      off = DW'(i) - ord_rd_q;
      if (NW'(off) < ord_n_q && !e.refused && e.slot == j_slot_q && e.gen == j_gen_q &&
          !(off == '0 && counted_q)) begin
        infl_n = infl_n + 1'b1;
        infl_b = infl_b + (NW + 16)'(e.charge);
      end
    end
  end

  // inbound length check, as esp_inbound does it: header + IV + a whole nonzero number of blocks + ICV
  logic [15:0] icv_len, ct_len;
  logic len_ok;
  assign icv_len = c_sha256_q ? 16'd16 : 16'd12;
  assign ct_len = j_len_q - 16'd24 - icv_len;
  assign len_ok = j_len_q >= 16'd40 + icv_len && ct_len[3:0] == 4'd0 && (ct_len >> 4) <= 16'(MAX_BLK);
  assign in_nb = j_dec_q ? (len_ok ? (ct_len >> 4) + 16'd3 : 16'd0) : (j_len_q + 16'd15) >> 4;

  always_comb begin
    ord_in = '0;
    ord_in.dec = j_dec_q;
    ord_in.slot = j_slot_q;
    ord_in.gen = j_gen_q;
    ord_in.charge = j_len_q;
    ord_in.seq_lo = j_seq_q[31:0];
    if (d_q == D_WAITCHK) begin
      ord_in.refused = 1'b1;
      ord_in.status = chk_status;
    end else begin
      ord_in.spi = c_spi_q;
    end
  end
  assign ord_push = (d_q == D_WAITCHK && chk_done && !chk_wait && chk_status != ST_OK) || lane_fire;
  assign in_push = lane_fire && in_nb != '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) d_q <= D_IDLE;
    else if (clear_i) d_q <= D_IDLE;
    else begin
      case (d_q)
        D_IDLE: if (job_valid_i && job_ready_o) d_q <= D_CHK;
        D_CHK: if (chk_ready) d_q <= D_WAITCHK;
        D_WAITCHK: if (chk_done) begin
          if (chk_wait) d_q <= D_CHK;
          else if (chk_status != ST_OK) d_q <= D_IDLE;
          else d_q <= (!j_dec_q && j_card_iv_q) ? D_IVREQ : D_LANE;
        end
        D_IVREQ: if (iv_req_ready) d_q <= D_IVWAIT;
        D_IVWAIT: if (iv_valid) d_q <= D_LANE;
        D_LANE: if (lane_fire) d_q <= D_IDLE;
        default: d_q <= D_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (d_q == D_IDLE && job_valid_i && job_ready_o) begin
      j_dec_q <= job_decrypt_i;
      j_card_iv_q <= job_card_iv_i;
      j_slot_q <= job_slot_i;
      j_gen_q <= job_gen_i;
      j_seq_q <= job_seq_i;
      j_iv_q <= job_iv_i;
      j_len_q <= job_len_i;
      j_nh_q <= job_nh_i;
    end
    if (d_q == D_WAITCHK && chk_done) begin
      c_esn_q <= chk_esn;
      c_sha256_q <= chk_sha256;
      c_spi_q <= chk_spi;
      c_key_q <= chk_key;
      c_aux_q <= chk_aux;
      c_istate_q <= chk_istate;
      c_ostate_q <= chk_ostate;
    end
    if (d_q == D_IVWAIT && iv_valid) j_iv_q <= iv;
    if (lane_fire) begin  // the lane has its copy
      c_key_q <= '0;
      c_aux_q <= '0;
      c_istate_q <= '0;
      c_ostate_q <= '0;
    end
  end

  // ================= lanes =================
  logic h_v, h_lane, h_dec, o_head, i_head, beats_done_q;
  assign h_v = ord_n_q != '0;
  assign h_lane = h_v && !h.refused;
  assign h_dec = h.dec;
  assign o_head = h_lane && !h_dec;
  assign i_head = h_lane && h_dec;

  logic in_v, in_lane_dec;
  assign in_v = in_n_q != '0;
  assign in_lane_dec = in_dec_q[in_rd_q];

  logic o_pl_ready, o_out_valid, o_out_last, o_res_valid, o_res_ready;
  logic [127:0] o_out_data;
  logic [4:0] o_out_nbytes;
  logic [16:0] o_res_len;
  esp_outbound #(.AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND),
                 .NSLOT(LANE_NSLOT), .RING_BLK(LANE_RING_BLK)) u_out (
    .clk_i, .rst_ni(lrst_nq),
    .job_valid_i(d_q == D_LANE && !j_dec_q), .job_ready_o(o_job_ready), .job_key_i(c_key_q),
    .job_sha256_i(c_sha256_q), .job_istate_i(c_istate_q), .job_ostate_i(c_ostate_q), .job_esn_i(c_esn_q),
    .job_spi_i(c_spi_q), .job_seq_i(j_seq_q), .job_iv_i(j_iv_q), .job_len_i(j_len_q), .job_nh_i(j_nh_q),
    .pl_valid_i(in_valid_i && in_v && !in_lane_dec), .pl_ready_o(o_pl_ready), .pl_data_i(in_data_i),
    .out_valid_o(o_out_valid), .out_ready_i(out_ready_i && o_head && !beats_done_q), .out_data_o(o_out_data),
    .out_nbytes_o(o_out_nbytes), .out_last_o(o_out_last),
    .res_valid_o(o_res_valid), .res_ready_i(o_res_ready), .res_len_o(o_res_len));

  logic i_in_ready, i_out_valid, i_out_last, i_res_valid, i_res_ready, i_no_beats;
  logic [127:0] i_out_data;
  logic [4:0] i_out_nbytes;
  logic [7:0] i_status, i_nh;
  logic [15:0] i_len;
  logic [31:0] i_spi, i_seq_lo;
  esp_inbound #(.AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND),
                .MAX_BLK(MAX_BLK), .NSLOT(LANE_NSLOT), .RING_BLK(LANE_RING_BLK)) u_in (
    .clk_i, .rst_ni(lrst_nq),
    .job_valid_i(d_q == D_LANE && j_dec_q), .job_ready_o(i_job_ready), .job_dkey_i(c_aux_q),
    .job_sha256_i(c_sha256_q), .job_istate_i(c_istate_q), .job_ostate_i(c_ostate_q), .job_esn_i(c_esn_q),
    .job_seq_hi_i(j_seq_q[63:32]), .job_spi_i(c_spi_q), .job_len_i(j_len_q),
    .in_valid_i(in_valid_i && in_v && in_lane_dec), .in_ready_o(i_in_ready), .in_data_i(in_data_i),
    .out_valid_o(i_out_valid), .out_ready_i(out_ready_i && i_head && !i_no_beats && !beats_done_q),
    .out_data_o(i_out_data),
    .out_nbytes_o(i_out_nbytes), .out_last_o(i_out_last),
    .res_valid_o(i_res_valid), .res_ready_i(i_res_ready), .res_status_o(i_status),
    .res_len_o(i_len), .res_nh_o(i_nh), .res_spi_o(i_spi), .res_seq_lo_o(i_seq_lo));

  // ---- input beats: to the lane of the oldest job still taking beats ----
  logic in_fire;
  assign in_ready_o = in_v && (in_lane_dec ? i_in_ready : o_pl_ready);
  assign in_fire = in_valid_i && in_ready_o;
  assign in_pop = in_fire && in_cnt_q + 16'd1 == in_nb_q[in_rd_q];

  // ---- output beats and results: from the head job's lane ----
  logic out_fire, l_res_valid, l_ready_to_count;
  logic [7:0] l_status;
  logic [16:0] l_len;
  // (an inbound head whose result says "no payload" owns no beat: whatever the lane shows is not its)
  assign i_no_beats = i_res_valid && (i_status != ST_OK || i_len == '0);
  assign out_valid_o = !beats_done_q && (o_head ? o_out_valid : (i_head && !i_no_beats) ? i_out_valid : 1'b0);
  assign out_data_o = h_dec ? i_out_data : o_out_data;
  assign out_nbytes_o = h_dec ? i_out_nbytes : o_out_nbytes;
  assign out_last_o = h_dec ? i_out_last : o_out_last;
  assign out_fire = out_valid_o && out_ready_i;

  assign l_res_valid = o_head ? o_res_valid : i_head ? i_res_valid : 1'b0;
  assign l_status = h_dec ? i_status : ST_OK;
  assign l_len = h_dec ? {1'b0, i_len} : o_res_len;
  // the result waits for the job's last output beat (an inbound job that fails, or has an empty payload,
  // has none)
  assign l_ready_to_count = l_res_valid && (beats_done_q || (h_dec && i_no_beats));

  // count the completion in the table, then show the result
  typedef enum logic [1:0] {R_IDLE, R_UPD, R_SHOW} rstate_e;
  rstate_e r_q;
  logic flags_soft_q;
  logic counts;
  assign counts = l_status == ST_OK || l_status == 8'(hubsec_card_pkg::STATUS_ICV_MISMATCH) ||
                  l_status == 8'(hubsec_card_pkg::STATUS_BAD_PADDING) ||
                  l_status == 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
  assign upd_valid = r_q == R_IDLE && h_lane && l_ready_to_count && counts;
  assign upd_status = l_status;
  assign upd_bytes = h_dec ? {1'b0, i_len} : {1'b0, h.charge};
  assign counted_q = r_q == R_SHOW;

  assign res_valid_o = h_v && (h.refused || r_q == R_SHOW);
  assign res_status_o = h.refused ? h.status : l_status;
  assign res_len_o = h.refused ? '0 : l_len;
  assign res_nh_o = (h_lane && h_dec) ? i_nh : '0;
  assign res_spi_o = (h_lane && h_dec) ? i_spi : h.spi;
  assign res_seq_lo_o = (h_lane && h_dec) ? i_seq_lo : h.seq_lo;
  assign res_flags_o = (h_lane && r_q == R_SHOW && flags_soft_q) ? 8'(1 << hubsec_card_pkg::CPL_FLAG_SOFT_LIMIT)
                                                                 : 8'h0;
  assign o_res_ready = o_head && r_q == R_SHOW && res_ready_i;
  assign i_res_ready = i_head && r_q == R_SHOW && res_ready_i;
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
        R_IDLE: if (h_lane && l_ready_to_count) begin
          if (!counts) begin
            r_q <= R_SHOW;
            flags_soft_q <= 1'b0;
          end else if (upd_ready) r_q <= R_UPD;
        end
        R_UPD: if (upd_done) begin
          r_q <= R_SHOW;
          flags_soft_q <= upd_soft;
        end
        R_SHOW: if (res_ready_i) r_q <= R_IDLE;
        default: r_q <= R_IDLE;
      endcase
      if (out_fire && out_last_o) beats_done_q <= 1'b1;
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
      if (ord_push) ord_wr_q <= ord_wr_q + 1'b1;
      if (ord_pop) ord_rd_q <= ord_rd_q + 1'b1;
      ord_n_q <= ord_n_q + NW'(ord_push) - NW'(ord_pop);
      if (in_push) in_wr_q <= in_wr_q + 1'b1;
      if (in_pop) in_rd_q <= in_rd_q + 1'b1;
      in_n_q <= in_n_q + NW'(in_push) - NW'(in_pop);
      if (in_pop) in_cnt_q <= '0;
      else if (in_fire) in_cnt_q <= in_cnt_q + 16'd1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (ord_push) ord_q[ord_wr_q] <= ord_in;
    if (in_push) begin
      in_dec_q[in_wr_q] <= j_dec_q;
      in_nb_q[in_wr_q] <= in_nb;
    end
  end

  assign busy_o = tbl_busy || d_q != D_IDLE || w_q != W_IDLE || c_q != C_IDLE || ord_n_q != '0 ||
                  in_n_q != '0;

`ifndef SYNTHESIS
  // ---- checks (Verilator --assert) ----
  // Every port: a valid not taken stays up with the same payload (inputs: the sender's rule; outputs: ours).
  // Not the input beats: a sender may take back a beat that no job takes (the adapter does, for the input of
  // a job it learns was refused).
  logic chk_rst_n;
  assign chk_rst_n = rst_ni && !clear_i;
  esp_hold_check #(.W(1 + 16 + 16 + 64 + 128 + 1 + 16 + 8), .NAME("esp_datapath job")) u_hold_job (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(job_valid_i), .ready_i(job_ready_o),
    .payload_i({job_decrypt_i, job_slot_i, job_gen_i, job_seq_i, job_iv_i, job_card_iv_i, job_len_i,
                job_nh_i}));
  esp_hold_check #(.W(1 + 16 + 16 + 3 + 32 + 3 * 256 + 4 * 64), .NAME("esp_datapath SA write")) u_hold_wr (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(wr_valid_i), .ready_i(wr_ready_o),
    .payload_i({wr_invalidate_i, wr_slot_i, wr_gen_i, wr_inbound_i, wr_esn_i, wr_sha256_i, wr_spi_i,
                wr_enc_key_i, wr_auth_key_i, wr_iv_key_i, wr_soft_packets_i, wr_hard_packets_i,
                wr_soft_bytes_i, wr_hard_bytes_i}));
  esp_hold_check #(.W(16), .NAME("esp_datapath counter read")) u_hold_cnt (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(cnt_valid_i), .ready_i(cnt_ready_o), .payload_i(cnt_slot_i));
  esp_hold_check #(.W(128 + 5 + 1), .NAME("esp_datapath out")) u_hold_out (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(out_valid_o), .ready_i(out_ready_i),
    .payload_i({out_data_o, out_nbytes_o, out_last_o}));
  esp_hold_check #(.W(8 + 17 + 8 + 32 + 32 + 8), .NAME("esp_datapath result")) u_hold_res (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(res_valid_o), .ready_i(res_ready_i),
    .payload_i({res_status_o, res_len_o, res_nh_o, res_spi_o, res_seq_lo_o, res_flags_o}));
  esp_hold_check #(.W(8), .NAME("esp_datapath write done")) u_hold_wd (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(wr_done_valid_o), .ready_i(wr_done_ready_i),
    .payload_i(wr_done_status_o));
  esp_hold_check #(.W(8 + 6 * 64 + 16 + 1), .NAME("esp_datapath counters")) u_hold_cr (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(cnt_res_valid_o), .ready_i(cnt_res_ready_i),
    .payload_i({cnt_res_status_o, cnt_packets_o, cnt_bytes_o, cnt_icv_failures_o, cnt_pad_failures_o,
                cnt_len_failures_o, cnt_limit_drops_o, cnt_gen_o, cnt_slot_valid_o}));
  initial begin
    assert (OW == $bits(ord_t)) else $fatal(1, "esp_datapath: order entry width");
  end
  // FIFOs never over- or underflow; beats and results only for the job at the head
  always_ff @(posedge clk_i) begin
    if (chk_rst_n) begin
      assert (!(ord_push && !ord_pop && 32'(ord_n_q) == DEPTH)) else $error("esp_datapath: order FIFO overflow");
      assert (!(in_push && !in_pop && 32'(in_n_q) == DEPTH)) else $error("esp_datapath: input FIFO overflow");
      assert (!(ord_pop && ord_n_q == '0)) else $error("esp_datapath: result with no job");
      assert (!(in_fire && !in_v)) else $error("esp_datapath: input beat with no job");
      assert (!(out_fire && !h_lane)) else $error("esp_datapath: output beat for no lane job");
      assert (!(r_q == R_SHOW && !l_res_valid)) else $error("esp_datapath: counted result went away");
    end
  end
`endif

endmodule

`default_nettype wire
