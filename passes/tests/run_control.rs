//! Run control: limits stop saturation cleanly with a valid best program; functions the
//! e-graph cannot represent pass through with a note; names survive.

use strata_ir::target::{Target, TargetKind};
use strata_ir::{interp, parse_module, print_module, Tensor};
use strata_passes::egraph::{optimize_module, OptimizeOptions};

const CHAIN: &str = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<4x4xf32>, %arg1: tensor<4x4xf32>, %arg2: tensor<4x4xf32>, %arg3: tensor<4x4xf32>):
    %0 = "graph.matmul"(%arg0, %arg1) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %1 = "graph.matmul"(%0, %arg2) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %2 = "graph.matmul"(%1, %arg3) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %3 = "graph.matmul"(%2, %arg0) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %4 = "graph.relu"(%3) : (tensor<4x4xf32>) -> tensor<4x4xf32>
    "func.return"(%4) : (tensor<4x4xf32>) -> ()
  }) {arg_attrs = [{strata.name = "a"}, {strata.name = "b"}, {strata.name = "c"}, {strata.name = "d"}], function_type = (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>, res_attrs = [{strata.name = "out/y"}], sym_name = "chain"} : () -> ()
}) : () -> ()
"#;

fn inputs() -> Vec<Tensor> {
    (0..4)
        .map(|k| {
            Tensor::from_vec(
                vec![4, 4],
                (0..16)
                    .map(|i| ((i * 7 + k * 3) % 11) as f32 / 5.0 - 1.0)
                    .collect(),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn hitting_the_node_limit_still_returns_a_valid_program() {
    let m = parse_module(CHAIN).unwrap();
    let mut options = OptimizeOptions::for_target(&Target::generic(TargetKind::Cpu));
    options.node_limit = 30;
    options.iter_limit = 50;
    let (opt, stats) = optimize_module(&m, &options).unwrap();
    assert!(stats[0].stop_reason.contains("node limit"), "{}", stats[0]);
    strata_ir::verify_module(&opt).unwrap();
    let f = opt.function("chain").unwrap();
    assert_eq!(f.input_names(&opt), vec!["a", "b", "c", "d"]);
    assert_eq!(f.output_names(&opt), vec!["out/y"]);
    let before = interp::run(&m, "chain", &inputs()).unwrap();
    let after = interp::run(&opt, "chain", &inputs()).unwrap();
    let diff = before[0]
        .to_f64s()
        .iter()
        .zip(after[0].to_f64s())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(diff < 1e-4, "{diff}");
}

#[test]
fn unrepresentable_functions_pass_through_with_a_note() {
    let text = CHAIN.replace("\"graph.relu\"(%3)", "\"vendor.custom\"(%3)");
    let m = parse_module(&text).unwrap();
    let (opt, stats) = optimize_module(
        &m,
        &OptimizeOptions::for_target(&Target::generic(TargetKind::Vulkan)),
    )
    .unwrap();
    assert!(
        stats[0]
            .notes
            .iter()
            .any(|n| n.contains("left unchanged") && n.contains("vendor.custom")),
        "{}",
        stats[0]
    );
    assert_eq!(print_module(&opt), print_module(&m));
}
