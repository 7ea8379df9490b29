// hubsec_queue_engine: serves the card's queues. Round-robin over queues with work, it fetches one
// 64-byte descriptor from the queue's ring, hands it to the datapath and lends it the DMA master while the
// job runs, then writes the 32-byte completion (phase bit in the last beat) and advances the queue's
// consumer and completion-tail indices. A queue whose completion ring is full is not served (it stalls,
// nothing is dropped). A fault while reading a descriptor or writing a completion cannot be reported in
// the ring, so the queue halts and raises its interrupt bit. A reset request blocks new bursts, waits for
// the one on the bus to finish (the bus stays legal), then pulses clear_o to every block of the card.
`default_nettype none

module hubsec_queue_engine #(
  parameter int unsigned NUM_QUEUES = 4
) (
  input  wire logic                              clk_i,
  input  wire logic                              rst_ni,

  input  wire logic                              enable_i,
  input  wire logic                              reset_req_i,
  output logic                                   clear_o,

  // Queue configuration and host-owned indices (from the register file).
  input  wire logic [NUM_QUEUES-1:0]             q_enable_i,
  input  wire logic [NUM_QUEUES-1:0][63:0]       desc_base_i,
  input  wire logic [NUM_QUEUES-1:0][63:0]       cpl_base_i,
  input  wire logic [NUM_QUEUES-1:0][3:0]        ring_log2_i,
  input  wire logic [NUM_QUEUES-1:0][31:0]       producer_i,
  input  wire logic [NUM_QUEUES-1:0][31:0]       cpl_head_i,

  // Card-owned queue state (to the register file and interrupt logic).
  output logic [NUM_QUEUES-1:0][31:0]            consumer_o,
  output logic [NUM_QUEUES-1:0][31:0]            cpl_tail_o,
  output logic [NUM_QUEUES-1:0]                  halted_o,
  output logic [NUM_QUEUES-1:0]                  cpl_full_o,
  output logic [NUM_QUEUES-1:0]                  cpl_written_o,  // pulse per completion
  output logic [NUM_QUEUES-1:0]                  halt_raise_o,   // pulse when a queue halts

  output logic                                   faulted_o,
  output logic [63:0]                            fault_addr_o,
  output logic [31:0]                            fault_count_o,
  output logic [31:0]                            jobs_done_o,
  output logic                                   busy_o,         // a job is in flight
  output logic                                   work_o,         // some queue has work or a job runs

  // Datapath job / result ports.
  output logic                                   dp_job_valid_o,
  input  wire logic                              dp_job_ready_i,
  output hubsec_card_pkg::desc_t                 dp_job_desc_o,
  output logic                                   dp_job_control_o,
  input  wire logic                              dp_res_valid_i,
  output logic                                   dp_res_ready_o,
  input  wire logic [7:0]                        dp_res_status_i,
  input  wire logic [31:0]                       dp_res_out_len_i,
  input  wire logic [31:0]                       dp_res_seq_lo_i,
  input  wire logic [7:0]                        dp_res_next_header_i,
  input  wire logic [7:0]                        dp_res_flags_i,
  // Datapath DMA requests, served while its job runs.
  input  wire logic                              dp_req_valid_i,
  output logic                                   dp_req_ready_o,
  input  wire logic                              dp_req_write_i,
  input  wire logic [63:0]                       dp_req_addr_i,
  input  wire logic [4:0]                        dp_req_beats_i,
  input  wire logic [7:0]                        dp_req_last_strb_i,
  output logic                                   dp_rd_valid_o,
  output logic [63:0]                            dp_rd_data_o,
  input  wire logic                              dp_wr_valid_i,
  input  wire logic [63:0]                       dp_wr_data_i,
  output logic                                   dp_wr_ready_o,
  output logic                                   dp_done_o,
  output logic                                   dp_error_o,

  // AXI4 master to host memory.
  output logic [63:0]                            m_axi_araddr_o,
  output logic [7:0]                             m_axi_arlen_o,
  output logic [2:0]                             m_axi_arsize_o,
  output logic [1:0]                             m_axi_arburst_o,
  output logic                                   m_axi_arvalid_o,
  input  wire logic                              m_axi_arready_i,
  input  wire logic [63:0]                       m_axi_rdata_i,
  input  wire logic [1:0]                        m_axi_rresp_i,
  input  wire logic                              m_axi_rlast_i,
  input  wire logic                              m_axi_rvalid_i,
  output logic                                   m_axi_rready_o,
  output logic [63:0]                            m_axi_awaddr_o,
  output logic [7:0]                             m_axi_awlen_o,
  output logic [2:0]                             m_axi_awsize_o,
  output logic [1:0]                             m_axi_awburst_o,
  output logic                                   m_axi_awvalid_o,
  input  wire logic                              m_axi_awready_i,
  output logic [63:0]                            m_axi_wdata_o,
  output logic [7:0]                             m_axi_wstrb_o,
  output logic                                   m_axi_wlast_o,
  output logic                                   m_axi_wvalid_o,
  input  wire logic                              m_axi_wready_i,
  input  wire logic [1:0]                        m_axi_bresp_i,
  input  wire logic                              m_axi_bvalid_i,
  output logic                                   m_axi_bready_o
);

  localparam int unsigned QB = (NUM_QUEUES > 1) ? $clog2(NUM_QUEUES) : 1;
  localparam logic [3:0] MAX_LOG2 = 4'(hubsec_card_pkg::MAX_RING_LOG2);

  typedef enum logic [2:0] {S_IDLE, S_DESC_REQ, S_DESC_RD, S_DP_JOB, S_DP_RUN, S_CPL_REQ, S_CPL_WR, S_RESET}
      state_e;

  state_e                         state_q;
  logic [QB-1:0]                  cur_q, rr_q;
  logic [511:0]                   desc_q;
  hubsec_card_pkg::cpl_t          cpl_q;
  logic [1:0]                     beat_q;
  logic                           dp_owns_q;
  logic [NUM_QUEUES-1:0][31:0]    consumer_q, cpl_tail_q;
  logic [NUM_QUEUES-1:0]          halted_q;
  logic                           faulted_q;
  logic [63:0]                    fault_addr_q;
  logic [31:0]                    fault_count_q, jobs_done_q;

  // ---- per-queue work ----
  logic [NUM_QUEUES-1:0]          has_work;
  logic [NUM_QUEUES-1:0][31:0]    ring_size, ring_mask;
  always_comb begin
    for (int q = 0; q < int'(NUM_QUEUES); q++) begin
      ring_size[q] = 32'd1 << ((ring_log2_i[q] > MAX_LOG2) ? MAX_LOG2 : ring_log2_i[q]);
      ring_mask[q] = ring_size[q] - 32'd1;
      cpl_full_o[q] = (cpl_tail_q[q] - cpl_head_i[q]) >= ring_size[q];
      has_work[q] = q_enable_i[q] && !halted_q[q] && (producer_i[q] != consumer_q[q]) && !cpl_full_o[q];
    end
  end

  // Round-robin: the first queue with work after the one served last.
  logic          pick_valid;
  logic [QB-1:0] pick;
  always_comb begin
    pick_valid = 1'b0;
    pick = '0;
    for (int i = 1; i <= int'(NUM_QUEUES); i++) begin
      logic [QB-1:0] cand;
      cand = QB'((32'(rr_q) + 32'(i)) % NUM_QUEUES);
      if (!pick_valid && has_work[cand]) begin
        pick_valid = 1'b1;
        pick = cand;
      end
    end
  end

  // ---- burst master, shared by the engine (rings) and the datapath (its job's data) ----
  logic        bm_req_valid, bm_req_ready, bm_req_write;
  logic [63:0] bm_req_addr;
  logic [4:0]  bm_req_beats;
  logic [7:0]  bm_req_last_strb;
  logic        bm_rd_valid, bm_wr_valid, bm_wr_ready, bm_done, bm_error, bm_idle;
  logic [63:0] bm_rd_data, bm_wr_data, bm_error_addr;
  logic [63:0] desc_addr, cpl_addr;

  assign desc_addr = desc_base_i[cur_q] + {26'd0, (consumer_q[cur_q] & ring_mask[cur_q]), 6'd0};
  assign cpl_addr = cpl_base_i[cur_q] + {27'd0, (cpl_tail_q[cur_q] & ring_mask[cur_q]), 5'd0};

  always_comb begin
    if (dp_owns_q) begin
      bm_req_valid = dp_req_valid_i;
      bm_req_write = dp_req_write_i;
      bm_req_addr = dp_req_addr_i;
      bm_req_beats = dp_req_beats_i;
      bm_req_last_strb = dp_req_last_strb_i;
      bm_wr_valid = dp_wr_valid_i;
      bm_wr_data = dp_wr_data_i;
    end else begin
      bm_req_valid = (state_q == S_DESC_REQ) || (state_q == S_CPL_REQ);
      bm_req_write = (state_q == S_CPL_REQ);
      bm_req_addr = (state_q == S_CPL_REQ) ? cpl_addr : desc_addr;
      bm_req_beats = (state_q == S_CPL_REQ) ? 5'd4 : 5'd8;
      bm_req_last_strb = 8'hff;
      bm_wr_valid = (state_q == S_CPL_WR);
      bm_wr_data = cpl_q[beat_q*64 +: 64];
    end
  end
  assign dp_req_ready_o = dp_owns_q && bm_req_ready;
  assign dp_rd_valid_o = dp_owns_q && bm_rd_valid;
  assign dp_rd_data_o = bm_rd_data;
  assign dp_wr_ready_o = dp_owns_q && bm_wr_ready;
  assign dp_done_o = dp_owns_q && bm_done;
  assign dp_error_o = bm_error;

  hubsec_dma_burst u_burst (
    .clk_i, .rst_ni,
    .block_i(reset_req_i),
    .req_valid_i(bm_req_valid), .req_ready_o(bm_req_ready), .req_write_i(bm_req_write),
    .req_addr_i(bm_req_addr), .req_beats_i(bm_req_beats), .req_last_strb_i(bm_req_last_strb),
    .rd_valid_o(bm_rd_valid), .rd_data_o(bm_rd_data),
    .wr_valid_i(bm_wr_valid), .wr_data_i(bm_wr_data), .wr_ready_o(bm_wr_ready),
    .done_o(bm_done), .error_o(bm_error), .error_addr_o(bm_error_addr), .idle_o(bm_idle),
    .m_axi_araddr_o, .m_axi_arlen_o, .m_axi_arsize_o, .m_axi_arburst_o, .m_axi_arvalid_o, .m_axi_arready_i,
    .m_axi_rdata_i, .m_axi_rresp_i, .m_axi_rlast_i, .m_axi_rvalid_i, .m_axi_rready_o,
    .m_axi_awaddr_o, .m_axi_awlen_o, .m_axi_awsize_o, .m_axi_awburst_o, .m_axi_awvalid_o, .m_axi_awready_i,
    .m_axi_wdata_o, .m_axi_wstrb_o, .m_axi_wlast_o, .m_axi_wvalid_o, .m_axi_wready_i,
    .m_axi_bresp_i, .m_axi_bvalid_i, .m_axi_bready_o
  );

  // ---- datapath ports ----
  assign dp_job_valid_o = (state_q == S_DP_JOB);
  assign dp_job_desc_o = hubsec_card_pkg::desc_t'(desc_q);
  assign dp_job_control_o = (cur_q == '0);
  assign dp_res_ready_o = (state_q == S_DP_RUN);

  // ---- outputs ----
  assign consumer_o = consumer_q;
  assign cpl_tail_o = cpl_tail_q;
  assign halted_o = halted_q;
  assign faulted_o = faulted_q;
  assign fault_addr_o = fault_addr_q;
  assign fault_count_o = fault_count_q;
  assign jobs_done_o = jobs_done_q;
  assign busy_o = (state_q != S_IDLE);
  assign work_o = (state_q != S_IDLE) || (enable_i && pick_valid) || reset_req_i;
  assign clear_o = (state_q == S_RESET) && bm_idle;

  logic reset_now;  // a reset may start here: the engine has no burst of its own on the bus
  assign reset_now = reset_req_i && (state_q != S_DESC_RD) && (state_q != S_CPL_WR) && (state_q != S_RESET);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      cur_q <= '0;
      rr_q <= '0;
      desc_q <= '0;
      cpl_q <= '0;
      beat_q <= '0;
      dp_owns_q <= 1'b0;
      consumer_q <= '0;
      cpl_tail_q <= '0;
      halted_q <= '0;
      faulted_q <= 1'b0;
      fault_addr_q <= '0;
      fault_count_q <= '0;
      jobs_done_q <= '0;
      cpl_written_o <= '0;
      halt_raise_o <= '0;
    end else begin
      cpl_written_o <= '0;
      halt_raise_o <= '0;
      if (bm_done && bm_error) begin
        fault_count_q <= fault_count_q + 32'd1;
        if (!faulted_q) begin
          faulted_q <= 1'b1;
          fault_addr_q <= bm_error_addr;
        end
      end
      if (reset_now) begin
        state_q <= S_RESET;
      end else begin
        unique case (state_q)
          S_IDLE: begin
            if (enable_i && pick_valid) begin
              cur_q <= pick;
              rr_q <= pick;
              state_q <= S_DESC_REQ;
            end
          end
          S_DESC_REQ: if (bm_req_ready) state_q <= S_DESC_RD;
          S_DESC_RD: begin
            if (bm_rd_valid) desc_q <= {bm_rd_data, desc_q[511:64]};
            if (bm_done) begin
              if (bm_error) begin
                halted_q[cur_q] <= 1'b1;
                halt_raise_o[cur_q] <= 1'b1;
                state_q <= S_IDLE;
              end else begin
                consumer_q[cur_q] <= consumer_q[cur_q] + 32'd1;
                state_q <= S_DP_JOB;
              end
            end
          end
          S_DP_JOB: begin
            if (dp_job_ready_i) begin
              dp_owns_q <= 1'b1;
              state_q <= S_DP_RUN;
            end
          end
          S_DP_RUN: begin
            if (dp_res_valid_i) begin
              cpl_q <= '0;
              cpl_q.cookie <= dp_job_desc_o.cookie;
              cpl_q.out_len <= dp_res_out_len_i;
              cpl_q.seq_lo <= dp_res_seq_lo_i;
              cpl_q.sa_slot <= dp_job_desc_o.sa_slot;
              cpl_q.status <= dp_res_status_i;
              cpl_q.next_header <= dp_res_next_header_i;
              cpl_q.flags <= dp_res_flags_i;
              cpl_q.consumer <= consumer_q[cur_q];
              cpl_q.phase <= {7'd0, ~|(cpl_tail_q[cur_q] & ring_size[cur_q])};
              dp_owns_q <= 1'b0;
              state_q <= S_CPL_REQ;
            end
          end
          S_CPL_REQ: begin
            beat_q <= '0;
            if (bm_req_ready) state_q <= S_CPL_WR;
          end
          S_CPL_WR: begin
            if (bm_wr_ready && bm_wr_valid) beat_q <= beat_q + 2'd1;
            if (bm_done) begin
              if (bm_error) begin
                halted_q[cur_q] <= 1'b1;
                halt_raise_o[cur_q] <= 1'b1;
              end else begin
                cpl_tail_q[cur_q] <= cpl_tail_q[cur_q] + 32'd1;
                cpl_written_o[cur_q] <= 1'b1;
                jobs_done_q <= jobs_done_q + 32'd1;
              end
              state_q <= S_IDLE;
            end
          end
          S_RESET: begin
            if (bm_idle) begin
              state_q <= S_IDLE;
              dp_owns_q <= 1'b0;
              consumer_q <= '0;
              cpl_tail_q <= '0;
              halted_q <= '0;
              faulted_q <= 1'b0;
              fault_addr_q <= '0;
              fault_count_q <= '0;
              jobs_done_q <= '0;
              rr_q <= '0;
            end
          end
          default: state_q <= S_IDLE;
        endcase
      end
    end
  end

endmodule

`default_nettype wire
