//! Recording work: dispatches and copies into a recorder's command buffer with barriers
//! between dependent commands, submission, and the status buffer kernels report to.

use super::*;

impl VulkanDevice {
    pub(super) fn write_status(r: &Recorder, v: u32) {
        if let Some(p) = r.status.mapped {
            // SAFETY: the status buffer is 4 mapped, coherent bytes, and no work is pending.
            unsafe { std::ptr::write_volatile(p as *mut u32, v) };
        }
    }

    pub(super) fn read_status(r: &Recorder) -> u32 {
        match r.status.mapped {
            // SAFETY: as in write_status; the fence wait made device writes available.
            Some(p) => unsafe { std::ptr::read_volatile(p as *const u32) },
            None => 0,
        }
    }

    pub(super) fn begin(&self, r: &mut Recorder) -> Result<(), Error> {
        if !r.recording {
            unsafe {
                self.device.begin_command_buffer(
                    r.command_buffer,
                    &vk::CommandBufferBeginInfo::default()
                        .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
            }
            .map_err(|e| vk_err("vkBeginCommandBuffer", e))?;
            r.recording = true;
        }
        Ok(())
    }

    /// Begins recording (if not yet) and locks what is shared, with `r` marked as having
    /// work pending: a buffer looked up now stays alive until `r` has finished, even if
    /// another caller frees it meanwhile.
    pub(super) fn recording<'a>(
        &'a self,
        r: &mut Recorder,
    ) -> Result<std::sync::MutexGuard<'a, Shared>, Error> {
        self.begin(r)?;
        let mut st = self.lock();
        if !st.recording.contains(&r.id) {
            st.recording.push(r.id);
        }
        Ok(st)
    }

    pub(super) fn barrier(
        &self,
        r: &Recorder,
        src: vk::AccessFlags,
        dst: vk::AccessFlags,
        dst_stage: vk::PipelineStageFlags,
    ) {
        let b = [vk::MemoryBarrier::default()
            .src_access_mask(src)
            .dst_access_mask(dst)];
        unsafe {
            self.device.cmd_pipeline_barrier(
                r.command_buffer,
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
    pub(super) fn touch(&self, r: &mut Recorder, ranges: &[(vk::Buffer, u64, u64)]) {
        let overlaps = ranges.iter().any(|&(b, s, e)| {
            r.touched
                .iter()
                .any(|&(b2, s2, e2)| b == b2 && s < e2 && s2 < e)
        });
        if overlaps {
            let all = vk::AccessFlags::SHADER_READ
                | vk::AccessFlags::SHADER_WRITE
                | vk::AccessFlags::TRANSFER_READ
                | vk::AccessFlags::TRANSFER_WRITE;
            self.barrier(
                r,
                vk::AccessFlags::SHADER_WRITE | vk::AccessFlags::TRANSFER_WRITE,
                all,
                vk::PipelineStageFlags::COMPUTE_SHADER | vk::PipelineStageFlags::TRANSFER,
            );
            r.touched.clear();
        }
        r.touched.extend_from_slice(ranges);
    }

    /// Drops `id` from what is pending and destroys the freed buffers nothing uses now.
    pub(super) fn forget_recorder(&self, id: u64) {
        let mut st = self.lock();
        st.recording.retain(|&x| x != id);
        for (_, pending) in &mut st.garbage {
            pending.retain(|&x| x != id);
        }
        self.sweep(&mut st);
    }

    pub(super) fn sweep(&self, st: &mut Shared) {
        let (done, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut st.garbage)
            .into_iter()
            .partition(|(b, pending)| pending.is_empty() && Arc::strong_count(b) == 1);
        st.garbage = kept;
        for (b, _) in done {
            self.destroy_buffer(&b);
        }
    }

    /// Submits what `r` recorded and waits for it.
    pub(super) fn flush(&self, r: &mut Recorder) -> Result<(), Error> {
        if !r.recording {
            return Ok(());
        }
        // Make every write visible to the host before the fence signals.
        self.barrier(
            r,
            vk::AccessFlags::SHADER_WRITE | vk::AccessFlags::TRANSFER_WRITE,
            vk::AccessFlags::HOST_READ,
            vk::PipelineStageFlags::HOST,
        );
        r.recording = false;
        r.touched.clear();
        let ended = unsafe { self.device.end_command_buffer(r.command_buffer) }
            .map_err(|e| vk_err("vkEndCommandBuffer", e));
        let done = ended.and_then(|_| {
            let buffers = [r.command_buffer];
            let submit = [vk::SubmitInfo::default().command_buffers(&buffers)];
            {
                let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                unsafe { self.device.queue_submit(*queue, &submit, r.fence) }
                    .map_err(|e| vk_err("vkQueueSubmit", e))?;
            }
            unsafe { self.device.wait_for_fences(&[r.fence], true, u64::MAX) }
                .map_err(|e| vk_err("vkWaitForFences", e))?;
            unsafe { self.device.reset_fences(&[r.fence]) }.map_err(|e| vk_err("vkResetFences", e))
        });
        if done.is_err() {
            // The work may still be running: nothing it uses may go before it has.
            unsafe {
                let _ = self.device.device_wait_idle();
            }
        }
        for p in &r.pools {
            unsafe {
                let _ = self
                    .device
                    .reset_descriptor_pool(*p, vk::DescriptorPoolResetFlags::empty());
            }
        }
        r.pool = 0;
        self.forget_recorder(r.id);
        let dispatched = std::mem::take(&mut r.dispatched);
        done?;
        let status = Self::read_status(r);
        if status != 0 {
            Self::write_status(r, 0);
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
        r: &mut Recorder,
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
        let st = self.recording(r)?;
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
        drop(st);
        infos.push(vk::DescriptorBufferInfo {
            buffer: r.status.buffer,
            offset: 0,
            range: vk::WHOLE_SIZE,
        });
        push[push_constants::DISPATCH_NUMBER] = r.dispatched.len() as u32;
        let set = self.descriptor_set(r, set_layout)?;
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
        self.touch(r, &ranges);
        let bytes: Vec<u8> = push.iter().flat_map(|w| w.to_le_bytes()).collect();
        let cb = r.command_buffer;
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
        r.dispatched.push(name);
        Ok(())
    }
}
