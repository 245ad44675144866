//! Device memory: one `VkBuffer` per allocation, mapped when host-visible, else moved
//! through a staging buffer.

use super::*;

#[derive(Clone, Copy)]
pub(super) struct Buffer {
    pub(super) buffer: vk::Buffer,
    pub(super) memory: vk::DeviceMemory,
    pub(super) size: u64,
    /// The host address of the memory when it stays mapped.
    pub(super) mapped: Option<usize>,
}

impl Buffer {
    /// No buffer.
    pub(super) const NULL: Buffer = Buffer {
        buffer: vk::Buffer::null(),
        memory: vk::DeviceMemory::null(),
        size: 0,
        mapped: None,
    };
}

/// The first memory type among `bits` with the properties `want`.
pub(super) fn memory_type(
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
pub(super) fn create_buffer(
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

impl VulkanDevice {
    /// A buffer of `size` bytes (see [`create_buffer`]).
    pub(super) fn make_buffer(&self, size: u64, host: bool) -> Result<Buffer, Error> {
        create_buffer(&self.device, &self.memory, size, host)
    }

    pub(super) fn destroy_buffer(&self, b: &Buffer) {
        unsafe {
            if b.mapped.is_some() {
                self.device.unmap_memory(b.memory);
            }
            self.device.destroy_buffer(b.buffer, None);
            self.device.free_memory(b.memory, None);
        }
    }

    pub(super) fn buffer(st: &Shared, h: BufferHandle) -> Result<&Arc<Buffer>, Error> {
        st.buffers
            .get(&h.0)
            .ok_or_else(|| Error::Device(format!("no buffer {}", h.0)))
    }

    pub(super) fn check_range(
        b: &Buffer,
        h: BufferHandle,
        offset: u64,
        len: u64,
    ) -> Result<(), Error> {
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

    /// `r`'s staging buffer, grown to at least `size` bytes.
    pub(super) fn staging(
        &self,
        r: &mut Recorder,
        size: u64,
    ) -> Result<(vk::Buffer, usize), Error> {
        if r.staging.as_ref().is_none_or(|s| s.size < size) {
            if let Some(old) = r.staging.take() {
                self.destroy_buffer(&old);
            }
            r.staging = Some(self.make_buffer(size.next_power_of_two(), true)?);
        }
        let s = r
            .staging
            .as_ref()
            .ok_or_else(|| Error::Device("no staging buffer".into()))?;
        let p = s
            .mapped
            .ok_or_else(|| Error::Device("the staging buffer is not host-visible".into()))?;
        Ok((s.buffer, p))
    }

    /// Copies `bytes` from `(buffer, offset)` to another and waits for it (the staged
    /// uploads and downloads; nothing else of `r` is pending then).
    pub(super) fn transfer_now(
        &self,
        r: &mut Recorder,
        (src, src_offset): (vk::Buffer, u64),
        (dst, dst_offset): (vk::Buffer, u64),
        bytes: u64,
    ) -> Result<(), Error> {
        self.begin(r)?;
        let region = [vk::BufferCopy {
            src_offset,
            dst_offset,
            size: bytes,
        }];
        unsafe {
            self.device
                .cmd_copy_buffer(r.command_buffer, src, dst, &region)
        };
        self.flush(r)
    }

    pub(super) fn create_device_buffer(&self, bytes: usize) -> Result<BufferHandle, Error> {
        let b = self.make_buffer(bytes as u64, false)?;
        match b.mapped {
            // SAFETY: freshly mapped memory of b.size bytes that nothing else uses yet.
            Some(p) => unsafe { std::ptr::write_bytes(p as *mut u8, 0, b.size as usize) },
            None => {
                // Zeroed before anyone can see it, so that no stream need wait for it.
                let zeroed = self.with_own(|r| {
                    self.flush(r)?;
                    self.begin(r)?;
                    unsafe {
                        self.device.cmd_fill_buffer(
                            r.command_buffer,
                            b.buffer,
                            0,
                            vk::WHOLE_SIZE,
                            0,
                        )
                    };
                    self.flush(r)
                });
                if let Err(e) = zeroed {
                    self.destroy_buffer(&b);
                    return Err(e);
                }
            }
        }
        let mut st = self.lock();
        let h = st.next;
        st.next += 1;
        st.buffers.insert(h, Arc::new(b));
        Ok(BufferHandle(h))
    }

    pub(super) fn release_buffer(&self, buffer: BufferHandle) {
        let mut st = self.lock();
        if let Some(b) = st.buffers.remove(&buffer.0) {
            let pending = st.recording.clone();
            st.garbage.push((b, pending));
            self.sweep(&mut st);
        }
    }

    /// The buffer of `h` with `offset..offset + len` checked inside it, kept alive by the
    /// returned `Arc` while the caller reads or writes it.
    fn checked(&self, h: BufferHandle, offset: usize, len: usize) -> Result<Arc<Buffer>, Error> {
        let st = self.lock();
        let b = Self::buffer(&st, h)?;
        Self::check_range(b, h, offset as u64, len as u64)?;
        Ok(b.clone())
    }

    /// Lets go of a buffer [`Self::checked`] returned, destroying it if it was freed
    /// meanwhile and nothing else uses it.
    fn unhold(&self, b: Arc<Buffer>) {
        drop(b);
        let mut st = self.lock();
        if !st.garbage.is_empty() {
            self.sweep(&mut st);
        }
    }

    pub(super) fn write_buffer(
        &self,
        r: &mut Recorder,
        buffer: BufferHandle,
        offset: usize,
        data: &[u8],
    ) -> Result<(), Error> {
        // Earlier work first: it may use this buffer.
        self.flush(r)?;
        let b = self.checked(buffer, offset, data.len())?;
        let result = (|| {
            if data.is_empty() {
                return Ok(());
            }
            if let Some(p) = b.mapped {
                // SAFETY: the range was checked against the mapped buffer, which `b`
                // keeps alive; this stream has no work pending.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        data.as_ptr(),
                        (p as *mut u8).add(offset),
                        data.len(),
                    )
                };
                return Ok(());
            }
            let (staging, p) = self.staging(r, data.len() as u64)?;
            // SAFETY: the staging buffer holds at least data.len() mapped bytes.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p as *mut u8, data.len()) };
            self.transfer_now(
                r,
                (staging, 0),
                (b.buffer, offset as u64),
                data.len() as u64,
            )
        })();
        self.unhold(b);
        result
    }

    pub(super) fn read_buffer(
        &self,
        r: &mut Recorder,
        buffer: BufferHandle,
        offset: usize,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.flush(r)?;
        let b = self.checked(buffer, offset, out.len())?;
        let result = (|| {
            if out.is_empty() {
                return Ok(());
            }
            if let Some(p) = b.mapped {
                // SAFETY: as in write_buffer.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        (p as *const u8).add(offset),
                        out.as_mut_ptr(),
                        out.len(),
                    )
                };
                return Ok(());
            }
            let (staging, p) = self.staging(r, out.len() as u64)?;
            self.transfer_now(r, (b.buffer, offset as u64), (staging, 0), out.len() as u64)?;
            // SAFETY: the transfer finished and the staging buffer holds out.len() bytes.
            unsafe { std::ptr::copy_nonoverlapping(p as *const u8, out.as_mut_ptr(), out.len()) };
            Ok(())
        })();
        self.unhold(b);
        result
    }

    pub(super) fn record_copy(
        &self,
        r: &mut Recorder,
        src: BufferSlice,
        dst: BufferSlice,
    ) -> Result<(), Error> {
        if src.bytes != dst.bytes {
            return Err(Error::Device(format!(
                "a copy of {} bytes into {} bytes",
                src.bytes, dst.bytes
            )));
        }
        let st = self.recording(r)?;
        let s = Self::buffer(&st, src.buffer)?;
        Self::check_range(s, src.buffer, src.offset as u64, src.bytes as u64)?;
        let d = Self::buffer(&st, dst.buffer)?;
        Self::check_range(d, dst.buffer, dst.offset as u64, dst.bytes as u64)?;
        let (sb, db) = (s.buffer, d.buffer);
        drop(st);
        if src.bytes == 0 {
            return Ok(());
        }
        let (so, doff, n) = (src.offset as u64, dst.offset as u64, src.bytes as u64);
        self.touch(r, &[(sb, so, so + n), (db, doff, doff + n)]);
        let region = [vk::BufferCopy {
            src_offset: so,
            dst_offset: doff,
            size: n,
        }];
        unsafe {
            self.device
                .cmd_copy_buffer(r.command_buffer, sb, db, &region)
        };
        Ok(())
    }
}
