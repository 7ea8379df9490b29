// esp_sa_table: the ESP datapath's SA slots, in RAM (one synchronous-read port, one write port: block RAM).
//
// Each slot holds what a lane's job needs (direction, ESN, ICV algorithm, SPI, AES-256 key, HMAC inner and
// outer states) and a generation number. A write stores a slot with the generation the host gave it; an
// invalidate wipes the slot (every field zero, not valid). A lookup names a slot and the generation the job
// was built for and returns the context with a status: OK, UNKNOWN_SA (slot out of range, not valid, or of
// the other direction) or STALE_SA (the slot was rewritten since: a job aimed at an old SA is refused, not
// served with the new keys). On a refusal the context outputs are zero.
//
// Ordering: write and lookup ports are independent; a lookup sees every write accepted in an earlier cycle
// (a write and a lookup of the same slot in the same cycle: the lookup reads the old contents). Lookups
// leave in order, one cycle after acceptance (registered RAM read), held while res_ready_i is low.
// Reset and clear_i wipe every slot, one per cycle (SLOTS cycles); both ports wait meanwhile (busy_o).
`default_nettype none

module esp_sa_table #(
  parameter int unsigned SLOTS = 4096,
  localparam int unsigned SW = $clog2(SLOTS)
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic          clear_i,      // card reset: wipe the table
  output logic               busy_o,       // wiping
  // write / invalidate
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
  // lookup
  input  wire logic          lk_valid_i,
  output logic               lk_ready_o,
  input  wire logic [15:0]   lk_slot_i,
  input  wire logic [15:0]   lk_gen_i,
  input  wire logic          lk_inbound_i,  // the direction the job needs
  output logic               res_valid_o,
  input  wire logic          res_ready_i,
  output logic [7:0]         res_status_o,  // hubsec_card_pkg::status_e
  output logic               res_esn_o,
  output logic               res_sha256_o,
  output logic [31:0]        res_spi_o,
  output logic [255:0]       res_key_o,
  output logic [255:0]       res_istate_o,
  output logic [255:0]       res_ostate_o
);

  // slot record: {valid, inbound, esn, sha256, gen, spi, key, istate, ostate}
  typedef struct packed {
    logic valid;
    logic inbound;
    logic esn;
    logic sha256;
    logic [15:0] gen;
    logic [31:0] spi;
    logic [255:0] key;
    logic [255:0] istate;
    logic [255:0] ostate;
  } rec_t;

  rec_t mem_q[SLOTS];
  rec_t rd_q;
  logic wipe_q;
  logic [SW-1:0] wipe_ptr_q;
  logic res_v_q, lk_range_q, lk_inbound_q;
  logic [15:0] lk_gen_q;

  logic wr_fire, lk_fire, wr_in_range;
  assign busy_o = wipe_q;
  assign wr_ready_o = !wipe_q;
  assign lk_ready_o = !wipe_q && (!res_v_q || res_ready_i);
  assign wr_fire = wr_valid_i && wr_ready_o;
  assign lk_fire = lk_valid_i && lk_ready_o;
  assign wr_in_range = wr_slot_i < 16'(SLOTS);

  rec_t wr_rec;
  always_comb begin
    wr_rec = '0;
    if (!wr_invalidate_i) begin
      wr_rec.valid = 1'b1;
      wr_rec.inbound = wr_inbound_i;
      wr_rec.esn = wr_esn_i;
      wr_rec.sha256 = wr_sha256_i;
      wr_rec.gen = wr_gen_i;
      wr_rec.spi = wr_spi_i;
      wr_rec.key = wr_key_i;
      wr_rec.istate = wr_istate_i;
      wr_rec.ostate = wr_ostate_i;
    end
  end

  // RAM: one write port (wipe or host write), one registered read port.
  always_ff @(posedge clk_i) begin
    if (wipe_q) mem_q[wipe_ptr_q] <= '0;
    else if (wr_fire && wr_in_range) mem_q[wr_slot_i[SW-1:0]] <= wr_rec;
    if (lk_fire) rd_q <= mem_q[lk_slot_i[SW-1:0]];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wipe_q <= 1'b1;
      wipe_ptr_q <= '0;
      res_v_q <= 1'b0;
    end else begin
      if (clear_i) begin
        wipe_q <= 1'b1;
        wipe_ptr_q <= '0;
        res_v_q <= 1'b0;
      end else begin
        if (wipe_q) begin
          wipe_ptr_q <= wipe_ptr_q + 1'b1;
          if (wipe_ptr_q == SW'(SLOTS - 1)) wipe_q <= 1'b0;
        end
        if (lk_fire) res_v_q <= 1'b1;
        else if (res_ready_i) res_v_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (lk_fire) begin
      lk_range_q <= lk_slot_i < 16'(SLOTS);
      lk_gen_q <= lk_gen_i;
      lk_inbound_q <= lk_inbound_i;
    end
  end

  logic ok;
  assign res_valid_o = res_v_q;
  assign ok = lk_range_q && rd_q.valid && rd_q.inbound == lk_inbound_q && rd_q.gen == lk_gen_q;
  always_comb begin
    if (!lk_range_q || !rd_q.valid || rd_q.inbound != lk_inbound_q)
      res_status_o = 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
    else if (rd_q.gen != lk_gen_q) res_status_o = 8'(hubsec_card_pkg::STATUS_STALE_SA);
    else res_status_o = 8'(hubsec_card_pkg::STATUS_OK);
  end
  assign res_esn_o = ok && rd_q.esn;
  assign res_sha256_o = ok && rd_q.sha256;
  assign res_spi_o = ok ? rd_q.spi : '0;
  assign res_key_o = ok ? rd_q.key : '0;
  assign res_istate_o = ok ? rd_q.istate : '0;
  assign res_ostate_o = ok ? rd_q.ostate : '0;

endmodule

`default_nettype wire
