//! Register and storage types, and the module-wide state kernels share: the builder, type
//! and constant caches, the capabilities used.

use crate::Features;
use rspirv::dr::{Builder, Operand};
use rspirv::spirv::{AddressingModel, Capability, Decoration, MemoryModel, StorageClass, Word};
use std::collections::HashMap;
use strata_abi::GpuTarget;
use strata_ir::ElementType;

/// A register type: what values compute in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Reg {
    F32,
    F64,
    I32,
    I64,
    Bool,
}

/// The register type an element lives in within workgroup memory (booleans as 0/1).
pub(crate) fn workgroup_reg(e: ElementType) -> Reg {
    match reg_of(e) {
        Reg::Bool => Reg::I32,
        r => r,
    }
}

pub(crate) fn reg_of(e: ElementType) -> Reg {
    match e {
        ElementType::F32 | ElementType::F16 | ElementType::BF16 => Reg::F32,
        ElementType::F64 => Reg::F64,
        ElementType::I8
        | ElementType::I16
        | ElementType::I32
        | ElementType::U8
        | ElementType::U16
        | ElementType::U32
        | strata_abi::storage_types!() => Reg::I32,
        ElementType::I64 | ElementType::U64 => Reg::I64,
        ElementType::Bool => Reg::Bool,
    }
}

/// A storage type: what buffers hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Store {
    F32,
    F64,
    F16,
    U16,
    U8,
    I32,
    I64,
}

pub(crate) fn store_of(e: ElementType) -> Store {
    match e {
        ElementType::F32 => Store::F32,
        ElementType::F64 => Store::F64,
        ElementType::F16 => Store::F16,
        ElementType::BF16 | ElementType::I16 | ElementType::U16 => Store::U16,
        ElementType::I8 | ElementType::U8 | ElementType::Bool | strata_abi::storage_types!() => {
            Store::U8
        }
        ElementType::I32 | ElementType::U32 => Store::I32,
        ElementType::I64 | ElementType::U64 => Store::I64,
    }
}

/// A value: one id per lane.
#[derive(Clone, Debug)]
pub(crate) struct Val {
    pub(crate) reg: Reg,
    pub(crate) lanes: Vec<Word>,
}

/// Module-wide state: the builder and what kernels share (types, constants, variables).
pub(crate) struct Gen {
    pub(crate) b: Builder,
    /// The device the shaders are for.
    pub(crate) gpu: GpuTarget,
    pub(crate) glsl: Word,
    pub(crate) features: Features,
    pub(crate) consts: HashMap<(Word, u64), Word>,
    pub(crate) bools: [Option<Word>; 2],
    pub(crate) storage: HashMap<Store, (Word, Word)>,
    pub(crate) buffers: HashMap<(usize, Store), Word>,
    pub(crate) push: Option<Word>,
    pub(crate) builtins: Option<(Word, Word)>,
}

impl Gen {
    pub(crate) fn new(gpu: GpuTarget) -> Gen {
        let mut b = Builder::new();
        b.set_version(1, 3);
        b.capability(Capability::Shader);
        let glsl = b.ext_inst_import("GLSL.std.450");
        b.memory_model(AddressingModel::Logical, MemoryModel::GLSL450);
        Gen {
            b,
            gpu,
            glsl,
            features: Features::default(),
            consts: HashMap::new(),
            bools: [None, None],
            storage: HashMap::new(),
            buffers: HashMap::new(),
            push: None,
            builtins: None,
        }
    }

    pub(crate) fn ty(&mut self, r: Reg) -> Word {
        match r {
            Reg::F32 => self.b.type_float(32, None),
            Reg::F64 => {
                self.features.float64 = true;
                self.b.type_float(64, None)
            }
            Reg::I32 => self.b.type_int(32, 1),
            Reg::I64 => {
                self.features.int64 = true;
                self.b.type_int(64, 1)
            }
            Reg::Bool => self.b.type_bool(),
        }
    }

    pub(crate) fn u32t(&mut self) -> Word {
        self.b.type_int(32, 0)
    }

    pub(crate) fn store_ty(&mut self, s: Store) -> Word {
        match s {
            Store::F32 => self.ty(Reg::F32),
            Store::F64 => self.ty(Reg::F64),
            Store::I32 => self.ty(Reg::I32),
            Store::I64 => self.ty(Reg::I64),
            Store::F16 => {
                self.features.storage16 = true;
                self.b.type_float(16, None)
            }
            Store::U16 => {
                self.features.storage16 = true;
                self.b.type_int(16, 0)
            }
            Store::U8 => {
                self.features.storage8 = true;
                self.b.type_int(8, 0)
            }
        }
    }

    pub(crate) fn store_bytes(s: Store) -> u32 {
        match s {
            Store::F64 | Store::I64 => 8,
            Store::F32 | Store::I32 => 4,
            Store::F16 | Store::U16 => 2,
            Store::U8 => 1,
        }
    }

    /// (pointer to the buffer block, pointer to one element) for storage type `s`.
    pub(crate) fn storage_types(&mut self, s: Store) -> (Word, Word) {
        if let Some(&t) = self.storage.get(&s) {
            return t;
        }
        let elem = self.store_ty(s);
        let array = self.b.type_runtime_array(elem);
        self.b.decorate(
            array,
            Decoration::ArrayStride,
            [Operand::LiteralBit32(Gen::store_bytes(s))],
        );
        let block = self.b.type_struct([array]);
        self.b.decorate(block, Decoration::Block, []);
        self.b
            .member_decorate(block, 0, Decoration::Offset, [Operand::LiteralBit32(0)]);
        let block_ptr = self
            .b
            .type_pointer(None, StorageClass::StorageBuffer, block);
        let elem_ptr = self.b.type_pointer(None, StorageClass::StorageBuffer, elem);
        self.storage.insert(s, (block_ptr, elem_ptr));
        (block_ptr, elem_ptr)
    }

    pub(crate) fn constant(&mut self, ty: Word, bits: u64, wide: bool) -> Word {
        if let Some(&c) = self.consts.get(&(ty, bits)) {
            return c;
        }
        let c = if wide {
            self.b.constant_bit64(ty, bits)
        } else {
            self.b.constant_bit32(ty, bits as u32)
        };
        self.consts.insert((ty, bits), c);
        c
    }

    /// An integer constant of register type `r` (`Bool`: `v != 0`).
    pub(crate) fn int(&mut self, r: Reg, v: i64) -> Word {
        match r {
            Reg::Bool => self.boolean(v != 0),
            Reg::F32 | Reg::F64 => self.float(r, v as f64),
            Reg::I32 => {
                let t = self.ty(r);
                self.constant(t, v as i32 as u32 as u64, false)
            }
            Reg::I64 => {
                let t = self.ty(r);
                self.constant(t, v as u64, true)
            }
        }
    }

    pub(crate) fn uint(&mut self, v: u32) -> Word {
        let t = self.u32t();
        self.constant(t, v as u64, false)
    }

    /// A float constant of register type `r`.
    pub(crate) fn float(&mut self, r: Reg, v: f64) -> Word {
        match r {
            Reg::F64 => {
                let t = self.ty(r);
                self.constant(t, v.to_bits(), true)
            }
            Reg::F32 => {
                let t = self.ty(r);
                self.constant(t, (v as f32).to_bits() as u64, false)
            }
            other => self.int(other, v as i64),
        }
    }

    pub(crate) fn boolean(&mut self, v: bool) -> Word {
        if let Some(c) = self.bools[v as usize] {
            return c;
        }
        let t = self.b.type_bool();
        let c = if v {
            self.b.constant_true(t)
        } else {
            self.b.constant_false(t)
        };
        self.bools[v as usize] = Some(c);
        c
    }
}
