// esp_inbound: one lane of the inbound ESP datapath (RFC 4303, AES-256-CBC, HMAC-SHA1-96 or
// HMAC-SHA-256-128), one packet at a time.
//
// Job: the SA context (AES-256 cipher key, HMAC inner/outer states left-aligned in 256 bits, algorithm,
// ESN), the high half of the sequence number the host inferred (ESN) and the ESP packet length.
// Input: the packet as beats, framed as esp_outbound emits it: the header (SPI | SN, 8 bytes in bits
// [127:64]), the IV, one beat per ciphertext block, the ICV (left-aligned). A packet of bad length
// (not header + IV + a whole nonzero number of blocks + ICV, or more than MAX_BLK blocks) completes with
// STATUS_BAD_LENGTH at once and takes no beats: the sender, which knows the length, sends none.
// Output: the payload as beats of 16 bytes (the last one out_nbytes_o bytes, out_last_o), only when the
// status is OK; then the result: status, payload length, next header, SPI and SN low half.
//
// Order of checks: the length at once; then, when every block is in, the SPI (UNKNOWN_SA if the packet's is
// not the SA's; no payload either way); then the ICV is recomputed over SPI | SN | IV | ciphertext (| SN high with ESN) while the
// blocks are decrypted into the packet buffer (CBC decryption has no feedback, so blocks stream through
// AES back to back). The received ICV is compared with the computed one in constant time: a full-width
// XOR and OR-reduction, no early exit. Only if it matches is the padding (1, 2, 3..) checked and the
// payload released. The decryption key w[52..59] is expanded per packet here (14 cycles, overlapped with
// the header and IV beats); an SA table would hold it from install.
`default_nettype none

module esp_inbound #(
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 40,
  parameter int unsigned SHA256_N_RND = 32,
  parameter int unsigned LEN_W = 16,     // packet length width in bytes
  parameter int unsigned MAX_BLK = 1024, // largest ciphertext in blocks (packet buffer depth)
  localparam int unsigned AW = $clog2(MAX_BLK)
) (
  input  wire logic             clk_i,
  // AES resets synchronously, the SHA engines asynchronously (both as committed): one net feeds both.
  /* verilator lint_off SYNCASYNCNET */
  input  wire logic             rst_ni,
  /* verilator lint_on SYNCASYNCNET */
  // job
  input  wire logic             job_valid_i,
  output logic                  job_ready_o,
  input  wire logic [255:0]     job_key_i,
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

  typedef enum logic [3:0] {S_IDLE, S_HDR, S_IV, S_CT, S_ICV, S_WAIT, S_CMP, S_PAD, S_OUT, S_RES} state_e;
  localparam int unsigned BW = AW + 1;

  state_e state_q, state_d;
  logic [255:0] istate_q, ostate_q, dkey_q;
  logic dkey_v_q, sha256_q, esn_q;
  logic [31:0] seq_hi_q, spi_q;
  logic [63:0] hdr_q;
  logic [BW-1:0] nblk_q, in_blk_q, ret_q, rp_q, pl_blk_q;
  logic [LEN_W-1:0] ct_len_q, pl_len_q;
  logic [127:0] chain_q, rx_icv_q, icv_q;
  logic [15:0] last_q;  // pad length and next header, from the last plaintext block
  logic [63:0] carry_q;
  logic icv_v_q, bad_q;
  logic aes_done_q, mac_done_q;  // S_CT: this beat already taken by AES / by the MAC
  logic [7:0] status_q;

  // ---- length check (no crypto) ----
  logic [LEN_W-1:0] icv_len, ct_len;
  logic len_ok;
  assign icv_len = job_sha256_i ? LEN_W'(16) : LEN_W'(12);
  assign ct_len = job_len_i - LEN_W'(24) - icv_len;
  assign len_ok = job_len_i >= LEN_W'(24) + LEN_W'(16) + icv_len && ct_len[3:0] == 4'd0 &&
                  (ct_len >> 4) <= LEN_W'(MAX_BLK);

  // ---- decryption key ----
  logic ke_in_ready, ke_out_valid;
  logic [255:0] ke_dkey;
  /* verilator lint_off UNUSEDSIGNAL */
  logic ke_tag;
  /* verilator lint_on UNUSEDSIGNAL */
  aes_key_expand #(.TAG_W(1)) u_key_expand (
    .clk_i, .rst_ni,
    .in_valid_i(state_q == S_IDLE && job_valid_i && len_ok), .in_ready_o(ke_in_ready), .in_key_i(job_key_i),
    .in_tag_i(1'b0),
    .out_valid_o(ke_out_valid), .out_ready_i(1'b1), .out_dec_key_o(ke_dkey), .out_tag_o(ke_tag));

  // ---- AES-256 decryption: the tag carries the previous ciphertext block (or IV) and the block index ----
  logic aes_in_valid, aes_in_ready, aes_out_valid;
  logic [127:0] aes_out_block;
  logic [128+AW-1:0] aes_out_tag;
  logic [127:0] pt;
  logic [AW-1:0] pt_idx;
  assign pt = aes_out_block ^ aes_out_tag[128+AW-1:AW];
  assign pt_idx = aes_out_tag[AW-1:0];

  // ---- MAC ----
  logic mac_in_valid, mac_in_ready, mac_first, mac_last, mac_out_valid;
  logic [4:0] mac_nbytes;
  logic [127:0] mac_data, mac_icv;

  // A ciphertext beat goes to AES and to the MAC in the same cycle; the IV and ICV beats to the MAC only.
  always_comb begin
    in_ready_o = 1'b0;
    aes_in_valid = 1'b0;
    mac_in_valid = 1'b0;
    mac_first = 1'b0;
    mac_last = 1'b0;
    mac_nbytes = 5'd16;
    mac_data = {carry_q, in_data_i[127:64]};
    case (state_q)
      S_HDR: in_ready_o = 1'b1;
      S_IV: begin
        in_ready_o = mac_in_ready;
        mac_in_valid = in_valid_i;
        mac_first = 1'b1;
        mac_data = {hdr_q, in_data_i[127:64]};
      end
      S_CT: begin
        // AES and MAC take the beat independently (each valid stays up until taken); the beat is
        // consumed when both have it.
        in_ready_o = dkey_v_q && (aes_done_q || aes_in_ready) && (mac_done_q || mac_in_ready);
        aes_in_valid = in_valid_i && dkey_v_q && !aes_done_q;
        mac_in_valid = in_valid_i && dkey_v_q && !mac_done_q;
      end
      S_ICV: begin
        in_ready_o = mac_in_ready;
        mac_in_valid = in_valid_i;
        mac_last = 1'b1;
        mac_nbytes = esn_q ? 5'd12 : 5'd8;
        mac_data = {carry_q, seq_hi_q, 32'h0};
      end
      default: ;
    endcase
  end

  aes_cipher #(.DECRYPT(1'b1), .UNROLL(AES_UNROLL), .TAG_W(128 + AW)) u_aes (
    .clk_i, .rst_ni,
    .in_valid_i(aes_in_valid), .in_ready_o(aes_in_ready), .in_block_i(in_data_i), .in_key_i(dkey_q),
    .in_tag_i({chain_q, in_blk_q[AW-1:0]}),
    .out_valid_o(aes_out_valid), .out_ready_i(1'b1), .out_block_o(aes_out_block), .out_tag_o(aes_out_tag));

  esp_mac #(.SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND)) u_mac (
    .clk_i, .rst_ni,
    .in_valid_i(mac_in_valid), .in_ready_o(mac_in_ready), .in_sha256_i(sha256_q), .in_first_i(mac_first),
    .in_last_i(mac_last), .in_nbytes_i(mac_nbytes), .in_data_i(mac_data), .in_istate_i(istate_q),
    .in_ostate_i(ostate_q),
    .out_valid_o(mac_out_valid), .out_ready_i(1'b1), .out_icv_o(mac_icv));

  // ---- packet buffer: plaintext blocks ----
  logic [127:0] buf_q[MAX_BLK];
  // Registered read (block RAM): the address is the read pointer's next value, so rd_data always holds
  // buf_q[rp_q]. Reads start after the last write (S_CMP), so no read meets a write of the same block.
  logic [127:0] rd_data;
  logic [BW-1:0] rp_d;
  always_ff @(posedge clk_i) begin
    if (aes_out_valid) buf_q[pt_idx] <= pt;
    rd_data <= buf_q[rp_d[AW-1:0]];
  end

  // ---- ICV compare: constant time, the whole tag at once ----
  logic [127:0] icv_mask;
  logic icv_diff;
  assign icv_mask = sha256_q ? '1 : {96'hffffffff_ffffffff_ffffffff, 32'h0};
  assign icv_diff = |((icv_q ^ rx_icv_q) & icv_mask);

  // ---- padding check, one block per cycle over the blocks that hold padding ----
  logic [LEN_W-1:0] pad_end;  // offset of the pad length byte
  logic pad_bad_blk;
  assign pad_end = ct_len_q - LEN_W'(2);
  always_comb begin
    pad_bad_blk = 1'b0;
    for (int j = 0; j < 16; j++) begin
      logic [LEN_W-1:0] p;
      p = LEN_W'({rp_q, 4'd0}) + LEN_W'(j);
      if (p >= pl_len_q && p < pad_end && rd_data[127 - 8 * j -: 8] != 8'(p - pl_len_q + 1'b1))
        pad_bad_blk = 1'b1;
    end
  end

  // ---- control ----
  logic in_fire, out_fire, spi_bad;
  assign spi_bad = hdr_q[63:32] != spi_q;
  logic [7:0] padlen;
  assign in_fire = in_valid_i && in_ready_o;
  assign out_fire = out_valid_o && out_ready_i;
  assign padlen = last_q[15:8];
  assign job_ready_o = state_q == S_IDLE && ke_in_ready;

  assign out_valid_o = state_q == S_OUT;
  assign out_data_o = rd_data;
  assign out_last_o = rp_q == pl_blk_q - 1'b1;
  assign out_nbytes_o = out_last_o ? 5'(pl_len_q - LEN_W'({rp_q, 4'd0})) : 5'd16;

  assign res_valid_o = state_q == S_RES;
  assign res_status_o = status_q;
  assign res_len_o = status_q == 8'(hubsec_card_pkg::STATUS_OK) ? pl_len_q : '0;
  assign res_nh_o = status_q == 8'(hubsec_card_pkg::STATUS_OK) ? last_q[7:0] : '0;
  assign res_spi_o = hdr_q[63:32];
  assign res_seq_lo_o = hdr_q[31:0];

  always_comb begin
    state_d = state_q;
    case (state_q)
      S_IDLE: if (job_valid_i && job_ready_o) state_d = len_ok ? S_HDR : S_RES;
      S_HDR: if (in_fire) state_d = S_IV;
      S_IV: if (in_fire) state_d = S_CT;
      S_CT: if (in_fire && in_blk_q == nblk_q - 1'b1) state_d = S_ICV;
      S_ICV: if (in_fire) state_d = S_WAIT;
      S_WAIT: if (icv_v_q && ret_q == nblk_q) state_d = S_CMP;
      S_CMP: state_d = (spi_bad || icv_diff || {8'h0, padlen} > pad_end) ? S_RES : S_PAD;
      S_PAD: if (rp_q == nblk_q - 1'b1) state_d = (bad_q || pad_bad_blk || pl_len_q == '0) ? S_RES : S_OUT;
      S_OUT: if (out_fire && out_last_o) state_d = S_RES;
      S_RES: if (res_ready_i) state_d = S_IDLE;
      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) state_q <= S_IDLE;
    else state_q <= state_d;
  end

  // read pointer: the first block with padding (S_CMP), one block per cycle over the padding (S_PAD), then
  // from block 0 one per output beat (S_OUT)
  always_comb begin
    rp_d = rp_q;
    case (state_q)
      S_CMP: rp_d = BW'((pad_end - {8'h0, padlen}) >> 4);
      S_PAD: rp_d = (rp_q == nblk_q - 1'b1) ? '0 : rp_q + 1'b1;
      S_OUT: if (out_fire) rp_d = rp_q + 1'b1;
      default: ;
    endcase
  end
  always_ff @(posedge clk_i) rp_q <= rp_d;

  always_ff @(posedge clk_i) begin
    case (state_q)
      S_IDLE: if (job_valid_i && job_ready_o) begin
        istate_q <= job_istate_i;
        ostate_q <= job_ostate_i;
        sha256_q <= job_sha256_i;
        esn_q <= job_esn_i;
        seq_hi_q <= job_seq_hi_i;
        spi_q <= job_spi_i;
        ct_len_q <= ct_len;
        nblk_q <= BW'(ct_len >> 4);
        in_blk_q <= '0;
        ret_q <= '0;
        icv_v_q <= 1'b0;
        dkey_v_q <= 1'b0;
        hdr_q <= '0;
        status_q <= len_ok ? 8'(hubsec_card_pkg::STATUS_OK) : 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
      end
      S_HDR: if (in_fire) hdr_q <= in_data_i[127:64];
      S_IV: if (in_fire) begin
        chain_q <= in_data_i;
        carry_q <= in_data_i[63:0];
      end
      S_CT: if (in_fire) begin
        chain_q <= in_data_i;
        carry_q <= in_data_i[63:0];
        in_blk_q <= in_blk_q + 1'b1;
      end
      S_ICV: if (in_fire) rx_icv_q <= in_data_i;
      S_CMP: begin
        // status first from the ICV alone; the padding is looked at only when it passed
        if (spi_bad) status_q <= 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
        else if (icv_diff) status_q <= 8'(hubsec_card_pkg::STATUS_ICV_MISMATCH);
        else if ({8'h0, padlen} > pad_end) status_q <= 8'(hubsec_card_pkg::STATUS_BAD_PADDING);
        pl_len_q <= pad_end - {8'h0, padlen};
        pl_blk_q <= BW'((pad_end - {8'h0, padlen} + LEN_W'(15)) >> 4);
        bad_q <= 1'b0;
      end
      S_PAD: begin
        bad_q <= bad_q || pad_bad_blk;
        if (rp_q == nblk_q - 1'b1 && (bad_q || pad_bad_blk))
          status_q <= 8'(hubsec_card_pkg::STATUS_BAD_PADDING);
      end
      default: ;
    endcase
    if (in_fire || state_q != S_CT) begin
      aes_done_q <= 1'b0;
      mac_done_q <= 1'b0;
    end else begin
      if (aes_in_valid && aes_in_ready) aes_done_q <= 1'b1;
      if (mac_in_valid && mac_in_ready) mac_done_q <= 1'b1;
    end
    if (ke_out_valid) begin
      dkey_q <= ke_dkey;
      dkey_v_q <= 1'b1;
    end
    if (aes_out_valid) begin
      ret_q <= ret_q + 1'b1;
      if (pt_idx == AW'(nblk_q - 1'b1)) last_q <= pt[15:0];
    end
    if (mac_out_valid) begin
      icv_q <= mac_icv;
      icv_v_q <= 1'b1;
    end
  end

endmodule

`default_nettype wire
