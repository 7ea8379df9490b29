// esp_inbound: one lane of the inbound ESP datapath (RFC 4303, AES-256-CBC, HMAC-SHA1-96 or
// HMAC-SHA-256-128) with up to NSLOT packets in flight, results in job order.
//
// Job: the SA context (AES-256 decryption key w[52..59], as esp_sa_table stores it from install; HMAC
// inner/outer states left-aligned in 256 bits, algorithm, ESN), the high half of the sequence number the host inferred (ESN), the SA's SPI and the ESP packet length.
// Input: the packets as beats, one packet after the other in job order, framed as esp_outbound emits them:
// the header (SPI | SN, 8 bytes in bits [127:64]), the IV, one beat per ciphertext block, the ICV
// (left-aligned). A packet of bad length (not header + IV + a whole nonzero number of blocks + ICV, or more
// than MAX_BLK blocks) takes no beats (the sender, which knows the length, sends none) and completes with
// STATUS_BAD_LENGTH in its turn.
// Output, per packet in job order: the payload as beats of 16 bytes (the last one out_nbytes_o bytes,
// out_last_o), only when the status is OK; then the result: status, payload length, next header, SPI and SN
// low half. The next packet's beats follow the result handshake.
//
// Many packets in flight. A job takes a packet slot (NSLOT, used and freed in job order) and its ciphertext
// blocks in the packet ring (RING_BLK blocks, allocated and freed in job order); it waits (job_ready_o low)
// while none is free. The job's decryption key goes into the slot (no expansion here). CBC decryption has
// no feedback, so the ciphertext beats go straight from the input to the AES pipeline (the previous
// ciphertext block travels in the tag), back to back across packets; each plaintext block is written into
// the plaintext ring. Each ciphertext block is written, as it comes in, into esp_auth's ring copy too, which
// recomputes the ICV over SPI | SN | IV | ciphertext (| SN high with ESN) using the HMAC engine context of
// the packet's slot, in parallel with the decryption. The output stage takes
// the oldest packet once its blocks, its ICV and the received ICV are in. Order of checks: the length at
// once; the SPI (UNKNOWN_SA if the packet's is not the SA's; no payload either way); the ICV, compared in
// constant time (a full-width XOR and OR-reduction, no early exit); only if it matches the padding (1, 2,
// 3.., blocks holding padding read one per cycle); only an OK packet's payload leaves the ring.
`default_nettype none

module esp_inbound #(
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 10,    // esp_mac round units (low-latency mode): 16 bytes/cycle
  parameter int unsigned SHA256_N_RND = 8,   // each engine
  parameter int unsigned LEN_W = 16,       // packet length width in bytes
  parameter int unsigned MAX_BLK = 1024,   // largest ciphertext in blocks
  parameter int unsigned NSLOT = 64,       // packets in flight; power of two, >= 2
  parameter int unsigned RING_BLK = 8192,  // packet ring in 16-byte blocks; power of two, >= MAX_BLK
  localparam int unsigned BW = $clog2(MAX_BLK) + 1
) (
  input  wire logic             clk_i,
  // AES resets synchronously, the SHA engines asynchronously (both as committed): one net feeds both.
  /* verilator lint_off SYNCASYNCNET */
  input  wire logic             rst_ni,
  /* verilator lint_on SYNCASYNCNET */
  // job
  input  wire logic             job_valid_i,
  output logic                  job_ready_o,
  input  wire logic [255:0]     job_dkey_i,    // AES-256 decryption key w[52..59]
  input  wire logic             job_sha256_i,
  input  wire logic [255:0]     job_istate_i,
  input  wire logic [255:0]     job_ostate_i,
  input  wire logic             job_esn_i,
  input  wire logic [31:0]      job_seq_hi_i,
  input  wire logic [31:0]      job_spi_i,     // the SA's SPI: a packet with another one is UNKNOWN_SA
  input  wire logic [LEN_W-1:0] job_len_i,
  // ESP packet beats
  input  wire logic             in_valid_i,
  output logic                  in_ready_o,
  input  wire logic [127:0]     in_data_i,
  // payload beats
  output logic                  out_valid_o,
  input  wire logic             out_ready_i,
  output logic [127:0]          out_data_o,
  output logic [4:0]            out_nbytes_o,
  output logic                  out_last_o,
  // result
  output logic                  res_valid_o,
  input  wire logic             res_ready_i,
  output logic [7:0]            res_status_o,  // hubsec_card_pkg::status_e
  output logic [LEN_W-1:0]      res_len_o,     // payload bytes (OK only)
  output logic [7:0]            res_nh_o,
  output logic [31:0]           res_spi_o,
  output logic [31:0]           res_seq_lo_o
);

  localparam int unsigned SW = $clog2(NSLOT);
  localparam int unsigned AW = $clog2(RING_BLK);
  localparam int unsigned TW = 128 + SW + AW + 1;  // AES tag: previous ciphertext, slot, ring address, last

  // ---- per-slot context and progress ----
  logic [NSLOT-1:0] lenok_q, sha256_q, in_done_q, icv_ok_q;
  logic [31:0] spi_q[NSLOT];
  logic [63:0] hdr_q[NSLOT];
  logic [255:0] dkey_q[NSLOT];
  logic [127:0] icv_q[NSLOT], rx_icv_q[NSLOT];
  logic [15:0] last_q[NSLOT];  // pad length and next header, from the last plaintext block
  logic [BW-1:0] nblk_q[NSLOT], in_cnt_q[NSLOT], ret_q[NSLOT];
  logic [AW-1:0] base_q[NSLOT];

  // ---- jobs: length check (no crypto), slot and ring space (in job order) ----
  logic [LEN_W-1:0] icv_len, ct_len;
  logic len_ok, job_fire, release_fire, space, has;
  logic [BW-1:0] job_nblk;
  logic [SW-1:0] ts, hs, hs_d, is;  // slots: the job taken, the oldest (output), the packet input
  logic [AW-1:0] wp;
  assign icv_len = job_sha256_i ? LEN_W'(16) : LEN_W'(12);
  assign ct_len = job_len_i - LEN_W'(24) - icv_len;
  assign len_ok = job_len_i >= LEN_W'(24) + LEN_W'(16) + icv_len && ct_len[3:0] == 4'd0 &&
                  (ct_len >> 4) <= LEN_W'(MAX_BLK);
  assign job_nblk = len_ok ? BW'(ct_len >> 4) : '0;
  assign job_ready_o = space;
  assign job_fire = job_valid_i && job_ready_o;
  esp_slot_alloc #(.NSLOT(NSLOT), .RING_BLK(RING_BLK), .BW(BW)) u_alloc (
    .clk_i, .rst_ni, .need_i(job_nblk), .space_o(space), .alloc_i(job_fire), .tail_o(ts), .base_o(wp),
    .release_i(release_fire), .release_blk_i(nblk_q[hs]), .head_o(hs), .head_next_o(hs_d), .busy_o(has));
  logic [SW:0] tl_q, ip_q;  // jobs taken; packet input pointer (one wrap bit each)
  assign is = ip_q[SW-1:0];

  // ---- input: header, IV, ciphertext beats (to AES and the MAC's ring), ICV ----
  typedef enum logic [1:0] {P_HDR, P_IV, P_CT, P_ICV} phase_e;
  phase_e ph_q;
  logic in_pend, in_fire, aes_in_valid, aes_in_ready;
  logic [63:0] hdr_in_q;   // header of the packet coming in
  logic [127:0] chain_q;   // its previous ciphertext block (the IV first)
  logic [AW-1:0] ct_addr;
  logic ct_last;
  assign in_pend = ip_q != tl_q;
  assign ct_addr = base_q[is] + AW'(in_cnt_q[is]);
  assign ct_last = in_cnt_q[is] + 1'b1 == nblk_q[is];
  always_comb begin
    unique case (ph_q)
      P_HDR: in_ready_o = in_pend && lenok_q[is];
      P_CT: in_ready_o = aes_in_ready;
      default: in_ready_o = 1'b1;
    endcase
  end
  assign in_fire = in_valid_i && in_ready_o;
  assign aes_in_valid = ph_q == P_CT && in_valid_i;

  // ---- AES-256 decryption ----
  logic aes_out_valid;
  logic [127:0] aes_out_block, pt;
  logic [TW-1:0] aes_out_tag;
  logic [SW-1:0] rs;
  logic [AW-1:0] raddr;
  logic rlast;
  assign pt = aes_out_block ^ aes_out_tag[TW-1 -: 128];
  assign rs = aes_out_tag[AW+SW:AW+1];
  assign raddr = aes_out_tag[AW:1];
  assign rlast = aes_out_tag[0];

  aes_cipher #(.DECRYPT(1'b1), .UNROLL(AES_UNROLL), .TAG_W(TW)) u_aes (
    .clk_i, .rst_ni,
    .in_valid_i(aes_in_valid), .in_ready_o(aes_in_ready), .in_block_i(in_data_i), .in_key_i(dkey_q[is]),
    .in_tag_i({chain_q, is, ct_addr, ct_last}),
    .out_valid_o(aes_out_valid), .out_ready_i(1'b1), .out_block_o(aes_out_block), .out_tag_o(aes_out_tag));

  // ---- MAC over the ciphertext ----
  logic icv_valid;
  logic [SW-1:0] icv_slot;
  logic [127:0] icv;
  logic [NSLOT-1:0][BW-1:0] avail;
  always_comb for (int s = 0; s < NSLOT; s++) avail[s] = in_cnt_q[s];

  esp_auth #(.SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND), .NSLOT(NSLOT), .RING_BLK(RING_BLK),
             .BW(BW)) u_auth (
    .clk_i, .rst_ni,
    .open_i(job_fire && len_ok), .open_slot_i(ts), .open_sha256_i(job_sha256_i), .open_esn_i(job_esn_i),
    .open_seq_hi_i(job_seq_hi_i), .open_istate_i(job_istate_i), .open_ostate_i(job_ostate_i),
    .open_nblk_i(job_nblk), .open_base_i(wp),
    .hdr_i(ph_q == P_IV && in_fire), .hdr_slot_i(is), .hdr_data_i(hdr_in_q), .hdr_iv_i(in_data_i),
    .ct_we_i(ph_q == P_CT && in_fire), .ct_addr_i(ct_addr), .ct_data_i(in_data_i), .avail_i(avail),
    .icv_valid_o(icv_valid), .icv_slot_o(icv_slot), .icv_o(icv));

  // ---- plaintext ring; the read address is the pointer's next value, so rd_data holds block rp_q ----
  typedef enum logic [2:0] {Q_WAIT, Q_CMP, Q_PAD, Q_OUT, Q_RES} qstate_e;
  qstate_e qs_q, qs_d;
  logic [BW-1:0] rp_q, rp_d, pl_blk_q;
  logic [LEN_W-1:0] pl_len_q;
  logic [127:0] rd_data;
  logic [7:0] status_q;
  logic bad_q;
  assign release_fire = res_valid_o && res_ready_i;

  esp_ring #(.DEPTH(RING_BLK), .W(128)) u_pt_ring (
    .clk_i, .we_i(aes_out_valid), .waddr_i(raddr), .wdata_i(pt),
    .re_i(1'b1), .raddr_i(base_q[hs_d] + AW'(rp_d)), .rdata_o(rd_data));

  // ---- ICV compare: constant time, the whole tag at once ----
  logic [127:0] icv_mask;
  logic icv_diff, spi_bad;
  assign icv_mask = sha256_q[hs] ? '1 : {96'hffffffff_ffffffff_ffffffff, 32'h0};
  assign icv_diff = |((icv_q[hs] ^ rx_icv_q[hs]) & icv_mask);
  assign spi_bad = hdr_q[hs][63:32] != spi_q[hs];

  // ---- padding check, one block per cycle over the blocks that hold padding ----
  logic [LEN_W-1:0] pad_end;  // offset of the pad length byte
  logic [7:0] padlen;
  logic pad_bad_blk;
  assign pad_end = LEN_W'({nblk_q[hs], 4'd0}) - LEN_W'(2);
  assign padlen = last_q[hs][15:8];
  always_comb begin
    pad_bad_blk = 1'b0;
    for (int j = 0; j < 16; j++) begin
      logic [LEN_W-1:0] p;
      p = LEN_W'({rp_q, 4'd0}) + LEN_W'(j);
      if (p >= pl_len_q && p < pad_end && rd_data[127 - 8 * j -: 8] != 8'(p - pl_len_q + 1'b1))
        pad_bad_blk = 1'b1;
    end
  end

  // ---- output, in job order ----
  logic out_fire, ok;
  assign out_fire = out_valid_o && out_ready_i;
  assign ok = status_q == 8'(hubsec_card_pkg::STATUS_OK);
  assign out_valid_o = qs_q == Q_OUT;
  assign out_data_o = rd_data;
  assign out_last_o = rp_q == pl_blk_q - 1'b1;
  assign out_nbytes_o = out_last_o ? 5'(pl_len_q - LEN_W'({rp_q, 4'd0})) : 5'd16;
  assign res_valid_o = qs_q == Q_RES;
  assign res_status_o = status_q;
  assign res_len_o = ok ? pl_len_q : '0;
  assign res_nh_o = ok ? last_q[hs][7:0] : '0;
  assign res_spi_o = hdr_q[hs][63:32];
  assign res_seq_lo_o = hdr_q[hs][31:0];

  always_comb begin
    qs_d = qs_q;
    rp_d = rp_q;
    unique case (qs_q)
      Q_WAIT: if (has) begin
        if (!lenok_q[hs]) qs_d = Q_RES;
        else if (in_done_q[hs] && icv_ok_q[hs] && ret_q[hs] == nblk_q[hs]) qs_d = Q_CMP;
      end
      Q_CMP: begin
        qs_d = (spi_bad || icv_diff || {8'h0, padlen} > pad_end) ? Q_RES : Q_PAD;
        rp_d = BW'((pad_end - {8'h0, padlen}) >> 4);  // the first block with padding
      end
      Q_PAD: begin
        rp_d = rp_q + 1'b1;
        if (rp_q == nblk_q[hs] - 1'b1) begin
          rp_d = '0;
          qs_d = (bad_q || pad_bad_blk || pl_len_q == '0) ? Q_RES : Q_OUT;
        end
      end
      Q_OUT: if (out_fire) begin
        rp_d = rp_q + 1'b1;
        if (out_last_o) qs_d = Q_RES;
      end
      default: if (release_fire) begin
        qs_d = Q_WAIT;
        rp_d = '0;
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tl_q <= '0;
      ip_q <= '0;
      ph_q <= P_HDR;
      qs_q <= Q_WAIT;
      rp_q <= '0;
      in_done_q <= '0;
      icv_ok_q <= '0;
    end else begin
      qs_q <= qs_d;
      rp_q <= rp_d;
      if (job_fire) begin
        tl_q <= tl_q + 1'b1;
        in_done_q[ts] <= 1'b0;
        icv_ok_q[ts] <= 1'b0;
      end
      // input: a bad-length packet has no beats; others end with the ICV beat
      if (in_pend && !lenok_q[is] && ph_q == P_HDR) ip_q <= ip_q + 1'b1;
      if (in_fire) begin
        unique case (ph_q)
          P_HDR: ph_q <= P_IV;
          P_IV: ph_q <= P_CT;
          P_CT: if (ct_last) ph_q <= P_ICV;
          default: begin
            ph_q <= P_HDR;
            ip_q <= ip_q + 1'b1;
            in_done_q[is] <= 1'b1;
          end
        endcase
      end
      if (icv_valid) icv_ok_q[icv_slot] <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (job_fire) begin
      lenok_q[ts] <= len_ok;
      dkey_q[ts] <= job_dkey_i;
      sha256_q[ts] <= job_sha256_i;
      spi_q[ts] <= job_spi_i;
      hdr_q[ts] <= '0;
      nblk_q[ts] <= job_nblk;
      base_q[ts] <= wp;
      in_cnt_q[ts] <= '0;
      ret_q[ts] <= '0;
    end
    if (in_fire) begin
      unique case (ph_q)
        P_HDR: begin
          hdr_q[is] <= in_data_i[127:64];
          hdr_in_q <= in_data_i[127:64];
        end
        P_IV: chain_q <= in_data_i;
        P_CT: begin
          chain_q <= in_data_i;
          in_cnt_q[is] <= in_cnt_q[is] + 1'b1;
        end
        default: rx_icv_q[is] <= in_data_i;
      endcase
    end
    if (aes_out_valid) begin
      ret_q[rs] <= ret_q[rs] + 1'b1;
      if (rlast) last_q[rs] <= pt[15:0];
    end
    if (icv_valid) icv_q[icv_slot] <= icv;
    // the head packet's verdict: the ICV alone first; the padding is looked at only when it passed
    unique case (qs_q)
      Q_WAIT: status_q <= lenok_q[hs] ? 8'(hubsec_card_pkg::STATUS_OK) : 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
      Q_CMP: begin
        if (spi_bad) status_q <= 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
        else if (icv_diff) status_q <= 8'(hubsec_card_pkg::STATUS_ICV_MISMATCH);
        else if ({8'h0, padlen} > pad_end) status_q <= 8'(hubsec_card_pkg::STATUS_BAD_PADDING);
        pl_len_q <= pad_end - {8'h0, padlen};
        pl_blk_q <= BW'((pad_end - {8'h0, padlen} + LEN_W'(15)) >> 4);
        bad_q <= 1'b0;
      end
      Q_PAD: begin
        bad_q <= bad_q || pad_bad_blk;
        if (rp_q == nblk_q[hs] - 1'b1 && (bad_q || pad_bad_blk))
          status_q <= 8'(hubsec_card_pkg::STATUS_BAD_PADDING);
      end
      default: ;
    endcase
  end

`ifndef SYNTHESIS
  esp_hold_check #(.W(LEN_W + 32 + 32 + 1 + 1), .NAME("esp_inbound job")) u_chk_job (
    .clk_i, .rst_ni, .valid_i(job_valid_i), .ready_i(job_ready_o),
    .payload_i({job_len_i, job_spi_i, job_seq_hi_i, job_esn_i, job_sha256_i}));
  esp_hold_check #(.W(128), .NAME("esp_inbound in")) u_chk_in (
    .clk_i, .rst_ni, .valid_i(in_valid_i), .ready_i(in_ready_o), .payload_i(in_data_i));
  esp_hold_check #(.W(128 + 5 + 1), .NAME("esp_inbound out")) u_chk_out (
    .clk_i, .rst_ni, .valid_i(out_valid_o), .ready_i(out_ready_i),
    .payload_i({out_data_o, out_nbytes_o, out_last_o}));
  esp_hold_check #(.W(8 + LEN_W + 8 + 64), .NAME("esp_inbound result")) u_chk_res (
    .clk_i, .rst_ni, .valid_i(res_valid_o), .ready_i(res_ready_i),
    .payload_i({res_status_o, res_len_o, res_nh_o, res_spi_o, res_seq_lo_o}));
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(aes_out_valid && ret_q[rs] == nblk_q[rs])) else $error("esp_inbound: AES block beyond the packet");
    end
  end
  initial begin
    assert (RING_BLK >= MAX_BLK) else $fatal(1, "esp_inbound: the ring must hold the largest packet");
  end
`endif

endmodule

`default_nettype wire
