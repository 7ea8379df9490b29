// hubsec_irq_coalesce: one queue's interrupt moderation. Completions written since the last interrupt are
// counted whether or not the queue is armed; while armed, the queue fires once `count_i` of them are pending
// or `time_i` cycles after the first of them, whichever comes first. Firing clears the pending state; the
// register file disarms the queue and sets its IRQ_STATUS bit. Arming with work already pending fires at
// once, so a host that re-arms after draining its ring never misses a completion that raced the arm.
`default_nettype none

module hubsec_irq_coalesce (
  input  wire logic        clk_i,
  input  wire logic        rst_ni,
  input  wire logic        clear_i,     // soft reset
  input  wire logic        cpl_i,       // a completion was written this cycle
  input  wire logic        armed_i,
  input  wire logic [15:0] count_i,     // 0 acts as 1
  input  wire logic [31:0] time_i,      // cycles; 0 = no time trigger
  output logic             fire_o,
  output logic             timing_o     // the time trigger is still counting (keeps a simulator clocking)
);

  logic [15:0] pending_q, pending_d;
  logic [31:0] timer_q, timer_d;
  logic [15:0] threshold;
  logic        count_hit, time_hit;

  assign threshold = (count_i == 16'd0) ? 16'd1 : count_i;
  assign count_hit = (pending_q >= threshold);
  assign time_hit = (time_i != 32'd0) && (pending_q != 16'd0) && (timer_q >= time_i);
  assign fire_o = armed_i && (count_hit || time_hit);
  assign timing_o = (time_i != 32'd0) && (pending_q != 16'd0) && (timer_q < time_i);

  always_comb begin
    pending_d = pending_q;
    timer_d = timer_q;
    if (fire_o) begin
      pending_d = 16'd0;
      timer_d = 32'd0;
    end else if (pending_q != 16'd0 && timer_q < time_i) begin
      timer_d = timer_q + 32'd1;
    end
    if (cpl_i && pending_d != 16'hffff) pending_d = pending_d + 16'd1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pending_q <= '0;
      timer_q <= '0;
    end else if (clear_i) begin
      pending_q <= '0;
      timer_q <= '0;
    end else begin
      pending_q <= pending_d;
      timer_q <= timer_d;
    end
  end

endmodule

`default_nettype wire
