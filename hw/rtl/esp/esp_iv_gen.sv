// esp_iv_gen: card-generated CBC IVs, NIST SP 800-38A appendix C (the second method: encrypt a nonce under
// the cipher's forward function with a key of its own). IV = AES-256(iv_key, N), with the 128-bit nonce
//   N = { slot[15:0], generation[15:0], 32'h0, counter[63:0] }
// where counter is one 64-bit register per card that moves on by one for every IV this module hands out.
//
// Why an IV never repeats under one IV key: (1) the counter takes each value once between two power-on
// resets (it advances on every accepted request; 2^64 requests at one per cycle and 250 MHz take 2,300
// years, so it does not wrap); clear_i (a card reset) flushes the pipeline but does not reset it (flush_i);
// (2) so every nonce this card encrypts between two power-on resets is different, whatever the slot, key or
// generation; (3) AES-256 under a fixed key is a permutation, so different nonces under one key give
// different IVs. Different SAs have independent random IV keys (the driver draws a fresh one with every
// SA_WRITE, including reinstalls after a card reset), so IVs of different keys collide only by chance
// (2^-128 per pair), and a power cycle, which restarts the counter, meets only freshly drawn keys.
// Slot and generation are in the nonce as domain separation only. The IV is unpredictable to anyone who
// does not hold the IV key, which is all CBC needs (SP 800-38A appendix C).
//
// Requests are pipelined through aes_cipher (UNROLL round stages: UNROLL IVs per 14 cycles; 15 cycles
// latency), IVs leave in request order.
`default_nettype none

module esp_iv_gen #(
  parameter int unsigned UNROLL = 2  // aes_cipher UNROLL: 1, 2, 7 or 14
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,   // power-on reset (synchronous): counter and pipeline
  input  wire logic          flush_i,  // drop IVs in flight, keep the counter
  input  wire logic          req_valid_i,
  output logic               req_ready_o,
  input  wire logic [255:0]  req_key_i,   // the slot's IV key
  input  wire logic [15:0]   req_slot_i,
  input  wire logic [15:0]   req_gen_i,
  output logic               iv_valid_o,
  input  wire logic          iv_ready_i,
  output logic [127:0]       iv_o
);

  logic [63:0] ctr_q;
  logic aes_rst_n;
  /* verilator lint_off UNUSEDSIGNAL */
  logic tag;
  /* verilator lint_on UNUSEDSIGNAL */
  assign aes_rst_n = rst_ni && !flush_i;

  aes_cipher #(.DECRYPT(1'b0), .UNROLL(UNROLL), .TAG_W(1)) u_aes (
    .clk_i, .rst_ni(aes_rst_n),
    .in_valid_i(req_valid_i && !flush_i), .in_ready_o(req_ready_o),
    .in_block_i({req_slot_i, req_gen_i, 32'h0, ctr_q}), .in_key_i(req_key_i), .in_tag_i(1'b0),
    .out_valid_o(iv_valid_o), .out_ready_i(iv_ready_i), .out_block_o(iv_o), .out_tag_o(tag));

  always_ff @(posedge clk_i) begin
    if (!rst_ni) ctr_q <= '0;
    else if (req_valid_i && !flush_i && req_ready_o) ctr_q <= ctr_q + 64'd1;
  end

endmodule

`default_nettype wire
