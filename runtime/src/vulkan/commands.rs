//! Recording work: dispatches and copies into one command buffer with barriers between
//! dependent commands, submission, and the status buffer kernels report to.

use super::*;

impl VulkanDevice {
    pub(super) fn write_status(&self, v: u32) {
        if let Some(p) = self.status.mapped {
            // SAFETY: the status buffer is 4 mapped, coherent bytes, and no work is pending.
            unsafe { std::ptr::write_volatile(p as *mut u32, v) };
        }
    }

    pub(super) fn read_status(&self) -> u32 {
        match self.status.mapped {
            // SAFETY: as in write_status; the fence wait made device writes available.
            Some(p) => unsafe { std::ptr::read_volatile(p as *const u32) },
            None => 0,
        }
    }

    pub(super) fn begin(&self, st: &mut State) -> Result<(), Error> {
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

    pub(super) fn barrier(
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
    pub(super) fn touch(&self, st: &mut State, ranges: &[(vk::Buffer, u64, u64)]) {
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
    pub(super) fn flush(&self, st: &mut State) -> Result<(), Error> {
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

    pub(super) fn record_dispatch(
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
        // A binding past the device's storage-buffer range is invalid usage that drivers
        // need not catch (lavapipe computes wrong results silently): refuse it.
        let range = self.limits.max_storage_buffer_range as usize;
        if let Some(b) = bindings.iter().find(|b| b.bytes > range) {
            return Err(Error::Device(format!(
                "a kernel binds a buffer range of {} bytes, past this device's maxStorageBufferRange of {range} bytes",
                b.bytes
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

    pub(super) fn submit_and_wait(&self) -> Result<(), Error> {
        let mut st = self.lock();
        self.flush(&mut st)
    }
}
