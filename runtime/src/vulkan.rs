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

/// Descriptor sets per pool.
const SETS_PER_POOL: u32 = 256;
/// Storage-buffer descriptors per pool: room for sets of 32 bindings on average (a set
/// that does not fit moves on to a fresh pool).
const DESCRIPTORS_PER_POOL: u32 = SETS_PER_POOL * 32;

fn vk_err(call: &str, r: vk::Result) -> Error {
    Error::Device(format!("{call} failed: {r}"))
}

/// A Vulkan device as [`devices`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Its number, as in `vulkan:N`.
    pub index: usize,
    pub name: String,
    /// `discrete GPU`, `integrated GPU`, `virtual GPU`, `CPU` or `other`.
    pub kind: String,
    /// The Vulkan version it supports, `major.minor.patch`.
    pub api_version: String,
    /// Optional features `strata-spirv` shaders may need that it supports.
    pub features: Vec<String>,
}

fn kind_name(t: vk::PhysicalDeviceType) -> &'static str {
    match t {
        vk::PhysicalDeviceType::DISCRETE_GPU => "discrete GPU",
        vk::PhysicalDeviceType::INTEGRATED_GPU => "integrated GPU",
        vk::PhysicalDeviceType::VIRTUAL_GPU => "virtual GPU",
        vk::PhysicalDeviceType::CPU => "CPU",
        _ => "other",
    }
}

fn preference(t: vk::PhysicalDeviceType) -> u32 {
    match t {
        vk::PhysicalDeviceType::DISCRETE_GPU => 0,
        vk::PhysicalDeviceType::INTEGRATED_GPU => 1,
        vk::PhysicalDeviceType::VIRTUAL_GPU => 2,
        vk::PhysicalDeviceType::CPU => 3,
        _ => 4,
    }
}

fn version(v: u32) -> String {
    format!(
        "{}.{}.{}",
        vk::api_version_major(v),
        vk::api_version_minor(v),
        vk::api_version_patch(v)
    )
}

/// The loader and an instance.
struct Instance {
    _entry: ash::Entry,
    instance: ash::Instance,
}

impl Instance {
    fn new() -> Result<Instance, Error> {
        // SAFETY: loading the system's Vulkan loader library; its entry points are then
        // called per the Vulkan spec.
        let entry = unsafe { ash::Entry::load() }.map_err(|e| {
            Error::Device(format!(
                "cannot load the Vulkan loader (libvulkan.so.1): {e}; install libvulkan1 and a \
                 driver (mesa-vulkan-drivers gives lavapipe, Vulkan on the CPU)"
            ))
        })?;
        let loader = unsafe { entry.try_enumerate_instance_version() }
            .map_err(|r| vk_err("vkEnumerateInstanceVersion", r))?
            .unwrap_or(vk::API_VERSION_1_0);
        if loader < vk::API_VERSION_1_1 {
            return Err(Error::Device(format!(
                "the Vulkan loader supports Vulkan {}; Strata needs 1.1",
                version(loader)
            )));
        }
        let app = vk::ApplicationInfo::default()
            .application_name(c"strata")
            .engine_name(c"strata")
            .api_version(loader.min(vk::API_VERSION_1_2));
        let info = vk::InstanceCreateInfo::default().application_info(&app);
        let instance = unsafe { entry.create_instance(&info, None) }
            .map_err(|r| vk_err("vkCreateInstance", r))?;
        Ok(Instance {
            _entry: entry,
            instance,
        })
    }

    /// Each physical device with its properties and the optional features it has.
    fn physical(
        &self,
    ) -> Result<Vec<(vk::PhysicalDevice, vk::PhysicalDeviceProperties, Features)>, Error> {
        let list = unsafe { self.instance.enumerate_physical_devices() }
            .map_err(|r| vk_err("vkEnumeratePhysicalDevices", r))?;
        let mut out = Vec::new();
        for p in list {
            let props = unsafe { self.instance.get_physical_device_properties(p) };
            let features = Features::query(&self.instance, p, &props)?;
            out.push((p, props, features));
        }
        Ok(out)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        unsafe { self.instance.destroy_instance(None) };
    }
}

/// Optional features a device supports (and the device enables when it has them).
#[derive(Clone, Copy, Debug, Default)]
struct Features {
    int64: bool,
    float64: bool,
    storage8: bool,
    storage16: bool,
    /// Whether 8-bit storage needs `VK_KHR_8bit_storage` (Vulkan 1.1 devices).
    storage8_extension: bool,
}

impl Features {
    fn query(
        instance: &ash::Instance,
        p: vk::PhysicalDevice,
        props: &vk::PhysicalDeviceProperties,
    ) -> Result<Features, Error> {
        let extensions = unsafe { instance.enumerate_device_extension_properties(p) }
            .map_err(|r| vk_err("vkEnumerateDeviceExtensionProperties", r))?;
        let has_8bit_extension = extensions
            .iter()
            .any(|e| e.extension_name_as_c_str().ok() == Some(c"VK_KHR_8bit_storage"));
        let core12 = props.api_version >= vk::API_VERSION_1_2;
        let mut s16 = vk::PhysicalDevice16BitStorageFeatures::default();
        let mut s8 = vk::PhysicalDevice8BitStorageFeatures::default();
        let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut s16);
        if core12 || has_8bit_extension {
            f2 = f2.push_next(&mut s8);
        }
        unsafe { instance.get_physical_device_features2(p, &mut f2) };
        let base = f2.features;
        Ok(Features {
            int64: base.shader_int64 != 0,
            float64: base.shader_float64 != 0,
            storage16: s16.storage_buffer16_bit_access != 0,
            storage8: s8.storage_buffer8_bit_access != 0,
            storage8_extension: !core12 && has_8bit_extension,
        })
    }

    fn names(&self) -> Vec<String> {
        [
            (self.int64, "shaderInt64"),
            (self.float64, "shaderFloat64"),
            (self.storage8, "storageBuffer8BitAccess"),
            (self.storage16, "storageBuffer16BitAccess"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n.to_string())
        .collect()
    }
}

fn device_name(props: &vk::PhysicalDeviceProperties) -> String {
    props
        .device_name_as_c_str()
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".into())
}

/// The Vulkan devices of this machine, in the order `vulkan:N` numbers them.
pub fn devices() -> Result<Vec<DeviceInfo>, Error> {
    let instance = Instance::new()?;
    Ok(instance
        .physical()?
        .into_iter()
        .enumerate()
        .map(|(index, (_, props, features))| DeviceInfo {
            index,
            name: device_name(&props),
            kind: kind_name(props.device_type).into(),
            api_version: version(props.api_version),
            features: features.names(),
        })
        .collect())
}

#[derive(Clone, Copy)]
struct Buffer {
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    size: u64,
    /// The host address of the memory when it stays mapped.
    mapped: Option<usize>,
}

impl Buffer {
    /// No buffer.
    const NULL: Buffer = Buffer {
        buffer: vk::Buffer::null(),
        memory: vk::DeviceMemory::null(),
        size: 0,
        mapped: None,
    };
}

/// The first memory type among `bits` with the properties `want`.
fn memory_type(
    memory: &vk::PhysicalDeviceMemoryProperties,
    bits: u32,
    want: vk::MemoryPropertyFlags,
) -> Option<u32> {
    (0..memory.memory_type_count).find(|&i| {
        bits & (1 << i) != 0
            && memory.memory_types[i as usize]
                .property_flags
                .contains(want)
    })
}

/// A buffer of `size` bytes: host-visible if `host`, else device-local (mapped when
/// that memory is host-visible too).
fn create_buffer(
    device: &ash::Device,
    props: &vk::PhysicalDeviceMemoryProperties,
    size: u64,
    host: bool,
) -> Result<Buffer, Error> {
    let size = size.max(4).div_ceil(4) * 4;
    let info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(
            vk::BufferUsageFlags::STORAGE_BUFFER
                | vk::BufferUsageFlags::TRANSFER_SRC
                | vk::BufferUsageFlags::TRANSFER_DST,
        )
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    let buffer =
        unsafe { device.create_buffer(&info, None) }.map_err(|r| vk_err("vkCreateBuffer", r))?;
    let req = unsafe { device.get_buffer_memory_requirements(buffer) };
    let visible = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
    let local = vk::MemoryPropertyFlags::DEVICE_LOCAL;
    let index = if host {
        memory_type(props, req.memory_type_bits, visible)
    } else {
        memory_type(props, req.memory_type_bits, local | visible)
            .or_else(|| memory_type(props, req.memory_type_bits, local))
            .or_else(|| {
                memory_type(
                    props,
                    req.memory_type_bits,
                    vk::MemoryPropertyFlags::empty(),
                )
            })
    };
    let Some(index) = index else {
        unsafe { device.destroy_buffer(buffer, None) };
        return Err(Error::Device("no memory type fits a storage buffer".into()));
    };
    let memory = match unsafe {
        device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(req.size)
                .memory_type_index(index),
            None,
        )
    } {
        Ok(m) => m,
        Err(r) => {
            unsafe { device.destroy_buffer(buffer, None) };
            return Err(vk_err(&format!("vkAllocateMemory ({size} bytes)"), r));
        }
    };
    let release = |e: Error| {
        unsafe {
            device.destroy_buffer(buffer, None);
            device.free_memory(memory, None);
        }
        e
    };
    unsafe { device.bind_buffer_memory(buffer, memory, 0) }
        .map_err(|r| release(vk_err("vkBindBufferMemory", r)))?;
    let flags = props.memory_types[index as usize].property_flags;
    let mapped = if flags.contains(visible) {
        let p =
            unsafe { device.map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty()) }
                .map_err(|r| release(vk_err("vkMapMemory", r)))?;
        Some(p as usize)
    } else {
        None
    };
    Ok(Buffer {
        buffer,
        memory,
        size,
        mapped,
    })
}

struct Entry {
    name: String,
    arguments: usize,
    /// Words of its push-constant block.
    push_words: usize,
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    pipeline: vk::Pipeline,
}

struct Executable {
    module: vk::ShaderModule,
    entries: Vec<Entry>,
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
    /// The status buffer (host-visible `u32`) kernels report out-of-bounds indices to.
    status: Buffer,
    state: Mutex<State>,
}

impl VulkanDevice {
    /// Opens device `index` of [`devices`], or the preferred one.
    pub fn new(index: Option<usize>) -> Result<VulkanDevice, Error> {
        let instance = Instance::new()?;
        let all = instance.physical()?;
        if all.is_empty() {
            return Err(Error::Device(
                "no Vulkan device (install a driver: mesa-vulkan-drivers gives lavapipe)".into(),
            ));
        }
        let chosen = match index {
            Some(i) => i,
            None => (0..all.len())
                .min_by_key(|&i| (preference(all[i].1.device_type), i))
                .unwrap_or(0),
        };
        let (physical, props, features) = all.get(chosen).copied().ok_or_else(|| {
            Error::NotFound(format!(
                "no Vulkan device {chosen}: this machine has {} (see `strata devices`)",
                all.len()
            ))
        })?;
        let inst = &instance.instance;
        let families = unsafe { inst.get_physical_device_queue_family_properties(physical) };
        let family = families
            .iter()
            .position(|f| f.queue_flags.contains(vk::QueueFlags::COMPUTE))
            .ok_or_else(|| {
                Error::Device(format!("'{}' has no compute queue", device_name(&props)))
            })? as u32;
        let priorities = [1.0f32];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(family)
            .queue_priorities(&priorities)];
        let base = vk::PhysicalDeviceFeatures::default()
            .shader_int64(features.int64)
            .shader_float64(features.float64);
        let mut s16 = vk::PhysicalDevice16BitStorageFeatures::default()
            .storage_buffer16_bit_access(features.storage16);
        let mut s8 = vk::PhysicalDevice8BitStorageFeatures::default()
            .storage_buffer8_bit_access(features.storage8);
        let mut extensions = Vec::new();
        if features.storage8_extension {
            extensions.push(c"VK_KHR_8bit_storage".as_ptr());
        }
        let mut info = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_features(&base)
            .enabled_extension_names(&extensions)
            .push_next(&mut s16);
        if features.storage8 {
            info = info.push_next(&mut s8);
        }
        let device = unsafe { inst.create_device(physical, &info, None) }
            .map_err(|r| vk_err("vkCreateDevice", r))?;
        let queue = unsafe { device.get_device_queue(family, 0) };
        let command_pool = unsafe {
            device.create_command_pool(
                &vk::CommandPoolCreateInfo::default()
                    .queue_family_index(family)
                    .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER),
                None,
            )
        }
        .map_err(|r| vk_err("vkCreateCommandPool", r))?;
        let command_buffer = unsafe {
            device.allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default()
                    .command_pool(command_pool)
                    .level(vk::CommandBufferLevel::PRIMARY)
                    .command_buffer_count(1),
            )
        }
        .map_err(|r| vk_err("vkAllocateCommandBuffers", r))?[0];
        let fence = unsafe { device.create_fence(&vk::FenceCreateInfo::default(), None) }
            .map_err(|r| vk_err("vkCreateFence", r))?;
        let cache =
            unsafe { device.create_pipeline_cache(&vk::PipelineCacheCreateInfo::default(), None) }
                .map_err(|r| vk_err("vkCreatePipelineCache", r))?;
        let memory = unsafe { inst.get_physical_device_memory_properties(physical) };
        let description = format!(
            "vulkan:{chosen}: {} ({}, Vulkan {})",
            device_name(&props),
            kind_name(props.device_type),
            version(props.api_version)
        );
        let mut dev = VulkanDevice {
            _instance: instance,
            device,
            queue,
            command_pool,
            command_buffer,
            fence,
            cache,
            memory,
            limits: props.limits,
            features,
            description,
            // Made below, once `dev` exists to clean up after a failure.
            status: Buffer::NULL,
            state: Mutex::new(State::new()),
        };
        dev.status = dev.make_buffer(4, true)?;
        dev.write_status(0);
        Ok(dev)
    }

    /// A buffer of `size` bytes (see [`create_buffer`]).
    fn make_buffer(&self, size: u64, host: bool) -> Result<Buffer, Error> {
        create_buffer(&self.device, &self.memory, size, host)
    }

    fn destroy_buffer(&self, b: Buffer) {
        unsafe {
            if b.mapped.is_some() {
                self.device.unmap_memory(b.memory);
            }
            self.device.destroy_buffer(b.buffer, None);
            self.device.free_memory(b.memory, None);
        }
    }

    fn write_status(&self, v: u32) {
        if let Some(p) = self.status.mapped {
            // SAFETY: the status buffer is 4 mapped, coherent bytes, and no work is pending.
            unsafe { std::ptr::write_volatile(p as *mut u32, v) };
        }
    }

    fn read_status(&self) -> u32 {
        match self.status.mapped {
            // SAFETY: as in write_status; the fence wait made device writes available.
            Some(p) => unsafe { std::ptr::read_volatile(p as *const u32) },
            None => 0,
        }
    }

    fn begin(&self, st: &mut State) -> Result<(), Error> {
        if !st.recording {
            unsafe {
                self.device.begin_command_buffer(
                    self.command_buffer,
                    &vk::CommandBufferBeginInfo::default()
                        .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
            }
            .map_err(|r| vk_err("vkBeginCommandBuffer", r))?;
            st.recording = true;
        }
        Ok(())
    }

    fn barrier(
        &self,
        src: vk::AccessFlags,
        dst: vk::AccessFlags,
        dst_stage: vk::PipelineStageFlags,
    ) {
        let b = [vk::MemoryBarrier::default()
            .src_access_mask(src)
            .dst_access_mask(dst)];
        unsafe {
            self.device.cmd_pipeline_barrier(
                self.command_buffer,
                vk::PipelineStageFlags::COMPUTE_SHADER | vk::PipelineStageFlags::TRANSFER,
                dst_stage,
                vk::DependencyFlags::empty(),
                &b,
                &[],
                &[],
            )
        };
    }

    /// Records that a command touches `ranges`, first putting a barrier behind earlier
    /// commands that touched any of them.
    fn touch(&self, st: &mut State, ranges: &[(vk::Buffer, u64, u64)]) {
        let overlaps = ranges.iter().any(|&(b, s, e)| {
            st.touched
                .iter()
                .any(|&(b2, s2, e2)| b == b2 && s < e2 && s2 < e)
        });
        if overlaps {
            let all = vk::AccessFlags::SHADER_READ
                | vk::AccessFlags::SHADER_WRITE
                | vk::AccessFlags::TRANSFER_READ
                | vk::AccessFlags::TRANSFER_WRITE;
            self.barrier(
                vk::AccessFlags::SHADER_WRITE | vk::AccessFlags::TRANSFER_WRITE,
                all,
                vk::PipelineStageFlags::COMPUTE_SHADER | vk::PipelineStageFlags::TRANSFER,
            );
            st.touched.clear();
        }
        st.touched.extend_from_slice(ranges);
    }

    /// Submits what was recorded and waits for it.
    fn flush(&self, st: &mut State) -> Result<(), Error> {
        if !st.recording {
            return Ok(());
        }
        // Make every write visible to the host before the fence signals.
        self.barrier(
            vk::AccessFlags::SHADER_WRITE | vk::AccessFlags::TRANSFER_WRITE,
            vk::AccessFlags::HOST_READ,
            vk::PipelineStageFlags::HOST,
        );
        st.recording = false;
        st.touched.clear();
        unsafe { self.device.end_command_buffer(self.command_buffer) }
            .map_err(|r| vk_err("vkEndCommandBuffer", r))?;
        let buffers = [self.command_buffer];
        let submit = [vk::SubmitInfo::default().command_buffers(&buffers)];
        let done = unsafe { self.device.queue_submit(self.queue, &submit, self.fence) }
            .map_err(|r| vk_err("vkQueueSubmit", r))
            .and_then(|_| {
                unsafe { self.device.wait_for_fences(&[self.fence], true, u64::MAX) }
                    .map_err(|r| vk_err("vkWaitForFences", r))
            });
        let reset = unsafe { self.device.reset_fences(&[self.fence]) }
            .map_err(|r| vk_err("vkResetFences", r));
        for p in &st.pools {
            unsafe {
                let _ = self
                    .device
                    .reset_descriptor_pool(*p, vk::DescriptorPoolResetFlags::empty());
            }
        }
        st.pool = 0;
        for b in std::mem::take(&mut st.garbage) {
            self.destroy_buffer(b);
        }
        let dispatched = std::mem::take(&mut st.dispatched);
        done?;
        reset?;
        let status = self.read_status();
        if status != 0 {
            self.write_status(0);
            let kernel = dispatched
                .get(status as usize - 1)
                .cloned()
                .unwrap_or_else(|| "?".into());
            return Err(Error::Kernel {
                kernel,
                message: Status::OutOfBounds.message(),
            });
        }
        Ok(())
    }

    fn descriptor_set(
        &self,
        st: &mut State,
        layout: vk::DescriptorSetLayout,
    ) -> Result<vk::DescriptorSet, Error> {
        loop {
            if st.pool == st.pools.len() {
                let sizes = [vk::DescriptorPoolSize {
                    ty: vk::DescriptorType::STORAGE_BUFFER,
                    descriptor_count: DESCRIPTORS_PER_POOL,
                }];
                let pool = unsafe {
                    self.device.create_descriptor_pool(
                        &vk::DescriptorPoolCreateInfo::default()
                            .max_sets(SETS_PER_POOL)
                            .pool_sizes(&sizes),
                        None,
                    )
                }
                .map_err(|r| vk_err("vkCreateDescriptorPool", r))?;
                st.pools.push(pool);
            }
            let layouts = [layout];
            let info = vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(st.pools[st.pool])
                .set_layouts(&layouts);
            match unsafe { self.device.allocate_descriptor_sets(&info) } {
                Ok(sets) => return Ok(sets[0]),
                Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY | vk::Result::ERROR_FRAGMENTED_POOL) => {
                    st.pool += 1
                }
                Err(r) => return Err(vk_err("vkAllocateDescriptorSets", r)),
            }
        }
    }

    fn buffer(st: &State, h: BufferHandle) -> Result<&Buffer, Error> {
        st.buffers
            .get(&h.0)
            .ok_or_else(|| Error::Device(format!("no buffer {}", h.0)))
    }

    fn check_range(b: &Buffer, h: BufferHandle, offset: u64, len: u64) -> Result<(), Error> {
        if offset.checked_add(len).is_none_or(|end| end > b.size) {
            return Err(Error::Device(format!(
                "bytes {offset}..{} are outside buffer {} of {} bytes",
                offset.saturating_add(len),
                h.0,
                b.size
            )));
        }
        Ok(())
    }

    /// The staging buffer, grown to at least `size` bytes.
    fn staging(&self, st: &mut State, size: u64) -> Result<(vk::Buffer, usize), Error> {
        if st.staging.as_ref().is_none_or(|s| s.size < size) {
            if let Some(old) = st.staging.take() {
                self.destroy_buffer(old);
            }
            st.staging = Some(self.make_buffer(size.next_power_of_two(), true)?);
        }
        let s = st
            .staging
            .as_ref()
            .ok_or_else(|| Error::Device("no staging buffer".into()))?;
        let p = s
            .mapped
            .ok_or_else(|| Error::Device("the staging buffer is not host-visible".into()))?;
        Ok((s.buffer, p))
    }

    /// Copies `bytes` from `(buffer, offset)` to another and waits for it (the staged
    /// uploads and downloads; nothing else is pending then).
    fn transfer_now(
        &self,
        st: &mut State,
        (src, src_offset): (vk::Buffer, u64),
        (dst, dst_offset): (vk::Buffer, u64),
        bytes: u64,
    ) -> Result<(), Error> {
        self.begin(st)?;
        let region = [vk::BufferCopy {
            src_offset,
            dst_offset,
            size: bytes,
        }];
        unsafe {
            self.device
                .cmd_copy_buffer(self.command_buffer, src, dst, &region)
        };
        self.flush(st)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Device for VulkanDevice {
    fn kind(&self) -> TargetKind {
        TargetKind::Vulkan
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn allocate(&self, bytes: usize) -> Result<BufferHandle, Error> {
        let b = self.make_buffer(bytes as u64, false)?;
        let mut st = self.lock();
        match b.mapped {
            // SAFETY: freshly mapped memory of b.size bytes that nothing else uses yet.
            Some(p) => unsafe { std::ptr::write_bytes(p as *mut u8, 0, b.size as usize) },
            None => {
                self.begin(&mut st)?;
                self.touch(&mut st, &[(b.buffer, 0, b.size)]);
                unsafe {
                    self.device
                        .cmd_fill_buffer(self.command_buffer, b.buffer, 0, vk::WHOLE_SIZE, 0)
                };
            }
        }
        let h = st.next;
        st.next += 1;
        st.buffers.insert(h, b);
        Ok(BufferHandle(h))
    }

    fn free(&self, buffer: BufferHandle) {
        let mut st = self.lock();
        if let Some(b) = st.buffers.remove(&buffer.0) {
            if st.recording {
                st.garbage.push(b);
            } else {
                self.destroy_buffer(b);
            }
        }
    }

    fn upload(&self, buffer: BufferHandle, offset: usize, data: &[u8]) -> Result<(), Error> {
        let mut st = self.lock();
        // Earlier work first: it may use this buffer.
        self.flush(&mut st)?;
        let b = Self::buffer(&st, buffer)?;
        Self::check_range(b, buffer, offset as u64, data.len() as u64)?;
        if data.is_empty() {
            return Ok(());
        }
        if let Some(p) = b.mapped {
            // SAFETY: the range was checked against the mapped buffer; no work is pending.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), (p as *mut u8).add(offset), data.len())
            };
            return Ok(());
        }
        let target = b.buffer;
        let (staging, p) = self.staging(&mut st, data.len() as u64)?;
        // SAFETY: the staging buffer holds at least data.len() mapped bytes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p as *mut u8, data.len()) };
        self.transfer_now(
            &mut st,
            (staging, 0),
            (target, offset as u64),
            data.len() as u64,
        )
    }

    fn download(&self, buffer: BufferHandle, offset: usize, out: &mut [u8]) -> Result<(), Error> {
        let mut st = self.lock();
        self.flush(&mut st)?;
        let b = Self::buffer(&st, buffer)?;
        Self::check_range(b, buffer, offset as u64, out.len() as u64)?;
        if out.is_empty() {
            return Ok(());
        }
        if let Some(p) = b.mapped {
            // SAFETY: as in upload.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    (p as *const u8).add(offset),
                    out.as_mut_ptr(),
                    out.len(),
                )
            };
            return Ok(());
        }
        let source = b.buffer;
        let (staging, p) = self.staging(&mut st, out.len() as u64)?;
        self.transfer_now(
            &mut st,
            (source, offset as u64),
            (staging, 0),
            out.len() as u64,
        )?;
        // SAFETY: the transfer finished and the staging buffer holds out.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(p as *const u8, out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    fn copy(&self, src: BufferSlice, dst: BufferSlice) -> Result<(), Error> {
        if src.bytes != dst.bytes {
            return Err(Error::Device(format!(
                "a copy of {} bytes into {} bytes",
                src.bytes, dst.bytes
            )));
        }
        let mut st = self.lock();
        let s = Self::buffer(&st, src.buffer)?;
        Self::check_range(s, src.buffer, src.offset as u64, src.bytes as u64)?;
        let d = Self::buffer(&st, dst.buffer)?;
        Self::check_range(d, dst.buffer, dst.offset as u64, dst.bytes as u64)?;
        if src.bytes == 0 {
            return Ok(());
        }
        let (sb, db) = (s.buffer, d.buffer);
        self.begin(&mut st)?;
        let (so, doff, n) = (src.offset as u64, dst.offset as u64, src.bytes as u64);
        self.touch(&mut st, &[(sb, so, so + n), (db, doff, doff + n)]);
        let region = [vk::BufferCopy {
            src_offset: so,
            dst_offset: doff,
            size: n,
        }];
        unsafe {
            self.device
                .cmd_copy_buffer(self.command_buffer, sb, db, &region)
        };
        Ok(())
    }

    fn load_executable(
        &self,
        def: &ExecutableDef,
        bytes: &[u8],
    ) -> Result<ExecutableHandle, Error> {
        let gpu = match (&def.target, def.format) {
            (Target::Vulkan(g), ExecutableFormat::Spirv) => g,
            (t, f) => {
                return Err(Error::Device(format!(
                    "a Vulkan device runs SPIR-V for a vulkan target, not a '{}' executable in {f:?} format",
                    t.kind()
                )))
            }
        };
        let l = &self.limits;
        let push_words = gpu.push_constant_words as usize;
        for (what, needs, offers) in [
            (
                "push-constant bytes",
                push_words as u64 * 4,
                l.max_push_constants_size as u64,
            ),
            (
                "invocations per workgroup",
                gpu.workgroup_size as u64,
                (l.max_compute_work_group_size[0].min(l.max_compute_work_group_invocations)) as u64,
            ),
            (
                "bytes of workgroup shared memory",
                gpu.shared_memory_bytes as u64,
                l.max_compute_shared_memory_size as u64,
            ),
            (
                "storage buffers per kernel",
                gpu.max_bindings as u64,
                l.max_per_stage_descriptor_storage_buffers as u64,
            ),
        ] {
            if needs > offers {
                return Err(Error::Device(format!(
                    "the module's GPU code was compiled for {needs} {what}; {} offers {offers}",
                    self.description
                )));
            }
        }
        for ep in &def.entry_points {
            let n = ep.argument_bytes.len();
            if n > gpu.max_kernel_arguments() {
                return Err(Error::BadModule(format!(
                    "kernel '{}' takes {n} buffers; its target binds at most {}",
                    ep.symbol,
                    gpu.max_kernel_arguments()
                )));
            }
        }
        let supported = self.features.names();
        if let Some(missing) = def.features.iter().find(|f| !supported.contains(f)) {
            return Err(Error::Device(format!(
                "the module's GPU code needs the Vulkan feature '{missing}', which {} lacks",
                self.description
            )));
        }
        if !bytes.len().is_multiple_of(4)
            || bytes.len() < 20
            || bytes[0..4] != 0x0723_0203u32.to_le_bytes()
        {
            return Err(Error::BadModule(format!(
                "section '{}' is not a SPIR-V module",
                def.section
            )));
        }
        let words: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let module = unsafe {
            self.device
                .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
        }
        .map_err(|r| vk_err("vkCreateShaderModule", r))?;
        let mut exe = Executable {
            module,
            entries: Vec::new(),
        };
        let result = (|| -> Result<(), Error> {
            for ep in &def.entry_points {
                let n = ep.argument_bytes.len();
                let bindings: Vec<vk::DescriptorSetLayoutBinding> = (0..=n as u32)
                    .map(|i| {
                        vk::DescriptorSetLayoutBinding::default()
                            .binding(i)
                            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                            .descriptor_count(1)
                            .stage_flags(vk::ShaderStageFlags::COMPUTE)
                    })
                    .collect();
                let set_layout = unsafe {
                    self.device.create_descriptor_set_layout(
                        &vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings),
                        None,
                    )
                }
                .map_err(|r| vk_err("vkCreateDescriptorSetLayout", r))?;
                let set_layouts = [set_layout];
                let ranges = [vk::PushConstantRange {
                    stage_flags: vk::ShaderStageFlags::COMPUTE,
                    offset: 0,
                    size: (push_words * 4) as u32,
                }];
                let layout = unsafe {
                    self.device.create_pipeline_layout(
                        &vk::PipelineLayoutCreateInfo::default()
                            .set_layouts(&set_layouts)
                            .push_constant_ranges(&ranges),
                        None,
                    )
                };
                let layout = match layout {
                    Ok(l) => l,
                    Err(r) => {
                        unsafe { self.device.destroy_descriptor_set_layout(set_layout, None) };
                        return Err(vk_err("vkCreatePipelineLayout", r));
                    }
                };
                let name = CString::new(ep.symbol.clone()).map_err(|_| {
                    Error::BadModule(format!("bad entry point name '{}'", ep.symbol))
                })?;
                let stage = vk::PipelineShaderStageCreateInfo::default()
                    .stage(vk::ShaderStageFlags::COMPUTE)
                    .module(module)
                    .name(&name);
                let info = [vk::ComputePipelineCreateInfo::default()
                    .stage(stage)
                    .layout(layout)];
                let pipeline = match unsafe {
                    self.device
                        .create_compute_pipelines(self.cache, &info, None)
                } {
                    Ok(p) => p[0],
                    Err((_, r)) => {
                        unsafe {
                            self.device.destroy_pipeline_layout(layout, None);
                            self.device.destroy_descriptor_set_layout(set_layout, None);
                        }
                        return Err(vk_err(
                            &format!("vkCreateComputePipelines (kernel '{}')", ep.symbol),
                            r,
                        ));
                    }
                };
                exe.entries.push(Entry {
                    name: ep.symbol.clone(),
                    arguments: n,
                    push_words,
                    set_layout,
                    layout,
                    pipeline,
                });
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.destroy_executable(exe);
            return Err(e);
        }
        let mut st = self.lock();
        let h = st.next;
        st.next += 1;
        st.executables.insert(h, exe);
        Ok(ExecutableHandle(h))
    }

    fn dispatch(
        &self,
        executable: ExecutableHandle,
        entry: usize,
        bindings: &[BufferSlice],
        workgroups: [u32; 3],
    ) -> Result<(), Error> {
        let limit = self.limits.max_compute_work_group_count;
        if workgroups.iter().zip(limit).any(|(&w, l)| w > l) {
            return Err(Error::Device(format!(
                "a grid of {workgroups:?} workgroups exceeds the device's {limit:?}"
            )));
        }
        let mut st = self.lock();
        let exe = st
            .executables
            .get(&executable.0)
            .ok_or_else(|| Error::Device(format!("no executable {}", executable.0)))?;
        let e = exe.entries.get(entry).ok_or_else(|| {
            Error::Device(format!(
                "no entry point {entry} in executable {}",
                executable.0
            ))
        })?;
        if bindings.len() != e.arguments {
            return Err(Error::Device(format!(
                "kernel '{}' takes {} buffers, {} bound",
                e.name,
                e.arguments,
                bindings.len()
            )));
        }
        let (pipeline, layout, set_layout, name) =
            (e.pipeline, e.layout, e.set_layout, e.name.clone());
        let mut push = vec![0u32; e.push_words];
        let align = self.limits.min_storage_buffer_offset_alignment.max(4);
        let mut infos = Vec::with_capacity(bindings.len() + 1);
        let mut ranges = Vec::with_capacity(bindings.len());
        for (i, s) in bindings.iter().enumerate() {
            let b = Self::buffer(&st, s.buffer)?;
            Self::check_range(b, s.buffer, s.offset as u64, s.bytes as u64)?;
            let offset = s.offset as u64;
            // An empty binding may sit at the very end, where no range starts: bind the
            // start instead (the kernel never reads it).
            let offset = if s.bytes == 0 { 0 } else { offset };
            let base = offset - offset % align;
            let range = (offset - base + s.bytes as u64).max(4).min(b.size - base);
            push[push_constants::offset_word(i)] = (offset - base) as u32;
            infos.push(vk::DescriptorBufferInfo {
                buffer: b.buffer,
                offset: base,
                range,
            });
            ranges.push((b.buffer, offset, offset + s.bytes as u64));
        }
        infos.push(vk::DescriptorBufferInfo {
            buffer: self.status.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        });
        push[push_constants::DISPATCH_NUMBER] = st.dispatched.len() as u32;
        let set = self.descriptor_set(&mut st, set_layout)?;
        let writes: Vec<vk::WriteDescriptorSet> = infos
            .iter()
            .enumerate()
            .map(|(i, info)| {
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(i as u32)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                    .buffer_info(std::slice::from_ref(info))
            })
            .collect();
        unsafe { self.device.update_descriptor_sets(&writes, &[]) };
        self.begin(&mut st)?;
        self.touch(&mut st, &ranges);
        let bytes: Vec<u8> = push.iter().flat_map(|w| w.to_le_bytes()).collect();
        let cb = self.command_buffer;
        unsafe {
            self.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            self.device.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                layout,
                0,
                &[set],
                &[],
            );
            self.device
                .cmd_push_constants(cb, layout, vk::ShaderStageFlags::COMPUTE, 0, &bytes);
            self.device
                .cmd_dispatch(cb, workgroups[0], workgroups[1], workgroups[2]);
        }
        st.dispatched.push(name);
        Ok(())
    }

    fn synchronize(&self) -> Result<(), Error> {
        let mut st = self.lock();
        self.flush(&mut st)
    }
}

impl VulkanDevice {
    fn destroy_executable(&self, exe: Executable) {
        unsafe {
            for e in exe.entries {
                self.device.destroy_pipeline(e.pipeline, None);
                self.device.destroy_pipeline_layout(e.layout, None);
                self.device
                    .destroy_descriptor_set_layout(e.set_layout, None);
            }
            self.device.destroy_shader_module(exe.module, None);
        }
    }
}

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
