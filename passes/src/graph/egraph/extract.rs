//! Extraction that counts shared subexpressions once (DAG cost), not once per use (tree
//! cost).
//!
//! Tree-cost extraction (egg's `Extractor`) charges a value used twice twice, so it
//! undervalues rewrites that create sharing (merging two MatMuls that read one input) and
//! can prefer duplicating work. Optimal DAG extraction is NP-hard (TENSAT solves it as an
//! ILP); this is the greedy DAG heuristic: every e-class keeps its best candidate as a
//! *set* of (class, cost) pairs, the classes its chosen sub-program uses, and a
//! candidate's cost is the sum over the union of its children's sets plus its own, so a
//! class reached along two paths is paid for once.
//!
//! Why the result is a valid program:
//! - A candidate is taken only once all its children have a best, so every chosen node's
//!   children are themselves chosen (the walk from the root never finds a missing class).
//! - A candidate whose children's sets contain its own class is rejected: taking it would
//!   make the class depend on itself.
//! - A class only changes to a strictly cheaper set, and its parents are re-examined when
//!   it does, so the worklist settles (a step limit guards pathological cases). A parent
//!   may keep a set computed before a child improved; such a stale choice could in
//!   principle close a cycle through the child's new choice, so the final program is
//!   walked from the root, and if it has a cycle or a hole (or the step limit was hit),
//!   extraction falls back to tree cost, which is acyclic because every node costs more
//!   than zero.
//! - Nodes that fail type inference (a rule's right-hand side that does not fit the
//!   operand shapes) cost infinity and are never chosen.
//!
//! The cost reported is always recomputed on the final program: the sum of its distinct
//! classes' chosen node costs.

use super::analysis::GraphEGraph;
use super::lang::GraphNode;
use egg::{Id, Language};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Per-node cost: the e-graph, the node's class, and the node.
pub type NodeCost<'a> = dyn Fn(&GraphEGraph, Id, &GraphNode) -> f64 + 'a;

/// The extracted program: one node per reachable class, and its DAG cost.
pub struct Extraction {
    pub choices: HashMap<Id, GraphNode>,
    pub cost: f64,
    /// True when the greedy DAG pass failed and tree cost was used instead.
    pub fell_back: bool,
}

struct Best {
    node: usize,
    set: Rc<HashMap<Id, f64>>,
    total: f64,
}

/// Extracts the cheapest program (by the greedy DAG rule above) rooted at `root`.
pub fn extract(egraph: &GraphEGraph, root: Id, cost: &NodeCost) -> Extraction {
    let root = egraph.find(root);
    match greedy_dag(egraph, root, cost) {
        Some(choices) => finish(egraph, root, choices, cost, false),
        None => finish(egraph, root, tree_choices(egraph, cost), cost, true),
    }
}

fn greedy_dag(egraph: &GraphEGraph, root: Id, cost: &NodeCost) -> Option<HashMap<Id, GraphNode>> {
    let mut parents: HashMap<Id, Vec<(Id, usize)>> = HashMap::new();
    let mut work: Vec<(Id, usize)> = Vec::new();
    for class in egraph.classes() {
        for (i, node) in class.nodes.iter().enumerate() {
            if node.is_leaf() {
                work.push((class.id, i));
            }
            for &c in node.children() {
                parents
                    .entry(egraph.find(c))
                    .or_default()
                    .push((class.id, i));
            }
        }
    }
    let mut best: HashMap<Id, Best> = HashMap::new();
    let limit = 64 * egraph.total_number_of_nodes().max(1000);
    let mut steps = 0;
    let mut queued: HashSet<(Id, usize)> = work.iter().copied().collect();
    while let Some((class, i)) = work.pop() {
        queued.remove(&(class, i));
        steps += 1;
        if steps > limit {
            return None;
        }
        let node = &egraph[class].nodes[i];
        if !egraph[class].data.valid && !matches!(node, GraphNode::Attrs(_)) {
            continue;
        }
        let children: Vec<&Best> = match node
            .children()
            .iter()
            .map(|&c| best.get(&egraph.find(c)))
            .collect::<Option<Vec<_>>>()
        {
            Some(c) => c,
            None => continue,
        };
        // Start from the largest child set and add the others' entries.
        let mut set: HashMap<Id, f64> = match children.iter().max_by_key(|b| b.set.len()) {
            Some(b) => (*b.set).clone(),
            None => HashMap::new(),
        };
        for b in &children {
            for (&k, &v) in b.set.iter() {
                set.entry(k).or_insert(v);
            }
        }
        let own = cost(egraph, class, node);
        if set.contains_key(&class) || !own.is_finite() {
            continue;
        }
        set.insert(class, own);
        let total: f64 = set.values().sum();
        let improves = best
            .get(&class)
            .is_none_or(|b| total < b.total * (1.0 - 1e-12));
        if improves {
            best.insert(
                class,
                Best {
                    node: i,
                    set: Rc::new(set),
                    total,
                },
            );
            for &(p, pi) in parents.get(&class).map(|v| v.as_slice()).unwrap_or(&[]) {
                if queued.insert((p, pi)) {
                    work.push((p, pi));
                }
            }
        }
    }
    best.get(&root)?;
    let choices: HashMap<Id, GraphNode> = best
        .iter()
        .map(|(&c, b)| (c, egraph[c].nodes[b.node].clone()))
        .collect();
    is_well_founded(egraph, root, &choices).then_some(choices)
}

/// True when following `choices` from the root reaches only chosen classes and no cycle.
fn is_well_founded(egraph: &GraphEGraph, root: Id, choices: &HashMap<Id, GraphNode>) -> bool {
    let mut state: HashMap<Id, bool> = HashMap::new(); // false: on the path, true: done
    let mut stack: Vec<(Id, bool)> = vec![(root, false)];
    while let Some((c, leaving)) = stack.pop() {
        if leaving {
            state.insert(c, true);
            continue;
        }
        match state.get(&c) {
            Some(true) => continue,
            Some(false) => return false,
            None => {}
        }
        let Some(node) = choices.get(&c) else {
            return false;
        };
        state.insert(c, false);
        stack.push((c, true));
        for &ch in node.children() {
            let ch = egraph.find(ch);
            if state.get(&ch) == Some(&false) {
                return false;
            }
            stack.push((ch, false));
        }
    }
    true
}

/// Tree-cost choices (Bellman-Ford style), always acyclic since node costs are positive.
fn tree_choices(egraph: &GraphEGraph, cost: &NodeCost) -> HashMap<Id, GraphNode> {
    let mut best: HashMap<Id, (f64, GraphNode)> = HashMap::new();
    let mut changed = true;
    while changed {
        changed = false;
        for class in egraph.classes() {
            for node in &class.nodes {
                if !class.data.valid && !matches!(node, GraphNode::Attrs(_)) {
                    continue;
                }
                let Some(children) = node
                    .children()
                    .iter()
                    .map(|&c| best.get(&egraph.find(c)).map(|b| b.0))
                    .sum::<Option<f64>>()
                else {
                    continue;
                };
                let total = children + cost(egraph, class.id, node);
                if !total.is_finite() {
                    continue;
                }
                if best.get(&class.id).is_none_or(|b| total < b.0) {
                    best.insert(class.id, (total, node.clone()));
                    changed = true;
                }
            }
        }
    }
    best.into_iter().map(|(c, (_, n))| (c, n)).collect()
}

/// The DAG cost of the program `choices` describes, keeping only the classes it reaches.
pub fn finish(
    egraph: &GraphEGraph,
    root: Id,
    choices: HashMap<Id, GraphNode>,
    cost: &NodeCost,
    fell_back: bool,
) -> Extraction {
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    let mut total = 0.0;
    let mut reachable = HashMap::new();
    while let Some(c) = stack.pop() {
        let c = egraph.find(c);
        if !seen.insert(c) {
            continue;
        }
        if let Some(node) = choices.get(&c) {
            total += cost(egraph, c, node);
            stack.extend(node.children().iter().copied());
            reachable.insert(c, node.clone());
        }
    }
    Extraction {
        choices: reachable,
        cost: total,
        fell_back,
    }
}
