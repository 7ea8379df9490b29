// hubsec_esp_adapter: between the queue engine's job / result / DMA seam and esp_datapath.
//
// Jobs arrive as descriptors in ring order and leave as results in the same order. The datapath has one job
// port and, per direction, its own input beat, output beat and result ports, each in that direction's job
// order; the adapter keeps one order for both: each job's direction goes with it through P1 and P2, and each
// half uses that direction's ports (the 8-byte DMA could not feed both at once anyway). Two halves share the
// engine's burst master through separate requesters and run at the same time, so the input of job k+1 is
// read while the output of job k is written:
//   - the read half takes descriptors from a small FIFO (P1): it hands ENCRYPT / DECRYPT jobs to the
//     datapath and streams their input by DMA (bursts of up to 16 beats of 8 bytes, never across a 4 KiB
//     page, issued only when the word FIFO has room for the whole burst since read beats cannot be held
//     back), packing two 8-byte words into each 16-byte datapath beat (an ESP packet's 8-byte header
//     travels alone in the first beat); it runs SA_WRITE (reads the 160-byte SA_RECORD, checks its
//     generation, feeds the datapath's write port) and SA_INVALIDATE once every earlier job has completed;
//   - the write half takes the same jobs, in order, from a second FIFO (P2): it unpacks the datapath's
//     output beats (1..16 bytes each) into 8-byte words with byte enables and writes them to dst_addr +
//     out_offset in bursts (never across a page, never past dst_cap), then returns the job's result;
//     SA_READ_COUNTERS reads the datapath's counter port and writes the 64-byte SA_COUNTERS record.
// The datapath refuses a job (unknown / stale slot, hard limit, bad length) without taking any input beat:
// the read half learns it when the write half takes that job's result while its input is not all taken,
// drops the job's remaining input and goes on. Until then it does not hand the next job to the datapath, so
// input beats never reach the wrong job.
//
// Rules checked here (BAD_LENGTH / BAD_OPCODE / UNKNOWN_SA at once, without the datapath): opcode and
// queue kind; src_len and dst_cap at most MAX_PACKET, in_offset <= src_len, out_offset <= dst_cap; input
// and output start addresses (after the offsets) 8-byte aligned; SA commands' slot below SA_SLOTS, record
// size and alignment; ENCRYPT whose ESP packet cannot fit dst_cap - out_offset even with a 12-byte ICV.
// Output that turns out longer than dst_cap - out_offset (a 16-byte ICV, a decrypted payload): BAD_LENGTH,
// nothing written past the cap (the datapath has counted the job as done).
// A DMA fault on a job's input or output completes it with DMA_ERROR (its input is still fed, so the
// datapath stays in step; its output may be partly written).
`default_nettype none

module hubsec_esp_adapter #(
  parameter int unsigned SA_SLOTS = 64,
  parameter int unsigned MAX_PACKET = 9216
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,
  input  wire logic                     clear_i,
  output logic                          busy_o,

  // queue engine: jobs in, results out (job order)
  input  wire logic                     job_valid_i,
  output logic                          job_ready_o,
  input  wire hubsec_card_pkg::desc_t   job_desc_i,
  input  wire logic                     job_control_i,
  output logic                          res_valid_o,
  input  wire logic                     res_ready_i,
  output logic [7:0]                    res_status_o,
  output logic [31:0]                   res_out_len_o,
  output logic [31:0]                   res_seq_lo_o,
  output logic [7:0]                    res_next_header_o,
  output logic [7:0]                    res_flags_o,

  // DMA read requester
  output logic                          rd_req_valid_o,
  input  wire logic                     rd_req_ready_i,
  output logic [63:0]                   rd_req_addr_o,
  output logic [4:0]                    rd_req_beats_o,
  input  wire logic                     rd_valid_i,
  input  wire logic [63:0]              rd_data_i,
  input  wire logic                     rd_done_i,
  input  wire logic                     rd_error_i,
  // DMA write requester
  output logic                          wr_req_valid_o,
  input  wire logic                     wr_req_ready_i,
  output logic [63:0]                   wr_req_addr_o,
  output logic [4:0]                    wr_req_beats_o,
  output logic                          wr_valid_o,
  output logic [63:0]                   wr_data_o,
  output logic [7:0]                    wr_strb_o,
  input  wire logic                     wr_ready_i,
  input  wire logic                     wr_done_i,
  input  wire logic                     wr_error_i,

  // esp_datapath: SA write port
  output logic                          dp_wr_valid_o,
  input  wire logic                     dp_wr_ready_i,
  output logic                          dp_wr_invalidate_o,
  output logic [15:0]                   dp_wr_slot_o,
  output logic [15:0]                   dp_wr_gen_o,
  output logic                          dp_wr_inbound_o,
  output logic                          dp_wr_esn_o,
  output logic                          dp_wr_sha256_o,
  output logic [31:0]                   dp_wr_spi_o,
  output logic [255:0]                  dp_wr_enc_key_o,
  output logic [255:0]                  dp_wr_auth_key_o,
  output logic [255:0]                  dp_wr_iv_key_o,
  output logic [63:0]                   dp_wr_soft_packets_o,
  output logic [63:0]                   dp_wr_hard_packets_o,
  output logic [63:0]                   dp_wr_soft_bytes_o,
  output logic [63:0]                   dp_wr_hard_bytes_o,
  input  wire logic                     dp_wr_done_valid_i,
  output logic                          dp_wr_done_ready_o,
  input  wire logic [7:0]               dp_wr_done_status_i,
  // counter read port
  output logic                          dp_cnt_valid_o,
  input  wire logic                     dp_cnt_ready_i,
  output logic [15:0]                   dp_cnt_slot_o,
  input  wire logic                     dp_cnt_res_valid_i,
  output logic                          dp_cnt_res_ready_o,
  input  wire logic [7:0]               dp_cnt_res_status_i,
  input  wire logic [63:0]              dp_cnt_packets_i,
  input  wire logic [63:0]              dp_cnt_bytes_i,
  input  wire logic [63:0]              dp_cnt_icv_failures_i,
  input  wire logic [63:0]              dp_cnt_pad_failures_i,
  input  wire logic [63:0]              dp_cnt_len_failures_i,
  input  wire logic [63:0]              dp_cnt_limit_drops_i,
  input  wire logic [15:0]              dp_cnt_gen_i,
  input  wire logic                     dp_cnt_slot_valid_i,
  // jobs
  output logic                          dp_job_valid_o,
  input  wire logic                     dp_job_ready_i,
  output logic                          dp_job_decrypt_o,
  output logic [15:0]                   dp_job_slot_o,
  output logic [15:0]                   dp_job_gen_o,
  output logic [63:0]                   dp_job_seq_o,
  output logic [127:0]                  dp_job_iv_o,
  output logic [15:0]                   dp_job_len_o,
  output logic [7:0]                    dp_job_nh_o,
  output logic                          dp_job_card_iv_o,
  // beats and results, one set per direction (each in its direction's job order)
  output logic                          dp_enc_in_valid_o,
  input  wire logic                     dp_enc_in_ready_i,
  output logic                          dp_dec_in_valid_o,
  input  wire logic                     dp_dec_in_ready_i,
  output logic [127:0]                  dp_in_data_o,     // both directions' input data
  input  wire logic                     dp_enc_out_valid_i,
  output logic                          dp_enc_out_ready_o,
  input  wire logic [127:0]             dp_enc_out_data_i,
  input  wire logic [4:0]               dp_enc_out_nbytes_i,
  input  wire logic                     dp_enc_out_last_i,
  input  wire logic                     dp_dec_out_valid_i,
  output logic                          dp_dec_out_ready_o,
  input  wire logic [127:0]             dp_dec_out_data_i,
  input  wire logic [4:0]               dp_dec_out_nbytes_i,
  input  wire logic                     dp_dec_out_last_i,
  input  wire logic                     dp_enc_res_valid_i,
  output logic                          dp_enc_res_ready_o,
  input  wire logic [7:0]               dp_enc_res_status_i,
  input  wire logic [16:0]              dp_enc_res_len_i,
  input  wire logic [7:0]               dp_enc_res_nh_i,
  input  wire logic [31:0]              dp_enc_res_spi_i,
  input  wire logic [31:0]              dp_enc_res_seq_lo_i,
  input  wire logic [7:0]               dp_enc_res_flags_i,
  input  wire logic                     dp_dec_res_valid_i,
  output logic                          dp_dec_res_ready_o,
  input  wire logic [7:0]               dp_dec_res_status_i,
  input  wire logic [16:0]              dp_dec_res_len_i,
  input  wire logic [7:0]               dp_dec_res_nh_i,
  input  wire logic [31:0]              dp_dec_res_spi_i,
  input  wire logic [31:0]              dp_dec_res_seq_lo_i,
  input  wire logic [7:0]               dp_dec_res_flags_i
);

  localparam logic [7:0] ST_OK = 8'(hubsec_card_pkg::STATUS_OK);
  localparam logic [7:0] ST_BAD_LENGTH = 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
  localparam logic [7:0] ST_BAD_OPCODE = 8'(hubsec_card_pkg::STATUS_BAD_OPCODE);
  localparam logic [7:0] ST_UNKNOWN_SA = 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
  localparam logic [7:0] ST_STALE_SA = 8'(hubsec_card_pkg::STATUS_STALE_SA);
  localparam logic [7:0] ST_DMA_ERROR = 8'(hubsec_card_pkg::STATUS_DMA_ERROR);
  localparam logic [15:0] MAX_LEN = 16'(MAX_PACKET);
  localparam int unsigned RECORD_WORDS = hubsec_card_pkg::SA_RECORD_BYTES / 8;
  localparam int unsigned P1_DEPTH = 4;
  localparam int unsigned P2_DEPTH = 8;
  localparam int unsigned FIFO_WORDS = 32;  // input and output word FIFOs: two full bursts

  typedef enum logic [2:0] {K_LOCAL, K_DATA, K_SA_WRITE, K_SA_INVALIDATE, K_COUNTERS} kind_e;

  typedef struct packed {
    kind_e        kind;
    logic [7:0]   status;   // K_LOCAL: the result
    logic         dec;
    logic         card_iv;
    logic [15:0]  slot;
    logic [15:0]  gen;
    logic [63:0]  seq;
    logic [127:0] iv;
    logic [7:0]   nh;
    logic [15:0]  len;      // input bytes (after in_offset)
    logic [63:0]  src;      // first input byte
    logic [63:0]  dst;      // first output byte
    logic [15:0]  cap;      // output room (dst_cap - out_offset)
  } p1_t;

  typedef struct packed {
    kind_e        kind;
    logic [7:0]   status;   // K_LOCAL
    logic [3:0]   tag;      // K_DATA
    logic         dec;      // K_DATA: the direction whose datapath ports carry its beats and result
    logic [15:0]  slot;     // K_COUNTERS
    logic [63:0]  dst;
    logic [15:0]  cap;
  } p2_t;

  function automatic logic [63:0] bswap64(logic [63:0] x);
    for (int i = 0; i < 8; i++) bswap64[8 * i +: 8] = x[56 - 8 * i +: 8];
  endfunction

  function automatic logic [127:0] bswap128(logic [127:0] x);
    for (int i = 0; i < 16; i++) bswap128[8 * i +: 8] = x[120 - 8 * i +: 8];
  endfunction

  function automatic logic [255:0] bswap256(logic [255:0] x);
    for (int i = 0; i < 32; i++) bswap256[8 * i +: 8] = x[248 - 8 * i +: 8];
  endfunction

  // Beats of a burst from addr (8-byte aligned): at most 16, the words left, and the room in the page.
  function automatic logic [4:0] burst_beats(logic [11:0] page_off, logic [12:0] words_left);
    logic [12:0] room;
    room = (13'h1000 - {1'b0, page_off}) >> 3;
    if (room > words_left) room = words_left;
    burst_beats = (room > 13'd16) ? 5'd16 : 5'(room);
  endfunction

  // ================= decode (at the job handshake) =================
  hubsec_card_pkg::desc_t d;
  assign d = job_desc_i;
  p1_t in_entry;
  always_comb begin
    logic is_enc, is_dec, is_saw, is_sai, is_cnt, is_ctrl;
    logic [63:0] src, dst;
    logic [16:0] esp_min;
    is_enc = d.opcode == 8'(hubsec_card_pkg::OPCODE_ENCRYPT);
    is_dec = d.opcode == 8'(hubsec_card_pkg::OPCODE_DECRYPT);
    is_saw = d.opcode == 8'(hubsec_card_pkg::OPCODE_SA_WRITE);
    is_sai = d.opcode == 8'(hubsec_card_pkg::OPCODE_SA_INVALIDATE);
    is_cnt = d.opcode == 8'(hubsec_card_pkg::OPCODE_SA_READ_COUNTERS);
    is_ctrl = is_saw || is_sai || is_cnt;
    esp_min = 17'd36 + ((17'(d.src_len - d.in_offset) + 17'd17) & ~17'd15);
    src = d.src_addr + {48'd0, d.in_offset};
    dst = d.dst_addr + {48'd0, d.out_offset};
    in_entry = '0;
    in_entry.kind = K_LOCAL;
    in_entry.status = ST_OK;
    in_entry.dec = is_dec;
    in_entry.card_iv = !d.flags[hubsec_card_pkg::DESC_FLAG_IV];
    in_entry.slot = d.sa_slot;
    in_entry.gen = d.sa_gen;
    in_entry.seq = d.seq;
    in_entry.iv = bswap128(d.iv);  // descriptor bytes are little-endian; the datapath wants byte 0 on top
    in_entry.nh = d.next_header;
    in_entry.len = d.src_len - d.in_offset;
    in_entry.src = src;
    in_entry.dst = dst;
    in_entry.cap = d.dst_cap - d.out_offset;
    if (!(is_enc || is_dec || is_ctrl) || (is_ctrl != job_control_i)) begin
      in_entry.status = ST_BAD_OPCODE;
    end else if (is_ctrl && {16'd0, d.sa_slot} >= 32'(SA_SLOTS)) begin
      in_entry.status = ST_UNKNOWN_SA;
    end else if (is_enc || is_dec) begin
      // ENCRYPT's output is at least header + IV + padded payload + a 12-byte ICV
      if (d.src_len > MAX_LEN || d.dst_cap > MAX_LEN || d.in_offset > d.src_len ||
          d.out_offset > d.dst_cap || src[2:0] != 3'd0 || dst[2:0] != 3'd0 ||
          (is_enc && esp_min > {1'b0, in_entry.cap}))
        in_entry.status = ST_BAD_LENGTH;
      else in_entry.kind = K_DATA;
    end else if (is_saw) begin
      in_entry.src = d.src_addr;
      if (d.src_len != 16'(hubsec_card_pkg::SA_RECORD_BYTES) || d.src_addr[2:0] != 3'd0)
        in_entry.status = ST_BAD_LENGTH;
      else in_entry.kind = K_SA_WRITE;
    end else if (is_sai) begin
      in_entry.kind = K_SA_INVALIDATE;
    end else begin
      in_entry.dst = d.dst_addr;
      if (d.dst_cap < 16'(hubsec_card_pkg::SA_COUNTERS_BYTES) || d.dst_addr[2:0] != 3'd0)
        in_entry.status = ST_BAD_LENGTH;
      else in_entry.kind = K_COUNTERS;
    end
  end

  // ================= P1: descriptors waiting for the read half =================
  p1_t p1_mem [P1_DEPTH];
  logic [2:0] p1_wp_q, p1_rp_q;
  logic p1_empty, p1_full, p1_pop;
  p1_t h;  // P1 head
  assign p1_empty = p1_wp_q == p1_rp_q;
  assign p1_full = (p1_wp_q - p1_rp_q) == 3'(P1_DEPTH);
  assign h = p1_mem[p1_rp_q[1:0]];
  assign job_ready_o = !p1_full;
  always_ff @(posedge clk_i) if (job_valid_i && job_ready_o) p1_mem[p1_wp_q[1:0]] <= in_entry;

  // ================= P2: jobs waiting for the write half =================
  p2_t p2_mem [P2_DEPTH];
  logic [3:0] p2_wp_q, p2_rp_q;
  logic p2_empty, p2_full, p2_push, p2_pop;
  p2_t p2_in, w;  // entry pushed, P2 head
  assign p2_empty = p2_wp_q == p2_rp_q;
  assign p2_full = (p2_wp_q - p2_rp_q) == 4'(P2_DEPTH);
  assign w = p2_mem[p2_rp_q[2:0]];
  always_ff @(posedge clk_i) if (p2_push) p2_mem[p2_wp_q[2:0]] <= p2_in;

  // ================= read half =================
  typedef enum logic [2:0] {R_IDLE, R_FEED, R_FLUSH, R_DRAIN, R_REC, R_SAWR, R_SADONE} rstate_e;
  rstate_e rstate_q;
  logic [3:0] tag_q;            // tag of the next data job
  logic [3:0] cur_tag_q;        // tag of the job being fed
  logic cur_dec_q, first_q;
  logic [15:0] beats_left_q;    // datapath beats still to feed
  logic [12:0] words_rd_q;      // words still to request
  logic [12:0] words_pop_q;     // words still to pop from the FIFO
  logic [63:0] rd_addr_q;
  logic rd_busy_q;
  logic [RECORD_WORDS*64-1:0] rec_q;
  logic [15:0] err_q;           // per tag: a read of that job's input faulted
  logic w_idle;
  logic abort;                  // the write half took the result of the job being fed

  // input word FIFO
  logic [63:0] ififo [FIFO_WORDS];
  logic [5:0] if_wp_q, if_rp_q;
  logic [5:0] if_cnt;
  logic [1:0] if_pop;
  assign if_cnt = if_wp_q - if_rp_q;

  hubsec_card_pkg::sa_record_t rec;
  assign rec = hubsec_card_pkg::sa_record_t'(rec_q[hubsec_card_pkg::SA_RECORD_BYTES*8-1:0]);

  // what the next feed beat needs (fed to the input port of the job's direction)
  logic dp_in_valid, dp_in_ready;
  logic [1:0] need;
  assign need = (cur_dec_q && first_q) ? 2'd1 : ((words_pop_q >= 13'd2) ? 2'd2 : 2'd1);
  logic [63:0] w0, w1;
  assign w0 = ififo[if_rp_q[4:0]];
  assign w1 = ififo[5'(if_rp_q[4:0] + 5'd1)];
  assign dp_in_valid = rstate_q == R_FEED && beats_left_q != 16'd0 && if_cnt >= {4'd0, need};
  assign dp_in_data_o = {bswap64(w0), (need == 2'd2) ? bswap64(w1) : 64'd0};
  assign if_pop = (dp_in_valid && dp_in_ready) ? need : 2'd0;
  assign dp_enc_in_valid_o = dp_in_valid && !cur_dec_q;
  assign dp_dec_in_valid_o = dp_in_valid && cur_dec_q;
  assign dp_in_ready = cur_dec_q ? dp_dec_in_ready_i : dp_enc_in_ready_i;

  // read requests: data input (R_FEED) or the SA record (R_REC)
  logic [4:0] rd_beats;
  assign rd_beats = burst_beats(rd_addr_q[11:0], words_rd_q);
  assign rd_req_valid_o = (rstate_q == R_FEED || rstate_q == R_REC) && !rd_busy_q && words_rd_q != 13'd0 &&
                          (rstate_q == R_REC || (7'(FIFO_WORDS) - {1'b0, if_cnt}) >= {2'd0, rd_beats});
  assign rd_req_addr_o = rd_addr_q;
  assign rd_req_beats_o = rd_beats;

  // datapath job
  assign dp_job_valid_o = rstate_q == R_IDLE && !p1_empty && h.kind == K_DATA && !p2_full;
  assign dp_job_decrypt_o = h.dec;
  assign dp_job_slot_o = h.slot;
  assign dp_job_gen_o = h.gen;
  assign dp_job_seq_o = h.seq;
  assign dp_job_iv_o = h.iv;
  assign dp_job_len_o = h.len;
  assign dp_job_nh_o = h.nh;
  assign dp_job_card_iv_o = h.card_iv;

  // SA write port (SA_WRITE from the record, SA_INVALIDATE from the descriptor)
  logic sai_q;
  assign dp_wr_valid_o = rstate_q == R_SAWR;
  assign dp_wr_invalidate_o = sai_q || !rec.flags[hubsec_card_pkg::SA_FLAG_VALID];
  assign dp_wr_slot_o = h.slot;
  assign dp_wr_gen_o = h.gen;
  assign dp_wr_inbound_o = rec.flags[hubsec_card_pkg::SA_FLAG_INBOUND];
  assign dp_wr_esn_o = rec.flags[hubsec_card_pkg::SA_FLAG_ESN];
  assign dp_wr_sha256_o = rec.integrity == 8'd2;
  assign dp_wr_spi_o = rec.spi;
  assign dp_wr_enc_key_o = bswap256(rec.enc_key);
  assign dp_wr_auth_key_o = bswap256(rec.auth_key);
  assign dp_wr_iv_key_o = bswap256(rec.iv_key);
  assign dp_wr_soft_packets_o = rec.soft_packets;
  assign dp_wr_hard_packets_o = rec.hard_packets;
  assign dp_wr_soft_bytes_o = rec.soft_bytes;
  assign dp_wr_hard_bytes_o = rec.hard_bytes;
  assign dp_wr_done_ready_o = rstate_q == R_SADONE;

  // what the read half pushes to P2
  logic r_push_local, r_push_data;
  always_comb begin
    r_push_local = 1'b0;
    p2_in = '0;
    p2_in.dst = h.dst;
    p2_in.cap = h.cap;
    p2_in.slot = h.slot;
    p2_in.tag = tag_q;
    p2_in.dec = h.dec;
    p2_in.kind = h.kind;
    p2_in.status = h.status;
    if (rstate_q == R_IDLE && !p1_empty && !p2_full && (h.kind == K_LOCAL || h.kind == K_COUNTERS))
      r_push_local = 1'b1;
    if (rstate_q == R_REC && words_rd_q == 13'd0 && !rd_busy_q &&
        (err_q[tag_q] || rec.generation != h.gen)) begin
      r_push_local = 1'b1;
      p2_in.kind = K_LOCAL;
      p2_in.status = err_q[tag_q] ? ST_DMA_ERROR : ST_STALE_SA;
    end
    if (rstate_q == R_SADONE && dp_wr_done_valid_i) begin
      r_push_local = 1'b1;
      p2_in.kind = K_LOCAL;
      p2_in.status = dp_wr_done_status_i;
    end
  end
  assign r_push_data = dp_job_valid_o && dp_job_ready_i;
  assign p2_push = r_push_local || r_push_data;
  assign p1_pop = r_push_local || r_push_data;

  logic [15:0] job_beats;
  logic [12:0] job_words;
  always_comb begin
    job_words = 13'((h.len + 16'd7) >> 3);
    if (!h.dec) job_beats = (h.len + 16'd15) >> 4;
    else if (h.len == 16'd0) job_beats = '0;
    else if (h.len <= 16'd8) job_beats = 16'd1;
    else job_beats = 16'd1 + ((h.len - 16'd8 + 16'd15) >> 4);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rstate_q <= R_IDLE;
      p1_wp_q <= '0;
      p1_rp_q <= '0;
      p2_wp_q <= '0;
      tag_q <= '0;
      cur_tag_q <= '0;
      cur_dec_q <= 1'b0;
      first_q <= 1'b0;
      beats_left_q <= '0;
      words_rd_q <= '0;
      words_pop_q <= '0;
      rd_addr_q <= '0;
      rd_busy_q <= 1'b0;
      if_wp_q <= '0;
      if_rp_q <= '0;
      err_q <= '0;
      sai_q <= 1'b0;
    end else if (clear_i) begin
      rstate_q <= R_IDLE;
      p1_wp_q <= '0;
      p1_rp_q <= '0;
      p2_wp_q <= '0;
      rd_busy_q <= 1'b0;
      if_wp_q <= '0;
      if_rp_q <= '0;
      err_q <= '0;
      words_rd_q <= '0;
      beats_left_q <= '0;
    end else begin
      if (job_valid_i && job_ready_o) p1_wp_q <= p1_wp_q + 3'd1;
      if (p1_pop) p1_rp_q <= p1_rp_q + 3'd1;
      if (p2_push) p2_wp_q <= p2_wp_q + 4'd1;
      // read bursts (data input or SA record)
      if (rd_req_valid_o && rd_req_ready_i) begin
        rd_busy_q <= 1'b1;
        rd_addr_q <= rd_addr_q + {56'd0, rd_beats, 3'd0};
        words_rd_q <= words_rd_q - {8'd0, rd_beats};
      end
      if (rd_valid_i && rd_busy_q) begin
        if (rstate_q == R_FEED) begin
          ififo[if_wp_q[4:0]] <= rd_data_i;
          if_wp_q <= if_wp_q + 6'd1;
        end else if (rstate_q == R_REC) begin
          rec_q <= {rd_data_i, rec_q[RECORD_WORDS*64-1:64]};
        end
      end
      if (rd_done_i && rd_busy_q) begin
        rd_busy_q <= 1'b0;
        // a refused job's input is dropped, faults and all (its result is already on its way)
        if (rd_error_i && rstate_q != R_FLUSH) err_q[cur_tag_q] <= 1'b1;
      end
      if (w_res_done && w.kind == K_DATA) err_q[w.tag] <= 1'b0;
      // feeding
      if (if_pop != 2'd0) begin
        if_rp_q <= if_rp_q + {4'd0, if_pop};
        words_pop_q <= words_pop_q - {11'd0, if_pop};
        beats_left_q <= beats_left_q - 16'd1;
        first_q <= 1'b0;
      end
      unique case (rstate_q)
        R_IDLE: begin
          if (r_push_data) begin
            cur_tag_q <= tag_q;
            tag_q <= tag_q + 4'd1;
            cur_dec_q <= h.dec;
            first_q <= 1'b1;
            beats_left_q <= job_beats;
            words_rd_q <= job_words;
            words_pop_q <= job_words;
            rd_addr_q <= {h.src[63:3], 3'd0};
            if (job_beats != 16'd0) rstate_q <= R_FEED;
          end else if (!p1_empty && (h.kind == K_SA_WRITE || h.kind == K_SA_INVALIDATE)) begin
            rstate_q <= R_DRAIN;
          end
        end
        R_FEED: begin
          if (abort) rstate_q <= R_FLUSH;
          else if (beats_left_q == 16'd1 && if_pop != 2'd0) rstate_q <= R_IDLE;
        end
        R_FLUSH: begin  // a refused job: drop its input (wait for the burst on the bus)
          if (!rd_busy_q && !(rd_req_valid_o && rd_req_ready_i)) begin
            if_rp_q <= '0;
            if_wp_q <= '0;
            words_rd_q <= '0;
            beats_left_q <= '0;
            rstate_q <= R_IDLE;
          end
        end
        R_DRAIN: begin  // SA commands wait until every earlier job has completed
          if (p2_empty && w_idle) begin
            sai_q <= h.kind == K_SA_INVALIDATE;
            cur_tag_q <= tag_q;
            if (h.kind == K_SA_INVALIDATE) begin
              rstate_q <= R_SAWR;
            end else begin
              rd_addr_q <= h.src;
              words_rd_q <= 13'(RECORD_WORDS);
              rstate_q <= R_REC;
            end
          end
        end
        R_REC: begin
          if (words_rd_q == 13'd0 && !rd_busy_q) begin
            if (r_push_local) begin
              err_q[tag_q] <= 1'b0;
              rstate_q <= R_IDLE;
            end else begin
              rstate_q <= R_SAWR;
            end
          end
        end
        R_SAWR: if (dp_wr_ready_i) rstate_q <= R_SADONE;
        R_SADONE: if (dp_wr_done_valid_i) rstate_q <= R_IDLE;
        default: rstate_q <= R_IDLE;
      endcase
    end
  end

  // ================= write half =================
  typedef enum logic [2:0] {W_IDLE, W_DATA, W_FLUSH, W_DRAIN, W_RES, W_CNT, W_CNTRES, W_CNTPUSH} wstate_e;
  wstate_e wstate_q;
  logic [63:0] acc_q;           // bytes of a partial output word, byte 0 in the top bits
  logic [2:0] acc_n_q;
  logic [16:0] count_q;         // output bytes of this job
  logic seen_last_q, ovf_q, wr_err_q, wr_busy_q;
  logic [4:0] wr_left_q;
  logic [63:0] wr_addr_q;
  logic [7:0] st_q, nh_q, flags_q;
  logic [31:0] len_q, seq_lo_q;
  logic [511:0] cnt_q;
  logic [2:0] cnt_i_q;
  logic w_res_done;

  // output word FIFO: data and byte enables
  logic [71:0] ofifo [FIFO_WORDS];
  logic [5:0] of_wp_q, of_rp_q;
  logic [5:0] of_cnt;
  assign of_cnt = of_wp_q - of_rp_q;

  // the datapath's output beats and result for the write half's job: its direction's ports
  logic dp_out_valid, dp_out_ready, dp_out_last, dp_res_valid, dp_res_ready;
  logic [127:0] dp_out_data;
  logic [4:0] dp_out_nbytes;
  logic [7:0] dp_res_status, dp_res_nh, dp_res_flags;
  logic [16:0] dp_res_len;
  logic [31:0] dp_res_seq_lo;
  assign dp_out_valid = w.dec ? dp_dec_out_valid_i : dp_enc_out_valid_i;
  assign dp_out_data = w.dec ? dp_dec_out_data_i : dp_enc_out_data_i;
  assign dp_out_nbytes = w.dec ? dp_dec_out_nbytes_i : dp_enc_out_nbytes_i;
  assign dp_out_last = w.dec ? dp_dec_out_last_i : dp_enc_out_last_i;
  assign dp_enc_out_ready_o = dp_out_ready && !w.dec;
  assign dp_dec_out_ready_o = dp_out_ready && w.dec;
  assign dp_res_valid = w.dec ? dp_dec_res_valid_i : dp_enc_res_valid_i;
  assign dp_res_status = w.dec ? dp_dec_res_status_i : dp_enc_res_status_i;
  assign dp_res_len = w.dec ? dp_dec_res_len_i : dp_enc_res_len_i;
  assign dp_res_nh = w.dec ? dp_dec_res_nh_i : dp_enc_res_nh_i;
  assign dp_res_seq_lo = w.dec ? dp_dec_res_seq_lo_i : dp_enc_res_seq_lo_i;
  assign dp_res_flags = w.dec ? dp_dec_res_flags_i : dp_enc_res_flags_i;
  assign dp_enc_res_ready_o = dp_res_ready && !w.dec;
  assign dp_dec_res_ready_o = dp_res_ready && w.dec;

  assign w_idle = wstate_q == W_IDLE;
  assign abort = dp_res_valid && dp_res_ready && rstate_q == R_FEED && cur_tag_q == w.tag;

  // unpacking a datapath beat
  logic out_fire;
  assign dp_out_ready = wstate_q == W_DATA && !seen_last_q && (7'(FIFO_WORDS) - {1'b0, of_cnt}) >= 7'd2;
  assign out_fire = dp_out_valid && dp_out_ready;
  logic [127:0] beat_masked;
  logic [191:0] comb;
  logic [4:0] total;
  logic [1:0] nwords;
  logic beat_ovf;
  always_comb begin
    for (int j = 0; j < 16; j++)
      beat_masked[127 - 8 * j -: 8] = (5'(j) < dp_out_nbytes) ? dp_out_data[127 - 8 * j -: 8] : 8'd0;
    comb = {acc_q, 128'd0} | ({beat_masked, 64'd0} >> {acc_n_q, 3'd0});
    total = {2'd0, acc_n_q} + dp_out_nbytes;
    nwords = 2'(total >> 3);
    beat_ovf = (count_q + {12'd0, dp_out_nbytes}) > {1'b0, w.cap};
  end
  logic [1:0] of_push;
  logic [71:0] of_d0, of_d1;
  always_comb begin
    of_push = 2'd0;
    of_d0 = {8'hff, bswap64(comb[191:128])};
    of_d1 = {8'hff, bswap64(comb[127:64])};
    if (out_fire && !ovf_q && !beat_ovf) of_push = nwords;
    if (wstate_q == W_FLUSH && acc_n_q != 3'd0 && !ovf_q) begin
      of_push = 2'd1;
      of_d0 = {8'hff >> (4'd8 - {1'b0, acc_n_q}), bswap64(acc_q)};
    end
    if (wstate_q == W_CNTPUSH) begin
      of_push = 2'd1;
      of_d0 = {8'hff, cnt_q[64 * cnt_i_q +: 64]};
    end
  end

  // write bursts: full ones while the job runs, the rest once its result is in
  logic [4:0] wr_beats, wr_full;
  assign wr_full = burst_beats(wr_addr_q[11:0], 13'd16);
  assign wr_beats = ({1'b0, of_cnt} >= {2'd0, wr_full}) ? wr_full : 5'(of_cnt);
  assign wr_req_valid_o = !wr_busy_q && of_cnt != 6'd0 &&
                          ({1'b0, of_cnt} >= {2'd0, wr_full} || wstate_q == W_DRAIN);
  assign wr_req_addr_o = wr_addr_q;
  assign wr_req_beats_o = wr_beats;
  assign wr_valid_o = wr_busy_q && wr_left_q != 5'd0;
  assign {wr_strb_o, wr_data_o} = ofifo[of_rp_q[4:0]];

  assign dp_res_ready = wstate_q == W_DATA;
  assign dp_cnt_valid_o = wstate_q == W_CNT;
  assign dp_cnt_slot_o = w.slot;
  assign dp_cnt_res_ready_o = wstate_q == W_CNTRES;

  assign res_valid_o = wstate_q == W_RES || (wstate_q == W_IDLE && !p2_empty && w.kind == K_LOCAL);
  assign res_status_o = (wstate_q == W_RES) ? st_q : w.status;
  assign res_out_len_o = (wstate_q == W_RES && st_q == ST_OK) ? len_q : '0;
  assign res_seq_lo_o = (wstate_q == W_RES) ? seq_lo_q : '0;
  assign res_next_header_o = (wstate_q == W_RES) ? nh_q : '0;
  assign res_flags_o = (wstate_q == W_RES) ? flags_q : '0;
  assign w_res_done = wstate_q == W_RES && res_ready_i;
  assign p2_pop = res_valid_o && res_ready_i;

  // final status of a data job
  logic [7:0] final_status;
  always_comb begin
    final_status = dp_res_status;
    if (err_q[w.tag] || wr_err_q || (wr_done_i && wr_busy_q && wr_error_i)) final_status = ST_DMA_ERROR;
    else if (ovf_q) final_status = ST_BAD_LENGTH;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wstate_q <= W_IDLE;
      p2_rp_q <= '0;
      acc_q <= '0;
      acc_n_q <= '0;
      count_q <= '0;
      seen_last_q <= 1'b0;
      ovf_q <= 1'b0;
      wr_err_q <= 1'b0;
      wr_busy_q <= 1'b0;
      wr_left_q <= '0;
      wr_addr_q <= '0;
      st_q <= '0;
      nh_q <= '0;
      flags_q <= '0;
      len_q <= '0;
      seq_lo_q <= '0;
      cnt_q <= '0;
      cnt_i_q <= '0;
      of_wp_q <= '0;
      of_rp_q <= '0;
    end else if (clear_i) begin
      wstate_q <= W_IDLE;
      p2_rp_q <= '0;
      wr_busy_q <= 1'b0;
      wr_left_q <= '0;
      of_wp_q <= '0;
      of_rp_q <= '0;
    end else begin
      if (p2_pop) p2_rp_q <= p2_rp_q + 4'd1;
      // output FIFO
      if (of_push != 2'd0) begin
        ofifo[of_wp_q[4:0]] <= of_d0;
        if (of_push == 2'd2) ofifo[5'(of_wp_q[4:0] + 5'd1)] <= of_d1;
        of_wp_q <= of_wp_q + {4'd0, of_push};
      end
      if (wr_req_valid_o && wr_req_ready_i) begin
        wr_busy_q <= 1'b1;
        wr_left_q <= wr_beats;
        wr_addr_q <= wr_addr_q + {56'd0, wr_beats, 3'd0};
      end
      if (wr_valid_o && wr_ready_i) begin
        of_rp_q <= of_rp_q + 6'd1;
        wr_left_q <= wr_left_q - 5'd1;
      end
      if (wr_done_i && wr_busy_q) begin
        wr_busy_q <= 1'b0;
        if (wr_error_i) wr_err_q <= 1'b1;
      end
      if (out_fire) begin
        unique case (nwords)
          2'd0: acc_q <= comb[191:128];
          2'd1: acc_q <= comb[127:64];
          default: acc_q <= comb[63:0];
        endcase
        acc_n_q <= total[2:0];
        count_q <= count_q + {12'd0, dp_out_nbytes};
        if (beat_ovf) ovf_q <= 1'b1;
        if (dp_out_last) seen_last_q <= 1'b1;
      end
      unique case (wstate_q)
        W_IDLE: begin
          acc_q <= '0;
          acc_n_q <= '0;
          count_q <= '0;
          seen_last_q <= 1'b0;
          ovf_q <= 1'b0;
          wr_err_q <= 1'b0;
          wr_addr_q <= w.dst;
          cnt_i_q <= '0;
          if (!p2_empty && w.kind == K_DATA) wstate_q <= W_DATA;
          if (!p2_empty && w.kind == K_COUNTERS) wstate_q <= W_CNT;
        end
        W_DATA: begin
          if (dp_res_valid) begin
            st_q <= final_status;  // re-evaluated at the end for late write faults
            len_q <= {15'd0, dp_res_len};
            nh_q <= dp_res_nh;
            seq_lo_q <= dp_res_seq_lo;
            flags_q <= dp_res_flags;
            wstate_q <= W_FLUSH;
          end
        end
        W_FLUSH: wstate_q <= W_DRAIN;
        W_DRAIN: begin
          if (of_cnt == 6'd0 && !wr_busy_q) begin
            if (err_q[w.tag] || wr_err_q) st_q <= ST_DMA_ERROR;
            wstate_q <= W_RES;
          end
        end
        W_RES: if (res_ready_i) wstate_q <= W_IDLE;
        W_CNT: if (dp_cnt_ready_i) wstate_q <= W_CNTRES;
        W_CNTRES: begin
          if (dp_cnt_res_valid_i) begin
            cnt_q <= '0;
            cnt_q[63:0] <= dp_cnt_packets_i;
            cnt_q[127:64] <= dp_cnt_bytes_i;
            cnt_q[191:128] <= dp_cnt_icv_failures_i;
            cnt_q[255:192] <= dp_cnt_pad_failures_i;
            cnt_q[319:256] <= dp_cnt_len_failures_i;
            cnt_q[383:320] <= dp_cnt_limit_drops_i;
            cnt_q[415:384] <= {15'd0, dp_cnt_slot_valid_i, dp_cnt_gen_i};
            st_q <= dp_cnt_res_status_i;
            len_q <= '0;
            seq_lo_q <= '0;
            nh_q <= '0;
            flags_q <= '0;
            wstate_q <= (dp_cnt_res_status_i == ST_OK) ? W_CNTPUSH : W_RES;
          end
        end
        W_CNTPUSH: begin
          cnt_i_q <= cnt_i_q + 3'd1;
          if (cnt_i_q == 3'd7) wstate_q <= W_DRAIN;
        end
        default: wstate_q <= W_IDLE;
      endcase
    end
  end

  assign busy_o = !p1_empty || !p2_empty || rstate_q != R_IDLE || wstate_q != W_IDLE;

  // Not used here: the packet's SPI (the datapath checks it against the SA's), the cookie (the engine
  // keeps it), reserved bytes, the record's ICV length (implied by the algorithm).
  logic unused;
  assign unused = ^{dp_enc_res_spi_i, dp_dec_res_spi_i, d.cookie, d.rsvd0, rec.rsvd0, rec.rsvd1, rec.rsvd2,
                    rec.icv_len};

endmodule

`default_nettype wire
