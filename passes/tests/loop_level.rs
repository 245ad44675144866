//! The loop and host levels preserve meaning.
//!
//! - Random well-typed programs compute the same through the graph interpreter and, after
//!   the whole pipeline for the `cpu` and `gpu` targets (e-graph, kernels, fusion, tiling,
//!   loops, vectorization, unrolling, bufferization), through the host and loop
//!   interpreters; the host module prints, parses back identically and verifies.
//! - Any valid schedule — random grid tiles, cache tiles and loop orders — gives results
//!   bit-identical to the kernel interpreter's, since schedules keep each result's
//!   accumulation order; so does staging operand tiles in workgroup memory.

mod common;

use common::{assert_close, random_program};
use proptest::prelude::*;
use strata_ir::kernel::{Generic, IteratorKind, Schedule};
use strata_ir::{interp, parse_module, print_module, verify_module, Module, OpId};
use strata_passes::pipeline::{run_pipeline, FULL};

/// The whole pipeline for a target of `kind`: the CPU with the vector width and threads
/// of a mid-size machine, the Vulkan baseline GPU.
fn full_pipeline(kind: &str) -> String {
    match kind {
        "cpu" => format!("target{{kind=cpu,vector-bits=256,threads=2}},{FULL}"),
        _ => format!("target{{kind=vulkan}},{FULL}"),
    }
}

fn fail(e: impl ToString) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn whole_pipeline_matches_the_graph_interpreter(seed in any::<u64>(), steps in 1usize..12) {
        let (m, inputs) = random_program(seed, steps);
        verify_module(&m).map_err(fail)?;
        let expected = interp::run(&m, "main", &inputs).map_err(fail)?;
        for target in ["cpu", "gpu"] {
            let (host, _) = run_pipeline(&m, &full_pipeline(target), None, false)
                .map_err(|e| fail(format!("{target}: {e}\n{}", print_module(&m))))?;
            let text = print_module(&host);
            let reparsed = parse_module(&text).map_err(|e| fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(print_module(&reparsed), text.clone());
            verify_module(&reparsed).map_err(fail)?;
            let got = interp::run(&host, "main", &inputs)
                .map_err(|e| fail(format!("{target}: {e}\n{text}")))?;
            prop_assert_eq!(got.len(), expected.len());
            for (a, e) in got.iter().zip(&expected) {
                assert_close(a, e).map_err(|msg| {
                    fail(format!("{target}: {msg}\ngraph:\n{}\nhost:\n{text}", print_module(&m)))
                })?;
            }
        }
    }

    #[test]
    fn any_valid_schedule_is_bit_identical(seed in any::<u64>(), steps in 1usize..10, choice in any::<u64>()) {
        let (m, inputs) = random_program(seed, steps);
        let kernels = run_pipeline(&m, "lower-to-kernel,fuse", None, false)
            .map_err(fail)?
            .0;
        let reference = interp::run(&kernels, "main", &inputs).map_err(fail)?;
        let mut scheduled = kernels.clone();
        let mut rng = choice | 1;
        let generics: Vec<OpId> = scheduled
            .functions()
            .flat_map(|f| scheduled.block(f.entry_block(&scheduled)).ops.clone())
            .filter(|&op| scheduled.op(op).name == "kernel.generic")
            .collect();
        for op in generics {
            let s = random_schedule(&scheduled, op, &mut rng);
            for (k, v) in s.attrs() {
                scheduled.op_mut(op).attrs.insert(k.into(), v);
            }
        }
        verify_module(&scheduled).map_err(fail)?;
        // Staging in workgroup memory only copies: still bit-identical.
        let (host, _) = run_pipeline(
            &scheduled,
            "target{kind=vulkan,vector-bits=256},lower-to-loops,stage,vectorize,unroll{factor=2},bufferize",
            None,
            false,
        )
        .map_err(fail)?;
        let got = interp::run(&host, "main", &inputs)
            .map_err(|e| fail(format!("{e}\n{}", print_module(&host))))?;
        for (a, e) in got.iter().zip(&reference) {
            prop_assert!(a.bitwise_eq(e), "schedule changed results\n{}", print_module(&scheduled));
        }
    }
}

fn next(rng: &mut u64) -> u64 {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    *rng
}

/// A random divisor of `n` (or 0, no tile).
fn random_tile(n: usize, rng: &mut u64) -> usize {
    let divisors: Vec<usize> = (1..=n).filter(|d| n.is_multiple_of(*d)).collect();
    match next(rng) as usize % (divisors.len() + 1) {
        0 => 0,
        i => divisors[i - 1],
    }
}

/// A random schedule the verifier accepts.
fn random_schedule(m: &Module, op: OpId, rng: &mut u64) -> Schedule {
    let g = Generic::of(m, op).unwrap();
    let n = g.domain.len();
    let parallel = |k: usize| g.iterators[k] == IteratorKind::Parallel;
    // Shuffle the parallel dimensions, then interleave the reductions in order.
    let mut par: Vec<usize> = (0..n).filter(|&k| parallel(k)).collect();
    for i in (1..par.len()).rev() {
        par.swap(i, next(rng) as usize % (i + 1));
    }
    let reds: Vec<usize> = (0..n).filter(|&k| !parallel(k)).collect();
    let mut loop_order = Vec::new();
    let (mut p, mut r) = (par.into_iter().peekable(), reds.iter().copied().peekable());
    while p.peek().is_some() || r.peek().is_some() {
        let take_red = r.peek().is_some() && (p.peek().is_none() || next(rng).is_multiple_of(2));
        loop_order.push(if take_red {
            r.next().unwrap()
        } else {
            p.next().unwrap()
        });
    }
    let mut grid_tiles = vec![0; n];
    let mut grid_dims = 0;
    for (k, tile) in grid_tiles.iter_mut().enumerate() {
        if parallel(k) && grid_dims < 3 {
            *tile = random_tile(g.domain[k], rng);
            grid_dims += (*tile > 0) as usize;
        }
    }
    let mut cache_tiles = vec![0; n];
    for k in 0..n {
        if parallel(k) || Some(&k) == reds.first() {
            let inner = if grid_tiles[k] > 0 {
                grid_tiles[k]
            } else {
                g.domain[k]
            };
            cache_tiles[k] = random_tile(inner, rng);
        }
    }
    // No `contract`: a contraction's fused multiply-adds round differently from the
    // kernel body's multiply and add (tests/contract.rs covers it).
    let s = Schedule {
        grid_tiles,
        cache_tiles,
        loop_order,
        contract: None,
    };
    s.check(&g).unwrap();
    s
}

/// A loop kernel's ops of name `name`, anywhere in the module.
fn count_ops(m: &Module, name: &str) -> usize {
    (0..m.num_ops())
        .map(|i| OpId(i as u32))
        .filter(|&op| m.op(op).name == name && m.op(op).parent.is_some())
        .count()
}

#[test]
fn staging_copies_reused_tiles_into_workgroup_memory_and_changes_no_bit() {
    // A matmul whose workgroups read one row of x 64 times over (once per column).
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<16x96xf32>, %w: tensor<96x64xf32>):
    %0 = "graph.matmul"(%x, %w) : (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>
    "func.return"(%0) : (tensor<16x64xf32>) -> ()
  }) {function_type = (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
"#;
    let m = parse_module(text).unwrap();
    let pipeline = full_pipeline("gpu");
    assert!(pipeline.contains(",stage,"), "{pipeline}");
    let run = |pipeline: &str| {
        let (host, _) = run_pipeline(&m, pipeline, None, false).unwrap();
        host
    };
    let staged = run(&pipeline);
    let plain = run(&pipeline.replace(",stage,", ","));
    assert_eq!(count_ops(&plain, "loop.alloca"), 0);
    assert_eq!(
        count_ops(&staged, "loop.alloca"),
        1,
        "{}",
        print_module(&staged)
    );
    // The tile is written by a copy nest and read by the contraction.
    let text = print_module(&staged);
    let tile_type = text
        .lines()
        .find(|l| l.contains("loop.alloca"))
        .and_then(|l| l.split("-> ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        text.lines()
            .any(|l| l.contains("loop.vstore") && l.contains(&tile_type)),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("loop.load") && l.contains(&tile_type)),
        "{text}"
    );
    let inputs = vec![
        strata_ir::Tensor::from_f64_fn(strata_ir::ElementType::F32, vec![16, 96].into(), |i| {
            ((i * 7919) % 101) as f64 / 50.0 - 1.0
        }),
        strata_ir::Tensor::from_f64_fn(strata_ir::ElementType::F32, vec![96, 64].into(), |i| {
            ((i * 104_729) % 97) as f64 / 48.0 - 1.0
        }),
    ];
    let a = interp::run(&staged, "main", &inputs).unwrap();
    let b = interp::run(&plain, "main", &inputs).unwrap();
    assert!(a[0].bitwise_eq(&b[0]));
    // The CPU target stages nothing: its caches do the job.
    let cpu = run(&full_pipeline("cpu"));
    assert_eq!(count_ops(&cpu, "loop.alloca"), 0);
}

/// A kernel summing row `row` of `%t` (64 wide) into every element of a 4x64 output row
/// by row: the row is read once per output column, so it is reused 64 times. `row` is an
/// index expression over `%i` (the grid row) and `extra` defines what it needs.
fn row_sum_kernel(name: &str, extra: &str, row: &str, out: &str) -> String {
    format!(
        r#"  "loop.kernel"() ({{
  ^bb0(%t: memref<64x64xf32>, %idx: memref<4xi64>, %o: memref<4x64xf32>):
    "loop.for"() ({{
    ^bb0(%i: index):
      "loop.for"() ({{
      ^bb0(%j: index):
        "loop.for"() ({{
        ^bb0(%k: index):
{extra}
          %v = "loop.load"(%t, {row}, %k) : (memref<64x64xf32>, index, index) -> f32
          %a = "loop.load"(%o, %i, %j) : (memref<4x64xf32>, index, index) -> f32
          %s = "kernel.add"(%a, %v) : (f32, f32) -> f32
          "loop.store"(%s, {out}, %i, %j) : (f32, memref<4x64xf32>, index, index) -> ()
        }}) {{iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 64 : i64}} : () -> ()
      }}) {{iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64}} : () -> ()
    }}) {{grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 4 : i64}} : () -> ()
  }}) {{sym_name = "{name}"}} : () -> ()
"#
    )
}

#[test]
fn operands_the_kernel_writes_or_indexes_by_data_are_not_staged() {
    let by_data = r#"          %r = "loop.load"(%idx, %i) : (memref<4xi64>, index) -> i64
          %ri = "loop.index_cast"(%r) : (i64) -> index"#;
    let text = format!(
        "\"builtin.module\"() ({{\n{}{}{}}}) : () -> ()\n",
        row_sum_kernel("affine", "", "%i", "%o"),
        row_sum_kernel("by_data", by_data, "%ri", "%o"),
        // Writes the row it reads (into its first rows): a staged copy would go stale.
        row_sum_kernel("written", "", "%i", "%t"),
    );
    let text = text.replace(
        r#""loop.store"(%s, %t, %i, %j) : (f32, memref<4x64xf32>"#,
        r#""loop.store"(%s, %t, %i, %j) : (f32, memref<64x64xf32>"#,
    );
    let m = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    verify_module(&m).unwrap();
    let params = strata_passes::loops::LoopParams::for_target(&strata_ir::target::Target::generic(
        strata_ir::target::TargetKind::Vulkan,
    ));
    let (staged, count) = strata_passes::loops::stage(&m, &params).unwrap();
    assert_eq!(count, 1, "{}", print_module(&staged));
    let kernel = |name: &str| {
        let k = strata_ir::loops::find_kernel(&staged, name).unwrap();
        let mut n = 0;
        let mut stack = vec![k];
        while let Some(op) = stack.pop() {
            n += (staged.op(op).name == "loop.alloca") as usize;
            for &r in &staged.op(op).regions {
                for &b in &staged.region(r).blocks {
                    stack.extend(staged.block(b).ops.iter().copied());
                }
            }
        }
        n
    };
    assert_eq!(
        (kernel("affine"), kernel("by_data"), kernel("written")),
        (1, 0, 0)
    );
}

/// A `graph.pad` program: input of `dims`, begin and end `pads`, `mode`, fill `value`.
fn pad_program(dims: &[usize], pads: &[i64], mode: &str, value: f32) -> Module {
    let rank = dims.len();
    let out: Vec<i64> = (0..rank)
        .map(|d| dims[d] as i64 + pads[d] + pads[rank + d])
        .collect();
    let ty = |d: &[i64]| {
        let s: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        format!("tensor<{}xf32>", s.join("x"))
    };
    let input: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
    let pads: Vec<String> = pads.iter().map(|p| p.to_string()).collect();
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%arg0: {it}):
    %0 = "graph.pad"(%arg0) {{mode = "{mode}", pads = array<i64: {pads}>, value = dense<0x{bits:08X}> : tensor<f32>}} : ({it}) -> {ot}
    "func.return"(%0) : ({ot}) -> ()
  }}) {{function_type = ({it}) -> {ot}, sym_name = "main"}} : () -> ()
}}) : () -> ()"#,
        it = ty(&input),
        ot = ty(&out),
        bits = value.to_bits(),
        pads = pads.join(", "),
    );
    parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// A constant pad or crop is lowered as border fills and an interior copy (no
    /// selects left) unless the grid splits a padded dimension, and under any schedule
    /// matches the graph interpreter to the bit.
    #[test]
    fn pads_lower_to_fills_and_copies(seed in any::<u64>(), choice in any::<u64>()) {
        let mut rng = seed | 1;
        let rank = 1 + next(&mut rng) as usize % 4;
        let dims: Vec<usize> = (0..rank).map(|_| 1 + next(&mut rng) as usize % 6).collect();
        let mut pads = vec![0i64; 2 * rank];
        for d in 0..rank {
            // Each end in -2..=3, keeping at least one element.
            for side in [d, rank + d] {
                pads[side] = (next(&mut rng) % 6) as i64 - 2;
            }
            while dims[d] as i64 + pads[d] + pads[rank + d] < 1 {
                pads[d] += 1;
            }
        }
        let mode = ["constant", "constant", "constant", "edge", "reflect"][next(&mut rng) as usize % 5];
        let value = [0.0f32, -1.5, f32::NEG_INFINITY][next(&mut rng) as usize % 3];
        let m = pad_program(&dims, &pads, mode, value);
        verify_module(&m).map_err(fail)?;
        let n: usize = dims.iter().product();
        let data: Vec<f32> = (0..n).map(|i| i as f32 * 0.75 - 3.0).collect();
        let inputs = vec![strata_ir::Tensor::from_vec(dims.clone(), data).map_err(fail)?];
        let expected = interp::run(&m, "main", &inputs).map_err(fail)?;
        let mut kernels = run_pipeline(&m, "lower-to-kernel", None, false).map_err(fail)?.0;
        let op = kernels
            .functions()
            .flat_map(|f| kernels.block(f.entry_block(&kernels)).ops.clone())
            .find(|&op| kernels.op(op).name == "kernel.generic");
        let Some(op) = op else {
            // A pad that changes nothing is no kernel at all.
            prop_assert!(pads.iter().all(|&p| p == 0));
            return Ok(());
        };
        let recognized = strata_ir::kernel::pad::padded_copy(&kernels, op);
        // (Another mode's pad may read like a constant one where it only crops.)
        if mode == "constant" {
            prop_assert!(recognized.is_some(), "{}", print_module(&kernels));
        }
        let mut rng = choice | 1;
        let schedule = if choice % 3 == 0 { Schedule::untiled(&Generic::of(&kernels, op).unwrap()) } else { random_schedule(&kernels, op, &mut rng) };
        let out_dims = kernels.tensor_type(kernels.op(op).results[0]).unwrap().shape.dims().to_vec();
        let gridded_pad = recognized.as_ref().is_some_and(|p| {
            (0..rank).any(|k| schedule.grid_tiles[k] > 0 && (p.offset[k] != 0 || p.valid[k] != (0, out_dims[k])))
        });
        for (k, v) in schedule.attrs() {
            kernels.op_mut(op).attrs.insert(k.into(), v);
        }
        let (host, _) = run_pipeline(
            &kernels,
            "target{kind=cpu,vector-bits=256},lower-to-loops,vectorize,unroll{factor=2},bufferize",
            None,
            false,
        )
        .map_err(fail)?;
        if recognized.is_some() && !gridded_pad {
            let text = print_module(&host);
            prop_assert!(!text.contains("kernel.select"), "{}", text);
        }
        let got = interp::run(&host, "main", &inputs)
            .map_err(|e| fail(format!("{e}\n{}", print_module(&host))))?;
        prop_assert!(got[0].bitwise_eq(&expected[0]), "{:?} vs {:?}\n{}", got[0], expected[0], print_module(&host));
    }
}

/// The workgroups `tile` gives a matrix product survive the rest of the pipeline: `unroll`
/// leaves grid loops (and the loop around a `loop.contract`) alone, so every workgroup
/// stays one the runtime can give to another thread.
#[test]
fn unrolling_keeps_every_workgroup_of_a_product() {
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<256x512xf32>):
    %w = "graph.constant"() {value = dense<0.5> : tensor<512x512xf32>} : () -> tensor<512x512xf32>
    %0 = "graph.matmul"(%x, %w) : (tensor<256x512xf32>, tensor<512x512xf32>) -> tensor<256x512xf32>
    "func.return"(%0) : (tensor<256x512xf32>) -> ()
  }) {function_type = (tensor<256x512xf32>) -> tensor<256x512xf32>, sym_name = "main"} : () -> ()
}) : () -> ()"#;
    let m = parse_module(text).unwrap();
    let tiled = run_pipeline(
        &m,
        "target{kind=cpu,vector-bits=512,threads=2},egraph,lower-to-kernel,fuse,tile",
        None,
        false,
    )
    .unwrap()
    .0;
    let op = tiled
        .functions()
        .flat_map(|f| tiled.block(f.entry_block(&tiled)).ops.clone())
        .find(|&op| tiled.op(op).name == "kernel.generic")
        .unwrap();
    let g = Generic::of(&tiled, op).unwrap();
    let s = Schedule::of(&tiled, op).unwrap().unwrap();
    let planned: usize = (0..g.domain.len())
        .filter(|&k| s.grid_tiles[k] > 0)
        .map(|k| g.domain[k] / s.grid_tiles[k])
        .product();
    assert!(planned >= 2, "the product was not split: {s:?}");
    let host = run_pipeline(
        &m,
        &format!("target{{kind=cpu,vector-bits=512,threads=2}},{FULL}"),
        None,
        false,
    )
    .unwrap()
    .0;
    let text = print_module(&host);
    let workgroups = text
        .split("workgroups = array<i64: ")
        .nth(1)
        .and_then(|s| s.split('>').next())
        .unwrap();
    let dispatched: usize = workgroups
        .split(", ")
        .map(|n| n.parse::<usize>().unwrap())
        .product();
    assert_eq!(dispatched, planned, "{text}");
    assert_eq!(text.matches("\"loop.contract\"").count(), 1, "{text}");
}
