//! Whole-pipeline property test: random well-typed tensor programs, optimized with every
//! rule for each target's cost model, compute what they computed before.

mod common;

use common::{assert_close, random_program};
use proptest::prelude::*;
use strata_ir::interp;
use strata_ir::target::{Target, TargetKind};
use strata_passes::egraph::{optimize_module, OptimizeOptions};

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn optimized_programs_compute_the_same(seed in any::<u64>(), steps in 1usize..14) {
        let (m, inputs) = random_program(seed, steps);
        strata_ir::verify_module(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let before = interp::run(&m, "main", &inputs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for target in TargetKind::ALL.map(Target::generic) {
            let (opt, stats) = optimize_module(&m, &OptimizeOptions::for_target(&target)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(stats[0].cost_after <= stats[0].cost_before * 1.0001 + 1e-9, "cost went up for {}: {}", target.kind(), stats[0]);
            let after = interp::run(&opt, "main", &inputs).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (a, e) in after.iter().zip(&before) {
                assert_close(a, e).map_err(|msg| TestCaseError::fail(format!("{}: {msg}\nbefore:\n{}\nafter:\n{}", target.kind(), strata_ir::print_module(&m), strata_ir::print_module(&opt))))?;
            }
        }
    }
}
