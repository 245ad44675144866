//! The systolic machine, simulated: runs a [`Schedule`] on a machine description with
//! the timing of each unit and the array's numerics (see [`strata_abi::systolic`]).
//!
//! Timing, per unit (all in cycles; `R × C` the array, `L` the DRAM latency, `B` bytes
//! per cycle of off-chip bandwidth):
//! - **DMA** (a read channel and a write channel, each in order): a transfer is issued
//!   when what it waits on has finished and the one before it was issued; its data
//!   arrives from `L` cycles after issue, at `B` bytes a cycle once the transfer before
//!   it is done: `finish = max(issue + L, previous finish) + ⌈bytes / B⌉` (latencies
//!   overlap, bandwidth does not).
//! - **Weight loader**: a tile shifts into the shadow weights one row a cycle through all
//!   `R` rows (`R` cycles), once the shadow copy is free — when the stream that took the
//!   previous tile has started (double buffering: the next tile loads while the current
//!   one computes).
//! - **Array, weight-stationary**: a stream of `m` rows switches to the shadow weights
//!   (the switch travels with the first row, so it needs no pause) and takes one row a
//!   cycle; row `i` reaches array row `r` at `start + i + r` and its sum for column `c`
//!   leaves the bottom at `start + i + R + c`, so the array takes the next stream at
//!   `start + m` and the last sum lands at `start + m + R + n - 1`.
//! - **Array, output-stationary**: an `m × n` tile's operands enter skewed (A's row `r`
//!   and B's column `c` start `r` and `c` cycles late), cell `(r, c)` finishes at
//!   `start + k - 1 + r + c`, and the sums shift down into the accumulators a row a cycle
//!   (`m` more) while the next tile computes: the array takes the next tile at
//!   `start + max(k, m)` and the sums land at `start + k + 2m + n - 2`.
//! - **Drain**: a row of accumulators a cycle.
//!
//! Reads are checked against writes, and writes against reads: an instruction that
//! reads buffer bytes or accumulator rows another is still writing, or overwrites what
//! another is still reading, without having waited for it, is an error naming both, as
//! a race on the real machine would be.

mod device;

pub use device::{describe_machine, KernelReport, Report, Stalls, SystolicDevice};
use std::fmt;
use strata_abi::systolic::{bf16_bits, bf16_value, dims_offset, Convert, Dim, Op, Schedule, Unit};
pub use strata_abi::systolic::{Executable, HostCode, KernelProgram, Phase, VectorCost};
use strata_abi::target::MAX_ON_CHIP_BYTES;
use strata_abi::{ArrayInput, Dataflow, SystolicTarget};

/// What a run counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Cycles from the first instruction's start to the last one's finish.
    pub total_cycles: u64,
    /// Cycles the array took operands in (one row, or one reduction step, a cycle).
    pub compute_cycles: u64,
    /// Cycles the array waited, by cause: for data from off-chip, for weights to load,
    /// for other units' results (a drain freeing accumulators, say).
    pub stall_dma_cycles: u64,
    pub stall_weight_cycles: u64,
    pub stall_dependency_cycles: u64,
    /// Multiply-accumulates done.
    pub macs: u64,
    /// Bytes read from and written to off-chip memory.
    pub dram_bytes_read: u64,
    pub dram_bytes_written: u64,
}

impl Counters {
    /// The share of the run's cell-cycles that did a multiply-accumulate.
    pub fn array_utilization(&self, machine: &SystolicTarget) -> f64 {
        let cells = machine.macs_per_cycle() as f64 * self.total_cycles as f64;
        if cells == 0.0 {
            0.0
        } else {
            self.macs as f64 / cells
        }
    }

    /// The share of cycles the array took operands in.
    pub fn busy(&self) -> f64 {
        if self.total_cycles == 0 {
            0.0
        } else {
            self.compute_cycles as f64 / self.total_cycles as f64
        }
    }
}

/// A schedule the machine cannot run: an address out of range, a stream without
/// weights, a race.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimError(pub String);

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SimError {}

fn err<T>(i: usize, msg: impl fmt::Display) -> Result<T, SimError> {
    Err(SimError(format!("instruction {i}: {msg}")))
}

/// Bytes a block of `rows` rows of `cols` elements of `elem` bytes, rows `ld` elements
/// apart, spans from its first element.
fn block_bytes(rows: u32, cols: u32, ld: u32, elem: u64) -> u64 {
    match rows {
        0 => 0,
        r => ((r as u64 - 1) * ld as u64 + cols as u64) * elem,
    }
}

/// One past the last off-chip byte a DMA of `rows` rows of `row_bytes`, `stride` apart
/// from `offset`, touches; `None` past 2^64.
fn dram_reach(rows: u32, stride: u64, row_bytes: u64, offset: u64) -> Option<u64> {
    match rows {
        0 => Some(0),
        r => (r as u64 - 1)
            .checked_mul(stride)?
            .checked_add(row_bytes)?
            .checked_add(offset),
    }
}

/// An incoming DMA (`DmaIn` or `Gather`) as one shape: element `(r, c)` of its block at
/// `offset + rows[r] + cols[c]` off-chip, packed row-major on chip.
struct InTransfer {
    buffer: u32,
    offset: u64,
    rows: Vec<u64>,
    cols: Vec<u64>,
    /// Whether `cols` are `0, e, 2e, ...` (rows of contiguous elements).
    contiguous: bool,
    elem_bytes: u64,
    /// Bytes of an element on chip, after `convert`.
    out_elem: u64,
    convert: Convert,
    ub: u64,
}

impl InTransfer {
    fn of(op: &Op, i: usize) -> Result<InTransfer, SimError> {
        // A block must fit the unified buffer (at most 1 GiB) before its addresses are
        // listed.
        let fits = |rows: u64, cols: u64| {
            if rows * cols > MAX_ON_CHIP_BYTES {
                return err(i, format!("moves a {rows}x{cols} block, past any buffer"));
            }
            Ok(())
        };
        let (buffer, offset, rows, cols, elem_bytes, convert, ub) = match op {
            Op::DmaIn {
                buffer,
                offset,
                stride,
                rows,
                row_elems,
                elem_bytes,
                convert,
                ub,
            } => {
                let e = *elem_bytes as u64;
                fits(*rows as u64, *row_elems as u64)?;
                let rows: Vec<u64> = (0..*rows as u64)
                    .map(|r| r.checked_mul(*stride))
                    .collect::<Option<_>>()
                    .ok_or_else(|| {
                        SimError(format!("instruction {i}: its rows reach past 2^64"))
                    })?;
                let cols: Vec<u64> = (0..*row_elems as u64).map(|c| c * e).collect();
                (*buffer, *offset, rows, cols, e, *convert, *ub)
            }
            Op::Gather {
                buffer,
                offset,
                row_dims,
                col_dims,
                row0,
                rows,
                col0,
                cols,
                elem_bytes,
                convert,
                ub,
            } => {
                let (mut rows, mut cols) = (*rows as u64, *cols as u64);
                if rows == 0 || cols == 0 {
                    (rows, cols) = (0, 0);
                }
                fits(rows, cols)?;
                let place = |dims: &[Dim], x: u64| {
                    dims_offset(dims, x).ok_or_else(|| {
                        SimError(format!(
                            "instruction {i}: index {x} is outside its gather's layout"
                        ))
                    })
                };
                let rows = (0..rows)
                    .map(|x| place(row_dims, row0 + x))
                    .collect::<Result<_, _>>()?;
                let cols = (0..cols)
                    .map(|x| place(col_dims, col0 + x))
                    .collect::<Result<_, _>>()?;
                (
                    *buffer,
                    *offset,
                    rows,
                    cols,
                    *elem_bytes as u64,
                    *convert,
                    *ub,
                )
            }
            _ => unreachable!("only DMAs in are transfers in"),
        };
        let out_elem = match convert {
            Convert::None => elem_bytes,
            Convert::F32ToBf16 if elem_bytes == 4 => 2,
            Convert::F32ToBf16 => return err(i, "bf16 conversion reads 4-byte elements"),
        };
        let contiguous = cols
            .iter()
            .enumerate()
            .all(|(c, &x)| x == c as u64 * elem_bytes);
        Ok(InTransfer {
            buffer,
            offset,
            rows,
            cols,
            contiguous,
            elem_bytes,
            out_elem,
            convert,
            ub,
        })
    }
}

/// Checks that the array may write accumulator rows `[acc, acc + m)` at `at`: no drain
/// still reads them, and (when it adds to them) nothing but the array still writes them.
fn check_acc_write(
    writes: &Writes,
    reads: &Writes,
    i: usize,
    (acc, m): (u32, u32),
    at: u64,
    accumulate: bool,
) -> Result<(), SimError> {
    let (lo, hi) = (acc as u64, acc as u64 + m as u64);
    if accumulate {
        writes.check_array(i, lo, hi, at, "accumulator rows")?;
    }
    reads.check_write(i, lo, hi, at, "accumulator rows")
}

/// Why the array waited before an instruction.
enum Stall {
    Weights,
    Dma,
    Dependency,
}

impl Counters {
    fn add_stall(&mut self, gap: u64, cause: Stall) {
        match cause {
            Stall::Weights => self.stall_weight_cycles += gap,
            Stall::Dma => self.stall_dma_cycles += gap,
            Stall::Dependency => self.stall_dependency_cycles += gap,
        }
    }
}

/// A region something wrote, and when the write is complete.
#[derive(Clone, Copy)]
struct Write {
    lo: u64,
    hi: u64,
    finish: u64,
    by: usize,
    /// Written by the array: its later streams add to the same rows in order (a row's
    /// sums land in the order the rows entered), so they need not wait for it.
    array: bool,
}

/// Where writes happened (unified buffer bytes, or accumulator rows).
#[derive(Default)]
struct Writes(Vec<Write>);

impl Writes {
    /// Errors if `[lo, hi)` was written by an instruction finishing after `at` that
    /// `reader` does not wait on.
    fn check(&self, reader: usize, lo: u64, hi: u64, at: u64, what: &str) -> Result<(), SimError> {
        self.check_from(reader, lo, hi, at, what, false)
    }

    /// [`Writes::check`] for a reader on the array, which writes in order after it.
    fn check_array(
        &self,
        reader: usize,
        lo: u64,
        hi: u64,
        at: u64,
        what: &str,
    ) -> Result<(), SimError> {
        self.check_from(reader, lo, hi, at, what, true)
    }

    fn check_from(
        &self,
        reader: usize,
        lo: u64,
        hi: u64,
        at: u64,
        what: &str,
        array: bool,
    ) -> Result<(), SimError> {
        for w in self.0.iter().rev() {
            if w.lo < hi && lo < w.hi && w.finish > at && !(array && w.array) {
                return err(
                    reader,
                    format!(
                        "reads {what} [{lo}, {hi}) at cycle {at}, but instruction {} writes it until cycle {} (a missing wait)",
                        w.by, w.finish
                    ),
                );
            }
        }
        Ok(())
    }

    /// Errors if `[lo, hi)` is read by an instruction finishing after `at` (a write
    /// there by `writer` must wait for it).
    fn check_write(
        &self,
        writer: usize,
        lo: u64,
        hi: u64,
        at: u64,
        what: &str,
    ) -> Result<(), SimError> {
        for r in self.0.iter().rev() {
            if r.lo < hi && lo < r.hi && r.finish > at && r.by != writer {
                return err(
                    writer,
                    format!(
                        "overwrites {what} [{lo}, {hi}) at cycle {at}, but instruction {} reads it until cycle {} (a missing wait)",
                        r.by, r.finish
                    ),
                );
            }
        }
        Ok(())
    }

    fn add(&mut self, by: usize, lo: u64, hi: u64, finish: u64) {
        self.add_from(by, lo, hi, finish, false);
    }

    fn add_from(&mut self, by: usize, lo: u64, hi: u64, finish: u64, array: bool) {
        // Older writes to the same place are superseded.
        self.0
            .retain(|w| !(lo <= w.lo && w.hi <= hi && w.finish <= finish));
        self.0.push(Write {
            lo,
            hi,
            finish,
            by,
            array,
        });
    }
}

/// The machine's state.
struct Machine<'a> {
    t: &'a SystolicTarget,
    ub: Vec<u8>,
    /// Accumulators: rows of `cols` 32-bit sums (f32 or i32 bits).
    acc: Vec<u32>,
    acc_rows: u64,
    /// The tile in the shadow weights, not yet taken by a stream: `k × n` elements as
    /// f32 (bf16 values) or i32 (int8 values) bits, row-major `n` wide, and the cycle
    /// its load finishes.
    shadow: Option<(Vec<u32>, u32, u32, u64)>,
}

impl Machine<'_> {
    fn elem(&self) -> u64 {
        self.t.input_type.bytes()
    }

    fn ub_range(&self, i: usize, lo: u64, len: u64) -> Result<std::ops::Range<usize>, SimError> {
        let hi = lo.checked_add(len).filter(|&h| h <= self.ub.len() as u64);
        match hi {
            Some(h) => Ok(lo as usize..h as usize),
            None => err(
                i,
                format!(
                    "unified buffer [{lo}, +{len}) is past its {} bytes",
                    self.ub.len()
                ),
            ),
        }
    }

    /// The element of the array's input type at `at`, as f32 or i32 bits (an int8
    /// array's bytes as `u8` where `unsigned`, else `i8`).
    fn input(&self, at: usize, unsigned: bool) -> u32 {
        match self.t.input_type {
            ArrayInput::Bf16 => {
                bf16_value(u16::from_le_bytes([self.ub[at], self.ub[at + 1]])).to_bits()
            }
            ArrayInput::Int8 if unsigned => self.ub[at] as u32,
            ArrayInput::Int8 => self.ub[at] as i8 as i32 as u32,
        }
    }

    /// A `rows × k` block of array inputs, `ld` elements apart from `ub`, as bits.
    fn block(
        &self,
        i: usize,
        ub: u64,
        (rows, k, ld): (u32, u32, u32),
        unsigned: bool,
    ) -> Result<Vec<u32>, SimError> {
        if rows == 0 || k == 0 {
            return Ok(Vec::new());
        }
        if k > ld {
            return err(i, format!("rows of {k} elements cannot be {ld} apart"));
        }
        let e = self.elem();
        self.ub_range(i, ub, block_bytes(rows, k, ld, e))?;
        let mut out = Vec::with_capacity(rows as usize * k as usize);
        for r in 0..rows as u64 {
            for c in 0..k as u64 {
                out.push(self.input((ub + (r * ld as u64 + c) * e) as usize, unsigned));
            }
        }
        Ok(out)
    }

    fn acc_rows_check(&self, i: usize, acc: u32, m: u32, n: u32) -> Result<(), SimError> {
        if acc as u64 + m as u64 > self.acc_rows || n > self.t.cols {
            return err(
                i,
                format!(
                    "accumulator rows [{acc}, +{m}) of {n} sums are past the {} rows of {} sums",
                    self.acc_rows, self.t.cols
                ),
            );
        }
        Ok(())
    }

    /// Adds (or stores) sum `s` (f32 or i32 bits) into accumulator `(row, col)`.
    fn accumulate(&mut self, row: u64, col: u32, s: u32, add: bool) {
        let at = (row * self.t.cols as u64 + col as u64) as usize;
        self.acc[at] = match (add, self.t.input_type) {
            (false, _) => s,
            (true, ArrayInput::Bf16) => {
                (f32::from_bits(self.acc[at]) + f32::from_bits(s)).to_bits()
            }
            (true, ArrayInput::Int8) => (self.acc[at] as i32).wrapping_add(s as i32) as u32,
        };
    }
}

/// When one instruction ran on its unit: issued at `start`, occupying the unit's
/// throughput over `[busy_from, busy_until)` (a DMA's transfer after its latency, the
/// array's intake of rows), and done at `finish` (data landed, sums out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub instr: usize,
    pub unit: Unit,
    pub start: u64,
    pub busy_from: u64,
    pub busy_until: u64,
    pub finish: u64,
}

impl Span {
    /// A span busy from `busy_from` until it finishes.
    fn new(instr: usize, unit: Unit, start: u64, busy_from: u64, finish: u64) -> Span {
        Span {
            instr,
            unit,
            start,
            busy_from,
            busy_until: finish,
            finish,
        }
    }

    /// A span busy from its start until `busy_until`, finishing later.
    fn busy(instr: usize, unit: Unit, start: u64, busy_until: u64, finish: u64) -> Span {
        Span {
            instr,
            unit,
            start,
            busy_from: start,
            busy_until,
            finish,
        }
    }
}

/// Runs `schedule` on `machine` with off-chip buffers `dram`; returns what it counted.
pub fn simulate(
    machine: &SystolicTarget,
    schedule: &Schedule,
    dram: &mut [Vec<u8>],
) -> Result<Counters, SimError> {
    simulate_traced(machine, schedule, dram).map(|(c, _)| c)
}

/// [`simulate`], with when each instruction ran (in program order).
pub fn simulate_traced(
    machine: &SystolicTarget,
    schedule: &Schedule,
    dram: &mut [Vec<u8>],
) -> Result<(Counters, Vec<Span>), SimError> {
    strata_abi::Target::Systolic(machine.clone())
        .check()
        .map_err(|e| SimError(e.0))?;
    let (rows, cols) = (machine.rows as u64, machine.cols as u64);
    let mut m = Machine {
        t: machine,
        ub: vec![0; machine.buffer_bytes as usize],
        acc: vec![0; (machine.accumulator_bytes / 4) as usize],
        acc_rows: machine.accumulator_bytes / 4 / cols,
        shadow: None,
    };
    let bytes_per_cycle = (machine.bandwidth as f64 / machine.clock_hz as f64).max(1e-9);
    let transfer = |bytes: u64| (bytes as f64 / bytes_per_cycle).ceil() as u64;
    let latency = machine.dram_latency_cycles;

    let n = schedule.instrs.len();
    let mut finish = vec![0u64; n];
    let mut counters = Counters::default();
    // Per unit: when it can take its next instruction (DMA: when the last was issued,
    // and when its data finished).
    let mut issued = [0u64; 2];
    let mut done = [0u64; 2];
    let mut weights_free = 0u64;
    let mut shadow_free = 0u64;
    let mut array_free = 0u64;
    let mut drain_free = 0u64;
    let mut spans = Vec::with_capacity(n);
    let mut ub_writes = Writes::default();
    let mut acc_writes = Writes::default();
    // What is being read, until when: a write must wait for those reads.
    let mut ub_reads = Writes::default();
    let mut acc_reads = Writes::default();

    for (i, ins) in schedule.instrs.iter().enumerate() {
        let mut ready = 0u64;
        let mut binding: Option<usize> = None;
        for &w in &ins.waits {
            let w = w as usize;
            if w >= i {
                return err(i, format!("waits on instruction {w}, which comes after it"));
            }
            if finish[w] > ready {
                ready = finish[w];
                binding = Some(w);
            }
        }
        // Whether what it waited on last was data from off-chip.
        let dma_bound = binding.is_some_and(|b| schedule.instrs[b].op.unit() == Unit::DmaIn);
        match &ins.op {
            Op::DmaIn { .. } | Op::Gather { .. } => {
                let t = InTransfer::of(&ins.op, i)?;
                let src = dram
                    .get(t.buffer as usize)
                    .map(|b| b.len() as u64)
                    .ok_or_else(|| SimError(format!("instruction {i}: no buffer {}", t.buffer)))?;
                let elems = t.rows.len() as u64 * t.cols.len() as u64;
                if elems > 0 {
                    let far = t.rows.iter().max().copied().unwrap_or(0);
                    let reach = far
                        .checked_add(t.cols.iter().max().copied().unwrap_or(0))
                        .and_then(|x| x.checked_add(t.offset))
                        .and_then(|x| x.checked_add(t.elem_bytes))
                        .unwrap_or(u64::MAX);
                    if reach > src {
                        return err(
                            i,
                            format!("reads buffer {} up to byte {reach} of {src}", t.buffer),
                        );
                    }
                }
                let range = m.ub_range(i, t.ub, elems * t.out_elem)?;
                let start = ready.max(issued[0]);
                issued[0] = start;
                let bytes = elems * t.elem_bytes;
                finish[i] = (start + latency).max(done[0]) + transfer(bytes);
                done[0] = finish[i];
                spans.push(Span::new(
                    i,
                    Unit::DmaIn,
                    start,
                    finish[i] - transfer(bytes),
                    finish[i],
                ));
                counters.dram_bytes_read += bytes;
                let b = &dram[t.buffer as usize];
                let eb = t.elem_bytes as usize;
                // Runs of contiguous columns move as one slice (a row DMA's whole row).
                let run = if t.contiguous { t.cols.len() } else { 1 };
                let mut at = range.start;
                for &ra in &t.rows {
                    for c in t.cols.chunks(run.max(1)) {
                        let e = (t.offset + ra + c[0]) as usize;
                        let x = &b[e..e + c.len() * eb];
                        match t.convert {
                            Convert::None => m.ub[at..at + x.len()].copy_from_slice(x),
                            Convert::F32ToBf16 => {
                                for (k, v) in x.chunks_exact(4).enumerate() {
                                    let v = f32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                                    m.ub[at + 2 * k..at + 2 * k + 2]
                                        .copy_from_slice(&bf16_bits(v).to_le_bytes());
                                }
                            }
                        }
                        at += c.len() * t.out_elem as usize;
                    }
                }
                ub_reads.check_write(
                    i,
                    range.start as u64,
                    range.end as u64,
                    start,
                    "the unified buffer",
                )?;
                ub_writes.add(i, range.start as u64, range.end as u64, finish[i]);
            }
            Op::DmaOut {
                ub,
                rows: r,
                row_elems,
                elem_bytes,
                buffer,
                offset,
                stride,
            } => {
                let row_bytes = *row_elems as u64 * *elem_bytes as u64;
                let range = m.ub_range(i, *ub, *r as u64 * row_bytes)?;
                let dst = dram
                    .get(*buffer as usize)
                    .map(|b| b.len() as u64)
                    .ok_or_else(|| SimError(format!("instruction {i}: no buffer {buffer}")))?;
                let reach = dram_reach(*r, *stride, row_bytes, *offset).unwrap_or(u64::MAX);
                if reach > dst {
                    return err(
                        i,
                        format!("writes buffer {buffer} up to byte {reach} of {dst}"),
                    );
                }
                let start = ready.max(issued[1]);
                ub_writes.check(
                    i,
                    range.start as u64,
                    range.end as u64,
                    start,
                    "the unified buffer",
                )?;
                issued[1] = start;
                let bytes = *r as u64 * row_bytes;
                finish[i] = (start + latency).max(done[1]) + transfer(bytes);
                done[1] = finish[i];
                spans.push(Span::new(
                    i,
                    Unit::DmaOut,
                    start,
                    finish[i] - transfer(bytes),
                    finish[i],
                ));
                counters.dram_bytes_written += bytes;
                ub_reads.add(i, range.start as u64, range.end as u64, finish[i]);
                let b = &mut dram[*buffer as usize];
                for row in 0..*r as u64 {
                    let base = (offset + row * stride) as usize;
                    let from = range.start + (row * row_bytes) as usize;
                    b[base..base + row_bytes as usize]
                        .copy_from_slice(&m.ub[from..from + row_bytes as usize]);
                }
            }
            Op::LoadWeights {
                ub,
                k,
                n: nn,
                ld,
                unsigned,
            } => {
                if machine.dataflow != Dataflow::Ws {
                    return err(i, "an output-stationary array has no weights to load");
                }
                if *k as u64 > rows || *nn as u64 > cols {
                    return err(
                        i,
                        format!("a {k}x{nn} weight tile on a {rows}x{cols} array"),
                    );
                }
                if m.shadow.is_some() {
                    return err(i, "loads weights over a tile no stream has taken");
                }
                let start = ready.max(weights_free).max(shadow_free);
                let span = block_bytes(*k, *nn, *ld, m.elem());
                ub_writes.check(i, *ub, ub + span, start, "the unified buffer")?;
                let tile = m.block(i, *ub, (*k, *nn, *ld), *unsigned)?;
                finish[i] = start + rows;
                spans.push(Span::new(i, Unit::Weights, start, start, finish[i]));
                ub_reads.add(i, *ub, ub + span, finish[i]);
                weights_free = finish[i];
                // Until a stream takes this tile, no other may load.
                shadow_free = u64::MAX;
                m.shadow = Some((tile, *k, *nn, finish[i]));
            }
            Op::Stream {
                ub,
                m: mm,
                k,
                ld,
                n: nn,
                acc,
                accumulate,
                unsigned,
            } => {
                let Some((tile, tk, tn, full)) = m.shadow.take() else {
                    return err(i, "streams with no weight tile loaded");
                };
                if *k != tk || *nn != tn {
                    return err(i, format!("streams {k}-wide rows into {nn} columns through a {tk}x{tn} weight tile"));
                }
                m.acc_rows_check(i, *acc, *mm, *nn)?;
                let start = ready.max(array_free).max(full);
                // Why the array waited, if it did.
                let cause = match () {
                    _ if full >= ready => Stall::Weights,
                    _ if dma_bound => Stall::Dma,
                    _ => Stall::Dependency,
                };
                counters.add_stall(start - array_free, cause);
                let span = block_bytes(*mm, *k, *ld, m.elem());
                ub_writes.check(i, *ub, ub + span, start, "the unified buffer")?;
                check_acc_write(&acc_writes, &acc_reads, i, (*acc, *mm), start, *accumulate)?;
                let a = m.block(i, *ub, (*mm, *k, *ld), *unsigned)?;
                array_free = start + *mm as u64;
                ub_reads.add(i, *ub, ub + span, array_free);
                finish[i] = start + *mm as u64 + rows + *nn as u64 - 1;
                spans.push(Span::busy(i, Unit::Array, start, array_free, finish[i]));
                shadow_free = start;
                counters.compute_cycles += *mm as u64;
                counters.macs += *mm as u64 * *k as u64 * *nn as u64;
                // Each column's sum runs down the tile's rows in order, then joins its
                // accumulator.
                let (kk, nw) = (*k as usize, *nn as usize);
                let mut psum = vec![0u32; nw];
                let mut s = vec![0f32; nw];
                let mut si = vec![0i32; nw];
                for r in 0..*mm as usize {
                    let row = &a[r * kk..(r + 1) * kk];
                    match machine.input_type {
                        ArrayInput::Bf16 => {
                            for (l, &x) in row.iter().enumerate() {
                                let x = f32::from_bits(x);
                                let w = &tile[l * nw..(l + 1) * nw];
                                if l == 0 {
                                    for c in 0..nw {
                                        s[c] = x * f32::from_bits(w[c]);
                                    }
                                } else {
                                    for c in 0..nw {
                                        s[c] += x * f32::from_bits(w[c]);
                                    }
                                }
                            }
                            for c in 0..nw {
                                psum[c] = s[c].to_bits();
                            }
                        }
                        ArrayInput::Int8 => {
                            si.iter_mut().for_each(|x| *x = 0);
                            for (l, &x) in row.iter().enumerate() {
                                let w = &tile[l * nw..(l + 1) * nw];
                                for c in 0..nw {
                                    si[c] =
                                        si[c].wrapping_add((x as i32).wrapping_mul(w[c] as i32));
                                }
                            }
                            for c in 0..nw {
                                psum[c] = si[c] as u32;
                            }
                        }
                    }
                    if kk == 0 {
                        psum.iter_mut().for_each(|p| *p = 0);
                    }
                    for (c, &p) in psum.iter().enumerate() {
                        m.accumulate(*acc as u64 + r as u64, c as u32, p, *accumulate);
                    }
                }
                acc_writes.add_from(i, *acc as u64, *acc as u64 + *mm as u64, finish[i], true);
            }
            Op::Compute {
                a_ub,
                a_ld,
                b_ub,
                b_ld,
                m: mm,
                n: nn,
                k,
                acc,
                accumulate,
                a_unsigned,
                b_unsigned,
            } => {
                if machine.dataflow != Dataflow::Os {
                    return err(i, "a weight-stationary array computes by streams");
                }
                if *mm as u64 > rows || *nn as u64 > cols {
                    return err(
                        i,
                        format!("a {mm}x{nn} output tile on a {rows}x{cols} array"),
                    );
                }
                m.acc_rows_check(i, *acc, *mm, *nn)?;
                let start = ready.max(array_free);
                let cause = if dma_bound {
                    Stall::Dma
                } else {
                    Stall::Dependency
                };
                counters.add_stall(start - array_free, cause);
                let a_span = block_bytes(*mm, *k, *a_ld, m.elem());
                let b_span = block_bytes(*k, *nn, *b_ld, m.elem());
                ub_writes.check(i, *a_ub, a_ub + a_span, start, "the unified buffer")?;
                ub_writes.check(i, *b_ub, b_ub + b_span, start, "the unified buffer")?;
                check_acc_write(&acc_writes, &acc_reads, i, (*acc, *mm), start, *accumulate)?;
                let a = m.block(i, *a_ub, (*mm, *k, *a_ld), *a_unsigned)?;
                let b = m.block(i, *b_ub, (*k, *nn, *b_ld), *b_unsigned)?;
                array_free = start + (*k as u64).max(*mm as u64);
                ub_reads.add(i, *a_ub, a_ub + a_span, start + *k as u64 + *mm as u64);
                ub_reads.add(i, *b_ub, b_ub + b_span, start + *k as u64 + *nn as u64);
                // The last cell's sum leaves `k - 1 + (m - 1) + (n - 1)` cycles in, and
                // the sums take `m` more to shift down (an empty tile: none).
                finish[i] = start + (*k as u64 + 2 * *mm as u64 + *nn as u64).saturating_sub(2);
                spans.push(Span::busy(i, Unit::Array, start, array_free, finish[i]));
                counters.compute_cycles += *k as u64;
                counters.macs += *mm as u64 * *k as u64 * *nn as u64;
                // Each cell adds its products in reduction order (the columns of a row
                // are independent, so they go side by side).
                let (kk, nw) = (*k as usize, *nn as usize);
                for r in 0..*mm as usize {
                    let row_at = ((*acc as u64 + r as u64) * cols) as usize;
                    let sums = &mut m.acc[row_at..row_at + nw];
                    match machine.input_type {
                        ArrayInput::Bf16 => {
                            let mut s: Vec<f32> = if *accumulate {
                                sums.iter().map(|&x| f32::from_bits(x)).collect()
                            } else {
                                vec![0.0; nw]
                            };
                            for l in 0..kk {
                                let x = f32::from_bits(a[r * kk + l]);
                                let w = &b[l * nw..(l + 1) * nw];
                                for c in 0..nw {
                                    s[c] += x * f32::from_bits(w[c]);
                                }
                            }
                            for c in 0..nw {
                                sums[c] = s[c].to_bits();
                            }
                        }
                        ArrayInput::Int8 => {
                            let mut s: Vec<i32> = if *accumulate {
                                sums.iter().map(|&x| x as i32).collect()
                            } else {
                                vec![0; nw]
                            };
                            for l in 0..kk {
                                let x = a[r * kk + l] as i32;
                                let w = &b[l * nw..(l + 1) * nw];
                                for c in 0..nw {
                                    s[c] = s[c].wrapping_add(x.wrapping_mul(w[c] as i32));
                                }
                            }
                            for c in 0..nw {
                                sums[c] = s[c] as u32;
                            }
                        }
                    }
                }
                acc_writes.add_from(i, *acc as u64, *acc as u64 + *mm as u64, finish[i], true);
            }
            Op::Drain {
                acc,
                m: mm,
                n: nn,
                ub,
                ld,
            } => {
                m.acc_rows_check(i, *acc, *mm, *nn)?;
                if nn > ld {
                    return err(i, format!("rows of {nn} sums cannot be {ld} apart"));
                }
                let start = ready.max(drain_free);
                acc_writes.check(
                    i,
                    *acc as u64,
                    *acc as u64 + *mm as u64,
                    start,
                    "accumulator rows",
                )?;
                let range = m.ub_range(i, *ub, block_bytes(*mm, *nn, *ld, 4))?;
                ub_reads.check_write(
                    i,
                    range.start as u64,
                    range.end as u64,
                    start,
                    "the unified buffer",
                )?;
                finish[i] = start + *mm as u64;
                drain_free = finish[i];
                spans.push(Span::new(i, Unit::Drain, start, start, finish[i]));
                acc_reads.add(i, *acc as u64, *acc as u64 + *mm as u64, finish[i]);
                for r in 0..*mm as u64 {
                    for c in 0..*nn as u64 {
                        let v = m.acc[((*acc as u64 + r) * cols + c) as usize];
                        let at = range.start + ((r * *ld as u64 + c) * 4) as usize;
                        m.ub[at..at + 4].copy_from_slice(&v.to_le_bytes());
                    }
                }
                ub_writes.add(i, range.start as u64, range.end as u64, finish[i]);
            }
        }
        counters.total_cycles = counters.total_cycles.max(finish[i]);
    }
    Ok((counters, spans))
}

fn end_of(spans: &[Span]) -> u64 {
    spans.iter().map(|s| s.finish).max().unwrap_or(0).max(1)
}

/// `spans` with each unit's spans that start within `gap` cycles of the one before's
/// end joined (their instruction, the first's).
fn merge_spans(spans: &[Span], gap: u64) -> Vec<Span> {
    let mut sorted = spans.to_vec();
    if gap == 0 {
        return sorted;
    }
    sorted.sort_by_key(|s| (s.unit, s.busy_from));
    let mut out: Vec<Span> = Vec::new();
    for s in sorted {
        match out.last_mut() {
            Some(l) if l.unit == s.unit && s.busy_from <= l.busy_until.saturating_add(gap) => {
                l.busy_until = l.busy_until.max(s.busy_until);
                l.finish = l.finish.max(s.finish);
            }
            _ => out.push(s),
        }
    }
    out
}

/// A timeline of `spans` as SVG: a lane per unit, a bar per instruction over the cycles
/// it kept its unit busy (a DMA's transfer, the array's intake, a weight load, a drain),
/// and a thin line out to when it finished (bars closer than a pixel drawn as one). For
/// reports people read (`--timeline`).
pub fn timeline_svg(spans: &[Span], title: &str) -> String {
    const ALL_LANES: [(Unit, &str, &str); 6] = [
        (Unit::DmaIn, "DMA in", "#4e79a7"),
        (Unit::Weights, "weights", "#f28e2b"),
        (Unit::Array, "array", "#59a14f"),
        (Unit::Drain, "drain", "#b07aa1"),
        (Unit::DmaOut, "DMA out", "#e15759"),
        (Unit::Vector, "vector", "#edc948"),
    ];
    // The vector unit's lane only where it worked (a schedule alone has none).
    let lanes: Vec<_> = ALL_LANES
        .iter()
        .filter(|l| l.0 != Unit::Vector || spans.iter().any(|s| s.unit == Unit::Vector))
        .collect();
    // Spans closer than a pixel are drawn as one, so a whole model's run stays a
    // picture of a few thousand shapes.
    let spans = merge_spans(spans, end_of(spans) / 2000);
    let (width, left, lane_h, top) = (1000.0f64, 90.0f64, 28.0f64, 30.0f64);
    let end = end_of(&spans) as f64;
    let x = |c: u64| left + (width - left - 10.0) * c as f64 / end;
    let height = top + lane_h * lanes.len() as f64 + 30.0;
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n<text x=\"{left}\" y=\"18\">{}</text>\n",
        esc(title)
    );
    for (lane, (unit, name, color)) in lanes.iter().enumerate() {
        let y = top + lane as f64 * lane_h;
        out.push_str(&format!(
            "<text x=\"4\" y=\"{:.1}\">{name}</text>\n",
            y + lane_h * 0.6
        ));
        for s in spans.iter().filter(|s| s.unit == *unit) {
            let (x0, x1) = (x(s.busy_from), x(s.busy_until).max(x(s.busy_from) + 0.5));
            out.push_str(&format!(
                "<rect x=\"{x0:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{color}\"><title>#{} cycles {}..{} (done {})</title></rect>\n",
                y + 4.0,
                x1 - x0,
                lane_h - 10.0,
                s.instr,
                s.busy_from,
                s.busy_until,
                s.finish
            ));
            if s.finish > s.busy_until {
                out.push_str(&format!(
                    "<line x1=\"{x1:.2}\" y1=\"{:.1}\" x2=\"{:.2}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"1\"/>\n",
                    y + lane_h / 2.0 - 1.0,
                    x(s.finish),
                    y + lane_h / 2.0 - 1.0
                ));
            }
        }
    }
    let axis = top + lane_h * lanes.len() as f64 + 14.0;
    out.push_str(&format!(
        "<text x=\"{left}\" y=\"{axis:.1}\">0</text>\n<text x=\"{:.1}\" y=\"{axis:.1}\" text-anchor=\"end\">{} cycles</text>\n</svg>\n",
        width - 10.0,
        end as u64
    ));
    out
}
