// hubsec_card_regs: the card's register file behind an AXI4-Lite slave (32-bit registers, 12-bit byte
// addresses; writes are whole words, WSTRB is ignored). Layout: hubsec_card_pkg (docs/hw-interface.md).
// It holds what the host writes (control, masks, queue configuration, doorbells, completion heads,
// interrupt moderation and arming) and shows what the queue engine owns (consumer and tail indices,
// halts, faults). IRQ_STATUS bits are set by the coalescers and queue halts and cleared by writing 1.
`default_nettype none

module hubsec_card_regs #(
  parameter int unsigned NUM_QUEUES = 4,
  parameter int unsigned SA_SLOTS = 64,
  parameter int unsigned MAX_PACKET = 9216,
  parameter logic [31:0] CAPS = 32'h0
) (
  input  wire logic                          clk_i,
  input  wire logic                          rst_ni,

  input  wire logic [11:0]                   s_axil_awaddr_i,
  input  wire logic                          s_axil_awvalid_i,
  output logic                               s_axil_awready_o,
  input  wire logic [31:0]                   s_axil_wdata_i,
  input  wire logic [3:0]                    s_axil_wstrb_i,
  input  wire logic                          s_axil_wvalid_i,
  output logic                               s_axil_wready_o,
  output logic [1:0]                         s_axil_bresp_o,
  output logic                               s_axil_bvalid_o,
  input  wire logic                          s_axil_bready_i,
  input  wire logic [11:0]                   s_axil_araddr_i,
  input  wire logic                          s_axil_arvalid_i,
  output logic                               s_axil_arready_o,
  output logic [31:0]                        s_axil_rdata_o,
  output logic [1:0]                         s_axil_rresp_o,
  output logic                               s_axil_rvalid_o,
  input  wire logic                          s_axil_rready_i,

  output logic                               enable_o,
  output logic                               reset_req_o,
  input  wire logic                          clear_i,
  output logic [NUM_QUEUES-1:0]              q_enable_o,
  output logic [NUM_QUEUES-1:0][63:0]        desc_base_o,
  output logic [NUM_QUEUES-1:0][63:0]        cpl_base_o,
  output logic [NUM_QUEUES-1:0][3:0]         ring_log2_o,
  output logic [NUM_QUEUES-1:0][31:0]        producer_o,
  output logic [NUM_QUEUES-1:0][31:0]        cpl_head_o,
  output logic [NUM_QUEUES-1:0][15:0]        irq_count_o,
  output logic [NUM_QUEUES-1:0][31:0]        irq_time_o,
  output logic [NUM_QUEUES-1:0]              irq_armed_o,

  input  wire logic [NUM_QUEUES-1:0][31:0]   consumer_i,
  input  wire logic [NUM_QUEUES-1:0][31:0]   cpl_tail_i,
  input  wire logic [NUM_QUEUES-1:0]         halted_i,
  input  wire logic [NUM_QUEUES-1:0]         cpl_full_i,
  input  wire logic [NUM_QUEUES-1:0]         irq_fire_i,
  input  wire logic [NUM_QUEUES-1:0]         halt_raise_i,
  input  wire logic                          faulted_i,
  input  wire logic [63:0]                   fault_addr_i,
  input  wire logic [31:0]                   fault_count_i,
  input  wire logic [31:0]                   jobs_done_i,
  input  wire logic                          busy_i,

  output logic                               irq_o
);

  localparam logic [11:0] QBASE = 12'(hubsec_card_pkg::QUEUE_BLOCK_BASE);
  localparam logic [11:0] QEND = 12'(hubsec_card_pkg::QUEUE_BLOCK_BASE +
                                     NUM_QUEUES * hubsec_card_pkg::QUEUE_BLOCK_STRIDE);

  logic                        enable_q, reset_req_q;
  logic [NUM_QUEUES-1:0]       irq_status_q, irq_mask_q;
  logic [63:0]                 cycles_q;
  logic [31:0]                 cycles_hi_q;
  logic                        bvalid_q, rvalid_q;
  logic [31:0]                 rdata_q;

  // ---- write channel: address and data are taken together ----
  logic        wr_en;
  logic [11:0] waddr;
  logic [31:0] wdata;
  assign wr_en = s_axil_awvalid_i && s_axil_wvalid_i && !bvalid_q;
  assign s_axil_awready_o = wr_en;
  assign s_axil_wready_o = wr_en;
  assign s_axil_bvalid_o = bvalid_q;
  assign s_axil_bresp_o = 2'b00;
  assign waddr = s_axil_awaddr_i;
  assign wdata = s_axil_wdata_i;

  logic          wq_hit, rq_hit;
  localparam int unsigned QB = (NUM_QUEUES > 1) ? $clog2(NUM_QUEUES) : 1;
  logic [QB-1:0] wq_idx, rq_idx;
  logic [5:0]    wq_off, rq_off;
  assign wq_hit = (waddr >= QBASE) && (waddr < QEND);
  assign wq_idx = QB'((waddr - QBASE) >> 6);
  assign wq_off = waddr[5:0];
  assign rq_hit = (s_axil_araddr_i >= QBASE) && (s_axil_araddr_i < QEND);
  assign rq_idx = QB'((s_axil_araddr_i - QBASE) >> 6);
  assign rq_off = s_axil_araddr_i[5:0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      enable_q <= 1'b0;
      reset_req_q <= 1'b0;
      irq_status_q <= '0;
      irq_mask_q <= '0;
      q_enable_o <= '0;
      desc_base_o <= '0;
      cpl_base_o <= '0;
      ring_log2_o <= '0;
      producer_o <= '0;
      cpl_head_o <= '0;
      irq_count_o <= '0;
      irq_time_o <= '0;
      irq_armed_o <= '0;
      bvalid_q <= 1'b0;
    end else begin
      if (s_axil_bready_i) bvalid_q <= 1'b0;
      irq_status_q <= irq_status_q | irq_fire_i | halt_raise_i;
      irq_armed_o <= irq_armed_o & ~irq_fire_i;
      if (wr_en) begin
        bvalid_q <= 1'b1;
        if (s_axil_wstrb_i != 4'd0) begin
          if (waddr == hubsec_card_pkg::REG_CONTROL) begin
            enable_q <= wdata[hubsec_card_pkg::CTRL_ENABLE];
            if (wdata[hubsec_card_pkg::CTRL_RESET]) reset_req_q <= 1'b1;
          end else if (waddr == hubsec_card_pkg::REG_IRQ_STATUS) begin
            irq_status_q <= (irq_status_q & ~wdata[NUM_QUEUES-1:0]) | irq_fire_i | halt_raise_i;
          end else if (waddr == hubsec_card_pkg::REG_IRQ_MASK) begin
            irq_mask_q <= wdata[NUM_QUEUES-1:0];
          end else if (wq_hit) begin
            unique case (wq_off)
              hubsec_card_pkg::QREG_DESC_BASE_LO: desc_base_o[wq_idx][31:0] <= wdata;
              hubsec_card_pkg::QREG_DESC_BASE_HI: desc_base_o[wq_idx][63:32] <= wdata;
              hubsec_card_pkg::QREG_CPL_BASE_LO: cpl_base_o[wq_idx][31:0] <= wdata;
              hubsec_card_pkg::QREG_CPL_BASE_HI: cpl_base_o[wq_idx][63:32] <= wdata;
              hubsec_card_pkg::QREG_RING_LOG2: ring_log2_o[wq_idx] <= wdata[3:0];
              hubsec_card_pkg::QREG_Q_CONTROL: q_enable_o[wq_idx] <= wdata[hubsec_card_pkg::QCTRL_ENABLE];
              hubsec_card_pkg::QREG_PRODUCER: producer_o[wq_idx] <= wdata;
              hubsec_card_pkg::QREG_CPL_HEAD: cpl_head_o[wq_idx] <= wdata;
              hubsec_card_pkg::QREG_IRQ_COUNT: irq_count_o[wq_idx] <= wdata[15:0];
              hubsec_card_pkg::QREG_IRQ_TIME: irq_time_o[wq_idx] <= wdata;
              hubsec_card_pkg::QREG_IRQ_ARM: irq_armed_o[wq_idx] <= wdata[0];
              default: ;
            endcase
          end
        end
      end
      // A finished reset clears everything the host configured, as at power-up.
      if (clear_i) begin
        enable_q <= 1'b0;
        reset_req_q <= 1'b0;
        irq_status_q <= '0;
        irq_mask_q <= '0;
        q_enable_o <= '0;
        desc_base_o <= '0;
        cpl_base_o <= '0;
        ring_log2_o <= '0;
        producer_o <= '0;
        cpl_head_o <= '0;
        irq_count_o <= '0;
        irq_time_o <= '0;
        irq_armed_o <= '0;
      end
    end
  end

  assign enable_o = enable_q;
  assign reset_req_o = reset_req_q;

  // ---- read channel ----
  logic [31:0] rmux;
  logic [NUM_QUEUES-1:0][31:0] q_status;
  always_comb begin
    for (int q = 0; q < int'(NUM_QUEUES); q++) begin
      q_status[q] = '0;
      q_status[q][hubsec_card_pkg::QSTAT_ENABLED] = q_enable_o[q];
      q_status[q][hubsec_card_pkg::QSTAT_HALTED] = halted_i[q];
      q_status[q][hubsec_card_pkg::QSTAT_CPL_FULL] = cpl_full_i[q];
    end
  end

  always_comb begin
    rmux = '0;
    unique case (s_axil_araddr_i)
      hubsec_card_pkg::REG_ID: rmux = hubsec_card_pkg::CARD_ID;
      hubsec_card_pkg::REG_VERSION: rmux = hubsec_card_pkg::CARD_VERSION;
      hubsec_card_pkg::REG_CAPS: rmux = CAPS;
      hubsec_card_pkg::REG_SA_SLOTS: rmux = 32'(SA_SLOTS);
      hubsec_card_pkg::REG_QUEUES: rmux = 32'(NUM_QUEUES);
      hubsec_card_pkg::REG_RING_LOG2_MAX: rmux = 32'(hubsec_card_pkg::MAX_RING_LOG2);
      hubsec_card_pkg::REG_MAX_PACKET: rmux = 32'(MAX_PACKET);
      hubsec_card_pkg::REG_CONTROL: begin
        rmux[hubsec_card_pkg::CTRL_ENABLE] = enable_q;
        rmux[hubsec_card_pkg::CTRL_RESET] = reset_req_q;
      end
      hubsec_card_pkg::REG_STATUS: begin
        rmux[hubsec_card_pkg::STAT_ENABLED] = enable_q;
        rmux[hubsec_card_pkg::STAT_RESETTING] = reset_req_q;
        rmux[hubsec_card_pkg::STAT_FAULTED] = faulted_i;
        rmux[hubsec_card_pkg::STAT_BUSY] = busy_i;
      end
      hubsec_card_pkg::REG_IRQ_STATUS: rmux = 32'(irq_status_q);
      hubsec_card_pkg::REG_IRQ_MASK: rmux = 32'(irq_mask_q);
      hubsec_card_pkg::REG_CYCLES_LO: rmux = cycles_q[31:0];
      hubsec_card_pkg::REG_CYCLES_HI: rmux = cycles_hi_q;
      hubsec_card_pkg::REG_FAULT_ADDR_LO: rmux = fault_addr_i[31:0];
      hubsec_card_pkg::REG_FAULT_ADDR_HI: rmux = fault_addr_i[63:32];
      hubsec_card_pkg::REG_FAULT_COUNT: rmux = fault_count_i;
      hubsec_card_pkg::REG_JOBS_DONE: rmux = jobs_done_i;
      default: begin
        if (rq_hit) begin
          unique case (rq_off)
            hubsec_card_pkg::QREG_DESC_BASE_LO: rmux = desc_base_o[rq_idx][31:0];
            hubsec_card_pkg::QREG_DESC_BASE_HI: rmux = desc_base_o[rq_idx][63:32];
            hubsec_card_pkg::QREG_CPL_BASE_LO: rmux = cpl_base_o[rq_idx][31:0];
            hubsec_card_pkg::QREG_CPL_BASE_HI: rmux = cpl_base_o[rq_idx][63:32];
            hubsec_card_pkg::QREG_RING_LOG2: rmux = {28'd0, ring_log2_o[rq_idx]};
            hubsec_card_pkg::QREG_Q_CONTROL: rmux = {31'd0, q_enable_o[rq_idx]};
            hubsec_card_pkg::QREG_PRODUCER: rmux = producer_o[rq_idx];
            hubsec_card_pkg::QREG_CONSUMER: rmux = consumer_i[rq_idx];
            hubsec_card_pkg::QREG_CPL_HEAD: rmux = cpl_head_o[rq_idx];
            hubsec_card_pkg::QREG_CPL_TAIL: rmux = cpl_tail_i[rq_idx];
            hubsec_card_pkg::QREG_IRQ_COUNT: rmux = {16'd0, irq_count_o[rq_idx]};
            hubsec_card_pkg::QREG_IRQ_TIME: rmux = irq_time_o[rq_idx];
            hubsec_card_pkg::QREG_IRQ_ARM: rmux = {31'd0, irq_armed_o[rq_idx]};
            hubsec_card_pkg::QREG_Q_STATUS: rmux = q_status[rq_idx];
            default: rmux = '0;
          endcase
        end
      end
    endcase
  end

  assign s_axil_arready_o = !rvalid_q;
  assign s_axil_rvalid_o = rvalid_q;
  assign s_axil_rdata_o = rdata_q;
  assign s_axil_rresp_o = 2'b00;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q <= 1'b0;
      rdata_q <= '0;
      cycles_q <= '0;
      cycles_hi_q <= '0;
      irq_o <= 1'b0;
    end else begin
      cycles_q <= cycles_q + 64'd1;
      irq_o <= |(irq_status_q & irq_mask_q);
      if (rvalid_q && s_axil_rready_i) rvalid_q <= 1'b0;
      if (s_axil_arvalid_i && !rvalid_q) begin
        rvalid_q <= 1'b1;
        rdata_q <= rmux;
        if (s_axil_araddr_i == hubsec_card_pkg::REG_CYCLES_LO) cycles_hi_q <= cycles_q[63:32];
      end
    end
  end

endmodule

`default_nettype wire
