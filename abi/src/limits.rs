//! Limits instead of trust: every size Strata takes from a user's bytes (IR text, ONNX
//! models, module files, run-time options) before it spends memory, stack or threads on
//! it is checked against one of these, and an input past one is an error naming the limit,
//! its value and how to raise it, never a crash, an abort or minutes of work.
//!
//! | limit | default | bounds |
//! |---|---|---|
//! | `nesting` | 256 | regions, attributes, dense literals and types nested in IR text (the parser recurses: far past a few thousand overflows an 8 MiB stack) |
//! | `splat_elements` | 2^28 | elements a splat constant in IR text expands to when parsed |
//! | `fold_elements` | 2^24 | elements of a constant the ONNX importer builds (folded shapes, index tables, masks, per-entry states) |
//! | `unrolled_steps` | 2^16 | time steps of a recurrent layer (RNN, GRU, LSTM) the ONNX importer unrolls |
//! | `threads_per_core` | 8 | CPU device worker threads per core of the machine |
//! | `allocation_bytes` | the machine's memory | bytes of one buffer, tensor or function workspace the interpreter or runtime allocates from declared sizes |
//!
//! The values are process-wide: set them from the `STRATA_LIMITS` environment variable
//! (`STRATA_LIMITS=nesting=1024,fold_elements=100000000`, read once, at first use) or
//! with [`Limit::set`] before the work they bound.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

/// The environment variable [`Limit`]s are read from: `name=value` pairs, comma-separated.
pub const ENV: &str = "STRATA_LIMITS";

/// One of the limits (see the module docs for what each bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    Nesting,
    SplatElements,
    FoldElements,
    UnrolledSteps,
    ThreadsPerCore,
    AllocationBytes,
}

static VALUES: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];
static FROM_ENV: Once = Once::new();

impl Limit {
    /// Every limit, in the module docs' order.
    pub const ALL: [Limit; 6] = [
        Limit::Nesting,
        Limit::SplatElements,
        Limit::FoldElements,
        Limit::UnrolledSteps,
        Limit::ThreadsPerCore,
        Limit::AllocationBytes,
    ];

    /// The name `STRATA_LIMITS` and error messages use.
    pub fn name(self) -> &'static str {
        match self {
            Limit::Nesting => "nesting",
            Limit::SplatElements => "splat_elements",
            Limit::FoldElements => "fold_elements",
            Limit::UnrolledSteps => "unrolled_steps",
            Limit::ThreadsPerCore => "threads_per_core",
            Limit::AllocationBytes => "allocation_bytes",
        }
    }

    /// The limit called `name`.
    pub fn from_name(name: &str) -> Option<Limit> {
        Limit::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The value a process starts with.
    pub fn default_value(self) -> u64 {
        match self {
            Limit::Nesting => 256,
            Limit::SplatElements => 1 << 28,
            Limit::FoldElements => 1 << 24,
            Limit::UnrolledSteps => 1 << 16,
            Limit::ThreadsPerCore => 8,
            Limit::AllocationBytes => physical_memory().unwrap_or(1 << 36),
        }
    }

    /// The current value.
    pub fn get(self) -> u64 {
        from_env();
        match VALUES[self as usize].load(Ordering::Relaxed) {
            0 => self.default_value(),
            v => v,
        }
    }

    /// The current value as a `usize` (saturating on 32-bit machines).
    pub fn get_usize(self) -> usize {
        usize::try_from(self.get()).unwrap_or(usize::MAX)
    }

    /// Sets the value for the rest of the process (0 restores the default).
    pub fn set(self, value: u64) {
        from_env();
        VALUES[self as usize].store(value, Ordering::Relaxed);
    }

    /// What an error past this limit says of it: `the nesting limit (256; STRATA_LIMITS=nesting=N raises it)`.
    pub fn named(self) -> String {
        format!(
            "the {} limit ({}; {ENV}={}=N raises it)",
            self.name(),
            self.get(),
            self.name()
        )
    }
}

/// Reads `text` (`name=value,name=value`) into limits, without setting them.
pub fn parse(text: &str) -> Result<Vec<(Limit, u64)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not name=value"))?;
            let limit = Limit::from_name(name.trim()).ok_or_else(|| {
                let names: Vec<&str> = Limit::ALL.iter().map(|l| l.name()).collect();
                format!("no limit '{name}' (there are {})", names.join(", "))
            })?;
            let value: u64 = value
                .trim()
                .parse()
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("{name}: '{value}' is not a positive integer"))?;
            Ok((limit, value))
        })
        .collect()
}

fn from_env() {
    FROM_ENV.call_once(|| {
        let Ok(text) = std::env::var(ENV) else {
            return;
        };
        match parse(&text) {
            Ok(pairs) => {
                for (l, v) in pairs {
                    VALUES[l as usize].store(v, Ordering::Relaxed);
                }
            }
            // No error path reaches here; the defaults stay and the user hears why.
            Err(e) => eprintln!("strata: ignoring {ENV}: {e}"),
        }
    });
}

/// The machine's memory in bytes, where the system says.
fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_bad_ones_are_errors() {
        assert_eq!(
            parse("nesting=512, fold_elements=7").unwrap(),
            vec![(Limit::Nesting, 512), (Limit::FoldElements, 7)]
        );
        for (bad, needle) in [
            ("nesting", "not name=value"),
            ("depth=3", "no limit 'depth'"),
            ("nesting=0", "not a positive integer"),
            ("nesting=-1", "not a positive integer"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn a_set_limit_is_read_back_and_named() {
        Limit::SplatElements.set(99);
        assert_eq!(Limit::SplatElements.get(), 99);
        assert!(Limit::SplatElements
            .named()
            .contains("splat_elements limit (99;"));
        Limit::SplatElements.set(0);
        assert_eq!(Limit::SplatElements.get(), 1 << 28);
        assert!(Limit::AllocationBytes.get() > 1 << 20);
    }
}
