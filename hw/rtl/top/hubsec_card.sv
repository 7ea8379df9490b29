// hubsec_card: the card top, with the boundary of a Vitis RTL kernel: an AXI4-Lite register port, an AXI4
// master to host memory (64-bit addresses and data) and an interrupt line. Inside: the register file, the
// queue engine (descriptor fetch, completion write, DMA burst master), one interrupt coalescer per queue, and
// the datapath. PLACEHOLDER_DATAPATH selects hubsec_placeholder_datapath, a copy engine that is NOT
// ESP and that issue 5's ESP pipelines replace behind the same ports; CAPS.PLACEHOLDER_DATAPATH says so to
// the host. active_o (the card has work, a reset pending or an interrupt timer running) is for simulators
// that clock the card only while it has something to do; leave it unconnected on a board.
`default_nettype none

module hubsec_card #(
  parameter int unsigned NUM_QUEUES = 4,  // queue 0 is the control queue
  parameter int unsigned SA_SLOTS = 64,
  parameter int unsigned MAX_PACKET = 9216,
  parameter bit          PLACEHOLDER_DATAPATH = 1'b1  // 0: issue 5's ESP datapath (not in the tree yet)
) (
  input  wire logic        clk_i,
  input  wire logic        rst_ni,

  input  wire logic [11:0] s_axil_awaddr_i,
  input  wire logic        s_axil_awvalid_i,
  output logic             s_axil_awready_o,
  input  wire logic [31:0] s_axil_wdata_i,
  input  wire logic [3:0]  s_axil_wstrb_i,
  input  wire logic        s_axil_wvalid_i,
  output logic             s_axil_wready_o,
  output logic [1:0]       s_axil_bresp_o,
  output logic             s_axil_bvalid_o,
  input  wire logic        s_axil_bready_i,
  input  wire logic [11:0] s_axil_araddr_i,
  input  wire logic        s_axil_arvalid_i,
  output logic             s_axil_arready_o,
  output logic [31:0]      s_axil_rdata_o,
  output logic [1:0]       s_axil_rresp_o,
  output logic             s_axil_rvalid_o,
  input  wire logic        s_axil_rready_i,

  output logic [63:0]      m_axi_araddr_o,
  output logic [7:0]       m_axi_arlen_o,
  output logic [2:0]       m_axi_arsize_o,
  output logic [1:0]       m_axi_arburst_o,
  output logic             m_axi_arvalid_o,
  input  wire logic        m_axi_arready_i,
  input  wire logic [63:0] m_axi_rdata_i,
  input  wire logic [1:0]  m_axi_rresp_i,
  input  wire logic        m_axi_rlast_i,
  input  wire logic        m_axi_rvalid_i,
  output logic             m_axi_rready_o,
  output logic [63:0]      m_axi_awaddr_o,
  output logic [7:0]       m_axi_awlen_o,
  output logic [2:0]       m_axi_awsize_o,
  output logic [1:0]       m_axi_awburst_o,
  output logic             m_axi_awvalid_o,
  input  wire logic        m_axi_awready_i,
  output logic [63:0]      m_axi_wdata_o,
  output logic [7:0]       m_axi_wstrb_o,
  output logic             m_axi_wlast_o,
  output logic             m_axi_wvalid_o,
  input  wire logic        m_axi_wready_i,
  input  wire logic [1:0]  m_axi_bresp_i,
  input  wire logic        m_axi_bvalid_i,
  output logic             m_axi_bready_o,

  output logic             irq_o,
  output logic             active_o
);

  // What issue 5's datapath must provide (all of it); the placeholder provides none of it and says so.
  localparam logic [31:0] ESP_CAPS = (32'd1 << hubsec_card_pkg::CAP_AES256_CBC) |
      (32'd1 << hubsec_card_pkg::CAP_HMAC_SHA1_96) | (32'd1 << hubsec_card_pkg::CAP_HMAC_SHA256_128) |
      (32'd1 << hubsec_card_pkg::CAP_ESN) | (32'd1 << hubsec_card_pkg::CAP_CARD_IV);
  localparam logic [31:0] CAPS = PLACEHOLDER_DATAPATH ?
      (32'd1 << hubsec_card_pkg::CAP_PLACEHOLDER_DATAPATH) : ESP_CAPS;

  logic                              enable, reset_req, clear;
  logic [NUM_QUEUES-1:0]             q_enable, irq_armed, irq_fire, halted, cpl_full, cpl_written, halt_raise;
  logic [NUM_QUEUES-1:0]             timing;
  logic [NUM_QUEUES-1:0][63:0]       desc_base, cpl_base;
  logic [NUM_QUEUES-1:0][3:0]        ring_log2;
  logic [NUM_QUEUES-1:0][31:0]       producer, cpl_head, consumer, cpl_tail, irq_time;
  logic [NUM_QUEUES-1:0][15:0]       irq_count;
  logic                              faulted, busy, work;
  logic [63:0]                       fault_addr;
  logic [31:0]                       fault_count, jobs_done;

  hubsec_card_regs #(
    .NUM_QUEUES(NUM_QUEUES), .SA_SLOTS(SA_SLOTS), .MAX_PACKET(MAX_PACKET), .CAPS(CAPS)
  ) u_regs (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o, .s_axil_wdata_i, .s_axil_wstrb_i,
    .s_axil_wvalid_i, .s_axil_wready_o, .s_axil_bresp_o, .s_axil_bvalid_o, .s_axil_bready_i,
    .s_axil_araddr_i, .s_axil_arvalid_i, .s_axil_arready_o, .s_axil_rdata_o, .s_axil_rresp_o,
    .s_axil_rvalid_o, .s_axil_rready_i,
    .enable_o(enable), .reset_req_o(reset_req), .clear_i(clear),
    .q_enable_o(q_enable), .desc_base_o(desc_base), .cpl_base_o(cpl_base), .ring_log2_o(ring_log2),
    .producer_o(producer), .cpl_head_o(cpl_head), .irq_count_o(irq_count), .irq_time_o(irq_time),
    .irq_armed_o(irq_armed),
    .consumer_i(consumer), .cpl_tail_i(cpl_tail), .halted_i(halted), .cpl_full_i(cpl_full),
    .irq_fire_i(irq_fire), .halt_raise_i(halt_raise), .faulted_i(faulted), .fault_addr_i(fault_addr),
    .fault_count_i(fault_count), .jobs_done_i(jobs_done), .busy_i(busy),
    .irq_o
  );

  for (genvar q = 0; q < int'(NUM_QUEUES); q++) begin : g_irq
    hubsec_irq_coalesce u_coalesce (
      .clk_i, .rst_ni, .clear_i(clear),
      .cpl_i(cpl_written[q]), .armed_i(irq_armed[q]), .count_i(irq_count[q]), .time_i(irq_time[q]),
      .fire_o(irq_fire[q]), .timing_o(timing[q])
    );
  end

  // Datapath seam: job, result and DMA ports.
  logic                   dp_job_valid, dp_job_ready, dp_job_control;
  hubsec_card_pkg::desc_t dp_job_desc;
  logic                   dp_res_valid, dp_res_ready;
  logic [7:0]             dp_res_status, dp_res_next_header, dp_res_flags;
  logic [31:0]            dp_res_out_len, dp_res_seq_lo;
  logic                   dp_req_valid, dp_req_ready, dp_req_write;
  logic [63:0]            dp_req_addr;
  logic [4:0]             dp_req_beats;
  logic [7:0]             dp_req_last_strb;
  logic                   dp_rd_valid, dp_wr_valid, dp_wr_ready, dp_done, dp_error;
  logic [63:0]            dp_rd_data, dp_wr_data;

  hubsec_queue_engine #(.NUM_QUEUES(NUM_QUEUES)) u_engine (
    .clk_i, .rst_ni,
    .enable_i(enable), .reset_req_i(reset_req), .clear_o(clear),
    .q_enable_i(q_enable), .desc_base_i(desc_base), .cpl_base_i(cpl_base), .ring_log2_i(ring_log2),
    .producer_i(producer), .cpl_head_i(cpl_head),
    .consumer_o(consumer), .cpl_tail_o(cpl_tail), .halted_o(halted), .cpl_full_o(cpl_full),
    .cpl_written_o(cpl_written), .halt_raise_o(halt_raise),
    .faulted_o(faulted), .fault_addr_o(fault_addr), .fault_count_o(fault_count), .jobs_done_o(jobs_done),
    .busy_o(busy), .work_o(work),
    .dp_job_valid_o(dp_job_valid), .dp_job_ready_i(dp_job_ready), .dp_job_desc_o(dp_job_desc),
    .dp_job_control_o(dp_job_control),
    .dp_res_valid_i(dp_res_valid), .dp_res_ready_o(dp_res_ready), .dp_res_status_i(dp_res_status),
    .dp_res_out_len_i(dp_res_out_len), .dp_res_seq_lo_i(dp_res_seq_lo),
    .dp_res_next_header_i(dp_res_next_header), .dp_res_flags_i(dp_res_flags),
    .dp_req_valid_i(dp_req_valid), .dp_req_ready_o(dp_req_ready), .dp_req_write_i(dp_req_write),
    .dp_req_addr_i(dp_req_addr), .dp_req_beats_i(dp_req_beats), .dp_req_last_strb_i(dp_req_last_strb),
    .dp_rd_valid_o(dp_rd_valid), .dp_rd_data_o(dp_rd_data),
    .dp_wr_valid_i(dp_wr_valid), .dp_wr_data_i(dp_wr_data), .dp_wr_ready_o(dp_wr_ready),
    .dp_done_o(dp_done), .dp_error_o(dp_error),
    .m_axi_araddr_o, .m_axi_arlen_o, .m_axi_arsize_o, .m_axi_arburst_o, .m_axi_arvalid_o, .m_axi_arready_i,
    .m_axi_rdata_i, .m_axi_rresp_i, .m_axi_rlast_i, .m_axi_rvalid_i, .m_axi_rready_o,
    .m_axi_awaddr_o, .m_axi_awlen_o, .m_axi_awsize_o, .m_axi_awburst_o, .m_axi_awvalid_o, .m_axi_awready_i,
    .m_axi_wdata_o, .m_axi_wstrb_o, .m_axi_wlast_o, .m_axi_wvalid_o, .m_axi_wready_i,
    .m_axi_bresp_i, .m_axi_bvalid_i, .m_axi_bready_o
  );

  // Only the placeholder exists until issue 5's ESP pipelines arrive; they take this seam.
  if (PLACEHOLDER_DATAPATH) begin : g_placeholder
    hubsec_placeholder_datapath #(.SA_SLOTS(SA_SLOTS), .MAX_PACKET(MAX_PACKET)) u_datapath (
      .clk_i, .rst_ni, .clear_i(clear),
      .job_valid_i(dp_job_valid), .job_ready_o(dp_job_ready), .job_desc_i(dp_job_desc),
      .job_control_i(dp_job_control),
      .res_valid_o(dp_res_valid), .res_ready_i(dp_res_ready), .res_status_o(dp_res_status),
      .res_out_len_o(dp_res_out_len), .res_seq_lo_o(dp_res_seq_lo), .res_next_header_o(dp_res_next_header),
      .res_flags_o(dp_res_flags),
      .req_valid_o(dp_req_valid), .req_ready_i(dp_req_ready), .req_write_o(dp_req_write),
      .req_addr_o(dp_req_addr), .req_beats_o(dp_req_beats), .req_last_strb_o(dp_req_last_strb),
      .rd_valid_i(dp_rd_valid), .rd_data_i(dp_rd_data),
      .wr_valid_o(dp_wr_valid), .wr_data_o(dp_wr_data), .wr_ready_i(dp_wr_ready),
      .done_i(dp_done), .error_i(dp_error)
    );
  end

  assign active_o = work || (|timing) || (|(irq_armed & irq_fire));

endmodule

`default_nettype wire
