// esp_hold_check: simulation check of a valid/ready port (Verilator --assert): a valid that is not taken
// stays up in the next cycle with the same payload. Nothing to synthesise (with SYNTHESIS defined it is an
// empty shell, so that a synthesis tool reading every file of hw/rtl/esp reads it too).
`default_nettype none

module esp_hold_check #(
  parameter int unsigned W = 8,
  // the port's name in the message; untyped, so that it takes the string's width: Yosys reads no
  // `parameter string`
  parameter NAME = "port"
) (
  input  wire logic         clk_i,
  input  wire logic         rst_ni,
  input  wire logic         valid_i,
  input  wire logic         ready_i,
  input  wire logic [W-1:0] payload_i
);

`ifndef SYNTHESIS
  logic stalled_q;
  logic [W-1:0] payload_q;
  always_ff @(posedge clk_i) begin
    stalled_q <= rst_ni && valid_i && !ready_i;
    payload_q <= payload_i;
    if (rst_ni && stalled_q) begin
      assert (valid_i && payload_i == payload_q)
      else $error("%s: valid dropped or payload changed before it was taken", NAME);
    end
  end
`else
  logic unused;
  assign unused = ^{clk_i, rst_ni, valid_i, ready_i, payload_i};
`endif

endmodule

`default_nettype wire
