// esp_outbound: one lane of the outbound ESP datapath (RFC 4303, AES-256-CBC, HMAC-SHA1-96 or
// HMAC-SHA-256-128) with up to NSLOT packets in flight, results in job order.
//
// Job: the SA context (AES-256 key, HMAC inner/outer states left-aligned in 256 bits, algorithm, ESN),
// SPI, 64-bit sequence number, the 16-byte IV (job-supplied), payload length and next header.
// Payload: ceil(len / 16) beats of 16 bytes (bytes past the length in the last beat are ignored), the
// packets' beats one packet after the other in job order.
// Output: per packet, in job order, the ESP packet SPI | SN | IV | AES-256-CBC(payload | 1, 2, 3.. |
// pad length | next header) | ICV as beats: the header (8 bytes, in bits [127:64]), the IV, one beat per
// ciphertext block, the ICV (12 or 16 bytes, left-aligned, out_last_o). out_nbytes_o gives each beat's byte
// count; the DMA side packs them. Result: the packet length, after the ICV beat; the next packet's beats
// follow the result handshake.
//
// Many packets in flight. A job takes a packet slot (NSLOT, used in job order, freed in job order when the
// result is taken) and its padded length in the packet ring (RING_BLK blocks, allocated and freed in job
// order); it waits (job_ready_o low) while no slot or too little ring is free. Its payload beats go into
// the plaintext ring. Each slot keeps its own context (key, CBC chain = IV then its last ciphertext block,
// block counters). A round-robin picks, every cycle, a slot whose next plaintext block is in (trailer-only
// blocks need no beat) and not yet prepared; the next cycle the block is built (payload, then padding 1, 2,
// 3.., pad length, next header). A slot with nothing in AES sends it at once (XORed with its chain) to the
// shared AES pipeline, tagged with its slot and ring address; a slot whose previous block is still in AES
// keeps it in its prefetch register, and when that previous block leaves AES the prepared block is XORed
// with it and sent back into AES in the same cycle (the bypass takes the AES input before the round-robin
// path). So a slot's CBC round trip is the AES latency (14: aes_cipher without entry register), and up to
// 14 slots fill the AES stages. Each ciphertext block is written into the ciphertext ring (for the
// output) and into esp_auth's copy (the MAC, HMAC engine context = slot). The output stage sends the oldest
// packet's header, IV and ciphertext blocks as they become available, then its ICV, then the result.
`default_nettype none

module esp_outbound #(
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 10,    // esp_mac round units (low-latency mode): 16 bytes/cycle
  parameter int unsigned SHA256_N_RND = 8,   // each engine
  parameter int unsigned LEN_W = 16,       // payload length width in bytes
  parameter int unsigned NSLOT = 64,       // packets in flight; power of two, >= 2
  parameter int unsigned RING_BLK = 8192   // packet ring in 16-byte blocks; power of two, >= the largest packet
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

  localparam int unsigned BW = LEN_W - 3;  // block count width (padded length / 16, + 1)
  localparam int unsigned SW = $clog2(NSLOT);
  localparam int unsigned AW = $clog2(RING_BLK);

  // ---- per-slot context (written when the job is taken) and progress ----
  logic [NSLOT-1:0] act_q, infl_q, nxt_v_q, icv_ok_q, sha256_q;  // infl: a block in AES; nxt_v: one prepared
  logic [255:0] key_q[NSLOT];
  logic [127:0] nxt_q[NSLOT];        // the prepared next plaintext block (not chained yet)
  logic [AW-1:0] nxt_addr_q[NSLOT];  // its ring address
  logic [31:0] spi_q[NSLOT];
  logic [31:0] seq_lo_q[NSLOT];
  logic [127:0] iv_q[NSLOT], chain_q[NSLOT], icv_q[NSLOT];
  logic [LEN_W-1:0] len_q[NSLOT];
  logic [7:0] nh_q[NSLOT];
  logic [BW-1:0] nblk_q[NSLOT], npl_q[NSLOT];  // padded blocks; payload beats
  logic [BW-1:0] in_cnt_q[NSLOT], blk_q[NSLOT], ret_q[NSLOT];  // beats in; blocks issued; blocks back
  logic [AW-1:0] base_q[NSLOT];

  // ---- jobs: a packet slot and the padded length in the ring, both in job order ----
  logic [LEN_W:0] job_padded;
  logic [BW-1:0] job_nblk;
  logic job_fire, release_fire, space, has;
  logic [SW-1:0] ts, hs, hs_d, is;  // slots: the job taken, the oldest (output), the payload input
  logic [AW-1:0] wp;
  assign job_padded = ({1'b0, job_len_i} + (LEN_W + 1)'(17)) & ~(LEN_W + 1)'(15);
  assign job_nblk = BW'(job_padded >> 4);
  assign job_ready_o = space;
  assign job_fire = job_valid_i && job_ready_o;
  esp_slot_alloc #(.NSLOT(NSLOT), .RING_BLK(RING_BLK), .BW(BW)) u_alloc (
    .clk_i, .rst_ni, .need_i(job_nblk), .space_o(space), .alloc_i(job_fire), .tail_o(ts), .base_o(wp),
    .release_i(release_fire), .release_blk_i(nblk_q[hs]), .head_o(hs), .head_next_o(hs_d), .busy_o(has));

  // ---- payload beats into the plaintext ring ----
  logic [SW:0] ip_q;  // payload input pointer (one wrap bit)
  logic [SW:0] tl_q;  // jobs taken, the same count as the allocator's tail
  logic in_pend, pl_fire;
  assign is = ip_q[SW-1:0];
  assign in_pend = ip_q != tl_q;
  assign pl_ready_o = in_pend && in_cnt_q[is] != npl_q[is];
  assign pl_fire = pl_valid_i && pl_ready_o;

  // ---- AES issue: pick a slot, read its plaintext block, build it; then into AES or the prefetch register ----
  logic [NSLOT-1:0] cand;
  logic pick_v, take;
  logic [SW-1:0] pick;
  logic iv_v_q;            // build stage holds a block
  logic [SW-1:0] iss_q;    // its slot
  logic [BW-1:0] ib_q;     // its block index
  always_comb begin
    for (int s = 0; s < NSLOT; s++)
      cand[s] = act_q[s] && !nxt_v_q[s] && !(iv_v_q && iss_q == SW'(s)) && blk_q[s] != nblk_q[s] &&
                (blk_q[s] < in_cnt_q[s] || blk_q[s] >= npl_q[s]);
  end
  esp_rr_pick #(.N(NSLOT)) u_pick (.clk_i, .rst_ni, .cand_i(cand), .take_i(take), .valid_o(pick_v), .idx_o(pick));

  logic [127:0] pt_rd;
  esp_ring #(.DEPTH(RING_BLK), .W(128)) u_pt_ring (
    .clk_i, .we_i(pl_fire), .waddr_i(base_q[is] + AW'(in_cnt_q[is])), .wdata_i(pl_data_i),
    .re_i(take && pick_v), .raddr_i(base_q[pick] + AW'(blk_q[pick])), .rdata_o(pt_rd));

  // plaintext block: payload bytes, then padding 1, 2, 3.., pad length, next header
  logic [LEN_W:0] blk_base, padded, plen;
  logic [127:0] pt;
  logic [7:0] padlen;  // < 16: the padding only completes the last block
  assign blk_base = {ib_q, 4'd0};
  assign padded = {nblk_q[iss_q], 4'd0};
  assign plen = {1'b0, len_q[iss_q]};
  assign padlen = 8'(padded - plen - (LEN_W + 1)'(2));
  always_comb begin
    for (int j = 0; j < 16; j++) begin
      logic [LEN_W:0] p;
      p = blk_base + (LEN_W + 1)'(j);
      if (p < plen) pt[127 - 8 * j -: 8] = pt_rd[127 - 8 * j -: 8];
      else if (p < padded - (LEN_W + 1)'(2)) pt[127 - 8 * j -: 8] = 8'(p - plen + 1'b1);
      else if (p == padded - (LEN_W + 1)'(2)) pt[127 - 8 * j -: 8] = padlen;
      else pt[127 - 8 * j -: 8] = nh_q[iss_q];
    end
  end

  logic aes_out_valid;
  logic [127:0] aes_out_block;
  logic [SW+AW-1:0] aes_out_tag;
  logic [SW-1:0] rs;       // slot of the returning block
  logic [AW-1:0] raddr;    // its ring address
  assign rs = aes_out_tag[SW+AW-1:AW];
  assign raddr = aes_out_tag[AW-1:0];

  // Where the built block goes. Its slot has a block in AES: into the prefetch register, except in the
  // cycle that block returns (then it waits a cycle and goes straight in, with the chain updated). Its
  // slot has none: into AES with the chain, when the bypass does not take the AES input.
  logic byp, b_ret, b_to_nxt, b_direct, aes_in_ready, aes_issue;
  logic [SW-1:0] aes_slot;
  assign byp = aes_out_valid && nxt_v_q[rs];
  assign b_ret = aes_out_valid && rs == iss_q;
  assign b_to_nxt = iv_v_q && infl_q[iss_q] && !b_ret;
  assign b_direct = iv_v_q && !infl_q[iss_q] && !byp && aes_in_ready;
  assign take = !iv_v_q || b_to_nxt || b_direct;
  // Offered only when taken: aes_in_ready does not depend on the input (a block leaving AES always frees
  // the input: the output is always taken), so no offer is ever withdrawn.
  assign aes_issue = byp || b_direct;
  assign aes_slot = byp ? rs : iss_q;

  aes_cipher #(.DECRYPT(1'b0), .UNROLL(AES_UNROLL), .TAG_W(SW + AW), .ENTRY_REG(1'b0)) u_aes (
    .clk_i, .rst_ni,
    .in_valid_i(aes_issue), .in_ready_o(aes_in_ready),
    .in_block_i(byp ? nxt_q[rs] ^ aes_out_block : pt ^ chain_q[iss_q]), .in_key_i(key_q[aes_slot]),
    .in_tag_i({aes_slot, byp ? nxt_addr_q[rs] : base_q[iss_q] + AW'(ib_q)}),
    .out_valid_o(aes_out_valid), .out_ready_i(1'b1), .out_block_o(aes_out_block), .out_tag_o(aes_out_tag));

  // ---- MAC over the ciphertext blocks ----
  logic icv_valid;
  logic [SW-1:0] icv_slot;
  logic [127:0] icv;
  logic [NSLOT-1:0][BW-1:0] avail;
  always_comb for (int s = 0; s < NSLOT; s++) avail[s] = ret_q[s];

  esp_auth #(.SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND), .NSLOT(NSLOT), .RING_BLK(RING_BLK),
             .BW(BW)) u_auth (
    .clk_i, .rst_ni,
    .open_i(job_fire), .open_slot_i(ts), .open_sha256_i(job_sha256_i), .open_esn_i(job_esn_i),
    .open_seq_hi_i(job_seq_i[63:32]), .open_istate_i(job_istate_i), .open_ostate_i(job_ostate_i),
    .open_nblk_i(job_nblk), .open_base_i(wp),
    .hdr_i(job_fire), .hdr_slot_i(ts), .hdr_data_i({job_spi_i, job_seq_i[31:0]}), .hdr_iv_i(job_iv_i),
    .ct_we_i(aes_out_valid), .ct_addr_i(raddr), .ct_data_i(aes_out_block), .avail_i(avail),
    .icv_valid_o(icv_valid), .icv_slot_o(icv_slot), .icv_o(icv));

  // ---- output, in job order ----
  typedef enum logic [2:0] {O_HDR, O_IV, O_CT, O_ICV, O_RES} ostate_e;
  ostate_e os_q, os_d;
  logic [BW-1:0] rp_q, rp_d;
  logic [127:0] ct_rd;
  logic out_fire;
  assign out_fire = out_valid_o && out_ready_i;
  assign release_fire = res_valid_o && res_ready_i;

  // The read address is the pointer's next value, so ct_rd holds block rp_q of the head packet (the ring
  // returns a block written in the same cycle as its read).
  esp_ring #(.DEPTH(RING_BLK), .W(128)) u_ct_ring (
    .clk_i, .we_i(aes_out_valid), .waddr_i(raddr), .wdata_i(aes_out_block),
    .re_i(1'b1), .raddr_i(base_q[hs_d] + AW'(rp_d)), .rdata_o(ct_rd));

  always_comb begin
    out_valid_o = 1'b0;
    out_data_o = ct_rd;
    out_nbytes_o = 5'd16;
    out_last_o = 1'b0;
    unique case (os_q)
      O_HDR: begin
        out_valid_o = has;
        out_data_o = {spi_q[hs], seq_lo_q[hs], 64'h0};
        out_nbytes_o = 5'd8;
      end
      O_IV: begin
        out_valid_o = 1'b1;
        out_data_o = iv_q[hs];
      end
      O_CT: out_valid_o = rp_q != ret_q[hs];
      O_ICV: begin
        out_valid_o = icv_ok_q[hs];
        out_data_o = icv_q[hs];
        out_nbytes_o = sha256_q[hs] ? 5'd16 : 5'd12;
        out_last_o = 1'b1;
      end
      default: ;
    endcase
  end
  assign res_valid_o = os_q == O_RES;
  assign res_len_o = (LEN_W + 1)'(24) + {nblk_q[hs], 4'd0} +
                     (sha256_q[hs] ? (LEN_W + 1)'(16) : (LEN_W + 1)'(12));

  always_comb begin
    os_d = os_q;
    rp_d = rp_q;
    unique case (os_q)
      O_HDR: if (out_fire) os_d = O_IV;
      O_IV: if (out_fire) os_d = O_CT;
      O_CT: if (out_fire) begin
        rp_d = rp_q + 1'b1;
        if (rp_d == nblk_q[hs]) os_d = O_ICV;
      end
      O_ICV: if (out_fire) os_d = O_RES;
      default: if (release_fire) begin
        os_d = O_HDR;
        rp_d = '0;
      end
    endcase
  end

  // ---- state ----
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tl_q <= '0;
      ip_q <= '0;
      os_q <= O_HDR;
      rp_q <= '0;
      iv_v_q <= 1'b0;
      act_q <= '0;
      infl_q <= '0;
      nxt_v_q <= '0;
      icv_ok_q <= '0;
    end else begin
      os_q <= os_d;
      rp_q <= rp_d;
      if (job_fire) begin
        tl_q <= tl_q + 1'b1;
        act_q[ts] <= 1'b1;
        icv_ok_q[ts] <= 1'b0;
      end
      if (release_fire) act_q[hs] <= 1'b0;
      // the payload pointer moves past a packet with its last beat (or at once with no payload)
      if (in_pend && (npl_q[is] == '0 || (pl_fire && in_cnt_q[is] + 1'b1 == npl_q[is]))) ip_q <= ip_q + 1'b1;
      if (take) iv_v_q <= pick_v;
      if (aes_out_valid) infl_q[rs] <= 1'b0;
      if (aes_issue) infl_q[aes_slot] <= 1'b1;  // (the bypass: the same slot, in again)
      if (byp) nxt_v_q[rs] <= 1'b0;
      if (b_to_nxt) nxt_v_q[iss_q] <= 1'b1;
      if (icv_valid) icv_ok_q[icv_slot] <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (job_fire) begin
      key_q[ts] <= job_key_i;
      sha256_q[ts] <= job_sha256_i;
      spi_q[ts] <= job_spi_i;
      seq_lo_q[ts] <= job_seq_i[31:0];
      iv_q[ts] <= job_iv_i;
      chain_q[ts] <= job_iv_i;
      len_q[ts] <= job_len_i;
      nh_q[ts] <= job_nh_i;
      nblk_q[ts] <= job_nblk;
      npl_q[ts] <= BW'(({1'b0, job_len_i} + (LEN_W + 1)'(15)) >> 4);
      base_q[ts] <= wp;
      in_cnt_q[ts] <= '0;
      blk_q[ts] <= '0;
      ret_q[ts] <= '0;
    end
    if (pl_fire) in_cnt_q[is] <= in_cnt_q[is] + 1'b1;
    if (take && pick_v) begin
      iss_q <= pick;
      ib_q <= blk_q[pick];
      blk_q[pick] <= blk_q[pick] + 1'b1;
    end
    if (b_to_nxt) begin
      nxt_q[iss_q] <= pt;
      nxt_addr_q[iss_q] <= base_q[iss_q] + AW'(ib_q);
    end
    if (aes_out_valid) begin
      chain_q[rs] <= aes_out_block;
      ret_q[rs] <= ret_q[rs] + 1'b1;
    end
    if (icv_valid) icv_q[icv_slot] <= icv;
  end

`ifndef SYNTHESIS
  esp_hold_check #(.W(LEN_W + 8 + 128 + 64 + 32 + 1 + 1), .NAME("esp_outbound job")) u_chk_job (
    .clk_i, .rst_ni, .valid_i(job_valid_i), .ready_i(job_ready_o),
    .payload_i({job_len_i, job_nh_i, job_iv_i, job_seq_i, job_spi_i, job_esn_i, job_sha256_i}));
  esp_hold_check #(.W(128), .NAME("esp_outbound payload")) u_chk_pl (
    .clk_i, .rst_ni, .valid_i(pl_valid_i), .ready_i(pl_ready_o), .payload_i(pl_data_i));
  esp_hold_check #(.W(128 + 5 + 1), .NAME("esp_outbound out")) u_chk_out (
    .clk_i, .rst_ni, .valid_i(out_valid_o), .ready_i(out_ready_i),
    .payload_i({out_data_o, out_nbytes_o, out_last_o}));
  esp_hold_check #(.W(LEN_W + 1), .NAME("esp_outbound result")) u_chk_res (
    .clk_i, .rst_ni, .valid_i(res_valid_o), .ready_i(res_ready_i), .payload_i(res_len_o));
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(aes_out_valid && !infl_q[rs])) else $error("esp_outbound: AES block for a slot with none in flight");
      assert (!(job_fire && act_q[ts])) else $error("esp_outbound: job into a busy slot");
      assert (!(aes_issue && !aes_in_ready)) else $error("esp_outbound: AES input offered and not taken");
      assert (!(aes_issue && !byp && infl_q[aes_slot])) else $error("esp_outbound: two blocks of a slot in AES");
      assert (!(b_to_nxt && nxt_v_q[iss_q])) else $error("esp_outbound: second prepared block");
      assert (!(job_fire && pl_fire && ts == is)) else $error("esp_outbound: payload for a slot being opened");
      assert (!(job_valid_i && (AW + BW + 1)'(job_nblk) > (AW + BW + 1)'(RING_BLK)))
      else $error("esp_outbound: a packet larger than the ring would wait for ever");
    end
  end
`endif

endmodule

`default_nettype wire
