// hubsec_crypto_pkg: types and constants shared by the crypto cores. Name items as
// hubsec_crypto_pkg::item (no wildcard imports) so that Yosys can read the RTL.
`default_nettype none

package hubsec_crypto_pkg;

  // ---- AES-256 ----
  // Byte 0 of a block or key (the first byte in FIPS-197's notation) is the most significant byte; the
  // state is column-major as in FIPS-197 (byte i is row i % 4, column i / 4).
  // (No localparams here: an unused package parameter is a -Wall warning in every core that imports none.)

  typedef logic [127:0] aes_block_t;  // a block, a state or a round key
  typedef logic [255:0] aes_key_t;    // 8 schedule words: the cipher key, or a sliding key window
  typedef logic [31:0] aes_word_t;    // one key-schedule word w[i]

  // The decryption key is w[52..59] of the key schedule (round keys 13 and 14). aes_key_expand computes
  // it once per SA; aes_cipher (DECRYPT = 1) runs the schedule backwards from it on the fly.
  typedef aes_key_t aes_dec_key_t;

  // Key-schedule step i = 4k + 4 (k = 1..13) uses RotWord and Rcon[i / 8] when k is odd.
  function automatic logic [7:0] aes_rcon(input logic [3:0] k);
    case (k)
      4'd1, 4'd2:   aes_rcon = 8'h01;
      4'd3, 4'd4:   aes_rcon = 8'h02;
      4'd5, 4'd6:   aes_rcon = 8'h04;
      4'd7, 4'd8:   aes_rcon = 8'h08;
      4'd9, 4'd10:  aes_rcon = 8'h10;
      4'd11, 4'd12: aes_rcon = 8'h20;
      default:      aes_rcon = 8'h40;
    endcase
  endfunction

  // ---- SHA-1 / SHA-256 / HMAC ----
  // Constants from FIPS 180-4 (sections 4.2 and 5.3); message types of the multi-context hash engine.

  /* verilator lint_off UNUSEDPARAM */
  localparam int unsigned SHA_ALG_SHA1 = 0;
  localparam int unsigned SHA_ALG_SHA256 = 1;

  // What a message asks of the hash engine (sent with its first beat).
  typedef enum logic [1:0] {
    SHA_OP_HASH    = 2'd0,  // plain hash from the standard IV, digest out
    SHA_OP_HMAC    = 2'd1,  // HMAC from the SA's precomputed inner/outer states, digest out
    SHA_OP_KEYPREP = 2'd2   // raw HMAC key in, (inner state, outer state) out
  } sha_op_e;

  // Which kind of block a context has waiting for the compression core (travels in the core's tag).
  typedef enum logic [2:0] {
    SHA_BLK_DATA  = 3'd0,  // message bytes from the context buffer (padding applied if it is the last)
    SHA_BLK_PAD   = 3'd1,  // padding-only block: [0x80] zeros and the 64-bit length
    SHA_BLK_OUTER = 3'd2,  // HMAC outer block: inner digest, 0x80, zeros, length (64 + digest) * 8
    SHA_BLK_KIPAD = 3'd3,  // key precompute: K0 ^ ipad from the standard IV
    SHA_BLK_KOPAD = 3'd4   // key precompute: K0 ^ opad from the standard IV
  } sha_blk_e;

  localparam logic [159:0] SHA1_IV = 160'h67452301_efcdab89_98badcfe_10325476_c3d2e1f0;
  localparam logic [255:0] SHA256_IV =
      256'h6a09e667_bb67ae85_3c6ef372_a54ff53a_510e527f_9b05688c_1f83d9ab_5be0cd19;
  /* verilator lint_on UNUSEDPARAM */

  // 32-bit rotates for the SHA round units (n = 1..31, a constant at every call).
  function automatic logic [31:0] sha_rotl32(input logic [31:0] x, input int unsigned n);
    sha_rotl32 = (x << n) | (x >> (32 - n));
  endfunction

  function automatic logic [31:0] sha_rotr32(input logic [31:0] x, input int unsigned n);
    sha_rotr32 = (x >> n) | (x << (32 - n));
  endfunction

  // 3:2 compressor: x + y + z == s + c (mod 2^32).
  function automatic logic [63:0] sha_csa(input logic [31:0] x, input logic [31:0] y, input logic [31:0] z);
    logic [31:0] s, c;
    s = x ^ y ^ z;
    c = ((x & y) | (x & z) | (y & z)) << 1;
    sha_csa = {s, c};
  endfunction

  // SHA-1 round constant for round t (0..79).
  function automatic logic [31:0] sha1_k(input logic [6:0] t);
    if (t < 7'd20) sha1_k = 32'h5a827999;
    else if (t < 7'd40) sha1_k = 32'h6ed9eba1;
    else if (t < 7'd60) sha1_k = 32'h8f1bbcdc;
    else sha1_k = 32'hca62c1d6;
  endfunction

  // SHA-256 round constant for round t (0..63).
  function automatic logic [31:0] sha256_k(input logic [5:0] t);
    case (t)
      6'd0: sha256_k = 32'h428a2f98;
      6'd1: sha256_k = 32'h71374491;
      6'd2: sha256_k = 32'hb5c0fbcf;
      6'd3: sha256_k = 32'he9b5dba5;
      6'd4: sha256_k = 32'h3956c25b;
      6'd5: sha256_k = 32'h59f111f1;
      6'd6: sha256_k = 32'h923f82a4;
      6'd7: sha256_k = 32'hab1c5ed5;
      6'd8: sha256_k = 32'hd807aa98;
      6'd9: sha256_k = 32'h12835b01;
      6'd10: sha256_k = 32'h243185be;
      6'd11: sha256_k = 32'h550c7dc3;
      6'd12: sha256_k = 32'h72be5d74;
      6'd13: sha256_k = 32'h80deb1fe;
      6'd14: sha256_k = 32'h9bdc06a7;
      6'd15: sha256_k = 32'hc19bf174;
      6'd16: sha256_k = 32'he49b69c1;
      6'd17: sha256_k = 32'hefbe4786;
      6'd18: sha256_k = 32'h0fc19dc6;
      6'd19: sha256_k = 32'h240ca1cc;
      6'd20: sha256_k = 32'h2de92c6f;
      6'd21: sha256_k = 32'h4a7484aa;
      6'd22: sha256_k = 32'h5cb0a9dc;
      6'd23: sha256_k = 32'h76f988da;
      6'd24: sha256_k = 32'h983e5152;
      6'd25: sha256_k = 32'ha831c66d;
      6'd26: sha256_k = 32'hb00327c8;
      6'd27: sha256_k = 32'hbf597fc7;
      6'd28: sha256_k = 32'hc6e00bf3;
      6'd29: sha256_k = 32'hd5a79147;
      6'd30: sha256_k = 32'h06ca6351;
      6'd31: sha256_k = 32'h14292967;
      6'd32: sha256_k = 32'h27b70a85;
      6'd33: sha256_k = 32'h2e1b2138;
      6'd34: sha256_k = 32'h4d2c6dfc;
      6'd35: sha256_k = 32'h53380d13;
      6'd36: sha256_k = 32'h650a7354;
      6'd37: sha256_k = 32'h766a0abb;
      6'd38: sha256_k = 32'h81c2c92e;
      6'd39: sha256_k = 32'h92722c85;
      6'd40: sha256_k = 32'ha2bfe8a1;
      6'd41: sha256_k = 32'ha81a664b;
      6'd42: sha256_k = 32'hc24b8b70;
      6'd43: sha256_k = 32'hc76c51a3;
      6'd44: sha256_k = 32'hd192e819;
      6'd45: sha256_k = 32'hd6990624;
      6'd46: sha256_k = 32'hf40e3585;
      6'd47: sha256_k = 32'h106aa070;
      6'd48: sha256_k = 32'h19a4c116;
      6'd49: sha256_k = 32'h1e376c08;
      6'd50: sha256_k = 32'h2748774c;
      6'd51: sha256_k = 32'h34b0bcb5;
      6'd52: sha256_k = 32'h391c0cb3;
      6'd53: sha256_k = 32'h4ed8aa4a;
      6'd54: sha256_k = 32'h5b9cca4f;
      6'd55: sha256_k = 32'h682e6ff3;
      6'd56: sha256_k = 32'h748f82ee;
      6'd57: sha256_k = 32'h78a5636f;
      6'd58: sha256_k = 32'h84c87814;
      6'd59: sha256_k = 32'h8cc70208;
      6'd60: sha256_k = 32'h90befffa;
      6'd61: sha256_k = 32'ha4506ceb;
      6'd62: sha256_k = 32'hbef9a3f7;
      6'd63: sha256_k = 32'hc67178f2;
      default: sha256_k = 32'h0;
    endcase
  endfunction

endpackage

`default_nettype wire
