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

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the DMA engine converts what it reads from off-chip memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Convert {
    /// Bytes as they are.
    None,
    /// f32 elements to bf16 (round to nearest even; NaN stays NaN).
    F32ToBf16,
}

impl Convert {
    /// How a listing marks it.
    fn suffix(self) -> &'static str {
        match self {
            Convert::None => "",
            Convert::F32ToBf16 => " as bf16",
        }
    }
}

/// One dimension of an off-chip layout: `extent` indices, `stride` bytes apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dim {
    pub extent: u64,
    pub stride: u64,
}

/// The byte offset of index `i` of a mixed-radix layout `dims` (outermost first), or
/// `None` past its end or on overflow.
pub fn dims_offset(dims: &[Dim], mut i: u64) -> Option<u64> {
    let mut at = 0u64;
    for d in dims.iter().rev() {
        if d.extent == 0 {
            return None;
        }
        at = at.checked_add((i % d.extent).checked_mul(d.stride)?)?;
        i /= d.extent;
    }
    (i == 0).then_some(at)
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
    /// Off-chip buffer `buffer` → unified buffer, gathering: the `rows × cols` block from
    /// (`row0`, `col0`) of a matrix laid out as nested dimensions (a row index is a
    /// number in `row_dims`' mixed radix, outermost first, each digit `stride` bytes
    /// apart; so is a column index in `col_dims`), packed row-major at `ub` (`convert`
    /// applied). What a convolution's rows of input windows (im2col) and a transposed
    /// operand need; its transfer is timed like a `DmaIn` of as many bytes.
    Gather {
        buffer: u32,
        offset: u64,
        row_dims: Vec<Dim>,
        col_dims: Vec<Dim>,
        row0: u64,
        rows: u32,
        col0: u64,
        cols: u32,
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
    /// `unsigned`: on an int8 array, the bytes are `u8`, not `i8` (a bf16 array has
    /// neither and ignores it).
    LoadWeights {
        ub: u64,
        k: u32,
        n: u32,
        ld: u32,
        unsigned: bool,
    },
    /// Weight-stationary: switches to the shadow weights and streams `m` activation rows
    /// of `k` elements (`ld` apart at `ub`) through the array; row `i`'s `n` sums go to
    /// accumulator row `acc + i` (added to it when `accumulate`, else replacing it).
    /// `unsigned`: the activations are `u8` on an int8 array.
    Stream {
        ub: u64,
        m: u32,
        k: u32,
        ld: u32,
        n: u32,
        acc: u32,
        accumulate: bool,
        unsigned: bool,
    },
    /// Output-stationary: an `m × n` output tile (`m ≤ rows`, `n ≤ cols`) computed in
    /// the cells over `k` steps, A's rows (`a_ld` apart at `a_ub`) entering from the left
    /// and B's rows (`b_ld` apart at `b_ub`) from the top; the sums then shift down into
    /// accumulator rows `acc..` (added to them when `accumulate`). `a_unsigned`,
    /// `b_unsigned`: on an int8 array, which operands are `u8`.
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
        a_unsigned: bool,
        b_unsigned: bool,
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

/// A unit of the machine: one of the four a schedule's instructions run on, or the
/// vector unit, which runs a kernel's other phases ([`Phase::Vector`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    DmaIn,
    DmaOut,
    Weights,
    Array,
    Drain,
    Vector,
}

impl Op {
    /// The unit that runs it.
    pub fn unit(&self) -> Unit {
        match self {
            Op::DmaIn { .. } | Op::Gather { .. } => Unit::DmaIn,
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

/// How a listing marks unsigned 8-bit operands.
fn u8_mark(unsigned: bool) -> &'static str {
    if unsigned {
        " u8"
    } else {
        ""
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
                    convert.suffix()
                )?,
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
                    let dims = |d: &[Dim]| {
                        d.iter()
                            .map(|d| format!("{}@{}", d.extent, d.stride))
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    write!(
                        f,
                        "dma.gather buf{buffer}[{offset}, rows ({}) {row0}+{rows}, cols ({}) {col0}+{cols}, {elem_bytes}B] -> ub[{ub}]{}",
                        dims(row_dims),
                        dims(col_dims),
                        convert.suffix()
                    )?
                }
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
                Op::LoadWeights {
                    ub,
                    k,
                    n,
                    ld,
                    unsigned,
                } => write!(f, "weights   ub[{ub}] {k}x{n} ld {ld}{}", u8_mark(*unsigned))?,
                Op::Stream {
                    ub,
                    m,
                    k,
                    ld,
                    n,
                    acc,
                    accumulate,
                    unsigned,
                } => write!(
                    f,
                    "stream    ub[{ub}] {m}x{k} ld {ld}{} -> acc[{acc}] {m}x{n}{}",
                    u8_mark(*unsigned),
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
                    a_unsigned,
                    b_unsigned,
                } => write!(
                    f,
                    "compute   ub[{a_ub}] ld {a_ld}{} x ub[{b_ub}] ld {b_ld}{} {m}x{n}x{k} -> acc[{acc}]{}",
                    u8_mark(*a_unsigned),
                    u8_mark(*b_unsigned),
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

/// What one vector-unit phase of a kernel costs, counted by the compiler from its loops:
/// instructions of the vector unit by class (an operation on a vector of `w` elements
/// is `ceil(w / lanes)` instructions, a scalar one is one), and the bytes the phase reads
/// and writes off-chip (each argument it loads read once, each it stores written once:
/// the unified buffer holds what a phase reuses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VectorCost {
    /// Additions, multiplications, comparisons, selects, conversions.
    pub simple: u64,
    /// Exponentials, logarithms, hyperbolic and error functions, powers.
    pub transcendental: u64,
    /// Divisions, remainders and square roots.
    pub divide: u64,
    /// Element operations done (lanes used, summed over instructions).
    pub elements: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
}

impl VectorCost {
    /// Cycles the vector unit of `t` computes, its off-chip transfers aside.
    pub fn compute_cycles(&self, t: &crate::SystolicTarget) -> u64 {
        self.simple
            .saturating_mul(t.vector_op_cycles as u64)
            .saturating_add(
                self.transcendental
                    .saturating_mul(t.vector_transcendental_cycles as u64),
            )
            .saturating_add(self.divide.saturating_mul(t.vector_divide_cycles as u64))
    }

    /// Cycles the DMA engine of `t` needs for the phase's off-chip bytes (its latency
    /// aside): reads and writes share the memory's bandwidth.
    pub fn memory_cycles(&self, t: &crate::SystolicTarget) -> u64 {
        let bytes = self.bytes_read.saturating_add(self.bytes_written) as f64;
        (bytes * t.clock_hz as f64 / t.bandwidth.max(1) as f64).ceil() as u64
    }

    /// The phase's cycles: the memory's latency, then computing and transferring at
    /// once (the DMA streams while the unit works), the longer of the two.
    pub fn cycles(&self, t: &crate::SystolicTarget) -> u64 {
        let latency = if self.bytes_read + self.bytes_written > 0 {
            t.dram_latency_cycles
        } else {
            0
        };
        latency.saturating_add(self.compute_cycles(t).max(self.memory_cycles(t)))
    }
}

/// One step of a kernel on the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Matrix products on the array: a schedule over the kernel's arguments (its
    /// buffers by position).
    Array(Schedule),
    /// Everything else, on the vector unit: entry point `entry` of the executable's
    /// host code (the vector unit's operations, which a simulating device runs for
    /// their values), and what it costs.
    Vector { entry: u32, cost: VectorCost },
}

/// A kernel of a systolic executable: its entry point's symbol and its phases, run one
/// after another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelProgram {
    pub symbol: String,
    pub phases: Vec<Phase>,
    /// The compiler's estimate of one run's cycles: the analytic model's per product
    /// (the e-graph's systolic cost model), [`VectorCost::cycles`] per vector phase. The
    /// device reports it beside what it simulated.
    pub estimated_cycles: u64,
}

/// The code of the vector unit's phases: a shared object for `target` (the host a
/// simulating device runs on), one entry point per phase, each over its kernel's
/// arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCode {
    pub target: crate::Target,
    pub entry_points: Vec<crate::format::EntryPoint>,
    pub object: Vec<u8>,
}

/// A systolic machine's executable: what the back end writes for a module's kernels and
/// the systolic device runs.
///
/// ```text
/// magic "STRASYS1"
/// u32   header length, then the header: JSON of the kernels (symbols, phases with
///       their costs, an array phase as its schedule's index) and the host code's
///       target and entry points
/// u32   schedule count, then each schedule: u32 instruction count, and per
///       instruction a tag byte, its fields as LEB128 integers, its wait count and waits
/// u64   host object length, then the object's bytes
/// ```
///
/// Decoding checks every length against the bytes there are and every wait against the
/// instructions before it: a damaged executable is an error, not a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Executable {
    pub host: Option<HostCode>,
    pub kernels: Vec<KernelProgram>,
}

/// The first bytes of a systolic executable.
pub const EXECUTABLE_MAGIC: &[u8; 8] = b"STRASYS1";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PhaseHeader {
    Array { schedule: u32 },
    Vector { entry: u32, cost: VectorCost },
}

#[derive(Serialize, Deserialize)]
struct KernelHeader {
    symbol: String,
    phases: Vec<PhaseHeader>,
    #[serde(default)]
    estimated_cycles: u64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    kernels: Vec<KernelHeader>,
    #[serde(default)]
    host_target: Option<crate::Target>,
    #[serde(default)]
    host_entry_points: Vec<crate::format::EntryPoint>,
}

fn put(out: &mut Vec<u8>, mut x: u64) {
    loop {
        let byte = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn damaged(what: impl fmt::Display) -> crate::format::FormatError {
    crate::format::FormatError::BadModule(format!("systolic executable: {what}"))
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], crate::format::FormatError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| damaged("ends early"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], crate::format::FormatError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn varint(&mut self) -> Result<u64, crate::format::FormatError> {
        let mut x = 0u64;
        for shift in (0..64).step_by(7) {
            let [b] = self.fixed::<1>()?;
            x |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(x);
            }
        }
        Err(damaged("an integer runs past 64 bits"))
    }

    fn u32(&mut self) -> Result<u32, crate::format::FormatError> {
        u32::try_from(self.varint()?).map_err(|_| damaged("a 32-bit field is out of range"))
    }
}

fn encode_op(out: &mut Vec<u8>, op: &Op) {
    let dims = |d: &[Dim]| {
        let mut v = vec![d.len() as u64];
        for x in d {
            v.extend([x.extent, x.stride]);
        }
        v
    };
    let fields: Vec<u64> = match *op {
        Op::Gather {
            buffer,
            offset,
            ref row_dims,
            ref col_dims,
            row0,
            rows,
            col0,
            cols,
            elem_bytes,
            convert,
            ub,
        } => {
            out.push(6);
            let mut v = vec![buffer as u64, offset];
            v.extend(dims(row_dims));
            v.extend(dims(col_dims));
            v.extend([
                row0,
                rows as u64,
                col0,
                cols as u64,
                elem_bytes as u64,
                (convert == Convert::F32ToBf16) as u64,
                ub,
            ]);
            v
        }
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
            out.push(0);
            let c = match convert {
                Convert::None => 0,
                Convert::F32ToBf16 => 1,
            };
            vec![
                buffer as u64,
                offset,
                stride,
                rows as u64,
                row_elems as u64,
                elem_bytes as u64,
                c,
                ub,
            ]
        }
        Op::DmaOut {
            ub,
            rows,
            row_elems,
            elem_bytes,
            buffer,
            offset,
            stride,
        } => {
            out.push(1);
            vec![
                ub,
                rows as u64,
                row_elems as u64,
                elem_bytes as u64,
                buffer as u64,
                offset,
                stride,
            ]
        }
        Op::LoadWeights {
            ub,
            k,
            n,
            ld,
            unsigned,
        } => {
            out.push(2);
            vec![ub, k as u64, n as u64, ld as u64, unsigned as u64]
        }
        Op::Stream {
            ub,
            m,
            k,
            ld,
            n,
            acc,
            accumulate,
            unsigned,
        } => {
            out.push(3);
            vec![
                ub,
                m as u64,
                k as u64,
                ld as u64,
                n as u64,
                acc as u64,
                accumulate as u64,
                unsigned as u64,
            ]
        }
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
            a_unsigned,
            b_unsigned,
        } => {
            out.push(4);
            vec![
                a_ub,
                a_ld as u64,
                b_ub,
                b_ld as u64,
                m as u64,
                n as u64,
                k as u64,
                acc as u64,
                accumulate as u64,
                a_unsigned as u64,
                b_unsigned as u64,
            ]
        }
        Op::Drain { acc, m, n, ub, ld } => {
            out.push(5);
            vec![acc as u64, m as u64, n as u64, ub, ld as u64]
        }
    };
    for f in fields {
        put(out, f);
    }
}

fn decode_op(r: &mut Reader) -> Result<Op, crate::format::FormatError> {
    let [tag] = r.fixed::<1>()?;
    let flag = |x: u64| match x {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(damaged("a flag is neither 0 nor 1")),
    };
    let convert = |x: u64| match x {
        0 => Ok(Convert::None),
        1 => Ok(Convert::F32ToBf16),
        c => Err(damaged(format!("unknown conversion {c}"))),
    };
    let dims = |r: &mut Reader| {
        let n = r.varint()?;
        if n > 16 {
            return Err(damaged(format!("a layout of {n} dimensions")));
        }
        (0..n)
            .map(|_| {
                Ok(Dim {
                    extent: r.varint()?,
                    stride: r.varint()?,
                })
            })
            .collect::<Result<Vec<_>, crate::format::FormatError>>()
    };
    Ok(match tag {
        6 => Op::Gather {
            buffer: r.u32()?,
            offset: r.varint()?,
            row_dims: dims(r)?,
            col_dims: dims(r)?,
            row0: r.varint()?,
            rows: r.u32()?,
            col0: r.varint()?,
            cols: r.u32()?,
            elem_bytes: r.u32()?,
            convert: convert(r.varint()?)?,
            ub: r.varint()?,
        },
        0 => Op::DmaIn {
            buffer: r.u32()?,
            offset: r.varint()?,
            stride: r.varint()?,
            rows: r.u32()?,
            row_elems: r.u32()?,
            elem_bytes: r.u32()?,
            convert: convert(r.varint()?)?,
            ub: r.varint()?,
        },
        1 => Op::DmaOut {
            ub: r.varint()?,
            rows: r.u32()?,
            row_elems: r.u32()?,
            elem_bytes: r.u32()?,
            buffer: r.u32()?,
            offset: r.varint()?,
            stride: r.varint()?,
        },
        2 => Op::LoadWeights {
            ub: r.varint()?,
            k: r.u32()?,
            n: r.u32()?,
            ld: r.u32()?,
            unsigned: flag(r.varint()?)?,
        },
        3 => Op::Stream {
            ub: r.varint()?,
            m: r.u32()?,
            k: r.u32()?,
            ld: r.u32()?,
            n: r.u32()?,
            acc: r.u32()?,
            accumulate: flag(r.varint()?)?,
            unsigned: flag(r.varint()?)?,
        },
        4 => Op::Compute {
            a_ub: r.varint()?,
            a_ld: r.u32()?,
            b_ub: r.varint()?,
            b_ld: r.u32()?,
            m: r.u32()?,
            n: r.u32()?,
            k: r.u32()?,
            acc: r.u32()?,
            accumulate: flag(r.varint()?)?,
            a_unsigned: flag(r.varint()?)?,
            b_unsigned: flag(r.varint()?)?,
        },
        5 => Op::Drain {
            acc: r.u32()?,
            m: r.u32()?,
            n: r.u32()?,
            ub: r.varint()?,
            ld: r.u32()?,
        },
        t => return Err(damaged(format!("unknown instruction tag {t}"))),
    })
}

impl Executable {
    /// The executable's bytes (see the type's documentation).
    pub fn encode(&self) -> Vec<u8> {
        let mut schedules: Vec<&Schedule> = Vec::new();
        let kernels = self
            .kernels
            .iter()
            .map(|k| KernelHeader {
                symbol: k.symbol.clone(),
                estimated_cycles: k.estimated_cycles,
                phases: k
                    .phases
                    .iter()
                    .map(|p| match p {
                        Phase::Array(s) => {
                            schedules.push(s);
                            PhaseHeader::Array {
                                schedule: schedules.len() as u32 - 1,
                            }
                        }
                        Phase::Vector { entry, cost } => PhaseHeader::Vector {
                            entry: *entry,
                            cost: *cost,
                        },
                    })
                    .collect(),
            })
            .collect();
        let header = Header {
            kernels,
            host_target: self.host.as_ref().map(|h| h.target.clone()),
            host_entry_points: self
                .host
                .as_ref()
                .map(|h| h.entry_points.clone())
                .unwrap_or_default(),
        };
        let json = serde_json::to_vec(&header).expect("the header serializes");
        let mut out = EXECUTABLE_MAGIC.to_vec();
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&(schedules.len() as u32).to_le_bytes());
        for s in schedules {
            out.extend_from_slice(&(s.instrs.len() as u32).to_le_bytes());
            for ins in &s.instrs {
                encode_op(&mut out, &ins.op);
                put(&mut out, ins.waits.len() as u64);
                for &w in &ins.waits {
                    put(&mut out, w as u64);
                }
            }
        }
        let object = self.host.as_ref().map_or(&[][..], |h| &h.object[..]);
        out.extend_from_slice(&(object.len() as u64).to_le_bytes());
        out.extend_from_slice(object);
        out
    }

    /// Reads an executable [`Executable::encode`] wrote, checking it throughout.
    pub fn decode(bytes: &[u8]) -> Result<Executable, crate::format::FormatError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8).ok() != Some(&EXECUTABLE_MAGIC[..]) {
            return Err(damaged("no STRASYS1 magic"));
        }
        let n = u32::from_le_bytes(r.fixed()?) as usize;
        let header: Header =
            serde_json::from_slice(r.take(n)?).map_err(|e| damaged(format!("header: {e}")))?;
        let count = u32::from_le_bytes(r.fixed()?) as usize;
        let mut schedules = Vec::new();
        for _ in 0..count {
            let n = u32::from_le_bytes(r.fixed()?) as usize;
            // Each instruction takes two bytes at least: a longer count is damage.
            if n > (bytes.len() - r.at) / 2 {
                return Err(damaged("a schedule counts more instructions than it holds"));
            }
            let mut s = Schedule {
                instrs: Vec::with_capacity(n),
            };
            for i in 0..n {
                let op = decode_op(&mut r)?;
                let w = r.varint()? as usize;
                if w > i {
                    return Err(damaged(format!(
                        "instruction {i} waits on {w} instructions"
                    )));
                }
                let mut waits = Vec::with_capacity(w);
                for _ in 0..w {
                    let x = r.u32()?;
                    if x as usize >= i {
                        return Err(damaged(format!(
                            "instruction {i} waits on a later one ({x})"
                        )));
                    }
                    waits.push(x);
                }
                s.instrs.push(Instr { op, waits });
            }
            schedules.push(Some(s));
        }
        let n = usize::try_from(u64::from_le_bytes(r.fixed()?))
            .map_err(|_| damaged("object too large"))?;
        let object = r.take(n)?.to_vec();
        if r.at != bytes.len() {
            return Err(damaged("bytes after the host object"));
        }
        let host = match header.host_target {
            Some(target) => Some(HostCode {
                target,
                entry_points: header.host_entry_points,
                object,
            }),
            None if object.is_empty() && header.host_entry_points.is_empty() => None,
            None => return Err(damaged("host code without a target")),
        };
        let entries = host.as_ref().map_or(0, |h| h.entry_points.len());
        let mut kernels = Vec::new();
        for k in header.kernels {
            let mut phases = Vec::new();
            for p in k.phases {
                phases.push(match p {
                    PhaseHeader::Array { schedule } => Phase::Array(
                        schedules
                            .get_mut(schedule as usize)
                            .and_then(Option::take)
                            .ok_or_else(|| {
                                damaged(format!(
                                    "kernel '{}': no schedule {schedule} (or used twice)",
                                    k.symbol
                                ))
                            })?,
                    ),
                    PhaseHeader::Vector { entry, cost } => {
                        if entry as usize >= entries {
                            return Err(damaged(format!(
                                "kernel '{}': no host entry point {entry}",
                                k.symbol
                            )));
                        }
                        Phase::Vector { entry, cost }
                    }
                });
            }
            kernels.push(KernelProgram {
                symbol: k.symbol,
                phases,
                estimated_cycles: k.estimated_cycles,
            });
        }
        Ok(Executable { host, kernels })
    }
}

impl fmt::Display for Executable {
    /// The executable as text: per kernel, its phases, a schedule's instructions listed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for k in &self.kernels {
            writeln!(
                f,
                "kernel {} (estimated {} cycles)",
                k.symbol, k.estimated_cycles
            )?;
            for (i, p) in k.phases.iter().enumerate() {
                match p {
                    Phase::Array(s) => {
                        writeln!(f, "  phase {i}: array, {} instructions", s.instrs.len())?;
                        write!(f, "{s}")?;
                    }
                    Phase::Vector { entry, cost } => {
                        let symbol = self
                            .host
                            .as_ref()
                            .and_then(|h| h.entry_points.get(*entry as usize))
                            .map_or("?", |e| e.symbol.as_str());
                        writeln!(
                            f,
                            "  phase {i}: vector {symbol}: {} simple, {} transcendental, {} divide instructions ({} elements), {} bytes in, {} out",
                            cost.simple, cost.transcendental, cost.divide, cost.elements, cost.bytes_read, cost.bytes_written
                        )?;
                    }
                }
            }
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

    fn sample() -> Executable {
        let mut s = Schedule::default();
        let d = s.push(
            Op::Gather {
                buffer: 0,
                offset: 8,
                row_dims: vec![
                    Dim {
                        extent: 3,
                        stride: 40,
                    },
                    Dim {
                        extent: 4,
                        stride: 8,
                    },
                ],
                col_dims: vec![Dim {
                    extent: 6,
                    stride: 4,
                }],
                row0: 2,
                rows: 5,
                col0: 0,
                cols: 6,
                elem_bytes: 4,
                convert: Convert::F32ToBf16,
                ub: 0,
            },
            [],
        );
        let w = s.push(
            Op::LoadWeights {
                ub: 64,
                k: 6,
                n: 2,
                ld: 2,
                unsigned: false,
            },
            [d],
        );
        s.push(
            Op::Stream {
                ub: 0,
                m: 5,
                k: 6,
                ld: 6,
                n: 2,
                acc: 0,
                accumulate: false,
                unsigned: true,
            },
            [d, w],
        );
        Executable {
            host: Some(HostCode {
                target: crate::Target::generic(crate::TargetKind::Cpu),
                entry_points: vec![crate::format::EntryPoint {
                    symbol: "k_v1".into(),
                    argument_bytes: vec![16, 32],
                    loop_iterations: None,
                }],
                object: vec![0x7f, b'E', b'L', b'F', 1, 2, 3],
            }),
            kernels: vec![KernelProgram {
                symbol: "k".into(),
                phases: vec![
                    Phase::Array(s),
                    Phase::Vector {
                        entry: 0,
                        cost: VectorCost {
                            simple: 3,
                            elements: 300,
                            bytes_read: 16,
                            ..VectorCost::default()
                        },
                    },
                ],
                estimated_cycles: 1234,
            }],
        }
    }

    #[test]
    fn executables_round_trip_and_print() {
        let e = sample();
        let bytes = e.encode();
        assert_eq!(Executable::decode(&bytes).unwrap(), e);
        let text = e.to_string();
        assert!(text.contains("kernel k (estimated 1234 cycles)"), "{text}");
        assert!(
            text.contains("dma.gather buf0[8, rows (3@40,4@8) 2+5"),
            "{text}"
        );
        assert!(text.contains("phase 1: vector k_v1: 3 simple"), "{text}");
    }

    #[test]
    fn damaged_executables_are_errors() {
        let bytes = sample().encode();
        // Every truncation is an error, never a panic.
        for n in 0..bytes.len() {
            assert!(
                Executable::decode(&bytes[..n]).is_err(),
                "{n} bytes decoded"
            );
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(Executable::decode(&extra).is_err());
        // Flipping any byte decodes or fails, without panicking.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = Executable::decode(&b);
        }
        // A huge instruction count is refused before anything is allocated.
        let mut e = Executable::default();
        e.kernels.push(KernelProgram {
            symbol: "k".into(),
            phases: vec![Phase::Array(Schedule::default())],
            estimated_cycles: 0,
        });
        let mut b = e.encode();
        let at = b.len() - 8 - 4;
        b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = Executable::decode(&b).unwrap_err().to_string();
        assert!(err.contains("counts more instructions"), "{err}");
    }

    #[test]
    fn mixed_radix_offsets() {
        let d = [
            Dim {
                extent: 3,
                stride: 100,
            },
            Dim {
                extent: 4,
                stride: 8,
            },
        ];
        assert_eq!(dims_offset(&d, 0), Some(0));
        assert_eq!(dims_offset(&d, 5), Some(108));
        assert_eq!(dims_offset(&d, 11), Some(224));
        assert_eq!(dims_offset(&d, 12), None);
        assert_eq!(
            dims_offset(
                &[Dim {
                    extent: 0,
                    stride: 4
                }],
                0
            ),
            None
        );
    }

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
