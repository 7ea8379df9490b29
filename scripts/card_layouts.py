"""The one definition of the hubsec card's host interface.

scripts/gen_layouts.py turns this file into
  - hw/rtl/top/hubsec_card_pkg.sv                       (SystemVerilog package for the RTL)
  - driver/include/hubsec/driver/device/card_layout.hpp (C++ header for the driver)
  - the generated tables in docs/hw-interface.md
and the ctest `card_layouts_up_to_date` fails when any of them differs from what this file says.
Edit here, run `python3 scripts/gen_layouts.py`, commit all outputs together.

Everything in host memory is little-endian. Offsets are in bytes.
"""

VERSION_MAJOR = 1
VERSION_MINOR = 0
CARD_ID = 0x48534543  # "HSEC" read as a little-endian word at register 0

# ---- constants ------------------------------------------------------------------------------
# (name, value, comment)
CONSTANTS = [
    ("DESC_BYTES", 64, "descriptor size"),
    ("CPL_BYTES", 32, "completion size"),
    ("SA_RECORD_BYTES", 160, "SA slot record written by SA_WRITE"),
    ("SA_COUNTERS_BYTES", 64, "counters record returned by SA_READ_COUNTERS"),
    ("QUEUE_BLOCK_BASE", 0x100, "first per-queue register block"),
    ("QUEUE_BLOCK_STRIDE", 0x40, "bytes between per-queue blocks"),
    ("MAX_QUEUES", 8, "register space reserved for queues (queue 0 is the control queue)"),
    ("MAX_RING_LOG2", 12, "largest ring: 4096 entries"),
]

# ---- global registers (offset, name, access, comment) -----------------------------------------
# access: ro = read only, rw = read/write, w1c = write 1 to clear, wo = write only (reads 0)
GLOBAL_REGS = [
    (0x000, "ID", "ro", "0x48534543 (\"HSEC\")"),
    (0x004, "VERSION", "ro", "major << 16 | minor of this layout"),
    (0x008, "CAPS", "ro", "capability bits, see CAP_*"),
    (0x00C, "SA_SLOTS", "ro", "number of SA slots"),
    (0x010, "QUEUES", "ro", "number of queues, control queue 0 included"),
    (0x014, "RING_LOG2_MAX", "ro", "log2 of the largest ring the card accepts"),
    (0x018, "MAX_PACKET", "ro", "largest src_len / dst_cap in bytes"),
    (0x020, "CONTROL", "rw", "CTRL_* bits; CTRL_RESET self-clears when the reset is done"),
    (0x024, "STATUS", "ro", "STAT_* bits"),
    (0x028, "IRQ_STATUS", "w1c", "bit q: queue q raised an interrupt"),
    (0x02C, "IRQ_MASK", "rw", "bit q: queue q may drive the interrupt line"),
    (0x030, "CYCLES_LO", "ro", "free-running cycle counter, low word"),
    (0x034, "CYCLES_HI", "ro", "high word (latched when CYCLES_LO is read)"),
    (0x038, "FAULT_ADDR_LO", "ro", "first DMA address that faulted since reset, low word"),
    (0x03C, "FAULT_ADDR_HI", "ro", "high word"),
    (0x040, "FAULT_COUNT", "ro", "DMA transactions that returned an error since reset"),
    (0x044, "JOBS_DONE", "ro", "completions written since reset, all queues"),
]

# CAPS bits (bit, name, comment)
CAP_BITS = [
    (0, "AES256_CBC", "AES-256-CBC"),
    (1, "HMAC_SHA1_96", "HMAC-SHA1-96"),
    (2, "HMAC_SHA256_128", "HMAC-SHA-256-128"),
    (3, "ESN", "extended sequence numbers"),
    (4, "CARD_IV", "card-generated IVs"),
    (31, "PLACEHOLDER_DATAPATH", "no ESP datapath, a copy engine stands in (the loopback model)"),
]
CONTROL_BITS = [
    (0, "ENABLE", "card processes queues"),
    (1, "RESET", "write 1: abort everything, clear queues and SA table; reads 1 until done"),
]
STATUS_BITS = [
    (0, "ENABLED", "CONTROL.ENABLE as seen by the engine"),
    (1, "RESETTING", "a reset is in progress"),
    (2, "FAULTED", "a DMA fault happened since reset (FAULT_ADDR holds the first)"),
    (3, "BUSY", "a job is in flight"),
]

# ---- per-queue registers (offset in block, name, access, comment) -----------------------------
QUEUE_REGS = [
    (0x00, "DESC_BASE_LO", "rw", "descriptor ring bus address (64 B aligned)"),
    (0x04, "DESC_BASE_HI", "rw", ""),
    (0x08, "CPL_BASE_LO", "rw", "completion ring bus address (32 B aligned)"),
    (0x0C, "CPL_BASE_HI", "rw", ""),
    (0x10, "RING_LOG2", "rw", "both rings hold 1 << RING_LOG2 entries"),
    (0x14, "Q_CONTROL", "rw", "QCTRL_* bits"),
    (0x18, "PRODUCER", "rw", "doorbell: free-running count of descriptors posted"),
    (0x1C, "CONSUMER", "ro", "free-running count of descriptors the card has taken"),
    (0x20, "CPL_HEAD", "rw", "free-running count of completions the host has consumed"),
    (0x24, "CPL_TAIL", "ro", "free-running count of completions the card has written"),
    (0x28, "IRQ_COUNT", "rw", "interrupt after this many completions (0 acts as 1)"),
    (0x2C, "IRQ_TIME", "rw", "or this many cycles after the first unsignalled completion (0 = off)"),
    (0x30, "IRQ_ARM", "rw", "write 1 to arm; the card clears it when it raises the interrupt"),
    (0x34, "Q_STATUS", "ro", "QSTAT_* bits"),
]
QCTRL_BITS = [
    (0, "ENABLE", "queue is served"),
]
QSTAT_BITS = [
    (0, "ENABLED", "queue is served"),
    (1, "HALTED", "a ring access faulted; the queue stops until reset"),
    (2, "CPL_FULL", "the completion ring is full: the queue waits for CPL_HEAD"),
]

# ---- enumerations (name, [(value, item, comment)]) --------------------------------------------
ENUMS = [
    ("OPCODE", [
        (0x01, "ENCRYPT", "outbound ESP: payload in, ESP out"),
        (0x02, "DECRYPT", "inbound ESP: ESP in, payload out"),
        (0x10, "SA_WRITE", "control queue: load slot sa_slot from the SA record at src_addr"),
        (0x11, "SA_INVALIDATE", "control queue: wipe slot sa_slot"),
        (0x12, "SA_READ_COUNTERS", "control queue: write the slot's counters record to dst_addr"),
    ]),
    ("STATUS", [
        (0, "OK", ""),
        (1, "ICV_MISMATCH", ""),
        (2, "BAD_PADDING", ""),
        (3, "UNKNOWN_SA", "slot not valid, or SPI differs"),
        (4, "STALE_SA", "descriptor's sa_gen differs from the slot's generation"),
        (5, "BAD_LENGTH", "src_len, dst_cap or offsets out of range"),
        (6, "HARD_LIMIT", "the slot reached a hard lifetime limit"),
        (7, "DMA_ERROR", "a source or destination access faulted"),
        (8, "BAD_OPCODE", "opcode unknown, or not allowed on this queue"),
    ]),
]

# ---- memory layouts: (name, size, [(offset, bytes, field, comment)]) --------------------------
# A field of 1, 2, 4 or 8 bytes is an unsigned little-endian integer; any other size is a byte array.
LAYOUTS = [
    ("DESC", 64, [
        (0, 1, "opcode", "OPCODE_*"),
        (1, 1, "flags", "DESC_FLAG_* bits"),
        (2, 1, "next_header", "ENCRYPT: next header for the ESP trailer"),
        (3, 1, "rsvd0", "zero"),
        (4, 2, "sa_slot", "SA slot index"),
        (6, 2, "sa_gen", "slot generation the job was built for"),
        (8, 8, "seq", "ENCRYPT: the 64-bit sequence number (low 32 on the wire); DECRYPT: the one the host inferred (ESN)"),
        (16, 8, "src_addr", "bus address of the input"),
        (24, 8, "dst_addr", "bus address of the output"),
        (32, 2, "src_len", "input bytes"),
        (34, 2, "dst_cap", "output capacity in bytes"),
        (36, 2, "in_offset", "bytes of framing before the ESP header / payload in the input"),
        (38, 2, "out_offset", "headroom the card leaves free at the start of the output"),
        (40, 8, "cookie", "returned unchanged in the completion"),
        (48, 16, "iv", "ENCRYPT with DESC_FLAG_IV: the IV to use"),
    ]),
    ("CPL", 32, [
        (0, 8, "cookie", "the descriptor's cookie"),
        (8, 4, "out_len", "bytes written at dst_addr + out_offset"),
        (12, 4, "seq_lo", "DECRYPT: sequence number field of the packet"),
        (16, 2, "sa_slot", "the descriptor's slot"),
        (18, 1, "status", "STATUS_*"),
        (19, 1, "next_header", "DECRYPT: next header from the trailer"),
        (20, 1, "flags", "CPL_FLAG_* bits"),
        (21, 3, "rsvd0", "zero"),
        (24, 4, "consumer", "the queue's CONSUMER after this descriptor: ring slots up to it are free"),
        (28, 3, "rsvd1", "zero"),
        (31, 1, "phase", "1 on the first pass through the ring, 0 on the second, ...: written last"),
    ]),
    ("SA_RECORD", 160, [
        (0, 1, "flags", "SA_FLAG_* bits"),
        (1, 1, "integrity", "1 = HMAC-SHA1-96, 2 = HMAC-SHA-256-128"),
        (2, 1, "icv_len", "12 or 16"),
        (3, 1, "rsvd0", "zero"),
        (4, 4, "spi", "SPI"),
        (8, 2, "generation", "must equal the SA_WRITE descriptor's sa_gen"),
        (10, 6, "rsvd1", "zero"),
        (16, 8, "soft_packets", "0 = no limit"),
        (24, 8, "hard_packets", "0 = no limit"),
        (32, 8, "soft_bytes", "0 = no limit"),
        (40, 8, "hard_bytes", "0 = no limit"),
        (48, 32, "enc_key", "AES-256 key"),
        (80, 32, "auth_key", "raw HMAC key, zero padded (20 B for SHA-1)"),
        (112, 32, "iv_key", "AES-256 key for card-generated IVs"),
        (144, 16, "rsvd2", "zero"),
    ]),
    ("SA_COUNTERS", 64, [
        (0, 8, "packets", "jobs that completed OK"),
        (8, 8, "bytes", "payload bytes of those jobs"),
        (16, 8, "icv_failures", ""),
        (24, 8, "pad_failures", ""),
        (32, 8, "length_failures", ""),
        (40, 8, "limit_drops", ""),
        (48, 2, "generation", "slot generation"),
        (50, 1, "valid", "1 if the slot holds an SA"),
        (51, 13, "rsvd0", "zero"),
    ]),
]

FLAG_SETS = [
    ("DESC_FLAG", [(0, "IV", "the descriptor carries the IV"), (1, "RAW_ESP", "no IP framing")]),
    ("CPL_FLAG", [(0, "SOFT_LIMIT", "the slot crossed a soft lifetime limit")]),
    ("SA_FLAG", [(0, "VALID", "slot in use"), (1, "INBOUND", "decrypt SA"), (2, "ESN", "64-bit sequence"),
                 (3, "CARD_IV", "card generates IVs when the job carries none")]),
]
