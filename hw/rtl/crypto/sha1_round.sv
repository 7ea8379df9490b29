// sha1_round: one SHA-1 round unit of the sha_core ring, two register stages deep.
//
// The unit serves round t = pass * N_RND + (its position) of whichever block occupies the slot, so
// consecutive cycles may belong to different messages. Each slot carries its own working state, chaining
// input, 16-word message schedule window and tag. The ring (sha_core) supplies K[t] and the choice of f_t
// for the slot arriving, from a register, so every unit is the same module (synthesised once).
//   stage 1: e + K[t] + W[t] + f_t(b,c,d) kept in carry-save form; next schedule word rotl1(W13^W8^W2^W0).
//   stage 2: a' = rotl5(a) + (that sum): one 3:2 compression and one adder.
`default_nettype none

module sha1_round #(
  parameter int unsigned PW = 1,     // width of the pass counter
  parameter int unsigned TW = 1      // tag width
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             valid_i,
  input  wire logic [PW-1:0]    pass_i,
  input  wire logic [31:0]      k_i,     // K[t] for this slot's round t
  input  wire logic [1:0]       f_i,     // f_t: 0 Ch (t < 20), 1 Parity, 2 Maj (40 <= t < 60)
  input  wire logic [TW-1:0]    tag_i,
  input  wire logic [159:0]     st_i,    // {a,b,c,d,e}
  input  wire logic [159:0]     hin_i,   // chaining value the block started from (for the final add)
  input  wire logic [15:0][31:0] w_i,    // w_i[0] = W[t]
  output logic                  mid_valid_o,  // stage-1 slot, so the ring can see a free slot a cycle early
  output logic [PW-1:0]         mid_pass_o,
  output logic                  valid_o,
  output logic [PW-1:0]         pass_o,
  output logic [TW-1:0]         tag_o,
  output logic [159:0]          st_o,
  output logic [159:0]          hin_o,
  output logic [15:0][31:0]     w_o
);

  logic [31:0] a, b, c, d, e;
  assign {a, b, c, d, e} = st_i;

  // ---- stage 1 ----
  logic [31:0] f, x_s, x_c, y_s, y_c;
  always_comb begin
    unique case (f_i)
      2'd0: f = (b & c) | (~b & d);
      2'd2: f = (b & c) | (b & d) | (c & d);
      default: f = b ^ c ^ d;
    endcase
  end
  assign {x_s, x_c} = hubsec_crypto_pkg::sha_csa(e, k_i, w_i[0]);
  assign {y_s, y_c} = hubsec_crypto_pkg::sha_csa(x_s, x_c, f);

  logic          v1_q;
  logic [PW-1:0] pass1_q;
  logic [TW-1:0] tag1_q;
  logic [159:0]  hin1_q;
  logic [31:0]   a1_q, b1_q, c1_q, d1_q, ys_q, yc_q;
  logic [15:0][31:0] w1_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) v1_q <= 1'b0;
    else v1_q <= valid_i;
  end

  always_ff @(posedge clk_i) begin
    pass1_q <= pass_i;
    tag1_q <= tag_i;
    hin1_q <= hin_i;
    {a1_q, b1_q, c1_q, d1_q} <= {a, b, c, d};
    ys_q <= y_s;
    yc_q <= y_c;
    w1_q <= {hubsec_crypto_pkg::sha_rotl32(w_i[13] ^ w_i[8] ^ w_i[2] ^ w_i[0], 1), w_i[15:1]};
  end

  assign mid_valid_o = v1_q;
  assign mid_pass_o = pass1_q;

  // ---- stage 2 ----
  logic [31:0] z_s, z_c;
  assign {z_s, z_c} = hubsec_crypto_pkg::sha_csa(ys_q, yc_q, hubsec_crypto_pkg::sha_rotl32(a1_q, 5));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) valid_o <= 1'b0;
    else valid_o <= v1_q;
  end

  always_ff @(posedge clk_i) begin
    pass_o <= pass1_q;
    tag_o <= tag1_q;
    hin_o <= hin1_q;
    st_o <= {z_s + z_c, a1_q, hubsec_crypto_pkg::sha_rotl32(b1_q, 30), c1_q, d1_q};
    w_o <= w1_q;
  end

endmodule

`default_nettype wire
