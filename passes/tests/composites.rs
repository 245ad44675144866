//! Composite scalar ops have one definition (`strata_ir::kernel::composite`): the graph
//! interpreter evaluates it in f64, the `expand-composites` pass rewrites the ops into
//! primitives from it, and what the expanded kernels compute (each primitive rounded to
//! the element type, 16-bit floats computing in f32) stays within a few ulps of that.

use strata_ir::kernel::composite::COMPOSITES;
use strata_ir::{interp, parse_module, print_module, ElementType, Shape, Tensor};
use strata_passes::pipeline::run_pipeline;

/// The graph op of composite `name` applied to a tensor of `n` elements of `elem`.
fn one_op(c: &strata_ir::kernel::composite::Composite, elem: &str, n: usize) -> String {
    let attrs = match c.form {
        Some((attr, value)) => format!(" {{{attr} = \"{value}\"}}"),
        None => String::new(),
    };
    let (op, second) = (c.name.as_str(), c.name == "kernel.prelu");
    let op = op.replace("kernel.", "graph.");
    let t = format!("tensor<{n}x{elem}>");
    let (args, operands, types) = if second {
        (
            format!("%x: {t}, %s: {t}"),
            "%x, %s".to_string(),
            format!("{t}, {t}"),
        )
    } else {
        (format!("%x: {t}"), "%x".to_string(), t.clone())
    };
    format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0({args}):
    %0 = "{op}"({operands}){attrs} : ({types}) -> {t}
    "func.return"(%0) : ({t}) -> ()
  }}) {{function_type = ({types}) -> {t}, sym_name = "main"}} : () -> ()
}}) : () -> ()"#
    )
}

#[test]
fn expanded_composites_compute_what_their_definitions_do() {
    let n = 97;
    for c in COMPOSITES {
        for (elem, ulps) in [
            (ElementType::F32, 2f64.powi(-23)),
            (ElementType::F64, 2f64.powi(-52)),
            (ElementType::F16, 2f64.powi(-10)),
        ] {
            let text = one_op(c, elem.mlir_name(), n);
            let m = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            strata_ir::verify_module(&m).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            let x = Tensor::from_f64_fn(elem, Shape::new([n]), |i| (i as f64 - 48.0) / 6.0);
            let s = Tensor::from_f64_fn(elem, Shape::new([n]), |i| 0.25 - i as f64 / 200.0);
            let inputs: Vec<Tensor> = if c.name == "kernel.prelu" {
                vec![x, s]
            } else {
                vec![x]
            };
            let expected = interp::run(&m, "main", &inputs).unwrap();
            let (expanded, _) =
                run_pipeline(&m, "lower-to-kernel,expand-composites", None, false).unwrap();
            let printed = print_module(&expanded);
            let composite_op = c.name.as_str();
            assert!(
                !printed.contains(&format!("\"{composite_op}\"")),
                "{} on {elem}: still there\n{printed}",
                c.name
            );
            let got = interp::run(&expanded, "main", &inputs).unwrap();
            for (i, (a, e)) in got[0]
                .to_f64s()
                .iter()
                .zip(expected[0].to_f64s())
                .enumerate()
            {
                let close = a == &e
                    || (a.is_nan() && e.is_nan())
                    || (a - e).abs() <= 8.0 * ulps * e.abs().max(1.0);
                assert!(
                    close,
                    "{} on {elem}, element {i}: expanded {a}, defined {e}",
                    c.name
                );
            }
        }
    }
}
