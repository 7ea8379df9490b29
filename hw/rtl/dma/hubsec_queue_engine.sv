// hubsec_queue_engine: serves the card's queues. Round-robin over queues with work, it fetches 64-byte
// descriptors and hands them to the datapath, up to MAX_INFLIGHT jobs ahead; the datapath returns one
// result per job in job order, and the engine writes each job's 32-byte completion (phase bit in the last
// beat) to the job's queue and advances that queue's completion tail. A descriptor is taken only when its
// completion has a reserved place in the completion ring, so a full ring stalls its queue (nothing is
// dropped). One burst master serves four clients, one burst at a time, in priority order: completion
// writes, the datapath's writes, the datapath's reads, descriptor reads. A fault while reading a
// descriptor or writing a completion cannot be reported in the ring, so the queue halts and raises its
// interrupt bit (completions still due to a halted queue are dropped). A reset request blocks new bursts,
// lets the one on the bus finish (its owner completes it, so the bus stays legal), then pulses clear_o to
// every block of the card.
`default_nettype none

module hubsec_queue_engine #(
  parameter int unsigned NUM_QUEUES = 4,
  parameter int unsigned MAX_INFLIGHT = 8  // jobs handed to the datapath whose completion is not written
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

  // Datapath job / result ports. Results come back in job order (one per job); the engine keeps each
  // job's queue, cookie, slot and consumer index in a FIFO to write its completion.
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
  // Datapath DMA: a read requester and a write requester, served by the shared burst master between
  // the engine's own ring accesses (one burst on the bus at a time).
  input  wire logic                              dp_rd_req_valid_i,
  output logic                                   dp_rd_req_ready_o,
  input  wire logic [63:0]                       dp_rd_req_addr_i,
  input  wire logic [4:0]                        dp_rd_req_beats_i,
  output logic                                   dp_rd_valid_o,
  output logic [63:0]                            dp_rd_data_o,
  output logic                                   dp_rd_done_o,
  output logic                                   dp_rd_error_o,
  input  wire logic                              dp_wr_req_valid_i,
  output logic                                   dp_wr_req_ready_o,
  input  wire logic [63:0]                       dp_wr_req_addr_i,
  input  wire logic [4:0]                        dp_wr_req_beats_i,
  input  wire logic                              dp_wr_valid_i,
  input  wire logic [63:0]                       dp_wr_data_i,
  input  wire logic [7:0]                        dp_wr_strb_i,
  output logic                                   dp_wr_ready_o,
  output logic                                   dp_wr_done_o,
  output logic                                   dp_wr_error_o,

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
  localparam int unsigned MB = $clog2(MAX_INFLIGHT);
  localparam logic [3:0] MAX_LOG2 = 4'(hubsec_card_pkg::MAX_RING_LOG2);

  typedef enum logic [1:0] {F_IDLE, F_REQ, F_RD, F_JOB} fetch_e;
  typedef enum logic [1:0] {C_IDLE, C_REQ, C_WR} cpl_e;
  // Bus clients, in priority order: completion writes, datapath writes, datapath reads, descriptor reads.
  typedef enum logic [1:0] {B_CPL, B_DPW, B_DPR, B_DESC} client_e;

  typedef struct packed {
    logic [QB-1:0] q;
    logic [63:0]   cookie;
    logic [15:0]   slot;
    logic [31:0]   consumer;
  } meta_t;

  fetch_e                         fstate_q;
  cpl_e                           cstate_q;
  logic [QB-1:0]                  cur_q, rr_q;
  logic [511:0]                   desc_q;
  hubsec_card_pkg::cpl_t          cpl_q;
  logic [QB-1:0]                  cpl_qid_q;
  logic [1:0]                     beat_q;
  logic [NUM_QUEUES-1:0][31:0]    consumer_q, cpl_tail_q;
  logic [NUM_QUEUES-1:0][MB:0]    inflight_q;   // taken descriptors whose completion is not written yet
  logic [NUM_QUEUES-1:0]          halted_q;
  logic                           faulted_q;
  logic [63:0]                    fault_addr_q;
  logic [31:0]                    fault_count_q, jobs_done_q;

  // ---- in-flight job FIFO (job order = result order) ----
  meta_t                          meta_mem [MAX_INFLIGHT];
  logic [MB:0]                    meta_wp_q, meta_rp_q;
  logic                           meta_full, meta_empty, meta_push, meta_pop;
  meta_t                          meta_head;
  assign meta_full = (meta_wp_q - meta_rp_q) == (MB + 1)'(MAX_INFLIGHT);
  assign meta_empty = meta_wp_q == meta_rp_q;
  assign meta_head = meta_mem[meta_rp_q[MB-1:0]];

  // ---- per-queue work ----
  logic [NUM_QUEUES-1:0]          has_work;
  logic [NUM_QUEUES-1:0][31:0]    ring_size, ring_mask;
  always_comb begin
    for (int q = 0; q < int'(NUM_QUEUES); q++) begin
      ring_size[q] = 32'd1 << ((ring_log2_i[q] > MAX_LOG2) ? MAX_LOG2 : ring_log2_i[q]);
      ring_mask[q] = ring_size[q] - 32'd1;
      cpl_full_o[q] = (cpl_tail_q[q] - cpl_head_i[q]) >= ring_size[q];
      // a descriptor is taken only when its completion has a reserved place in the ring
      has_work[q] = q_enable_i[q] && !halted_q[q] && (producer_i[q] != consumer_q[q]) &&
                    ((cpl_tail_q[q] + 32'(inflight_q[q]) - cpl_head_i[q]) < ring_size[q]);
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

  // ---- burst master, shared by the engine (rings) and the datapath's read and write halves ----
  logic        bm_req_valid, bm_req_ready, bm_req_write;
  logic [63:0] bm_req_addr;
  logic [4:0]  bm_req_beats;
  logic        bm_rd_valid, bm_wr_valid, bm_wr_ready, bm_done, bm_error, bm_idle;
  logic [63:0] bm_rd_data, bm_wr_data, bm_error_addr;
  logic [7:0]  bm_wr_strb;
  logic [63:0] desc_addr, cpl_addr;
  client_e     grant, owner_q;
  logic        cpl_req, desc_req;

  assign desc_addr = desc_base_i[cur_q] + {26'd0, (consumer_q[cur_q] & ring_mask[cur_q]), 6'd0};
  assign cpl_addr = cpl_base_i[cpl_qid_q] + {27'd0, (cpl_tail_q[cpl_qid_q] & ring_mask[cpl_qid_q]), 5'd0};
  assign cpl_req = cstate_q == C_REQ;
  assign desc_req = fstate_q == F_REQ;

  always_comb begin
    grant = B_DESC;
    bm_req_valid = 1'b1;
    if (cpl_req) grant = B_CPL;
    else if (dp_wr_req_valid_i) grant = B_DPW;
    else if (dp_rd_req_valid_i) grant = B_DPR;
    else bm_req_valid = desc_req;
    unique case (grant)
      B_CPL: begin
        bm_req_write = 1'b1;
        bm_req_addr = cpl_addr;
        bm_req_beats = 5'd4;
      end
      B_DPW: begin
        bm_req_write = 1'b1;
        bm_req_addr = dp_wr_req_addr_i;
        bm_req_beats = dp_wr_req_beats_i;
      end
      B_DPR: begin
        bm_req_write = 1'b0;
        bm_req_addr = dp_rd_req_addr_i;
        bm_req_beats = dp_rd_req_beats_i;
      end
      default: begin
        bm_req_write = 1'b0;
        bm_req_addr = desc_addr;
        bm_req_beats = 5'd8;
      end
    endcase
    if (owner_q == B_DPW) begin
      bm_wr_valid = dp_wr_valid_i;
      bm_wr_data = dp_wr_data_i;
      bm_wr_strb = dp_wr_strb_i;
    end else begin
      bm_wr_valid = cstate_q == C_WR;
      bm_wr_data = cpl_q[beat_q*64 +: 64];
      bm_wr_strb = 8'hff;
    end
  end
  assign dp_wr_req_ready_o = bm_req_ready && grant == B_DPW;
  assign dp_rd_req_ready_o = bm_req_ready && grant == B_DPR;
  assign dp_rd_valid_o = owner_q == B_DPR && bm_rd_valid;
  assign dp_rd_data_o = bm_rd_data;
  assign dp_rd_done_o = owner_q == B_DPR && bm_done;
  assign dp_rd_error_o = bm_error;
  assign dp_wr_ready_o = owner_q == B_DPW && bm_wr_ready;
  assign dp_wr_done_o = owner_q == B_DPW && bm_done;
  assign dp_wr_error_o = bm_error;

  hubsec_dma_burst u_burst (
    .clk_i, .rst_ni,
    .block_i(reset_req_i),
    .req_valid_i(bm_req_valid), .req_ready_o(bm_req_ready), .req_write_i(bm_req_write),
    .req_addr_i(bm_req_addr), .req_beats_i(bm_req_beats),
    .rd_valid_o(bm_rd_valid), .rd_data_o(bm_rd_data),
    .wr_valid_i(bm_wr_valid), .wr_data_i(bm_wr_data), .wr_strb_i(bm_wr_strb), .wr_ready_o(bm_wr_ready),
    .done_o(bm_done), .error_o(bm_error), .error_addr_o(bm_error_addr), .idle_o(bm_idle),
    .m_axi_araddr_o, .m_axi_arlen_o, .m_axi_arsize_o, .m_axi_arburst_o, .m_axi_arvalid_o, .m_axi_arready_i,
    .m_axi_rdata_i, .m_axi_rresp_i, .m_axi_rlast_i, .m_axi_rvalid_i, .m_axi_rready_o,
    .m_axi_awaddr_o, .m_axi_awlen_o, .m_axi_awsize_o, .m_axi_awburst_o, .m_axi_awvalid_o, .m_axi_awready_i,
    .m_axi_wdata_o, .m_axi_wstrb_o, .m_axi_wlast_o, .m_axi_wvalid_o, .m_axi_wready_i,
    .m_axi_bresp_i, .m_axi_bvalid_i, .m_axi_bready_o
  );

  logic desc_done, cpl_done;
  assign desc_done = owner_q == B_DESC && bm_done;
  assign cpl_done = owner_q == B_CPL && bm_done;

  // ---- datapath ports ----
  assign dp_job_valid_o = fstate_q == F_JOB;
  assign dp_job_desc_o = hubsec_card_pkg::desc_t'(desc_q);
  assign dp_job_control_o = (cur_q == '0);
  assign dp_res_ready_o = cstate_q == C_IDLE && !meta_empty;
  assign meta_push = dp_job_valid_o && dp_job_ready_i;
  assign meta_pop = dp_res_valid_i && dp_res_ready_o;

  // ---- outputs ----
  assign consumer_o = consumer_q;
  assign cpl_tail_o = cpl_tail_q;
  assign halted_o = halted_q;
  assign faulted_o = faulted_q;
  assign fault_addr_o = fault_addr_q;
  assign fault_count_o = fault_count_q;
  assign jobs_done_o = jobs_done_q;
  assign busy_o = fstate_q != F_IDLE || cstate_q != C_IDLE || !meta_empty;
  assign work_o = busy_o || (enable_i && pick_valid) || reset_req_i;
  // A reset waits for the burst on the bus (its owner finishes it), then clears every block of the card.
  assign clear_o = reset_req_i && bm_idle;

  always_ff @(posedge clk_i) begin
    if (meta_push) begin
      meta_mem[meta_wp_q[MB-1:0]] <= '{q: cur_q, cookie: dp_job_desc_o.cookie, slot: dp_job_desc_o.sa_slot,
                                       consumer: consumer_q[cur_q]};
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fstate_q <= F_IDLE;
      cstate_q <= C_IDLE;
      owner_q <= B_DESC;
      cur_q <= '0;
      rr_q <= '0;
      desc_q <= '0;
      cpl_q <= '0;
      cpl_qid_q <= '0;
      beat_q <= '0;
      consumer_q <= '0;
      cpl_tail_q <= '0;
      inflight_q <= '0;
      halted_q <= '0;
      faulted_q <= 1'b0;
      fault_addr_q <= '0;
      fault_count_q <= '0;
      jobs_done_q <= '0;
      meta_wp_q <= '0;
      meta_rp_q <= '0;
      cpl_written_o <= '0;
      halt_raise_o <= '0;
    end else if (clear_o) begin
      fstate_q <= F_IDLE;
      cstate_q <= C_IDLE;
      owner_q <= B_DESC;
      rr_q <= '0;
      consumer_q <= '0;
      cpl_tail_q <= '0;
      inflight_q <= '0;
      halted_q <= '0;
      faulted_q <= 1'b0;
      fault_addr_q <= '0;
      fault_count_q <= '0;
      jobs_done_q <= '0;
      meta_wp_q <= '0;
      meta_rp_q <= '0;
      cpl_written_o <= '0;
      halt_raise_o <= '0;
    end else begin
      logic [NUM_QUEUES-1:0][MB:0] inflight_d;
      inflight_d = inflight_q;
      cpl_written_o <= '0;
      halt_raise_o <= '0;
      if (bm_req_valid && bm_req_ready) owner_q <= grant;
      if (bm_done && bm_error) begin
        fault_count_q <= fault_count_q + 32'd1;
        if (!faulted_q) begin
          faulted_q <= 1'b1;
          fault_addr_q <= bm_error_addr;
        end
      end
      if (meta_push) meta_wp_q <= meta_wp_q + 1'b1;
      if (meta_pop) meta_rp_q <= meta_rp_q + 1'b1;

      // fetch
      unique case (fstate_q)
        F_IDLE: begin
          if (enable_i && pick_valid && !meta_full && !reset_req_i) begin
            cur_q <= pick;
            rr_q <= pick;
            fstate_q <= F_REQ;
          end
        end
        F_REQ: if (bm_req_ready && grant == B_DESC) fstate_q <= F_RD;
        F_RD: begin
          if (bm_rd_valid) desc_q <= {bm_rd_data, desc_q[511:64]};
          if (desc_done) begin
            if (bm_error) begin
              halted_q[cur_q] <= 1'b1;
              halt_raise_o[cur_q] <= 1'b1;
              fstate_q <= F_IDLE;
            end else begin
              consumer_q[cur_q] <= consumer_q[cur_q] + 32'd1;
              inflight_d[cur_q] = inflight_d[cur_q] + 1'b1;
              fstate_q <= F_JOB;
            end
          end
        end
        F_JOB: if (dp_job_ready_i) fstate_q <= F_IDLE;
        default: fstate_q <= F_IDLE;
      endcase

      // completions, in job order
      unique case (cstate_q)
        C_IDLE: begin
          if (meta_pop) begin
            cpl_q <= '0;
            cpl_q.cookie <= meta_head.cookie;
            cpl_q.out_len <= dp_res_out_len_i;
            cpl_q.seq_lo <= dp_res_seq_lo_i;
            cpl_q.sa_slot <= meta_head.slot;
            cpl_q.status <= dp_res_status_i;
            cpl_q.next_header <= dp_res_next_header_i;
            cpl_q.flags <= dp_res_flags_i;
            cpl_q.consumer <= meta_head.consumer;
            cpl_q.phase <= {7'd0, ~|(cpl_tail_q[meta_head.q] & ring_size[meta_head.q])};
            cpl_qid_q <= meta_head.q;
            beat_q <= '0;
            if (halted_q[meta_head.q]) begin
              inflight_d[meta_head.q] = inflight_d[meta_head.q] - 1'b1;  // its ring is gone: dropped
            end else begin
              cstate_q <= C_REQ;
            end
          end
        end
        C_REQ: if (bm_req_ready) cstate_q <= C_WR;
        C_WR: begin
          if (bm_wr_ready && bm_wr_valid) beat_q <= beat_q + 2'd1;
          if (cpl_done) begin
            if (bm_error) begin
              halted_q[cpl_qid_q] <= 1'b1;
              halt_raise_o[cpl_qid_q] <= 1'b1;
            end else begin
              cpl_tail_q[cpl_qid_q] <= cpl_tail_q[cpl_qid_q] + 32'd1;
              cpl_written_o[cpl_qid_q] <= 1'b1;
              jobs_done_q <= jobs_done_q + 32'd1;
            end
            inflight_d[cpl_qid_q] = inflight_d[cpl_qid_q] - 1'b1;
            cstate_q <= C_IDLE;
          end
        end
        default: cstate_q <= C_IDLE;
      endcase
      inflight_q <= inflight_d;
    end
  end

endmodule

`default_nettype wire
