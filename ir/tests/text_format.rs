//! The text format: print → parse → print is the identity, errors carry line:column, and
//! no input text makes the parser (or the verifier and interpreter behind it) panic.

mod common;

use common::{random_module, Rng};
use proptest::prelude::*;
use strata_ir::{interp, parse_module, print_module, verify_module, Tensor, Type};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn print_parse_print_is_identity(seed in any::<u64>()) {
        let text = print_module(&random_module(seed, true));
        let parsed = parse_module(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(print_module(&parsed), text);
    }

    #[test]
    fn generated_graph_modules_verify_and_run(seed in any::<u64>()) {
        let m = random_module(seed, false);
        prop_assert!(verify_module(&m).is_ok(), "{}", print_module(&m));
        for f in m.functions() {
            let inputs: Vec<Tensor> = f.arguments(&m).iter().map(|&a| match m.value_type(a) {
                Type::Tensor(t) => Tensor::zeros(t),
                _ => unreachable!("functions take tensors"),
            }).collect();
            prop_assert!(interp::run_function(&m, f, &inputs).is_ok());
        }
    }

    #[test]
    fn mutated_text_never_panics(seed in any::<u64>(), edits in proptest::collection::vec((any::<u32>(), any::<u8>(), 0u8..4), 1..6)) {
        let mut bytes = print_module(&random_module(seed, true)).into_bytes();
        for (pos, byte, kind) in edits {
            if bytes.is_empty() { break; }
            let i = pos as usize % bytes.len();
            match kind {
                0 => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                2 => bytes[i] = byte,
                _ => bytes.truncate(i),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(m) = parse_module(&text) {
            if verify_module(&m).is_ok() {
                for f in m.functions() {
                    let types: Vec<_> = f.arguments(&m).iter().filter_map(|&a| m.value_type(a).as_tensor().cloned()).collect();
                    if types.iter().map(|t| t.shape.numel()).sum::<usize>() < 1 << 16 {
                        let inputs: Vec<Tensor> = types.iter().map(Tensor::zeros).collect();
                        let _ = interp::run_function(&m, f, &inputs);
                    }
                }
            }
        }
    }
}

#[test]
fn parse_errors_carry_line_and_column() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        ("\"builtin.module\"() ({\n  %0 = \"graph.relu\"(%9) : (tensor<2xf32>) -> tensor<2xf32>\n}) : () -> ()", (2, 21), "undefined value '%9'"),
        ("\"builtin.module\"() ({\n}) : () ->", (2, 11), "expected '('"),
        ("\"builtin.module\"() ({\n  %0 = \"relu\"() : () -> tensor<2xf32>\n}) : () -> ()", (2, 8), "dialect-qualified"),
        ("\"builtin.module\"() ({\n  %0 = \"graph.c\"() : () -> tensor<?xf32>\n}) : () -> ()", (2, 35), "dynamic dimensions"),
        ("\"builtin.module\"() ({\n  %0 = \"graph.c\"() {v = dense<[1, 2]> : tensor<3xi8>} : () -> tensor<2xf32>\n}) : () -> ()", (2, 31), "dense literal has 2 elements"),
        ("\"builtin.module\"() ({\n  %0 = \"graph.c\"() {v = dense<300> : tensor<i8>} : () -> tensor<2xf32>\n}) : () -> ()", (2, 31), "300 does not fit in i8"),
        ("\"builtin.module\"() ({\n  \"t.x\"() {s = \"open} : () -> ()\n}) : () -> ()", (2, 16), "unterminated string"),
    ];
    for (text, (line, col), msg) in cases {
        let e = parse_module(text).expect_err(text);
        assert_eq!((e.line, e.col), (*line, *col), "{e}");
        assert!(e.message.contains(msg), "{e} should mention {msg}");
    }
}

#[test]
fn verifier_reports_every_problem_with_its_location() {
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<4xf32>):
    %0 = "graph.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32> loc("add_node")
    %1 = "graph.relu"(%arg0) : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %2 = "graph.frobnicate"(%arg0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    "func.return"(%2) : (tensor<2x3xf32>) -> ()
  }) {function_type = (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>, sym_name = "main"} : () -> ()
}) : () -> ()"#;
    let m = parse_module(text).unwrap();
    let e = verify_module(&m).unwrap_err();
    assert_eq!(e.diagnostics.len(), 3, "{e}");
    assert!(
        e.diagnostics[0].location.contains("add_node")
            && e.diagnostics[0].message.contains("broadcast"),
        "{e}"
    );
    assert!(
        e.diagnostics[1].location == "line 5:5"
            && e.diagnostics[1].message.contains("tensor<2x3xf32>"),
        "{e}"
    );
    assert!(
        e.diagnostics[2]
            .message
            .contains("unknown operation 'graph.frobnicate'"),
        "{e}"
    );
}

#[test]
fn every_attribute_kind_survives_a_round_trip() {
    let mut r = Rng::new(7);
    for _ in 0..200 {
        let attr = common::random_attr(&mut r, 3);
        let text = format!(
            "\"builtin.module\"() ({{\n  \"t.x\"() {{a = {attr}}} : () -> ()\n}}) : () -> ()\n"
        );
        let m = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(print_module(&m), text);
    }
}

/// Hostile text gets errors, not a stack overflow or a huge allocation: 20,000 levels of
/// arrays, dictionaries, regions or function-type parentheses stop at the nesting limit,
/// and a splat constant declared with 1.6e11 elements (text or hex) is refused before it
/// is built. Nesting within the limit still parses.
#[test]
fn deep_nesting_and_huge_splats_are_errors() {
    let deep = 20_000;
    let cases = [
        format!(
            "\"builtin.module\"() ({{\n}}) {{a = {}{}}} : () -> ()",
            "[".repeat(deep),
            "]".repeat(deep)
        ),
        format!(
            "\"builtin.module\"() ({{\n}}) {{a = {}1{}}} : () -> ()",
            "{a = ".repeat(deep),
            "}".repeat(deep)
        ),
        format!("\"x.y\"() : {}", "(".repeat(deep)),
        "\"a.b\"() ({\n".repeat(deep),
    ];
    for text in &cases {
        let e = parse_module(text).unwrap_err();
        assert!(
            e.message
                .contains("nested deeper than the nesting limit (256;"),
            "{e}"
        );
    }
    for value in ["1.0", "\"0x0000803F\""] {
        let text = format!(
            "\"builtin.module\"() ({{\n  \"graph.constant\"() {{value = dense<{value}> : tensor<400000x400000xf32>}} : () -> tensor<400000x400000xf32>\n}}) : () -> ()"
        );
        let e = parse_module(&text).unwrap_err();
        assert!(
            e.message.contains("160000000000 elements") && e.line == 2,
            "{e}"
        );
    }
    let fine = strata_abi::limits::Limit::Nesting.get_usize() / 2;
    let text = format!(
        "\"builtin.module\"() ({{\n}}) {{a = {}{}}} : () -> ()",
        "[".repeat(fine),
        "]".repeat(fine)
    );
    parse_module(&text).unwrap();
}

/// A host program declaring a 300 TB arena (past any 64-bit machine's address space) is
/// an error when it runs, not an abort.
#[test]
fn a_host_program_declaring_more_memory_than_there_is_is_an_error() {
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: memref<4xf32>, %arg1: memref<4xf32>):
    "host.copy"(%arg0, %arg1) : (memref<4xf32>, memref<4xf32>) -> ()
    "func.return"() : () -> ()
  }) {function_type = (memref<4xf32>, memref<4xf32>) -> (), host.arena_bytes = 300000000000000 : i64, host.num_inputs = 1 : i64, sym_name = "main"} : () -> ()
}) : () -> ()"#;
    let m = parse_module(text).unwrap();
    verify_module(&m).unwrap();
    let f = m.function("main").unwrap();
    let x = Tensor::from_vec(vec![4], vec![1.0f32; 4]).unwrap();
    let e = strata_ir::host::run_host(&m, f, &[x])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot allocate the 300000000000000 bytes of the arena"),
        "{e}"
    );
}
