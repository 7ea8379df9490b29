// sha256_round: one SHA-256 round unit of the sha_core ring, two register stages deep.
//
// The unit serves round t = pass * N_RND + (its position) of whichever block occupies the slot, so
// consecutive cycles may belong to different messages. Each slot carries its own working state, chaining
// input, 16-word message schedule window and tag. The ring (sha_core) supplies K[t] for the slot arriving,
// from a register, so every unit is the same module (synthesised once).
//   stage 1: T1 = h + K[t] + W[t] + Sigma1(e) + Ch(e,f,g) kept in carry-save form; Sigma0(a), Maj(a,b,c);
//            next schedule word sigma1(W14) + W9 + sigma0(W1) + W0 in carry-save form.
//   stage 2: a' = T1 + Sigma0 + Maj, e' = d + T1 (one 3:2 compression or two and one adder each);
//            the schedule word is resolved.
// No adder chain is longer than one carry-propagate adder per stage.
`default_nettype none

module sha256_round #(
  parameter int unsigned PW = 1,     // width of the pass counter
  parameter int unsigned TW = 1      // tag width
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             valid_i,
  input  wire logic [PW-1:0]    pass_i,
  input  wire logic [31:0]      k_i,     // K[t] for this slot's round t
  input  wire logic [TW-1:0]    tag_i,
  input  wire logic [255:0]     st_i,    // {a,b,c,d,e,f,g,h}
  input  wire logic [255:0]     hin_i,   // chaining value the block started from (for the final add)
  input  wire logic [15:0][31:0] w_i,    // w_i[0] = W[t]
  output logic                  mid_valid_o,  // stage-1 slot, so the ring can see a free slot a cycle early
  output logic [PW-1:0]         mid_pass_o,
  output logic                  valid_o,
  output logic [PW-1:0]         pass_o,
  output logic [TW-1:0]         tag_o,
  output logic [255:0]          st_o,
  output logic [255:0]          hin_o,
  output logic [15:0][31:0]     w_o
);

  logic [31:0] a, b, c, d, e, f, g, h;
  assign {a, b, c, d, e, f, g, h} = st_i;

  // ---- stage 1 ----
  logic [31:0] big_s1, ch, big_s0, maj, t1_s, t1_c, x_s, x_c, y_s, y_c;
  logic [31:0] sm0, sm1, w_s, w_c, v_s, v_c;
  assign big_s1 = hubsec_crypto_pkg::sha_rotr32(e, 6) ^ hubsec_crypto_pkg::sha_rotr32(e, 11)
                ^ hubsec_crypto_pkg::sha_rotr32(e, 25);
  assign ch = (e & f) ^ (~e & g);
  assign big_s0 = hubsec_crypto_pkg::sha_rotr32(a, 2) ^ hubsec_crypto_pkg::sha_rotr32(a, 13)
                ^ hubsec_crypto_pkg::sha_rotr32(a, 22);
  assign maj = (a & b) ^ (a & c) ^ (b & c);
  assign {x_s, x_c} = hubsec_crypto_pkg::sha_csa(h, k_i, w_i[0]);
  assign {y_s, y_c} = hubsec_crypto_pkg::sha_csa(x_s, x_c, big_s1);
  assign {t1_s, t1_c} = hubsec_crypto_pkg::sha_csa(y_s, y_c, ch);

  assign sm0 = hubsec_crypto_pkg::sha_rotr32(w_i[1], 7) ^ hubsec_crypto_pkg::sha_rotr32(w_i[1], 18) ^ (w_i[1] >> 3);
  assign sm1 = hubsec_crypto_pkg::sha_rotr32(w_i[14], 17) ^ hubsec_crypto_pkg::sha_rotr32(w_i[14], 19)
             ^ (w_i[14] >> 10);
  assign {v_s, v_c} = hubsec_crypto_pkg::sha_csa(sm1, w_i[9], sm0);
  assign {w_s, w_c} = hubsec_crypto_pkg::sha_csa(v_s, v_c, w_i[0]);

  logic          v1_q;
  logic [PW-1:0] pass1_q;
  logic [TW-1:0] tag1_q;
  logic [255:0]  hin1_q;
  logic [31:0]   a1_q, b1_q, c1_q, d1_q, e1_q, f1_q, g1_q;
  logic [31:0]   t1s_q, t1c_q, s0_q, maj_q, ws_q, wc_q;
  logic [14:0][31:0] w1_q;  // W[t+1..t+15]

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) v1_q <= 1'b0;
    else v1_q <= valid_i;
  end

  always_ff @(posedge clk_i) begin
    pass1_q <= pass_i;
    tag1_q <= tag_i;
    hin1_q <= hin_i;
    {a1_q, b1_q, c1_q, d1_q, e1_q, f1_q, g1_q} <= {a, b, c, d, e, f, g};
    t1s_q <= t1_s;
    t1c_q <= t1_c;
    s0_q <= big_s0;
    maj_q <= maj;
    ws_q <= w_s;
    wc_q <= w_c;
    w1_q <= w_i[15:1];
  end

  assign mid_valid_o = v1_q;
  assign mid_pass_o = pass1_q;

  // ---- stage 2 ----
  logic [31:0] p_s, p_c, q_s, q_c, r_s, r_c, a_new, e_new;
  assign {p_s, p_c} = hubsec_crypto_pkg::sha_csa(t1s_q, t1c_q, s0_q);
  assign {q_s, q_c} = hubsec_crypto_pkg::sha_csa(p_s, p_c, maj_q);
  assign a_new = q_s + q_c;
  assign {r_s, r_c} = hubsec_crypto_pkg::sha_csa(t1s_q, t1c_q, d1_q);
  assign e_new = r_s + r_c;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) valid_o <= 1'b0;
    else valid_o <= v1_q;
  end

  always_ff @(posedge clk_i) begin
    pass_o <= pass1_q;
    tag_o <= tag1_q;
    hin_o <= hin1_q;
    st_o <= {a_new, a1_q, b1_q, c1_q, e_new, e1_q, f1_q, g1_q};
    w_o <= {ws_q + wc_q, w1_q};
  end

endmodule

`default_nettype wire
