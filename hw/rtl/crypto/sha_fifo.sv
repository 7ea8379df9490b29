// sha_fifo: small synchronous FIFO (valid/ready on both sides) for the SHA cores' result queues.
// First-word fall-through from an output register: rd_valid_o and rd_data_o come straight from flops (no
// storage read between them and the reader's logic); the storage array behind it holds DEPTH - 1 words.
// A word written into an empty FIFO is readable the next cycle. Writing into a full FIFO is a caller bug,
// caught by an assertion; the callers reserve space with credits.
`default_nettype none

module sha_fifo #(
  parameter int unsigned W = 8,
  parameter int unsigned DEPTH = 4  // >= 2
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

  localparam int unsigned MD = DEPTH - 1;  // words in the storage array
  localparam int unsigned AW = MD > 1 ? $clog2(MD) : 1;
  localparam int unsigned CW = $clog2(DEPTH + 1);

  logic [W-1:0] mem_q[MD];
  logic [AW-1:0] wptr_q, rptr_q;
  logic [CW-1:0] count_q;  // words in the storage array
  logic out_v_q;
  logic [W-1:0] out_q;
  logic mem_empty, load, pop, push;

  assign rd_valid_o = out_v_q;
  assign rd_data_o = out_q;
  assign count_o = count_q + CW'(out_v_q);
  assign mem_empty = count_q == '0;
  assign load = !out_v_q || rd_ready_i;  // the output register takes a new word (or empties)
  assign pop = load && !mem_empty;
  assign push = wr_valid_i && !(load && mem_empty);  // else the word goes straight to the output

  function automatic logic [AW-1:0] next_ptr(input logic [AW-1:0] p);
    next_ptr = (32'(p) == MD - 1) ? '0 : p + 1'b1;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
      count_q <= '0;
      out_v_q <= 1'b0;
    end else begin
      if (push) wptr_q <= next_ptr(wptr_q);
      if (pop) rptr_q <= next_ptr(rptr_q);
      count_q <= count_q + CW'(push) - CW'(pop);
      if (load) out_v_q <= !mem_empty || wr_valid_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) mem_q[wptr_q] <= wr_data_i;
    if (load) out_q <= mem_empty ? wr_data_i : mem_q[rptr_q];
  end

`ifndef SYNTHESIS
  // Checks run from the first cycle after reset (a flop, so reset stays a purely asynchronous net).
  logic chk_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) chk_q <= 1'b0;
    else chk_q <= 1'b1;
  end
  a_no_overflow: assert property (@(posedge clk_i) disable iff (!chk_q) !(push && !pop && 32'(count_q) == MD))
    else $error("sha_fifo: write into full FIFO");
`endif

endmodule

`default_nettype wire
