//! Bad models give clear errors naming the node, input or tensor at fault, never panics;
//! and mutated model bytes never make import (or running what it imports) panic.

use proptest::prelude::*;
use strata_ir::{interp, ElementType, Tensor};
use strata_onnx::proto::*;
use strata_onnx::{import_model, ImportError, ImportOptions};

mod common;

use common::*;

/// x[2,3] -> Relu -> Transpose -> MatMul(w[2,4]) -> y[3,4], plus a Reshape with a constant shape.
fn small_model() -> Vec<u8> {
    let w = strata_onnx::tensor::tensor_to_proto(
        &Tensor::from_vec(vec![2, 4], (0..8).map(|i| i as f32 * 0.5).collect()).unwrap(),
        "w",
    );
    let shape = strata_onnx::tensor::tensor_to_proto(
        &Tensor::from_vec(vec![2], vec![4i64, 3]).unwrap(),
        "shape",
    );
    model(
        vec![
            node("Relu", "relu", &["x"], &["r"], vec![]),
            node(
                "Transpose",
                "tr",
                &["r"],
                &["t"],
                vec![ints("perm", &[1, 0])],
            ),
            node("MatMul", "mm", &["t", "w"], &["m"], vec![]),
            node("Reshape", "rs", &["m", "shape"], &["y"], vec![]),
        ],
        vec![vi("x", F32, &[2, 3])],
        vec![vi("y", F32, &[4, 3])],
        vec![w, shape],
    )
}

fn import(bytes: &[u8]) -> Result<strata_ir::Module, ImportError> {
    import_model(bytes, None, &ImportOptions::default())
}

fn expect_err(bytes: &[u8], needles: &[&str]) -> ImportError {
    let e = import(bytes).expect_err("import should fail");
    let text = e.to_string();
    for n in needles {
        assert!(text.contains(n), "error '{text}' should mention '{n}'");
    }
    e
}

#[test]
fn the_small_model_imports_and_runs() {
    let m = import(&small_model()).unwrap();
    let x = Tensor::from_vec(vec![2, 3], vec![1.0f32, -1.0, 2.0, 0.5, 3.0, -2.0]).unwrap();
    let y = interp::run(&m, "main", &[x]).unwrap();
    assert_eq!(y[0].dims(), &[4, 3]);
}

#[test]
fn truncated_and_random_bytes_are_decode_errors() {
    let bytes = small_model();
    assert!(matches!(
        import(&bytes[..bytes.len() / 2]),
        Err(ImportError::Decode(_))
    ));
    assert!(matches!(
        import(b"\xff\xff\xff\xff not a model"),
        Err(ImportError::Decode(_))
    ));
}

#[test]
fn a_cycle_names_its_nodes() {
    let bytes = model(
        vec![
            node("Relu", "a", &["x"], &["p"], vec![]),
            node("Add", "b", &["p", "q"], &["r"], vec![]),
            node("Neg", "c", &["r"], &["q"], vec![]),
        ],
        vec![vi("x", F32, &[2])],
        vec![vi("r", F32, &[2])],
        vec![],
    );
    expect_err(&bytes, &["cycle", "b", "c"]);
}

#[test]
fn dangling_inputs_name_the_node_and_value() {
    let bytes = model(
        vec![node("Add", "adder", &["x", "nowhere"], &["y"], vec![])],
        vec![vi("x", F32, &[2])],
        vec![vi("y", F32, &[2])],
        vec![],
    );
    expect_err(&bytes, &["adder", "nowhere"]);
}

#[test]
fn shape_mismatches_name_the_node() {
    let bytes = model(
        vec![node("Add", "bad_add", &["x", "z"], &["y"], vec![])],
        vec![vi("x", F32, &[2, 3]), vi("z", F32, &[4])],
        vec![vi("y", F32, &[2, 3])],
        vec![],
    );
    let e = expect_err(&bytes, &["bad_add", "broadcast"]);
    assert!(matches!(e, ImportError::Node { .. }));
}

#[test]
fn negative_dimensions_are_rejected() {
    let bytes = model(
        vec![node("Relu", "r", &["x"], &["y"], vec![])],
        vec![vi("x", F32, &[2, -3])],
        vec![vi("y", F32, &[2, 3])],
        vec![],
    );
    expect_err(&bytes, &["'x'", "negative dimension -3"]);
    let mut bad = strata_onnx::tensor::tensor_to_proto(
        &Tensor::from_vec(vec![2], vec![1.0f32, 2.0]).unwrap(),
        "w",
    );
    bad.dims = vec![-2];
    let bytes = model(
        vec![node("Add", "a", &["x", "w"], &["y"], vec![])],
        vec![vi("x", F32, &[2])],
        vec![vi("y", F32, &[2])],
        vec![bad],
    );
    expect_err(&bytes, &["initializer 'w'", "negative dimension"]);
}

#[test]
fn wrong_attribute_types_name_the_attribute() {
    let bytes = model(
        vec![node(
            "Transpose",
            "tr",
            &["x"],
            &["y"],
            vec![string("perm", "1,0")],
        )],
        vec![vi("x", F32, &[2, 3])],
        vec![vi("y", F32, &[3, 2])],
        vec![],
    );
    expect_err(&bytes, &["tr", "'perm'", "array<i64>"]);
}

#[test]
fn every_unsupported_op_is_listed_with_its_nodes() {
    let bytes = model(
        vec![
            node("Frobnicate", "f1", &["x"], &["a"], vec![]),
            node("Unique", "uniq", &["a"], &["b"], vec![]),
            node("Frobnicate", "f2", &["b"], &["y"], vec![]),
        ],
        vec![vi("x", F32, &[2])],
        vec![vi("y", F32, &[2])],
        vec![],
    );
    match expect_err(
        &bytes,
        &["Frobnicate (nodes: f1, f2)", "Unique (nodes: uniq)"],
    ) {
        ImportError::UnsupportedOps(ops) => assert_eq!(ops.len(), 2),
        e => panic!("unexpected {e}"),
    }
}

#[test]
fn declared_output_types_are_checked() {
    let bytes = model(
        vec![node("Relu", "r", &["x"], &["y"], vec![])],
        vec![vi("x", F32, &[2, 3])],
        vec![vi("y", F32, &[3, 2])],
        vec![],
    );
    expect_err(&bytes, &["graph output 'y'", "tensor<2x3xf32>"]);
}

#[test]
fn symbolic_dimensions_need_an_override() {
    let mut input = vi("x", F32, &[0, 3]);
    if let Some(tt) = input.r#type.as_mut().and_then(|t| t.tensor_type.as_mut()) {
        tt.shape.as_mut().unwrap().dim[0] = Dimension {
            dim_value: None,
            dim_param: Some("batch".into()),
        };
    }
    let bytes = model(
        vec![node("Relu", "r", &["x"], &["y"], vec![])],
        vec![input],
        vec![vi("y", F32, &[])],
        vec![],
    );
    expect_err(&bytes, &["'x'", "symbolic dimension 'batch'"]);
    let mut options = ImportOptions::default();
    options.input_shapes.insert("x".into(), vec![5, 3]);
    let bytes = model(
        vec![node("Relu", "r", &["x"], &["y"], vec![])],
        vec![vi("x", F32, &[-1, 3]).clone()],
        vec![],
        vec![],
    );
    assert!(import_model(&bytes, None, &options).is_ok());
}

#[test]
fn empty_tensors_work() {
    let bytes = model(
        vec![
            node("Relu", "r", &["x"], &["a"], vec![]),
            node("ReduceSum", "s", &["a", "axes"], &["y"], vec![]),
        ],
        vec![vi("x", F32, &[0, 3])],
        vec![vi("y", F32, &[1, 3])],
        vec![strata_onnx::tensor::tensor_to_proto(
            &Tensor::from_vec(vec![1], vec![0i64]).unwrap(),
            "axes",
        )],
    );
    let m = import(&bytes).unwrap();
    let y = interp::run(
        &m,
        "main",
        &[Tensor::from_vec(vec![0, 3], Vec::<f32>::new()).unwrap()],
    )
    .unwrap();
    assert_eq!(y[0].as_slice::<f32>().unwrap(), &[0.0, 0.0, 0.0]);
}

#[test]
fn wrong_inputs_at_run_time_are_errors() {
    let m = import(&small_model()).unwrap();
    let wrong_shape = Tensor::from_vec(vec![3, 2], vec![0.0f32; 6]).unwrap();
    let e = interp::run(&m, "main", &[wrong_shape]).unwrap_err();
    assert!(
        e.to_string().contains("input 'x' must be tensor<2x3xf32>"),
        "{e}"
    );
    let wrong_type = Tensor::zeros(&strata_ir::TensorType::new(vec![2, 3], ElementType::F64));
    assert!(interp::run(&m, "main", &[wrong_type]).is_err());
    assert!(interp::run(&m, "main", &[]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_models_never_panic(edits in proptest::collection::vec((any::<u32>(), any::<u8>(), 0u8..4), 1..8)) {
        let mut bytes = small_model();
        for (pos, byte, kind) in edits {
            if bytes.is_empty() { break; }
            let i = pos as usize % bytes.len();
            match kind {
                0 => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                2 => bytes[i] = byte,
                _ => bytes[i] ^= 1 << (byte % 8),
            }
        }
        if let Ok(m) = import(&bytes) {
            for f in m.functions() {
                let types: Vec<_> = f.arguments(&m).iter().filter_map(|&a| m.value_type(a).as_tensor().cloned()).collect();
                if types.iter().map(|t| t.shape.numel()).sum::<usize>() < 1 << 16 {
                    let inputs: Vec<Tensor> = types.iter().map(Tensor::zeros).collect();
                    let _ = interp::run_function(&m, f, &inputs);
                }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = import(&bytes);
    }
}

fn graph_attr(
    name: &str,
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: attribute_type::GRAPH,
        g: Some(GraphProto {
            node: nodes,
            input: inputs,
            output: outputs,
            name: name.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Control flow decided at run time keeps static shapes: branches that disagree on a
/// result's shape and loop state that changes shape are errors naming the node and the
/// value, and scan outputs (stacked per iteration) ask for the trip count; a loop body's
/// counter and the captured values it reads arrive as its arguments.
#[test]
fn run_time_control_flow_without_static_shapes_is_an_error_naming_the_node() {
    let bool_t = data_type::BOOL;
    let then_branch = graph_attr(
        "then_branch",
        vec![node("Identity", "same", &["x"], &["a"], vec![])],
        vec![],
        vec![vi("a", F32, &[2, 3])],
    );
    let else_branch = graph_attr(
        "else_branch",
        vec![node(
            "Transpose",
            "turn",
            &["x"],
            &["b"],
            vec![ints("perm", &[1, 0])],
        )],
        vec![],
        vec![vi("b", F32, &[3, 2])],
    );
    let bad_if = model(
        vec![node(
            "If",
            "choose",
            &["c"],
            &["y"],
            vec![then_branch, else_branch],
        )],
        vec![vi("c", bool_t, &[]), vi("x", F32, &[2, 3])],
        vec![vi("y", F32, &[2, 3])],
        vec![],
    );
    expect_err(
        &bad_if,
        &[
            "choose",
            "'y'",
            "tensor<2x3xf32> in the then_branch",
            "tensor<3x2xf32> in the else_branch",
        ],
    );
    let body = |extra_out: bool, op: &str| {
        let mut outs = vec![vi("c_out", bool_t, &[]), vi("s_out", F32, &[2, 3])];
        let mut nodes = vec![
            node("Identity", "keep", &["c_in"], &["c_out"], vec![]),
            node(
                op,
                "grow",
                &["s_in", "x"],
                &["s_out"],
                if op == "Concat" {
                    vec![int("axis", 0)]
                } else {
                    vec![]
                },
            ),
        ];
        if extra_out {
            nodes.push(node("Identity", "record", &["s_out"], &["scan"], vec![]));
            outs.push(vi("scan", F32, &[2, 3]));
        }
        graph_attr(
            "body",
            nodes,
            vec![
                vi("i", data_type::INT64, &[]),
                vi("c_in", bool_t, &[]),
                vi("s_in", F32, &[2, 3]),
            ],
            outs,
        )
    };
    let looped = |body: AttributeProto, outputs: &[&str]| {
        model(
            vec![node("Loop", "decode", &["n", "", "x"], outputs, vec![body])],
            vec![vi("n", data_type::INT64, &[]), vi("x", F32, &[2, 3])],
            outputs.iter().map(|o| vi(o, F32, &[2, 3])).collect(),
            vec![],
        )
    };
    // Scan outputs unroll the loop, so a trip count from a graph input is asked for.
    let e = expect_err(
        &looped(body(true, "Add"), &["s", "stacked"]),
        &["decode", "'n'", "--input-value"],
    );
    assert!(matches!(e, ImportError::NotConstant { .. }), "{e}");
    expect_err(
        &looped(body(false, "Concat"), &["s"]),
        &["decode", "loop-carried value 0", "'s_in'"],
    );
    // With the trip count known at import, the scan output has a static length: the
    // loop unrolls, stacking one slice per iteration.
    let three = strata_onnx::tensor::tensor_to_proto(&Tensor::scalar(3i64), "n");
    let unrolled = model(
        vec![node(
            "Loop",
            "decode",
            &["n", "", "x"],
            &["s", "stacked"],
            vec![body(true, "Add")],
        )],
        vec![vi("x", F32, &[2, 3])],
        vec![vi("s", F32, &[2, 3]), vi("stacked", F32, &[3, 2, 3])],
        vec![three],
    );
    let m = import(&unrolled).unwrap();
    let x = Tensor::from_vec(vec![2, 3], vec![1f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let y = interp::run(&m, "main", &[x]).unwrap();
    assert_eq!(y[1].dims(), &[3, 2, 3]);
    assert_eq!(
        &y[1].as_slice::<f32>().unwrap()[12..],
        &[4.0, 8.0, 12.0, 16.0, 20.0, 24.0]
    );
    // The well-formed loop imports and runs: s = x + n·x.
    let m = import(&looped(body(false, "Add"), &["s"])).unwrap();
    let x = Tensor::from_vec(vec![2, 3], vec![1f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let y = interp::run(&m, "main", &[Tensor::scalar(2i64), x]).unwrap();
    assert_eq!(
        y[0].as_slice::<f32>().unwrap(),
        &[3.0, 6.0, 9.0, 12.0, 15.0, 18.0]
    );
}

/// Sizes a model declares are bounded before anything is allocated, and their arithmetic
/// is checked: a split of a 2^40-long axis into pieces of one, split sizes whose sum
/// overflows, a TfIdfVectorizer output column at 2^40, and a TreeEnsemble whose root is a
/// leaf past the leaf lists are errors naming the node (an abort, an overflow, an abort
/// and an index panic before).
#[test]
fn declared_counts_are_bounded_before_they_are_allocated() {
    let huge = 1i64 << 40;
    let split = |x: &[i64], sizes: Option<Vec<i64>>| {
        let inputs: &[&str] = if sizes.is_some() {
            &["x", "sizes"]
        } else {
            &["x"]
        };
        let inits = sizes
            .map(|v| {
                let n = v.len();
                strata_onnx::tensor::tensor_to_proto(
                    &Tensor::from_vec(vec![n], v).unwrap(),
                    "sizes",
                )
            })
            .into_iter()
            .collect();
        model(
            vec![
                node("SplitToSequence", "split", inputs, &["s"], vec![]),
                node("SequenceLength", "n", &["s"], &["len"], vec![]),
            ],
            vec![vi("x", F32, x)],
            vec![vi("len", data_type::INT64, &[])],
            inits,
        )
    };
    expect_err(&split(&[huge], None), &["split", "1099511627776 pieces"]);
    expect_err(
        &split(&[1], Some(vec![i64::MAX, i64::MAX])),
        &["split", "more than an i64 holds"],
    );
    let tfidf = model(
        vec![node(
            "TfIdfVectorizer",
            "tfidf",
            &["x"],
            &["y"],
            vec![
                int("min_gram_length", 1),
                int("max_gram_length", 1),
                int("max_skip_count", 0),
                string("mode", "TF"),
                ints("ngram_counts", &[0]),
                ints("ngram_indexes", &[huge]),
                ints("pool_int64s", &[7]),
            ],
        )],
        vec![vi("x", data_type::INT64, &[4])],
        vec![vi("y", F32, &[4])],
        vec![],
    );
    expect_err(&tfidf, &["tfidf", "1099511627777 output columns"]);
    let floats = |name: &str, v: &[f32]| AttributeProto {
        name: name.into(),
        r#type: attribute_type::TENSOR,
        t: Some(strata_onnx::tensor::tensor_to_proto(
            &Tensor::from_vec(vec![v.len()], v.to_vec()).unwrap(),
            name,
        )),
        ..Default::default()
    };
    let mut trees = node(
        "TreeEnsemble",
        "trees",
        &["x"],
        &["y"],
        vec![
            ints("nodes_featureids", &[0, 0]),
            floats("nodes_modes", &[0.0, 0.0]),
            floats("nodes_splits", &[1.0, 1.0]),
            ints("nodes_truenodeids", &[0, 0]),
            ints("nodes_falsenodeids", &[0, 0]),
            ints("nodes_trueleafs", &[1, 1]),
            ints("nodes_falseleafs", &[1, 1]),
            ints("leaf_targetids", &[0]),
            floats("leaf_weights", &[2.0]),
            ints("tree_roots", &[1]),
        ],
    );
    trees.domain = "ai.onnx.ml".into();
    let trees = model(
        vec![trees],
        vec![vi("x", F32, &[2, 1])],
        vec![vi("y", F32, &[2, 1])],
        vec![],
    );
    expect_err(
        &trees,
        &["trees", "tree root 1 is a leaf that does not exist"],
    );
}
