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
//!
//! **exp and log in double precision**, for targets whose math library stops at 32 bits
//! (GLSL.std.450 defines `Exp` and `Log` for 32-bit floats only; the CPU back end calls
//! the system's libm through LLVM's intrinsics instead). [`exp`]: Cody–Waite reduction
//! `x = k·ln2 + r`, `|r| ≤ ln2/2`, with ln 2 split in [`LN2_HI`] (whose products with any
//! `k` in range are exact) and [`LN2_LO`]; `eʳ` by the degree-13 Taylor polynomial
//! [`EXP_TAYLOR`] (truncation below 1e-17 relative), scaled by `2ᵏ` built from exponent
//! bits in two halves so that results down to the subnormals round once. [`ln`]: `x =
//! 2ᵉ·m` with `m ∈ [√2/2, √2)` taken from the bits (subnormals scaled by 2⁵⁴ first),
//! `ln m = 2·atanh(s)`, `s = (m−1)/(m+1)`, `|s| ≤ 0.172`, by the odd series
//! [`LOG_ATANH`] up to s²³, then `e·LN2_HI + (ln m + e·LN2_LO)`. Both stay within
//! [`EXP_MAX_REL_ERROR`] / [`LOG_MAX_REL_ERROR`] of the correctly rounded result (the
//! tests below measure them against libm).

/// The high part of ln 2 for single precision (9 significant bits): `n·LN2_HI_F32` is
/// exact in f32 for every |n| ≤ 150 that exp's reduction produces.
pub const LN2_HI_F32: f32 = 0.693_359_4;

/// ln 2 − [`LN2_HI_F32`], rounded to f32.
pub const LN2_LO_F32: f32 = -2.121_944_4e-4;

/// 1/k! for k = 7 down to 0: eʳ for |r| ≤ ln2/2 by Horner's rule in f32 (truncation
/// below 6e-9 relative, a tenth of an f32 ulp).
pub const EXP_F32_TAYLOR: [f32; 8] = [
    1.0 / 5040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
    1.0,
    1.0,
];

/// f32 exp's argument is clamped to this range first (beyond it the result is 0 or ∞
/// anyway; inside it `n` fits the two exponent halves of the scaling).
pub const EXP_F32_ARGUMENT_RANGE: (f32, f32) = (-104.0, 88.8);

/// The documented error bound of the CPU's vector f32 exp, in units in the last place of
/// the correctly rounded result (normal results; subnormal ones are within one ulp of
/// the smallest normal's spacing). Measured by the LLVM back end's tests over the whole
/// range.
pub const EXP_F32_MAX_ULP: f64 = 2.0;

/// eˣ in f32 as the CPU back end computes it, step for step (fused multiply-adds where
/// it uses them): `x = n·ln2 + r` (Cody–Waite, [`LN2_HI_F32`] + [`LN2_LO_F32`]), `eʳ` by
/// [`EXP_F32_TAYLOR`], then `·2ⁿ` as two exactly representable halves so that results
/// down to the subnormals round once.
pub fn exp_f32(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let (lo, hi) = EXP_F32_ARGUMENT_RANGE;
    let x = x.clamp(lo, hi);
    let n = (x * std::f32::consts::LOG2_E).round_ties_even();
    let r = n.mul_add(-LN2_HI_F32, x);
    let r = n.mul_add(-LN2_LO_F32, r);
    let mut p = EXP_F32_TAYLOR[0];
    for &c in &EXP_F32_TAYLOR[1..] {
        p = p.mul_add(r, c);
    }
    let n = n as i32;
    let (n1, n2) = (n >> 1, n - (n >> 1));
    let pow2 = |k: i32| f32::from_bits(((k + 127) as u32) << 23);
    p * pow2(n1) * pow2(n2)
}

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

/// The high part of ln 2: 32 significant bits, so `k·LN2_HI` is exact for |k| < 2²¹.
pub const LN2_HI: f64 = 6.931_471_803_691_238e-1;

/// ln 2 − [`LN2_HI`], rounded.
pub const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// 1/k! for k = 13 down to 0: eʳ by Horner's rule, highest power first.
pub const EXP_TAYLOR: [f64; 14] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
    1.0,
    1.0,
];

/// exp's argument is clamped to this range before reduction (beyond it the result is 0
/// or ∞ anyway, and the clamp keeps `k` within i32 and the exponent halves normal).
pub const EXP_ARGUMENT_RANGE: (f64, f64) = (-746.0, 710.0);

/// 1/(2k+1) for k = 11 down to 0: atanh(s)/s as a polynomial in s², highest power first.
pub const LOG_ATANH: [f64; 12] = [
    1.0 / 23.0,
    1.0 / 21.0,
    1.0 / 19.0,
    1.0 / 17.0,
    1.0 / 15.0,
    1.0 / 13.0,
    1.0 / 11.0,
    1.0 / 9.0,
    1.0 / 7.0,
    1.0 / 5.0,
    1.0 / 3.0,
    1.0,
];

/// The upper 20 mantissa bits of √2: mantissas above them are halved (and the exponent
/// raised) so that `m` lies in [√2/2, √2).
pub const LOG_SQRT2_MANTISSA: u32 = 0x6_A09E;

/// The documented relative error bound of f64 [`exp`] in every back end that uses it.
pub const EXP_MAX_REL_ERROR: f64 = 4.0 * f64::EPSILON;

/// The documented relative error bound of f64 [`ln`] in every back end that uses it.
pub const LOG_MAX_REL_ERROR: f64 = 4.0 * f64::EPSILON;

/// 2ᵏ for k in [-1022, 1023], from the exponent bits.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// eˣ by the approximation above, step for step as the back ends compute it.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let xc = x.clamp(EXP_ARGUMENT_RANGE.0, EXP_ARGUMENT_RANGE.1);
    let kf = (xc * std::f64::consts::LOG2_E).round_ties_even();
    let r = (xc - kf * LN2_HI) - kf * LN2_LO;
    let p = EXP_TAYLOR.iter().fold(0.0, |acc, &c| acc * r + c);
    let k = kf as i32;
    let k1 = k >> 1;
    p * pow2(k1) * pow2(k - k1)
}

/// ln x by the approximation above, step for step as the back ends compute it.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    let subnormal = x < f64::MIN_POSITIVE;
    let (xs, adjust) = if subnormal {
        (x * 18_014_398_509_481_984.0, -54) // 2⁵⁴
    } else {
        (x, 0)
    };
    let bits = xs.to_bits();
    let (lo, hi) = (bits as u32, (bits >> 32) as u32);
    let fraction = hi & 0xF_FFFF;
    let big = fraction > LOG_SQRT2_MANTISSA;
    let e = ((hi >> 20) & 0x7FF) as i32 - 1023 + adjust + big as i32;
    let m_hi = fraction | if big { 0x3FE0_0000 } else { 0x3FF0_0000 };
    let m = f64::from_bits((m_hi as u64) << 32 | lo as u64);
    let s = (m - 1.0) / (m + 1.0);
    let p = LOG_ATANH.iter().fold(0.0, |acc, &c| acc * (s * s) + c);
    let ef = e as f64;
    ef * LN2_HI + (2.0 * s * p + ef * LN2_LO)
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

    /// Relative error against libm, in units of the result (0 where both agree exactly,
    /// including infinities and zeros).
    fn rel(a: f64, b: f64) -> f64 {
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0.0;
        }
        ((a - b) / b).abs()
    }

    fn samples() -> impl Iterator<Item = f64> {
        // Dense near 0 and 1, then log-spaced over every binade, then odd bit patterns.
        (-20_000..=20_000)
            .map(|i| i as f64 / 10_000.0)
            .chain((-1074..1024).flat_map(|e| {
                (0..16).map(move |j| 2f64.powi(e) * (1.0 + j as f64 / 16.0 + 1e-9 * j as f64))
            }))
            .chain(
                (0..100_000u64).map(|i| f64::from_bits(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 2)),
            )
    }

    #[test]
    fn exp_approximation_is_within_its_bound() {
        let mut worst: f64 = 0.0;
        for x in samples().flat_map(|x| [x, -x, x.ln(), -x.ln()]) {
            let (got, want) = (super::exp(x), x.exp());
            if want.is_subnormal() {
                // Below the normals only the absolute error means anything.
                assert!(
                    (got - want).abs() <= 2.0 * f64::from_bits(1),
                    "exp({x:e}) = {got:e}, libm {want:e}"
                );
                continue;
            }
            worst = worst.max(rel(got, want));
            assert!(
                rel(got, want) <= super::EXP_MAX_REL_ERROR,
                "exp({x:e}) = {got:e}, libm {want:e}"
            );
        }
        assert!(worst > 0.0, "the comparison compared something");
        for (x, want) in [
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
            (800.0, f64::INFINITY),
            (-800.0, 0.0),
            (0.0, 1.0),
        ] {
            assert_eq!(super::exp(x), want, "exp({x})");
        }
        assert!(super::exp(f64::NAN).is_nan());
    }

    #[test]
    fn log_approximation_is_within_its_bound() {
        let mut worst: f64 = 0.0;
        for x in samples().map(f64::abs) {
            let (got, want) = (super::ln(x), x.ln());
            worst = worst.max(rel(got, want));
            assert!(
                rel(got, want) <= super::LOG_MAX_REL_ERROR,
                "ln({x:e}) = {got:e}, libm {want:e}"
            );
        }
        assert!(worst > 0.0);
        for (x, want) in [
            (0.0, f64::NEG_INFINITY),
            (f64::INFINITY, f64::INFINITY),
            (1.0, 0.0),
        ] {
            assert_eq!(super::ln(x), want, "ln({x})");
        }
        assert!(super::ln(-1.0).is_nan() && super::ln(f64::NAN).is_nan());
    }

    #[test]
    fn ln2_split_is_exact_enough() {
        assert_eq!(
            super::LN2_HI.to_bits() & 0x1F_FFFF,
            0,
            "LN2_HI has 32 significant bits"
        );
        assert!((super::LN2_HI + super::LN2_LO - std::f64::consts::LN_2).abs() < 1e-17);
    }
}
