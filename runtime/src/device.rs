//! The device abstraction every target implements: buffers, executables, dispatches.
//!
//! A device owns memory and runs compiled kernels. The host program of a module only ever
//! asks a device for these few things, so the CPU, a Vulkan GPU and the systolic
//! simulator can run the same module format: allocate buffers, move bytes in and out, load
//! an executable, dispatch a grid of workgroups of one of its entry points over bound byte
//! ranges, and wait for the work to finish. Handles are plain numbers so that a C program
//! (and a device on the far side of a driver) can hold them.

use crate::format::ExecutableDef;
use crate::Error;
use crate::TargetKind;

/// A buffer allocated on a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferHandle(pub u64);

/// An executable loaded on a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExecutableHandle(pub u64);

/// A byte range of a device buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferSlice {
    pub buffer: BufferHandle,
    pub offset: usize,
    pub bytes: usize,
}

/// A device that runs modules.
///
/// Work may be queued: [`Device::dispatch`] and [`Device::copy`] run in the order they
/// were issued, and their effects are visible after [`Device::synchronize`] (the CPU
/// device runs everything at once, a GPU queues command buffers).
pub trait Device: Send + Sync {
    /// The kind of executables it runs, as in [`ExecutableDef::kind`].
    fn kind(&self) -> TargetKind;
    /// A line for logs and `strata bench`: the kind, the processor, the threads.
    fn description(&self) -> String;
    /// The device as its own type, for what only one kind has (a simulator's counters:
    /// `device.as_any().downcast_ref::<SystolicDevice>()`).
    fn as_any(&self) -> &dyn std::any::Any;
    /// A new buffer of `bytes` bytes, zeroed.
    fn allocate(&self, bytes: usize) -> Result<BufferHandle, Error>;
    /// A buffer holding `data`, which the module only reads (its constants). The default
    /// copies it into a new buffer; a device that can read host memory in place (the
    /// CPU) keeps `data` itself, so a memory-mapped module file's weights are never
    /// copied.
    fn constants(&self, data: bytes::Bytes) -> Result<BufferHandle, Error> {
        let b = self.allocate(data.len())?;
        self.upload(b, 0, &data)?;
        Ok(b)
    }
    /// Releases a buffer; unknown handles are ignored.
    fn free(&self, buffer: BufferHandle);
    /// Writes `data` at `offset` of `buffer`.
    fn upload(&self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error>;
    /// Reads `out.len()` bytes at `offset` of `buffer`.
    fn download(&self, buffer: BufferHandle, offset: usize, out: &mut [u8]) -> Result<(), Error>;
    /// Copies `src` to `dst` (same length).
    fn copy(&self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error>;
    /// Loads compiled code; its entry points are then dispatched by index.
    fn load_executable(&self, def: &ExecutableDef, bytes: &[u8])
        -> Result<ExecutableHandle, Error>;
    /// Runs every workgroup of `workgroups` of entry point `entry` over `bindings`, one per
    /// kernel argument (inputs, then results).
    fn dispatch(
        &self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error>;
    /// Waits until all issued work is done.
    fn synchronize(&self) -> Result<(), Error>;

    /// A lock that a whole call (uploads, dispatches, synchronize, downloads) holds, for
    /// a device whose recorded work and error reports are shared by every caller (one
    /// command buffer and status word): concurrent calls then take turns, and a kernel's
    /// failure reaches the call that ran it. `None` (the default): calls run at once.
    fn call_lock(&self) -> Option<&std::sync::Mutex<()>> {
        None
    }
}
