//! Every built-in rule through the soundness harness (128 cases each by default;
//! `STRATA_SOUNDNESS_CASES` raises it for nightly runs).

use strata_passes::egraph::all_rules;
use strata_passes::soundness::{check_rule, HarnessConfig};

#[test]
fn every_rule_is_sound_on_random_instances() {
    let config = HarnessConfig::default();
    let rules = all_rules();
    let mut failures = Vec::new();
    for rule in &rules {
        match check_rule(rule, &config) {
            Ok(report) => println!(
                "{:<32} fired {:>4} / {:>4} cases",
                rule.name, report.fired, report.cases
            ),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rules failed:\n{}",
        failures.len(),
        rules.len(),
        failures
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn rule_names_are_unique_and_documented() {
    let rules = all_rules();
    let mut names: Vec<_> = rules.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), rules.len(), "duplicate rule names");
    assert!(rules.len() >= 50, "only {} rules", rules.len());
    assert!(rules.iter().all(|r| !r.reason.is_empty()));
}

#[test]
fn the_harness_catches_an_unsound_rule() {
    use strata_passes::egraph::rules::{sampler, Rule};
    let wrong = Rule {
        name: "add-is-sub",
        reason: "deliberately wrong",
        rewrite: egg::rewrite!("add-is-sub"; "(graph.add ?x ?y)" => "(graph.sub ?x ?y)"),
        sample: sampler(|b| {
            let ty = b.float_type(2);
            let (x, y) = (b.input(ty.clone()), b.input(ty));
            Ok(vec![b.op("graph.add", &[x, y], &[])?])
        }),
    };
    let e = check_rule(
        &wrong,
        &HarnessConfig {
            cases: 32,
            ..HarnessConfig::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unsound"), "{e}");
    // Shrinking finds a small counterexample: one-element inputs.
    assert!(e.contains("tensor<1xf32>"), "{e}");
}

#[test]
fn the_harness_rejects_a_sampler_that_never_fires_the_rule() {
    use strata_passes::egraph::rules::{sampler, Rule};
    let rule = Rule {
        name: "never",
        reason: "pattern the sampler never builds",
        rewrite: egg::rewrite!("never"; "(graph.neg (graph.neg ?x))" => "?x"),
        sample: sampler(|b| {
            let ty = b.float_type(2);
            let x = b.input(ty);
            Ok(vec![b.op("graph.relu", &[x], &[])?])
        }),
    };
    let e = check_rule(
        &rule,
        &HarnessConfig {
            cases: 16,
            ..HarnessConfig::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("rarely produces instances"), "{e}");
}
