// esp_slot_alloc: packet slots and packet-ring space of an ESP lane, both taken and given back in job order.
// A job takes the next slot (tail) and need_i blocks of the ring from base_o on; the oldest job (head) gives
// its slot and its blocks back when its result is taken. space_o: a slot and need_i ring blocks are free.
`default_nettype none

module esp_slot_alloc #(
  parameter int unsigned NSLOT = 64,     // power of two, >= 2
  parameter int unsigned RING_BLK = 8192, // power of two
  parameter int unsigned BW = 13,        // block count width
  localparam int unsigned SW = $clog2(NSLOT),
  localparam int unsigned AW = $clog2(RING_BLK)
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic [BW-1:0] need_i,       // ring blocks of the job offered
  output logic               space_o,
  input  wire logic          alloc_i,      // the job offered is taken
  output logic [SW-1:0]      tail_o,       // its slot
  output logic [AW-1:0]      base_o,       // its first ring block
  input  wire logic          release_i,    // the oldest job is done
  input  wire logic [BW-1:0] release_blk_i, // its ring blocks
  output logic [SW-1:0]      head_o,       // the oldest job's slot
  output logic [SW-1:0]      head_next_o,  // the head after this cycle
  output logic               busy_o        // some job holds a slot
);

  logic [SW:0] tl_q, hd_q;  // one wrap bit
  logic [AW-1:0] wp_q;
  logic [AW:0] free_q;
  localparam int unsigned CW = AW + BW + 1;

  assign tail_o = tl_q[SW-1:0];
  assign head_o = hd_q[SW-1:0];
  assign head_next_o = release_i ? head_o + 1'b1 : head_o;
  assign busy_o = hd_q != tl_q;
  assign base_o = wp_q;
  assign space_o = (tl_q - hd_q) != (SW + 1)'(NSLOT) && CW'(need_i) <= CW'(free_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tl_q <= '0;
      hd_q <= '0;
      wp_q <= '0;
      free_q <= (AW + 1)'(RING_BLK);
    end else begin
      if (alloc_i) begin
        tl_q <= tl_q + 1'b1;
        wp_q <= wp_q + AW'(need_i);
      end
      if (release_i) hd_q <= hd_q + 1'b1;
      free_q <= (AW + 1)'(CW'(free_q) - (alloc_i ? CW'(need_i) : '0) + (release_i ? CW'(release_blk_i) : '0));
    end
  end

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(alloc_i && !space_o)) else $error("esp_slot_alloc: job taken with no room");
      assert (!(release_i && !busy_o)) else $error("esp_slot_alloc: release with no job");
    end
  end
`endif

endmodule

`default_nettype wire
