//! Loading Vulkan, choosing a physical device, the optional features it has, and
//! creating the logical device.

use super::*;

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

pub(super) fn kind_name(t: vk::PhysicalDeviceType) -> &'static str {
    match t {
        vk::PhysicalDeviceType::DISCRETE_GPU => "discrete GPU",
        vk::PhysicalDeviceType::INTEGRATED_GPU => "integrated GPU",
        vk::PhysicalDeviceType::VIRTUAL_GPU => "virtual GPU",
        vk::PhysicalDeviceType::CPU => "CPU",
        _ => "other",
    }
}

pub(super) fn preference(t: vk::PhysicalDeviceType) -> u32 {
    match t {
        vk::PhysicalDeviceType::DISCRETE_GPU => 0,
        vk::PhysicalDeviceType::INTEGRATED_GPU => 1,
        vk::PhysicalDeviceType::VIRTUAL_GPU => 2,
        vk::PhysicalDeviceType::CPU => 3,
        _ => 4,
    }
}

pub(super) fn version(v: u32) -> String {
    format!(
        "{}.{}.{}",
        vk::api_version_major(v),
        vk::api_version_minor(v),
        vk::api_version_patch(v)
    )
}

/// The loader and an instance.
pub(super) struct Instance {
    pub(super) _entry: ash::Entry,
    pub(super) instance: ash::Instance,
}

impl Instance {
    /// Opens device `index` of [`devices`], or the preferred one.
    pub(super) fn new() -> Result<Instance, Error> {
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
    pub(super) fn physical(
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
pub(super) struct Features {
    pub(super) int64: bool,
    pub(super) float64: bool,
    pub(super) storage8: bool,
    pub(super) storage16: bool,
    /// Whether 8-bit storage needs `VK_KHR_8bit_storage` (Vulkan 1.1 devices).
    pub(super) storage8_extension: bool,
}

impl Features {
    pub(super) fn query(
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

    pub(super) fn names(&self) -> Vec<String> {
        strata_abi::target::GpuFeatures {
            int64: self.int64,
            float64: self.float64,
            storage8: self.storage8,
            storage16: self.storage16,
        }
        .names()
    }
}

pub(super) fn device_name(props: &vk::PhysicalDeviceProperties) -> String {
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

impl VulkanDevice {
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
            family,
            queue: Mutex::new(queue),
            cache,
            memory,
            limits: props.limits,
            features,
            loop_limit: device_name(&props)
                .contains("llvmpipe")
                .then_some(super::LLVMPIPE_LOOP_LIMIT),
            description,
            state: Mutex::new(Shared::new()),
            // Made below, once `dev` exists to clean up after a failure.
            own: Mutex::new(None),
            idle: Mutex::new(Vec::new()),
            recorders: AtomicU64::new(0),
        };
        let own = dev.new_recorder()?;
        *dev.own.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(own);
        Ok(dev)
    }
}
