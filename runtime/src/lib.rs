//! Strata's portable runtime: loads a compiled module file and runs its functions on a
//! device. It does not depend on the compiler: a deployed program links only this crate
//! (or, from C, `libstrata_runtime_c.so` of `runtime/capi` with its `strata_runtime.h`).
//!
//! ```no_run
//! use strata_runtime::{Runtime, Tensor};
//! let runtime = Runtime::new();
//! let device = runtime.device("cpu")?;
//! let module = strata_runtime::Module::load(&device, "model.strata")?;
//! let x = Tensor::from_slice(&[1, 4], &[0.5f32, 1.0, -2.0, 3.0])?;
//! let outputs = module.function("main")?.call(&[x])?;
//! println!("{:?}", outputs[0].to_vec::<f32>()?);
//! # Ok::<(), strata_runtime::Error>(())
//! ```
//!
//! A module's functions run their host program — dispatches of compiled kernels over
//! buffers, and copies — on the device; inputs are checked against the manifest first.

pub mod cpu;
pub mod device;
mod pool;
mod tensor;
pub mod vulkan;

pub mod systolic;

pub use cpu::CpuDevice;
pub use device::{BufferHandle, BufferSlice, Device, ExecutableHandle, Stream};
/// The module file format, shared with the compiler (`strata-abi`).
pub use strata_abi::format;
pub use strata_abi::format::{FunctionDef, Manifest, ModuleFile, Program, TensorSpec};
pub use strata_abi::signing::{KeyId, PublicKey, SecretKey};
pub use strata_abi::target::{SystolicTarget, Target, TargetKind};
pub use strata_abi::DType;
pub use systolic::SystolicDevice;
pub use tensor::{Element, Tensor};
pub use vulkan::VulkanDevice;

use format::{Command, Memory};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read '{path}': {message}")]
    Io { path: String, message: String },
    #[error("bad module file: {0}")]
    BadModule(String),
    /// A whole module file that is not signed by a trusted key.
    #[error("module file refused: {0}")]
    Untrusted(String),
    #[error("module file format version {found}; this runtime reads version {supported}")]
    Version { found: u32, supported: u32 },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Input(String),
    #[error("device: {0}")]
    Device(String),
    #[error("kernel '{kernel}': {message}")]
    Kernel { kernel: String, message: String },
}

impl From<strata_abi::format::FormatError> for Error {
    fn from(e: strata_abi::format::FormatError) -> Error {
        use strata_abi::format::FormatError as F;
        match e {
            F::BadModule(m) => Error::BadModule(m),
            F::Untrusted(m) => Error::Untrusted(m),
            F::Version { found, supported } => Error::Version { found, supported },
        }
    }
}

/// Whether this runtime has a device for target kind `kind`.
pub fn has_device(kind: TargetKind) -> bool {
    match kind {
        TargetKind::Cpu | TargetKind::Vulkan | TargetKind::Systolic => true,
    }
}

/// The entry point: makes devices.
#[derive(Default)]
pub struct Runtime {}

impl Runtime {
    pub fn new() -> Runtime {
        Runtime {}
    }

    /// The device kinds this build can make.
    pub fn device_kinds(&self) -> Vec<TargetKind> {
        TargetKind::ALL
            .into_iter()
            .filter(|&k| has_device(k))
            .collect()
    }

    /// A device of `kind` with its default settings: `cpu` (one thread per core),
    /// `vulkan` (the preferred GPU, see [`vulkan`]), `vulkan:N` (device `N` of
    /// [`vulkan::devices`]) or `systolic` (the simulated machine, [`SystolicDevice`]).
    pub fn device(&self, kind: &str) -> Result<Arc<dyn Device>, Error> {
        let (name, number) = match kind.split_once(':') {
            Some((name, n)) => {
                let index = n.parse().map_err(|_| {
                    Error::NotFound(format!("'{kind}': the device number must be an integer"))
                })?;
                (name, Some(index))
            }
            None => (kind, None),
        };
        let unknown = || {
            Error::NotFound(format!(
                "no device '{kind}' in this runtime (available: {})",
                self.device_kinds()
                    .iter()
                    .map(|k| match k {
                        TargetKind::Vulkan => "vulkan, vulkan:N",
                        other => other.name(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        };
        match TargetKind::from_name(name).map_err(|_| unknown())? {
            TargetKind::Cpu if number.is_none() => self.cpu(None),
            TargetKind::Vulkan => Ok(Arc::new(VulkanDevice::new(number)?)),
            TargetKind::Systolic if number.is_none() => Ok(Arc::new(SystolicDevice::new()?)),
            TargetKind::Cpu | TargetKind::Systolic => Err(unknown()),
        }
    }

    /// The CPU device with `threads` worker threads (`None`: one per core).
    pub fn cpu(&self, threads: Option<usize>) -> Result<Arc<dyn Device>, Error> {
        Ok(Arc::new(CpuDevice::new(threads)?))
    }
}

/// Buffers of one function call, kept for the next call.
struct Workspace {
    inputs: Vec<BufferHandle>,
    outputs: Vec<BufferHandle>,
    arena: BufferHandle,
}

/// A module loaded on a device.
pub struct Module {
    device: Arc<dyn Device>,
    manifest: Manifest,
    constants: BufferHandle,
    /// Per executable of the manifest, its handle if it is for this device.
    executables: Vec<Option<ExecutableHandle>>,
    /// Per function, buffers free for reuse.
    workspaces: Mutex<Vec<Vec<Workspace>>>,
}

impl Module {
    /// Loads a module file onto `device`. The file is memory-mapped: its constants are
    /// read in place by devices that can (the CPU), and pages are read as they are used.
    /// The file must not change while the module is loaded. Its code is trusted as a
    /// shared library would be: to load only modules signed by known keys, use
    /// [`Module::load_trusted`].
    pub fn load(device: &Arc<dyn Device>, path: impl AsRef<Path>) -> Result<Module, Error> {
        Module::load_trusted(device, path, &[])
    }

    /// Loads a module file like [`Module::load`], refusing it unless it is signed by one
    /// of `trusted` (where `trusted` is empty, any whole file loads).
    pub fn load_trusted(
        device: &Arc<dyn Device>,
        path: impl AsRef<Path>,
        trusted: &[PublicKey],
    ) -> Result<Module, Error> {
        let path = path.as_ref();
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(io)?;
        if file.metadata().map_err(io)?.len() == 0 {
            return Module::from_bytes(device, &[]);
        }
        // Safety: a private, copy-on-write mapping: nothing this process does reaches the
        // file. (Another process changing the file meanwhile is outside the contract.)
        let map = unsafe { memmap2::MmapOptions::new().map_copy(&file) }.map_err(io)?;
        let bytes = bytes::Bytes::from_owner(map);
        Module::from_file(device, ModuleFile::from_shared_trusted(bytes, trusted)?)
    }

    /// Loads a module from its file's bytes, refusing it unless it is signed by one of
    /// `trusted` (where any are given).
    pub fn from_bytes_trusted(
        device: &Arc<dyn Device>,
        bytes: &[u8],
        trusted: &[PublicKey],
    ) -> Result<Module, Error> {
        let bytes = bytes::Bytes::copy_from_slice(bytes);
        Module::from_file(device, ModuleFile::from_shared_trusted(bytes, trusted)?)
    }

    /// Loads a module from its file's bytes.
    pub fn from_bytes(device: &Arc<dyn Device>, bytes: &[u8]) -> Result<Module, Error> {
        Module::from_file(device, ModuleFile::from_bytes(bytes)?)
    }

    /// Loads a module from its parts (checked).
    pub fn from_file(device: &Arc<dyn Device>, file: ModuleFile) -> Result<Module, Error> {
        file.check()?;
        let mut executables = Vec::new();
        for (def, bytes) in file.manifest.executables.iter().zip(&file.executables) {
            // Code for another device stays unloaded: dispatching it here is an error.
            executables.push(if def.kind() == device.kind() {
                Some(device.load_executable(def, bytes)?)
            } else {
                None
            });
        }
        let constants = device.constants(file.constants.to_bytes())?;
        let n = file.manifest.functions.len();
        Ok(Module {
            device: device.clone(),
            manifest: file.manifest,
            constants,
            executables,
            workspaces: Mutex::new((0..n).map(|_| Vec::new()).collect()),
        })
    }

    /// The manifest: functions, signatures, executables.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The device the module is loaded on.
    pub fn device(&self) -> &Arc<dyn Device> {
        &self.device
    }

    /// The function `name`.
    pub fn function(&self, name: &str) -> Result<Function<'_>, Error> {
        let index = self
            .manifest
            .functions
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no function '{name}' in the module (it has: {})",
                    self.manifest
                        .functions
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let def = &self.manifest.functions[index];
        let program = def
            .programs
            .iter()
            .position(|p| p.target == self.device.kind())
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "function '{name}' was compiled for {}, not for a '{}' device (compile with --target {})",
                    def.targets()
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                    self.device.kind(),
                    self.device.kind()
                ))
            })?;
        Ok(Function {
            module: self,
            index,
            program,
        })
    }

    fn workspace(&self, index: usize, program: usize) -> Result<Workspace, Error> {
        let reused = self
            .workspaces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(index)
            .and_then(Vec::pop);
        if let Some(w) = reused {
            return Ok(w);
        }
        let def = &self.manifest.functions[index];
        // One call's buffers together: sizes a module file declares, so bounded before
        // anything is allocated (an overcommitting system would grant them, then kill).
        let limit = strata_abi::limits::Limit::AllocationBytes;
        let total = def
            .inputs
            .iter()
            .chain(&def.outputs)
            .map(|s| s.bytes() as u64)
            .chain([def.programs[program].arena_bytes as u64])
            .fold(0u64, u64::saturating_add);
        if total > limit.get() {
            return Err(Error::BadModule(format!(
                "function '{}' needs {total} bytes of buffers for a call, past {}",
                def.name,
                limit.named()
            )));
        }
        let alloc = |specs: &[TensorSpec]| -> Result<Vec<BufferHandle>, Error> {
            specs
                .iter()
                .map(|s| self.device.allocate(s.bytes()))
                .collect()
        };
        Ok(Workspace {
            inputs: alloc(&def.inputs)?,
            outputs: alloc(&def.outputs)?,
            arena: self.device.allocate(def.programs[program].arena_bytes)?,
        })
    }

    fn release(&self, index: usize, w: Workspace) {
        if let Some(v) = self
            .workspaces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(index)
        {
            v.push(w);
        }
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        let spaces =
            std::mem::take(&mut *self.workspaces.lock().unwrap_or_else(|p| p.into_inner()));
        for w in spaces.into_iter().flatten() {
            for b in w.inputs.iter().chain(&w.outputs).chain([&w.arena]) {
                self.device.free(*b);
            }
        }
        self.device.free(self.constants);
    }
}

/// The time one kernel took in [`Function::profile`].
#[derive(Clone, Debug)]
pub struct KernelTime {
    /// The kernel's entry point.
    pub kernel: String,
    /// Its grid.
    pub workgroups: [u32; 3],
    /// How many dispatches ran it.
    pub calls: usize,
    /// Their total time.
    pub total: std::time::Duration,
}

/// A function of a loaded module.
pub struct Function<'m> {
    module: &'m Module,
    index: usize,
    /// The program for the module's device.
    program: usize,
}

impl Function<'_> {
    fn def(&self) -> &FunctionDef {
        &self.module.manifest.functions[self.index]
    }

    /// The inputs' names, element types and shapes.
    pub fn inputs(&self) -> &[TensorSpec] {
        &self.def().inputs
    }

    /// The outputs' names, element types and shapes.
    pub fn outputs(&self) -> &[TensorSpec] {
        &self.def().outputs
    }

    /// Checks `inputs` against the signature, runs the host program, returns the outputs.
    pub fn call(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Error> {
        let def = self.def();
        if inputs.len() != def.inputs.len() {
            return Err(Error::Input(format!(
                "function '{}' takes {} inputs, {} given",
                def.name,
                def.inputs.len(),
                inputs.len()
            )));
        }
        for (t, spec) in inputs.iter().zip(&def.inputs) {
            if t.dtype() != spec.dtype || t.shape() != spec.shape.as_slice() {
                return Err(Error::Input(format!(
                    "input '{}' of '{}' must be {}{:?}, got {}{:?}",
                    spec.name,
                    def.name,
                    spec.dtype.name(),
                    spec.shape,
                    t.dtype().name(),
                    t.shape()
                )));
            }
        }
        let data: Vec<&[u8]> = inputs.iter().map(Tensor::bytes).collect();
        let mut outputs: Vec<Tensor> = def
            .outputs
            .iter()
            .map(|s| Tensor::try_zeros(s.dtype, &s.shape))
            .collect::<Result<_, _>>()?;
        let mut out: Vec<&mut [u8]> = outputs.iter_mut().map(Tensor::bytes_mut).collect();
        self.call_bytes(&data, &mut out)?;
        Ok(outputs)
    }

    /// [`Function::call`] on raw little-endian bytes: one slice per input and per output,
    /// each exactly the size of its tensor (element types and shapes as in the manifest).
    pub fn call_bytes(&self, inputs: &[&[u8]], outputs: &mut [&mut [u8]]) -> Result<(), Error> {
        let def = self.def();
        let sized = |what: &str, got: &[usize], specs: &[TensorSpec]| -> Result<(), Error> {
            if got.len() != specs.len() {
                return Err(Error::Input(format!(
                    "function '{}' has {} {what}s, {} given",
                    def.name,
                    specs.len(),
                    got.len()
                )));
            }
            for (&n, s) in got.iter().zip(specs) {
                if n != s.bytes() {
                    return Err(Error::Input(format!(
                        "{what} '{}' of '{}' is {} bytes ({}{:?}), {n} given",
                        s.name,
                        def.name,
                        s.bytes(),
                        s.dtype.name(),
                        s.shape
                    )));
                }
            }
            Ok(())
        };
        sized(
            "input",
            &inputs.iter().map(|b| b.len()).collect::<Vec<_>>(),
            &def.inputs,
        )?;
        sized(
            "output",
            &outputs.iter().map(|b| b.len()).collect::<Vec<_>>(),
            &def.outputs,
        )?;
        let m = self.module;
        let w = m.workspace(self.index, self.program)?;
        // The stream is gone (its work finished) before the workspace is reused.
        let result = (|| {
            let mut s = m.device.stream()?;
            for (&b, data) in w.inputs.iter().zip(inputs) {
                s.upload(b, 0, data)?;
            }
            self.run(&mut *s, &w, None)?;
            s.synchronize()?;
            for (&b, out) in w.outputs.iter().zip(outputs.iter_mut()) {
                s.download(b, 0, out)?;
            }
            Ok(())
        })();
        m.release(self.index, w);
        result
    }

    /// Runs the function `runs` times on `inputs` and times every dispatch (waiting for
    /// each to finish, so the device runs them one at a time): per kernel, in program
    /// order, its calls and their total time. What `strata bench --profile` prints.
    pub fn profile(&self, inputs: &[Tensor], runs: usize) -> Result<Vec<KernelTime>, Error> {
        self.call(inputs)?;
        let m = self.module;
        let w = m.workspace(self.index, self.program)?;
        let mut times: Vec<KernelTime> = Vec::new();
        let result = (|| {
            let mut s = m.device.stream()?;
            for (&b, t) in w.inputs.iter().zip(inputs) {
                s.upload(b, 0, t.bytes())?;
            }
            for _ in 0..runs {
                self.run(&mut *s, &w, Some(&mut times))?;
            }
            s.synchronize()
        })();
        m.release(self.index, w);
        result.map(|_| times)
    }

    fn run(
        &self,
        s: &mut dyn Stream,
        w: &Workspace,
        mut profile: Option<&mut Vec<KernelTime>>,
    ) -> Result<(), Error> {
        let m = self.module;
        let slice = |r: &format::BufferRef| -> Result<BufferSlice, Error> {
            let buffer = match r.memory {
                Memory::Input(i) => w.inputs.get(i).copied(),
                Memory::Output(i) => w.outputs.get(i).copied(),
                Memory::Arena => Some(w.arena),
                Memory::Constants => Some(m.constants),
            }
            .ok_or_else(|| Error::BadModule(format!("no memory {:?}", r.memory)))?;
            Ok(BufferSlice {
                buffer,
                offset: r.offset,
                bytes: r.bytes,
            })
        };
        self.run_commands(
            s,
            &self.def().programs[self.program].commands,
            &slice,
            &mut profile,
        )
    }

    fn run_commands(
        &self,
        s: &mut dyn Stream,
        commands: &[Command],
        slice: &dyn Fn(&format::BufferRef) -> Result<BufferSlice, Error>,
        profile: &mut Option<&mut Vec<KernelTime>>,
    ) -> Result<(), Error> {
        let m = self.module;
        // Control flow reads device memory: the work before must have finished.
        let read = |s: &mut dyn Stream, r: &format::BufferRef, out: &mut [u8]| {
            let at = slice(r)?;
            s.synchronize()?;
            s.download(at.buffer, at.offset, out)
        };
        for c in commands {
            match c {
                Command::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let mut b = [0u8];
                    read(s, cond, &mut b)?;
                    let taken = if b[0] != 0 { then } else { otherwise };
                    self.run_commands(s, taken, slice, profile)?;
                }
                Command::Loop {
                    trip_count,
                    counter,
                    cond,
                    body,
                } => {
                    let mut t = [0u8; 8];
                    read(s, trip_count, &mut t)?;
                    let trip = i64::from_le_bytes(t);
                    let mut i = 0i64;
                    while i < trip {
                        let mut b = [0u8];
                        read(s, cond, &mut b)?;
                        if b[0] == 0 {
                            break;
                        }
                        let at = slice(counter)?;
                        s.upload(at.buffer, at.offset, &i.to_le_bytes())?;
                        self.run_commands(s, body, slice, profile)?;
                        i += 1;
                    }
                }
                Command::Dispatch {
                    executable,
                    entry,
                    bindings,
                    workgroups,
                } => {
                    let Some(exe) = m.executables.get(*executable).copied().flatten() else {
                        let target = m
                            .manifest
                            .executables
                            .get(*executable)
                            .map(|d| d.kind().name());
                        return Err(Error::Device(format!(
                            "the function needs a '{}' device, this is '{}'",
                            target.unwrap_or("?"),
                            m.device.kind()
                        )));
                    };
                    let b: smallvec::SmallVec<[BufferSlice; 16]> =
                        bindings.iter().map(slice).collect::<Result<_, _>>()?;
                    let start = std::time::Instant::now();
                    s.dispatch(exe, *entry, &b, *workgroups)?;
                    if let Some(times) = profile.as_deref_mut() {
                        s.synchronize()?;
                        let elapsed = start.elapsed();
                        let symbol = m
                            .manifest
                            .executables
                            .get(*executable)
                            .and_then(|d| d.entry_points.get(*entry))
                            .map_or_else(|| format!("entry {entry}"), |e| e.symbol.clone());
                        match times.iter_mut().find(|t| t.kernel == symbol) {
                            Some(t) => {
                                t.calls += 1;
                                t.total += elapsed;
                            }
                            None => times.push(KernelTime {
                                kernel: symbol,
                                workgroups: *workgroups,
                                calls: 1,
                                total: elapsed,
                            }),
                        }
                    }
                }
                Command::Copy { src, dst } => s.copy(slice(src)?, slice(dst)?)?,
            }
        }
        Ok(())
    }
}
