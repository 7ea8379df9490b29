// hubsec_placeholder_datapath: NOT the ESP datapath. It stands where issue 5's ESP pipelines and SA table
// will be, behind the same job / result / DMA ports, so that the card shell (rings, doorbells, completions,
// interrupts, back-pressure, DMA faults, resets) and the driver can be built and tested before the crypto
// exists. It keeps a valid bit, generation and packet/byte counters per SA slot; SA_WRITE reads the whole
// record (and checks its generation), SA_INVALIDATE clears the slot, SA_READ_COUNTERS writes the counters
// record; ENCRYPT and DECRYPT check slot, generation and lengths and then copy src_len - in_offset bytes
// from src_addr + in_offset to dst_addr + out_offset unchanged, in chunks of up to 128 bytes that never
// cross a 4 KiB page. Source and destination (after offsets) must be 8-byte aligned.
`default_nettype none

module hubsec_placeholder_datapath #(
  parameter int unsigned SA_SLOTS = 64,
  parameter int unsigned MAX_PACKET = 9216
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,
  input  wire logic                     clear_i,        // soft reset: abort, wipe the SA table

  input  wire logic                     job_valid_i,
  output logic                          job_ready_o,
  input  wire hubsec_card_pkg::desc_t   job_desc_i,
  input  wire logic                     job_control_i,  // the job came from the control queue

  output logic                          res_valid_o,
  input  wire logic                     res_ready_i,
  output logic [7:0]                    res_status_o,
  output logic [31:0]                   res_out_len_o,
  output logic [31:0]                   res_seq_lo_o,
  output logic [7:0]                    res_next_header_o,
  output logic [7:0]                    res_flags_o,

  // DMA, served by the queue engine's burst master while this job runs.
  output logic                          req_valid_o,
  input  wire logic                     req_ready_i,
  output logic                          req_write_o,
  output logic [63:0]                   req_addr_o,
  output logic [4:0]                    req_beats_o,
  output logic [7:0]                    req_last_strb_o,
  input  wire logic                     rd_valid_i,
  input  wire logic [63:0]              rd_data_i,
  output logic                          wr_valid_o,
  output logic [63:0]                   wr_data_o,
  input  wire logic                     wr_ready_i,
  input  wire logic                     done_i,
  input  wire logic                     error_i
);

  localparam int unsigned SLOT_BITS = (SA_SLOTS > 1) ? $clog2(SA_SLOTS) : 1;
  localparam logic [15:0] MAX_LEN = 16'(MAX_PACKET);

  typedef enum logic [2:0] {S_IDLE, S_CHECK, S_CHUNK, S_RD_REQ, S_RD, S_WR_REQ, S_WR, S_RESULT} state_e;

  state_e                 state_q;
  hubsec_card_pkg::desc_t desc_q;
  logic                   control_q;
  logic [63:0]            src_q, dst_q;
  logic [15:0]            rem_q, chunk_q, out_len_q;
  logic                   do_read_q, do_write_q, first_chunk_q;
  logic [3:0]             idx_q;
  logic [63:0]            buf_q [16];
  logic [7:0]             status_q;
  logic [7:0]             rec_flags_q;
  logic [15:0]            rec_gen_q;

  logic                   valid_q [SA_SLOTS];
  logic [15:0]            gen_q [SA_SLOTS];
  logic [63:0]            pkts_q [SA_SLOTS];
  logic [63:0]            bytes_q [SA_SLOTS];

  // ---- job decode (combinational on the registered descriptor) ----
  logic                 slot_ok;
  logic [SLOT_BITS-1:0] slot;
  logic                 is_data, is_ctrl, op_known;
  logic [15:0]          payload_len;
  logic [63:0]          src_start, dst_start;
  logic [16:0]          out_need;
  logic [7:0]           check_status;

  assign slot_ok = ({16'd0, desc_q.sa_slot} < 32'(SA_SLOTS));
  assign slot = desc_q.sa_slot[SLOT_BITS-1:0];
  assign is_data = (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_ENCRYPT)) ||
                   (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_DECRYPT));
  assign is_ctrl = (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_WRITE)) ||
                   (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_INVALIDATE)) ||
                   (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_READ_COUNTERS));
  assign op_known = is_data || is_ctrl;
  assign payload_len = desc_q.src_len - desc_q.in_offset;
  assign src_start = desc_q.src_addr + {48'd0, desc_q.in_offset};
  assign dst_start = desc_q.dst_addr + {48'd0, desc_q.out_offset};
  assign out_need = {1'b0, payload_len} + {1'b0, desc_q.out_offset};

  always_comb begin
    check_status = 8'(hubsec_card_pkg::STATUS_OK);
    if (!op_known || (is_ctrl != control_q)) begin
      check_status = 8'(hubsec_card_pkg::STATUS_BAD_OPCODE);
    end else if (!slot_ok) begin
      check_status = 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
    end else if (is_data) begin
      if (!valid_q[slot]) check_status = 8'(hubsec_card_pkg::STATUS_UNKNOWN_SA);
      else if (gen_q[slot] != desc_q.sa_gen) check_status = 8'(hubsec_card_pkg::STATUS_STALE_SA);
      else if (desc_q.src_len > MAX_LEN || desc_q.dst_cap > MAX_LEN || desc_q.in_offset > desc_q.src_len ||
               out_need > {1'b0, desc_q.dst_cap} || src_start[2:0] != 3'd0 || dst_start[2:0] != 3'd0)
        check_status = 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
    end else if (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_WRITE)) begin
      if (desc_q.src_len != 16'(hubsec_card_pkg::SA_RECORD_BYTES) || desc_q.src_addr[2:0] != 3'd0)
        check_status = 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
    end else if (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_READ_COUNTERS)) begin
      if (desc_q.dst_cap < 16'(hubsec_card_pkg::SA_COUNTERS_BYTES) || desc_q.dst_addr[2:0] != 3'd0)
        check_status = 8'(hubsec_card_pkg::STATUS_BAD_LENGTH);
    end
  end

  // ---- chunking: at most 128 bytes, never across a 4 KiB page on either side ----
  logic [12:0] src_room, dst_room;
  logic [15:0] chunk;
  always_comb begin
    src_room = 13'h1000 - {1'b0, src_q[11:0]};
    dst_room = 13'h1000 - {1'b0, dst_q[11:0]};
    chunk = (rem_q < 16'd128) ? rem_q : 16'd128;
    if (do_read_q && {3'b000, src_room} < chunk) chunk = {3'b000, src_room};
    if (do_write_q && {3'b000, dst_room} < chunk) chunk = {3'b000, dst_room};
  end

  logic [4:0] chunk_beats;
  logic [7:0] chunk_last_strb;
  assign chunk_beats = 5'((chunk_q + 16'd7) >> 3);
  assign chunk_last_strb = (chunk_q[2:0] == 3'd0) ? 8'hff : (8'hff >> (4'd8 - {1'b0, chunk_q[2:0]}));

  assign job_ready_o = (state_q == S_IDLE);
  assign req_valid_o = (state_q == S_RD_REQ) || (state_q == S_WR_REQ);
  assign req_write_o = (state_q == S_WR_REQ);
  assign req_addr_o = (state_q == S_WR_REQ) ? dst_q : src_q;
  assign req_beats_o = chunk_beats;
  assign req_last_strb_o = chunk_last_strb;
  assign wr_valid_o = (state_q == S_WR);
  assign wr_data_o = buf_q[idx_q];

  assign res_valid_o = (state_q == S_RESULT);
  assign res_status_o = status_q;
  assign res_out_len_o = {16'd0, out_len_q};
  assign res_seq_lo_o = desc_q.seq[31:0];
  assign res_next_header_o = desc_q.next_header;
  assign res_flags_o = 8'd0;

  // Unused descriptor fields (IV, cookie, flags, high sequence bits): the ESP datapath uses them.
  logic unused;
  assign unused = ^{desc_q.iv, desc_q.cookie, desc_q.flags, desc_q.rsvd0, desc_q.seq[63:32], rec_flags_q[7:1]};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      desc_q <= '0;
      control_q <= 1'b0;
      src_q <= '0;
      dst_q <= '0;
      rem_q <= '0;
      chunk_q <= '0;
      out_len_q <= '0;
      do_read_q <= 1'b0;
      do_write_q <= 1'b0;
      first_chunk_q <= 1'b0;
      idx_q <= '0;
      status_q <= '0;
      rec_flags_q <= '0;
      rec_gen_q <= '0;
      for (int i = 0; i < 16; i++) buf_q[i] <= '0;
      for (int i = 0; i < int'(SA_SLOTS); i++) begin
        valid_q[i] <= 1'b0;
        gen_q[i] <= '0;
        pkts_q[i] <= '0;
        bytes_q[i] <= '0;
      end
    end else if (clear_i) begin
      state_q <= S_IDLE;
      for (int i = 0; i < int'(SA_SLOTS); i++) begin
        valid_q[i] <= 1'b0;
        gen_q[i] <= '0;
        pkts_q[i] <= '0;
        bytes_q[i] <= '0;
      end
    end else begin
      unique case (state_q)
        S_IDLE: begin
          if (job_valid_i) begin
            desc_q <= job_desc_i;
            control_q <= job_control_i;
            state_q <= S_CHECK;
          end
        end
        S_CHECK: begin
          status_q <= check_status;
          out_len_q <= '0;
          first_chunk_q <= 1'b1;
          state_q <= S_RESULT;
          if (check_status == 8'(hubsec_card_pkg::STATUS_OK)) begin
            if (is_data) begin
              src_q <= src_start;
              dst_q <= dst_start;
              rem_q <= payload_len;
              do_read_q <= 1'b1;
              do_write_q <= 1'b1;
              if (payload_len != 16'd0) state_q <= S_CHUNK;
              else begin
                pkts_q[slot] <= pkts_q[slot] + 64'd1;
              end
            end else if (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_WRITE)) begin
              src_q <= desc_q.src_addr;
              rem_q <= desc_q.src_len;
              do_read_q <= 1'b1;
              do_write_q <= 1'b0;
              state_q <= S_CHUNK;
            end else if (desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_READ_COUNTERS)) begin
              dst_q <= desc_q.dst_addr;
              rem_q <= 16'(hubsec_card_pkg::SA_COUNTERS_BYTES);
              do_read_q <= 1'b0;
              do_write_q <= 1'b1;
              for (int i = 0; i < 16; i++) buf_q[i] <= '0;
              buf_q[0] <= pkts_q[slot];
              buf_q[1] <= bytes_q[slot];
              buf_q[6] <= {40'd0, 7'd0, valid_q[slot], gen_q[slot]};
              state_q <= S_CHUNK;
            end else begin  // SA_INVALIDATE
              valid_q[slot] <= 1'b0;
              pkts_q[slot] <= '0;
              bytes_q[slot] <= '0;
            end
          end
        end
        S_CHUNK: begin
          chunk_q <= chunk;
          idx_q <= '0;
          state_q <= do_read_q ? S_RD_REQ : S_WR_REQ;
        end
        S_RD_REQ: if (req_ready_i) state_q <= S_RD;
        S_RD: begin
          if (rd_valid_i) begin
            buf_q[idx_q] <= rd_data_i;
            idx_q <= idx_q + 4'd1;
            if (first_chunk_q && idx_q == 4'd0) rec_flags_q <= rd_data_i[7:0];
            if (first_chunk_q && idx_q == 4'd1) rec_gen_q <= rd_data_i[15:0];
          end
          if (done_i) begin
            idx_q <= '0;
            if (error_i) begin
              status_q <= 8'(hubsec_card_pkg::STATUS_DMA_ERROR);
              state_q <= S_RESULT;
            end else if (do_write_q) begin
              state_q <= S_WR_REQ;
            end else begin
              src_q <= src_q + {48'd0, chunk_q};
              rem_q <= rem_q - chunk_q;
              first_chunk_q <= 1'b0;
              state_q <= (rem_q == chunk_q) ? S_RESULT : S_CHUNK;
            end
          end
        end
        S_WR_REQ: if (req_ready_i) state_q <= S_WR;
        S_WR: begin
          if (wr_ready_i) idx_q <= idx_q + 4'd1;
          if (done_i) begin
            if (error_i) begin
              status_q <= 8'(hubsec_card_pkg::STATUS_DMA_ERROR);
              state_q <= S_RESULT;
            end else begin
              src_q <= src_q + {48'd0, chunk_q};
              dst_q <= dst_q + {48'd0, chunk_q};
              rem_q <= rem_q - chunk_q;
              if (is_data) out_len_q <= out_len_q + chunk_q;
              first_chunk_q <= 1'b0;
              if (rem_q == chunk_q) begin
                state_q <= S_RESULT;
                if (is_data) begin
                  pkts_q[slot] <= pkts_q[slot] + 64'd1;
                  bytes_q[slot] <= bytes_q[slot] + {48'd0, out_len_q + chunk_q};
                end
              end else begin
                state_q <= S_CHUNK;
              end
            end
          end
        end
        S_RESULT: begin
          if (res_ready_i) state_q <= S_IDLE;
        end
        default: state_q <= S_IDLE;
      endcase
      // SA_WRITE lands when its record has been read completely and without error.
      if (state_q == S_RD && done_i && !error_i && !do_write_q && rem_q == chunk_q &&
          desc_q.opcode == 8'(hubsec_card_pkg::OPCODE_SA_WRITE)) begin
        if (rec_gen_q != desc_q.sa_gen) begin
          status_q <= 8'(hubsec_card_pkg::STATUS_STALE_SA);
        end else begin
          valid_q[slot] <= rec_flags_q[hubsec_card_pkg::SA_FLAG_VALID];
          gen_q[slot] <= rec_gen_q;
          pkts_q[slot] <= '0;
          bytes_q[slot] <= '0;
        end
      end
    end
  end

endmodule

`default_nettype wire
