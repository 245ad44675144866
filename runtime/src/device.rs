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

    /// A queue of work for one caller (a call of a function), whose dispatches, copies,
    /// synchronize and errors are its own: many callers record and wait at once, and a
    /// kernel's failure reaches the call that ran it. The default stream is the device's
    /// own methods, for a device that runs work as it is issued (the CPU), where calls
    /// already run at once.
    fn stream(&self) -> Result<Box<dyn Stream + '_>, Error> {
        Ok(Box::new(Immediate(self)))
    }
}

/// One caller's queue of work on a device, from [`Device::stream`]: the queued operations
/// of [`Device`], on this caller's queue only. Work still queued when it is dropped runs
/// to its end (errors dropped), so buffers it used are free to reuse afterwards.
pub trait Stream {
    /// Writes `data` at `offset` of `buffer`, after the stream's earlier work.
    fn upload(&mut self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error>;
    /// Reads `out.len()` bytes at `offset` of `buffer`, after the stream's earlier work.
    fn download(
        &mut self,
        buffer: BufferHandle,
        offset: usize,
        out: &mut [u8],
    ) -> Result<(), Error>;
    /// Copies `src` to `dst` (same length).
    fn copy(&mut self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error>;
    /// As [`Device::dispatch`].
    fn dispatch(
        &mut self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error>;
    /// Waits until the stream's work is done; a kernel's error is reported here.
    fn synchronize(&mut self) -> Result<(), Error>;
}

/// The default [`Stream`]: the device's own methods.
struct Immediate<'a, D: Device + ?Sized>(&'a D);

impl<D: Device + ?Sized> Stream for Immediate<'_, D> {
    fn upload(&mut self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        self.0.upload(buffer, offset, data)
    }

    fn download(
        &mut self,
        buffer: BufferHandle,
        offset: usize,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.0.download(buffer, offset, out)
    }

    fn copy(&mut self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        self.0.copy(src, dst)
    }

    fn dispatch(
        &mut self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error> {
        self.0.dispatch(executable, entry, bindings, workgroups)
    }

    fn synchronize(&mut self) -> Result<(), Error> {
        self.0.synchronize()
    }
}
