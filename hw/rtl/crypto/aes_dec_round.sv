// aes_dec_round: one AES inverse-cipher round (FIPS-197 5.3): InvShiftRows, InvSubBytes, AddRoundKey,
// InvMixColumns (skipped in the last round). Combinational. InvMixColumns is linear, so it is applied to
// the S-box output and to the round key separately, InvMix(s ^ k) = InvMix(s) ^ InvMix(k) (the idea of
// FIPS-197's equivalent inverse cipher): the key half depends on registers only and settles while the
// S-boxes do, leaving an XOR of ~20 S-box bits and one key bit after the S-box instead of ~40 bits.
`default_nettype none

module aes_dec_round (
    input  hubsec_crypto_pkg::aes_block_t state_i,
    input  hubsec_crypto_pkg::aes_block_t rkey_i,
    input  logic                          last_i,   // final round: no InvMixColumns
    output hubsec_crypto_pkg::aes_block_t state_o
);

  logic [7:0] shr[16];    // after InvShiftRows, byte i = row i % 4, column i / 4
  logic [7:0] sub[16];    // after InvSubBytes
  logic [7:0] rk[16];     // round key bytes

  function automatic logic [7:0] xtime(input logic [7:0] a);
    xtime = {a[6:0], 1'b0} ^ (a[7] ? 8'h1b : 8'h00);
  endfunction

  // Multiplication by 9, 11, 13 and 14 from x, x^2 and x^3 multiples.
  function automatic logic [7:0] gmul(input logic [7:0] a, input logic [3:0] m);
    logic [7:0] a2, a4, a8;
    a2 = xtime(a);
    a4 = xtime(a2);
    a8 = xtime(a4);
    gmul = (m[0] ? a : 8'h00) ^ (m[1] ? a2 : 8'h00) ^ (m[2] ? a4 : 8'h00) ^ (m[3] ? a8 : 8'h00);
  endfunction

  always_comb begin
    // InvShiftRows: row r moves right by r, so s'[r][c] = s[r][(c - r) % 4].
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) shr[4*c+r] = state_i[127-8*(4*((c+4-r)%4)+r)-:8];
    end
  end

  for (genvar i = 0; i < 16; i++) begin : g_sub
    aes_inv_sbox u_sbox (
        .a_i(shr[i]),
        .y_o(sub[i])
    );
  end

  function automatic logic [7:0] inv_mix(input logic [7:0] a0, input logic [7:0] a1, input logic [7:0] a2,
                                         input logic [7:0] a3);
    inv_mix = gmul(a0, 4'he) ^ gmul(a1, 4'hb) ^ gmul(a2, 4'hd) ^ gmul(a3, 4'h9);
  endfunction

  always_comb begin
    for (int i = 0; i < 16; i++) rk[i] = rkey_i[127-8*i-:8];
    // InvMixColumns: each column times the {0e 0b 0d 09} circulant, of the state and of the key.
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) begin
        state_o[127-8*(4*c+r)-:8] = last_i ? sub[4*c+r] ^ rk[4*c+r]
            : inv_mix(sub[4*c+r], sub[4*c+(r+1)%4], sub[4*c+(r+2)%4], sub[4*c+(r+3)%4])
              ^ inv_mix(rk[4*c+r], rk[4*c+(r+1)%4], rk[4*c+(r+2)%4], rk[4*c+(r+3)%4]);
      end
    end
  end

endmodule

`default_nettype wire
