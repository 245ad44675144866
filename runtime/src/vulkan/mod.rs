//! The Vulkan device: runs `spirv` executables on any Vulkan 1.1 GPU (or on lavapipe,
//! Mesa's Vulkan on the CPU), through ash.
//!
//! - **Selection**: `vulkan` takes the first discrete GPU, else integrated, virtual, then
//!   CPU implementations; `vulkan:N` takes device `N` of [`devices`].
//! - **Memory**: every buffer is its own `VkBuffer` in device-local memory. Where that
//!   memory is also host-visible and coherent (integrated GPUs, lavapipe) it stays mapped
//!   and uploads and downloads are copies; elsewhere they go through a host-visible
//!   staging buffer and a transfer.
//! - **Executables**: one shader module, with a compute pipeline per entry point created
//!   at load time through the device's pipeline cache; a descriptor set layout of one
//!   storage buffer per kernel argument plus the status buffer, and the push constants
//!   of the executable's target description (the dispatch number and each binding's byte
//!   offset, laid out as `strata_abi::kernel::push_constants` says). The description's
//!   workgroup size, shared memory, bindings and push constants are checked against the
//!   device's limits before anything is created.
//! - **Work**: every caller records into its own [`Stream`] (a command buffer, fence,
//!   status word and descriptor pools of its own, taken from a pool of idle ones), so
//!   calls from many threads record and wait at once and share only the queue, held just
//!   to submit. Dispatches and copies are recorded until the stream's synchronize submits
//!   them and waits on its fence. A memory barrier goes between commands whose buffer
//!   ranges overlap (read after write, write after read, write after write), not between
//!   independent ones. The [`Device`] methods themselves use the device's own stream.
//!   Bindings are placed at offsets the device's `minStorageBufferOffsetAlignment`
//!   allows; the remainder travels in the push constants.
//! - **Errors**: a failing Vulkan call is an [`Error::Device`] naming the call and the
//!   `VkResult`; a kernel that read an index out of bounds (reported through its
//!   stream's status buffer, so to the call that ran it) is an [`Error::Kernel`] naming it.

use crate::device::{BufferHandle, BufferSlice, Device, ExecutableHandle, Stream};
use crate::format::{ExecutableDef, ExecutableFormat};
use crate::{Error, Target, TargetKind};
use ash::vk;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use strata_abi::kernel::push_constants;
use strata_abi::Status;

mod commands;
mod instance;
mod memory;
mod pipelines;

pub use instance::{devices, DeviceInfo};
use instance::{Features, Instance};
use memory::Buffer;
use pipelines::Executable;

/// llvmpipe (lavapipe) ends every loop of a shader invocation once the invocation has run
/// this many loop iterations in all (its guard against shaders that never finish), and
/// carries on with whatever the loops had computed: kernels that loop longer are refused.
pub const LLVMPIPE_LOOP_LIMIT: u64 = 65535;

/// Descriptor sets per pool.
const SETS_PER_POOL: u32 = 256;
/// Storage-buffer descriptors per pool: room for sets of 32 bindings on average (a set
/// that does not fit moves on to a fresh pool).
const DESCRIPTORS_PER_POOL: u32 = SETS_PER_POOL * 32;

fn vk_err(call: &str, r: vk::Result) -> Error {
    Error::Device(format!("{call} failed: {r}"))
}

/// Idle recorders kept for later streams; more are destroyed when their streams end.
const IDLE_RECORDERS: usize = 16;

/// What every caller shares: buffers and executables by handle.
struct Shared {
    buffers: HashMap<u64, Arc<Buffer>>,
    executables: HashMap<u64, Executable>,
    next: u64,
    /// The recorders with recorded work not yet finished, by id.
    recording: Vec<u64>,
    /// Freed buffers that may still be in use: by work of the listed recorders (recorded
    /// before the free), or by an upload or download holding its `Arc`.
    garbage: Vec<(Arc<Buffer>, Vec<u64>)>,
}

/// One stream's means of recording: its command buffer (from its own pool, as Vulkan
/// wants a pool recorded from one thread at a time), fence, status buffer, descriptor
/// pools and staging buffer.
struct Recorder {
    id: u64,
    command_pool: vk::CommandPool,
    command_buffer: vk::CommandBuffer,
    fence: vk::Fence,
    /// The host-visible `u32` its kernels report out-of-bounds indices to.
    status: Buffer,
    /// Recording since the last submission.
    recording: bool,
    /// Buffer ranges touched since the last barrier.
    touched: Vec<(vk::Buffer, u64, u64)>,
    /// The kernels dispatched in the current command buffer, by dispatch number.
    dispatched: Vec<String>,
    pools: Vec<vk::DescriptorPool>,
    /// Pools [0, pool) have run out of sets since the last submission.
    pool: usize,
    staging: Option<Buffer>,
}

/// A Vulkan device (see the module docs).
pub struct VulkanDevice {
    /// Kept alive until the device is gone (dropped after `Drop::drop`).
    _instance: Instance,
    device: ash::Device,
    family: u32,
    /// Held only to submit (a queue is used from one thread at a time).
    queue: Mutex<vk::Queue>,
    cache: vk::PipelineCache,
    memory: vk::PhysicalDeviceMemoryProperties,
    limits: vk::PhysicalDeviceLimits,
    features: Features,
    description: String,
    /// The most loop iterations a shader invocation may run, all loops together, where
    /// the driver ends loops past a count ([`LLVMPIPE_LOOP_LIMIT`]).
    loop_limit: Option<u64>,
    state: Mutex<Shared>,
    /// The recorder of the [`Device`] methods themselves (`None` only while dropping).
    own: Mutex<Option<Recorder>>,
    /// Recorders of ended streams, for the next.
    idle: Mutex<Vec<Recorder>>,
    recorders: AtomicU64,
}

/// One caller's queue of work on a [`VulkanDevice`] (see [`Device::stream`]).
struct VulkanStream<'a> {
    device: &'a VulkanDevice,
    /// `None` only while dropping.
    recorder: Option<Recorder>,
}

impl VulkanDevice {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the device's own recorder.
    fn with_own<R>(&self, f: impl FnOnce(&mut Recorder) -> Result<R, Error>) -> Result<R, Error> {
        let mut own = self.own.lock().unwrap_or_else(|p| p.into_inner());
        let r = own
            .as_mut()
            .ok_or_else(|| Error::Device("the device is being dropped".into()))?;
        f(r)
    }

    fn take_recorder(&self) -> Result<Recorder, Error> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(r) => Ok(r),
            None => self.new_recorder(),
        }
    }

    fn new_recorder(&self) -> Result<Recorder, Error> {
        let command_pool = unsafe {
            self.device.create_command_pool(
                &vk::CommandPoolCreateInfo::default()
                    .queue_family_index(self.family)
                    .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER),
                None,
            )
        }
        .map_err(|r| vk_err("vkCreateCommandPool", r))?;
        let mut r = Recorder {
            id: self.recorders.fetch_add(1, Ordering::Relaxed),
            command_pool,
            command_buffer: vk::CommandBuffer::null(),
            fence: vk::Fence::null(),
            status: Buffer::NULL,
            recording: false,
            touched: Vec::new(),
            dispatched: Vec::new(),
            pools: Vec::new(),
            pool: 0,
            staging: None,
        };
        // Each step fills `r` in, so that a failure destroys just what was made.
        let made = (|| {
            r.command_buffer = unsafe {
                self.device.allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default()
                        .command_pool(command_pool)
                        .level(vk::CommandBufferLevel::PRIMARY)
                        .command_buffer_count(1),
                )
            }
            .map_err(|e| vk_err("vkAllocateCommandBuffers", e))?[0];
            r.fence = unsafe {
                self.device
                    .create_fence(&vk::FenceCreateInfo::default(), None)
            }
            .map_err(|e| vk_err("vkCreateFence", e))?;
            r.status = self.make_buffer(4, true)?;
            Self::write_status(&r, 0);
            Ok(())
        })();
        match made {
            Ok(()) => Ok(r),
            Err(e) => {
                self.destroy_recorder(r);
                Err(e)
            }
        }
    }

    /// Destroys a recorder that has no work pending.
    fn destroy_recorder(&self, r: Recorder) {
        if r.status.buffer != vk::Buffer::null() {
            self.destroy_buffer(&r.status);
        }
        if let Some(s) = &r.staging {
            self.destroy_buffer(s);
        }
        unsafe {
            for p in r.pools {
                self.device.destroy_descriptor_pool(p, None);
            }
            if r.fence != vk::Fence::null() {
                self.device.destroy_fence(r.fence, None);
            }
            // Frees its command buffer too.
            self.device.destroy_command_pool(r.command_pool, None);
        }
    }
}

impl Stream for VulkanStream<'_> {
    fn upload(&mut self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        let (d, r) = self.parts()?;
        d.write_buffer(r, buffer, offset, data)
    }

    fn download(
        &mut self,
        buffer: BufferHandle,
        offset: usize,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let (d, r) = self.parts()?;
        d.read_buffer(r, buffer, offset, out)
    }

    fn copy(&mut self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        let (d, r) = self.parts()?;
        d.record_copy(r, src, dst)
    }

    fn dispatch(
        &mut self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error> {
        let (d, r) = self.parts()?;
        d.record_dispatch(r, executable, entry, bindings, workgroups)
    }

    fn synchronize(&mut self) -> Result<(), Error> {
        let (d, r) = self.parts()?;
        d.flush(r)
    }
}

impl<'a> VulkanStream<'a> {
    fn parts(&mut self) -> Result<(&'a VulkanDevice, &mut Recorder), Error> {
        let r = self
            .recorder
            .as_mut()
            .ok_or_else(|| Error::Device("the stream has ended".into()))?;
        Ok((self.device, r))
    }
}

impl Drop for VulkanStream<'_> {
    fn drop(&mut self) {
        let Some(mut r) = self.recorder.take() else {
            return;
        };
        // Work a failed call left recorded still runs (and is waited for), so that its
        // buffers are free to reuse once the stream is gone.
        let finished = self.device.flush(&mut r).is_ok() && !r.recording;
        let mut idle = self.device.idle.lock().unwrap_or_else(|p| p.into_inner());
        if finished && idle.len() < IDLE_RECORDERS {
            idle.push(r);
        } else {
            drop(idle);
            unsafe {
                let _ = self.device.device.device_wait_idle();
            }
            self.device.forget_recorder(r.id);
            self.device.destroy_recorder(r);
        }
    }
}

impl Device for VulkanDevice {
    fn kind(&self) -> TargetKind {
        TargetKind::Vulkan
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn allocate(&self, bytes: usize) -> Result<BufferHandle, Error> {
        self.create_device_buffer(bytes)
    }

    fn stream(&self) -> Result<Box<dyn Stream + '_>, Error> {
        Ok(Box::new(VulkanStream {
            device: self,
            recorder: Some(self.take_recorder()?),
        }))
    }

    fn free(&self, buffer: BufferHandle) {
        self.release_buffer(buffer)
    }

    fn upload(&self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        self.with_own(|r| self.write_buffer(r, buffer, offset, data))
    }

    fn download(&self, buffer: BufferHandle, offset: usize, out: &mut [u8]) -> Result<(), Error> {
        self.with_own(|r| self.read_buffer(r, buffer, offset, out))
    }

    fn copy(&self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        self.with_own(|r| self.record_copy(r, src, dst))
    }

    fn load_executable(
        &self,
        def: &ExecutableDef,
        bytes: &[u8],
    ) -> Result<ExecutableHandle, Error> {
        self.create_executable(def, bytes)
    }

    fn dispatch(
        &self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error> {
        self.with_own(|r| self.record_dispatch(r, executable, entry, bindings, workgroups))
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.with_own(|r| self.flush(r))
    }
}

impl Drop for VulkanDevice {
    fn drop(&mut self) {
        // No stream outlives the device (they borrow it): only the own recorder may
        // have work left.
        unsafe {
            let _ = self.device.device_wait_idle();
        }
        let own = self.own.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        for r in own.into_iter().chain(idle) {
            self.destroy_recorder(r);
        }
        let st = std::mem::replace(
            self.state.get_mut().unwrap_or_else(|p| p.into_inner()),
            Shared::new(),
        );
        for b in st
            .buffers
            .into_values()
            .chain(st.garbage.into_iter().map(|g| g.0))
        {
            self.destroy_buffer(&b);
        }
        for (_, e) in st.executables {
            self.destroy_executable(e);
        }
        unsafe {
            self.device.destroy_pipeline_cache(self.cache, None);
            self.device.destroy_device(None);
        }
        // `self.instance` is dropped after this, destroying the instance last.
    }
}

impl Shared {
    fn new() -> Shared {
        Shared {
            buffers: HashMap::new(),
            executables: HashMap::new(),
            next: 1,
            recording: Vec::new(),
            garbage: Vec::new(),
        }
    }
}
