//! Recurrent layers (RNN, GRU, LSTM) as graph ops, unrolled over the sequence.
//!
//! Shapes are static, so the sequence length is known at import: each layer becomes one
//! input projection for every step at once (`X · Wᵀ + biases`, a single large product)
//! and, per step, the recurrent product `H · Rᵀ`, the gates and the state update. Every
//! attribute of the spec is honoured: directions, activations with their alpha/beta,
//! clip, layout, initial states, peepholes, LSTM's input_forget, GRU's
//! linear_before_reset, and `sequence_lens` (a constant; steps past a batch entry's
//! length leave its state alone and output zeros, and the reverse direction starts at
//! each entry's last step).

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, OpName, Shape, Tensor};

#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Rnn,
    Gru,
    Lstm,
}

impl Cell {
    fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Gru => 3,
            Cell::Lstm => 4,
        }
    }

    fn default_activations(self) -> &'static [&'static str] {
        match self {
            Cell::Rnn => &["Tanh"],
            Cell::Gru => &["Sigmoid", "Tanh"],
            Cell::Lstm => &["Sigmoid", "Tanh", "Tanh"],
        }
    }
}

/// An activation function of the recurrent ops' list, with its alpha and beta.
#[derive(Clone)]
struct Activation {
    name: String,
    alpha: Option<f64>,
    beta: Option<f64>,
}

/// How many of (alpha, beta) an activation takes.
fn params_of(name: &str) -> Option<usize> {
    Some(match name {
        "Relu" | "Tanh" | "Sigmoid" | "Softsign" | "Softplus" => 0,
        "LeakyRelu" | "ThresholdedRelu" | "Elu" => 1,
        "Affine" | "ScaledTanh" | "HardSigmoid" => 2,
        _ => return None,
    })
}

fn activations(node: &NodeCtx, cell: Cell, dirs: usize) -> Result<Vec<Activation>, ImportError> {
    let strings = |name: &str| -> Vec<String> {
        node.attr(name)
            .map(|a| {
                a.strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let floats = |name: &str| -> Vec<f64> {
        node.attr(name)
            .map(|a| a.floats.iter().map(|&f| f as f64).collect())
            .unwrap_or_default()
    };
    let per_dir = cell.default_activations().len();
    let mut names = strings("activations");
    if names.is_empty() {
        for _ in 0..dirs {
            names.extend(cell.default_activations().iter().map(|s| s.to_string()));
        }
    }
    if names.len() != per_dir * dirs {
        return Err(node.error(format!(
            "{} activations given; {} needs {per_dir} per direction, {} in all",
            names.len(),
            node.op_type(),
            per_dir * dirs
        )));
    }
    let (alphas, betas) = (floats("activation_alpha"), floats("activation_beta"));
    let (mut ai, mut bi) = (0, 0);
    let mut out = Vec::new();
    for n in names {
        let k = params_of(&n).ok_or_else(|| {
            node.error(format!("unknown activation '{n}' for {}", node.op_type()))
        })?;
        let alpha = (k >= 1).then(|| alphas.get(ai).copied()).flatten();
        let beta = (k >= 2).then(|| betas.get(bi).copied()).flatten();
        ai += (k >= 1 && ai < alphas.len()) as usize;
        bi += (k >= 2 && bi < betas.len()) as usize;
        out.push(Activation {
            name: n,
            alpha,
            beta,
        });
    }
    Ok(out)
}

fn apply(
    b: &mut Builder,
    f: &Activation,
    x: usize,
    elem: ElementType,
) -> Result<usize, ImportError> {
    let float = |v: f64| Attribute::Float(v, ElementType::F32);
    let unary = |b: &mut Builder, op: OpName, attrs: &[(&str, Attribute)]| b.op(op, &[x], attrs);
    match f.name.as_str() {
        "Relu" => unary(b, names::GRAPH_RELU, &[]),
        "Tanh" => unary(b, names::GRAPH_TANH, &[]),
        "Sigmoid" => unary(b, names::GRAPH_SIGMOID, &[]),
        "Softsign" => unary(b, names::GRAPH_SOFTSIGN, &[]),
        "Softplus" => unary(b, names::GRAPH_SOFTPLUS, &[]),
        "LeakyRelu" => unary(
            b,
            names::GRAPH_LEAKY_RELU,
            &[("alpha", float(f.alpha.unwrap_or(0.01)))],
        ),
        "ThresholdedRelu" => unary(
            b,
            names::GRAPH_THRESHOLDED_RELU,
            &[("alpha", float(f.alpha.unwrap_or(1.0)))],
        ),
        "Elu" => unary(
            b,
            names::GRAPH_ELU,
            &[("alpha", float(f.alpha.unwrap_or(1.0)))],
        ),
        "HardSigmoid" => unary(
            b,
            names::GRAPH_HARD_SIGMOID,
            &[
                ("alpha", float(f.alpha.unwrap_or(0.2))),
                ("beta", float(f.beta.unwrap_or(0.5))),
            ],
        ),
        "Affine" => {
            let a = b.scalar(elem, f.alpha.unwrap_or(1.0));
            let c = b.scalar(elem, f.beta.unwrap_or(0.0));
            let ax = b.op(names::GRAPH_MUL, &[x, a], &[])?;
            b.op(names::GRAPH_ADD, &[ax, c], &[])
        }
        "ScaledTanh" => {
            let a = b.scalar(elem, f.alpha.unwrap_or(1.0));
            let c = b.scalar(elem, f.beta.unwrap_or(1.0));
            let bx = b.op(names::GRAPH_MUL, &[x, c], &[])?;
            let t = b.op(names::GRAPH_TANH, &[bx], &[])?;
            b.op(names::GRAPH_MUL, &[t, a], &[])
        }
        other => Err(b.node.error(format!("unknown activation '{other}'"))),
    }
}

fn slice(
    b: &mut Builder,
    v: usize,
    axis: usize,
    start: usize,
    end: usize,
) -> Result<usize, ImportError> {
    b.op(
        names::GRAPH_SLICE,
        &[v],
        &[
            ("starts", Attribute::I64Array(vec![start as i64])),
            ("ends", Attribute::I64Array(vec![end as i64])),
            ("axes", Attribute::I64Array(vec![axis as i64])),
        ],
    )
}

/// Row `i` of a `[dirs, ...]` tensor, without its leading axis.
fn direction(b: &mut Builder, v: usize, i: usize) -> Result<usize, ImportError> {
    let mut d = b.dims(v);
    let s = slice(b, v, 0, i, i + 1)?;
    d.remove(0);
    b.reshape(s, &d)
}

fn concat(b: &mut Builder, parts: &[usize], axis: i64) -> Result<usize, ImportError> {
    if parts.len() == 1 {
        return Ok(parts[0]);
    }
    b.op(
        names::GRAPH_CONCAT,
        parts,
        &[("axis", Attribute::Int(axis))],
    )
}

fn unsqueeze0(b: &mut Builder, v: usize) -> Result<usize, ImportError> {
    let mut d = b.dims(v);
    d.insert(0, 1);
    b.reshape(v, &d)
}

/// The shared shape facts of one recurrent node.
struct Layer {
    cell: Cell,
    seq: usize,
    batch: usize,
    hidden: usize,
    elem: ElementType,
    clip: Option<f64>,
    /// Per batch entry, how many steps it has (`sequence_lens`, or the whole sequence).
    lens: Vec<usize>,
}

impl Layer {
    fn clip(&self, b: &mut Builder, v: usize) -> Result<usize, ImportError> {
        let Some(c) = self.clip else { return Ok(v) };
        let bound = |x: f64| Attribute::Dense(Tensor::from_f64s(self.elem, Shape::scalar(), &[x]));
        b.op(
            names::GRAPH_CLIP,
            &[v],
            &[("min", bound(-c)), ("max", bound(c))],
        )
    }

    /// Whether some batch entry is shorter than the sequence.
    fn ragged(&self) -> bool {
        self.lens.iter().any(|&l| l < self.seq)
    }

    /// The `[batch, 1]` mask of the entries that step `s` (in processing order) updates.
    fn live(&self, b: &mut Builder, s: usize) -> usize {
        let v: Vec<bool> = self.lens.iter().map(|&l| s < l).collect();
        b.constant(Tensor::from_bools(Shape::new([self.batch, 1]), v))
    }

    /// `[seq, batch, k]` rows reordered so that row `s` of entry `b` is its step
    /// `len_b - 1 - s` (each entry reversed within its length); its own inverse.
    fn reverse(&self, b: &mut Builder, v: usize) -> Result<usize, ImportError> {
        let n = b
            .node
            .fold_size("the reversed steps' index table", &[self.seq, self.batch])?;
        let mut idx = Vec::with_capacity(n);
        for s in 0..self.seq {
            for &l in &self.lens {
                idx.push(if s < l { (l - 1 - s) as i64 } else { s as i64 });
            }
        }
        let index = Tensor::from_i64s(
            ElementType::I64,
            Shape::new([self.seq, self.batch, 1]),
            &idx,
        );
        b.gather_at(v, index, 0)
    }
}

/// One direction of the layer over the whole sequence: `Y [seq, batch, hidden]` in
/// time order, and the final hidden (and, for LSTM, cell) state.
#[allow(clippy::too_many_arguments)]
fn run_direction(
    b: &mut Builder,
    layer: &Layer,
    x: usize,
    w: usize,
    r: usize,
    bias: Option<usize>,
    h0: usize,
    c0: Option<usize>,
    peep: Option<usize>,
    acts: &[Activation],
    reverse: bool,
    linear_before_reset: bool,
    input_forget: bool,
) -> Result<(usize, usize, Option<usize>), ImportError> {
    let (g, hs, elem) = (layer.cell.gates(), layer.hidden, layer.elem);
    // Every step's input projection at once: [seq, batch, g·hidden].
    let wt = b.transpose(w, &[1, 0])?;
    let mut xw = b.op(names::GRAPH_MATMUL, &[x, wt], &[])?;
    // GRU with linear_before_reset keeps the recurrent bias of h inside the reset.
    let mut rb_h = None;
    if let Some(bias) = bias {
        let wb = slice(b, bias, 0, 0, g * hs)?;
        let rb = slice(b, bias, 0, g * hs, 2 * g * hs)?;
        let both = if layer.cell == Cell::Gru && linear_before_reset {
            rb_h = Some(slice(b, rb, 0, 2 * hs, 3 * hs)?);
            let zr = slice(b, rb, 0, 0, 2 * hs)?;
            let none = b.constant(Tensor::from_f64s(elem, Shape::new([hs]), &vec![0.0; hs]));
            let rb = concat(b, &[zr, none], 0)?;
            b.op(names::GRAPH_ADD, &[wb, rb], &[])?
        } else {
            b.op(names::GRAPH_ADD, &[wb, rb], &[])?
        };
        xw = b.op(names::GRAPH_ADD, &[xw, both], &[])?;
    }
    let reordered = reverse && layer.ragged();
    if reordered {
        xw = layer.reverse(b, xw)?;
    }
    let rt = b.transpose(r, &[1, 0])?;
    let gate = |b: &mut Builder, v: usize, i: usize| slice(b, v, 1, i * hs, (i + 1) * hs);
    let (mut h, mut c) = (h0, c0);
    let mut ys = vec![0usize; layer.seq];
    let zero = b.scalar(elem, 0.0);
    for s in 0..layer.seq {
        // With ragged lengths, reversed rows are already in processing order.
        let t = if reverse && !reordered {
            layer.seq - 1 - s
        } else {
            s
        };
        let xt = slice(b, xw, 0, t, t + 1)?;
        let xt = b.reshape(xt, &[layer.batch, g * hs])?;
        let (h_new, c_new) = match layer.cell {
            Cell::Rnn => {
                let hr = b.op(names::GRAPH_MATMUL, &[h, rt], &[])?;
                let pre = b.op(names::GRAPH_ADD, &[xt, hr], &[])?;
                let pre = layer.clip(b, pre)?;
                (apply(b, &acts[0], pre, elem)?, None)
            }
            Cell::Gru => {
                let (f, gf) = (&acts[0], &acts[1]);
                let r_zr = slice(b, rt, 1, 0, 2 * hs)?;
                let r_h = slice(b, rt, 1, 2 * hs, 3 * hs)?;
                let hr = b.op(names::GRAPH_MATMUL, &[h, r_zr], &[])?;
                let x_zr = slice(b, xt, 1, 0, 2 * hs)?;
                let zr = b.op(names::GRAPH_ADD, &[x_zr, hr], &[])?;
                let zr = layer.clip(b, zr)?;
                let zr = apply(b, f, zr, elem)?;
                let z = gate(b, zr, 0)?;
                let rg = gate(b, zr, 1)?;
                let x_h = gate(b, xt, 2)?;
                let recur = if linear_before_reset {
                    let mut hh = b.op(names::GRAPH_MATMUL, &[h, r_h], &[])?;
                    if let Some(rbh) = rb_h {
                        hh = b.op(names::GRAPH_ADD, &[hh, rbh], &[])?;
                    }
                    b.op(names::GRAPH_MUL, &[rg, hh], &[])?
                } else {
                    let rh = b.op(names::GRAPH_MUL, &[rg, h], &[])?;
                    b.op(names::GRAPH_MATMUL, &[rh, r_h], &[])?
                };
                let pre = b.op(names::GRAPH_ADD, &[x_h, recur], &[])?;
                let pre = layer.clip(b, pre)?;
                let cand = apply(b, gf, pre, elem)?;
                // (1 - z) · candidate + z · h
                let one = b.scalar(elem, 1.0);
                let keep = b.op(names::GRAPH_SUB, &[one, z], &[])?;
                let a = b.op(names::GRAPH_MUL, &[keep, cand], &[])?;
                let zh = b.op(names::GRAPH_MUL, &[z, h], &[])?;
                (b.op(names::GRAPH_ADD, &[a, zh], &[])?, None)
            }
            Cell::Lstm => {
                let (f, gf, hf) = (&acts[0], &acts[1], &acts[2]);
                let c_prev = c.ok_or_else(|| b.node.error("LSTM without a cell state"))?;
                let hr = b.op(names::GRAPH_MATMUL, &[h, rt], &[])?;
                let pre = b.op(names::GRAPH_ADD, &[xt, hr], &[])?;
                // Gates in ONNX's order: input, output, forget, cell.
                let mut pi = gate(b, pre, 0)?;
                let mut po = gate(b, pre, 1)?;
                let mut pf = gate(b, pre, 2)?;
                let pc = gate(b, pre, 3)?;
                let peeps = match peep {
                    Some(p) => Some((
                        slice(b, p, 0, 0, hs)?,
                        slice(b, p, 0, hs, 2 * hs)?,
                        slice(b, p, 0, 2 * hs, 3 * hs)?,
                    )),
                    None => None,
                };
                if let Some((p_i, _, p_f)) = peeps {
                    let a = b.op(names::GRAPH_MUL, &[p_i, c_prev], &[])?;
                    pi = b.op(names::GRAPH_ADD, &[pi, a], &[])?;
                    let a = b.op(names::GRAPH_MUL, &[p_f, c_prev], &[])?;
                    pf = b.op(names::GRAPH_ADD, &[pf, a], &[])?;
                }
                let pi = layer.clip(b, pi)?;
                let i_g = apply(b, f, pi, elem)?;
                let f_g = if input_forget {
                    let one = b.scalar(elem, 1.0);
                    b.op(names::GRAPH_SUB, &[one, i_g], &[])?
                } else {
                    let pf = layer.clip(b, pf)?;
                    apply(b, f, pf, elem)?
                };
                let pc = layer.clip(b, pc)?;
                let c_g = apply(b, gf, pc, elem)?;
                let kept = b.op(names::GRAPH_MUL, &[f_g, c_prev], &[])?;
                let added = b.op(names::GRAPH_MUL, &[i_g, c_g], &[])?;
                let c_new = b.op(names::GRAPH_ADD, &[kept, added], &[])?;
                if let Some((_, p_o, _)) = peeps {
                    let a = b.op(names::GRAPH_MUL, &[p_o, c_new], &[])?;
                    po = b.op(names::GRAPH_ADD, &[po, a], &[])?;
                }
                let po = layer.clip(b, po)?;
                let o_g = apply(b, f, po, elem)?;
                let hc = apply(b, hf, c_new, elem)?;
                (b.op(names::GRAPH_MUL, &[o_g, hc], &[])?, Some(c_new))
            }
        };
        let (h_next, c_next, y) = if layer.ragged() {
            let live = layer.live(b, s);
            let h_next = b.op(names::GRAPH_WHERE, &[live, h_new, h], &[])?;
            let c_next = match (c_new, c) {
                (Some(cn), Some(cp)) => Some(b.op(names::GRAPH_WHERE, &[live, cn, cp], &[])?),
                _ => None,
            };
            let y = b.op(names::GRAPH_WHERE, &[live, h_new, zero], &[])?;
            (h_next, c_next, y)
        } else {
            (h_new, c_new, h_new)
        };
        ys[t] = unsqueeze0(b, y)?;
        h = h_next;
        c = c_next;
    }
    let mut y = concat(b, &ys, 0)?;
    if reordered {
        y = layer.reverse(b, y)?;
    }
    Ok((y, h, c))
}

fn recurrent(imp: &mut Importer, node: &NodeCtx, cell: Cell) -> Result<Vec<usize>, ImportError> {
    let (x, w, r) = (
        imp.required(node, 0)?,
        imp.required(node, 1)?,
        imp.required(node, 2)?,
    );
    let lens = match node.input(4) {
        Some(_) => Some(
            imp.const_input(node, 4)?
                .map(|t| t.to_i64s())
                .unwrap_or_default(),
        ),
        None => None,
    };
    let mut b = Builder { imp, node };
    let elem = b.imp.values[x].ty.elem;
    if !elem.is_float() {
        return Err(node.error(format!("X must be a float tensor, found {elem}")));
    }
    let batchwise = node.attr_int("layout").unwrap_or(0) == 1;
    let xd = b.dims(x);
    if xd.len() != 3 {
        return Err(node.error(format!("X must be 3-D, found {xd:?}")));
    }
    let x = if batchwise {
        b.transpose(x, &[1, 0, 2])?
    } else {
        x
    };
    let (seq, batch, input) = {
        let d = b.dims(x);
        (d[0], d[1], d[2])
    };
    if seq == 0 {
        return Err(node.error("X has an empty sequence"));
    }
    // Each step becomes its own ops: a billion-step sequence spent minutes building them.
    let steps = strata_ir::limits::Limit::UnrolledSteps;
    if seq as u64 > steps.get() {
        return Err(node.unsupported(format!(
            "a sequence of {seq} steps, past {} (the importer unrolls every step)",
            steps.named()
        )));
    }
    let dir_name = node.attr_string("direction", "forward");
    let reverse: Vec<bool> = match dir_name.as_str() {
        "forward" => vec![false],
        "reverse" => vec![true],
        "bidirectional" => vec![false, true],
        other => return Err(node.error(format!("unknown direction '{other}'"))),
    };
    let dirs = reverse.len();
    let g = cell.gates();
    let (wd, rd) = (b.dims(w), b.dims(r));
    let hidden = match node.attr_int("hidden_size") {
        Some(h) if h > 0 => h as usize,
        _ => rd.get(2).copied().unwrap_or(0),
    };
    if wd != [dirs, g * hidden, input] || rd != [dirs, g * hidden, hidden] {
        return Err(node.error(format!(
            "W {wd:?} and R {rd:?} do not fit {dirs} direction(s) of {g} gate(s) of hidden size {hidden} over inputs of size {input}"
        )));
    }
    // Per batch entry the import keeps a length and the zero states a constant.
    if batch
        .checked_mul(hidden.max(1))
        .is_none_or(|n| n > crate::import::fold_limit())
    {
        return Err(node.unsupported(format!(
            "a batch of {batch} x {hidden} hidden units, past {} (the constant states the importer builds)",
            strata_ir::limits::Limit::FoldElements.named()
        )));
    }
    let lens: Vec<usize> = match lens {
        Some(l) if l.len() == batch && l.iter().all(|&v| v >= 0 && v as usize <= seq) => {
            l.into_iter().map(|v| v as usize).collect()
        }
        Some(l) => {
            return Err(node.error(format!(
                "sequence_lens {l:?} must give each of the {batch} batch entries a length of at most {seq}"
            )))
        }
        None => vec![seq; batch],
    };
    let layer = Layer {
        cell,
        seq,
        batch,
        hidden,
        elem,
        clip: node.attr_float("clip").map(|c| c as f64),
        lens,
    };
    let acts = activations(node, cell, dirs)?;
    let per_dir = cell.default_activations().len();
    let state = |b: &mut Builder, i: usize| -> Result<Option<usize>, ImportError> {
        let Some(v) = node.input(i) else {
            return Ok(None);
        };
        let v = if batchwise {
            b.transpose(v, &[1, 0, 2])?
        } else {
            v
        };
        let d = b.dims(v);
        if d != [dirs, batch, hidden] {
            return Err(node.error(format!(
                "initial state input #{i} is {d:?}, not [{dirs}, {batch}, {hidden}]"
            )));
        }
        Ok(Some(v))
    };
    let h0 = state(&mut b, 5)?;
    let c0 = if cell == Cell::Lstm {
        state(&mut b, 6)?
    } else {
        None
    };
    let bias = node.input(3);
    let peep = if cell == Cell::Lstm {
        node.input(7)
    } else {
        None
    };
    let zeros = |b: &mut Builder| {
        b.constant(Tensor::from_f64s(
            elem,
            Shape::new([batch, hidden]),
            &vec![0.0; batch * hidden],
        ))
    };
    let (mut ys, mut hs, mut cs) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &rev) in reverse.iter().enumerate() {
        let wi = direction(&mut b, w, i)?;
        let ri = direction(&mut b, r, i)?;
        let bi = match bias {
            Some(v) => Some(direction(&mut b, v, i)?),
            None => None,
        };
        let hi = match h0 {
            Some(v) => direction(&mut b, v, i)?,
            None => zeros(&mut b),
        };
        let ci = match (cell, c0) {
            (Cell::Lstm, Some(v)) => Some(direction(&mut b, v, i)?),
            (Cell::Lstm, None) => Some(zeros(&mut b)),
            _ => None,
        };
        let pi = match peep {
            Some(v) => Some(direction(&mut b, v, i)?),
            None => None,
        };
        let (y, h, c) = run_direction(
            &mut b,
            &layer,
            x,
            wi,
            ri,
            bi,
            hi,
            ci,
            pi,
            &acts[i * per_dir..(i + 1) * per_dir],
            rev,
            node.attr_int("linear_before_reset").unwrap_or(0) != 0,
            node.attr_int("input_forget").unwrap_or(0) != 0,
        )?;
        // Y gets its direction axis at 1: [seq, dirs, batch, hidden].
        ys.push(b.reshape(y, &[seq, 1, batch, hidden])?);
        hs.push(unsqueeze0(&mut b, h)?);
        if let Some(c) = c {
            cs.push(unsqueeze0(&mut b, c)?);
        }
    }
    let mut y = concat(&mut b, &ys, 1)?;
    let mut y_h = concat(&mut b, &hs, 0)?;
    let mut y_c = if cs.is_empty() {
        None
    } else {
        Some(concat(&mut b, &cs, 0)?)
    };
    if batchwise {
        y = b.transpose(y, &[2, 0, 1, 3])?;
        y_h = b.transpose(y_h, &[1, 0, 2])?;
        if let Some(c) = y_c {
            y_c = Some(b.transpose(c, &[1, 0, 2])?);
        }
    }
    let mut out = vec![y, y_h];
    out.extend(y_c);
    Ok(out)
}

pub(crate) fn rnn(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    recurrent(imp, node, Cell::Rnn)
}

pub(crate) fn gru(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    recurrent(imp, node, Cell::Gru)
}

pub(crate) fn lstm(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    recurrent(imp, node, Cell::Lstm)
}
