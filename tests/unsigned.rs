//! Unsigned integers whose values use their type's top bit (u32 past 2^31, u64 past
//! 2^63) compute by the unsigned rules in the reference interpreter and compiled for the
//! CPU, Vulkan and the systolic machine: division, remainder, comparisons, max/min, right
//! shifts and conversions to and from floats. The node tests' unsigned cases use small
//! values only, where signed code gives the same answers.

use strata::compile::{compile, CompileOptions};
use strata::ir::{parse_module, ElementType, Shape, Tensor as IrTensor};
use strata::runtime::{Module, Runtime, Tensor};

const X64: [u64; 6] = [u64::MAX, 1 << 63, (1 << 63) + 12345, 7, 0, 40];
const Y64: [u64; 6] = [3, (1 << 63) + 1, 1 << 62, u64::MAX, 5, 3];

/// One function of two `{ty}` operands returning every op's result, in IR text.
fn program(ty: &str, n: usize) -> String {
    let t = format!("tensor<{n}x{ty}>");
    let b = format!("tensor<{n}xi1>");
    let f = format!("tensor<{n}xf64>");
    format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: {t}, %y: {t}, %s: {t}):
    %div = "graph.div"(%x, %y) : ({t}, {t}) -> {t}
    %mod = "graph.mod"(%x, %y) : ({t}, {t}) -> {t}
    %lt = "graph.less"(%x, %y) : ({t}, {t}) -> {b}
    %ge = "graph.greater_or_equal"(%x, %y) : ({t}, {t}) -> {b}
    %max = "graph.max"(%x, %y) : ({t}, {t}) -> {t}
    %min = "graph.min"(%x, %y) : ({t}, {t}) -> {t}
    %shr = "graph.bit_shift"(%x, %s) {{direction = "RIGHT"}} : ({t}, {t}) -> {t}
    %fx = "graph.cast"(%x) {{to = f64}} : ({t}) -> {f}
    %back = "graph.cast"(%fx) {{to = {ty}}} : ({f}) -> {t}
    "func.return"(%div, %mod, %lt, %ge, %max, %min, %shr, %fx, %back) : ({t}, {t}, {b}, {b}, {t}, {t}, {t}, {f}, {t}) -> ()
  }}) {{function_type = ({t}, {t}, {t}) -> ({t}, {t}, {b}, {b}, {t}, {t}, {t}, {f}, {t}), sym_name = "main"}} : () -> ()
}}) : () -> ()
"#
    )
}

/// What each output must hold, as u64 bit patterns (booleans 0/1, floats their value's
/// integer, which is exact for these inputs' f64 roundings).
fn expected(x: &[u64], y: &[u64], s: &[u64], mask: u64) -> Vec<Vec<u64>> {
    let zip = |f: &dyn Fn(u64, u64) -> u64| -> Vec<u64> {
        x.iter().zip(y).map(|(&a, &b)| f(a, b)).collect()
    };
    let to_float: Vec<u64> = x.iter().map(|&a| a as f64 as u64).collect();
    vec![
        zip(&|a, b| a.checked_div(b).unwrap_or(0)),
        zip(&|a, b| a.checked_rem(b).unwrap_or(0)),
        zip(&|a, b| (a < b) as u64),
        zip(&|a, b| (a >= b) as u64),
        zip(&|a, b| a.max(b)),
        zip(&|a, b| a.min(b)),
        x.iter().zip(s).map(|(&a, &k)| a >> k).collect(),
        to_float.clone(),
        // f64 → u64 saturates: 2^64 (u64::MAX rounded up) comes back as u64::MAX.
        to_float.iter().map(|&v| v.min(mask)).collect(),
    ]
}

fn compiled(text: &str) -> strata::runtime::format::ModuleFile {
    let options = CompileOptions {
        validate: true,
        ..CompileOptions::for_targets("cpu,vulkan,systolic", &Default::default()).unwrap()
    };
    compile(parse_module(text).unwrap(), &options).unwrap()
}

fn as_u64s(t: &Tensor) -> Vec<u64> {
    match t.dtype() {
        ElementType::U64 => t.to_vec::<u64>().unwrap(),
        ElementType::U32 => t
            .to_vec::<u32>()
            .unwrap()
            .into_iter()
            .map(u64::from)
            .collect(),
        ElementType::Bool => t
            .to_vec::<bool>()
            .unwrap()
            .into_iter()
            .map(u64::from)
            .collect(),
        ElementType::F64 => t
            .to_vec::<f64>()
            .unwrap()
            .into_iter()
            .map(|v| v as u64)
            .collect(),
        other => panic!("unexpected output type {other}"),
    }
}

fn check(ty: &str, x: &[u64], y: &[u64], s: &[u64], mask: u64) {
    let n = x.len();
    let text = program(ty, n);
    let want = expected(x, y, s, mask);
    let elem = ElementType::from_mlir_name(ty).unwrap();
    let ir_in = |v: &[u64]| {
        IrTensor::from_i64s(
            elem,
            Shape::new([n]),
            &v.iter().map(|&u| u as i64).collect::<Vec<_>>(),
        )
    };
    let graph = parse_module(&text).unwrap();
    let got = strata::ir::interp::run(&graph, "main", &[ir_in(x), ir_in(y), ir_in(s)]).unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let g: Vec<u64> = if g.elem().is_float() {
            g.to_f64s().into_iter().map(|v| v as u64).collect()
        } else {
            g.to_i64s().into_iter().map(|v| v as u64 & mask).collect()
        };
        assert_eq!(&g, w, "{ty} output {i} in the interpreter");
    }
    let file = compiled(&text);
    let runtime = Runtime::new();
    for device in ["cpu", "vulkan", "systolic"] {
        let device_handle = runtime.device(device).unwrap();
        let module = Module::from_file(&device_handle, file.clone()).unwrap();
        let input = |v: &[u64]| {
            if ty == "ui64" {
                Tensor::from_slice(&[n], v).unwrap()
            } else {
                let v: Vec<u32> = v.iter().map(|&u| u as u32).collect();
                Tensor::from_slice(&[n], &v).unwrap()
            }
        };
        let out = module
            .function("main")
            .unwrap()
            .call(&[input(x), input(y), input(s)])
            .unwrap();
        for (i, (o, w)) in out.iter().zip(&want).enumerate() {
            assert_eq!(&as_u64s(o), w, "{ty} output {i} on {device}");
        }
    }
}

#[test]
fn u64_past_i64_max_follows_unsigned_rules_everywhere() {
    check("ui64", &X64, &Y64, &[1, 63, 4, 0, 2, 70], u64::MAX);
}

#[test]
fn u32_past_i32_max_follows_unsigned_rules_everywhere() {
    let x: Vec<u64> = X64.iter().map(|&v| (v >> 32) | (v & 0xFF)).collect();
    let y: Vec<u64> = Y64.iter().map(|&v| (v >> 32) | 1).collect();
    check("ui32", &x, &y, &[1, 31, 4, 0, 2, 40], u32::MAX as u64);
}
