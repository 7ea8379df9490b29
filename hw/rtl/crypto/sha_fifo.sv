// sha_fifo: small synchronous FIFO (valid/ready on both sides) for the SHA cores' result queues.
// Read data comes straight from the storage array (first-word fall-through). Writing into a full FIFO is a
// caller bug, caught by an assertion; the callers reserve space with credits.
`default_nettype none

module sha_fifo #(
  parameter int unsigned W = 8,
  parameter int unsigned DEPTH = 4
) (
  input  wire logic         clk_i,
  input  wire logic         rst_ni,
  input  wire logic         wr_valid_i,
  input  wire logic [W-1:0] wr_data_i,
  output logic              rd_valid_o,
  input  wire logic         rd_ready_i,
  output logic [W-1:0]      rd_data_o,
  output logic [$clog2(DEPTH+1)-1:0] count_o
);

  localparam int unsigned AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
  localparam int unsigned CW = $clog2(DEPTH + 1);

  logic [W-1:0] mem_q[DEPTH];
  logic [AW-1:0] wptr_q, rptr_q;
  logic [CW-1:0] count_q;
  logic wr, rd;

  assign rd_valid_o = count_q != '0;
  assign rd_data_o = mem_q[rptr_q];
  assign count_o = count_q;
  assign wr = wr_valid_i;
  assign rd = rd_valid_o && rd_ready_i;

  function automatic logic [AW-1:0] next_ptr(input logic [AW-1:0] p);
    next_ptr = (32'(p) == DEPTH - 1) ? '0 : p + 1'b1;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
      count_q <= '0;
    end else begin
      if (wr) wptr_q <= next_ptr(wptr_q);
      if (rd) rptr_q <= next_ptr(rptr_q);
      count_q <= count_q + CW'(wr) - CW'(rd);
    end
  end

  always_ff @(posedge clk_i) begin
    if (wr) mem_q[wptr_q] <= wr_data_i;
  end

`ifndef SYNTHESIS
  // Checks run from the first cycle after reset (a flop, so reset stays a purely asynchronous net).
  logic chk_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) chk_q <= 1'b0;
    else chk_q <= 1'b1;
  end
  a_no_overflow: assert property (@(posedge clk_i) disable iff (!chk_q) !(wr && !rd && 32'(count_q) == DEPTH))
    else $error("sha_fifo: write into full FIFO");
`endif

endmodule

`default_nettype wire
