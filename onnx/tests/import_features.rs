//! Import features real exported models rely on: external data, initializers listed among
//! the graph inputs, specializing inputs to constants, and folding shape computations.

mod common;

use common::*;
use prost::Message;
use std::collections::HashMap;
use strata_ir::{interp, Tensor};
use strata_onnx::proto::*;
use strata_onnx::tensor::tensor_to_proto;
use strata_onnx::{import_file, import_model, ImportError, ImportOptions};

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("strata-onnx-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn external(name: &str, dims: &[i64], location: &str, offset: usize, length: usize) -> TensorProto {
    let entry = |k: &str, v: String| StringStringEntryProto {
        key: k.into(),
        value: v,
    };
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: F32,
        data_location: 1,
        external_data: vec![
            entry("location", location.into()),
            entry("offset", offset.to_string()),
            entry("length", length.to_string()),
        ],
        ..Default::default()
    }
}

#[test]
fn external_data_is_read_from_beside_the_model() {
    let dir = scratch("external");
    let weights: Vec<f32> = vec![1.0, 2.0, 3.0, 4.0];
    let mut blob = vec![0xAAu8; 16]; // Unrelated bytes before the tensor.
    blob.extend(weights.iter().flat_map(|w| w.to_le_bytes()));
    std::fs::write(dir.join("weights.bin"), &blob).unwrap();
    let bytes = model(
        vec![node("Mul", "scale", &["x", "w"], &["y"], vec![])],
        vec![vi("x", F32, &[4])],
        vec![vi("y", F32, &[4])],
        vec![external("w", &[4], "weights.bin", 16, 16)],
    );
    std::fs::write(dir.join("model.onnx"), &bytes).unwrap();
    let m = import_file(dir.join("model.onnx"), &ImportOptions::default()).unwrap();
    let y = interp::run(
        &m,
        "main",
        &[Tensor::from_vec(vec![4], vec![1.0f32; 4]).unwrap()],
    )
    .unwrap();
    assert_eq!(y[0].as_slice::<f32>().unwrap(), weights.as_slice());

    // Out of range, escaping the folder, and loaded from bytes with no folder.
    for (t, needle) in [
        (external("w", &[4], "weights.bin", 24, 16), "outside"),
        (
            external("w", &[4], "../weights.bin", 0, 16),
            "inside the model's folder",
        ),
        (external("w", &[4], "missing.bin", 0, 16), "cannot read"),
    ] {
        let bytes = model(
            vec![node("Mul", "scale", &["x", "w"], &["y"], vec![])],
            vec![vi("x", F32, &[4])],
            vec![vi("y", F32, &[4])],
            vec![t],
        );
        std::fs::write(dir.join("bad.onnx"), &bytes).unwrap();
        let e = import_file(dir.join("bad.onnx"), &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
    let e = import_model(&bytes, None, &ImportOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not loaded from a file"), "{e}");
}

#[test]
fn initializers_listed_as_inputs_are_constants() {
    let w = tensor_to_proto(
        &Tensor::from_vec(vec![2], vec![10.0f32, 20.0]).unwrap(),
        "w",
    );
    // Old exporters (opset < 9 era) list every initializer among the graph inputs.
    let bytes = model(
        vec![node("Add", "add", &["x", "w"], &["y"], vec![])],
        vec![vi("x", F32, &[2]), vi("w", F32, &[2])],
        vec![vi("y", F32, &[2])],
        vec![w],
    );
    let m = import_model(&bytes, None, &ImportOptions::default()).unwrap();
    let f = m.function("main").unwrap();
    assert_eq!(f.input_names(&m), vec!["x"]);
    let y = interp::run(
        &m,
        "main",
        &[Tensor::from_vec(vec![2], vec![1.0f32, 2.0]).unwrap()],
    )
    .unwrap();
    assert_eq!(y[0].as_slice::<f32>().unwrap(), &[11.0, 22.0]);
}

#[test]
fn shape_arguments_from_inputs_can_be_specialized() {
    let bytes = model(
        vec![node("Reshape", "reshape", &["x", "shape"], &["y"], vec![])],
        vec![vi("x", F32, &[2, 3]), vi("shape", data_type::INT64, &[2])],
        vec![vi("y", F32, &[3, 2])],
        vec![],
    );
    match import_model(&bytes, None, &ImportOptions::default()) {
        Err(ImportError::NotConstant {
            node,
            input,
            graph_inputs,
            ..
        }) => {
            assert_eq!((node.as_str(), input.as_str()), ("reshape", "shape"));
            assert_eq!(graph_inputs, vec!["shape".to_string()]);
        }
        other => panic!("expected NotConstant, got {other:?}"),
    }
    let options = ImportOptions {
        constant_inputs: HashMap::from([(
            "shape".to_string(),
            Tensor::from_vec(vec![2], vec![3i64, 2]).unwrap(),
        )]),
        ..Default::default()
    };
    let m = import_model(&bytes, None, &options).unwrap();
    assert_eq!(m.function("main").unwrap().input_names(&m), vec!["x"]);
}

#[test]
fn shape_computations_fold_into_attributes() {
    let c = |name: &str, v: Vec<i64>| {
        tensor_to_proto(&Tensor::from_vec(vec![v.len()], v).unwrap(), name)
    };
    let bytes = model(
        vec![
            node("Shape", "shape", &["x"], &["s"], vec![]),
            node("Slice", "first_two", &["s", "zero", "two"], &["s2"], vec![]),
            node(
                "Concat",
                "target",
                &["s2", "minus_one"],
                &["t"],
                vec![int("axis", 0)],
            ),
            node("Reshape", "reshape", &["x", "t"], &["y"], vec![]),
        ],
        vec![vi("x", F32, &[2, 3, 4, 5])],
        vec![vi("y", F32, &[2, 3, 20])],
        vec![
            c("zero", vec![0]),
            c("two", vec![2]),
            c("minus_one", vec![-1]),
        ],
    );
    let m = import_model(&bytes, None, &ImportOptions::default()).unwrap();
    let text = strata_ir::print_module(&m);
    assert_eq!(
        text.matches("\"graph.").count(),
        1,
        "only the reshape should remain:\n{text}"
    );
    assert!(text.contains("shape = array<i64: 2, 3, 20>"), "{text}");
}

#[test]
fn outputs_declared_with_minus_one_dimensions_are_unknown_sizes() {
    // PaddlePaddle's exporter declares unknown output sizes as -1.
    let bytes = model(
        vec![node("Relu", "relu", &["x"], &["y"], vec![])],
        vec![vi("x", F32, &[1, 2])],
        vec![vi("y", F32, &[-1, 2])],
        vec![],
    );
    let m = import_model(&bytes, None, &ImportOptions::default()).unwrap();
    let y = interp::run(
        &m,
        "main",
        &[Tensor::from_vec(vec![1, 2], vec![-1.0f32, 2.0]).unwrap()],
    )
    .unwrap();
    assert_eq!(y[0].as_slice::<f32>().unwrap(), &[0.0, 2.0]);
    // A known size that disagrees is still an error, and an input's -1 needs an override.
    let wrong = model(
        vec![node("Relu", "relu", &["x"], &["y"], vec![])],
        vec![vi("x", F32, &[1, 2])],
        vec![vi("y", F32, &[-1, 3])],
        vec![],
    );
    let e = import_model(&wrong, None, &ImportOptions::default()).unwrap_err();
    assert!(e.to_string().contains("declared with dimensions"), "{e}");
    let unknown_input = model(
        vec![node("Relu", "relu", &["x"], &["y"], vec![])],
        vec![vi("x", F32, &[-1, 2])],
        vec![vi("y", F32, &[-1, 2])],
        vec![],
    );
    let e = import_model(&unknown_input, None, &ImportOptions::default()).unwrap_err();
    assert!(e.to_string().contains("input shape override"), "{e}");
}

/// TfIdfVectorizer's three weightings on uni- and bigrams with one skip: in [1, 2, 1, 2, 3]
/// the unigrams 1, 3, 7 occur 2, 1, 0 times; the bigram (1, 2) twice at distance 1, and
/// (1, 3) once at distance 2 (positions 2 and 4). Values worked by hand (and equal to
/// the ONNX reference's).
#[test]
fn tfidf_counts_skipped_ngrams_and_weights_them() {
    let floats = |name: &str, v: &[f32]| AttributeProto {
        name: name.into(),
        r#type: attribute_type::FLOATS,
        floats: v.to_vec(),
        ..Default::default()
    };
    let cases: [(&str, [f32; 5]); 3] = [
        ("TF", [2.0, 1.0, 0.0, 2.0, 1.0]),
        ("IDF", [0.5, 2.0, 0.0, 0.25, 4.0]),
        ("TFIDF", [1.0, 2.0, 0.0, 0.5, 4.0]),
    ];
    for (mode, want) in cases {
        let bytes = model(
            vec![node(
                "TfIdfVectorizer",
                "tfidf",
                &["x"],
                &["y"],
                vec![
                    int("min_gram_length", 1),
                    int("max_gram_length", 2),
                    int("max_skip_count", 1),
                    string("mode", mode),
                    ints("ngram_counts", &[0, 3]),
                    ints("ngram_indexes", &[0, 1, 2, 3, 4]),
                    ints("pool_int64s", &[1, 3, 7, 1, 2, 1, 3]),
                    floats("weights", &[0.5, 2.0, 8.0, 0.25, 4.0]),
                ],
            )],
            vec![vi("x", data_type::INT64, &[5])],
            vec![vi("y", F32, &[5])],
            vec![],
        );
        let m = import_model(&bytes, None, &ImportOptions::default()).unwrap();
        let x = Tensor::from_vec(vec![5], vec![1i64, 2, 1, 2, 3]).unwrap();
        let y = interp::run(&m, "main", &[x]).unwrap();
        assert_eq!(y[0].as_slice::<f32>().unwrap(), want, "{mode}");
    }
}

/// TreeEnsemble's aggregations on two trees over two features (LT with NaN tracking true,
/// GT, GTE): the averages, least and greatest values equal the ONNX reference's; a
/// LOGISTIC post-transform is the sigmoid of the sums (the reference leaves post_transform
/// out; the spec applies it).
#[test]
fn tree_ensembles_aggregate_their_leaves() {
    let tensor = |name: &str, t: Tensor| AttributeProto {
        name: name.into(),
        r#type: attribute_type::TENSOR,
        t: Some(tensor_to_proto(&t, name)),
        ..Default::default()
    };
    let f32s = |v: &[f32]| Tensor::from_vec(vec![v.len()], v.to_vec()).unwrap();
    let ensemble = |aggregate: i64, post: i64| {
        let n = NodeProto {
            domain: "ai.onnx.ml".into(),
            ..node(
                "TreeEnsemble",
                "trees",
                &["x"],
                &["y"],
                vec![
                    int("aggregate_function", aggregate),
                    int("post_transform", post),
                    int("n_targets", 2),
                    ints("nodes_featureids", &[0, 1, 1]),
                    tensor(
                        "nodes_modes",
                        Tensor::from_vec(vec![3], vec![1u8, 3, 2]).unwrap(),
                    ),
                    tensor("nodes_splits", f32s(&[1.0, 0.0, 2.0])),
                    ints("nodes_truenodeids", &[0, 1, 3]),
                    ints("nodes_trueleafs", &[1, 1, 1]),
                    ints("nodes_falsenodeids", &[1, 2, 4]),
                    ints("nodes_falseleafs", &[0, 1, 1]),
                    ints("nodes_missing_value_tracks_true", &[1, 0, 0]),
                    ints("leaf_targetids", &[0, 1, 0, 0, 1]),
                    tensor("leaf_weights", f32s(&[1.5, -2.0, 4.0, 0.25, 3.0])),
                    ints("tree_roots", &[0, 2]),
                ],
            )
        };
        let mut m = ModelProto::decode(
            model(
                vec![n],
                vec![vi("x", F32, &[3, 2])],
                vec![vi("y", F32, &[3, 2])],
                vec![],
            )
            .as_slice(),
        )
        .unwrap();
        m.opset_import = vec![OperatorSetIdProto {
            domain: "ai.onnx.ml".into(),
            version: 5,
        }];
        m.encode_to_vec()
    };
    let x = Tensor::from_vec(vec![3, 2], vec![0.5f32, 3.0, 2.0, -1.0, f32::NAN, 1.0]).unwrap();
    let sigmoid = |v: f32| 1.0 / (1.0 + (-v).exp());
    let cases: [(i64, i64, [f32; 6]); 4] = [
        (0, 0, [0.875, 0.0, 2.0, 1.5, 0.75, 1.5]),
        (2, 0, [0.25, f32::MAX, 4.0, 3.0, 1.5, 3.0]),
        (3, 0, [1.5, f32::MIN, 4.0, 3.0, 1.5, 3.0]),
        (1, 2, [1.75, 0.0, 4.0, 3.0, 1.5, 3.0].map(sigmoid)),
    ];
    for (aggregate, post, want) in cases {
        let m = import_model(&ensemble(aggregate, post), None, &ImportOptions::default()).unwrap();
        let y = interp::run(&m, "main", std::slice::from_ref(&x)).unwrap();
        let got = y[0].as_slice::<f32>().unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                "{aggregate}/{post}: {got:?}"
            );
        }
    }
}

/// ConvInteger as imported (the product of the 8-bit values, the input padded with its
/// zero point, the zero points' terms after) equals the direct sum of
/// `(x - zx)·(w - zw[m])` over each window, padding counting as `zx`: here with groups,
/// strides, dilations, uneven pads, a computed input zero point and one weight zero
/// point per output channel, in every combination of zero points given or not.
#[test]
fn integer_convolutions_equal_the_sum_of_their_centered_products() {
    let (n, c, h, w, m, g, k) = (2usize, 4usize, 9usize, 7usize, 6usize, 2usize, 3usize);
    let (pads, strides, dil) = ([1usize, 2, 2, 1], [2usize, 1], [1usize, 2]);
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 40) as u8
    };
    let x: Vec<u8> = (0..n * c * h * w).map(|_| next()).collect();
    let wt: Vec<u8> = (0..m * (c / g) * k * k).map(|_| next()).collect();
    let zw: Vec<u8> = (0..m).map(|_| next()).collect();
    let zx = 37u8;
    let oh = (h + pads[0] + pads[2] - dil[0] * (k - 1) - 1) / strides[0] + 1;
    let ow = (w + pads[1] + pads[3] - dil[1] * (k - 1) - 1) / strides[1] + 1;
    for (with_zx, with_zw) in [(true, true), (true, false), (false, true), (false, false)] {
        let (zx, zw) = (
            if with_zx { zx } else { 0 },
            if with_zw { zw.clone() } else { vec![0; m] },
        );
        let mut want = vec![0i32; n * m * oh * ow];
        for b in 0..n {
            for o in 0..m {
                let grp = o / (m / g);
                for i in 0..oh {
                    for j in 0..ow {
                        let mut s = 0i32;
                        for ci in 0..c / g {
                            for ki in 0..k {
                                for kj in 0..k {
                                    let y =
                                        (i * strides[0] + ki * dil[0]) as isize - pads[0] as isize;
                                    let xx =
                                        (j * strides[1] + kj * dil[1]) as isize - pads[1] as isize;
                                    let ch = grp * (c / g) + ci;
                                    let inside = (0..h as isize).contains(&y)
                                        && (0..w as isize).contains(&xx);
                                    let xv = if inside {
                                        x[((b * c + ch) * h + y as usize) * w + xx as usize]
                                    } else {
                                        zx
                                    };
                                    let wv = wt[((o * (c / g) + ci) * k + ki) * k + kj];
                                    s += (xv as i32 - zx as i32) * (wv as i32 - zw[o] as i32);
                                }
                            }
                        }
                        want[((b * m + o) * oh + i) * ow + j] = s;
                    }
                }
            }
        }
        let mut inputs = vec![vi(
            "x",
            data_type::UINT8,
            &[n as i64, c as i64, h as i64, w as i64],
        )];
        let mut operands = vec!["x", "w"];
        let mut inits = vec![tensor_to_proto(
            &Tensor::from_vec(vec![m, c / g, k, k], wt.clone()).unwrap(),
            "w",
        )];
        if with_zx || with_zw {
            operands.push(if with_zx { "zx" } else { "" });
            if with_zx {
                inputs.push(vi("zx", data_type::UINT8, &[]));
            }
        }
        if with_zw {
            operands.push("zw");
            inits.push(tensor_to_proto(
                &Tensor::from_vec(vec![m], zw.clone()).unwrap(),
                "zw",
            ));
        }
        let bytes = model(
            vec![node(
                "ConvInteger",
                "conv",
                &operands,
                &["y"],
                vec![
                    int("group", g as i64),
                    ints("pads", &pads.map(|p| p as i64)),
                    ints("strides", &strides.map(|s| s as i64)),
                    ints("dilations", &dil.map(|d| d as i64)),
                ],
            )],
            inputs,
            vec![vi(
                "y",
                data_type::INT32,
                &[n as i64, m as i64, oh as i64, ow as i64],
            )],
            inits,
        );
        let module = import_model(&bytes, None, &ImportOptions::default()).unwrap();
        let mut args = vec![Tensor::from_vec(vec![n, c, h, w], x.clone()).unwrap()];
        if with_zx {
            args.push(Tensor::scalar(zx));
        }
        let y = interp::run(&module, "main", &args).unwrap();
        assert_eq!(
            y[0].as_slice::<i32>().unwrap(),
            want.as_slice(),
            "zx given: {with_zx}, zw given: {with_zw}"
        );
    }
}
