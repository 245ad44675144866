//! The loop and host levels preserve meaning.
//!
//! - Random well-typed programs compute the same through the graph interpreter and, after
//!   the whole pipeline for the `cpu` and `gpu` targets (e-graph, kernels, fusion, tiling,
//!   loops, vectorization, unrolling, bufferization), through the host and loop
//!   interpreters; the host module prints, parses back identically and verifies.
//! - Any valid schedule — random grid tiles, cache tiles and loop orders — gives results
//!   bit-identical to the kernel interpreter's, since schedules keep each result's
//!   accumulation order.

mod common;

use common::{assert_close, random_program};
use proptest::prelude::*;
use strata_ir::kernel::{Generic, IteratorKind, Schedule};
use strata_ir::{interp, parse_module, print_module, verify_module, Module, OpId};
use strata_passes::pipeline::{full_pipeline, parse_pipeline, run_pipeline};

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
            let passes = parse_pipeline(&full_pipeline(target)).map_err(fail)?;
            let (host, _) = run_pipeline(&m, &passes, false)
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
        let kernels = run_pipeline(&m, &parse_pipeline("lower-to-kernel,fuse").map_err(fail)?, false)
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
        let passes = parse_pipeline("lower-to-loops,vectorize{target=cpu},unroll{factor=2},bufferize").map_err(fail)?;
        let (host, _) = run_pipeline(&scheduled, &passes, false).map_err(fail)?;
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
    let s = Schedule {
        grid_tiles,
        cache_tiles,
        loop_order,
    };
    s.check(&g).unwrap();
    s
}
