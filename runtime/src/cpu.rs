//! The CPU device: executables are shared objects (loaded with `dlopen`), buffers are
//! 64-byte-aligned host memory, and a dispatch spreads its workgroups over the device's
//! worker threads (started once; see `pool`).
//!
//! Entry points follow the kernel ABI of `strata-abi` ([`KernelFn`]): one call runs one
//! workgroup and returns a [`Status`] code. Before any code is loaded, the executable's
//! target description is checked against this machine: its architecture, and every
//! instruction-set extension it was compiled for (code built on an AVX-512 machine is
//! refused by name on one without, rather than dying on an illegal instruction).

use crate::device::{BufferHandle, BufferSlice, Device, ExecutableHandle};
use crate::format::{ExecutableDef, ExecutableFormat};
use crate::{Error, TargetKind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
pub use strata_abi::kernel::KernelFn;
use strata_abi::target::cpu_features;
use strata_abi::Status;

/// Host memory with a 64-byte alignment (vector loads, and what the planner assumed).
struct Aligned {
    ptr: *mut u8,
    len: usize,
}

// Safety: the memory is owned; the device looks buffers up under its lock, and
// dispatches on several threads touch one buffer only as the host program allows (its
// own workspace, shared constants read-only).
unsafe impl Send for Aligned {}
unsafe impl Sync for Aligned {}

impl Aligned {
    fn layout(len: usize) -> Result<std::alloc::Layout, Error> {
        std::alloc::Layout::from_size_align(len.max(1), 64)
            .map_err(|e| Error::Device(format!("cannot allocate {len} bytes: {e}")))
    }

    fn zeroed(len: usize) -> Result<Aligned, Error> {
        let layout = Self::layout(len)?;
        // Safety: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(Error::Device(format!(
                "out of memory allocating {len} bytes"
            )));
        }
        Ok(Aligned { ptr, len })
    }

    fn range(&self, offset: usize, bytes: usize) -> Result<*mut u8, Error> {
        if offset.checked_add(bytes).is_none_or(|end| end > self.len) {
            return Err(Error::Device(format!(
                "bytes {offset}..{} are outside a buffer of {}",
                offset.saturating_add(bytes),
                self.len
            )));
        }
        // Safety: in bounds, checked above.
        Ok(unsafe { self.ptr.add(offset) })
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        if let Ok(layout) = Self::layout(self.len) {
            // Safety: allocated with this layout in `zeroed`.
            unsafe { std::alloc::dealloc(self.ptr, layout) }
        }
    }
}

struct Entry {
    symbol: String,
    function: KernelFn,
    argument_bytes: Vec<usize>,
}

struct Executable {
    entries: Vec<Entry>,
    // Keeps the entry points' code mapped; dropped after them.
    _library: libloading::Library,
}

/// A buffer: memory of the device's own, or bytes it was given to read in place.
enum HostMemory {
    Owned(Aligned),
    /// Constants, read where they are (a memory-mapped module file); never written.
    Shared(bytes::Bytes),
}

impl HostMemory {
    fn range(&self, offset: usize, bytes: usize) -> Result<*mut u8, Error> {
        match self {
            HostMemory::Owned(a) => a.range(offset, bytes),
            HostMemory::Shared(b) => {
                if offset.checked_add(bytes).is_none_or(|end| end > b.len()) {
                    return Err(Error::Device(format!(
                        "bytes {offset}..{} are outside a buffer of {}",
                        offset.saturating_add(bytes),
                        b.len()
                    )));
                }
                // Kernels only read constants: the module file's check refuses programs
                // that would write them.
                Ok(b[offset..].as_ptr() as *mut u8)
            }
        }
    }

    /// [`HostMemory::range`] of memory that may be written.
    fn writable(&self, offset: usize, bytes: usize) -> Result<*mut u8, Error> {
        match self {
            HostMemory::Owned(a) => a.range(offset, bytes),
            HostMemory::Shared(_) => Err(Error::Device("a write into read-only constants".into())),
        }
    }
}

#[derive(Default)]
struct State {
    /// Shared, so that a dispatch keeps what it reads alive without holding the lock.
    buffers: HashMap<u64, Arc<HostMemory>>,
    executables: HashMap<u64, Arc<Executable>>,
}

/// Runs CPU executables on this machine's cores.
pub struct CpuDevice {
    threads: usize,
    pool: crate::pool::Pool,
    state: Mutex<State>,
    next: AtomicU64,
}

/// Kernel argument pointers, shared by the threads of one dispatch.
struct Pointers(smallvec::SmallVec<[*mut u8; 16]>);
// Safety: workgroups of one dispatch write disjoint elements (the compiler maps grid
// indices to disjoint output tiles) and only read their inputs.
unsafe impl Sync for Pointers {}

impl Pointers {
    // A method, so closures capture the whole (Sync) struct rather than its field.
    fn base(&self) -> *const *mut u8 {
        self.0.as_ptr()
    }
}

// The most worker threads per core the CPU device starts is `strata_abi::limits`'
// `threads_per_core`: more only adds switching, and an unbounded count spends minutes
// spawning threads before failing.
use strata_abi::limits::Limit;

impl CpuDevice {
    /// A CPU device with `threads` worker threads (`None`: one per core).
    pub fn new(threads: Option<usize>) -> Result<CpuDevice, Error> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = threads.unwrap_or(cores).max(1);
        let most = Limit::ThreadsPerCore.get_usize().saturating_mul(cores);
        if threads > most {
            return Err(Error::Device(format!(
                "{threads} worker threads asked for; this machine has {cores} cores, and the CPU device starts at most {most} ({} per core)",
                Limit::ThreadsPerCore.named()
            )));
        }
        let pool = crate::pool::Pool::new(threads)
            .map_err(|e| Error::Device(format!("cannot start {threads} threads: {e}")))?;
        Ok(CpuDevice {
            threads,
            pool,
            state: Mutex::new(State::default()),
            next: AtomicU64::new(1),
        })
    }

    /// The number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn handle(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }
}

fn no_buffer(b: BufferHandle) -> Error {
    Error::Device(format!("no buffer {}", b.0))
}

/// Where the CPU device keeps the shared objects it loads, for profilers: `perf report`
/// needs the file to name the kernels and matrix-product routines the samples fall in.
/// Unset, each object lives in a private temporary file, deleted once loaded.
pub const KEEP_OBJECTS_ENV: &str = "STRATA_KEEP_OBJECTS";

/// Writes `bytes` to a fresh private file and loads it as a shared object.
fn load_library(bytes: &[u8]) -> Result<libloading::Library, Error> {
    use std::io::Write;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let keep = std::env::var_os(KEEP_OBJECTS_ENV).map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!(
        "strata-{}-{}.so",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o700);
    }
    let io = |e: std::io::Error| Error::Device(format!("cannot write '{}': {e}", path.display()));
    let mut file = options.open(&path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    drop(file);
    // Safety: loading runs the object's initializers; Strata's executables have none
    // beyond the C library's, and the file was checked against the module's checksum.
    let library = unsafe { libloading::Library::new(&path) };
    if keep.is_none() {
        let _ = std::fs::remove_file(&path);
    }
    library.map_err(|e| Error::Device(format!("cannot load the CPU executable: {e}")))
}

impl Device for CpuDevice {
    fn kind(&self) -> TargetKind {
        TargetKind::Cpu
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn description(&self) -> String {
        format!(
            "cpu ({} {}, {} thread{})",
            std::env::consts::ARCH,
            std::env::consts::OS,
            self.threads,
            if self.threads == 1 { "" } else { "s" }
        )
    }

    fn allocate(&self, bytes: usize) -> Result<BufferHandle, Error> {
        let mem = Aligned::zeroed(bytes)?;
        let h = self.handle();
        self.state()
            .buffers
            .insert(h, Arc::new(HostMemory::Owned(mem)));
        Ok(BufferHandle(h))
    }

    fn constants(&self, data: bytes::Bytes) -> Result<BufferHandle, Error> {
        // Kernels assume 64-byte-aligned buffers; a file mapping's section is aligned,
        // anything else is copied.
        if !(data.as_ptr() as usize).is_multiple_of(64) {
            let b = self.allocate(data.len())?;
            self.upload(b, 0, &data)?;
            return Ok(b);
        }
        let h = self.handle();
        self.state()
            .buffers
            .insert(h, Arc::new(HostMemory::Shared(data)));
        Ok(BufferHandle(h))
    }

    fn free(&self, buffer: BufferHandle) {
        self.state().buffers.remove(&buffer.0);
    }

    fn upload(&self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        let state = self.state();
        let mem = state.buffers.get(&buffer.0).ok_or(no_buffer(buffer))?;
        let dst = mem.writable(offset, data.len())?;
        // Safety: `dst` addresses `data.len()` bytes of the buffer (checked).
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
        Ok(())
    }

    fn download(&self, buffer: BufferHandle, offset: usize, out: &mut [u8]) -> Result<(), Error> {
        let state = self.state();
        let mem = state.buffers.get(&buffer.0).ok_or(no_buffer(buffer))?;
        let src = mem.range(offset, out.len())?;
        // Safety: `src` addresses `out.len()` bytes of the buffer (checked).
        unsafe { std::ptr::copy_nonoverlapping(src, out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    fn copy(&self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        if src.bytes != dst.bytes {
            return Err(Error::Device(format!(
                "a copy of {} bytes into {}",
                src.bytes, dst.bytes
            )));
        }
        let state = self.state();
        let from = state
            .buffers
            .get(&src.buffer.0)
            .ok_or(no_buffer(src.buffer))?
            .range(src.offset, src.bytes)?;
        let to = state
            .buffers
            .get(&dst.buffer.0)
            .ok_or(no_buffer(dst.buffer))?
            .writable(dst.offset, dst.bytes)?;
        // Safety: both ranges are in bounds (checked); `copy` allows overlap.
        unsafe { std::ptr::copy(from, to, src.bytes) };
        Ok(())
    }

    fn load_executable(
        &self,
        def: &ExecutableDef,
        bytes: &[u8],
    ) -> Result<ExecutableHandle, Error> {
        let cpu = match (&def.target, def.format) {
            (crate::Target::Cpu(cpu), ExecutableFormat::ElfSharedObject) => cpu,
            (t, f) => {
                return Err(Error::Device(format!(
                    "the CPU device cannot run a '{}' executable in {f:?} format",
                    t.kind()
                )))
            }
        };
        if cpu.arch() != std::env::consts::ARCH {
            return Err(Error::Device(format!(
                "the executable was compiled for '{}', this machine is {}",
                cpu.triple,
                std::env::consts::ARCH
            )));
        }
        let (lacks, unknown) = cpu_features::missing(&cpu.features);
        if !lacks.is_empty() {
            return Err(Error::Device(format!(
                "the executable was compiled for CPU extensions this machine lacks: {} \
                 (compiled for '{}'; recompile for this machine, or with --cpu generic)",
                lacks.join(", "),
                cpu.cpu
            )));
        }
        if !unknown.is_empty() {
            return Err(Error::Device(format!(
                "the executable needs CPU extensions this runtime cannot check: {}",
                unknown.join(", ")
            )));
        }
        let library = load_library(bytes)?;
        let mut entries = Vec::with_capacity(def.entry_points.len());
        for ep in &def.entry_points {
            // Safety: Strata's compiler gives every entry point the kernel signature.
            let function: KernelFn = unsafe {
                *library.get::<KernelFn>(ep.symbol.as_bytes()).map_err(|e| {
                    Error::Device(format!("the executable lacks '{}': {e}", ep.symbol))
                })?
            };
            entries.push(Entry {
                symbol: ep.symbol.clone(),
                function,
                argument_bytes: ep.argument_bytes.clone(),
            });
        }
        let h = self.handle();
        self.state().executables.insert(
            h,
            Arc::new(Executable {
                entries,
                _library: library,
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
        let state = self.state();
        let exe = state
            .executables
            .get(&executable.0)
            .ok_or_else(|| Error::Device(format!("no executable {}", executable.0)))?
            .clone();
        let ep = exe
            .entries
            .get(entry)
            .ok_or_else(|| Error::Device(format!("no entry point {entry}")))?;
        if bindings.len() != ep.argument_bytes.len() {
            return Err(Error::Device(format!(
                "'{}' takes {} buffers, {} bound",
                ep.symbol,
                ep.argument_bytes.len(),
                bindings.len()
            )));
        }
        let mut ptrs = smallvec::SmallVec::with_capacity(bindings.len());
        let mut held: smallvec::SmallVec<[Arc<HostMemory>; 16]> = smallvec::SmallVec::new();
        for (b, &need) in bindings.iter().zip(&ep.argument_bytes) {
            if b.bytes != need {
                return Err(Error::Device(format!(
                    "'{}' takes a buffer of {need} bytes, {} bound",
                    ep.symbol, b.bytes
                )));
            }
            let mem = state.buffers.get(&b.buffer.0).ok_or(no_buffer(b.buffer))?;
            ptrs.push(mem.range(b.offset, b.bytes)?);
            held.push(mem.clone());
        }
        // Other callers' dispatches run meanwhile: the buffers and code stay alive
        // through `held` and `exe`, not the lock.
        drop(state);
        let ptrs = Pointers(ptrs);
        let [gx, gy, gz] = workgroups.map(|w| w as u64);
        let total = gx * gy * gz;
        let f = ep.function;
        let run = |first: u64, end: u64| -> i32 {
            for i in first..end {
                let (x, y, z) = (i % gx, (i / gx) % gy, i / (gx * gy));
                // Safety: one pointer per argument, each to a range of the argument's
                // size (checked above); the buffers stay allocated while `held` is.
                let status = unsafe { f(ptrs.base(), x as i64, y as i64, z as i64) };
                if status != Status::OK {
                    return status;
                }
            }
            Status::OK
        };
        let status = self.pool.run(total, &run);
        drop(held);
        let result = if status == Status::OK {
            Ok(())
        } else {
            Err(status)
        };
        result.map_err(|status| Error::Kernel {
            kernel: ep.symbol.clone(),
            message: Status::from_code(status).message(),
        })
    }

    fn synchronize(&self) -> Result<(), Error> {
        Ok(())
    }
}
