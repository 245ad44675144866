//! Lowering graph ops to `kernel.generic` ops.
//!
//! Each graph op becomes one or a few structured kernels: an iteration domain, one affine
//! map per operand and result, and a scalar body built from the same elementwise table
//! the graph dialect uses. Ops without a lowering yet stay graph ops: the dialects coexist
//! in one module during progressive lowering, and the interpreter runs both.
//!
//! Lowered today: every unary and binary elementwise op (numpy broadcasting becomes
//! constant-0 or dropped map entries), Max/Min/Sum/Mean, Cast, Where, Clip, Expand,
//! Identity, Slice (strided maps), Transpose, MatMul (batched, with batch broadcasting),
//! Gemm (transposes as maps), the ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare/LogSum
//! reductions, global pooling, Softmax/LogSoftmax, BatchNormalization and Conv with one
//! group (window maps `oh * stride + kh * dilation` over an input padded by a kept
//! `graph.pad`). Reshapes and the ops whose indexing is not affine (Concat, Pad, Gather,
//! Tile, ...) stay graph ops for now.

use std::collections::BTreeMap;
use strata_ir::graph::{BINARY_OPS, UNARY_OPS};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::types::normalize_axis;
use strata_ir::OpName;
use strata_ir::{
    AffineExpr, AffineMap, Attribute, ElementType, Function, Module, OpSpec, TensorType, Type,
    ValueId,
};

/// A kernel under construction: its structure and the body being built.
pub(super) struct KernelBuilder<'m> {
    m: &'m mut Module,
    body: BlockId,
    region: strata_ir::module::RegionId,
}

impl<'m> KernelBuilder<'m> {
    /// Starts a body with one scalar argument per input and result element type.
    pub(super) fn new(m: &'m mut Module, arg_elems: &[ElementType]) -> Self {
        let region = m.new_region();
        let types: Vec<Type> = arg_elems.iter().map(|&e| Type::Scalar(e)).collect();
        let body = m.append_block(region, &types);
        KernelBuilder { m, body, region }
    }

    pub(super) fn arg(&self, i: usize) -> ValueId {
        self.m.block(self.body).args[i]
    }

    /// Appends a scalar op to the body.
    pub(super) fn op(
        &mut self,
        name: OpName,
        operands: &[ValueId],
        result: ElementType,
        attrs: BTreeMap<String, Attribute>,
    ) -> ValueId {
        let mut spec = OpSpec::new(name)
            .operands(operands.iter().copied())
            .results([Type::Scalar(result)]);
        spec.attrs = attrs;
        let op = self.m.append_op(self.body, spec);
        self.m.result(op)
    }

    pub(super) fn constant(&mut self, value: f64, elem: ElementType) -> ValueId {
        let v = if elem.is_float() {
            Attribute::Float(value, elem)
        } else {
            Attribute::Int(value as i64)
        };
        let mut a = BTreeMap::new();
        a.insert("value".to_string(), v);
        self.op(ops::KERNEL_CONSTANT, &[], elem, a)
    }

    /// Ends the body and appends the `kernel.generic` to `block`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish(
        self,
        block: BlockId,
        yielded: &[ValueId],
        inputs: &[ValueId],
        results: &[TensorType],
        domain: &[usize],
        iterators: &[&str],
        maps: Vec<AffineMap>,
        inits: &[f64],
    ) -> Vec<ValueId> {
        self.m.append_op(
            self.body,
            OpSpec::new(ops::KERNEL_YIELD).operands(yielded.iter().copied()),
        );
        let mut spec = OpSpec::new(ops::KERNEL_GENERIC)
            .operands(inputs.iter().copied())
            .results(results.iter().cloned().map(Type::Tensor))
            .attr(
                "domain",
                Attribute::I64Array(domain.iter().map(|&d| d as i64).collect()),
            )
            .attr(
                "iterators",
                Attribute::Array(
                    iterators
                        .iter()
                        .map(|s| Attribute::String(s.to_string()))
                        .collect(),
                ),
            )
            .attr(
                "indexing_maps",
                Attribute::Array(maps.into_iter().map(Attribute::AffineMap).collect()),
            );
        if inits.iter().any(|&v| v != 0.0) {
            let elems: Vec<Attribute> = inits
                .iter()
                .zip(results)
                .map(|(&v, t)| {
                    if t.elem.is_float() {
                        Attribute::Float(v, t.elem)
                    } else {
                        Attribute::Int(v.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
                    }
                })
                .collect();
            spec = spec.attr("inits", Attribute::Array(elems));
        }
        spec.regions = vec![self.region];
        let op = self.m.append_op(block, spec);
        self.m.results(op).to_vec()
    }
}

impl KernelBuilder<'_> {
    /// Ends an all-parallel kernel with one result `out`, iterating over `out`'s shape.
    pub(super) fn finish_parallel(
        self,
        block: BlockId,
        yielded: ValueId,
        inputs: &[ValueId],
        out: &TensorType,
        maps: Vec<AffineMap>,
    ) -> ValueId {
        let rank = out.shape.rank();
        self.finish(
            block,
            &[yielded],
            inputs,
            std::slice::from_ref(out),
            out.shape.dims(),
            &vec!["parallel"; rank],
            maps,
            &[0.0],
        )[0]
    }
}

/// Lowers a graph op this pass itself emits as a building block, which must lower.
pub(super) fn must_lower(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<ValueId, crate::pass::PassError> {
    Ok(
        lower_op(m, block, name, operands, attrs, std::slice::from_ref(out))?
            .and_then(|v| v.into_iter().next())
            .ok_or_else(|| format!("'{name}' did not lower"))?,
    )
}

/// A kernel copying `input`, read through `input_map`, into a new tensor of type `out`
/// (transposes, slices, expands: data movement expressed as an index map).
pub(super) fn copy_kernel(
    m: &mut Module,
    block: BlockId,
    input: ValueId,
    input_map: AffineMap,
    out: &TensorType,
) -> Result<ValueId, crate::pass::PassError> {
    let elem = m.tensor_type(input)?.elem;
    let kb = KernelBuilder::new(m, &[elem, out.elem]);
    let x = kb.arg(0);
    let maps = vec![input_map, AffineMap::identity(out.shape.rank() as u32)];
    Ok(kb.finish_parallel(block, x, &[input], out, maps))
}

/// The map reading an operand of shape `operand` broadcast to `out` (numpy rules) inside
/// a domain whose leading dimensions are `out`'s.
pub(super) fn broadcast_map(num_dims: usize, out: &[usize], operand: &[usize]) -> AffineMap {
    let offset = out.len() - operand.len();
    let results = operand
        .iter()
        .enumerate()
        .map(|(k, &size)| {
            if size == out[offset + k] {
                AffineExpr::dim((offset + k) as u32)
            } else {
                AffineExpr::constant(0)
            }
        })
        .collect();
    AffineMap {
        num_dims: num_dims as u32,
        results,
    }
}

fn types_of(m: &Module, values: &[ValueId]) -> Result<Vec<TensorType>, crate::pass::PassError> {
    values
        .iter()
        .map(|&v| Ok(m.tensor_type(v).cloned()?))
        .collect()
}

/// Lowers one graph op into `block`, or returns `None` to keep it as it is.
fn lower_op(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    attrs: &BTreeMap<String, Attribute>,
    results: &[TensorType],
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let ins = types_of(m, operands)?;
    let indexed = super::indexed::GraphOp {
        block,
        name,
        operands,
        ins: &ins,
        attrs,
        results,
    };
    let Some(out) = results.first() else {
        return Ok(None);
    };
    let rank = out.shape.rank();
    let elementwise =
        |m: &mut Module, scalar: &dyn Fn(&mut KernelBuilder) -> ValueId| -> Vec<ValueId> {
            let mut elems: Vec<ElementType> = ins.iter().map(|t| t.elem).collect();
            elems.push(out.elem);
            let mut kb = KernelBuilder::new(m, &elems);
            let y = scalar(&mut kb);
            let mut maps: Vec<AffineMap> = ins
                .iter()
                .map(|t| broadcast_map(rank, out.shape.dims(), t.shape.dims()))
                .collect();
            maps.push(AffineMap::identity(rank as u32));
            vec![kb.finish_parallel(block, y, operands, out, maps)]
        };
    if UNARY_OPS.iter().any(|u| u.name == name) {
        let kname = name
            .in_dialect("kernel")
            .ok_or_else(|| format!("'{name}' has no kernel-level op"))?;
        let attrs = attrs.clone();
        return Ok(Some(elementwise(m, &|kb| {
            let x = kb.arg(0);
            kb.op(kname, &[x], out.elem, attrs.clone())
        })));
    }
    if BINARY_OPS.iter().any(|b| b.name == name) {
        let kname = name
            .in_dialect("kernel")
            .ok_or_else(|| format!("'{name}' has no kernel-level op"))?;
        return Ok(Some(elementwise(m, &|kb| {
            let (x, y) = (kb.arg(0), kb.arg(1));
            kb.op(kname, &[x, y], out.elem, BTreeMap::new())
        })));
    }
    match name {
        ops::GRAPH_GELU | ops::GRAPH_MOD | ops::GRAPH_BIT_SHIFT => {
            let kname = name
                .in_dialect("kernel")
                .ok_or_else(|| format!("'{name}' has no kernel-level op"))?;
            let attrs = attrs.clone();
            let n = ins.len();
            Ok(Some(elementwise(m, &|kb| {
                let args: Vec<ValueId> = (0..n).map(|i| kb.arg(i)).collect();
                kb.op(kname, &args, out.elem, attrs.clone())
            })))
        }
        ops::GRAPH_MAX | ops::GRAPH_MIN | ops::GRAPH_SUM | ops::GRAPH_MEAN => {
            let step = match name {
                ops::GRAPH_MAX => ops::KERNEL_MAX,
                ops::GRAPH_MIN => ops::KERNEL_MIN,
                _ => ops::KERNEL_ADD,
            };
            let n = ins.len();
            let mean = name == ops::GRAPH_MEAN;
            Ok(Some(elementwise(m, &|kb| {
                let mut acc = kb.arg(0);
                for i in 1..n {
                    let next = kb.arg(i);
                    acc = kb.op(step, &[acc, next], out.elem, BTreeMap::new());
                }
                if mean {
                    let count = kb.constant(n as f64, out.elem);
                    acc = kb.op(ops::KERNEL_DIV, &[acc, count], out.elem, BTreeMap::new());
                }
                acc
            })))
        }
        ops::GRAPH_TRANSPOSE => {
            let r = ins[0].shape.rank();
            let perm: Vec<usize> = match attrs.get("perm") {
                Some(Attribute::I64Array(p)) if !p.is_empty() => p
                    .iter()
                    .map(|&v| normalize_axis(v, r))
                    .collect::<Result<_, _>>()?,
                _ => (0..r).rev().collect(),
            };
            // Output dimension j reads input dimension perm[j].
            let mut input_results = vec![AffineExpr::constant(0); r];
            for (j, &p) in perm.iter().enumerate() {
                input_results[p] = AffineExpr::dim(j as u32);
            }
            let map = AffineMap {
                num_dims: r as u32,
                results: input_results,
            };
            Ok(Some(vec![copy_kernel(m, block, operands[0], map, out)?]))
        }
        ops::GRAPH_MATMUL => lower_matmul(m, block, operands, &ins, out),
        ops::GRAPH_EXPAND | ops::GRAPH_IDENTITY => {
            let map = broadcast_map(rank, out.shape.dims(), ins[0].shape.dims());
            Ok(Some(vec![copy_kernel(m, block, operands[0], map, out)?]))
        }
        ops::GRAPH_CAST if ins[0].elem.is_storage() || out.elem.is_storage() => {
            let saturate = !matches!(attrs.get("saturate"), Some(Attribute::Int(0)));
            let v = super::storage::lower_storage_cast(m, block, operands[0], out.elem, saturate)?;
            Ok(Some(vec![v]))
        }
        ops::GRAPH_CAST => Ok(Some(elementwise(m, &|kb| {
            let x = kb.arg(0);
            kb.op(ops::KERNEL_CAST, &[x], out.elem, BTreeMap::new())
        }))),
        ops::GRAPH_BITCAST => Ok(Some(elementwise(m, &|kb| {
            let x = kb.arg(0);
            kb.op(ops::KERNEL_BITCAST, &[x], out.elem, BTreeMap::new())
        }))),
        ops::GRAPH_WHERE => Ok(Some(elementwise(m, &|kb| {
            let (c, x, y) = (kb.arg(0), kb.arg(1), kb.arg(2));
            kb.op(ops::KERNEL_SELECT, &[c, x, y], out.elem, BTreeMap::new())
        }))),
        ops::GRAPH_CLIP => {
            let bound = |k: &str| match attrs.get(k) {
                Some(Attribute::Dense(t)) if t.numel() == 1 => Some(t.to_f64s()[0]),
                _ => None,
            };
            let (lo, hi) = (bound("min"), bound("max"));
            Ok(Some(elementwise(m, &|kb| {
                let mut v = kb.arg(0);
                if let Some(lo) = lo {
                    let c = kb.constant(lo, out.elem);
                    v = kb.op(ops::KERNEL_MAX, &[v, c], out.elem, BTreeMap::new());
                }
                if let Some(hi) = hi {
                    let c = kb.constant(hi, out.elem);
                    v = kb.op(ops::KERNEL_MIN, &[v, c], out.elem, BTreeMap::new());
                }
                v
            })))
        }
        ops::GRAPH_SLICE => lower_slice(m, block, operands, &ins, attrs, out),
        ops::GRAPH_CONCAT
        | ops::GRAPH_SPLIT
        | ops::GRAPH_GATHER
        | ops::GRAPH_GATHER_ELEMENTS
        | ops::GRAPH_TRILU
        | ops::GRAPH_PAD
        | ops::GRAPH_TILE
        | ops::GRAPH_ARG_MAX
        | ops::GRAPH_ARG_MIN
        | ops::GRAPH_CUM_SUM
        | ops::GRAPH_CUM_PROD
        | ops::GRAPH_EYE_LIKE
        | ops::GRAPH_ONE_HOT
        | ops::GRAPH_DEPTH_TO_SPACE
        | ops::GRAPH_SPACE_TO_DEPTH
        | ops::GRAPH_AVERAGE_POOL
        | ops::GRAPH_LP_POOL
        | ops::GRAPH_HARDMAX
        | ops::GRAPH_EINSUM
        | ops::GRAPH_RESIZE
        | ops::GRAPH_GATHER_ND
        | ops::GRAPH_CONV_TRANSPOSE
        | ops::GRAPH_SCATTER_ELEMENTS
        | ops::GRAPH_SCATTER_ND
        | ops::GRAPH_TOP_K => super::indexed::lower(m, &indexed).map(Some),
        ops::GRAPH_SOFTMAX | ops::GRAPH_LOG_SOFTMAX => {
            lower_softmax(m, block, name, operands[0], &ins[0], attrs)
        }
        ops::GRAPH_GEMM => lower_gemm(m, block, operands, &ins, attrs, out),
        ops::GRAPH_BATCH_NORMALIZATION => lower_batch_norm(m, block, operands, &ins, attrs, out),
        ops::GRAPH_GLOBAL_AVERAGE_POOL | ops::GRAPH_GLOBAL_MAX_POOL => {
            let axes: Vec<i64> = (2..ins[0].shape.rank() as i64).collect();
            let mut a = BTreeMap::new();
            a.insert("axes".to_string(), Attribute::I64Array(axes));
            a.insert("keepdims".to_string(), Attribute::Int(1));
            let reduce = if name == ops::GRAPH_GLOBAL_MAX_POOL {
                ops::GRAPH_REDUCE_MAX
            } else {
                ops::GRAPH_REDUCE_MEAN
            };
            lower_reduce(m, block, reduce, operands, &ins, &a, out)
        }
        ops::GRAPH_CONV => lower_conv(m, block, operands, &ins, attrs, out),
        ops::GRAPH_LAYER_NORMALIZATION | ops::GRAPH_RMS_NORMALIZATION => {
            lower_layer_norm(m, block, name, operands, &ins, attrs, results)
        }
        ops::GRAPH_MAX_POOL if results.len() == 2 => super::indexed::lower(m, &indexed).map(Some),
        ops::GRAPH_MAX_POOL => lower_max_pool(m, block, operands[0], &ins[0], attrs, out),
        ops::GRAPH_INSTANCE_NORMALIZATION
        | ops::GRAPH_GROUP_NORMALIZATION
        | ops::GRAPH_MEAN_VARIANCE_NORMALIZATION
        | ops::GRAPH_LP_NORMALIZATION
        | ops::GRAPH_LRN => super::composite::lower(m, block, name, operands, &ins, attrs),
        ops::GRAPH_QUANTIZE_LINEAR
        | ops::GRAPH_DEQUANTIZE_LINEAR
        | ops::GRAPH_DYNAMIC_QUANTIZE_LINEAR => {
            super::composite::lower_quant(m, block, name, operands, attrs)
        }
        _ if name.starts_with("graph.reduce_") => {
            lower_reduce(m, block, name, operands, &ins, attrs, out)
        }
        _ => Ok(None),
    }
}

fn lower_matmul(
    m: &mut Module,
    block: BlockId,
    operands: &[ValueId],
    ins: &[TensorType],
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let (a, b) = (&ins[0], &ins[1]);
    // A 1-D operand is a row (a) or column (b) vector whose dimension the result drops.
    let (a_mat, b_mat) = (a.shape.rank() >= 2, b.shape.rank() >= 2);
    let od = out.shape.dims();
    let batch = od.len() - a_mat as usize - b_mat as usize;
    let k = a.shape.dims()[a.shape.rank() - 1];
    // Domain: batch..., [m], [n], k.
    let mut domain: Vec<usize> = od.to_vec();
    domain.push(k);
    let nd = domain.len() as u32;
    let dm = batch as u32;
    let dn = dm + a_mat as u32;
    let dk = od.len() as u32;
    let operand_map = |t: &TensorType, tail: Vec<AffineExpr>| {
        let tb = t.shape.rank() - tail.len();
        let mut results: Vec<AffineExpr> = (0..tb)
            .map(|i| {
                let d = batch - tb + i;
                if t.shape.dims()[i] == od[d] {
                    AffineExpr::dim(d as u32)
                } else {
                    AffineExpr::constant(0)
                }
            })
            .collect();
        results.extend(tail);
        AffineMap {
            num_dims: nd,
            results,
        }
    };
    let a_tail = if a_mat {
        vec![AffineExpr::dim(dm), AffineExpr::dim(dk)]
    } else {
        vec![AffineExpr::dim(dk)]
    };
    let b_tail = if b_mat {
        vec![AffineExpr::dim(dk), AffineExpr::dim(dn)]
    } else {
        vec![AffineExpr::dim(dk)]
    };
    let maps = vec![
        operand_map(a, a_tail),
        operand_map(b, b_tail),
        AffineMap::projection(nd, &(0..od.len() as u32).collect::<Vec<_>>()),
    ];
    let mut kb = KernelBuilder::new(m, &[a.elem, b.elem, out.elem]);
    let (x, y, acc) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let p = kb.op(ops::KERNEL_MUL, &[x, y], out.elem, BTreeMap::new());
    let s = kb.op(ops::KERNEL_ADD, &[acc, p], out.elem, BTreeMap::new());
    let mut iterators = vec!["parallel"; od.len()];
    iterators.push("reduction");
    Ok(Some(kb.finish(
        block,
        &[s],
        operands,
        std::slice::from_ref(out),
        &domain,
        &iterators,
        maps,
        &[0.0],
    )))
}

fn lower_reduce(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let x = &ins[0];
    let r = x.shape.rank();
    let axes: Vec<usize> = match attrs.get("axes") {
        Some(Attribute::I64Array(a)) if !a.is_empty() => a
            .iter()
            .map(|&v| normalize_axis(v, r))
            .collect::<Result<_, _>>()?,
        _ => (0..r).collect(),
    };
    let keep = !matches!(attrs.get("keepdims"), Some(Attribute::Int(0)));
    let (init, step, post): (f64, &str, Option<&str>) = match name {
        // On booleans: any and all.
        ops::GRAPH_REDUCE_MAX if x.elem == ElementType::Bool => (0.0, "or", None),
        ops::GRAPH_REDUCE_MIN if x.elem == ElementType::Bool => (1.0, "and", None),
        ops::GRAPH_REDUCE_SUM => (0.0, "add", None),
        ops::GRAPH_REDUCE_MEAN => (0.0, "add", Some("mean")),
        ops::GRAPH_REDUCE_MAX => (extreme(x.elem, false), "max", None),
        ops::GRAPH_REDUCE_MIN => (extreme(x.elem, true), "min", None),
        ops::GRAPH_REDUCE_PROD => (1.0, "mul", None),
        ops::GRAPH_REDUCE_L1 => (0.0, "abs-add", None),
        ops::GRAPH_REDUCE_SUM_SQUARE => (0.0, "square-add", None),
        ops::GRAPH_REDUCE_L2 if x.elem.is_float() => (0.0, "square-add", Some("sqrt")),
        ops::GRAPH_REDUCE_LOG_SUM if x.elem.is_float() => (0.0, "add", Some("log")),
        ops::GRAPH_REDUCE_LOG_SUM_EXP if x.elem.is_float() => (0.0, "exp-add", Some("log")),
        _ => return Ok(None),
    };
    if (x.elem == ElementType::Bool && !matches!(step, "or" | "and"))
        || (post == Some("mean") && !x.elem.is_float())
    {
        return Ok(None);
    }
    // Domain: the input's dimensions; reduced ones are reduction loops.
    let domain = x.shape.dims().to_vec();
    let iterators: Vec<&str> = (0..r)
        .map(|d| {
            if axes.contains(&d) {
                "reduction"
            } else {
                "parallel"
            }
        })
        .collect();
    let out_results: Vec<AffineExpr> = (0..r)
        .filter_map(|d| {
            if axes.contains(&d) {
                keep.then(|| AffineExpr::constant(0))
            } else {
                Some(AffineExpr::dim(d as u32))
            }
        })
        .collect();
    let maps = vec![
        AffineMap::identity(r as u32),
        AffineMap {
            num_dims: r as u32,
            results: out_results,
        },
    ];
    let mut kb = KernelBuilder::new(m, &[x.elem, out.elem]);
    let (v, acc) = (kb.arg(0), kb.arg(1));
    let e = out.elem;
    let y = match step {
        "abs-add" => {
            let a = kb.op(ops::KERNEL_ABS, &[v], e, BTreeMap::new());
            kb.op(ops::KERNEL_ADD, &[acc, a], e, BTreeMap::new())
        }
        "square-add" => {
            let sq = kb.op(ops::KERNEL_MUL, &[v, v], e, BTreeMap::new());
            kb.op(ops::KERNEL_ADD, &[acc, sq], e, BTreeMap::new())
        }
        "exp-add" => {
            let ex = kb.op(ops::KERNEL_EXP, &[v], e, BTreeMap::new());
            kb.op(ops::KERNEL_ADD, &[acc, ex], e, BTreeMap::new())
        }
        op => kb.op(kernel_op(op)?, &[acc, v], e, BTreeMap::new()),
    };
    let reduced = kb.finish(
        block,
        &[y],
        operands,
        std::slice::from_ref(out),
        &domain,
        &iterators,
        maps,
        &[init],
    )[0];
    let Some(post) = post else {
        return Ok(Some(vec![reduced]));
    };
    // A second, elementwise kernel finishes the reduction.
    let count: usize = axes.iter().map(|&a| x.shape.dims()[a]).product();
    let orank = out.shape.rank();
    let mut kb = KernelBuilder::new(m, &[e, e]);
    let v = kb.arg(0);
    let y = match post {
        "mean" => {
            let c = kb.constant(count as f64, e);
            kb.op(ops::KERNEL_DIV, &[v, c], e, BTreeMap::new())
        }
        op => kb.op(kernel_op(op)?, &[v], e, BTreeMap::new()),
    };
    let maps = vec![
        AffineMap::identity(orank as u32),
        AffineMap::identity(orank as u32),
    ];
    Ok(Some(vec![kb.finish_parallel(
        block,
        y,
        &[reduced],
        out,
        maps,
    )]))
}

/// A graph op appended as is (for pieces a lowering keeps at the graph level).
pub(super) fn graph_op(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    attrs: BTreeMap<String, Attribute>,
) -> Result<ValueId, crate::pass::PassError> {
    let types = types_of(m, operands)?;
    let out = strata_ir::graph::infer_types(name, &types, &attrs, 1)?;
    let mut spec = OpSpec::new(name)
        .operands(operands.iter().copied())
        .results(out.into_iter().map(Type::Tensor));
    spec.attrs = attrs;
    let op = m.append_op(block, spec);
    Ok(m.result(op))
}

/// The scalar op `kernel.<suffix>` of a reduction's step (`max`, `add`, `sqrt`...).
pub(crate) fn kernel_op(suffix: &str) -> Result<OpName, crate::pass::PassError> {
    OpName::lookup(&format!("kernel.{suffix}"))
        .ok_or_else(|| format!("no scalar op 'kernel.{suffix}'").into())
}

/// A binary elementwise kernel with numpy broadcasting.
fn binary_kernel(
    m: &mut Module,
    block: BlockId,
    op: OpName,
    a: ValueId,
    b: ValueId,
) -> Result<ValueId, crate::pass::PassError> {
    let (ta, tb) = (m.tensor_type(a)?.clone(), m.tensor_type(b)?.clone());
    let out = strata_ir::graph::infer_types(op, &[ta.clone(), tb.clone()], &BTreeMap::new(), 1)?
        .remove(0);
    let rank = out.shape.rank();
    let mut kb = KernelBuilder::new(m, &[ta.elem, tb.elem, out.elem]);
    let (x, y) = (kb.arg(0), kb.arg(1));
    let kernel_op = op
        .in_dialect("kernel")
        .ok_or_else(|| format!("'{op}' has no kernel-level op"))?;
    let r = kb.op(kernel_op, &[x, y], out.elem, BTreeMap::new());
    let maps = vec![
        broadcast_map(rank, out.shape.dims(), ta.shape.dims()),
        broadcast_map(rank, out.shape.dims(), tb.shape.dims()),
        AffineMap::identity(rank as u32),
    ];
    Ok(kb.finish_parallel(block, r, &[a, b], &out, maps))
}

fn lower_slice(
    m: &mut Module,
    block: BlockId,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let x = &ins[0];
    let r = x.shape.rank();
    let list = |k: &str| match attrs.get(k) {
        Some(Attribute::I64Array(v)) if !v.is_empty() => Some(v.clone()),
        _ => None,
    };
    let Some(starts) = list("starts") else {
        return Ok(None);
    };
    let axes = list("axes").unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = list("steps").unwrap_or_else(|| vec![1; starts.len()]);
    let mut exprs: Vec<AffineExpr> = (0..r).map(|d| AffineExpr::dim(d as u32)).collect();
    for i in 0..starts.len() {
        let ax = normalize_axis(axes[i], r)?;
        let dim = x.shape.dims()[ax] as i64;
        let step = steps[i];
        if step == 0 {
            return Err("slice step cannot be 0".into());
        }
        let fix = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
        let start = if step > 0 {
            fix(starts[i]).clamp(0, dim)
        } else {
            fix(starts[i]).clamp(0, dim - 1)
        };
        exprs[ax] = AffineExpr::linear([(ax as u32, step)], start);
    }
    let map = AffineMap {
        num_dims: r as u32,
        results: exprs,
    };
    Ok(Some(vec![copy_kernel(m, block, operands[0], map, out)?]))
}

/// Softmax as max, exp(x - max), sum, divide (log-softmax: x - max - log(sum)). 16-bit
/// floats are computed in f32 and rounded once, as accumulating exponentials in f16
/// loses more than the op's own rounding.
fn lower_softmax(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    x: ValueId,
    xt: &TensorType,
    attrs: &BTreeMap<String, Attribute>,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    if matches!(xt.elem, ElementType::F16 | ElementType::BF16) {
        let wide = TensorType::new(xt.shape.clone(), ElementType::F32);
        let cast = |m: &mut Module,
                    v: ValueId,
                    to: ElementType,
                    from: &TensorType|
         -> Result<ValueId, crate::pass::PassError> {
            let mut a = BTreeMap::new();
            a.insert("to".to_string(), Attribute::Type(Type::Scalar(to)));
            let target = TensorType::new(from.shape.clone(), to);
            must_lower(m, block, ops::GRAPH_CAST, &[v], &a, &target)
        };
        let x32 = cast(m, x, ElementType::F32, xt)?;
        let y32 =
            lower_softmax(m, block, name, x32, &wide, attrs)?.ok_or("softmax did not lower")?[0];
        return Ok(Some(vec![cast(m, y32, xt.elem, &wide)?]));
    }
    let axis = match attrs.get("axis") {
        Some(Attribute::Int(a)) => *a,
        _ => -1,
    };
    let mut red = BTreeMap::new();
    red.insert("axes".to_string(), Attribute::I64Array(vec![axis]));
    red.insert("keepdims".to_string(), Attribute::Int(1));
    let kept =
        strata_ir::graph::infer_types(ops::GRAPH_REDUCE_MAX, std::slice::from_ref(xt), &red, 1)?
            .remove(0);
    let max = must_lower(m, block, ops::GRAPH_REDUCE_MAX, &[x], &red, &kept)?;
    let shifted = binary_kernel(m, block, ops::GRAPH_SUB, x, max)?;
    let e = must_lower(m, block, ops::GRAPH_EXP, &[shifted], &BTreeMap::new(), xt)?;
    let sum = must_lower(m, block, ops::GRAPH_REDUCE_SUM, &[e], &red, &kept)?;
    if name == ops::GRAPH_SOFTMAX {
        return Ok(Some(vec![binary_kernel(m, block, ops::GRAPH_DIV, e, sum)?]));
    }
    let log_sum = must_lower(m, block, ops::GRAPH_LOG, &[sum], &BTreeMap::new(), &kept)?;
    Ok(Some(vec![binary_kernel(
        m,
        block,
        ops::GRAPH_SUB,
        shifted,
        log_sum,
    )?]))
}

/// Gemm as a MatMul kernel reading A and B through (possibly transposed) maps, then
/// alpha * AB + beta * C.
fn lower_gemm(
    m: &mut Module,
    block: BlockId,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let flag = |k: &str| matches!(attrs.get(k), Some(Attribute::Int(1)));
    let num = |k: &str| match attrs.get(k) {
        Some(Attribute::Float(v, _)) => *v,
        Some(Attribute::Int(v)) => *v as f64,
        _ => 1.0,
    };
    let (ta, tb) = (flag("transA"), flag("transB"));
    let (alpha, beta) = (num("alpha"), num("beta"));
    let (mm, nn) = (out.shape.dims()[0], out.shape.dims()[1]);
    let k = if ta {
        ins[0].shape.dims()[0]
    } else {
        ins[0].shape.dims()[1]
    };
    let map = |rows: u32, cols: u32, transposed: bool| {
        AffineMap::projection(
            3,
            &if transposed {
                [cols, rows]
            } else {
                [rows, cols]
            },
        )
    };
    let maps = vec![
        map(0, 2, ta),
        map(2, 1, tb),
        AffineMap::projection(3, &[0, 1]),
    ];
    let mut kb = KernelBuilder::new(m, &[ins[0].elem, ins[1].elem, out.elem]);
    let (x, y, acc) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let p = kb.op(ops::KERNEL_MUL, &[x, y], out.elem, BTreeMap::new());
    let s = kb.op(ops::KERNEL_ADD, &[acc, p], out.elem, BTreeMap::new());
    let mut ab = kb.finish(
        block,
        &[s],
        &operands[..2],
        std::slice::from_ref(out),
        &[mm, nn, k],
        &["parallel", "parallel", "reduction"],
        maps,
        &[0.0],
    )[0];
    if alpha != 1.0 {
        let c = m_scalar(m, block, alpha, out.elem)?;
        ab = binary_kernel(m, block, ops::GRAPH_MUL, ab, c)?;
    }
    if let Some(&c) = operands.get(2) {
        let mut c = c;
        if beta != 1.0 {
            let b = m_scalar(m, block, beta, out.elem)?;
            c = binary_kernel(m, block, ops::GRAPH_MUL, c, b)?;
        }
        ab = binary_kernel(m, block, ops::GRAPH_ADD, ab, c)?;
    }
    Ok(Some(vec![ab]))
}

/// A scalar constant tensor (kept as a graph constant).
pub(super) fn m_scalar(
    m: &mut Module,
    block: BlockId,
    v: f64,
    elem: ElementType,
) -> Result<ValueId, crate::pass::PassError> {
    let t = strata_ir::Tensor::from_f64s(elem, strata_ir::Shape::scalar(), &[v]);
    Ok(constant_op(m, block, t))
}

/// A `graph.constant` holding `t` (tables and scalars that lowerings compute).
pub(super) fn constant_op(m: &mut Module, block: BlockId, t: strata_ir::Tensor) -> ValueId {
    let ty = t.ty();
    let op = m.append_op(
        block,
        OpSpec::new(ops::GRAPH_CONSTANT)
            .attr("value", Attribute::Dense(t))
            .results([Type::Tensor(ty)]),
    );
    m.result(op)
}

/// BatchNormalization as (x - mean) / sqrt(var + eps) * scale + bias, per channel.
fn lower_batch_norm(
    m: &mut Module,
    block: BlockId,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let eps = match attrs.get("epsilon") {
        Some(Attribute::Float(v, _)) => *v,
        _ => 1e-5,
    };
    let rank = out.shape.rank();
    // Per-channel parameters read through (d1), the channel dimension.
    let channel = AffineMap {
        num_dims: rank as u32,
        results: vec![AffineExpr::dim(1)],
    };
    let e = out.elem;
    let mut kb = KernelBuilder::new(
        m,
        &[
            ins[0].elem,
            ins[1].elem,
            ins[2].elem,
            ins[3].elem,
            ins[4].elem,
            e,
        ],
    );
    let (x, s, b, mean, var) = (kb.arg(0), kb.arg(1), kb.arg(2), kb.arg(3), kb.arg(4));
    let none = BTreeMap::new;
    let eps_c = kb.constant(eps, e);
    let ve = kb.op(ops::KERNEL_ADD, &[var, eps_c], e, none());
    let sd = kb.op(ops::KERNEL_SQRT, &[ve], e, none());
    let d = kb.op(ops::KERNEL_SUB, &[x, mean], e, none());
    let n = kb.op(ops::KERNEL_DIV, &[d, sd], e, none());
    let sc = kb.op(ops::KERNEL_MUL, &[n, s], e, none());
    let y = kb.op(ops::KERNEL_ADD, &[sc, b], e, none());
    let mut maps = vec![AffineMap::identity(rank as u32)];
    maps.extend(std::iter::repeat_n(channel, 4));
    maps.push(AffineMap::identity(rank as u32));
    Ok(Some(
        vec![kb.finish_parallel(block, y, operands, out, maps)],
    ))
}

/// Convolution as a reduction over input channels and the window, reading a zero-padded
/// input (a pad kernel), plus a bias kernel. Groups add a group dimension: the weight is
/// viewed as `g x M/g x C/g x k...`, the result computed as `N x g x M/g x ...` and viewed
/// back as `N x M x ...`.
fn lower_conv(
    m: &mut Module,
    block: BlockId,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let win = strata_ir::graph::window_of(ops::GRAPH_CONV, ins, attrs)?;
    let group = match attrs.get("group") {
        Some(Attribute::Int(g)) if *g > 1 => *g as usize,
        _ => 1,
    };
    let (x, w) = (&ins[0], &ins[1]);
    let k = x.shape.rank() - 2;
    let input = pad_for_window(m, block, operands[0], x, &win)?;
    let (mo, cg) = (w.shape.dims()[0], w.shape.dims()[1]);
    let od = out.shape.dims();
    let reshape = |m: &mut Module, v: ValueId, dims: Vec<usize>| {
        let mut a = BTreeMap::new();
        a.insert(
            "shape".to_string(),
            Attribute::I64Array(dims.iter().map(|&d| d as i64).collect()),
        );
        graph_op(m, block, ops::GRAPH_RESHAPE, &[v], a)
    };
    // Domain: n, [g,] m (per group), out spatial..., c (per group), kernel spatial...
    let lead = if group > 1 { 3 } else { 2 };
    let (weight, result) = if group > 1 {
        let mut wdims = vec![group, mo / group, cg];
        wdims.extend(&w.shape.dims()[2..]);
        let mut rdims = vec![od[0], group, mo / group];
        rdims.extend(&od[2..]);
        (
            reshape(m, operands[1], wdims)?,
            TensorType::new(rdims, out.elem),
        )
    } else {
        (operands[1], out.clone())
    };
    let mut domain = result.shape.dims().to_vec();
    domain.push(cg);
    domain.extend(&w.shape.dims()[2..]);
    let nd = domain.len() as u32;
    let dc = (lead + k) as u32;
    let channel = if group > 1 {
        AffineExpr::linear([(1, cg as i64), (dc, 1)], 0)
    } else {
        AffineExpr::dim(dc)
    };
    let mut xin = vec![AffineExpr::dim(0), channel];
    for i in 0..k {
        xin.push(AffineExpr::linear(
            [
                ((lead + i) as u32, win.strides[i] as i64),
                (dc + 1 + i as u32, win.dilations[i] as i64),
            ],
            0,
        ));
    }
    let mut wmap: Vec<AffineExpr> = (1..lead as u32).map(AffineExpr::dim).collect();
    wmap.push(AffineExpr::dim(dc));
    wmap.extend((0..k).map(|i| AffineExpr::dim(dc + 1 + i as u32)));
    let maps = vec![
        AffineMap {
            num_dims: nd,
            results: xin,
        },
        AffineMap {
            num_dims: nd,
            results: wmap,
        },
        AffineMap::projection(nd, &(0..(lead + k) as u32).collect::<Vec<_>>()),
    ];
    let mut iterators = vec!["parallel"; lead + k];
    iterators.extend(std::iter::repeat_n("reduction", 1 + k));
    let xt = m.tensor_type(input)?.clone();
    let mut kb = KernelBuilder::new(m, &[xt.elem, w.elem, out.elem]);
    let (a, b, acc) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let p = kb.op(ops::KERNEL_MUL, &[a, b], out.elem, BTreeMap::new());
    let s = kb.op(ops::KERNEL_ADD, &[acc, p], out.elem, BTreeMap::new());
    let mut conv = kb.finish(
        block,
        &[s],
        &[input, weight],
        std::slice::from_ref(&result),
        &domain,
        &iterators,
        maps,
        &[0.0],
    )[0];
    if group > 1 {
        conv = reshape(m, conv, od.to_vec())?;
    }
    add_channel_bias(m, block, conv, operands.get(2).copied(), out).map(Some)
}

/// Zero-pads the spatial dimensions of `x` (type `xt`) so that every window position of
/// `win` reads inside the result: the window's pads, the end extended when the last window
/// reaches past it.
fn pad_for_window(
    m: &mut Module,
    block: BlockId,
    x: ValueId,
    xt: &TensorType,
    win: &strata_ir::graph::shape::Window,
) -> Result<ValueId, crate::pass::PassError> {
    let k = win.kernel.len();
    let mut full = vec![0i64; 2 * (k + 2)];
    for i in 0..k {
        let need = (win.output[i].max(1) - 1) * win.strides[i]
            + (win.kernel[i] - 1) * win.dilations[i]
            + 1;
        let have = xt.shape.dims()[2 + i] + win.pads_begin[i];
        full[2 + i] = win.pads_begin[i] as i64;
        full[k + 4 + i] = need.saturating_sub(have) as i64;
    }
    if full.iter().all(|&p| p == 0) {
        return Ok(x);
    }
    let mut a = BTreeMap::new();
    a.insert("pads".to_string(), Attribute::I64Array(full));
    let ty =
        strata_ir::graph::infer_types(ops::GRAPH_PAD, std::slice::from_ref(xt), &a, 1)?.remove(0);
    must_lower(m, block, ops::GRAPH_PAD, &[x], &a, &ty)
}

/// `conv + bias[channel]`, or `conv` without a bias.
pub(super) fn add_channel_bias(
    m: &mut Module,
    block: BlockId,
    conv: ValueId,
    bias: Option<ValueId>,
    out: &TensorType,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let Some(bias) = bias else {
        return Ok(vec![conv]);
    };
    // Bias over the channel dimension.
    let rank = out.shape.rank();
    let mut kb = KernelBuilder::new(m, &[out.elem, out.elem, out.elem]);
    let (v, bb) = (kb.arg(0), kb.arg(1));
    let y = kb.op(ops::KERNEL_ADD, &[v, bb], out.elem, BTreeMap::new());
    let maps = vec![
        AffineMap::identity(rank as u32),
        AffineMap {
            num_dims: rank as u32,
            results: vec![AffineExpr::dim(1)],
        },
        AffineMap::identity(rank as u32),
    ];
    Ok(vec![kb.finish_parallel(block, y, &[conv, bias], out, maps)])
}

/// LayerNormalization over the trailing axes from `axis`: mean, centered values, variance,
/// 1/sqrt(var + eps), then scale and bias (16-bit floats computed in f32).
fn lower_layer_norm(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    results: &[TensorType],
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let out = &results[0];
    let x = &ins[0];
    let rms = name == ops::GRAPH_RMS_NORMALIZATION;
    // 16-bit inputs are normalized in f32 and rounded once at the end, like the
    // interpreter's wide computation (the decomposed form would underflow in f16).
    let e = match x.elem {
        ElementType::F32 | ElementType::F64 => x.elem,
        ElementType::F16 | ElementType::BF16 => ElementType::F32,
        _ => return Ok(None),
    };
    let mut wide = Vec::new();
    for (&v, t) in operands.iter().zip(ins) {
        wide.push(if t.elem == e {
            v
        } else {
            let mut kb = KernelBuilder::new(m, &[t.elem, e]);
            let a = kb.arg(0);
            let c = kb.op(ops::KERNEL_CAST, &[a], e, BTreeMap::new());
            let r = t.shape.rank() as u32;
            let wt = TensorType::new(t.shape.clone(), e);
            kb.finish_parallel(block, c, &[v], &wt, vec![AffineMap::identity(r); 2])
        });
    }
    let xw = TensorType::new(x.shape.clone(), e);
    let r = x.shape.rank();
    let axis = normalize_axis(
        match attrs.get("axis") {
            Some(Attribute::Int(a)) => *a,
            _ => -1,
        },
        r,
    )?;
    let eps = match attrs.get("epsilon") {
        Some(Attribute::Float(v, _)) => *v,
        _ => 1e-5,
    };
    let mut red = BTreeMap::new();
    red.insert(
        "axes".to_string(),
        Attribute::I64Array((axis as i64..r as i64).collect()),
    );
    red.insert("keepdims".to_string(), Attribute::Int(1));
    let kept =
        strata_ir::graph::infer_types(ops::GRAPH_REDUCE_MEAN, std::slice::from_ref(&xw), &red, 1)?
            .remove(0);
    let (centered, mean) = if rms {
        (wide[0], None)
    } else {
        let mean = must_lower(m, block, ops::GRAPH_REDUCE_MEAN, &wide[..1], &red, &kept)?;
        (
            binary_kernel(m, block, ops::GRAPH_SUB, wide[0], mean)?,
            Some(mean),
        )
    };
    let squared = binary_kernel(m, block, ops::GRAPH_MUL, centered, centered)?;
    let var = must_lower(m, block, ops::GRAPH_REDUCE_MEAN, &[squared], &red, &kept)?;
    let krank = kept.shape.rank();
    let mut kb = KernelBuilder::new(m, &[e, e]);
    let v = kb.arg(0);
    let eps_c = kb.constant(eps, e);
    let ve = kb.op(ops::KERNEL_ADD, &[v, eps_c], e, BTreeMap::new());
    let sd = kb.op(ops::KERNEL_SQRT, &[ve], e, BTreeMap::new());
    let maps = vec![
        AffineMap::identity(krank as u32),
        AffineMap::identity(krank as u32),
    ];
    let std_dev = kb.finish_parallel(block, sd, &[var], &kept, maps);
    let normalized = binary_kernel(m, block, ops::GRAPH_DIV, centered, std_dev)?;
    let mut y = binary_kernel(m, block, ops::GRAPH_MUL, normalized, wide[1])?;
    if let Some(&bias) = wide.get(2) {
        y = binary_kernel(m, block, ops::GRAPH_ADD, y, bias)?;
    }
    let narrow =
        |m: &mut Module, v: ValueId, to: &TensorType| -> Result<ValueId, crate::pass::PassError> {
            let t = m.tensor_type(v)?.clone();
            if t.elem == to.elem {
                return Ok(v);
            }
            let mut kb = KernelBuilder::new(m, &[t.elem, to.elem]);
            let a = kb.arg(0);
            let c = kb.op(ops::KERNEL_CAST, &[a], to.elem, BTreeMap::new());
            let rr = t.shape.rank() as u32;
            Ok(kb.finish_parallel(block, c, &[v], to, vec![AffineMap::identity(rr); 2]))
        };
    let mut outs = vec![narrow(m, y, out)?];
    if let (Some(stats), Some(mean)) = (results.get(1), mean) {
        outs.push(narrow(m, mean, stats)?);
    }
    if let Some(stats) = results.get(2) {
        let one = m_scalar(m, block, 1.0, e)?;
        let inv = binary_kernel(m, block, ops::GRAPH_DIV, one, std_dev)?;
        outs.push(narrow(m, inv, stats)?);
    }
    for (v, t) in outs.iter().zip(results) {
        if m.tensor_type(*v)? != t {
            return Err(format!(
                "normalization lowered to {}, expected {t}",
                m.tensor_type(*v)?
            )
            .into());
        }
    }
    Ok(Some(outs))
}

/// MaxPool (no indices output) as a max-reduction over the window of an input padded with
/// -infinity, including the overhang ceil_mode windows may have.
fn lower_max_pool(
    m: &mut Module,
    block: BlockId,
    x: ValueId,
    xt: &TensorType,
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    if xt.elem == ElementType::Bool {
        return Ok(None);
    }
    let win = strata_ir::graph::window_of(ops::GRAPH_MAX_POOL, std::slice::from_ref(xt), attrs)?;
    let k = win.kernel.len();
    let kernel: Vec<i64> = win.kernel.iter().map(|&v| v as i64).collect();
    let strides: Vec<i64> = win.strides.iter().map(|&v| v as i64).collect();
    let dilations: Vec<i64> = win.dilations.iter().map(|&v| v as i64).collect();
    let od = out.shape.dims();
    let mut full = vec![0i64; 2 * (k + 2)];
    for i in 0..k {
        let need = (od[2 + i] as i64 - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1;
        let have = (xt.shape.dims()[2 + i] + win.pads_begin[i]) as i64;
        full[2 + i] = win.pads_begin[i] as i64;
        full[k + 4 + i] = (need - have).max(0);
    }
    let lowest = extreme(xt.elem, false);
    let mut input = x;
    if full.iter().any(|&p| p != 0) {
        let mut a = BTreeMap::new();
        a.insert("pads".to_string(), Attribute::I64Array(full));
        a.insert(
            "value".to_string(),
            Attribute::Dense(strata_ir::Tensor::from_f64s(
                xt.elem,
                strata_ir::Shape::scalar(),
                &[lowest],
            )),
        );
        let ty = strata_ir::graph::infer_types(ops::GRAPH_PAD, std::slice::from_ref(xt), &a, 1)?
            .remove(0);
        input = must_lower(m, block, ops::GRAPH_PAD, &[input], &a, &ty)?;
    }
    let mut domain: Vec<usize> = od.to_vec();
    domain.extend(kernel.iter().map(|&v| v as usize));
    let nd = domain.len() as u32;
    let mut xin = vec![AffineExpr::dim(0), AffineExpr::dim(1)];
    for i in 0..k {
        xin.push(AffineExpr::linear(
            [
                ((2 + i) as u32, strides[i]),
                ((2 + k + i) as u32, dilations[i]),
            ],
            0,
        ));
    }
    let maps = vec![
        AffineMap {
            num_dims: nd,
            results: xin,
        },
        AffineMap::projection(nd, &(0..(2 + k) as u32).collect::<Vec<_>>()),
    ];
    let mut iterators = vec!["parallel"; 2 + k];
    iterators.extend(std::iter::repeat_n("reduction", k));
    let mut kb = KernelBuilder::new(m, &[xt.elem, out.elem]);
    let (v, acc) = (kb.arg(0), kb.arg(1));
    let y = kb.op(ops::KERNEL_MAX, &[acc, v], out.elem, BTreeMap::new());
    Ok(Some(kb.finish(
        block,
        &[y],
        &[input],
        std::slice::from_ref(out),
        &domain,
        &iterators,
        maps,
        &[lowest],
    )))
}

/// The smallest (`max == false`) or largest value of `e`: the identity of a max (min)
/// reduction, and the padding a max-pool never picks.
fn extreme(e: ElementType, max: bool) -> f64 {
    let (lo, hi) = e.int_limits().unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    if max {
        hi
    } else {
        lo
    }
}

/// Lowers every function of a verified module; ops without a lowering are kept.
pub fn lower_graph_to_kernel(src: &Module) -> Result<Module, crate::pass::PassError> {
    // Lowerings read attributes the verifier has checked (list lengths, axes in range).
    crate::require_valid(src, "lowering")?;
    let mut dst = Module::new();
    *dst.attrs_mut() = src.attrs().clone();
    for f in src.functions() {
        lower_function(src, f, &mut dst)?;
    }
    if !crate::verified_by_pipeline() {
        strata_ir::verify_module(&dst)
            .map_err(|e| format!("lowering produced an invalid module: {e}"))?;
    }
    Ok(dst)
}

fn lower_function(
    src: &Module,
    f: Function,
    dst: &mut Module,
) -> Result<(), crate::pass::PassError> {
    strata_ir::module::rebuild_function(src, f, dst, &mut |dst, block, d, operands| {
        let multi_result_ok = matches!(
            d.name,
            ops::GRAPH_SPLIT
                | ops::GRAPH_LAYER_NORMALIZATION
                | ops::GRAPH_TOP_K
                | ops::GRAPH_MAX_POOL
                | ops::GRAPH_DYNAMIC_QUANTIZE_LINEAR
        );
        // Control flow stays: its callees are lowered as functions of their own.
        let control = matches!(d.name, ops::GRAPH_IF | ops::GRAPH_LOOP);
        if control || !d.name.starts_with("graph.") || (d.results.len() != 1 && !multi_result_ok) {
            return Ok(None);
        }
        let results: Vec<TensorType> = d
            .results
            .iter()
            .map(|&r| src.tensor_type(r).cloned())
            .collect::<Result<_, _>>()?;
        Ok(lower_op(dst, block, d.name, operands, &d.attrs, &results)
            .map_err(|e| format!("lowering '{}': {e}", d.name))?)
    })?;
    Ok(())
}
