// hubsec_card: the card top, with the boundary of a Vitis RTL kernel: an AXI4-Lite register port, an AXI4
// master to host memory (64-bit addresses and data) and an interrupt line. Inside: the register file, the
// queue engine (descriptor fetch, completion write, the DMA burst master shared by four clients), one
// interrupt coalescer per queue, and the ESP datapath (hw/rtl/esp/esp_datapath: SA table, encrypt and
// decrypt pipelines) behind hubsec_esp_adapter, which turns descriptors and 8-byte DMA beats into the
// datapath's jobs and 16-byte beats and back. active_o (the card has work, a reset pending or an interrupt
// timer running) is for simulators that clock the card only while it has something to do; leave it
// unconnected on a board.
`default_nettype none

module hubsec_card #(
  parameter int unsigned NUM_QUEUES = 4,  // queue 0 is the control queue
  parameter int unsigned SA_SLOTS = 64,
  parameter int unsigned MAX_PACKET = 9216,
  parameter int unsigned MAX_INFLIGHT = 8,     // jobs between descriptor fetch and completion write
  // esp_datapath: AES rounds per cipher pipeline stage, SHA round units, inbound packet buffer (blocks)
  parameter int unsigned AES_UNROLL = 14,
  parameter int unsigned SHA1_N_RND = 10,    // HMAC double-round units per engine (esp_mac low-latency mode):
  parameter int unsigned SHA256_N_RND = 8,   // 16 bytes/cycle each, as esp_datapath
  parameter int unsigned MAX_BLK = 1024,
  parameter int unsigned LANE_NSLOT = 64,      // packets in flight per ESP lane
  parameter int unsigned LANE_RING_BLK = 8192  // each lane's packet ring in 16-byte blocks (>= MAX_PACKET / 16)
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

  localparam logic [31:0] CAPS = (32'd1 << hubsec_card_pkg::CAP_AES256_CBC) |
      (32'd1 << hubsec_card_pkg::CAP_HMAC_SHA1_96) | (32'd1 << hubsec_card_pkg::CAP_HMAC_SHA256_128) |
      (32'd1 << hubsec_card_pkg::CAP_ESN) | (32'd1 << hubsec_card_pkg::CAP_CARD_IV);

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
  logic                   rd_req_valid, rd_req_ready, rd_valid, rd_done, rd_error;
  logic [63:0]            rd_req_addr, rd_data;
  logic [4:0]             rd_req_beats;
  logic                   wr_req_valid, wr_req_ready, wr_valid, wr_ready, wr_done, wr_error;
  logic [63:0]            wr_req_addr, wr_data;
  logic [4:0]             wr_req_beats;
  logic [7:0]             wr_strb;
  logic                   adapter_busy, esp_busy;

  hubsec_queue_engine #(.NUM_QUEUES(NUM_QUEUES), .MAX_INFLIGHT(MAX_INFLIGHT)) u_engine (
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
    .dp_rd_req_valid_i(rd_req_valid), .dp_rd_req_ready_o(rd_req_ready), .dp_rd_req_addr_i(rd_req_addr),
    .dp_rd_req_beats_i(rd_req_beats), .dp_rd_valid_o(rd_valid), .dp_rd_data_o(rd_data),
    .dp_rd_done_o(rd_done), .dp_rd_error_o(rd_error),
    .dp_wr_req_valid_i(wr_req_valid), .dp_wr_req_ready_o(wr_req_ready), .dp_wr_req_addr_i(wr_req_addr),
    .dp_wr_req_beats_i(wr_req_beats), .dp_wr_valid_i(wr_valid), .dp_wr_data_i(wr_data),
    .dp_wr_strb_i(wr_strb), .dp_wr_ready_o(wr_ready), .dp_wr_done_o(wr_done), .dp_wr_error_o(wr_error),
    .m_axi_araddr_o, .m_axi_arlen_o, .m_axi_arsize_o, .m_axi_arburst_o, .m_axi_arvalid_o, .m_axi_arready_i,
    .m_axi_rdata_i, .m_axi_rresp_i, .m_axi_rlast_i, .m_axi_rvalid_i, .m_axi_rready_o,
    .m_axi_awaddr_o, .m_axi_awlen_o, .m_axi_awsize_o, .m_axi_awburst_o, .m_axi_awvalid_o, .m_axi_awready_i,
    .m_axi_wdata_o, .m_axi_wstrb_o, .m_axi_wlast_o, .m_axi_wvalid_o, .m_axi_wready_i,
    .m_axi_bresp_i, .m_axi_bvalid_i, .m_axi_bready_o
  );

  // Adapter <-> esp_datapath.
  logic         e_wr_valid, e_wr_ready, e_wr_invalidate, e_wr_inbound, e_wr_esn, e_wr_sha256;
  logic [15:0]  e_wr_slot, e_wr_gen;
  logic [31:0]  e_wr_spi;
  logic [255:0] e_wr_enc_key, e_wr_auth_key, e_wr_iv_key;
  logic [63:0]  e_wr_soft_packets, e_wr_hard_packets, e_wr_soft_bytes, e_wr_hard_bytes;
  logic         e_wr_done_valid, e_wr_done_ready;
  logic [7:0]   e_wr_done_status;
  logic         e_cnt_valid, e_cnt_ready, e_cnt_res_valid, e_cnt_res_ready, e_cnt_slot_valid;
  logic [15:0]  e_cnt_slot, e_cnt_gen;
  logic [7:0]   e_cnt_res_status;
  logic [63:0]  e_cnt_packets, e_cnt_bytes, e_cnt_icv, e_cnt_pad, e_cnt_len, e_cnt_limit;
  logic         e_job_valid, e_job_ready, e_job_decrypt, e_job_card_iv;
  logic [15:0]  e_job_slot, e_job_gen, e_job_len;
  logic [63:0]  e_job_seq;
  logic [127:0] e_job_iv;
  logic [7:0]   e_job_nh;
  logic [127:0] e_in_data;
  // per direction (o: outbound, i: inbound): input beats, output beats, results
  logic         o_in_valid, o_in_ready, o_out_valid, o_out_ready, o_out_last;
  logic         i_in_valid, i_in_ready, i_out_valid, i_out_ready, i_out_last;
  logic [127:0] o_out_data, i_out_data;
  logic [4:0]   o_out_nbytes, i_out_nbytes;
  logic         o_res_valid, o_res_ready, i_res_valid, i_res_ready;
  logic [7:0]   o_res_status, o_res_nh, o_res_flags, i_res_status, i_res_nh, i_res_flags;
  logic [16:0]  o_res_len, i_res_len;
  logic [31:0]  o_res_spi, o_res_seq_lo, i_res_spi, i_res_seq_lo;

  hubsec_esp_adapter #(.SA_SLOTS(SA_SLOTS), .MAX_PACKET(MAX_PACKET)) u_adapter (
    .clk_i, .rst_ni, .clear_i(clear), .busy_o(adapter_busy),
    .job_valid_i(dp_job_valid), .job_ready_o(dp_job_ready), .job_desc_i(dp_job_desc),
    .job_control_i(dp_job_control),
    .res_valid_o(dp_res_valid), .res_ready_i(dp_res_ready), .res_status_o(dp_res_status),
    .res_out_len_o(dp_res_out_len), .res_seq_lo_o(dp_res_seq_lo), .res_next_header_o(dp_res_next_header),
    .res_flags_o(dp_res_flags),
    .rd_req_valid_o(rd_req_valid), .rd_req_ready_i(rd_req_ready), .rd_req_addr_o(rd_req_addr),
    .rd_req_beats_o(rd_req_beats), .rd_valid_i(rd_valid), .rd_data_i(rd_data), .rd_done_i(rd_done),
    .rd_error_i(rd_error),
    .wr_req_valid_o(wr_req_valid), .wr_req_ready_i(wr_req_ready), .wr_req_addr_o(wr_req_addr),
    .wr_req_beats_o(wr_req_beats), .wr_valid_o(wr_valid), .wr_data_o(wr_data), .wr_strb_o(wr_strb),
    .wr_ready_i(wr_ready), .wr_done_i(wr_done), .wr_error_i(wr_error),
    .dp_wr_valid_o(e_wr_valid), .dp_wr_ready_i(e_wr_ready), .dp_wr_invalidate_o(e_wr_invalidate),
    .dp_wr_slot_o(e_wr_slot), .dp_wr_gen_o(e_wr_gen), .dp_wr_inbound_o(e_wr_inbound), .dp_wr_esn_o(e_wr_esn),
    .dp_wr_sha256_o(e_wr_sha256), .dp_wr_spi_o(e_wr_spi), .dp_wr_enc_key_o(e_wr_enc_key),
    .dp_wr_auth_key_o(e_wr_auth_key), .dp_wr_iv_key_o(e_wr_iv_key),
    .dp_wr_soft_packets_o(e_wr_soft_packets), .dp_wr_hard_packets_o(e_wr_hard_packets),
    .dp_wr_soft_bytes_o(e_wr_soft_bytes), .dp_wr_hard_bytes_o(e_wr_hard_bytes),
    .dp_wr_done_valid_i(e_wr_done_valid), .dp_wr_done_ready_o(e_wr_done_ready),
    .dp_wr_done_status_i(e_wr_done_status),
    .dp_cnt_valid_o(e_cnt_valid), .dp_cnt_ready_i(e_cnt_ready), .dp_cnt_slot_o(e_cnt_slot),
    .dp_cnt_res_valid_i(e_cnt_res_valid), .dp_cnt_res_ready_o(e_cnt_res_ready),
    .dp_cnt_res_status_i(e_cnt_res_status), .dp_cnt_packets_i(e_cnt_packets), .dp_cnt_bytes_i(e_cnt_bytes),
    .dp_cnt_icv_failures_i(e_cnt_icv), .dp_cnt_pad_failures_i(e_cnt_pad), .dp_cnt_len_failures_i(e_cnt_len),
    .dp_cnt_limit_drops_i(e_cnt_limit), .dp_cnt_gen_i(e_cnt_gen), .dp_cnt_slot_valid_i(e_cnt_slot_valid),
    .dp_job_valid_o(e_job_valid), .dp_job_ready_i(e_job_ready), .dp_job_decrypt_o(e_job_decrypt),
    .dp_job_slot_o(e_job_slot), .dp_job_gen_o(e_job_gen), .dp_job_seq_o(e_job_seq), .dp_job_iv_o(e_job_iv),
    .dp_job_len_o(e_job_len), .dp_job_nh_o(e_job_nh), .dp_job_card_iv_o(e_job_card_iv),
    .dp_enc_in_valid_o(o_in_valid), .dp_enc_in_ready_i(o_in_ready), .dp_dec_in_valid_o(i_in_valid),
    .dp_dec_in_ready_i(i_in_ready), .dp_in_data_o(e_in_data),
    .dp_enc_out_valid_i(o_out_valid), .dp_enc_out_ready_o(o_out_ready), .dp_enc_out_data_i(o_out_data),
    .dp_enc_out_nbytes_i(o_out_nbytes), .dp_enc_out_last_i(o_out_last),
    .dp_dec_out_valid_i(i_out_valid), .dp_dec_out_ready_o(i_out_ready), .dp_dec_out_data_i(i_out_data),
    .dp_dec_out_nbytes_i(i_out_nbytes), .dp_dec_out_last_i(i_out_last),
    .dp_enc_res_valid_i(o_res_valid), .dp_enc_res_ready_o(o_res_ready), .dp_enc_res_status_i(o_res_status),
    .dp_enc_res_len_i(o_res_len), .dp_enc_res_nh_i(o_res_nh), .dp_enc_res_spi_i(o_res_spi),
    .dp_enc_res_seq_lo_i(o_res_seq_lo), .dp_enc_res_flags_i(o_res_flags),
    .dp_dec_res_valid_i(i_res_valid), .dp_dec_res_ready_o(i_res_ready), .dp_dec_res_status_i(i_res_status),
    .dp_dec_res_len_i(i_res_len), .dp_dec_res_nh_i(i_res_nh), .dp_dec_res_spi_i(i_res_spi),
    .dp_dec_res_seq_lo_i(i_res_seq_lo), .dp_dec_res_flags_i(i_res_flags)
  );

  esp_datapath #(
    .SLOTS(SA_SLOTS), .AES_UNROLL(AES_UNROLL), .SHA1_N_RND(SHA1_N_RND), .SHA256_N_RND(SHA256_N_RND),
    .MAX_BLK(MAX_BLK), .LANE_NSLOT(LANE_NSLOT), .LANE_RING_BLK(LANE_RING_BLK)
  ) u_esp (
    .clk_i, .rst_ni, .clear_i(clear), .busy_o(esp_busy),
    .wr_valid_i(e_wr_valid), .wr_ready_o(e_wr_ready), .wr_invalidate_i(e_wr_invalidate),
    .wr_slot_i(e_wr_slot), .wr_gen_i(e_wr_gen), .wr_inbound_i(e_wr_inbound), .wr_esn_i(e_wr_esn),
    .wr_sha256_i(e_wr_sha256), .wr_spi_i(e_wr_spi), .wr_enc_key_i(e_wr_enc_key),
    .wr_auth_key_i(e_wr_auth_key), .wr_iv_key_i(e_wr_iv_key), .wr_soft_packets_i(e_wr_soft_packets),
    .wr_hard_packets_i(e_wr_hard_packets), .wr_soft_bytes_i(e_wr_soft_bytes),
    .wr_hard_bytes_i(e_wr_hard_bytes),
    .wr_done_valid_o(e_wr_done_valid), .wr_done_ready_i(e_wr_done_ready), .wr_done_status_o(e_wr_done_status),
    .cnt_valid_i(e_cnt_valid), .cnt_ready_o(e_cnt_ready), .cnt_slot_i(e_cnt_slot),
    .cnt_res_valid_o(e_cnt_res_valid), .cnt_res_ready_i(e_cnt_res_ready), .cnt_res_status_o(e_cnt_res_status),
    .cnt_packets_o(e_cnt_packets), .cnt_bytes_o(e_cnt_bytes), .cnt_icv_failures_o(e_cnt_icv),
    .cnt_pad_failures_o(e_cnt_pad), .cnt_len_failures_o(e_cnt_len), .cnt_limit_drops_o(e_cnt_limit),
    .cnt_gen_o(e_cnt_gen), .cnt_slot_valid_o(e_cnt_slot_valid),
    .job_valid_i(e_job_valid), .job_ready_o(e_job_ready), .job_decrypt_i(e_job_decrypt),
    .job_slot_i(e_job_slot), .job_gen_i(e_job_gen), .job_seq_i(e_job_seq), .job_iv_i(e_job_iv),
    .job_len_i(e_job_len), .job_nh_i(e_job_nh), .job_card_iv_i(e_job_card_iv),
    .enc_in_valid_i(o_in_valid), .enc_in_ready_o(o_in_ready), .enc_in_data_i(e_in_data),
    .enc_out_valid_o(o_out_valid), .enc_out_ready_i(o_out_ready), .enc_out_data_o(o_out_data),
    .enc_out_nbytes_o(o_out_nbytes), .enc_out_last_o(o_out_last),
    .enc_res_valid_o(o_res_valid), .enc_res_ready_i(o_res_ready), .enc_res_status_o(o_res_status),
    .enc_res_len_o(o_res_len), .enc_res_nh_o(o_res_nh), .enc_res_spi_o(o_res_spi),
    .enc_res_seq_lo_o(o_res_seq_lo), .enc_res_flags_o(o_res_flags),
    .dec_in_valid_i(i_in_valid), .dec_in_ready_o(i_in_ready), .dec_in_data_i(e_in_data),
    .dec_out_valid_o(i_out_valid), .dec_out_ready_i(i_out_ready), .dec_out_data_o(i_out_data),
    .dec_out_nbytes_o(i_out_nbytes), .dec_out_last_o(i_out_last),
    .dec_res_valid_o(i_res_valid), .dec_res_ready_i(i_res_ready), .dec_res_status_o(i_res_status),
    .dec_res_len_o(i_res_len), .dec_res_nh_o(i_res_nh), .dec_res_spi_o(i_res_spi),
    .dec_res_seq_lo_o(i_res_seq_lo), .dec_res_flags_o(i_res_flags)
  );

  assign active_o = work || adapter_busy || esp_busy || (|timing) || (|(irq_armed & irq_fire));

endmodule

`default_nettype wire
