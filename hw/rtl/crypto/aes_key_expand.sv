// aes_key_expand: the AES-256 key schedule (FIPS-197 5.2) for the decryption side. Takes a cipher key
// and returns the decryption key w[52..59] (round keys 13 and 14), from which aes_cipher (DECRYPT = 1)
// runs the schedule backwards on the fly. The encryption side needs no expansion: aes_cipher derives its
// round keys from the cipher key as the block travels. Used once per SA install, so it is iterative: one
// key at a time, one schedule step per cycle. Latency 14 cycles (input handshake to out_valid_o);
// initiation interval 14 when the output is taken at once.
`default_nettype none

module aes_key_expand #(
    parameter int unsigned TAG_W = 8
) (
    input  logic                            clk_i,
    input  logic                            rst_ni,
    input  logic                            in_valid_i,
    output logic                            in_ready_o,
    input  hubsec_crypto_pkg::aes_key_t     in_key_i,
    input  logic [TAG_W-1:0]                in_tag_i,
    output logic                            out_valid_o,
    input  logic                            out_ready_i,
    output hubsec_crypto_pkg::aes_dec_key_t out_dec_key_o,
    output logic [TAG_W-1:0]                out_tag_o
);

  // The window starts as w[0..7] (the cipher key); after steps 1..13 it is w[52..59].
  logic                        busy_q, out_valid_q;
  logic [3:0]                  step_q;
  hubsec_crypto_pkg::aes_key_t win_q, win_next;
  logic [TAG_W-1:0]            tag_q;

  aes_key_step #(
      .DECRYPT(1'b0)
  ) u_key_step (
      .win_i(win_q),
      .k_i  (step_q),
      .win_o(win_next)
  );

  assign in_ready_o    = !busy_q && !out_valid_q;
  assign out_valid_o   = out_valid_q;
  assign out_dec_key_o = win_q;
  assign out_tag_o     = tag_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      out_valid_q <= 1'b0;
      step_q      <= 4'd1;
    end else if (in_valid_i && in_ready_o) begin
      busy_q <= 1'b1;
      step_q <= 4'd1;
    end else if (busy_q) begin
      step_q <= step_q + 4'd1;
      if (step_q == 4'd13) begin
        busy_q      <= 1'b0;
        out_valid_q <= 1'b1;
      end
    end else if (out_valid_q && out_ready_i) begin
      out_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_valid_i && in_ready_o) begin
      win_q <= in_key_i;
      tag_q <= in_tag_i;
    end else if (busy_q) begin
      win_q <= win_next;
    end
  end

`ifndef SYNTHESIS
  // Handshake rules (see aes_cipher): a valid not taken stays up with its payload unchanged.
  logic in_stalled_q, out_stalled_q;
  logic [$bits(in_key_i)+TAG_W-1:0] in_payload_q;
  logic [$bits(out_dec_key_o)+TAG_W-1:0] out_payload_q;
  always_ff @(posedge clk_i) begin
    in_stalled_q  <= rst_ni && in_valid_i && !in_ready_o;
    out_stalled_q <= rst_ni && out_valid_o && !out_ready_i;
    in_payload_q  <= {in_key_i, in_tag_i};
    out_payload_q <= {out_dec_key_o, out_tag_o};
    if (rst_ni && in_stalled_q) begin
      assert (in_valid_i && {in_key_i, in_tag_i} == in_payload_q)
      else $error("aes_key_expand: in_valid_i dropped or input changed while in_ready_o was low");
    end
    if (rst_ni && out_stalled_q) begin
      assert (out_valid_o && {out_dec_key_o, out_tag_o} == out_payload_q)
      else $error("aes_key_expand: out_valid_o dropped or output changed while out_ready_i was low");
    end
  end
`endif

endmodule

`default_nettype wire
