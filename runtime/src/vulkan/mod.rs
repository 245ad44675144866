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
//! - **Work**: dispatches and copies are recorded into one command buffer until
//!   [`Device::synchronize`] submits it and waits on a fence. A memory barrier goes
//!   between commands whose buffer ranges overlap (read after write, write after read,
//!   write after write), not between independent ones. Bindings are placed at offsets
//!   the device's `minStorageBufferOffsetAlignment` allows; the remainder travels in the
//!   push constants.
//! - **Errors**: a failing Vulkan call is an [`Error::Device`] naming the call and the
//!   `VkResult`; a kernel that read an index out of bounds (reported through the status
//!   buffer) is an [`Error::Kernel`] naming it.

use crate::device::{BufferHandle, BufferSlice, Device, ExecutableHandle};
use crate::format::{ExecutableDef, ExecutableFormat};
use crate::{Error, Target, TargetKind};
use ash::vk;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::Mutex;
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

/// What changes as work is issued.
struct State {
    buffers: HashMap<u64, Buffer>,
    executables: HashMap<u64, Executable>,
    next: u64,
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
    /// Buffers freed while work that may use them was pending.
    garbage: Vec<Buffer>,
}

impl State {
    fn new() -> State {
        State {
            buffers: HashMap::new(),
            executables: HashMap::new(),
            next: 1,
            recording: false,
            touched: Vec::new(),
            dispatched: Vec::new(),
            pools: Vec::new(),
            pool: 0,
            staging: None,
            garbage: Vec::new(),
        }
    }
}

/// A Vulkan device (see the module docs).
pub struct VulkanDevice {
    /// Kept alive until the device is gone (dropped after `Drop::drop`).
    _instance: Instance,
    device: ash::Device,
    queue: vk::Queue,
    command_pool: vk::CommandPool,
    command_buffer: vk::CommandBuffer,
    fence: vk::Fence,
    cache: vk::PipelineCache,
    memory: vk::PhysicalDeviceMemoryProperties,
    limits: vk::PhysicalDeviceLimits,
    features: Features,
    description: String,
    /// The most loop iterations a shader invocation may run, all loops together, where
    /// the driver ends loops past a count ([`LLVMPIPE_LOOP_LIMIT`]).
    loop_limit: Option<u64>,
    /// The status buffer (host-visible `u32`) kernels report out-of-bounds indices to.
    status: Buffer,
    state: Mutex<State>,
    /// Held through each call ([`Device::call_lock`]).
    calls: Mutex<()>,
}

impl VulkanDevice {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
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

    fn free(&self, buffer: BufferHandle) {
        self.release_buffer(buffer)
    }

    fn upload(&self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        self.write_buffer(buffer, offset, data)
    }

    fn download(&self, buffer: BufferHandle, offset: usize, out: &mut [u8]) -> Result<(), Error> {
        self.read_buffer(buffer, offset, out)
    }

    fn copy(&self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        self.record_copy(src, dst)
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
        self.record_dispatch(executable, entry, bindings, workgroups)
    }

    fn call_lock(&self) -> Option<&Mutex<()>> {
        Some(&self.calls)
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.submit_and_wait()
    }
}

impl VulkanDevice {}

impl Drop for VulkanDevice {
    fn drop(&mut self) {
        let st = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(|p| p.into_inner()),
            State::new(),
        );
        unsafe {
            let _ = self.device.device_wait_idle();
        }
        for (_, b) in st.buffers {
            self.destroy_buffer(b);
        }
        for b in st.garbage.into_iter().chain(st.staging) {
            self.destroy_buffer(b);
        }
        for (_, e) in st.executables {
            self.destroy_executable(e);
        }
        if self.status.buffer != vk::Buffer::null() {
            self.destroy_buffer(self.status);
        }
        unsafe {
            for p in st.pools {
                self.device.destroy_descriptor_pool(p, None);
            }
            self.device.destroy_pipeline_cache(self.cache, None);
            self.device.destroy_fence(self.fence, None);
            self.device.destroy_command_pool(self.command_pool, None);
            self.device.destroy_device(None);
        }
        // `self.instance` is dropped after this, destroying the instance last.
    }
}
