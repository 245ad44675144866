//! The loop-level interpreter: runs a `loop.kernel` on byte buffers, as a back end's code
//! would, so that bufferization and memory planning are tested on real memory.
//!
//! A kernel is compiled once into a tree of steps over numbered registers (vectors take
//! one register per lane), then run; every access is bounds-checked and reported as an
//! error naming the op, never a panic or a silent wrap.

use super::{access_buffer, apply_map, ForLoop};
use crate::kernel::{Scalar, ScalarFn};
use crate::module::{BlockId, Module, OpId, ValueId};
use crate::ops;
use crate::types::{ElementType, TensorType, Type};
use crate::verify::op_location;
use smallvec::SmallVec;
use std::collections::HashMap;

/// Where a kernel argument lives: a memory (by index) and a byte offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    pub memory: usize,
    pub offset: usize,
}

/// Reads one element of type `elem` from little-endian bytes.
pub fn read_scalar(elem: ElementType, b: &[u8]) -> Scalar {
    use ElementType as E;
    let f = |v: f64| Scalar::F(v, elem);
    let i = |v: i64| Scalar::I(v, elem);
    match elem {
        E::F32 => f(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64),
        E::F64 => f(f64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]))),
        E::F16 => f(half::f16::from_le_bytes([b[0], b[1]]).to_f64()),
        E::BF16 => f(half::bf16::from_le_bytes([b[0], b[1]]).to_f64()),
        E::I8 => i(b[0] as i8 as i64),
        E::U8 => i(b[0] as i64),
        E::U16 => i(u16::from_le_bytes([b[0], b[1]]) as i64),
        E::U32 => i(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
        E::I16 => i(i16::from_le_bytes([b[0], b[1]]) as i64),
        E::I32 => i(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
        E::I64 | E::U64 => i(i64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]))),
        E::Bool => Scalar::B(b[0] != 0),
        // Storage types compute as their raw byte (see `Scalar`).
        _ => i(b[0] as i64),
    }
}

/// Writes one element as little-endian bytes (the value already has the element type).
pub fn write_scalar(elem: ElementType, s: Scalar, b: &mut [u8]) {
    use ElementType as E;
    let (fv, iv) = match s {
        Scalar::F(v, _) => (v, v as i64),
        Scalar::I(v, _) => (v as f64, v),
        Scalar::B(x) => (x as u8 as f64, x as i64),
    };
    match elem {
        E::F32 => b[..4].copy_from_slice(&(fv as f32).to_le_bytes()),
        E::F64 => b[..8].copy_from_slice(&fv.to_le_bytes()),
        E::F16 => b[..2].copy_from_slice(&half::f16::from_f64(fv).to_le_bytes()),
        E::BF16 => b[..2].copy_from_slice(&half::bf16::from_f64(fv).to_le_bytes()),
        E::I8 | E::U8 => b[0] = iv as u8,
        E::I16 | E::U16 => b[..2].copy_from_slice(&(iv as i16).to_le_bytes()),
        E::I32 | E::U32 => b[..4].copy_from_slice(&(iv as i32).to_le_bytes()),
        E::I64 | E::U64 => b[..8].copy_from_slice(&iv.to_le_bytes()),
        E::Bool => b[0] = (iv != 0) as u8,
        _ => b[0] = iv as u8,
    }
}

struct BufInfo {
    ty: TensorType,
    strides: Vec<usize>,
    elem_size: usize,
}

enum Node {
    For {
        iv: usize,
        lower: i64,
        upper: i64,
        step: i64,
        body: Vec<Node>,
    },
    Apply {
        dst: usize,
        terms: SmallVec<[(usize, i64); 4]>,
        constant: i64,
    },
    Load {
        op: OpId,
        dst: usize,
        buf: usize,
        idx: SmallVec<[usize; 4]>,
        lanes: usize,
        /// Elements between lanes.
        stride: usize,
        /// The dimension lanes step along, when not the last.
        along: Option<usize>,
    },
    Store {
        op: OpId,
        src: usize,
        buf: usize,
        idx: SmallVec<[usize; 4]>,
        lanes: usize,
    },
    Broadcast {
        dst: usize,
        src: usize,
        lanes: usize,
    },
    /// `loop.contract`: buffers A, B, C and the registers of their offsets.
    Contract {
        op: OpId,
        c: super::Contract,
        bufs: [usize; 3],
        offsets: [usize; 3],
    },
    /// An index viewed as an i64 or back: both are integer registers.
    Copy { dst: usize, src: usize },
    Arith {
        op: OpId,
        f: ScalarFn,
        args: [usize; 3],
        dst: usize,
        lanes: usize,
    },
}

/// A `loop.kernel` compiled for repeated runs.
pub struct CompiledKernel {
    body: Vec<Node>,
    num_regs: usize,
    /// Arguments, then `loop.alloca` scratch buffers.
    buffers: Vec<BufInfo>,
    num_args: usize,
}

struct Compiler<'m> {
    m: &'m Module,
    regs: HashMap<ValueId, usize>,
    next: usize,
    buffers: HashMap<ValueId, usize>,
    infos: Vec<BufInfo>,
}

fn lanes_of(t: &Type) -> usize {
    match t {
        Type::Vector(n, _) => *n as usize,
        _ => 1,
    }
}

impl Compiler<'_> {
    fn def(&mut self, v: ValueId) -> usize {
        let r = self.next;
        self.next += lanes_of(self.m.value_type(v));
        self.regs.insert(v, r);
        r
    }

    fn reg(&self, op: OpId, v: ValueId) -> Result<usize, crate::IrError> {
        Ok(self
            .regs
            .get(&v)
            .copied()
            .ok_or_else(|| self.err(op, format!("uses %{} before it is defined", v.0)))?)
    }

    fn regs(&self, op: OpId, values: &[ValueId]) -> Result<SmallVec<[usize; 4]>, crate::IrError> {
        values.iter().map(|&v| self.reg(op, v)).collect()
    }

    fn buf(&self, op: OpId, v: ValueId) -> Result<usize, crate::IrError> {
        Ok(self
            .buffers
            .get(&v)
            .copied()
            .ok_or_else(|| self.err(op, "its buffer is not a kernel argument or alloca".into()))?)
    }

    fn err(&self, op: OpId, msg: String) -> String {
        format!(
            "{}: '{}': {msg}",
            op_location(self.m, op),
            self.m.op(op).name
        )
    }

    fn add_buffer(&mut self, v: ValueId) -> Result<(), crate::IrError> {
        let ty = self
            .m
            .value_type(v)
            .as_memref()
            .ok_or("kernel buffers must be memrefs")?
            .clone();
        self.buffers.insert(v, self.infos.len());
        self.infos.push(BufInfo {
            strides: ty.shape.strides().to_vec(),
            elem_size: ty.elem.size_bytes(),
            ty,
        });
        Ok(())
    }

    fn block(&mut self, b: BlockId) -> Result<Vec<Node>, crate::IrError> {
        let m = self.m;
        let mut nodes = Vec::new();
        for &op in &m.block(b).ops {
            let d = m.op(op);
            let node = match d.name {
                ops::LOOP_FOR => {
                    let l = ForLoop::of(m, op).map_err(|e| self.err(op, e.to_string()))?;
                    let inner = m.region(d.regions[0]).blocks[0];
                    let iv = self.def(m.block(inner).args[0]);
                    Node::For {
                        iv,
                        lower: l.lower,
                        upper: l.upper,
                        step: l.step,
                        body: self.block(inner)?,
                    }
                }
                ops::LOOP_APPLY => {
                    let map = apply_map(m, op).map_err(|e| self.err(op, e.to_string()))?;
                    let e = &map.results[0];
                    let mut terms = SmallVec::new();
                    for &(dim, c) in &e.terms {
                        let v = *d
                            .operands
                            .get(dim as usize)
                            .ok_or_else(|| self.err(op, "map uses a missing operand".into()))?;
                        terms.push((self.reg(op, v)?, c));
                    }
                    Node::Apply {
                        dst: self.def(d.results[0]),
                        terms,
                        constant: e.constant,
                    }
                }
                ops::LOOP_LOAD | ops::LOOP_VLOAD => {
                    access_buffer(m, op).map_err(|e| self.err(op, e.to_string()))?;
                    let buf = self.buf(op, d.operands[0])?;
                    let idx = self.regs(op, &d.operands[1..])?;
                    Node::Load {
                        op,
                        lanes: lanes_of(m.value_type(d.results[0])),
                        stride: super::vector_stride(m, op),
                        along: super::vector_dim(m, op),
                        dst: self.def(d.results[0]),
                        buf,
                        idx,
                    }
                }
                ops::LOOP_STORE | ops::LOOP_VSTORE => {
                    access_buffer(m, op).map_err(|e| self.err(op, e.to_string()))?;
                    let buf = self.buf(op, d.operands[1])?;
                    let idx = self.regs(op, &d.operands[2..])?;
                    Node::Store {
                        op,
                        src: self.reg(op, d.operands[0])?,
                        lanes: lanes_of(m.value_type(d.operands[0])),
                        buf,
                        idx,
                    }
                }
                ops::LOOP_BROADCAST => Node::Broadcast {
                    src: self.reg(op, d.operands[0])?,
                    lanes: lanes_of(m.value_type(d.results[0])),
                    dst: self.def(d.results[0]),
                },
                ops::LOOP_INDEX_CAST => Node::Copy {
                    src: self.reg(op, d.operands[0])?,
                    dst: self.def(d.results[0]),
                },
                ops::LOOP_ALLOCA => {
                    self.add_buffer(d.results[0])?;
                    continue;
                }
                ops::LOOP_CONTRACT => {
                    let c = super::Contract::of(m, op).map_err(|e| self.err(op, e.to_string()))?;
                    if d.operands.len() != 6 {
                        return Err(self.err(op, "needs six operands".into()).into());
                    }
                    let mut bufs = [0; 3];
                    let mut offsets = [0; 3];
                    for x in 0..3 {
                        bufs[x] = self.buf(op, d.operands[x])?;
                        offsets[x] = self.reg(op, d.operands[3 + x])?;
                    }
                    Node::Contract {
                        op,
                        c,
                        bufs,
                        offsets,
                    }
                }
                name if name.starts_with("kernel.") && name != ops::KERNEL_YIELD => {
                    let f = ScalarFn::of(m, op).map_err(|e| self.err(op, e.to_string()))?;
                    let mut args = [0usize; 3];
                    for (slot, &v) in args.iter_mut().zip(&d.operands) {
                        *slot = self.reg(op, v)?;
                    }
                    Node::Arith {
                        op,
                        f,
                        args,
                        lanes: lanes_of(m.value_type(d.results[0])),
                        dst: self.def(d.results[0]),
                    }
                }
                other => {
                    return Err(self
                        .err(op, format!("'{other}' cannot appear in a loop kernel"))
                        .into())
                }
            };
            nodes.push(node);
        }
        Ok(nodes)
    }
}

impl CompiledKernel {
    /// Compiles `loop.kernel` op `kernel`.
    pub fn compile(m: &Module, kernel: OpId) -> Result<CompiledKernel, crate::IrError> {
        let d = m.op(kernel);
        if d.name != ops::LOOP_KERNEL || d.regions.len() != 1 {
            return Err(format!("'{}' is not a loop.kernel", d.name).into());
        }
        let entry = *m
            .region(d.regions[0])
            .blocks
            .first()
            .ok_or("the kernel has no body")?;
        let mut c = Compiler {
            m,
            regs: HashMap::new(),
            next: 0,
            buffers: HashMap::new(),
            infos: Vec::new(),
        };
        for &a in &m.block(entry).args {
            c.add_buffer(a)?;
        }
        let num_args = c.infos.len();
        let body = c.block(entry)?;
        Ok(CompiledKernel {
            body,
            num_regs: c.next,
            buffers: c.infos,
            num_args,
        })
    }

    /// The buffer types the kernel is dispatched on.
    pub fn argument_types(&self) -> Vec<TensorType> {
        self.buffers[..self.num_args]
            .iter()
            .map(|b| b.ty.clone())
            .collect()
    }

    /// Runs the kernel once with its arguments at `bindings` in `memories`.
    pub fn run(
        &self,
        m: &Module,
        memories: &mut [Vec<u8>],
        bindings: &[Binding],
    ) -> Result<(), crate::IrError> {
        if bindings.len() != self.num_args {
            return Err(format!(
                "the kernel takes {} buffers, {} were bound",
                self.num_args,
                bindings.len()
            )
            .into());
        }
        for (i, (b, info)) in bindings.iter().zip(&self.buffers).enumerate() {
            let need = info.ty.shape.numel() * info.elem_size;
            let have = memories.get(b.memory).map_or(0, |mem| mem.len());
            if b.offset + need > have {
                return Err(format!(
                    "buffer #{i} ({}) at byte {} does not fit its memory of {have} bytes",
                    Type::MemRef(info.ty.clone()),
                    b.offset
                )
                .into());
            }
        }
        // Scratch buffers get memories of their own after the caller's.
        let mut scratch: Vec<Vec<u8>> = self.buffers[self.num_args..]
            .iter()
            .map(|b| vec![0u8; b.ty.shape.numel() * b.elem_size])
            .collect();
        let mut places: Vec<Binding> = bindings.to_vec();
        for i in 0..scratch.len() {
            places.push(Binding {
                memory: memories.len() + i,
                offset: 0,
            });
        }
        let mut st = State {
            m,
            regs: vec![Scalar::B(false); self.num_regs],
            memories,
            scratch: &mut scratch,
            places: &places,
            buffers: &self.buffers,
        };
        st.exec(&self.body)
    }
}

struct State<'a> {
    m: &'a Module,
    regs: Vec<Scalar>,
    memories: &'a mut [Vec<u8>],
    scratch: &'a mut [Vec<u8>],
    places: &'a [Binding],
    buffers: &'a [BufInfo],
}

impl State<'_> {
    fn memory(&mut self, mem: usize) -> &mut Vec<u8> {
        let n = self.memories.len();
        if mem < n {
            &mut self.memories[mem]
        } else {
            &mut self.scratch[mem - n]
        }
    }

    /// The byte position of element `idx` (+ `lanes` along the last dimension), checked.
    fn address(
        &self,
        op: OpId,
        buf: usize,
        idx: &[usize],
        lanes: usize,
    ) -> Result<(usize, usize), crate::IrError> {
        let last = self.buffers[buf].ty.shape.rank().saturating_sub(1);
        self.address_along(op, buf, idx, last, lanes)
    }

    /// [`Self::address`] with the `extent` elements reached along dimension `along`.
    fn address_along(
        &self,
        op: OpId,
        buf: usize,
        idx: &[usize],
        along: usize,
        lanes: usize,
    ) -> Result<(usize, usize), crate::IrError> {
        let info = &self.buffers[buf];
        let dims = info.ty.shape.dims();
        let mut linear = 0usize;
        for (k, (&r, &stride)) in idx.iter().zip(&info.strides).enumerate() {
            let i = match self.regs[r] {
                Scalar::I(v, _) => v,
                _ => -1,
            };
            let extent = if k == along { lanes as i64 } else { 1 };
            if i < 0 || i + extent > dims[k] as i64 {
                let shown: Vec<String> = idx
                    .iter()
                    .map(|&r| match self.regs[r] {
                        Scalar::I(v, _) => v.to_string(),
                        _ => "?".into(),
                    })
                    .collect();
                return Err(format!(
                    "{}: '{}': index [{}] is out of bounds of {}",
                    op_location(self.m, op),
                    self.m.op(op).name,
                    shown.join(", "),
                    Type::MemRef(info.ty.clone())
                )
                .into());
            }
            linear += i as usize * stride;
        }
        let place = self.places[buf];
        Ok((place.memory, place.offset + linear * info.elem_size))
    }

    /// Runs a `loop.contract` (see [`super::Contract`] for the order of its arithmetic).
    fn contract(
        &mut self,
        op: OpId,
        c: &super::Contract,
        bufs: [usize; 3],
        offsets: [usize; 3],
    ) -> Result<(), crate::IrError> {
        // Each operand's byte range, checked once: the whole tile must lie in its buffer.
        let mut base = [(0usize, 0usize); 3];
        let mut elems = [ElementType::F32; 3];
        for x in 0..3 {
            let off = match self.regs[offsets[x]] {
                Scalar::I(v, _) if v >= 0 => v as usize,
                _ => usize::MAX,
            };
            let info = &self.buffers[bufs[x]];
            let numel = info.ty.shape.numel();
            let fits = c
                .reach(x)
                .and_then(|r| off.checked_add(r))
                .is_some_and(|end| end < numel);
            if !fits {
                return Err(format!(
                    "{}: 'loop.contract': operand #{x} at element {off} reaches past {}",
                    op_location(self.m, op),
                    Type::MemRef(info.ty.clone())
                )
                .into());
            }
            let place = self.places[bufs[x]];
            let size = info.ty.elem.size_bytes().max(1);
            base[x] = (place.memory, place.offset + off * size);
            elems[x] = info.ty.elem;
        }
        // Element `e` of operand `x`: f32 bits, or an integer widened to i32.
        let read = |st: &mut Self, x: usize, e: usize| -> u32 {
            let (mem, at) = base[x];
            let mem = st.memory(mem);
            match elems[x] {
                ElementType::I8 => mem[at + e] as i8 as i32 as u32,
                ElementType::U8 => mem[at + e] as u32,
                _ => {
                    let p = at + e * 4;
                    u32::from_le_bytes([mem[p], mem[p + 1], mem[p + 2], mem[p + 3]])
                }
            }
        };
        let integer = elems[2] == ElementType::I32;
        let (ka, kb) = (
            super::Contract::offsets(&c.k_dims, 1),
            super::Contract::offsets(&c.k_dims, 2),
        );
        let (nb, nc) = (
            super::Contract::offsets(&c.n_dims, 1),
            super::Contract::offsets(&c.n_dims, 2),
        );
        let (ia, ic) = (
            super::Contract::offsets(&c.m_dims, 1),
            super::Contract::offsets(&c.m_dims, 2),
        );
        for (i, (&ia, &ic)) in ia.iter().zip(&ic).enumerate() {
            for (j, (&jb, &jc)) in nb.iter().zip(&nc).enumerate() {
                let ce = ic + jc;
                let mut acc = if c.accumulate { read(self, 2, ce) } else { 0 };
                for (l, (&la, &lb)) in ka.iter().zip(&kb).enumerate() {
                    let ae = match c.packed[0] {
                        true => c.packed_offset(0, i, l),
                        false => ia + la,
                    };
                    let be = match c.packed[1] {
                        true => c.packed_offset(1, j, l),
                        false => lb + jb,
                    };
                    let (a, b) = (read(self, 0, ae), read(self, 1, be));
                    acc = if integer {
                        (acc as i32).wrapping_add((a as i32).wrapping_mul(b as i32)) as u32
                    } else {
                        f32::from_bits(a)
                            .mul_add(f32::from_bits(b), f32::from_bits(acc))
                            .to_bits()
                    };
                }
                let (mem, at) = base[2];
                let p = at + ce * 4;
                self.memory(mem)[p..p + 4].copy_from_slice(&acc.to_le_bytes());
            }
        }
        Ok(())
    }

    fn exec(&mut self, nodes: &[Node]) -> Result<(), crate::IrError> {
        for node in nodes {
            match node {
                Node::For {
                    iv,
                    lower,
                    upper,
                    step,
                    body,
                } => {
                    let mut i = *lower;
                    while i < *upper {
                        self.regs[*iv] = Scalar::I(i, ElementType::I64);
                        self.exec(body)?;
                        i += step;
                    }
                }
                Node::Apply {
                    dst,
                    terms,
                    constant,
                } => {
                    let mut v = *constant;
                    for &(r, c) in terms {
                        if let Scalar::I(x, _) = self.regs[r] {
                            v += x * c;
                        }
                    }
                    self.regs[*dst] = Scalar::I(v, ElementType::I64);
                }
                Node::Load {
                    op,
                    dst,
                    buf,
                    idx,
                    lanes,
                    stride,
                    along,
                } => {
                    let (mem, at) = match along {
                        // Lanes along an outer dimension: that one's extent is checked.
                        Some(k) => {
                            let inner = self.buffers[*buf].strides[*k];
                            self.address_along(
                                *op,
                                *buf,
                                idx,
                                *k,
                                (*lanes - 1) * (stride / inner) + 1,
                            )?
                        }
                        None => self.address(*op, *buf, idx, (*lanes - 1) * stride + 1)?,
                    };
                    let info = &self.buffers[*buf];
                    let (elem, size) = (info.ty.elem, info.elem_size);
                    for l in 0..*lanes {
                        let start = at + l * stride * size;
                        let v = read_scalar(elem, &self.memory(mem)[start..start + size]);
                        self.regs[dst + l] = v;
                    }
                }
                Node::Store {
                    op,
                    src,
                    buf,
                    idx,
                    lanes,
                } => {
                    let (mem, at) = self.address(*op, *buf, idx, *lanes)?;
                    let info = &self.buffers[*buf];
                    let (elem, size) = (info.ty.elem, info.elem_size);
                    for l in 0..*lanes {
                        let v = self.regs[src + l];
                        let start = at + l * size;
                        write_scalar(elem, v, &mut self.memory(mem)[start..start + size]);
                    }
                }
                Node::Contract {
                    op,
                    c,
                    bufs,
                    offsets,
                } => self.contract(*op, c, *bufs, *offsets)?,
                Node::Copy { dst, src } => {
                    self.regs[*dst] = match self.regs[*src] {
                        Scalar::I(v, _) => Scalar::I(v, ElementType::I64),
                        other => other,
                    };
                }
                Node::Broadcast { dst, src, lanes } => {
                    let v = self.regs[*src];
                    for l in 0..*lanes {
                        self.regs[dst + l] = v;
                    }
                }
                Node::Arith {
                    op,
                    f,
                    args,
                    dst,
                    lanes,
                } => {
                    for l in 0..*lanes {
                        let r = f
                            .apply(
                                self.regs[args[0] + l],
                                self.regs[args[1] + l],
                                self.regs[args[2] + l],
                            )
                            .map_err(|e| {
                                format!(
                                    "{}: '{}': {e}",
                                    op_location(self.m, *op),
                                    self.m.op(*op).name
                                )
                            })?;
                        self.regs[dst + l] = r;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Evaluates a tensor-level `loop.dispatch`: the kernel runs on the operands' bytes and on
/// zeroed result buffers.
pub fn eval_dispatch(
    m: &Module,
    op: OpId,
    inputs: &[&crate::tensor::Tensor],
) -> Result<Vec<crate::tensor::Tensor>, crate::IrError> {
    let kernel = super::dispatched_kernel(m, op)?;
    let compiled = CompiledKernel::compile(m, kernel)?;
    let d = m.op(op);
    let out_types: Vec<TensorType> = d
        .results
        .iter()
        .map(|&r| m.tensor_type(r).cloned())
        .collect::<Result<_, _>>()?;
    let mut memories: Vec<Vec<u8>> = inputs.iter().map(|t| t.to_le_bytes()).collect();
    memories.extend(
        out_types
            .iter()
            .map(|t| vec![0u8; t.shape.numel() * t.elem.size_bytes()]),
    );
    let bindings: Vec<Binding> = (0..memories.len())
        .map(|memory| Binding { memory, offset: 0 })
        .collect();
    compiled.run(m, &mut memories, &bindings)?;
    memories
        .drain(inputs.len()..)
        .zip(&out_types)
        .map(|(bytes, t)| crate::tensor::Tensor::from_le_bytes(t.elem, t.shape.clone(), &bytes))
        .collect()
}
