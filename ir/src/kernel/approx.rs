//! Approximations of math functions that code generators lack (LLVM has no `erf`
//! intrinsic, GLSL.std.450 no `Erf`), shared by every back end so that the CPU and the GPU
//! compute the same formula with the same documented accuracy.
//!
//! **erf** in single precision: for |x| < [`ERF_SMALL_LIMIT`], the Taylor series
//! `2/√π · x · Σ ERF_TAYLOR[k] x²ᵏ` (Horner's rule from the highest power); above it,
//! `±(1 − erfc(|x|))` with `erfc(z) = t · exp(−z² + P(t))`, `t = 1/(1 + z/2)` and `P` the
//! degree-9 Chebyshev fit [`ERFC_CHEBYSHEV`] (Press et al.; fractional error below
//! 1.2e-7). The CPU back end measures at most 1.2e-7 absolute error over [-6, 6]; every
//! back end documents [`ERF_MAX_ABS_ERROR`] as its bound.

/// Below this |x|, erf uses the Taylor series.
pub const ERF_SMALL_LIMIT: f64 = 0.5;

/// Coefficients of x²ᵏ in erf(x)·√π/(2x), k = 0..=5.
pub const ERF_TAYLOR: [f64; 6] = [
    1.0,
    -1.0 / 3.0,
    1.0 / 10.0,
    -1.0 / 42.0,
    1.0 / 216.0,
    -1.0 / 1320.0,
];

/// `P(t)` of erfc, highest power first (Horner's rule).
pub const ERFC_CHEBYSHEV: [f64; 10] = [
    0.17087277,
    -0.82215223,
    1.48851587,
    -1.13520398,
    0.27886807,
    -0.18628806,
    0.09678418,
    0.37409196,
    1.00002368,
    -1.26551223,
];

/// The documented absolute error bound of erf in f32, in every back end.
pub const ERF_MAX_ABS_ERROR: f64 = 1.3e-7;

/// The approximation evaluated in f64: what the back ends compute, without f32 rounding
/// (tests compare the back ends against it and it against the exact function).
pub fn erf(x: f64) -> f64 {
    let z = x.abs();
    if z < ERF_SMALL_LIMIT {
        let x2 = x * x;
        let s = ERF_TAYLOR.iter().rev().fold(0.0, |acc, &k| acc * x2 + k);
        return s * x * std::f64::consts::FRAC_2_SQRT_PI;
    }
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = ERFC_CHEBYSHEV.iter().fold(0.0, |acc, &k| acc * t + k);
    let erfc = t * (p - z * z).exp();
    (1.0 - erfc).copysign(x)
}

#[cfg(test)]
mod tests {
    #[test]
    fn erf_approximation_is_within_its_bound() {
        let mut worst: f64 = 0.0;
        for i in -60_000..=60_000 {
            let x = i as f64 / 10_000.0;
            worst = worst.max((super::erf(x) - libm::erf(x)).abs());
        }
        // In f64 the formula itself is well inside the f32 bound.
        assert!(worst < super::ERF_MAX_ABS_ERROR, "worst {worst:e}");
    }
}
