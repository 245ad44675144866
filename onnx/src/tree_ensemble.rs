//! `TreeEnsemble` (ai.onnx.ml): every tree's leaves with the branch conditions on their
//! path, computed for all rows at once — one comparison per node, a conjunction per leaf,
//! and the leaves' weights summed (or averaged, or the least or greatest taken) into their
//! targets. No data-dependent control flow, so it compiles like any other graph.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, Shape, Tensor};

/// The most nodes, leaves on all paths, and targets a TreeEnsemble may have (each
/// becomes a few ops).
const MAX_NODES: usize = 1 << 16;

pub(crate) fn tree_ensemble(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let ints = |name: &str| node.attr_ints(name).unwrap_or_default();
    let floats = |name: &str| -> Result<Vec<f64>, ImportError> {
        match node.attr(name).and_then(|a| a.t.as_ref()) {
            Some(t) => {
                let what = format!("attribute '{name}' of node '{}'", node.name);
                Ok(crate::tensor::tensor_from_proto(t, &what, None)?.to_f64s())
            }
            None => Ok(Vec::new()),
        }
    };
    let splits = floats("nodes_splits")?;
    let modes = floats("nodes_modes")?;
    let members = floats("membership_values")?;
    let leaf_weights = floats("leaf_weights")?;
    let (features, true_ids, false_ids) = (
        ints("nodes_featureids"),
        ints("nodes_truenodeids"),
        ints("nodes_falsenodeids"),
    );
    let (true_leaf, false_leaf) = (ints("nodes_trueleafs"), ints("nodes_falseleafs"));
    let missing_true = ints("nodes_missing_value_tracks_true");
    let (leaf_targets, roots) = (ints("leaf_targetids"), ints("tree_roots"));
    let n_targets = match node.attr_int("n_targets").unwrap_or(1) {
        t if (1..=MAX_NODES as i64).contains(&t) => t as usize,
        t => return Err(node.error(format!("n_targets {t} is not in 1..={MAX_NODES}"))),
    };
    let aggregate = node.attr_int("aggregate_function").unwrap_or(1);
    let post = node.attr_int("post_transform").unwrap_or(0);
    let n = splits.len();
    let lists_fit = [modes.len(), features.len(), true_ids.len(), false_ids.len()]
        .iter()
        .chain([true_leaf.len(), false_leaf.len()].iter())
        .all(|&l| l == n)
        && (missing_true.is_empty() || missing_true.len() == n)
        && leaf_targets.len() == leaf_weights.len()
        && n <= MAX_NODES;
    if !lists_fit || roots.is_empty() {
        return Err(node.error(format!(
            "the node lists must all have {n} entries (at most {MAX_NODES}), the leaf lists one length, and there must be a root"
        )));
    }
    if !(0..=3).contains(&aggregate) || !matches!(post, 0..=2) {
        return Err(node.unsupported(format!(
            "aggregate_function {aggregate} / post_transform {post} (NONE, SOFTMAX and LOGISTIC are built)"
        )));
    }
    let mut b = Builder { imp, node };
    let xd = b.dims(x);
    let elem = b.imp.values[x].ty.elem;
    if xd.len() != 2 || !elem.is_float() {
        return Err(node.error(format!(
            "X must be a float [rows, features] matrix, found {}",
            b.imp.values[x].ty
        )));
    }
    // Leaves and empty paths become per-row constants.
    let rows = node.fold_size("a per-row constant", &[xd[0]])?;
    // Set-membership nodes take their sets from `membership_values` in node order, each
    // ended by a NaN.
    let mut sets: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut next = members.iter();
    for (i, &mode) in modes.iter().enumerate() {
        if mode == 6.0 {
            for &v in next.by_ref() {
                if v.is_nan() {
                    break;
                }
                sets[i].push(v);
            }
        }
    }
    // Each node's condition over the rows, [rows, 1], made once.
    let mut conditions: Vec<Option<usize>> = vec![None; n];
    let mut condition = |b: &mut Builder, i: usize| -> Result<usize, ImportError> {
        if let Some(c) = conditions[i] {
            return Ok(c);
        }
        let f = features[i];
        if f < 0 || f as usize >= xd[1] {
            return Err(node.error(format!("node {i} reads feature {f} of {}", xd[1])));
        }
        let column = b.op(
            names::GRAPH_SLICE,
            &[x],
            &[
                ("starts", Attribute::I64Array(vec![f])),
                ("ends", Attribute::I64Array(vec![f + 1])),
                ("axes", Attribute::I64Array(vec![1])),
            ],
        )?;
        let compare = |b: &mut Builder, op, v: f64| {
            let k = b.scalar(elem, v);
            b.op(op, &[column, k], &[])
        };
        let mut c = match modes[i] as i64 {
            0 => compare(b, names::GRAPH_LESS_OR_EQUAL, splits[i])?,
            1 => compare(b, names::GRAPH_LESS, splits[i])?,
            2 => compare(b, names::GRAPH_GREATER_OR_EQUAL, splits[i])?,
            3 => compare(b, names::GRAPH_GREATER, splits[i])?,
            4 => compare(b, names::GRAPH_EQUAL, splits[i])?,
            5 => {
                let eq = compare(b, names::GRAPH_EQUAL, splits[i])?;
                b.op(names::GRAPH_NOT, &[eq], &[])?
            }
            6 => {
                let mut any = None;
                for &v in &sets[i] {
                    let eq = compare(b, names::GRAPH_EQUAL, v)?;
                    any = Some(match any {
                        Some(a) => b.op(names::GRAPH_OR, &[a, eq], &[])?,
                        None => eq,
                    });
                }
                match any {
                    Some(a) => a,
                    // An empty set holds nothing.
                    None => {
                        b.constant(Tensor::from_bools(Shape::new([rows, 1]), vec![false; rows]))
                    }
                }
            }
            m => return Err(node.error(format!("node {i} has unknown mode {m}"))),
        };
        if missing_true.get(i).is_some_and(|&t| t != 0) {
            let nan = b.op(names::GRAPH_IS_NAN, &[column], &[])?;
            c = b.op(names::GRAPH_OR, &[c, nan], &[])?;
        }
        conditions[i] = Some(c);
        Ok(c)
    };
    // Every leaf with its path: (leaf index, [(node, branch taken)]).
    let mut leaves: Vec<(usize, Vec<(usize, bool)>)> = Vec::new();
    for &root in &roots {
        let r = root as usize;
        if r >= n {
            return Err(node.error(format!("tree root {root} is not a node")));
        }
        if true_leaf[r] != 0 && false_leaf[r] != 0 && true_ids[r] == false_ids[r] {
            if r >= leaf_weights.len() {
                return Err(node.error(format!("tree root {root} is a leaf that does not exist")));
            }
            leaves.push((r, Vec::new()));
            continue;
        }
        let mut stack = vec![(r, Vec::new())];
        while let Some((i, path)) = stack.pop() {
            if path.len() > n {
                return Err(node.error("a tree's branches form a cycle"));
            }
            // Branches that join again multiply the paths: bound them.
            if leaves.len() + stack.len() > MAX_NODES {
                return Err(node.unsupported(format!("more than {MAX_NODES} root-to-leaf paths")));
            }
            for (taken, id, leaf) in [
                (true, true_ids[i], true_leaf[i]),
                (false, false_ids[i], false_leaf[i]),
            ] {
                let mut p: Vec<(usize, bool)> = path.clone();
                p.push((i, taken));
                let limit = if leaf != 0 { leaf_weights.len() } else { n };
                if id < 0 || id as usize >= limit {
                    return Err(
                        node.error(format!("node {i} branches to {id}, which does not exist"))
                    );
                }
                if leaf != 0 {
                    leaves.push((id as usize, p));
                } else {
                    stack.push((id as usize, p));
                }
            }
        }
    }
    let trees = roots.len() as f64;
    let big = match elem {
        ElementType::F64 => f64::MAX,
        ElementType::F16 => 65504.0,
        _ => f32::MAX as f64,
    };
    let mut columns: Vec<Option<usize>> = vec![None; n_targets];
    for (leaf, path) in &leaves {
        let t = leaf_targets[*leaf];
        if t < 0 || t as usize >= n_targets {
            return Err(node.error(format!("leaf {leaf} targets {t} of {n_targets}")));
        }
        let mut reached: Option<usize> = None;
        for &(i, taken) in path {
            let c = condition(&mut b, i)?;
            let c = if taken {
                c
            } else {
                b.op(names::GRAPH_NOT, &[c], &[])?
            };
            reached = Some(match reached {
                Some(r) => b.op(names::GRAPH_AND, &[r, c], &[])?,
                None => c,
            });
        }
        let reached = match reached {
            Some(r) => r,
            None => b.constant(Tensor::from_bools(Shape::new([rows, 1]), vec![true; rows])),
        };
        let w = leaf_weights[*leaf];
        let term = match aggregate {
            2 | 3 => {
                let fill = b.scalar(elem, if aggregate == 2 { big } else { -big });
                let w = b.scalar(elem, w);
                b.op(names::GRAPH_WHERE, &[reached, w, fill], &[])?
            }
            _ => {
                let share = if aggregate == 0 { w / trees } else { w };
                let r = b.cast(reached, elem)?;
                let k = b.scalar(elem, share);
                b.op(names::GRAPH_MUL, &[r, k], &[])?
            }
        };
        let t = t as usize;
        columns[t] = Some(match columns[t] {
            None => term,
            Some(c) => {
                let op = match aggregate {
                    2 => names::GRAPH_MIN,
                    3 => names::GRAPH_MAX,
                    _ => names::GRAPH_ADD,
                };
                b.op(op, &[c, term], &[])?
            }
        });
    }
    let mut parts = Vec::with_capacity(n_targets);
    for c in columns {
        parts.push(match c {
            Some(c) => c,
            None => {
                let v = match aggregate {
                    2 => big,
                    3 => -big,
                    _ => 0.0,
                };
                b.constant(Tensor::from_f64s(
                    elem,
                    Shape::new([rows, 1]),
                    &vec![v; rows],
                ))
            }
        });
    }
    let y = if parts.len() == 1 {
        parts[0]
    } else {
        b.op(names::GRAPH_CONCAT, &parts, &[("axis", Attribute::Int(1))])?
    };
    Ok(vec![match post {
        1 => b.op(names::GRAPH_SOFTMAX, &[y], &[("axis", Attribute::Int(-1))])?,
        2 => b.op(names::GRAPH_SIGMOID, &[y], &[])?,
        _ => y,
    }])
}
