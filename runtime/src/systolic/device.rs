//! The systolic device: runs a module's whole host program on a simulated systolic
//! machine (the one the module's systolic executable was compiled for).
//!
//! Its memory is the machine's off-chip memory (host memory here). A kernel runs its
//! phases in order: an array phase's schedule on the cycle-accurate simulator
//! ([`super::simulate_traced`]), with the array's numerics; a vector phase as the
//! executable's host code (its values: the vector unit's f32 operations) and costed from
//! the counts the compiler wrote ([`VectorCost::cycles`]). Kernels and copies run one
//! after another, so a run's cycles are their sum; [`SystolicDevice::report`] gives them
//! per kernel, and [`SystolicDevice::spans`] when each unit worked.

use super::{simulate_traced, Counters, Span};
use crate::device::{BufferHandle, BufferSlice, Device, ExecutableHandle};
use crate::format::{EntryPoint, ExecutableDef, ExecutableFormat};
use crate::{CpuDevice, Error, TargetKind};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use strata_abi::systolic::{Executable, KernelProgram, Op, Phase, Unit, VectorCost};
use strata_abi::SystolicTarget;

/// What one kernel's dispatches cost, summed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KernelReport {
    pub name: String,
    /// How many times it ran.
    pub calls: u64,
    pub cycles: u64,
    /// The compiler's estimate of `cycles` ([`KernelProgram::estimated_cycles`], times
    /// the calls).
    pub estimated_cycles: u64,
    /// Cycles the array took operands in.
    pub compute_cycles: u64,
    /// Cycles of its vector-unit phases.
    pub vector_cycles: u64,
    /// Cycles the array waited in its array phases, by cause, and the cycles it sat
    /// idle while the vector unit worked.
    pub stall_cycles: Stalls,
    pub macs: u64,
    /// MACs over the cells' cycles: `macs / (rows · cols · cycles)`.
    pub array_utilization: f64,
    /// Bytes read from and written to off-chip memory.
    pub dram_bytes: u64,
    /// What bounds it, read as a roofline: the longest of the array's intake cycles
    /// (`compute`), its DRAM bytes at the memory's bandwidth (`memory`) and the vector
    /// unit's operation cycles (`vector`).
    pub bound: &'static str,
}

/// Stall cycles by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stalls {
    pub dma: u64,
    pub weights: u64,
    pub dependency: u64,
    pub vector: u64,
}

/// A run's cycles on the machine, per kernel (in order of first dispatch).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// The machine, described (`128x128 bf16 weight-stationary at 1.05 GHz`).
    pub machine: String,
    pub clock_hz: u64,
    pub total_cycles: u64,
    pub compute_cycles: u64,
    pub macs: u64,
    pub array_utilization: f64,
    pub dram_bytes: u64,
    /// Cycles of host-program copies (a DMA read and write each).
    pub copy_cycles: u64,
    pub kernels: Vec<KernelReport>,
}

impl Report {
    /// The report as a table for people.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{}: {} cycles ({:.3} ms at {:.2} GHz), array utilization {:.1}%, {} MACs, {} DRAM bytes\n",
            self.machine,
            self.total_cycles,
            self.total_cycles as f64 / self.clock_hz.max(1) as f64 * 1e3,
            self.clock_hz as f64 / 1e9,
            self.array_utilization * 100.0,
            self.macs,
            self.dram_bytes
        );
        out.push_str(&format!(
            "{:<28} {:>5} {:>11} {:>11} {:>6} {:>11} {:>11} {:>11} {:>11} {:>11} {:>6} {:>8}\n",
            "kernel",
            "calls",
            "cycles",
            "estimated",
            "share",
            "array",
            "vector",
            "stall dma",
            "stall wts",
            "stall dep",
            "util",
            "bound"
        ));
        for k in &self.kernels {
            out.push_str(&format!(
                "{:<28} {:>5} {:>11} {:>11} {:>5.1}% {:>11} {:>11} {:>11} {:>11} {:>11} {:>5.1}% {:>8}\n",
                k.name,
                k.calls,
                k.cycles,
                k.estimated_cycles,
                100.0 * k.cycles as f64 / self.total_cycles.max(1) as f64,
                k.compute_cycles,
                k.vector_cycles,
                k.stall_cycles.dma,
                k.stall_cycles.weights,
                k.stall_cycles.dependency,
                k.array_utilization * 100.0,
                k.bound
            ));
        }
        if self.copy_cycles > 0 {
            out.push_str(&format!(
                "{:<28} {:>5} {:>11}\n",
                "(copies)", "", self.copy_cycles
            ));
        }
        out
    }
}

struct Loaded {
    machine: SystolicTarget,
    /// Indexed like the definition's entry points.
    kernels: Vec<KernelProgram>,
    argument_bytes: Vec<Vec<usize>>,
    host: Option<ExecutableHandle>,
}

#[derive(Default)]
struct Tally {
    cycles: u64,
    estimated: u64,
    compute: u64,
    vector: u64,
    /// Cycles the vector unit computed.
    vector_compute: u64,
    stalls: Stalls,
    macs: u64,
    dram: u64,
    calls: u64,
}

#[derive(Default)]
struct State {
    executables: HashMap<u64, Arc<Loaded>>,
    machine: Option<SystolicTarget>,
    /// Per kernel name, in order of first dispatch.
    order: Vec<String>,
    tallies: HashMap<String, Tally>,
    clock: u64,
    copy_cycles: u64,
    tracing: bool,
    spans: Vec<Span>,
}

/// The simulated systolic machine as a [`Device`].
pub struct SystolicDevice {
    /// Off-chip memory, and the host that runs the vector unit's code.
    host: CpuDevice,
    state: Mutex<State>,
    next: AtomicU64,
}

/// A machine in a line: its size, input type, dataflow and clock.
pub fn describe_machine(t: &SystolicTarget) -> String {
    format!(
        "{}x{} {} {} at {:.2} GHz",
        t.rows,
        t.cols,
        match t.input_type {
            strata_abi::ArrayInput::Bf16 => "bf16",
            strata_abi::ArrayInput::Int8 => "int8",
        },
        match t.dataflow {
            strata_abi::Dataflow::Ws => "weight-stationary",
            strata_abi::Dataflow::Os => "output-stationary",
        },
        t.clock_hz as f64 / 1e9
    )
}

impl SystolicDevice {
    pub fn new() -> Result<SystolicDevice, Error> {
        Ok(SystolicDevice {
            host: CpuDevice::new(Some(1))?,
            state: Mutex::new(State::default()),
            next: AtomicU64::new(1),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts counting afresh: cycles, kernels and spans so far are dropped.
    pub fn reset(&self) {
        let mut s = self.state();
        s.order.clear();
        s.tallies.clear();
        s.clock = 0;
        s.copy_cycles = 0;
        s.spans.clear();
    }

    /// Whether to keep when each unit worked ([`SystolicDevice::spans`]); off by
    /// default (a model's run has many instructions).
    pub fn set_tracing(&self, on: bool) {
        self.state().tracing = on;
    }

    /// When each unit worked since the last reset, in the device's cycles (while tracing).
    pub fn spans(&self) -> Vec<Span> {
        self.state().spans.clone()
    }

    /// The cycles counted since the last reset, per kernel; `None` before any
    /// executable was loaded.
    pub fn report(&self) -> Option<Report> {
        let s = self.state();
        let machine = s.machine.clone()?;
        let cells = machine.macs_per_cycle() as f64;
        let util = |macs: u64, cycles: u64| {
            if cycles == 0 {
                0.0
            } else {
                macs as f64 / (cells * cycles as f64)
            }
        };
        let mut r = Report {
            machine: describe_machine(&machine),
            clock_hz: machine.clock_hz,
            total_cycles: s.clock,
            copy_cycles: s.copy_cycles,
            ..Report::default()
        };
        for name in &s.order {
            let t = &s.tallies[name];
            // A roofline's reading: the longest of what the array, the memory and the
            // vector unit each needed at full speed.
            let bytes_per_cycle = machine.bandwidth as f64 / machine.clock_hz.max(1) as f64;
            let memory = (t.dram as f64 / bytes_per_cycle.max(1e-9)) as u64;
            let bound = if t.compute >= memory && t.compute >= t.vector_compute {
                "compute"
            } else if memory >= t.vector_compute {
                "memory"
            } else {
                "vector"
            };
            r.compute_cycles += t.compute;
            r.macs += t.macs;
            r.dram_bytes += t.dram;
            r.kernels.push(KernelReport {
                name: name.clone(),
                calls: t.calls,
                cycles: t.cycles,
                estimated_cycles: t.estimated,
                compute_cycles: t.compute,
                vector_cycles: t.vector,
                stall_cycles: t.stalls,
                macs: t.macs,
                array_utilization: util(t.macs, t.cycles),
                dram_bytes: t.dram,
                bound,
            });
        }
        r.array_utilization = util(r.macs, r.total_cycles);
        Some(r)
    }

    fn array_phase(
        &self,
        machine: &SystolicTarget,
        schedule: &strata_abi::systolic::Schedule,
        bindings: &[BufferSlice],
        name: &str,
    ) -> Result<(Counters, Vec<Span>), Error> {
        let fail = |message: String| Error::Kernel {
            kernel: name.to_string(),
            message,
        };
        let (mut read, mut written) = (vec![false; bindings.len()], vec![false; bindings.len()]);
        for ins in &schedule.instrs {
            let (buffer, set) = match ins.op {
                Op::DmaIn { buffer, .. } | Op::Gather { buffer, .. } => (buffer, &mut read),
                Op::DmaOut { buffer, .. } => (buffer, &mut written),
                _ => continue,
            };
            *set.get_mut(buffer as usize).ok_or_else(|| {
                fail(format!(
                    "its schedule reaches buffer {buffer}; {} are bound",
                    bindings.len()
                ))
            })? = true;
        }
        // The simulator's off-chip memory: what the schedule touches of each binding
        // (a buffer it writes starts as it is, as memory would).
        let mut dram: Vec<Vec<u8>> = Vec::with_capacity(bindings.len());
        for (i, b) in bindings.iter().enumerate() {
            let mut v = Vec::new();
            if read[i] || written[i] {
                v = vec![0u8; b.bytes];
                self.host.download(b.buffer, b.offset, &mut v)?;
            }
            dram.push(v);
        }
        let out = simulate_traced(machine, schedule, &mut dram).map_err(|e| fail(e.0))?;
        for (i, b) in bindings.iter().enumerate() {
            if written[i] {
                self.host.upload(b.buffer, b.offset, &dram[i])?;
            }
        }
        Ok(out)
    }
}

impl Device for SystolicDevice {
    fn kind(&self) -> TargetKind {
        TargetKind::Systolic
    }

    fn description(&self) -> String {
        match &self.state().machine {
            Some(m) => format!("systolic (simulated {})", describe_machine(m)),
            None => "systolic (simulated; the machine of the module it runs)".into(),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn allocate(&self, bytes: usize) -> Result<BufferHandle, Error> {
        self.host.allocate(bytes)
    }

    fn constants(&self, data: bytes::Bytes) -> Result<BufferHandle, Error> {
        self.host.constants(data)
    }

    fn free(&self, buffer: BufferHandle) {
        self.host.free(buffer)
    }

    fn upload(&self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        self.host.upload(buffer, offset, data)
    }

    fn download(&self, buffer: BufferHandle, offset: usize, out: &mut [u8]) -> Result<(), Error> {
        self.host.download(buffer, offset, out)
    }

    fn copy(&self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        self.host.copy(src, dst)?;
        let mut s = self.state();
        if let Some(m) = s.machine.clone() {
            // A DMA read and a write of the bytes, after the memory's latency.
            let cost = VectorCost {
                bytes_read: src.bytes as u64,
                bytes_written: dst.bytes as u64,
                ..VectorCost::default()
            };
            let cycles = cost.cycles(&m);
            if s.tracing {
                let start = s.clock;
                s.spans.push(Span {
                    instr: 0,
                    unit: Unit::DmaIn,
                    start,
                    busy_from: start + m.dram_latency_cycles,
                    busy_until: start + cycles,
                    finish: start + cycles,
                });
            }
            s.clock += cycles;
            s.copy_cycles += cycles;
        }
        Ok(())
    }

    fn load_executable(
        &self,
        def: &ExecutableDef,
        bytes: &[u8],
    ) -> Result<ExecutableHandle, Error> {
        let machine = match (&def.target, def.format) {
            (crate::Target::Systolic(m), ExecutableFormat::SystolicProgram) => m.clone(),
            (t, f) => {
                return Err(Error::Device(format!(
                    "the systolic device cannot run a '{}' executable in {f:?} format",
                    t.kind()
                )))
            }
        };
        def.target
            .check()
            .map_err(|e| Error::Device(format!("the executable's machine: {e}")))?;
        let exe = Executable::decode(bytes)?;
        {
            let s = self.state();
            if let Some(m) = &s.machine {
                if *m != machine {
                    return Err(Error::Device(format!(
                        "this device simulates {}; a module for {} needs a device of its own",
                        describe_machine(m),
                        describe_machine(&machine)
                    )));
                }
            }
        }
        let mut by_symbol: HashMap<String, KernelProgram> = exe
            .kernels
            .into_iter()
            .map(|k| (k.symbol.clone(), k))
            .collect();
        let mut kernels = Vec::with_capacity(def.entry_points.len());
        for ep in &def.entry_points {
            let k = by_symbol.remove(&ep.symbol).ok_or_else(|| {
                Error::Device(format!("the systolic executable lacks '{}'", ep.symbol))
            })?;
            kernels.push(k);
        }
        let host = match &exe.host {
            Some(h) => {
                let host_def = ExecutableDef {
                    target: h.target.clone(),
                    format: ExecutableFormat::ElfSharedObject,
                    section: def.section.clone(),
                    entry_points: h.entry_points.clone(),
                    features: Vec::new(),
                };
                Some(self.host.load_executable(&host_def, &h.object)?)
            }
            None => None,
        };
        let host_entries: &[EntryPoint] = exe.host.as_ref().map_or(&[], |h| &h.entry_points);
        for (k, ep) in kernels.iter().zip(&def.entry_points) {
            for p in &k.phases {
                if let Phase::Vector { entry, .. } = p {
                    let he = &host_entries[*entry as usize];
                    if he.argument_bytes != ep.argument_bytes {
                        return Err(Error::Device(format!(
                            "'{}': its vector code '{}' takes other buffers than it does",
                            ep.symbol, he.symbol
                        )));
                    }
                }
            }
        }
        let h = self.next.fetch_add(1, Ordering::Relaxed);
        let mut s = self.state();
        s.machine = Some(machine.clone());
        s.executables.insert(
            h,
            Arc::new(Loaded {
                machine,
                kernels,
                argument_bytes: def
                    .entry_points
                    .iter()
                    .map(|e| e.argument_bytes.clone())
                    .collect(),
                host,
            }),
        );
        Ok(ExecutableHandle(h))
    }

    fn dispatch(
        &self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error> {
        let exe = self
            .state()
            .executables
            .get(&executable.0)
            .cloned()
            .ok_or_else(|| Error::Device(format!("no executable {}", executable.0)))?;
        let k = exe
            .kernels
            .get(entry)
            .ok_or_else(|| Error::Device(format!("no entry point {entry}")))?;
        let sizes = &exe.argument_bytes[entry];
        if bindings.len() != sizes.len() || bindings.iter().zip(sizes).any(|(b, &n)| b.bytes != n) {
            return Err(Error::Device(format!(
                "'{}' takes buffers of {sizes:?} bytes, {:?} bound",
                k.symbol,
                bindings.iter().map(|b| b.bytes).collect::<Vec<_>>()
            )));
        }
        if workgroups != [1, 1, 1] {
            return Err(Error::Device(format!(
                "'{}': a systolic kernel runs as one workgroup, not {workgroups:?}",
                k.symbol
            )));
        }
        let m = &exe.machine;
        let mut tally = Tally {
            calls: 1,
            estimated: k.estimated_cycles,
            ..Tally::default()
        };
        let mut spans = Vec::new();
        let tracing = self.state().tracing;
        for p in &k.phases {
            match p {
                Phase::Array(schedule) => {
                    let (c, s) = self.array_phase(m, schedule, bindings, &k.symbol)?;
                    if tracing {
                        let at = tally.cycles;
                        spans.extend(s.into_iter().map(|s| Span {
                            start: s.start + at,
                            busy_from: s.busy_from + at,
                            busy_until: s.busy_until + at,
                            finish: s.finish + at,
                            ..s
                        }));
                    }
                    tally.cycles += c.total_cycles;
                    tally.compute += c.compute_cycles;
                    tally.stalls.dma += c.stall_dma_cycles;
                    tally.stalls.weights += c.stall_weight_cycles;
                    tally.stalls.dependency += c.stall_dependency_cycles;
                    tally.macs += c.macs;
                    tally.dram += c.dram_bytes_read + c.dram_bytes_written;
                }
                Phase::Vector { entry, cost } => {
                    let host = exe.host.ok_or_else(|| {
                        Error::Device(format!("'{}' has vector code but no host code", k.symbol))
                    })?;
                    self.host
                        .dispatch(host, *entry as usize, bindings, [1, 1, 1])?;
                    let cycles = cost.cycles(m);
                    if tracing {
                        let at = tally.cycles;
                        spans.push(Span {
                            instr: 0,
                            unit: Unit::Vector,
                            start: at,
                            busy_from: at,
                            busy_until: at + cycles,
                            finish: at + cycles,
                        });
                    }
                    tally.cycles += cycles;
                    tally.vector += cycles;
                    tally.stalls.vector += cycles;
                    tally.vector_compute += cost.compute_cycles(m);
                    tally.dram += cost.bytes_read + cost.bytes_written;
                }
            }
        }
        let mut s = self.state();
        let clock = s.clock;
        if s.tracing {
            s.spans.extend(spans.into_iter().map(|x| Span {
                start: x.start + clock,
                busy_from: x.busy_from + clock,
                busy_until: x.busy_until + clock,
                finish: x.finish + clock,
                ..x
            }));
        }
        s.clock += tally.cycles;
        if !s.tallies.contains_key(&k.symbol) {
            s.order.push(k.symbol.clone());
        }
        let t = s.tallies.entry(k.symbol.clone()).or_default();
        t.calls += tally.calls;
        t.cycles += tally.cycles;
        t.estimated += tally.estimated;
        t.compute += tally.compute;
        t.vector += tally.vector;
        t.vector_compute += tally.vector_compute;
        t.stalls.dma += tally.stalls.dma;
        t.stalls.weights += tally.stalls.weights;
        t.stalls.dependency += tally.stalls.dependency;
        t.stalls.vector += tally.stalls.vector;
        t.macs += tally.macs;
        t.dram += tally.dram;
        Ok(())
    }

    fn synchronize(&self) -> Result<(), Error> {
        Ok(())
    }
}
