// sha1_round2: one low-latency SHA-1 round unit of the sha_core ring (LOWLAT = 1): two rounds per cycle,
// one register stage.
//
// The unit serves rounds t = 2 * (pass * N_RND + position) and t + 1 of whichever block occupies the slot, so
// consecutive cycles may belong to different messages. Each slot carries its own working state, chaining
// input, 16-word schedule window, tag, and two sums the previous unit (or the ring entry) resolved for it:
//   p0 = e + K[t] + W[t]   and   p1 = d + K[t+1] + W[t+1]   (e and d of round t; e of round t+1 is d).
// The rounds then need no 5-operand add:
//   a1 = rotl5(a) + f(b,c,d) + p0                    (one 3:2 compression, one adder)
//   a2 = rotl5(a1) + (f(a, rotl30(b), c) + p1)       (the bracket is computed beside a1; one adder after a1)
// Both rounds of a unit use the same f_t and K (they change at rounds 20, 40, 60, all even). The unit
// resolves p0 / p1 for the slot's next unit (rounds t + 2, t + 3, whose e and d are c and rotl30(b) now)
// from k_i = K[t+2], which the ring registers a cycle ahead, so every unit is the same module.
// Longest path: the f(b,c,d) / compression LUT, a 32-bit adder, rotl5 and a second 32-bit adder (about three
// LUT levels and two carry chains; docs/rtl-crypto.md has the estimate).
`default_nettype none

module sha1_round2 #(
  parameter int unsigned PW = 1,     // width of the pass counter
  parameter int unsigned TW = 1      // tag width
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             valid_i,
  input  wire logic [PW-1:0]    pass_i,
  input  wire logic [31:0]      k_i,     // K[t+2] = K[t+3]: for the next unit's sums
  input  wire logic [1:0]       f_i,     // f_t of rounds t, t+1: 0 Ch (t < 20), 1 Parity, 2 Maj (40 <= t < 60)
  input  wire logic [TW-1:0]    tag_i,
  input  wire logic [159:0]     st_i,    // {a,b,c,d,e} before round t
  input  wire logic [159:0]     hin_i,   // chaining value the block started from (for the final add)
  input  wire logic [15:0][31:0] w_i,    // w_i[0] = W[t]
  input  wire logic [63:0]      p_i,     // {p0, p1} for rounds t, t+1
  output logic                  valid_o,
  output logic [PW-1:0]         pass_o,
  output logic [TW-1:0]         tag_o,
  output logic [159:0]          st_o,
  output logic [159:0]          hin_o,
  output logic [15:0][31:0]     w_o,
  output logic [63:0]           p_o      // {p0, p1} for rounds t+2, t+3
);

  function automatic logic [31:0] f_sel(input logic [1:0] sel, input logic [31:0] x, input logic [31:0] y,
                                        input logic [31:0] z);
    unique case (sel)
      2'd0: f_sel = (x & y) | (~x & z);
      2'd2: f_sel = (x & y) | (x & z) | (y & z);
      default: f_sel = x ^ y ^ z;
    endcase
  endfunction

  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] a, b, c, d, e;  // e only enters through the sum p0
  /* verilator lint_on UNUSEDSIGNAL */
  logic [31:0] p0, p1;
  assign {a, b, c, d, e} = st_i;
  assign {p0, p1} = p_i;

  // round t
  logic [31:0] x_s, x_c, a1;
  assign {x_s, x_c} = hubsec_crypto_pkg::sha_csa(hubsec_crypto_pkg::sha_rotl32(a, 5), f_sel(f_i, b, c, d), p0);
  assign a1 = x_s + x_c;

  // round t+1: b, c, d are a, rotl30(b), c; its e is folded into p1
  logic [31:0] g2, a2;
  assign g2 = f_sel(f_i, a, hubsec_crypto_pkg::sha_rotl32(b, 30), c) + p1;
  assign a2 = hubsec_crypto_pkg::sha_rotl32(a1, 5) + g2;

  // the next unit's sums (its e and d: c and rotl30(b)) and the schedule words W[t+16], W[t+17]
  logic [31:0] n0_s, n0_c, n1_s, n1_c;
  assign {n0_s, n0_c} = hubsec_crypto_pkg::sha_csa(c, k_i, w_i[2]);
  assign {n1_s, n1_c} = hubsec_crypto_pkg::sha_csa(hubsec_crypto_pkg::sha_rotl32(b, 30), k_i, w_i[3]);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) valid_o <= 1'b0;
    else valid_o <= valid_i;
  end

  always_ff @(posedge clk_i) begin
    pass_o <= pass_i;
    tag_o <= tag_i;
    hin_o <= hin_i;
    st_o <= {a2, a1, hubsec_crypto_pkg::sha_rotl32(a, 30), hubsec_crypto_pkg::sha_rotl32(b, 30), c};
    w_o <= {hubsec_crypto_pkg::sha_rotl32(w_i[14] ^ w_i[9] ^ w_i[3] ^ w_i[1], 1),
            hubsec_crypto_pkg::sha_rotl32(w_i[13] ^ w_i[8] ^ w_i[2] ^ w_i[0], 1),
            w_i[15:2]};
    p_o <= {n0_s + n0_c, n1_s + n1_c};
  end

endmodule

`default_nettype wire
