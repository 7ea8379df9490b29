// aes_enc_round: one AES cipher round (FIPS-197 5.1): SubBytes, ShiftRows, MixColumns (skipped in the
// last round), AddRoundKey. Combinational: an S-box (LUT6 + MUXF7/F8), then an XOR of up to 8 bits.
`default_nettype none

module aes_enc_round (
    input  hubsec_crypto_pkg::aes_block_t state_i,
    input  hubsec_crypto_pkg::aes_block_t rkey_i,
    input  logic                          last_i,   // final round: no MixColumns
    output hubsec_crypto_pkg::aes_block_t state_o
);

  logic [7:0] sub[16];    // SubBytes output, byte i = row i % 4, column i / 4
  logic [7:0] shr[16];    // after ShiftRows
  logic [7:0] mix[16];    // after MixColumns

  function automatic logic [7:0] xtime(input logic [7:0] a);
    xtime = {a[6:0], 1'b0} ^ (a[7] ? 8'h1b : 8'h00);
  endfunction

  for (genvar i = 0; i < 16; i++) begin : g_sub
    aes_sbox u_sbox (
        .a_i(state_i[127-8*i-:8]),
        .y_o(sub[i])
    );
  end

  always_comb begin
    // ShiftRows: row r moves left by r, so s'[r][c] = s[r][(c + r) % 4].
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) shr[4*c+r] = sub[4*((c+r)%4)+r];
    end
    // MixColumns: each column times {02 03 01 01} circulant.
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) begin
        mix[4*c+r] = xtime(shr[4*c+r]) ^ xtime(shr[4*c+(r+1)%4]) ^ shr[4*c+(r+1)%4]
                   ^ shr[4*c+(r+2)%4] ^ shr[4*c+(r+3)%4];
      end
    end
    for (int i = 0; i < 16; i++) begin
      state_o[127-8*i-:8] = (last_i ? shr[i] : mix[i]) ^ rkey_i[127-8*i-:8];
    end
  end

endmodule

`default_nettype wire
