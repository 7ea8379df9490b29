// aes_dec_round: one AES inverse-cipher round (FIPS-197 5.3): InvShiftRows, InvSubBytes, AddRoundKey,
// InvMixColumns (skipped in the last round). Combinational; S-box then an XOR tree of ~20 bits.
`default_nettype none

module aes_dec_round (
    input  hubsec_crypto_pkg::aes_block_t state_i,
    input  hubsec_crypto_pkg::aes_block_t rkey_i,
    input  logic                          last_i,   // final round: no InvMixColumns
    output hubsec_crypto_pkg::aes_block_t state_o
);

  logic [7:0] shr[16];    // after InvShiftRows, byte i = row i % 4, column i / 4
  logic [7:0] sub[16];    // after InvSubBytes
  logic [7:0] ark[16];    // after AddRoundKey

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

  always_comb begin
    for (int i = 0; i < 16; i++) ark[i] = sub[i] ^ rkey_i[127-8*i-:8];
    // InvMixColumns: each column times {0e 0b 0d 09} circulant.
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) begin
        state_o[127-8*(4*c+r)-:8] = last_i ? ark[4*c+r]
            : gmul(ark[4*c+r], 4'he) ^ gmul(ark[4*c+(r+1)%4], 4'hb) ^ gmul(ark[4*c+(r+2)%4], 4'hd)
              ^ gmul(ark[4*c+(r+3)%4], 4'h9);
      end
    end
  end

endmodule

`default_nettype wire
