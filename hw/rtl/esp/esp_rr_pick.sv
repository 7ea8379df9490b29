// esp_rr_pick: round-robin choice among N candidates (the ESP lanes' packet-slot arbiters). valid_o/idx_o
// name the candidate after the last one taken (wrapping); take_i says the choice is used this cycle, which
// moves the round-robin pointer past it.
`default_nettype none

module esp_rr_pick #(
  parameter int unsigned N = 4,
  localparam int unsigned IW = N > 1 ? $clog2(N) : 1
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic [N-1:0]  cand_i,
  input  wire logic          take_i,
  output logic               valid_o,
  output logic [IW-1:0]      idx_o
);

  logic [N-1:0] mask_q, hi, sel_1h;
  assign hi = cand_i & mask_q;  // candidates above the last one taken
  assign sel_1h = (hi != '0) ? hi & (~hi + 1'b1) : cand_i & (~cand_i + 1'b1);
  assign valid_o = cand_i != '0;
  always_comb begin
    idx_o = '0;
    for (int i = 0; i < N; i++) idx_o |= sel_1h[i] ? IW'(i) : '0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) mask_q <= '0;
    else if (take_i && valid_o) mask_q <= ~((sel_1h << 1) - N'(1));
  end

endmodule

`default_nettype wire
