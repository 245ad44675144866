//! Ops of recurrent-state models (Mamba, Gated DeltaNet) written as the graph ops of their
//! definitions: `CausalConvWithState` is a concat with the carried state, a depthwise
//! convolution and the state's new tail; `LinearAttention` its recurrence unrolled over
//! the tokens.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType};

/// `CausalConvWithState(input [B, C, L], weight [C, 1, k], bias?, past_state? [B, C, k-1])`:
/// the input after the state (zeros when omitted), convolved per channel with no padding,
/// plus the bias, then SiLU when asked; the new state is the last `k - 1` positions.
pub(crate) fn causal_conv_with_state(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (x, w) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let activation = node.attr_string("activation", "none");
    let silu = match activation.as_str() {
        "none" => false,
        "silu" | "swish" => true,
        other => return Err(node.unsupported(format!("activation '{other}'"))),
    };
    let mut b = Builder { imp, node };
    let (xd, wd) = (b.dims(x), b.dims(w));
    let elem = b.imp.values[x].ty.elem;
    let (&[batch, channels, length], &[wc, 1, k]) = (xd.as_slice(), wd.as_slice()) else {
        return Err(node.error(format!(
            "input must be [batch, channels, length] and weight [channels, 1, k], found {xd:?} and {wd:?}"
        )));
    };
    if wc != channels || k == 0 || !elem.is_float() {
        return Err(node.error(format!(
            "weight {wd:?} does not fit input {xd:?} of {elem} (a float tensor, one kernel per channel)"
        )));
    }
    let state_dims = vec![batch, channels, k - 1];
    let padded = match (node.input(3), k) {
        (_, 1) => x,
        (Some(past), _) => {
            if b.dims(past) != state_dims {
                return Err(node.error(format!(
                    "past_state is {:?}; a kernel of {k} carries {state_dims:?}",
                    b.dims(past)
                )));
            }
            b.op(
                names::GRAPH_CONCAT,
                &[past, x],
                &[("axis", Attribute::Int(2))],
            )?
        }
        (None, _) => {
            let zeros = b.zeros(&state_dims, elem)?;
            b.op(
                names::GRAPH_CONCAT,
                &[zeros, x],
                &[("axis", Attribute::Int(2))],
            )?
        }
    };
    let mut operands = vec![padded, w];
    operands.extend(node.input(2));
    let conv = b.op(
        names::GRAPH_CONV,
        &operands,
        &[
            ("group", Attribute::Int(channels as i64)),
            ("kernel_shape", Attribute::I64Array(vec![k as i64])),
            ("pads", Attribute::I64Array(vec![0, 0])),
            ("strides", Attribute::I64Array(vec![1])),
            ("dilations", Attribute::I64Array(vec![1])),
        ],
    )?;
    let output = if silu {
        // SiLU in f32 at least, rounded back once (as the reference computes it).
        let wide = if elem == ElementType::F64 {
            elem
        } else {
            ElementType::F32
        };
        let c = b.cast(conv, wide)?;
        let gate = b.op(names::GRAPH_SIGMOID, &[c], &[])?;
        let y = b.op(names::GRAPH_MUL, &[c, gate], &[])?;
        b.cast(y, elem)?
    } else {
        conv
    };
    let total = length + k - 1;
    let state = if k == 1 {
        b.zeros(&state_dims, elem)?
    } else {
        b.op(
            names::GRAPH_SLICE,
            &[padded],
            &[
                ("starts", Attribute::I64Array(vec![length as i64])),
                ("ends", Attribute::I64Array(vec![total as i64])),
                ("axes", Attribute::I64Array(vec![2])),
            ],
        )?
    };
    Ok(vec![output, state])
}

/// The most tokens a LinearAttention unrolls (each a handful of ops).
const MAX_TOKENS: usize = 1 << 16;

/// `LinearAttention`: the recurrence over the T tokens, unrolled at import, in f32 (as
/// the reference computes it), with GQA's KV heads shared by interleaved query heads:
/// per token, the state decays by `exp(g)` (gated rules), the value is corrected by what
/// the state already holds for the key (`β·(v − Sᵀk)`, delta rules), `k ⊗ v` is added, and
/// the output is `scale · qᵀS`.
pub(crate) fn linear_attention(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let rule = node.attr_string("update_rule", "gated_delta");
    let (gating, delta) = match rule.as_str() {
        "linear" => (false, false),
        "gated" => (true, false),
        "delta" => (false, true),
        "gated_delta" => (true, true),
        other => return Err(node.error(format!("unknown update_rule '{other}'"))),
    };
    let heads = |name: &str| -> Result<usize, ImportError> {
        match node.attr_int(name) {
            Some(h) if h > 0 => Ok(h as usize),
            _ => Err(node.error(format!("'{name}' must be a positive head count"))),
        }
    };
    let (hq, hkv) = (heads("q_num_heads")?, heads("kv_num_heads")?);
    if hq % hkv != 0 {
        return Err(node.error(format!(
            "q_num_heads ({hq}) must be a multiple of kv_num_heads ({hkv})"
        )));
    }
    let (q, k, v) = (
        imp.required(node, 0)?,
        imp.required(node, 1)?,
        imp.required(node, 2)?,
    );
    let (past, decay, beta) = (node.input(3), node.input(4), node.input(5));
    for (what, needed, given) in [("decay", gating, decay), ("beta", delta, beta)] {
        if needed != given.is_some() {
            return Err(node.error(format!(
                "update_rule '{rule}' {} a {what} input",
                if needed { "needs" } else { "takes no" }
            )));
        }
    }
    let mut b = Builder { imp, node };
    let out_elem = b.imp.values[q].ty.elem;
    let (qd, kd, vd) = (b.dims(q), b.dims(k), b.dims(v));
    let rank3 = [&qd, &kd, &vd].iter().all(|d| d.len() == 3);
    if !rank3 || !out_elem.is_float() || qd[2] % hq != 0 || vd[2] % hkv != 0 {
        return Err(node.error(format!(
            "query, key and value must be float [B, T, heads·dim] tensors, found {qd:?}, {kd:?}, {vd:?}"
        )));
    }
    let (batch, tokens) = (qd[0], qd[1]);
    let (dk, dv) = (qd[2] / hq, vd[2] / hkv);
    if kd != [batch, tokens, hkv * dk] || vd[..2] != [batch, tokens] {
        return Err(node.error(format!(
            "key {kd:?} and value {vd:?} do not fit query {qd:?} with {hq} query and {hkv} KV heads"
        )));
    }
    if tokens > MAX_TOKENS {
        return Err(node.unsupported(format!(
            "{tokens} tokens: Strata unrolls the recurrence, up to {MAX_TOKENS}"
        )));
    }
    let f32 = ElementType::F32;
    // [B, T, H·D] → [B, H, T, D] in f32.
    let heads_of = |b: &mut Builder, x: usize, h: usize, d: usize| {
        let x = b.cast(x, f32)?;
        let x = b.reshape(x, &[batch, tokens, h, d])?;
        b.op(
            names::GRAPH_TRANSPOSE,
            &[x],
            &[("perm", Attribute::I64Array(vec![0, 2, 1, 3]))],
        )
    };
    let (q4, k4, v4) = (
        heads_of(&mut b, q, hq, dk)?,
        heads_of(&mut b, k, hkv, dk)?,
        heads_of(&mut b, v, hkv, dv)?,
    );
    let per_token = |b: &mut Builder, x: usize, name: &str, widths: &[usize]| {
        let d = b.dims(x);
        match d.as_slice() {
            &[bb, t, w] if bb == batch && t == tokens && widths.contains(&w) => {
                let h = if w == hkv * dk && w != hkv { hkv } else { w };
                heads_of(b, x, h, w / h)
            }
            _ => Err(node.error(format!(
                "{name} is {d:?}; it must be [{batch}, {tokens}, n] with n in {widths:?}"
            ))),
        }
    };
    let decay4 = match decay {
        Some(g) => Some(per_token(&mut b, g, "decay", &[hkv, hkv * dk])?),
        None => None,
    };
    let beta4 = match beta {
        Some(x) => Some(per_token(&mut b, x, "beta", &[hkv, 1])?),
        None => None,
    };
    let state_dims = [batch, hkv, dk, dv];
    let (mut state, state_elem) = match past {
        Some(p) => {
            if b.dims(p) != state_dims {
                return Err(node.error(format!(
                    "past_state is {:?}; the heads make it {state_dims:?}",
                    b.dims(p)
                )));
            }
            let e = b.imp.values[p].ty.elem;
            (b.cast(p, f32)?, e)
        }
        None => (b.zeros(&state_dims, f32)?, out_elem),
    };
    let scale = match node.attr_float("scale") {
        Some(s) if s != 0.0 => s as f64,
        _ => 1.0 / (dk as f64).sqrt(),
    };
    let scale = b.scalar(f32, scale);
    let at = |b: &mut Builder, x: usize, t: usize| {
        b.op(
            names::GRAPH_SLICE,
            &[x],
            &[
                ("starts", Attribute::I64Array(vec![t as i64])),
                ("ends", Attribute::I64Array(vec![t as i64 + 1])),
                ("axes", Attribute::I64Array(vec![2])),
            ],
        )
    };
    let swap_last = Attribute::I64Array(vec![0, 1, 3, 2]);
    let group = hq / hkv;
    let mut outputs = Vec::with_capacity(tokens);
    for t in 0..tokens {
        let (q_t, k_t) = (at(&mut b, q4, t)?, at(&mut b, k4, t)?);
        let mut v_t = at(&mut b, v4, t)?;
        if let Some(g) = decay4 {
            // [B, H, 1, dk or 1] → [B, H, dk or 1, 1], broadcast over the value columns.
            let g_t = at(&mut b, g, t)?;
            let e = b.op(names::GRAPH_EXP, &[g_t], &[])?;
            let e = b.op(names::GRAPH_TRANSPOSE, &[e], &[("perm", swap_last.clone())])?;
            state = b.op(names::GRAPH_MUL, &[state, e], &[])?;
        }
        if let Some(beta4) = beta4 {
            let held = b.op(names::GRAPH_MATMUL, &[k_t, state], &[])?;
            let diff = b.op(names::GRAPH_SUB, &[v_t, held], &[])?;
            let beta_t = at(&mut b, beta4, t)?;
            v_t = b.op(names::GRAPH_MUL, &[beta_t, diff], &[])?;
        }
        let k_col = b.op(
            names::GRAPH_TRANSPOSE,
            &[k_t],
            &[("perm", swap_last.clone())],
        )?;
        let outer = b.op(names::GRAPH_MUL, &[k_col, v_t], &[])?;
        state = b.op(names::GRAPH_ADD, &[state, outer], &[])?;
        // Query head h reads KV head h / group.
        let read = b.repeat_heads(state, group)?;
        let o = b.op(names::GRAPH_MATMUL, &[q_t, read], &[])?;
        outputs.push(b.op(names::GRAPH_MUL, &[scale, o], &[])?);
    }
    let all = if outputs.len() == 1 {
        outputs[0]
    } else {
        b.op(
            names::GRAPH_CONCAT,
            &outputs,
            &[("axis", Attribute::Int(2))],
        )?
    };
    let all = b.op(
        names::GRAPH_TRANSPOSE,
        &[all],
        &[("perm", Attribute::I64Array(vec![0, 2, 1, 3]))],
    )?;
    let all = b.reshape(all, &[batch, tokens, hq * dv])?;
    Ok(vec![b.cast(all, out_elem)?, b.cast(state, state_elem)?])
}
