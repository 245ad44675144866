//! Sequences are resolved at import: inputs and outputs become their elements, the
//! sequence ops pick and rearrange values, and a length or position known only at run
//! time is an error that says so.

mod common;

use common::*;
use std::collections::HashMap;
use strata_ir::{interp, Tensor};
use strata_onnx::proto::*;
use strata_onnx::tensor::tensor_to_proto;
use strata_onnx::{import_model, ImportError, ImportOptions};

const I64: i32 = data_type::INT64;
const BOOL: i32 = data_type::BOOL;

fn f32s(dims: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_vec(dims.to_vec(), v.to_vec()).unwrap()
}

fn i64_init(name: &str, v: i64) -> TensorProto {
    tensor_to_proto(&Tensor::scalar(v), name)
}

fn with_sequence(name: &str, shapes: &[&[usize]]) -> ImportOptions {
    ImportOptions {
        sequence_inputs: HashMap::from([(
            name.to_string(),
            shapes.iter().map(|s| s.to_vec()).collect(),
        )]),
        ..Default::default()
    }
}

/// `out = SequenceInsert(s, t, 1)` on a sequence input of two elements.
fn insert_model() -> Vec<u8> {
    model(
        vec![node(
            "SequenceInsert",
            "ins",
            &["s", "t", "p"],
            &["out"],
            vec![],
        )],
        vec![seq_vi("s", F32), vi("t", F32, &[3])],
        vec![seq_vi("out", F32)],
        vec![i64_init("p", 1)],
    )
}

#[test]
fn sequence_inputs_and_outputs_are_their_elements() {
    let m = import_model(&insert_model(), None, &with_sequence("s", &[&[2], &[1]])).unwrap();
    let main = m.function("main").unwrap();
    assert_eq!(main.input_names(&m), ["s[0]", "s[1]", "t"]);
    assert_eq!(main.output_names(&m), ["out[0]", "out[1]", "out[2]"]);
    let (a, b, t) = (
        f32s(&[2], &[1.0, 2.0]),
        f32s(&[1], &[3.0]),
        f32s(&[3], &[4.0, 5.0, 6.0]),
    );
    let out = interp::run(&m, "main", &[a.clone(), b.clone(), t.clone()]).unwrap();
    assert_eq!(out, [a, t, b]);
}

#[test]
fn a_sequence_input_without_a_length_is_an_error() {
    let e = import_model(&insert_model(), None, &ImportOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("input 's' is a sequence") && msg.contains("sequence_inputs"),
        "{msg}"
    );
}

#[test]
fn positions_outside_the_sequence_are_errors() {
    let bytes = model(
        vec![node("SequenceAt", "pick", &["s", "p"], &["y"], vec![])],
        vec![seq_vi("s", F32)],
        vec![vi("y", F32, &[2])],
        vec![i64_init("p", -3)],
    );
    let e = import_model(&bytes, None, &with_sequence("s", &[&[2], &[2]])).unwrap_err();
    assert!(
        matches!(&e, ImportError::Node { node, .. } if node == "pick"),
        "{e}"
    );
    assert!(
        e.to_string().contains("position -3 is outside [-2, 1]"),
        "{e}"
    );
}

#[test]
fn a_sequence_where_a_tensor_belongs_is_an_error_naming_the_node() {
    let bytes = model(
        vec![
            node("SplitToSequence", "split", &["x"], &["s"], vec![]),
            node("Relu", "act", &["s"], &["y"], vec![]),
        ],
        vec![vi("x", F32, &[2, 3])],
        vec![vi("y", F32, &[2, 3])],
        vec![],
    );
    let e = import_model(&bytes, None, &ImportOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("'act'") && msg.contains("input 's' is a sequence of 2 tensors"),
        "{msg}"
    );
}

/// SplitToSequence (uneven pieces, and pieces of one with the axis dropped) undone by
/// ConcatFromSequence (concatenating, and stacking on a new axis).
#[test]
fn split_to_sequence_and_concat_from_sequence_invert_each_other() {
    let bytes = model(
        vec![
            node(
                "SplitToSequence",
                "split",
                &["x", "two"],
                &["s"],
                vec![int("axis", 1)],
            ),
            node(
                "ConcatFromSequence",
                "cat",
                &["s"],
                &["y"],
                vec![int("axis", -1)],
            ),
            node(
                "SplitToSequence",
                "rows",
                &["x"],
                &["r"],
                vec![int("axis", 0), int("keepdims", 0)],
            ),
            node("SequenceLength", "len", &["s"], &["n"], vec![]),
            node(
                "ConcatFromSequence",
                "stack",
                &["r"],
                &["z"],
                vec![int("axis", 0), int("new_axis", 1)],
            ),
        ],
        vec![vi("x", F32, &[2, 5])],
        vec![
            vi("y", F32, &[2, 5]),
            vi("z", F32, &[2, 5]),
            vi("n", I64, &[]),
        ],
        vec![i64_init("two", 2)],
    );
    let m = import_model(&bytes, None, &ImportOptions::default()).unwrap();
    let x = f32s(&[2, 5], &[0., 1., 2., 3., 4., 5., 6., 7., 8., 9.]);
    let out = interp::run(&m, "main", std::slice::from_ref(&x)).unwrap();
    assert_eq!(out[0], x);
    assert_eq!(out[1], x);
    // Pieces of 2, 2 and 1.
    assert_eq!(out[2], Tensor::scalar(3i64));
}

fn loop_body() -> GraphProto {
    GraphProto {
        name: "body".into(),
        node: vec![
            node("Identity", "c", &["cond"], &["cond_out"], vec![]),
            node(
                "SequenceInsert",
                "grow",
                &["acc", "x"],
                &["acc_out"],
                vec![],
            ),
        ],
        input: vec![vi("i", I64, &[]), vi("cond", BOOL, &[]), seq_vi("acc", F32)],
        output: vec![vi("cond_out", BOOL, &[]), seq_vi("acc_out", F32)],
        ..Default::default()
    }
}

/// A Loop growing a sequence unrolls when its trip count is known; bound to a run-time
/// input, it asks for that input's value.
#[test]
fn a_loop_growing_a_sequence_needs_its_trip_count_at_import() {
    let bytes = model(
        vec![
            node("SequenceEmpty", "empty", &[], &["e"], vec![]),
            node(
                "Loop",
                "grow",
                &["n", "", "e"],
                &["s"],
                vec![graph_attr("body", loop_body())],
            ),
            node(
                "ConcatFromSequence",
                "cat",
                &["s"],
                &["y"],
                vec![int("axis", 0)],
            ),
        ],
        vec![vi("x", F32, &[2]), vi("n", I64, &[])],
        vec![vi("y", F32, &[6])],
        vec![],
    );
    let e = import_model(&bytes, None, &ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, ImportError::NotConstant { node, graph_inputs, .. }
            if node == "grow" && graph_inputs == &["n".to_string()]),
        "{e}"
    );
    let options = ImportOptions {
        constant_inputs: HashMap::from([("n".to_string(), Tensor::scalar(3i64))]),
        ..Default::default()
    };
    let m = import_model(&bytes, None, &options).unwrap();
    let out = interp::run(&m, "main", &[f32s(&[2], &[1.0, 2.0])]).unwrap();
    assert_eq!(out[0], f32s(&[6], &[1., 2., 1., 2., 1., 2.]));
}

fn branch(name: &str, items: &[&str]) -> GraphProto {
    GraphProto {
        name: name.into(),
        node: vec![node("SequenceConstruct", name, items, &[name], vec![])],
        output: vec![seq_vi(name, F32)],
        ..Default::default()
    }
}

/// An If at run time returns a sequence as its elements when both branches agree on
/// them; branches that make sequences of different lengths are an error saying so.
#[test]
fn a_run_time_if_returns_sequences_its_branches_agree_on() {
    let if_model = |else_items: &[&str]| {
        model(
            vec![
                node(
                    "If",
                    "choose",
                    &["c"],
                    &["s"],
                    vec![
                        graph_attr("then_branch", branch("then", &["a", "b"])),
                        graph_attr("else_branch", branch("else", else_items)),
                    ],
                ),
                node("SequenceAt", "second", &["s", "one"], &["y"], vec![]),
            ],
            vec![vi("c", BOOL, &[]), vi("a", F32, &[2]), vi("b", F32, &[2])],
            vec![vi("y", F32, &[2])],
            vec![i64_init("one", 1)],
        )
    };
    let m = import_model(&if_model(&["b", "a"]), None, &ImportOptions::default()).unwrap();
    let (a, b) = (f32s(&[2], &[1.0, 2.0]), f32s(&[2], &[3.0, 4.0]));
    for (c, expected) in [(true, &b), (false, &a)] {
        let out = interp::run(&m, "main", &[Tensor::scalar(c), a.clone(), b.clone()]).unwrap();
        assert_eq!(&out[0], expected, "cond {c}");
    }
    let e = import_model(&if_model(&["a"]), None, &ImportOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("'choose'")
            && msg.contains("a sequence of 2 f32 tensors")
            && msg.contains("a sequence of 1 f32 tensors"),
        "{msg}"
    );
}

/// Optionals resolve at import: a present one is its value (an optional input is compiled
/// as present), OptionalHasElement folds, and taking the element of an empty one, or
/// passing one to an op, is an error naming the node.
#[test]
fn optionals_are_present_or_empty_at_import() {
    let optional_vi = |name: &str| {
        let inner = vi(name, F32, &[2]);
        ValueInfoProto {
            name: name.into(),
            r#type: Some(TypeProto {
                optional_type: Some(Box::new(TypeProtoOptional {
                    elem_type: inner.r#type.map(Box::new),
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    };
    let bytes = model(
        vec![
            node("OptionalHasElement", "has", &["x"], &["has_x"], vec![]),
            node("Optional", "none", &[], &["nothing"], vec![]),
            node(
                "OptionalHasElement",
                "has_none",
                &["nothing"],
                &["has_nothing"],
                vec![],
            ),
            node("OptionalGetElement", "get", &["x"], &["y"], vec![]),
        ],
        vec![optional_vi("x")],
        vec![
            vi("y", F32, &[2]),
            vi("has_x", BOOL, &[]),
            vi("has_nothing", BOOL, &[]),
        ],
        vec![],
    );
    let m = import_model(&bytes, None, &ImportOptions::default()).unwrap();
    let x = f32s(&[2], &[1.0, -2.0]);
    let out = interp::run(&m, "main", std::slice::from_ref(&x)).unwrap();
    assert_eq!(out, [x, Tensor::scalar(true), Tensor::scalar(false)]);
    for (op, inputs, what) in [
        (
            "OptionalGetElement",
            vec!["nothing"],
            "the optional is empty",
        ),
        (
            "Relu",
            vec!["nothing"],
            "input 'nothing' is an empty optional",
        ),
    ] {
        let bytes = model(
            vec![
                node("Optional", "none", &[], &["nothing"], vec![]),
                node(op, "use", &inputs, &["y"], vec![]),
            ],
            vec![],
            vec![vi("y", F32, &[2])],
            vec![],
        );
        let e = import_model(&bytes, None, &ImportOptions::default()).unwrap_err();
        assert!(
            matches!(&e, ImportError::Node { node, .. } if node == "use")
                && e.to_string().contains(what),
            "{op}: {e}"
        );
    }
}

/// A Loop with scan outputs is unrolled, so a trip count from a graph input is asked for
/// by name (the NotConstant error `--input-value` answers) rather than refused.
#[test]
fn a_loop_with_scan_outputs_asks_for_its_trip_count() {
    let body = GraphProto {
        name: "body".into(),
        node: vec![
            node("Identity", "c", &["cond"], &["cond_out"], vec![]),
            node("Cast", "f", &["i"], &["scan"], vec![int("to", F32 as i64)]),
        ],
        input: vec![vi("i", I64, &[]), vi("cond", BOOL, &[])],
        output: vec![vi("cond_out", BOOL, &[]), vi("scan", F32, &[])],
        ..Default::default()
    };
    let bytes = model(
        vec![node(
            "Loop",
            "count",
            &["n", ""],
            &["ys"],
            vec![graph_attr("body", body)],
        )],
        vec![vi("n", I64, &[])],
        vec![vi("ys", F32, &[4])],
        vec![],
    );
    let e = import_model(&bytes, None, &ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, ImportError::NotConstant { node, graph_inputs, .. }
            if node == "count" && graph_inputs == &["n".to_string()]),
        "{e}"
    );
    let options = ImportOptions {
        constant_inputs: HashMap::from([("n".to_string(), Tensor::scalar(4i64))]),
        ..Default::default()
    };
    let m = import_model(&bytes, None, &options).unwrap();
    let out = interp::run(&m, "main", &[]).unwrap();
    assert_eq!(out[0], f32s(&[4], &[0.0, 1.0, 2.0, 3.0]));
}
