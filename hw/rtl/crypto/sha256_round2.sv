// sha256_round2: one low-latency SHA-256 round unit of the sha_core ring (LOWLAT = 1): two rounds per
// cycle, one register stage.
//
// The unit serves rounds t = 2 * (pass * N_RND + position) and t + 1 of whichever block occupies the slot, so
// consecutive cycles may belong to different messages. Each slot carries its own working state, chaining
// input, 16-word schedule window, tag, and four sums the previous unit (or the ring entry) resolved for it:
//   h0 = h + K[t] + W[t],  d0 = d + h0,  h1 = g + K[t+1] + W[t+1],  d1 = c + h1
// (h and d of round t + 1 are g and c of round t). With them each round is
//   e' = d0 + Sigma1(e) + Ch(e,f,g)                          (one 3:2 compression, one adder)
//   a' = h0 + Sigma1(e) + Ch(e,f,g) + Sigma0(a) + Maj(a,b,c) (three 3:2 compressions, one adder)
// and round t + 1 the same on (a', a, b, c, e', e, f, g); its e-side sum is compressed first since e'
// resolves before a'. The unit resolves the next unit's sums (rounds t + 2, t + 3: h and d are f and b, then
// e and a of round t) from k0_i = K[t+2], k1_i = K[t+3], which the ring registers a cycle ahead, so every
// unit is the same module. Longest path: a' of round t (Sigma and 3:2 levels, one adder), then Sigma0 / Maj
// and two 3:2 levels and a second adder for a'' (docs/rtl-crypto.md has the estimated depth).
`default_nettype none

module sha256_round2 #(
  parameter int unsigned PW = 1,     // width of the pass counter
  parameter int unsigned TW = 1      // tag width
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             valid_i,
  input  wire logic [PW-1:0]    pass_i,
  input  wire logic [31:0]      k0_i,    // K[t+2]: for the next unit's sums
  input  wire logic [31:0]      k1_i,    // K[t+3]
  input  wire logic [TW-1:0]    tag_i,
  input  wire logic [255:0]     st_i,    // {a,b,c,d,e,f,g,h} before round t
  input  wire logic [255:0]     hin_i,   // chaining value the block started from (for the final add)
  input  wire logic [15:0][31:0] w_i,    // w_i[0] = W[t]
  input  wire logic [127:0]     p_i,     // {h0, d0, h1, d1} for rounds t, t+1
  output logic                  valid_o,
  output logic [PW-1:0]         pass_o,
  output logic [TW-1:0]         tag_o,
  output logic [255:0]          st_o,
  output logic [255:0]          hin_o,
  output logic [15:0][31:0]     w_o,
  output logic [127:0]          p_o      // {h0, d0, h1, d1} for rounds t+2, t+3
);

  function automatic logic [31:0] big_sigma1(input logic [31:0] x);
    big_sigma1 = hubsec_crypto_pkg::sha_rotr32(x, 6) ^ hubsec_crypto_pkg::sha_rotr32(x, 11)
                 ^ hubsec_crypto_pkg::sha_rotr32(x, 25);
  endfunction
  function automatic logic [31:0] big_sigma0(input logic [31:0] x);
    big_sigma0 = hubsec_crypto_pkg::sha_rotr32(x, 2) ^ hubsec_crypto_pkg::sha_rotr32(x, 13)
                 ^ hubsec_crypto_pkg::sha_rotr32(x, 22);
  endfunction
  function automatic logic [31:0] ch(input logic [31:0] x, input logic [31:0] y, input logic [31:0] z);
    ch = (x & y) ^ (~x & z);
  endfunction
  function automatic logic [31:0] maj(input logic [31:0] x, input logic [31:0] y, input logic [31:0] z);
    maj = (x & y) ^ (x & z) ^ (y & z);
  endfunction
  function automatic logic [31:0] small_sigma0(input logic [31:0] x);
    small_sigma0 = hubsec_crypto_pkg::sha_rotr32(x, 7) ^ hubsec_crypto_pkg::sha_rotr32(x, 18) ^ (x >> 3);
  endfunction
  function automatic logic [31:0] small_sigma1(input logic [31:0] x);
    small_sigma1 = hubsec_crypto_pkg::sha_rotr32(x, 17) ^ hubsec_crypto_pkg::sha_rotr32(x, 19) ^ (x >> 10);
  endfunction

  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] a, b, c, d, e, f, g, h;  // d and h only enter through the sums d0 and h0
  /* verilator lint_on UNUSEDSIGNAL */
  logic [31:0] h0, d0, h1, d1;
  assign {a, b, c, d, e, f, g, h} = st_i;
  assign {h0, d0, h1, d1} = p_i;

  // round t
  logic [31:0] u_s, u_c, v_s, v_c, x_s, x_c, y_s, y_c, a1, e1;
  assign {u_s, u_c} = hubsec_crypto_pkg::sha_csa(d0, big_sigma1(e), ch(e, f, g));
  assign e1 = u_s + u_c;
  assign {v_s, v_c} = hubsec_crypto_pkg::sha_csa(h0, big_sigma1(e), ch(e, f, g));
  assign {x_s, x_c} = hubsec_crypto_pkg::sha_csa(v_s, v_c, big_sigma0(a));
  assign {y_s, y_c} = hubsec_crypto_pkg::sha_csa(x_s, x_c, maj(a, b, c));
  assign a1 = y_s + y_c;

  // round t+1 on (a1, a, b, c, e1, e, f, g)
  logic [31:0] q_s, q_c, r_s, r_c, s_s, s_c, z_s, z_c, a2, e2;
  assign {q_s, q_c} = hubsec_crypto_pkg::sha_csa(d1, big_sigma1(e1), ch(e1, e, f));
  assign e2 = q_s + q_c;
  assign {r_s, r_c} = hubsec_crypto_pkg::sha_csa(h1, big_sigma1(e1), ch(e1, e, f));
  assign {s_s, s_c} = hubsec_crypto_pkg::sha_csa(r_s, r_c, big_sigma0(a1));
  assign {z_s, z_c} = hubsec_crypto_pkg::sha_csa(s_s, s_c, maj(a1, a, b));
  assign a2 = z_s + z_c;

  // the next unit's sums: rounds t+2 (h = f, d = b) and t+3 (h = e, d = a)
  logic [31:0] m0_s, m0_c, m1_s, m1_c, n0_s, n0_c, n1_s, n1_c;
  assign {m0_s, m0_c} = hubsec_crypto_pkg::sha_csa(f, k0_i, w_i[2]);
  assign {n0_s, n0_c} = hubsec_crypto_pkg::sha_csa(m0_s, m0_c, b);
  assign {m1_s, m1_c} = hubsec_crypto_pkg::sha_csa(e, k1_i, w_i[3]);
  assign {n1_s, n1_c} = hubsec_crypto_pkg::sha_csa(m1_s, m1_c, a);

  // schedule: W[t+16] = sigma1(W[t+14]) + W[t+9] + sigma0(W[t+1]) + W[t], W[t+17] likewise one word on
  logic [31:0] j0_s, j0_c, l0_s, l0_c, j1_s, j1_c, l1_s, l1_c;
  assign {j0_s, j0_c} = hubsec_crypto_pkg::sha_csa(small_sigma1(w_i[14]), w_i[9], small_sigma0(w_i[1]));
  assign {l0_s, l0_c} = hubsec_crypto_pkg::sha_csa(j0_s, j0_c, w_i[0]);
  assign {j1_s, j1_c} = hubsec_crypto_pkg::sha_csa(small_sigma1(w_i[15]), w_i[10], small_sigma0(w_i[2]));
  assign {l1_s, l1_c} = hubsec_crypto_pkg::sha_csa(j1_s, j1_c, w_i[1]);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) valid_o <= 1'b0;
    else valid_o <= valid_i;
  end

  always_ff @(posedge clk_i) begin
    pass_o <= pass_i;
    tag_o <= tag_i;
    hin_o <= hin_i;
    st_o <= {a2, a1, a, b, e2, e1, e, f};
    w_o <= {l1_s + l1_c, l0_s + l0_c, w_i[15:2]};
    p_o <= {m0_s + m0_c, n0_s + n0_c, m1_s + m1_c, n1_s + n1_c};
  end

endmodule

`default_nettype wire
