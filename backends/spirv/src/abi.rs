//! The shader side of the interface with the runtime's Vulkan device: storage buffers at
//! set 0 (binding = argument, then the status buffer), the push-constant block of the
//! target's size laid out as `strata_abi::kernel::push_constants` says, and the
//! workgroup and invocation ids.

use crate::kernel::*;
use crate::types::*;
use rspirv::dr::Operand;
use rspirv::spirv::{BuiltIn, Decoration, Op, StorageClass, Word};

impl Gen {
    /// The variable of binding `binding` seen as an array of `s` (shared by entry points).
    pub(crate) fn buffer(&mut self, binding: usize, s: Store) -> Word {
        if let Some(&v) = self.buffers.get(&(binding, s)) {
            return v;
        }
        let (block_ptr, _) = self.storage_types(s);
        let v = self
            .b
            .variable(block_ptr, None, StorageClass::StorageBuffer, None);
        self.b
            .decorate(v, Decoration::DescriptorSet, [Operand::LiteralBit32(0)]);
        self.b.decorate(
            v,
            Decoration::Binding,
            [Operand::LiteralBit32(binding as u32)],
        );
        self.buffers.insert((binding, s), v);
        v
    }

    pub(crate) fn push_constants(&mut self) -> Word {
        if let Some(v) = self.push {
            return v;
        }
        let u32t = self.u32t();
        let n = self.int(Reg::I32, self.gpu.push_constant_words as i64);
        let array = self.b.type_array(u32t, n);
        self.b
            .decorate(array, Decoration::ArrayStride, [Operand::LiteralBit32(4)]);
        let block = self.b.type_struct([array]);
        self.b.decorate(block, Decoration::Block, []);
        self.b
            .member_decorate(block, 0, Decoration::Offset, [Operand::LiteralBit32(0)]);
        let ptr = self.b.type_pointer(None, StorageClass::PushConstant, block);
        let v = self.b.variable(ptr, None, StorageClass::PushConstant, None);
        self.push = Some(v);
        v
    }

    /// The `WorkgroupId` and `LocalInvocationId` input variables.
    pub(crate) fn builtins(&mut self) -> (Word, Word) {
        if let Some(v) = self.builtins {
            return v;
        }
        let u32t = self.u32t();
        let v3 = self.b.type_vector(u32t, 3);
        let ptr = self.b.type_pointer(None, StorageClass::Input, v3);
        let mut make = |b: BuiltIn| {
            let v = self.b.variable(ptr, None, StorageClass::Input, None);
            self.b
                .decorate(v, Decoration::BuiltIn, [Operand::BuiltIn(b)]);
            v
        };
        let pair = (make(BuiltIn::WorkgroupId), make(BuiltIn::LocalInvocationId));
        self.builtins = Some(pair);
        pair
    }
}

impl KernelGen<'_, '_> {
    /// Push-constant word `k` as an i32.
    pub(crate) fn push_word(&mut self, k: u32) -> Result<Word, crate::ShaderError> {
        let var = self.g.push_constants();
        let u32t = self.g.u32t();
        let i32t = self.g.ty(Reg::I32);
        let ptr = self
            .g
            .b
            .type_pointer(None, StorageClass::PushConstant, u32t);
        let zero = self.g.int(Reg::I32, 0);
        let index = self.g.int(Reg::I32, k as i64);
        let p = self.emit(Op::AccessChain, ptr, &[var, zero, index])?;
        let v = self.emit(Op::Load, u32t, &[p])?;
        self.emit(Op::Bitcast, i32t, &[v])
    }
}
