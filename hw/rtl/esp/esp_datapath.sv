// esp_datapath: the SA table, key precompute and IV generator in front of one outbound and one inbound lane,
// with several jobs in flight; each direction has its own input beat, output beat and result ports, and
// keeps its own job order on them.
//
// SA writes (wr_*): one raw SA_RECORD. Out-of-range slot: done at once with UNKNOWN_SA. Invalidate: the slot
// is wiped (keys, states, counters zero). Otherwise esp_key_prep computes the HMAC inner/outer states from
// the raw HMAC key and the AES decryption key, then the slot is written in one table operation (counters
// zero, the new generation) and wr_done fires with OK: from then on jobs see the new slot. The raw keys held
// here are zeroed once the slot is written. One write at a time.
//
// Jobs (one port for both directions, job_decrypt_i picks the direction): a dispatcher takes one job at a
// time; it waits for room in the job's direction (DEPTH jobs in flight per direction: admitted, result not
// yet taken), then the table checks slot, direction, generation and hard limits (see esp_sa_table; a job
// that would wait on a limit while this slot has jobs in flight waits here, which keeps the limit exact). A
// refused job (UNKNOWN_SA, STALE_SA, HARD_LIMIT) takes no beats and gives only a result. An outbound job
// with job_card_iv_i gets its IV from esp_iv_gen (AES-256 of a unique counter under the slot's IV key;
// job_iv_i is ignored). The job then goes to its lane with the slot's context (inbound: the decryption key
// the table stored at install, not the cipher key; the lane copies it, so a slot rewritten later does not
// change jobs already dispatched: they finish with the old keys, while new jobs naming the old generation
// are STALE_SA).
//
// Order rule, per direction (esp_dp_dir, one per lane): enc_* carries the outbound jobs (job_decrypt_i = 0),
// dec_* the inbound ones; on each, input beats, output beats and results are in that direction's job order,
// refused jobs included (a result on their direction's result port, no beats). The sender sends each job's
// beats on its direction's input port, after the job handshake: outbound ceil(len/16) payload beats; inbound
// the framed ESP packet, none for a bad length. The two directions are independent: a stall on one
// direction's ports never holds the other's beats or results (only the shared job port, while the
// dispatcher holds a job waiting for room in its direction). A job's result leaves after its last output
// beat; completions are counted in the table (one table operation per completion, the two directions taking
// turns) before the result is shown, and res_flags_o bit CPL_FLAG_SOFT_LIMIT says the slot reached a soft
// limit with this job. Both result ports carry the same fields (outbound: res_nh_o is zero).
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
  parameter int unsigned DEPTH = 16,        // jobs in flight per direction (admitted, result not yet taken);
                                            // power of two
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
  // jobs (both directions)
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
  // outbound: payload beats in, ESP packet beats out, results
  input  wire logic          enc_in_valid_i,
  output logic               enc_in_ready_o,
  input  wire logic [127:0]  enc_in_data_i,
  output logic               enc_out_valid_o,
  input  wire logic          enc_out_ready_i,
  output logic [127:0]       enc_out_data_o,
  output logic [4:0]         enc_out_nbytes_o,
  output logic               enc_out_last_o,
  output logic               enc_res_valid_o,
  input  wire logic          enc_res_ready_i,
  output logic [7:0]         enc_res_status_o,
  output logic [16:0]        enc_res_len_o,
  output logic [7:0]         enc_res_nh_o,
  output logic [31:0]        enc_res_spi_o,
  output logic [31:0]        enc_res_seq_lo_o,
  output logic [7:0]         enc_res_flags_o,
  // inbound: ESP packet beats in, payload beats out, results
  input  wire logic          dec_in_valid_i,
  output logic               dec_in_ready_o,
  input  wire logic [127:0]  dec_in_data_i,
  output logic               dec_out_valid_o,
  input  wire logic          dec_out_ready_i,
  output logic [127:0]       dec_out_data_o,
  output logic [4:0]         dec_out_nbytes_o,
  output logic               dec_out_last_o,
  output logic               dec_res_valid_o,
  input  wire logic          dec_res_ready_i,
  output logic [7:0]         dec_res_status_o,
  output logic [16:0]        dec_res_len_o,
  output logic [7:0]         dec_res_nh_o,
  output logic [31:0]        dec_res_spi_o,
  output logic [31:0]        dec_res_seq_lo_o,
  output logic [7:0]         dec_res_flags_o
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
  logic [NW:0] infl_n;      // both directions' sums (a slot has one direction; a rewrite may change it)
  logic [NW+16:0] infl_b;
  logic upd_valid, upd_ready, upd_done, upd_soft;
  logic [7:0] upd_status;
  logic [16:0] upd_bytes;
  logic [15:0] upd_slot, upd_gen;
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

  esp_sa_table #(.SLOTS(SLOTS), .INFL_W(NW + 1)) u_table (
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
    .upd_valid_i(upd_valid), .upd_ready_o(upd_ready), .upd_slot_i(upd_slot), .upd_gen_i(upd_gen),
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

  // ================= dispatcher =================
  typedef enum logic [2:0] {D_IDLE, D_CHK, D_WAITCHK, D_IVREQ, D_IVWAIT, D_LANE} dstate_e;
  dstate_e d_q;
  logic c_esn_q, c_sha256_q;
  logic [31:0] c_spi_q;
  logic [255:0] c_key_q, c_aux_q, c_istate_q, c_ostate_q;
  logic iv_req_ready, iv_valid;
  logic [127:0] iv;
  logic o_job_ready, i_job_ready, lane_fire, refuse;
  logic o_room, i_room;

  // (the job's direction has room: checked before the table check, kept since only this dispatcher pushes)
  assign job_ready_o = d_q == D_IDLE && !tbl_busy;
  assign chk_valid = d_q == D_CHK && (j_dec_q ? i_room : o_room);
  assign lane_fire = d_q == D_LANE && (j_dec_q ? i_job_ready : o_job_ready);
  assign refuse = d_q == D_WAITCHK && chk_done && !chk_wait && chk_status != ST_OK;

  esp_iv_gen #(.UNROLL(IV_UNROLL)) u_iv_gen (
    .clk_i, .rst_ni, .flush_i(!lrst_nq || clear_i),
    .req_valid_i(d_q == D_IVREQ), .req_ready_o(iv_req_ready), .req_key_i(c_aux_q), .req_slot_i(j_slot_q),
    .req_gen_i(j_gen_q),
    .iv_valid_o(iv_valid), .iv_ready_i(d_q == D_IVWAIT), .iv_o(iv));

  // inbound length check, as esp_inbound does it: header + IV + a whole nonzero number of blocks + ICV
  logic [15:0] icv_len, ct_len, in_nb;
  logic len_ok;
  assign icv_len = c_sha256_q ? 16'd16 : 16'd12;
  assign ct_len = j_len_q - 16'd24 - icv_len;
  assign len_ok = j_len_q >= 16'd40 + icv_len && ct_len[3:0] == 4'd0 && (ct_len >> 4) <= 16'(MAX_BLK);
  assign in_nb = j_dec_q ? (len_ok ? (ct_len >> 4) + 16'd3 : 16'd0) : (j_len_q + 16'd15) >> 4;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) d_q <= D_IDLE;
    else if (clear_i) d_q <= D_IDLE;
    else begin
      case (d_q)
        D_IDLE: if (job_valid_i && job_ready_o) d_q <= D_CHK;
        D_CHK: if (chk_valid && chk_ready) d_q <= D_WAITCHK;
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

  // ================= per-direction job order =================
  logic o_push, i_push, o_busy, i_busy;
  logic [NW-1:0] o_infl_n, i_infl_n;
  logic [NW+15:0] o_infl_b, i_infl_b;
  logic [1:0] upd_req, upd_done_d;
  logic upd_fire, upd_sel, upd_last_q;
  logic [15:0] o_upd_slot, o_upd_gen, i_upd_slot, i_upd_gen;
  logic [7:0] o_upd_status, i_upd_status;
  logic [16:0] o_upd_bytes, i_upd_bytes;
  assign o_push = (refuse || lane_fire) && !j_dec_q;
  assign i_push = (refuse || lane_fire) && j_dec_q;
  // jobs of this slot and generation admitted and not yet counted, both directions
  assign infl_n = {1'b0, o_infl_n} + {1'b0, i_infl_n};
  assign infl_b = {1'b0, o_infl_b} + {1'b0, i_infl_b};

  logic o_pl_valid, o_pl_ready, o_out_valid, o_out_ready, o_res_valid, o_res_ready;
  logic [16:0] o_res_len;
  esp_dp_dir #(.DEPTH(DEPTH), .DEC(0)) u_enc (
    .clk_i, .rst_ni, .clear_i, .busy_o(o_busy),
    .room_o(o_room), .push_i(o_push), .push_refused_i(refuse), .push_status_i(chk_status),
    .push_slot_i(j_slot_q), .push_gen_i(j_gen_q), .push_charge_i(j_len_q), .push_spi_i(refuse ? '0 : c_spi_q),
    .push_seq_lo_i(j_seq_q[31:0]), .push_nb_i(refuse ? '0 : in_nb),
    .sum_slot_i(j_slot_q), .sum_gen_i(j_gen_q), .infl_n_o(o_infl_n), .infl_b_o(o_infl_b),
    .in_valid_i(enc_in_valid_i), .in_ready_o(enc_in_ready_o), .lane_in_valid_o(o_pl_valid),
    .lane_in_ready_i(o_pl_ready),
    .lane_out_valid_i(o_out_valid), .lane_out_ready_o(o_out_ready), .lane_out_last_i(enc_out_last_o),
    .out_valid_o(enc_out_valid_o), .out_ready_i(enc_out_ready_i),
    .lane_res_valid_i(o_res_valid), .lane_res_ready_o(o_res_ready), .lane_status_i(ST_OK),
    .lane_len_i(o_res_len), .lane_nh_i('0), .lane_spi_i('0), .lane_seq_lo_i('0),
    .upd_req_o(upd_req[0]), .upd_fire_i(upd_fire && !upd_sel), .upd_done_i(upd_done_d[0]),
    .upd_soft_i(upd_soft), .upd_slot_o(o_upd_slot), .upd_gen_o(o_upd_gen), .upd_status_o(o_upd_status),
    .upd_bytes_o(o_upd_bytes),
    .res_valid_o(enc_res_valid_o), .res_ready_i(enc_res_ready_i), .res_status_o(enc_res_status_o),
    .res_len_o(enc_res_len_o), .res_nh_o(enc_res_nh_o), .res_spi_o(enc_res_spi_o),
    .res_seq_lo_o(enc_res_seq_lo_o), .res_flags_o(enc_res_flags_o));

  logic i_in_valid, i_in_ready, i_out_valid, i_out_ready, i_res_valid, i_res_ready;
  logic [7:0] i_status, i_nh;
  logic [15:0] i_len;
  logic [31:0] i_spi, i_seq_lo;
  esp_dp_dir #(.DEPTH(DEPTH), .DEC(1)) u_dec (
    .clk_i, .rst_ni, .clear_i, .busy_o(i_busy),
    .room_o(i_room), .push_i(i_push), .push_refused_i(refuse), .push_status_i(chk_status),
    .push_slot_i(j_slot_q), .push_gen_i(j_gen_q), .push_charge_i(j_len_q), .push_spi_i(refuse ? '0 : c_spi_q),
    .push_seq_lo_i(j_seq_q[31:0]), .push_nb_i(refuse ? '0 : in_nb),
    .sum_slot_i(j_slot_q), .sum_gen_i(j_gen_q), .infl_n_o(i_infl_n), .infl_b_o(i_infl_b),
    .in_valid_i(dec_in_valid_i), .in_ready_o(dec_in_ready_o), .lane_in_valid_o(i_in_valid),
    .lane_in_ready_i(i_in_ready),
    .lane_out_valid_i(i_out_valid), .lane_out_ready_o(i_out_ready), .lane_out_last_i(dec_out_last_o),
    .out_valid_o(dec_out_valid_o), .out_ready_i(dec_out_ready_i),
    .lane_res_valid_i(i_res_valid), .lane_res_ready_o(i_res_ready), .lane_status_i(i_status),
    .lane_len_i({1'b0, i_len}), .lane_nh_i(i_nh), .lane_spi_i(i_spi), .lane_seq_lo_i(i_seq_lo),
    .upd_req_o(upd_req[1]), .upd_fire_i(upd_fire && upd_sel), .upd_done_i(upd_done_d[1]),
    .upd_soft_i(upd_soft), .upd_slot_o(i_upd_slot), .upd_gen_o(i_upd_gen), .upd_status_o(i_upd_status),
    .upd_bytes_o(i_upd_bytes),
    .res_valid_o(dec_res_valid_o), .res_ready_i(dec_res_ready_i), .res_status_o(dec_res_status_o),
    .res_len_o(dec_res_len_o), .res_nh_o(dec_res_nh_o), .res_spi_o(dec_res_spi_o),
    .res_seq_lo_o(dec_res_seq_lo_o), .res_flags_o(dec_res_flags_o));

  // completion updates: one table port, the two directions take turns when both wait (the table runs one
  // operation at a time, so upd_done answers the one taken last)
  assign upd_sel = upd_req[1] && (!upd_req[0] || !upd_last_q);
  assign upd_valid = upd_req != 2'b00;
  assign upd_fire = upd_valid && upd_ready;
  assign upd_slot = upd_sel ? i_upd_slot : o_upd_slot;
  assign upd_gen = upd_sel ? i_upd_gen : o_upd_gen;
  assign upd_status = upd_sel ? i_upd_status : o_upd_status;
  assign upd_bytes = upd_sel ? i_upd_bytes : o_upd_bytes;
  assign upd_done_d = {upd_done && upd_last_q, upd_done && !upd_last_q};
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) upd_last_q <= 1'b0;
    else if (upd_fire) upd_last_q <= upd_sel;
  end

  // ================= lanes =================
  esp_outbound #(.AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND),
                 .NSLOT(LANE_NSLOT), .RING_BLK(LANE_RING_BLK)) u_out (
    .clk_i, .rst_ni(lrst_nq),
    .job_valid_i(d_q == D_LANE && !j_dec_q), .job_ready_o(o_job_ready), .job_key_i(c_key_q),
    .job_sha256_i(c_sha256_q), .job_istate_i(c_istate_q), .job_ostate_i(c_ostate_q), .job_esn_i(c_esn_q),
    .job_spi_i(c_spi_q), .job_seq_i(j_seq_q), .job_iv_i(j_iv_q), .job_len_i(j_len_q), .job_nh_i(j_nh_q),
    .pl_valid_i(o_pl_valid), .pl_ready_o(o_pl_ready), .pl_data_i(enc_in_data_i),
    .out_valid_o(o_out_valid), .out_ready_i(o_out_ready), .out_data_o(enc_out_data_o),
    .out_nbytes_o(enc_out_nbytes_o), .out_last_o(enc_out_last_o),
    .res_valid_o(o_res_valid), .res_ready_i(o_res_ready), .res_len_o(o_res_len));

  esp_inbound #(.AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND),
                .MAX_BLK(MAX_BLK), .NSLOT(LANE_NSLOT), .RING_BLK(LANE_RING_BLK)) u_in (
    .clk_i, .rst_ni(lrst_nq),
    .job_valid_i(d_q == D_LANE && j_dec_q), .job_ready_o(i_job_ready), .job_dkey_i(c_aux_q),
    .job_sha256_i(c_sha256_q), .job_istate_i(c_istate_q), .job_ostate_i(c_ostate_q), .job_esn_i(c_esn_q),
    .job_seq_hi_i(j_seq_q[63:32]), .job_spi_i(c_spi_q), .job_len_i(j_len_q),
    .in_valid_i(i_in_valid), .in_ready_o(i_in_ready), .in_data_i(dec_in_data_i),
    .out_valid_o(i_out_valid), .out_ready_i(i_out_ready), .out_data_o(dec_out_data_o),
    .out_nbytes_o(dec_out_nbytes_o), .out_last_o(dec_out_last_o),
    .res_valid_o(i_res_valid), .res_ready_i(i_res_ready), .res_status_o(i_status),
    .res_len_o(i_len), .res_nh_o(i_nh), .res_spi_o(i_spi), .res_seq_lo_o(i_seq_lo));

  assign busy_o = tbl_busy || d_q != D_IDLE || w_q != W_IDLE || c_q != C_IDLE || o_busy || i_busy;

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
  esp_hold_check #(.W(128 + 5 + 1), .NAME("esp_datapath enc out")) u_hold_eout (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(enc_out_valid_o), .ready_i(enc_out_ready_i),
    .payload_i({enc_out_data_o, enc_out_nbytes_o, enc_out_last_o}));
  esp_hold_check #(.W(128 + 5 + 1), .NAME("esp_datapath dec out")) u_hold_dout (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(dec_out_valid_o), .ready_i(dec_out_ready_i),
    .payload_i({dec_out_data_o, dec_out_nbytes_o, dec_out_last_o}));
  esp_hold_check #(.W(8 + 17 + 8 + 32 + 32 + 8), .NAME("esp_datapath enc result")) u_hold_eres (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(enc_res_valid_o), .ready_i(enc_res_ready_i),
    .payload_i({enc_res_status_o, enc_res_len_o, enc_res_nh_o, enc_res_spi_o, enc_res_seq_lo_o,
                enc_res_flags_o}));
  esp_hold_check #(.W(8 + 17 + 8 + 32 + 32 + 8), .NAME("esp_datapath dec result")) u_hold_dres (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(dec_res_valid_o), .ready_i(dec_res_ready_i),
    .payload_i({dec_res_status_o, dec_res_len_o, dec_res_nh_o, dec_res_spi_o, dec_res_seq_lo_o,
                dec_res_flags_o}));
  esp_hold_check #(.W(8), .NAME("esp_datapath write done")) u_hold_wd (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(wr_done_valid_o), .ready_i(wr_done_ready_i),
    .payload_i(wr_done_status_o));
  esp_hold_check #(.W(8 + 6 * 64 + 16 + 1), .NAME("esp_datapath counters")) u_hold_cr (
    .clk_i, .rst_ni(chk_rst_n), .valid_i(cnt_res_valid_o), .ready_i(cnt_res_ready_i),
    .payload_i({cnt_res_status_o, cnt_packets_o, cnt_bytes_o, cnt_icv_failures_o, cnt_pad_failures_o,
                cnt_len_failures_o, cnt_limit_drops_o, cnt_gen_o, cnt_slot_valid_o}));
  always_ff @(posedge clk_i) begin
    if (chk_rst_n) begin
      assert (!((o_push || i_push) && !(j_dec_q ? i_room : o_room)))
        else $error("esp_datapath: push with no room");
    end
  end
`endif

endmodule

`default_nettype wire
