// hubsec_dma_burst: turns one request at a time (read or write of 1..16 beats of 64 bits) into an AXI4
// burst on the card's DMA master. Read beats stream out as they arrive; write beats (data and byte
// enables) are pulled from the requester. A burst that returns any error response completes with error_o
// set and reports its address, so that the queue engine can record the first fault. One transaction is
// outstanding at a time (the engine's arbiter picks among its four requesters between bursts), and a single
// ID keeps the AXI side trivially ordered.
`default_nettype none

module hubsec_dma_burst (
  input  wire logic        clk_i,
  input  wire logic        rst_ni,

  // Request: block_i holds off new requests (used while a reset drains the bus).
  input  wire logic        block_i,
  input  wire logic        req_valid_i,
  output logic             req_ready_o,
  input  wire logic        req_write_i,
  input  wire logic [63:0] req_addr_i,
  input  wire logic [4:0]  req_beats_i,      // 1..16

  output logic             rd_valid_o,
  output logic [63:0]      rd_data_o,
  input  wire logic        wr_valid_i,
  input  wire logic [63:0] wr_data_i,
  input  wire logic [7:0]  wr_strb_i,        // byte enables of this write beat
  output logic             wr_ready_o,

  output logic             done_o,           // one cycle when the burst has finished
  output logic             error_o,          // with done_o: a response was SLVERR/DECERR
  output logic [63:0]      error_addr_o,     // with done_o && error_o: the burst's start address
  output logic             idle_o,

  // AXI4 master (single ID, INCR bursts of 8-byte beats).
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
  output logic             m_axi_bready_o
);

  typedef enum logic [2:0] {S_IDLE, S_AR, S_R, S_AW, S_W, S_B} state_e;

  state_e      state_q, state_d;
  logic [63:0] addr_q, addr_d;
  logic [4:0]  beats_q, beats_d;      // beats left to transfer
  logic        err_q, err_d;
  logic [4:0]  len_q, len_d;          // beats - 1, for AxLEN

  assign idle_o = (state_q == S_IDLE);
  assign req_ready_o = (state_q == S_IDLE) && !block_i;

  assign m_axi_araddr_o = addr_q;
  assign m_axi_arlen_o = {3'b000, len_q};
  assign m_axi_arsize_o = 3'd3;
  assign m_axi_arburst_o = 2'b01;
  assign m_axi_arvalid_o = (state_q == S_AR);
  assign m_axi_rready_o = (state_q == S_R);
  assign m_axi_awaddr_o = addr_q;
  assign m_axi_awlen_o = {3'b000, len_q};
  assign m_axi_awsize_o = 3'd3;
  assign m_axi_awburst_o = 2'b01;
  assign m_axi_awvalid_o = (state_q == S_AW);
  assign m_axi_wdata_o = wr_data_i;
  assign m_axi_wstrb_o = wr_strb_i;
  assign m_axi_wlast_o = (beats_q == 5'd1);
  assign m_axi_wvalid_o = (state_q == S_W) && wr_valid_i;
  assign wr_ready_o = (state_q == S_W) && m_axi_wready_i;
  assign m_axi_bready_o = (state_q == S_B);

  assign rd_valid_o = (state_q == S_R) && m_axi_rvalid_i;
  assign rd_data_o = m_axi_rdata_i;

  always_comb begin
    state_d = state_q;
    addr_d = addr_q;
    beats_d = beats_q;
    err_d = err_q;
    len_d = len_q;
    done_o = 1'b0;
    unique case (state_q)
      S_IDLE: begin
        if (req_valid_i && req_ready_o) begin
          addr_d = req_addr_i;
          beats_d = req_beats_i;
          len_d = req_beats_i - 5'd1;
          err_d = 1'b0;
          state_d = req_write_i ? S_AW : S_AR;
        end
      end
      S_AR: if (m_axi_arready_i) state_d = S_R;
      S_R: begin
        if (m_axi_rvalid_i) begin
          if (m_axi_rresp_i != 2'b00) err_d = 1'b1;
          beats_d = beats_q - 5'd1;
          if (m_axi_rlast_i) begin
            state_d = S_IDLE;
            done_o = 1'b1;
          end
        end
      end
      S_AW: if (m_axi_awready_i) state_d = S_W;
      S_W: begin
        if (wr_valid_i && m_axi_wready_i) begin
          beats_d = beats_q - 5'd1;
          if (beats_q == 5'd1) state_d = S_B;
        end
      end
      S_B: begin
        if (m_axi_bvalid_i) begin
          if (m_axi_bresp_i != 2'b00) err_d = 1'b1;
          state_d = S_IDLE;
          done_o = 1'b1;
        end
      end
      default: state_d = S_IDLE;
    endcase
  end

  // error_o uses err_d so that the response of the final beat counts.
  assign error_o = err_d;
  assign error_addr_o = addr_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      addr_q <= '0;
      beats_q <= '0;
      err_q <= 1'b0;
      len_q <= '0;
    end else begin
      state_q <= state_d;
      addr_q <= addr_d;
      beats_q <= beats_d;
      err_q <= err_d;
      len_q <= len_d;
    end
  end

endmodule

`default_nettype wire
