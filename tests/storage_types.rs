//! Casts to and from the storage types compiled for the CPU, Vulkan and the systolic
//! machine give the reference conversion's bytes (`strata_abi::storage`, which the graph
//! interpreter runs) on the inputs where rounding is decided: every code's value, the
//! midpoints between neighbours (ties go to the even code) and the floats just either
//! side of them, the overflow boundary, subnormals, signed zeros, infinities and NaNs —
//! with and without `saturate`. The node tests cover a dozen values per type.

use strata::abi::storage::{self, FloatFormat};
use strata::compile::{compile, CompileOptions};
use strata::ir::{parse_module, ElementType, Shape, Tensor as IrTensor};
use strata::runtime::{Module, Runtime, Tensor};

/// Every storage type the predicate picks, from the one list of element types.
fn storage_types(pick: fn(ElementType) -> bool) -> Vec<ElementType> {
    ElementType::ALL.into_iter().filter(|&e| pick(e)).collect()
}

fn next_up(x: f32) -> f32 {
    f32::from_bits(x.to_bits() + 1)
}

fn next_down(x: f32) -> f32 {
    f32::from_bits(x.to_bits() - 1)
}

/// The deciding inputs of a float storage type, both signs.
fn float_inputs(f: FloatFormat) -> Vec<f32> {
    let values: Vec<f32> = (0..=f.max_code).map(|c| f.decode(c) as f32).collect();
    let mut xs = Vec::new();
    for w in values.windows(2) {
        let mid = (w[0] + w[1]) / 2.0;
        xs.extend([w[0], mid, next_up(mid), next_down(mid)]);
    }
    let top = *values.last().unwrap();
    let step = top - values[values.len() - 2];
    xs.extend([top, top + step / 2.0, next_up(top + step / 2.0), top * 4.0]);
    xs.extend([f32::MIN_POSITIVE, 1e-30, f32::INFINITY, f32::MAX]);
    let negatives: Vec<f32> = xs.iter().map(|x| -x).collect();
    xs.extend(negatives);
    xs.extend([f32::NAN, -f32::NAN]);
    xs
}

fn int_inputs() -> Vec<f32> {
    let mut xs: Vec<f32> = (-80..=80).map(|i| i as f32 / 4.0).collect();
    xs.extend([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0]);
    xs
}

/// `x: f32 → to (saturate s) → f32` and the storage tensor itself.
fn program(to: ElementType, n: usize, saturate: bool) -> String {
    let (t, s) = (format!("tensor<{n}xf32>"), format!("tensor<{n}x{to}>"));
    format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: {t}):
    %q = "graph.cast"(%x) {{to = {to}, saturate = {} : i64}} : ({t}) -> {s}
    %back = "graph.cast"(%q) {{to = f32}} : ({s}) -> {t}
    "func.return"(%q, %back) : ({s}, {t}) -> ()
  }}) {{function_type = ({t}) -> ({s}, {t}), sym_name = "main"}} : () -> ()
}}) : () -> ()
"#,
        saturate as i64
    )
}

fn check(to: ElementType, xs: &[f32], saturate: bool) {
    let n = xs.len();
    let want: Vec<u8> = xs
        .iter()
        .map(|&x| storage::encode(to, x as f64, saturate))
        .collect();
    let decoded: Vec<f32> = want
        .iter()
        .map(|&c| storage::decode(to, c) as f32)
        .collect();
    let text = program(to, n, saturate);
    let graph = parse_module(&text).unwrap();
    let input = IrTensor::from_f64s(
        ElementType::F32,
        Shape::new([n]),
        &xs.iter().map(|&x| x as f64).collect::<Vec<_>>(),
    );
    let reference = strata::ir::interp::run(&graph, "main", &[input]).unwrap();
    assert_eq!(reference[0].to_le_bytes(), want, "{to}: the interpreter");
    let options = CompileOptions {
        validate: true,
        ..CompileOptions::for_targets("cpu,vulkan,systolic", &Default::default()).unwrap()
    };
    let file = compile(graph, &options).unwrap();
    let runtime = Runtime::new();
    for device in ["cpu", "vulkan", "systolic"] {
        let d = runtime.device(device).unwrap();
        let module = Module::from_file(&d, file.clone()).unwrap();
        let out = module
            .function("main")
            .unwrap()
            .call(&[Tensor::from_slice(&[n], xs).unwrap()])
            .unwrap();
        let got = out[0].bytes();
        if let Some(i) = (0..n).find(|&i| got[i] != want[i]) {
            panic!(
                "{to} (saturate {saturate}) on {device}: {:e} ({:#010x}) became {:#04x}, not {:#04x}",
                xs[i],
                xs[i].to_bits(),
                got[i],
                want[i]
            );
        }
        let back = out[1].to_vec::<f32>().unwrap();
        for i in 0..n {
            assert!(
                back[i].to_bits() == decoded[i].to_bits()
                    || (back[i].is_nan() && decoded[i].is_nan()),
                "{to} on {device}: code {:#04x} read back as {}, not {}",
                want[i],
                back[i],
                decoded[i]
            );
        }
    }
}

#[test]
fn float_storage_casts_match_the_reference_on_every_device() {
    for to in storage_types(ElementType::is_storage_float) {
        let xs = float_inputs(FloatFormat::of(to).unwrap());
        for saturate in [true, false] {
            check(to, &xs, saturate);
        }
    }
}

#[test]
fn integer_storage_casts_match_the_reference_on_every_device() {
    for to in storage_types(ElementType::is_storage_int) {
        check(to, &int_inputs(), true);
    }
}

/// Bytes a caller passes with bits above a 4-bit type's width read as the code in the low
/// bits, compiled as in the interpreter (a table lookup must never index past the table).
#[test]
fn high_bits_of_narrow_codes_are_ignored() {
    let n = 256;
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: tensor<{n}xi4>):
    %y = "graph.cast"(%x) {{to = f32}} : (tensor<{n}xi4>) -> tensor<{n}xf32>
    "func.return"(%y) : (tensor<{n}xf32>) -> ()
  }}) {{function_type = (tensor<{n}xi4>) -> tensor<{n}xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()
"#
    );
    let options = CompileOptions {
        validate: true,
        ..CompileOptions::for_targets("cpu,vulkan", &Default::default()).unwrap()
    };
    let file = compile(parse_module(&text).unwrap(), &options).unwrap();
    let runtime = Runtime::new();
    let bytes: Vec<u8> = (0..n).map(|b| b as u8).collect();
    let want: Vec<f32> = bytes
        .iter()
        .map(|&b| storage::decode_int(ElementType::I4, b) as f32)
        .collect();
    for device in ["cpu", "vulkan"] {
        let d = runtime.device(device).unwrap();
        let module = Module::from_file(&d, file.clone()).unwrap();
        let x = Tensor::new(ElementType::I4, &[n], bytes.clone()).unwrap();
        let out = module.function("main").unwrap().call(&[x]).unwrap();
        assert_eq!(out[0].to_vec::<f32>().unwrap(), want, "on {device}");
    }
}
