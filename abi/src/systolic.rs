//! The systolic machine's program: an instruction stream the compiler's systolic back end
//! writes and the runtime's systolic device runs, cycle by cycle.
//!
//! The machine ([`crate::SystolicTarget`]) has off-chip memory (the device's buffers, by
//! index), an on-chip unified buffer (bytes, addressed from 0), accumulators below the
//! array (rows of `cols` 32-bit sums) and four units that work at once, each taking its
//! instructions in program order: the DMA engine (reads and writes, one channel each),
//! the weight loader, the array, and the drain (accumulators to the buffer). An
//! instruction starts when its unit is free and every instruction it `waits` on has
//! finished: what a real machine's semaphores between queues do.
//!
//! Numerics, which the device reproduces exactly: array inputs are bf16 (rounded to
//! nearest even from f32 by the DMA, [`bf16_bits`]) or int8. A product of two bf16 is
//! exact in f32. Weight-stationary, a column's partial sum runs down the array's rows in
//! order of the reduction within a weight tile (one f32 rounding per step, starting from
//! the first product) and is then added to its accumulator (one more rounding), tile
//! after tile. Output-stationary, each cell adds its products to its own f32 sum in order
//! of the reduction, starting from the accumulator's value when accumulating. int8 sums
//! are exact i32 (wrapping).

use std::fmt;

/// How the DMA engine converts what it reads from off-chip memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Convert {
    /// Bytes as they are.
    None,
    /// f32 elements to bf16 (round to nearest even; NaN stays NaN).
    F32ToBf16,
}

/// One instruction's operation. Addresses in the unified buffer are in bytes; leading
/// dimensions (`ld`) and sizes in elements; accumulator addresses in rows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Off-chip buffer `buffer` → unified buffer: `rows` rows of `row_elems` elements,
    /// `stride` bytes apart off-chip, packed at `ub` on chip (`convert` applied).
    DmaIn {
        buffer: u32,
        offset: u64,
        stride: u64,
        rows: u32,
        row_elems: u32,
        elem_bytes: u32,
        convert: Convert,
        ub: u64,
    },
    /// Unified buffer → off-chip: `rows` rows of `row_elems` elements of `elem_bytes`,
    /// packed at `ub`, to `stride`-byte rows of `buffer` from `offset`.
    DmaOut {
        ub: u64,
        rows: u32,
        row_elems: u32,
        elem_bytes: u32,
        buffer: u32,
        offset: u64,
        stride: u64,
    },
    /// Weight-stationary: shifts a `k × n` weight tile (`k ≤ rows`, `n ≤ cols`, rows
    /// `ld` elements apart at `ub`) into the array's shadow weights, one row a cycle.
    LoadWeights { ub: u64, k: u32, n: u32, ld: u32 },
    /// Weight-stationary: switches to the shadow weights and streams `m` activation rows
    /// of `k` elements (`ld` apart at `ub`) through the array; row `i`'s `n` sums go to
    /// accumulator row `acc + i` (added to it when `accumulate`, else replacing it).
    Stream {
        ub: u64,
        m: u32,
        k: u32,
        ld: u32,
        n: u32,
        acc: u32,
        accumulate: bool,
    },
    /// Output-stationary: an `m × n` output tile (`m ≤ rows`, `n ≤ cols`) computed in
    /// the cells over `k` steps, A's rows (`a_ld` apart at `a_ub`) entering from the left
    /// and B's rows (`b_ld` apart at `b_ub`) from the top; the sums then shift down into
    /// accumulator rows `acc..` (added to them when `accumulate`).
    Compute {
        a_ub: u64,
        a_ld: u32,
        b_ub: u64,
        b_ld: u32,
        m: u32,
        n: u32,
        k: u32,
        acc: u32,
        accumulate: bool,
    },
    /// Accumulator rows `acc..acc + m` (their first `n` sums) → the unified buffer as
    /// 32-bit elements, rows `ld` elements apart at `ub`, a row a cycle.
    Drain {
        acc: u32,
        m: u32,
        n: u32,
        ub: u64,
        ld: u32,
    },
}

/// One instruction: an operation and the earlier instructions (by index) it waits on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instr {
    pub op: Op,
    pub waits: Vec<u32>,
}

/// A program for the systolic machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub instrs: Vec<Instr>,
}

/// The unit that runs an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    DmaIn,
    DmaOut,
    Weights,
    Array,
    Drain,
}

impl Op {
    /// The unit that runs it.
    pub fn unit(&self) -> Unit {
        match self {
            Op::DmaIn { .. } => Unit::DmaIn,
            Op::DmaOut { .. } => Unit::DmaOut,
            Op::LoadWeights { .. } => Unit::Weights,
            Op::Stream { .. } | Op::Compute { .. } => Unit::Array,
            Op::Drain { .. } => Unit::Drain,
        }
    }
}

impl Schedule {
    /// Appends `op` waiting on `waits`; returns its index.
    pub fn push(&mut self, op: Op, waits: impl IntoIterator<Item = u32>) -> u32 {
        let mut waits: Vec<u32> = waits.into_iter().collect();
        waits.sort_unstable();
        waits.dedup();
        self.instrs.push(Instr { op, waits });
        (self.instrs.len() - 1) as u32
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, ins) in self.instrs.iter().enumerate() {
            write!(f, "{i:>5}: ")?;
            match &ins.op {
                Op::DmaIn {
                    buffer,
                    offset,
                    stride,
                    rows,
                    row_elems,
                    elem_bytes,
                    convert,
                    ub,
                } => write!(
                    f,
                    "dma.in    buf{buffer}[{offset}, {rows}x{row_elems}x{elem_bytes}B stride {stride}] -> ub[{ub}]{}",
                    match convert {
                        Convert::None => "",
                        Convert::F32ToBf16 => " as bf16",
                    }
                )?,
                Op::DmaOut {
                    ub,
                    rows,
                    row_elems,
                    elem_bytes,
                    buffer,
                    offset,
                    stride,
                } => write!(
                    f,
                    "dma.out   ub[{ub}, {rows}x{row_elems}x{elem_bytes}B] -> buf{buffer}[{offset} stride {stride}]"
                )?,
                Op::LoadWeights { ub, k, n, ld } => {
                    write!(f, "weights   ub[{ub}] {k}x{n} ld {ld}")?
                }
                Op::Stream {
                    ub,
                    m,
                    k,
                    ld,
                    n,
                    acc,
                    accumulate,
                } => write!(
                    f,
                    "stream    ub[{ub}] {m}x{k} ld {ld} -> acc[{acc}] {m}x{n}{}",
                    if *accumulate { " +=" } else { "" }
                )?,
                Op::Compute {
                    a_ub,
                    a_ld,
                    b_ub,
                    b_ld,
                    m,
                    n,
                    k,
                    acc,
                    accumulate,
                } => write!(
                    f,
                    "compute   ub[{a_ub}] ld {a_ld} x ub[{b_ub}] ld {b_ld} {m}x{n}x{k} -> acc[{acc}]{}",
                    if *accumulate { " +=" } else { "" }
                )?,
                Op::Drain { acc, m, n, ub, ld } => {
                    write!(f, "drain     acc[{acc}] {m}x{n} -> ub[{ub}] ld {ld}")?
                }
            }
            if !ins.waits.is_empty() {
                let w: Vec<String> = ins.waits.iter().map(|w| w.to_string()).collect();
                write!(f, "  waits {}", w.join(","))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// `x` as bf16 bits, rounded to nearest even (NaN stays a quiet NaN).
pub fn bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    if x.is_nan() {
        return ((b >> 16) | 0x40) as u16;
    }
    let round = ((b >> 16) & 1) + 0x7FFF;
    (b.wrapping_add(round) >> 16) as u16
}

/// The f32 a bf16 stands for.
pub fn bf16_value(bits: u16) -> f32 {
    f32::from_bits((bits as u32) << 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(bf16_value(bf16_bits(1.0)), 1.0);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to even (1).
        assert_eq!(bf16_value(bf16_bits(1.0 + 1.0 / 256.0)), 1.0);
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to even (1 + 2^-6).
        assert_eq!(bf16_value(bf16_bits(1.0 + 3.0 / 256.0)), 1.0 + 1.0 / 64.0);
        assert_eq!(bf16_value(bf16_bits(f32::INFINITY)), f32::INFINITY);
        assert!(bf16_value(bf16_bits(f32::NAN)).is_nan());
        assert_eq!(bf16_value(bf16_bits(f32::MAX)), f32::INFINITY);
        assert_eq!(bf16_bits(-0.0), 0x8000);
    }
}
