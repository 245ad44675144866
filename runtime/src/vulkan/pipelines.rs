//! Executables: a shader module with a compute pipeline per entry point, checked against
//! the target description first; descriptor sets for dispatches.

use super::*;

pub(super) struct Entry {
    pub(super) name: String,
    pub(super) arguments: usize,
    /// Words of its push-constant block.
    pub(super) push_words: usize,
    pub(super) set_layout: vk::DescriptorSetLayout,
    pub(super) layout: vk::PipelineLayout,
    pub(super) pipeline: vk::Pipeline,
}

pub(super) struct Executable {
    pub(super) module: vk::ShaderModule,
    pub(super) entries: Vec<Entry>,
}

impl VulkanDevice {
    pub(super) fn descriptor_set(
        &self,
        st: &mut Recorder,
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

    pub(super) fn destroy_executable(&self, exe: Executable) {
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

    pub(super) fn create_executable(
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
            if let (Some(limit), Some(runs)) = (self.loop_limit, ep.loop_iterations) {
                if runs > limit {
                    return Err(Error::Device(format!(
                        "kernel '{}' runs {runs} loop iterations per invocation; {} ends a shader's loops after {limit} in all (llvmpipe's guard), so it would return a wrong result",
                        ep.symbol, self.description
                    )));
                }
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
}
