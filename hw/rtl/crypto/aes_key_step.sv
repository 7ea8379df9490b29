// aes_key_step: one step of the AES-256 key schedule (FIPS-197 5.2) on a sliding 8-word window, forwards
// for the cipher and backwards for the inverse cipher, so that a pipeline stage derives its next round key
// from the key it carries instead of looking up a stored schedule.
//
// Forwards (DECRYPT = 0): window w[4k-4 .. 4k+3] -> w[4k .. 4k+7]   (round k uses w[4k .. 4k+3]).
// Backwards (DECRYPT = 1): window w[4k .. 4k+7] -> w[4k-4 .. 4k+3]  (round key k is w[4k .. 4k+3]).
// Both directions rest on the schedule relation at i = 4k+4: w[i] = w[i-8] ^ temp, where
// temp = SubWord(RotWord(w[i-1])) ^ Rcon[i/8] when i % 8 == 0 (k odd), else SubWord(w[i-1]),
// and w[j] = w[j-8] ^ w[j-1] for j = i+1 .. i+3.
// Word 0 of the window is its most significant 32 bits. Combinational: 4 S-boxes, then a 5-input XOR.
`default_nettype none

module aes_key_step #(
    parameter bit DECRYPT = 1'b0
) (
    input  hubsec_crypto_pkg::aes_key_t win_i,
    input  logic [3:0]                  k_i,    // schedule step 1..13 (see above)
    output hubsec_crypto_pkg::aes_key_t win_o
);

  hubsec_crypto_pkg::aes_word_t w[8];
  hubsec_crypto_pkg::aes_word_t n[4];
  hubsec_crypto_pkg::aes_word_t sub_in, sub_out, temp;

  always_comb begin
    for (int j = 0; j < 8; j++) w[j] = win_i[255-32*j-:32];
  end

  // The word that goes through SubWord: w[i-1] is window word 7 forwards and window word 3 backwards.
  assign sub_in = DECRYPT ? w[3] : w[7];

  for (genvar b = 0; b < 4; b++) begin : g_sub
    aes_sbox u_sbox (
        .a_i(sub_in[31-8*b-:8]),
        .y_o(sub_out[31-8*b-:8])
    );
  end

  // RotWord before SubWord equals SubWord before RotWord (SubWord works per byte).
  assign temp = k_i[0] ? ({sub_out[23:0], sub_out[31:24]} ^ {hubsec_crypto_pkg::aes_rcon(k_i), 24'h0})
                       : sub_out;

  always_comb begin
    if (DECRYPT) begin
      // w[i-8] = w[i] ^ temp(w[i-1]); w[i-7] = w[i+1] ^ w[i]; ... with w[i .. i+3] = window words 4..7.
      n[0] = w[4] ^ temp;
      n[1] = w[5] ^ w[4];
      n[2] = w[6] ^ w[5];
      n[3] = w[7] ^ w[6];
      win_o = {n[0], n[1], n[2], n[3], w[0], w[1], w[2], w[3]};
    end else begin
      n[0] = w[0] ^ temp;
      n[1] = w[1] ^ n[0];
      n[2] = w[2] ^ n[1];
      n[3] = w[3] ^ n[2];
      win_o = {w[4], w[5], w[6], w[7], n[0], n[1], n[2], n[3]};
    end
  end

endmodule

`default_nettype wire
