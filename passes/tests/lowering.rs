//! Lowering to the kernel dialect preserves meaning: random well-typed programs compute
//! the same through the graph interpreter and, lowered, through the kernel interpreter;
//! the lowered IR prints, parses back identically and verifies; and fusing elementwise
//! producers changes no bit of the results.

mod common;

use common::{assert_close, random_program};
use proptest::prelude::*;
use strata_ir::{interp, parse_module, print_module, verify_module};
use strata_passes::conversion::lower_graph_to_kernel;
use strata_passes::kernel::fuse_elementwise_producers;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn lowered_programs_compute_the_same(seed in any::<u64>(), steps in 1usize..14) {
        let (m, inputs) = random_program(seed, steps);
        verify_module(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let lowered = lower_graph_to_kernel(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = print_module(&lowered);
        let reparsed = parse_module(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(print_module(&reparsed), text.clone());
        verify_module(&reparsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let before = interp::run(&m, "main", &inputs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let after = interp::run(&lowered, "main", &inputs).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for (a, e) in after.iter().zip(&before) {
            assert_close(a, e).map_err(|msg| TestCaseError::fail(format!("{msg}\nbefore:\n{}\nafter:\n{text}", print_module(&m))))?;
        }
        // Fusion recomputes the same scalar ops with the same rounding: bit-identical.
        let mut fused = lowered.clone();
        fuse_elementwise_producers(&mut fused).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let fused_text = print_module(&fused);
        prop_assert_eq!(print_module(&parse_module(&fused_text).map_err(|e| TestCaseError::fail(format!("{e}\n{fused_text}")))?), fused_text.clone());
        let fused_out = interp::run(&fused, "main", &inputs).map_err(|e| TestCaseError::fail(format!("{e}\n{fused_text}")))?;
        for (a, e) in fused_out.iter().zip(&after) {
            prop_assert!(a.bitwise_eq(e), "fusion changed results\nunfused:\n{text}\nfused:\n{fused_text}");
        }
    }
}
