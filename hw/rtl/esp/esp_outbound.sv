// esp_outbound: one lane of the outbound ESP datapath (RFC 4303, AES-256-CBC, HMAC-SHA1-96 or
// HMAC-SHA-256-128), one packet at a time.
//
// Job: the SA context (AES-256 key, HMAC inner/outer states left-aligned in 256 bits, algorithm, ESN),
// SPI, 64-bit sequence number, the 16-byte IV (job-supplied), payload length and next header.
// Payload: ceil(len / 16) beats of 16 bytes (bytes past the length in the last beat are ignored).
// Output: the ESP packet SPI | SN | IV | AES-256-CBC(payload | 1, 2, 3.. | pad length | next header) | ICV
// as beats: the header (8 bytes, in bits [127:64]), the IV, one beat per ciphertext block, the ICV (12 or 16
// bytes, left-aligned, out_last_o). out_nbytes_o gives each beat's byte count; the DMA side packs them.
// Result: the packet length, after the ICV beat.
//
// The MAC runs over each ciphertext block as it leaves AES (SPI | SN | IV | C0 | C1 ..., then the ESN high
// half when ESN is on), realigned to 16-byte beats with an 8-byte carry, so the ICV follows the last block
// by the HMAC's finishing latency only. CBC chains each block on the previous ciphertext: one block in the
// AES pipeline at a time per packet.
`default_nettype none

module esp_outbound #(
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 40,
  parameter int unsigned SHA256_N_RND = 32,
  parameter int unsigned LEN_W = 16  // payload length width in bytes
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
  input  wire logic             job_sha256_i,  // 1: HMAC-SHA-256-128, 0: HMAC-SHA1-96
  input  wire logic [255:0]     job_istate_i,
  input  wire logic [255:0]     job_ostate_i,
  input  wire logic             job_esn_i,
  input  wire logic [31:0]      job_spi_i,
  input  wire logic [63:0]      job_seq_i,
  input  wire logic [127:0]     job_iv_i,
  input  wire logic [LEN_W-1:0] job_len_i,
  input  wire logic [7:0]       job_nh_i,
  // payload beats
  input  wire logic             pl_valid_i,
  output logic                  pl_ready_o,
  input  wire logic [127:0]     pl_data_i,
  // ESP packet beats
  output logic                  out_valid_o,
  input  wire logic             out_ready_i,
  output logic [127:0]          out_data_o,
  output logic [4:0]            out_nbytes_o,
  output logic                  out_last_o,
  // result
  output logic                  res_valid_o,
  input  wire logic             res_ready_i,
  output logic [LEN_W:0]        res_len_o       // ESP packet length in bytes
);

  typedef enum logic [2:0] {S_IDLE, S_HDR, S_IV, S_BLK, S_WAIT, S_EMIT, S_MACLAST, S_ICV} state_e;
  localparam int unsigned BW = LEN_W - 3;  // block count width (padded length / 16, + 1)

  state_e state_q, state_d;
  logic [255:0] key_q, istate_q, ostate_q;
  logic sha256_q, esn_q;
  logic [31:0] spi_q;
  logic [63:0] seq_q;
  logic [127:0] iv_q;
  logic [LEN_W-1:0] len_q;
  logic [7:0] nh_q;
  logic [LEN_W:0] padded_q;   // payload + padding + trailer, a multiple of 16
  logic [BW-1:0] nblk_q, blk_q;
  logic [127:0] chain_q;      // IV, then the last ciphertext block
  logic [63:0] carry_q;       // MAC realignment: the 8 bytes not yet sent to the MAC
  logic odone_q, mdone_q;     // the output / MAC beat of the current step is done

  // ---- plaintext block: payload bytes, then padding 1, 2, 3.., pad length, next header ----
  logic [LEN_W:0] blk_base;
  logic need_pl;
  logic [127:0] pt;
  logic [7:0] padlen;  // < 16 here: the padding only completes the last block
  assign blk_base = {blk_q, 4'd0};
  assign need_pl = blk_base < {1'b0, len_q};
  assign padlen = 8'(padded_q - {1'b0, len_q} - (LEN_W + 1)'(2));
  always_comb begin
    for (int j = 0; j < 16; j++) begin
      logic [LEN_W:0] p;
      p = blk_base + (LEN_W + 1)'(j);
      if (p < {1'b0, len_q}) pt[127 - 8 * j -: 8] = pl_data_i[127 - 8 * j -: 8];
      else if (p < padded_q - (LEN_W + 1)'(2)) pt[127 - 8 * j -: 8] = 8'(p - {1'b0, len_q} + 1'b1);
      else if (p == padded_q - (LEN_W + 1)'(2)) pt[127 - 8 * j -: 8] = padlen;
      else pt[127 - 8 * j -: 8] = nh_q;
    end
  end

  // ---- AES-256 encryption ----
  logic aes_in_valid, aes_in_ready, aes_out_valid, aes_out_ready;
  logic [127:0] aes_out_block;
  /* verilator lint_off UNUSEDSIGNAL */
  logic aes_out_tag;
  /* verilator lint_on UNUSEDSIGNAL */
  assign aes_in_valid = state_q == S_BLK && (!need_pl || pl_valid_i);
  assign pl_ready_o = state_q == S_BLK && need_pl && aes_in_ready;
  assign aes_out_ready = state_q == S_WAIT;

  aes_cipher #(.DECRYPT(1'b0), .UNROLL(AES_UNROLL), .TAG_W(1)) u_aes (
    .clk_i, .rst_ni,
    .in_valid_i(aes_in_valid), .in_ready_o(aes_in_ready), .in_block_i(pt ^ chain_q), .in_key_i(key_q),
    .in_tag_i(1'b0),
    .out_valid_o(aes_out_valid), .out_ready_i(aes_out_ready), .out_block_o(aes_out_block),
    .out_tag_o(aes_out_tag));

  // ---- MAC ----
  logic mac_in_valid, mac_in_ready, mac_first, mac_last, mac_out_valid, mac_out_ready;
  logic [4:0] mac_nbytes;
  logic [127:0] mac_data, mac_icv;
  always_comb begin
    mac_in_valid = 1'b0;
    mac_first = 1'b0;
    mac_last = 1'b0;
    mac_nbytes = 5'd16;
    mac_data = {carry_q, chain_q[127:64]};
    case (state_q)
      S_IV: begin
        mac_in_valid = !mdone_q;
        mac_first = 1'b1;
        mac_data = {spi_q, seq_q[31:0], iv_q[127:64]};
      end
      S_EMIT: mac_in_valid = !mdone_q;
      S_MACLAST: begin
        mac_in_valid = 1'b1;
        mac_last = 1'b1;
        mac_nbytes = esn_q ? 5'd12 : 5'd8;
        mac_data = {carry_q, seq_q[63:32], 32'h0};
      end
      default: ;
    endcase
  end
  assign mac_out_ready = state_q == S_ICV && !odone_q && out_ready_i;  // taken with the ICV beat

  esp_mac #(.SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND)) u_mac (
    .clk_i, .rst_ni,
    .in_valid_i(mac_in_valid), .in_ready_o(mac_in_ready), .in_sha256_i(sha256_q), .in_first_i(mac_first),
    .in_last_i(mac_last), .in_nbytes_i(mac_nbytes), .in_data_i(mac_data), .in_istate_i(istate_q),
    .in_ostate_i(ostate_q),
    .out_valid_o(mac_out_valid), .out_ready_i(mac_out_ready), .out_icv_o(mac_icv));

  // ---- output beats ----
  always_comb begin
    out_valid_o = 1'b0;
    out_data_o = chain_q;
    out_nbytes_o = 5'd16;
    out_last_o = 1'b0;
    case (state_q)
      S_HDR: begin
        out_valid_o = 1'b1;
        out_data_o = {spi_q, seq_q[31:0], 64'h0};
        out_nbytes_o = 5'd8;
      end
      S_IV: begin
        out_valid_o = !odone_q;
        out_data_o = iv_q;
      end
      S_EMIT: out_valid_o = !odone_q;
      S_ICV: begin
        out_valid_o = !odone_q && mac_out_valid;
        out_data_o = mac_icv;
        out_nbytes_o = sha256_q ? 5'd16 : 5'd12;
        out_last_o = 1'b1;
      end
      default: ;
    endcase
  end

  logic out_fire, mac_fire, step_done;
  assign out_fire = out_valid_o && out_ready_i;
  assign mac_fire = mac_in_valid && mac_in_ready;
  assign step_done = (odone_q || out_fire) && (mdone_q || mac_fire);
  assign job_ready_o = state_q == S_IDLE;
  assign res_valid_o = state_q == S_ICV && odone_q;
  assign res_len_o = (LEN_W + 1)'(24) + padded_q + (sha256_q ? (LEN_W + 1)'(16) : (LEN_W + 1)'(12));

  always_comb begin
    state_d = state_q;
    case (state_q)
      S_IDLE: if (job_valid_i) state_d = S_HDR;
      S_HDR: if (out_fire) state_d = S_IV;
      S_IV: if (step_done) state_d = S_BLK;
      S_BLK: if (aes_in_valid && aes_in_ready) state_d = S_WAIT;
      S_WAIT: if (aes_out_valid) state_d = S_EMIT;
      S_EMIT: if (step_done) state_d = (blk_q == nblk_q) ? S_MACLAST : S_BLK;
      S_MACLAST: if (mac_fire) state_d = S_ICV;
      S_ICV: if (res_valid_o && res_ready_i) state_d = S_IDLE;
      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) state_q <= S_IDLE;
    else state_q <= state_d;
  end

  always_ff @(posedge clk_i) begin
    if (state_q == S_IDLE && job_valid_i) begin
      key_q <= job_key_i;
      istate_q <= job_istate_i;
      ostate_q <= job_ostate_i;
      sha256_q <= job_sha256_i;
      esn_q <= job_esn_i;
      spi_q <= job_spi_i;
      seq_q <= job_seq_i;
      iv_q <= job_iv_i;
      chain_q <= job_iv_i;
      len_q <= job_len_i;
      nh_q <= job_nh_i;
      padded_q <= ({1'b0, job_len_i} + (LEN_W + 1)'(17)) & ~(LEN_W + 1)'(15);
      nblk_q <= BW'((({1'b0, job_len_i} + (LEN_W + 1)'(17)) >> 4));
      blk_q <= '0;
    end
    if (state_q == S_IV && step_done) carry_q <= iv_q[63:0];
    if (state_q == S_BLK && aes_in_valid && aes_in_ready) blk_q <= blk_q + 1'b1;
    if (state_q == S_WAIT && aes_out_valid) chain_q <= aes_out_block;
    if (state_q == S_EMIT && step_done) carry_q <= chain_q[63:0];
    // per-step handshake flags: cleared at every state change
    if (state_d != state_q) begin
      odone_q <= 1'b0;
      mdone_q <= 1'b0;
    end else begin
      if (out_fire) odone_q <= 1'b1;
      if (mac_fire) mdone_q <= 1'b1;
    end
  end

endmodule

`default_nettype wire
