//! Lowering graph ops to `kernel.generic` ops.
//!
//! Each graph op becomes one or a few structured kernels: an iteration domain, one affine
//! map per operand and result, and a scalar body built from the same elementwise table
//! the graph dialect uses. Ops without a lowering yet stay graph ops: the dialects coexist
//! in one module during progressive lowering, and the interpreter runs both.
//!
//! Lowered today: every unary and binary elementwise op (numpy broadcasting becomes
//! constant-0 or dropped map entries), Max/Min/Sum/Mean, MatMul (batched, with batch
//! broadcasting), the ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare/LogSum reductions, and
//! Transpose.

use std::collections::{BTreeMap, HashMap};
use strata_ir::graph::{BINARY_OPS, UNARY_OPS};
use strata_ir::module::BlockId;
use strata_ir::types::normalize_axis;
use strata_ir::{
    AffineExpr, AffineMap, Attribute, ElementType, Function, Module, OpSpec, TensorType, Type,
    ValueId,
};

/// A kernel under construction: its structure and the body being built.
struct KernelBuilder<'m> {
    m: &'m mut Module,
    body: BlockId,
    region: strata_ir::module::RegionId,
}

impl<'m> KernelBuilder<'m> {
    /// Starts a body with one scalar argument per input and result element type.
    fn new(m: &'m mut Module, arg_elems: &[ElementType]) -> Self {
        let region = m.new_region();
        let types: Vec<Type> = arg_elems.iter().map(|&e| Type::Scalar(e)).collect();
        let body = m.append_block(region, &types);
        KernelBuilder { m, body, region }
    }

    fn arg(&self, i: usize) -> ValueId {
        self.m.block(self.body).args[i]
    }

    /// Appends a scalar op to the body.
    fn op(
        &mut self,
        name: &str,
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

    fn constant(&mut self, value: f64, elem: ElementType) -> ValueId {
        let v = if elem.is_float() {
            Attribute::Float(value, elem)
        } else {
            Attribute::Int(value as i64)
        };
        let mut a = BTreeMap::new();
        a.insert("value".to_string(), v);
        self.op("kernel.constant", &[], elem, a)
    }

    /// Ends the body and appends the `kernel.generic` to `block`.
    #[allow(clippy::too_many_arguments)]
    fn finish(
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
            OpSpec::new("kernel.yield").operands(yielded.iter().copied()),
        );
        let mut spec = OpSpec::new("kernel.generic")
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

/// The map reading an operand of shape `operand` broadcast to `out` (numpy rules) inside
/// a domain whose leading dimensions are `out`'s.
fn broadcast_map(num_dims: usize, out: &[usize], operand: &[usize]) -> AffineMap {
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

fn types_of(m: &Module, values: &[ValueId]) -> Result<Vec<TensorType>, String> {
    values.iter().map(|&v| m.tensor_type(v).cloned()).collect()
}

/// Lowers one graph op into `block`, or returns `None` to keep it as it is.
fn lower_op(
    m: &mut Module,
    block: BlockId,
    name: &str,
    operands: &[ValueId],
    attrs: &BTreeMap<String, Attribute>,
    results: &[TensorType],
) -> Result<Option<Vec<ValueId>>, String> {
    let ins = types_of(m, operands)?;
    let op = &name[6..];
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
            kb.finish(
                block,
                &[y],
                operands,
                results,
                out.shape.dims(),
                &vec!["parallel"; rank],
                maps,
                &[0.0],
            )
        };
    if UNARY_OPS.iter().any(|u| u.name == name) {
        let kname = format!("kernel.{op}");
        let attrs = attrs.clone();
        return Ok(Some(elementwise(m, &|kb| {
            let x = kb.arg(0);
            kb.op(&kname, &[x], out.elem, attrs.clone())
        })));
    }
    if BINARY_OPS.iter().any(|b| b.name == name) {
        let kname = format!("kernel.{op}");
        return Ok(Some(elementwise(m, &|kb| {
            let (x, y) = (kb.arg(0), kb.arg(1));
            kb.op(&kname, &[x, y], out.elem, BTreeMap::new())
        })));
    }
    match name {
        "graph.max" | "graph.min" | "graph.sum" | "graph.mean" => {
            let step = match name {
                "graph.max" => "kernel.max",
                "graph.min" => "kernel.min",
                _ => "kernel.add",
            };
            let n = ins.len();
            let mean = name == "graph.mean";
            Ok(Some(elementwise(m, &|kb| {
                let mut acc = kb.arg(0);
                for i in 1..n {
                    let next = kb.arg(i);
                    acc = kb.op(step, &[acc, next], out.elem, BTreeMap::new());
                }
                if mean {
                    let count = kb.constant(n as f64, out.elem);
                    acc = kb.op("kernel.div", &[acc, count], out.elem, BTreeMap::new());
                }
                acc
            })))
        }
        "graph.transpose" => {
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
            let kb = KernelBuilder::new(m, &[ins[0].elem, out.elem]);
            let x = kb.arg(0);
            let maps = vec![
                AffineMap {
                    num_dims: r as u32,
                    results: input_results,
                },
                AffineMap::identity(r as u32),
            ];
            Ok(Some(kb.finish(
                block,
                &[x],
                operands,
                results,
                out.shape.dims(),
                &vec!["parallel"; r],
                maps,
                &[0.0],
            )))
        }
        "graph.matmul" => lower_matmul(m, block, operands, &ins, out),
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
) -> Result<Option<Vec<ValueId>>, String> {
    let (a, b) = (&ins[0], &ins[1]);
    if a.shape.rank() < 2 || b.shape.rank() < 2 {
        // 1-D operands keep the graph op (reshaping around the kernel comes later).
        return Ok(None);
    }
    let od = out.shape.dims();
    let batch = od.len() - 2;
    let k = a.shape.dims()[a.shape.rank() - 1];
    // Domain: batch..., m, n, k.
    let mut domain: Vec<usize> = od.to_vec();
    domain.push(k);
    let nd = domain.len() as u32;
    let (dm, dn, dk) = (batch as u32, batch as u32 + 1, batch as u32 + 2);
    let operand_map = |t: &TensorType, rows: u32, cols: u32| {
        let r = t.shape.rank();
        let tb = r - 2;
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
        results.push(AffineExpr::dim(rows));
        results.push(AffineExpr::dim(cols));
        AffineMap {
            num_dims: nd,
            results,
        }
    };
    let maps = vec![
        operand_map(a, dm, dk),
        operand_map(b, dk, dn),
        AffineMap::projection(nd, &(0..batch as u32 + 2).collect::<Vec<_>>()),
    ];
    let mut kb = KernelBuilder::new(m, &[a.elem, b.elem, out.elem]);
    let (x, y, acc) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let p = kb.op("kernel.mul", &[x, y], out.elem, BTreeMap::new());
    let s = kb.op("kernel.add", &[acc, p], out.elem, BTreeMap::new());
    let mut iterators = vec!["parallel"; batch + 2];
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
    name: &str,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    out: &TensorType,
) -> Result<Option<Vec<ValueId>>, String> {
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
        "graph.reduce_sum" => (0.0, "add", None),
        "graph.reduce_mean" => (0.0, "add", Some("mean")),
        "graph.reduce_max" => (
            if x.elem.is_float() {
                f64::NEG_INFINITY
            } else {
                int_min(x.elem)
            },
            "max",
            None,
        ),
        "graph.reduce_min" => (
            if x.elem.is_float() {
                f64::INFINITY
            } else {
                int_max(x.elem)
            },
            "min",
            None,
        ),
        "graph.reduce_prod" => (1.0, "mul", None),
        "graph.reduce_l1" => (0.0, "abs-add", None),
        "graph.reduce_sum_square" => (0.0, "square-add", None),
        "graph.reduce_l2" if x.elem.is_float() => (0.0, "square-add", Some("sqrt")),
        "graph.reduce_log_sum" if x.elem.is_float() => (0.0, "add", Some("log")),
        _ => return Ok(None),
    };
    if x.elem == ElementType::Bool || (post == Some("mean") && !x.elem.is_float()) {
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
            let a = kb.op("kernel.abs", &[v], e, BTreeMap::new());
            kb.op("kernel.add", &[acc, a], e, BTreeMap::new())
        }
        "square-add" => {
            let sq = kb.op("kernel.mul", &[v, v], e, BTreeMap::new());
            kb.op("kernel.add", &[acc, sq], e, BTreeMap::new())
        }
        op => kb.op(&format!("kernel.{op}"), &[acc, v], e, BTreeMap::new()),
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
            kb.op("kernel.div", &[v, c], e, BTreeMap::new())
        }
        op => kb.op(&format!("kernel.{op}"), &[v], e, BTreeMap::new()),
    };
    let maps = vec![
        AffineMap::identity(orank as u32),
        AffineMap::identity(orank as u32),
    ];
    Ok(Some(kb.finish(
        block,
        &[y],
        &[reduced],
        std::slice::from_ref(out),
        out.shape.dims(),
        &vec!["parallel"; orank],
        maps,
        &[0.0],
    )))
}

fn int_min(e: ElementType) -> f64 {
    match e {
        ElementType::I8 => i8::MIN as f64,
        ElementType::I16 => i16::MIN as f64,
        ElementType::I32 => i32::MIN as f64,
        ElementType::U8 => 0.0,
        _ => i64::MIN as f64,
    }
}

fn int_max(e: ElementType) -> f64 {
    match e {
        ElementType::I8 => i8::MAX as f64,
        ElementType::I16 => i16::MAX as f64,
        ElementType::I32 => i32::MAX as f64,
        ElementType::U8 => u8::MAX as f64,
        _ => i64::MAX as f64,
    }
}

/// Lowers every function of a verified module; ops without a lowering are kept.
pub fn lower_graph_to_kernel(src: &Module) -> Result<Module, String> {
    let mut dst = Module::new();
    for f in src.functions() {
        lower_function(src, f, &mut dst)?;
    }
    strata_ir::verify_module(&dst)
        .map_err(|e| format!("lowering produced an invalid module: {e}"))?;
    Ok(dst)
}

fn lower_function(src: &Module, f: Function, dst: &mut Module) -> Result<(), String> {
    let inputs: Vec<(String, TensorType)> = f
        .input_names(src)
        .into_iter()
        .zip(
            f.arguments(src)
                .iter()
                .map(|&a| src.tensor_type(a).cloned()),
        )
        .map(|(n, t)| t.map(|t| (n, t)))
        .collect::<Result<_, _>>()?;
    let (func, block) = dst.add_function(f.name(src), &inputs);
    let mut map: HashMap<ValueId, ValueId> = f
        .arguments(src)
        .iter()
        .copied()
        .zip(func.arguments(dst).to_vec())
        .collect();
    let mut returned = Vec::new();
    for &op in &src.block(f.entry_block(src)).ops {
        let d = src.op(op);
        let operands = d
            .operands
            .iter()
            .map(|v| {
                map.get(v)
                    .copied()
                    .ok_or("operand defined outside the function")
            })
            .collect::<Result<Vec<_>, _>>()?;
        if d.name == "func.return" {
            returned = operands;
            continue;
        }
        let results: Vec<TensorType> = d
            .results
            .iter()
            .map(|&r| src.tensor_type(r).cloned())
            .collect::<Result<_, _>>()?;
        let lowered =
            if d.name.starts_with("graph.") && d.results.len() == 1 && d.regions.is_empty() {
                lower_op(dst, block, &d.name, &operands, &d.attrs, &results)
                    .map_err(|e| format!("lowering '{}': {e}", d.name))?
            } else {
                None
            };
        let new_results = match lowered {
            Some(v) => v,
            None => {
                let created = dst.append_op(
                    block,
                    OpSpec {
                        name: d.name.clone(),
                        operands,
                        result_types: results.into_iter().map(Type::Tensor).collect(),
                        attrs: d.attrs.clone(),
                        regions: vec![],
                        loc: d.loc.clone(),
                    },
                );
                dst.results(created).to_vec()
            }
        };
        for (&old, &new) in d.results.iter().zip(&new_results) {
            map.insert(old, new);
        }
    }
    let named: Vec<(String, ValueId)> = f.output_names(src).into_iter().zip(returned).collect();
    dst.set_return(func, &named);
    Ok(())
}
