// esp_auth: the ICV side of an ESP lane with many packets in flight. Per packet slot it computes the HMAC
// over SPI | SN | IV | C0 | C1 .. C(n-1) (| SN high half with ESN), feeding the ciphertext blocks as the
// lane makes them available, and returns each slot's ICV (truncated, left-aligned, as esp_mac).
//
// The lane opens a slot's message (open_*: algorithm, ESN, SN high half, HMAC states, block count and the
// ring address of C0), gives its header and IV (hdr_*: with the open, or later), writes every ciphertext
// block into this unit's copy of the packet ring (ct_*) and says per slot how many blocks are there
// (avail_i). The slots use the HMAC engines' contexts (context = slot). A round-robin feeder picks, each
// cycle, a slot whose next beat is available and whose engine context has room (sha_engine in_space_o),
// reads the block from the ring copy and sends the beat; the 24 bytes of header and IV put every block
// 8 bytes off the 16-byte beat grid, so a per-slot 8-byte carry realigns it (beat k = carry | C(k-1)[0:8],
// carry = C(k-1)[8:16]); the last beat is the carry plus, with ESN, the 4 high sequence bytes. A slot is
// never fed in two consecutive cycles (its engine buffer may just have filled), so one slot's wait never
// blocks the shared port.
`default_nettype none

module esp_auth #(
  parameter int unsigned SHA1_N_RND = 10,   // round units of esp_mac's cores (low-latency mode: 16 bytes/cycle)
  parameter int unsigned SHA256_N_RND = 8,
  parameter int unsigned NSLOT = 64,     // packet slots; power of two, >= 2
  parameter int unsigned RING_BLK = 8192, // ring depth in blocks; power of two
  parameter int unsigned BW = 13,        // block count width
  localparam int unsigned SW = $clog2(NSLOT),
  localparam int unsigned AW = $clog2(RING_BLK)
) (
  input  wire logic                      clk_i,
  input  wire logic                      rst_ni,
  // open a slot's message
  input  wire logic                      open_i,
  input  wire logic [SW-1:0]             open_slot_i,
  input  wire logic                      open_sha256_i,
  input  wire logic                      open_esn_i,
  input  wire logic [31:0]               open_seq_hi_i,
  input  wire logic [255:0]              open_istate_i,
  input  wire logic [255:0]              open_ostate_i,
  input  wire logic [BW-1:0]             open_nblk_i,
  input  wire logic [AW-1:0]             open_base_i,
  // header (SPI | SN low) and IV of a slot
  input  wire logic                      hdr_i,
  input  wire logic [SW-1:0]             hdr_slot_i,
  input  wire logic [63:0]               hdr_data_i,
  input  wire logic [127:0]              hdr_iv_i,
  // ciphertext blocks
  input  wire logic                      ct_we_i,
  input  wire logic [AW-1:0]             ct_addr_i,
  input  wire logic [127:0]              ct_data_i,
  input  wire logic [NSLOT-1:0][BW-1:0]  avail_i,
  // ICVs
  output logic                           icv_valid_o,
  output logic [SW-1:0]                  icv_slot_o,
  output logic [127:0]                   icv_o
);

  typedef enum logic [1:0] {K_FIRST, K_MID, K_LAST} kind_e;

  // ---- per-slot message state ----
  logic [NSLOT-1:0] open_q, hdr_ok_q, sha256_q, esn_q;
  logic [31:0] seq_hi_q[NSLOT];
  logic [255:0] istate_q[NSLOT], ostate_q[NSLOT];
  logic [BW-1:0] nblk_q[NSLOT];
  logic [AW-1:0] base_q[NSLOT];
  logic [63:0] hdr_q[NSLOT], carry_q[NSLOT];
  logic [127:0] iv_q[NSLOT];
  logic [BW:0] mcnt_q[NSLOT];  // next beat: 0 header | IV high, 1..n blocks, n + 1 the last

  // ---- ring copy ----
  logic rd_en;
  logic [AW-1:0] rd_addr;
  logic [127:0] rd_data;
  esp_ring #(.DEPTH(RING_BLK), .W(128)) u_ring (
    .clk_i, .we_i(ct_we_i), .waddr_i(ct_addr_i), .wdata_i(ct_data_i),
    .re_i(rd_en), .raddr_i(rd_addr), .rdata_o(rd_data));

  // ---- MAC engines ----
  logic mac_valid, mac_ready, mac_first, mac_last, mac_fire;
  logic [4:0] mac_nbytes;
  logic [127:0] mac_data;
  logic [NSLOT-1:0] space1, space256;

  // ---- feeder: stage register (the beat presented to the engines) and the pick in front of it ----
  logic fv_q;
  logic [SW-1:0] fs_q;
  kind_e fk_q;
  logic [NSLOT-1:0] cand;
  logic pick_v, take;
  logic [SW-1:0] pick;

  always_comb begin
    for (int s = 0; s < NSLOT; s++) begin
      logic beat_ok;
      if (mcnt_q[s] == '0) beat_ok = hdr_ok_q[s];
      else if (mcnt_q[s] <= {1'b0, nblk_q[s]}) beat_ok = {1'b0, avail_i[s]} >= mcnt_q[s];
      else beat_ok = 1'b1;
      cand[s] = open_q[s] && beat_ok && (sha256_q[s] ? space256[s] : space1[s]) && !(fv_q && fs_q == SW'(s));
    end
  end

  assign mac_fire = mac_valid && mac_ready;
  assign take = !fv_q || mac_fire;
  esp_rr_pick #(.N(NSLOT)) u_pick (.clk_i, .rst_ni, .cand_i(cand), .take_i(take), .valid_o(pick_v), .idx_o(pick));

  assign rd_en = take && pick_v;
  assign rd_addr = base_q[pick] + AW'(mcnt_q[pick]) - AW'(1);

  always_comb begin
    mac_valid = fv_q;
    mac_first = fk_q == K_FIRST;
    mac_last = fk_q == K_LAST;
    mac_nbytes = 5'd16;
    unique case (fk_q)
      K_FIRST: mac_data = {hdr_q[fs_q], iv_q[fs_q][127:64]};
      K_MID: mac_data = {carry_q[fs_q], rd_data[127:64]};
      default: begin
        mac_data = {carry_q[fs_q], seq_hi_q[fs_q], 32'h0};
        mac_nbytes = esn_q[fs_q] ? 5'd12 : 5'd8;
      end
    endcase
  end

  esp_mac #(.SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND), .CTX(NSLOT)) u_mac (
    .clk_i, .rst_ni,
    .in_valid_i(mac_valid), .in_ready_o(mac_ready), .space1_o(space1), .space256_o(space256),
    .in_ctx_i(fs_q), .in_sha256_i(sha256_q[fs_q]), .in_first_i(mac_first), .in_last_i(mac_last),
    .in_nbytes_i(mac_nbytes), .in_data_i(mac_data), .in_istate_i(istate_q[fs_q]),
    .in_ostate_i(ostate_q[fs_q]),
    .out_valid_o(icv_valid_o), .out_ctx_o(icv_slot_o), .out_icv_o(icv_o));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fv_q <= 1'b0;
      open_q <= '0;
      hdr_ok_q <= '0;
    end else begin
      if (take) fv_q <= pick_v;
      if (take && pick_v && mcnt_q[pick] > {1'b0, nblk_q[pick]}) open_q[pick] <= 1'b0;
      if (open_i) begin
        open_q[open_slot_i] <= 1'b1;
        hdr_ok_q[open_slot_i] <= 1'b0;
      end
      if (hdr_i) hdr_ok_q[hdr_slot_i] <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (take && pick_v) begin
      fs_q <= pick;
      fk_q <= (mcnt_q[pick] == '0) ? K_FIRST : (mcnt_q[pick] <= {1'b0, nblk_q[pick]}) ? K_MID : K_LAST;
      mcnt_q[pick] <= mcnt_q[pick] + 1'b1;
    end
    if (mac_fire) carry_q[fs_q] <= (fk_q == K_FIRST) ? iv_q[fs_q][63:0] : rd_data[63:0];
    if (open_i) begin
      sha256_q[open_slot_i] <= open_sha256_i;
      esn_q[open_slot_i] <= open_esn_i;
      seq_hi_q[open_slot_i] <= open_seq_hi_i;
      istate_q[open_slot_i] <= open_istate_i;
      ostate_q[open_slot_i] <= open_ostate_i;
      nblk_q[open_slot_i] <= open_nblk_i;
      base_q[open_slot_i] <= open_base_i;
      mcnt_q[open_slot_i] <= '0;
    end
    if (hdr_i) begin
      hdr_q[hdr_slot_i] <= hdr_data_i;
      iv_q[hdr_slot_i] <= hdr_iv_i;
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(open_i && open_q[open_slot_i])) else $error("esp_auth: slot opened twice");
      assert (!(open_i && take && pick_v && pick == open_slot_i)) else $error("esp_auth: open of a slot being fed");
    end
  end
`endif

endmodule

`default_nettype wire
