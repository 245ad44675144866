//! Strata's systolic back end: matrix products mapped onto a systolic array as schedules
//! ([`strata_abi::systolic::Schedule`]) the runtime's systolic device runs, and the
//! analytic model of their cycles ([`gemm_cycles`]) that the cost model and the tests
//! hold the simulator to.
//!
//! A product `C[m×n] = A[m×k]·B[k×n]` is cut into weight tiles of `R × C` (the array's
//! rows over the reduction, its columns over the outputs) and, output-stationary, into
//! output tiles of `R × C`. Rows are taken in chunks the accumulators hold twice (so one
//! chunk drains while the next computes). Weight-stationary, the loop is: chunk of rows
//! → column tile → reduction tile, each step a DMA of the weight tile into one of two
//! slots (the DMA of A's piece joins it in the first column tile, then A stays on chip),
//! a weight load into the shadow copy, and a stream of the chunk's rows; a column tile
//! ends with a drain of its accumulators into one of two output slots and a DMA out.
//! Output-stationary, the loop is: column tile (B's panel in one of two slots) → row
//! tile (A's rows loaded in the first column tile) → one `compute` over the whole
//! reduction, drained and written out the same way.

pub mod kernel;
pub mod program;

pub use kernel::kernel_schedule;
pub use program::{partition, Partition};
pub use strata_abi::systolic::Dim;
use strata_abi::systolic::{Convert, Op, Schedule};
use strata_abi::{ArrayInput, Dataflow, SystolicTarget};

/// Where a matrix lies off-chip: the device buffer, the byte offset of its first element
/// and the bytes between its rows. Elements are f32 (bf16 machines: the DMA rounds them)
/// or int8 (int8 machines); results are f32 or i32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub buffer: u32,
    pub offset: u64,
    pub row_bytes: u64,
}

/// Where an operand lies off-chip in general: its element `(i, j)` at `offset` plus the
/// offsets of `i` in `rows` and of `j` in `cols` (mixed-radix layouts, outermost first;
/// see [`strata_abi::systolic::dims_offset`]). A convolution's input read as rows of
/// windows (im2col) is one: rows over output pixels, columns over the window and
/// channels. Where a layout is a plain matrix, the schedule moves whole rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub buffer: u32,
    pub offset: u64,
    pub rows: Vec<Dim>,
    pub cols: Vec<Dim>,
    /// On an int8 machine, whether the elements are `u8` (else `i8`): the array widens
    /// each operand by its own signedness, as a quantized model's `u8` activations and
    /// `i8` weights need.
    pub unsigned: bool,
}

impl Layout {
    /// The plain `rows × cols` matrix `x` as a layout of elements of `elem` bytes.
    pub fn of_matrix(x: Matrix, rows: u64, cols: u64, elem: u64) -> Layout {
        Layout {
            buffer: x.buffer,
            offset: x.offset,
            rows: vec![Dim {
                extent: rows,
                stride: x.row_bytes,
            }],
            cols: vec![Dim {
                extent: cols,
                stride: elem,
            }],
            unsigned: false,
        }
    }

    /// The layout as a matrix whose rows are contiguous elements of `elem` bytes, if it
    /// is one.
    pub fn as_matrix(&self, elem: u64) -> Option<Matrix> {
        match (&self.rows[..], &self.cols[..]) {
            ([r], [c]) if c.stride == elem || c.extent == 1 => Some(Matrix {
                buffer: self.buffer,
                offset: self.offset,
                row_bytes: r.stride,
            }),
            _ => None,
        }
    }
}

/// A schedule that cannot be made: the operands do not fit the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleError(pub String);

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScheduleError {}

/// How a product is cut for a machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiling {
    /// Rows per chunk (weight-stationary: rows streamed per weight tile).
    pub m_chunk: u64,
    /// Reduction and column tiles.
    pub k_tile: u64,
    pub n_tile: u64,
    /// Weight (or B panel) slots on chip: enough that a tile's DMA, issued when the
    /// slot's previous tile is loaded, arrives in time despite the memory's latency.
    pub slots: u64,
}

/// Bytes of an off-chip input element on `t` (f32 the DMA rounds, or int8).
fn dram_elem(t: &SystolicTarget) -> u64 {
    match t.input_type {
        ArrayInput::Bf16 => 4,
        ArrayInput::Int8 => 1,
    }
}

/// The tiling [`gemm`] uses for an `m × k × n` product on `t`.
pub fn tiling(t: &SystolicTarget, m: u64, k: u64, n: u64) -> Result<Tiling, ScheduleError> {
    if m == 0 || k == 0 || n == 0 {
        return Err(ScheduleError(format!(
            "a {m}x{k}x{n} product is empty: nothing to schedule"
        )));
    }
    let (r, c) = (t.rows as u64, t.cols as u64);
    let e = t.input_type.bytes();
    let acc_rows = t.accumulator_bytes / 4 / c;
    let (k_tile, n_tile) = match t.dataflow {
        Dataflow::Ws => (r, c),
        // The cells keep the whole reduction; B's panel is `k × C`.
        Dataflow::Os => (k.max(1), c),
    };
    // Weight slots: the DMA of tile t starts when tile t - slots is loaded, so the
    // slots must cover the latency at one tile per period (at least `R` cycles).
    let slots = match t.dataflow {
        Dataflow::Ws => {
            let period = m.min(acc_rows / 2).max(r).max(1);
            (2 + t.dram_latency_cycles.div_ceil(period)).min(16)
        }
        Dataflow::Os => {
            // A panel's slot is free once the last tile reading it has finished (its
            // sums out of the cells), then the DMA takes latency plus transfer: that
            // many periods ahead.
            let period = k.max(r).max(1);
            let panel = k * c * e;
            let bpc = t.bandwidth as f64 / t.clock_hz as f64;
            let transfer = (k * c * dram_elem(t)) as f64 / bpc;
            let lead = (k + 2 * r + c + t.dram_latency_cycles) as f64 + transfer;
            let room = (t.buffer_bytes / 2 / panel.max(1)).max(2);
            (1 + (lead / period as f64).ceil() as u64)
                .max(2)
                .min(room)
                .min(16)
        }
    };
    // On chip: A's chunk over the whole reduction, the weight (or B panel) slots, two
    // output slots of 32-bit sums.
    let fixed = slots * k_tile * n_tile * e;
    let per_row = k * e + 2 * n_tile * 4;
    let by_buffer = t.buffer_bytes.saturating_sub(fixed) / per_row.max(1);
    let mut m_chunk = m.min(acc_rows / 2).min(by_buffer);
    if t.dataflow == Dataflow::Os && m_chunk < m && m_chunk >= r {
        // Output tiles are `R` rows: several chunks are of whole tiles.
        m_chunk = m_chunk / r * r;
    }
    if m_chunk == 0 {
        return Err(ScheduleError(format!(
            "a {m}x{k}x{n} product does not fit the machine's buffer ({} bytes) and accumulators ({} bytes)",
            t.buffer_bytes, t.accumulator_bytes
        )));
    }
    Ok(Tiling {
        m_chunk,
        k_tile,
        n_tile,
        slots,
    })
}

/// The schedule of `C = A·B` (`A` is `m × k`, `B` is `k × n`) on `t`.
pub fn gemm(
    t: &SystolicTarget,
    (m, k, n): (u64, u64, u64),
    a: Matrix,
    b: Matrix,
    c: Matrix,
) -> Result<Schedule, ScheduleError> {
    let de = dram_elem(t);
    gemm_layouts(
        t,
        (m, k, n),
        &Layout::of_matrix(a, m, k, de),
        &Layout::of_matrix(b, k, n, de),
        c,
    )
}

/// [`gemm`] with operands in any layout: blocks of a plain matrix move as rows
/// (`DmaIn`), others are gathered (`Gather`), the same bytes in the same time.
pub fn gemm_layouts(
    t: &SystolicTarget,
    (m, k, n): (u64, u64, u64),
    a: &Layout,
    b: &Layout,
    c: Matrix,
) -> Result<Schedule, ScheduleError> {
    let tl = tiling(t, m, k, n)?;
    let e = t.input_type.bytes();
    let de = dram_elem(t);
    let convert = match t.input_type {
        ArrayInput::Bf16 => Convert::F32ToBf16,
        ArrayInput::Int8 => Convert::None,
    };
    let r = t.rows as u64;
    let u32_of = |x: u64| u32::try_from(x).map_err(|_| ScheduleError(format!("{x} is past 2^32")));
    // A DMA of the `rows × cols` block of `x` from (`row`, `col`), packed at `ub`.
    let load = |x: &Layout, (row, col): (u64, u64), (rows, cols): (u64, u64), ub: u64| {
        Ok::<_, ScheduleError>(match x.as_matrix(de) {
            Some(x) => Op::DmaIn {
                buffer: x.buffer,
                offset: x.offset + row * x.row_bytes + col * de,
                stride: x.row_bytes,
                rows: u32_of(rows)?,
                row_elems: u32_of(cols)?,
                elem_bytes: de as u32,
                convert,
                ub,
            },
            None => Op::Gather {
                buffer: x.buffer,
                offset: x.offset,
                row_dims: x.rows.clone(),
                col_dims: x.cols.clone(),
                row0: row,
                rows: u32_of(rows)?,
                col0: col,
                cols: u32_of(cols)?,
                elem_bytes: de as u32,
                convert,
                ub,
            },
        })
    };
    // The buffer: A's chunk (its rows `k` apart), the weight slots, two output slots.
    let a_base = 0u64;
    let slot_bytes = tl.k_tile * tl.n_tile * e;
    let w_base = a_base + tl.m_chunk * k * e;
    let out_bytes = tl.m_chunk * tl.n_tile * 4;
    let o_base = w_base + tl.slots * slot_bytes;
    let acc_slot = tl
        .m_chunk
        .max(if t.dataflow == Dataflow::Os { r } else { 0 });
    let mut s = Schedule::default();
    // Per slot, the last instruction that read it: its next writer waits on it.
    let mut slot_reader: Vec<Option<u32>> = vec![None; tl.slots as usize];
    let mut out_reader: [Option<u32>; 2] = [None, None];
    let mut acc_reader: [Option<u32>; 2] = [None, None];
    let mut a_readers: Vec<u32> = Vec::new();
    let mut tile = 0usize;
    let mut column = 0usize;
    let mut m0 = 0;
    while m0 < m {
        let mc = tl.m_chunk.min(m - m0);
        // A's pieces of this chunk, by reduction tile, loaded once.
        let mut a_loaded: Vec<Option<u32>> = vec![None; k.div_ceil(tl.k_tile) as usize];
        let prev_chunk_readers = std::mem::take(&mut a_readers);
        let mut n0 = 0;
        while n0 < n {
            let nt = tl.n_tile.min(n - n0);
            let slot = column % 2;
            let acc = slot as u64 * acc_slot;
            let mut last_compute = Vec::new();
            match t.dataflow {
                Dataflow::Ws => {
                    let mut k0 = 0;
                    let mut first = true;
                    while k0 < k {
                        let kt = tl.k_tile.min(k - k0);
                        let ki = (k0 / tl.k_tile) as usize;
                        // A's piece for this reduction tile, `mc × kt` packed after the
                        // pieces before it.
                        let a_piece = a_base + k0 * mc * e;
                        let a_dma = match a_loaded[ki] {
                            Some(d) => d,
                            None => {
                                let d = s.push(
                                    load(a, (m0, k0), (mc, kt), a_piece)?,
                                    prev_chunk_readers.iter().copied(),
                                );
                                a_loaded[ki] = Some(d);
                                d
                            }
                        };
                        let w_slot = tile % tl.slots as usize;
                        let w_ub = w_base + w_slot as u64 * slot_bytes;
                        let w_dma = s.push(load(b, (k0, n0), (kt, nt), w_ub)?, slot_reader[w_slot]);
                        let load = s.push(
                            Op::LoadWeights {
                                ub: w_ub,
                                k: u32_of(kt)?,
                                n: u32_of(nt)?,
                                ld: u32_of(nt)?,
                                unsigned: b.unsigned,
                            },
                            [w_dma],
                        );
                        slot_reader[w_slot] = Some(load);
                        let mut waits = vec![a_dma];
                        if first {
                            waits.extend(acc_reader[slot]);
                        }
                        let stream = s.push(
                            Op::Stream {
                                ub: a_piece,
                                m: u32_of(mc)?,
                                k: u32_of(kt)?,
                                ld: u32_of(kt)?,
                                n: u32_of(nt)?,
                                acc: u32_of(acc)?,
                                accumulate: !first,
                                unsigned: a.unsigned,
                            },
                            waits,
                        );
                        a_readers.push(stream);
                        last_compute = vec![stream];
                        first = false;
                        tile += 1;
                        k0 += kt;
                    }
                }
                Dataflow::Os => {
                    // B's panel for this column tile, in one of its slots.
                    let b_slot = column % tl.slots as usize;
                    let b_ub = w_base + b_slot as u64 * slot_bytes;
                    let b_dma = s.push(load(b, (0, n0), (k, nt), b_ub)?, slot_reader[b_slot]);
                    let mut r0 = 0;
                    let mut computes = Vec::new();
                    while r0 < mc {
                        let mt = r.min(mc - r0);
                        // A's rows of this output tile, loaded in the first column tile.
                        let ti = (r0 / r) as usize;
                        if a_loaded.len() <= ti {
                            a_loaded.resize(ti + 1, None);
                        }
                        let a_dma = match a_loaded[ti] {
                            Some(d) => d,
                            None => {
                                let d = s.push(
                                    load(a, (m0 + r0, 0), (mt, k), a_base + r0 * k * e)?,
                                    prev_chunk_readers.iter().copied(),
                                );
                                a_loaded[ti] = Some(d);
                                d
                            }
                        };
                        let mut waits = vec![a_dma, b_dma];
                        if r0 == 0 {
                            waits.extend(acc_reader[slot]);
                        }
                        let compute = s.push(
                            Op::Compute {
                                a_ub: a_base + r0 * k * e,
                                a_ld: u32_of(k)?,
                                b_ub,
                                b_ld: u32_of(nt)?,
                                m: u32_of(mt)?,
                                n: u32_of(nt)?,
                                k: u32_of(k)?,
                                acc: u32_of(acc + r0)?,
                                accumulate: false,
                                a_unsigned: a.unsigned,
                                b_unsigned: b.unsigned,
                            },
                            waits,
                        );
                        computes.push(compute);
                        a_readers.push(compute);
                        r0 += mt;
                    }
                    slot_reader[b_slot] = computes.last().copied();
                    last_compute = computes;
                }
            }
            let o_ub = o_base + slot as u64 * out_bytes;
            let mut waits = last_compute.clone();
            waits.extend(out_reader[slot]);
            let drain = s.push(
                Op::Drain {
                    acc: u32_of(acc)?,
                    m: u32_of(mc)?,
                    n: u32_of(nt)?,
                    ub: o_ub,
                    ld: u32_of(nt)?,
                },
                waits,
            );
            acc_reader[slot] = Some(drain);
            let out = s.push(
                Op::DmaOut {
                    ub: o_ub,
                    rows: u32_of(mc)?,
                    row_elems: u32_of(nt)?,
                    elem_bytes: 4,
                    buffer: c.buffer,
                    offset: c.offset + m0 * c.row_bytes + n0 * 4,
                    stride: c.row_bytes,
                },
                [drain],
            );
            out_reader[slot] = Some(out);
            column += 1;
            n0 += nt;
        }
        m0 += mc;
    }
    Ok(s)
}

/// The cycles [`gemm`]'s schedule takes on `t`, from the machine's timing (see
/// `strata_runtime::systolic`): a prologue (the first tile's operands from off-chip,
/// latency plus transfer, then its weight load), one period per tile, and an epilogue
/// (the last stream's fill and drain through the array, the accumulators' drain, the
/// last DMA out). Double buffering hides each tile's DMA and weight load behind the
/// tile before, so a tile's period is the longest of its stream (`m` rows, or `k` steps
/// output-stationary), its weight load (`R` cycles) and its DMA (bytes over bandwidth).
/// Exact where each tile's period is set by that tile alone and the rows fit one chunk
/// (every product of the list on 128×128 and 32×32 arrays of `mxu-128`'s memory).
/// Where a column's DMA outweighs its first tile but not the column, the DMA runs ahead
/// over the slots and the simulation comes out faster (a small array with slow memory,
/// `edge-16`, up to a third); between chunks of rows (products whose rows the
/// accumulators or the buffer do not hold at once) the next chunk's operands wait for
/// the last one's tiles, a bubble of one DMA the model leaves out.
pub fn gemm_cycles(t: &SystolicTarget, m: u64, k: u64, n: u64) -> Result<u64, ScheduleError> {
    if m == 0 || k == 0 || n == 0 {
        return Ok(0);
    }
    let tl = tiling(t, m, k, n)?;
    let r = t.rows as u64;
    let de = dram_elem(t);
    let bpc = t.bandwidth as f64 / t.clock_hz as f64;
    let xfer = |bytes: u64| (bytes as f64 / bpc).ceil() as u64;
    let l = t.dram_latency_cycles;
    let mut total = 0u64;
    let mut first = true;
    let mut last_tail = 0u64;
    let mut m0 = 0;
    while m0 < m {
        let mc = tl.m_chunk.min(m - m0);
        let mut n0 = 0;
        let mut column = 0;
        while n0 < n {
            let nt = tl.n_tile.min(n - n0);
            match t.dataflow {
                Dataflow::Ws => {
                    let mut k0 = 0;
                    while k0 < k {
                        let kt = tl.k_tile.min(k - k0);
                        let a_bytes = if column == 0 { mc * kt * de } else { 0 };
                        let b_bytes = kt * nt * de;
                        if first {
                            // Operands, then the weight load, before the first row.
                            total = l + xfer(a_bytes) + xfer(b_bytes) + r;
                            first = false;
                        } else {
                            total += mc.max(r).max(xfer(a_bytes) + xfer(b_bytes));
                        }
                        last_tail = mc + r + nt - 1;
                        k0 += kt;
                    }
                }
                Dataflow::Os => {
                    let b_bytes = k * nt * de;
                    let tiles = mc.div_ceil(r);
                    for ti in 0..tiles {
                        let mt = r.min(mc - ti * r);
                        let a_bytes = if column == 0 { mt * k * de } else { 0 };
                        let b = if ti == 0 { xfer(b_bytes) } else { 0 };
                        if first {
                            total = l + b + xfer(a_bytes);
                            first = false;
                        } else {
                            total += k.max(mt).max(xfer(a_bytes) + b);
                        }
                        last_tail = k + 2 * mt + nt - 2;
                    }
                }
            }
            column += 1;
            n0 += nt;
        }
        m0 += mc;
    }
    // The last tile's stream and fill/drain, the accumulators' drain, the DMA out.
    let (mc_last, nt_last) = {
        let mc = (m - 1) % tl.m_chunk + 1;
        let nt = (n - 1) % tl.n_tile + 1;
        (mc, nt)
    };
    Ok(total + last_tail + mc_last + l + xfer(mc_last * nt_last * 4))
}
