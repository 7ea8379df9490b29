// esp_ring: the ESP lanes' packet memory: one write port, one registered read port (simple dual-port
// block RAM / UltraRAM). Read-during-write of the same address returns the new data (write-first bypass),
// so a block written at a clock edge is visible to a read issued at that edge. The read register updates
// only when re_i is high, so a held read keeps its data.
`default_nettype none

module esp_ring #(
  parameter int unsigned DEPTH = 2048,  // blocks; power of two
  parameter int unsigned W = 128,
  localparam int unsigned AW = $clog2(DEPTH)
) (
  input  wire logic          clk_i,
  input  wire logic          we_i,
  input  wire logic [AW-1:0] waddr_i,
  input  wire logic [W-1:0]  wdata_i,
  input  wire logic          re_i,
  input  wire logic [AW-1:0] raddr_i,
  output logic [W-1:0]       rdata_o
);

  logic [W-1:0] mem_q[DEPTH];

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
    if (re_i) rdata_o <= (we_i && waddr_i == raddr_i) ? wdata_i : mem_q[raddr_i];
  end

`ifndef SYNTHESIS
  initial begin
    assert (DEPTH >= 2 && (DEPTH & (DEPTH - 1)) == 0) else $fatal(1, "esp_ring: DEPTH must be a power of two");
  end
`endif

endmodule

`default_nettype wire
