//! Affine maps: how a structured op's iteration space indexes each operand.
//!
//! A map from `n` loop dimensions to `k` operand dimensions, each result a linear
//! combination of dimensions plus a constant: `affine_map<(d0, d1, d2) -> (d0, d2 * 2 + d1 - 1)>`.
//! This covers elementwise access, broadcasting (constant 0), transposes (permutations),
//! reductions (dropped dimensions) and strided, dilated convolution windows. The text is
//! MLIR's, so `mlir-opt` reads it.

use smallvec::SmallVec;
use std::fmt;

/// `sum(coeff * d_dim) + constant`, terms sorted by dimension with no zero coefficients.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct AffineExpr {
    pub terms: SmallVec<[(u32, i64); 2]>,
    pub constant: i64,
}

impl AffineExpr {
    /// The expression `d_dim`.
    pub fn dim(dim: u32) -> Self {
        AffineExpr {
            terms: smallvec::smallvec![(dim, 1)],
            constant: 0,
        }
    }

    /// The constant expression `c`.
    pub fn constant(c: i64) -> Self {
        AffineExpr {
            terms: SmallVec::new(),
            constant: c,
        }
    }

    /// Builds from (dimension, coefficient) pairs, merging repeats and dropping zeros.
    pub fn linear(terms: impl IntoIterator<Item = (u32, i64)>, constant: i64) -> Self {
        let mut merged: std::collections::BTreeMap<u32, i64> = std::collections::BTreeMap::new();
        for (d, c) in terms {
            *merged.entry(d).or_default() += c;
        }
        AffineExpr {
            terms: merged.into_iter().filter(|&(_, c)| c != 0).collect(),
            constant,
        }
    }

    pub fn eval(&self, point: &[i64]) -> i64 {
        self.terms
            .iter()
            .map(|&(d, c)| c * point[d as usize])
            .sum::<i64>()
            + self.constant
    }

    /// The dimension, when the expression is exactly one dimension.
    pub fn as_dim(&self) -> Option<u32> {
        match (self.terms.as_slice(), self.constant) {
            ([(d, 1)], 0) => Some(*d),
            _ => None,
        }
    }
}

impl fmt::Display for AffineExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(d, c)) in self.terms.iter().enumerate() {
            match (i, c) {
                (0, 1) => write!(f, "d{d}")?,
                (0, c) => write!(f, "d{d} * {c}")?,
                (_, 1) => write!(f, " + d{d}")?,
                (_, -1) => write!(f, " - d{d}")?,
                (_, c) if c > 0 => write!(f, " + d{d} * {c}")?,
                (_, c) => write!(f, " - d{d} * {}", c.unsigned_abs())?,
            }
        }
        match (self.terms.is_empty(), self.constant) {
            (true, c) => write!(f, "{c}"),
            (false, 0) => Ok(()),
            (false, c) if c > 0 => write!(f, " + {c}"),
            (false, c) => write!(f, " - {}", c.unsigned_abs()),
        }
    }
}

/// A map from `num_dims` loop dimensions to one expression per operand dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AffineMap {
    pub num_dims: u32,
    pub results: Vec<AffineExpr>,
}

impl AffineMap {
    /// `(d0, ..., dn-1) -> (d0, ..., dn-1)`.
    pub fn identity(num_dims: u32) -> Self {
        AffineMap {
            num_dims,
            results: (0..num_dims).map(AffineExpr::dim).collect(),
        }
    }

    /// `(d0, ..., dn-1) -> (d_dims[0], d_dims[1], ...)`.
    pub fn projection(num_dims: u32, dims: &[u32]) -> Self {
        AffineMap {
            num_dims,
            results: dims.iter().map(|&d| AffineExpr::dim(d)).collect(),
        }
    }

    /// The operand index at an iteration point.
    pub fn apply(&self, point: &[i64]) -> SmallVec<[i64; 4]> {
        self.results.iter().map(|e| e.eval(point)).collect()
    }

    /// True when every result is a distinct single dimension or the constant 0 (a
    /// broadcast): elementwise, transposed, reduced and broadcast accesses.
    pub fn is_projected_permutation(&self) -> bool {
        let mut seen = vec![false; self.num_dims as usize];
        self.results.iter().all(|e| match e.as_dim() {
            Some(d) if (d as usize) < seen.len() && !seen[d as usize] => {
                seen[d as usize] = true;
                true
            }
            Some(_) => false,
            None => e.terms.is_empty() && e.constant == 0,
        })
    }
}

impl fmt::Display for AffineMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("affine_map<(")?;
        for d in 0..self.num_dims {
            if d > 0 {
                f.write_str(", ")?;
            }
            write!(f, "d{d}")?;
        }
        f.write_str(") -> (")?;
        for (i, e) in self.results.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{e}")?;
        }
        f.write_str(")>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_print_like_mlir_and_evaluate() {
        let m = AffineMap {
            num_dims: 4,
            results: vec![
                AffineExpr::dim(0),
                AffineExpr::linear([(2, 2), (3, 1)], -1),
                AffineExpr::linear([(1, -1)], 3),
                AffineExpr::constant(0),
            ],
        };
        assert_eq!(
            m.to_string(),
            "affine_map<(d0, d1, d2, d3) -> (d0, d2 * 2 + d3 - 1, d1 * -1 + 3, 0)>"
        );
        assert_eq!(m.apply(&[5, 1, 2, 3]).as_slice(), &[5, 6, 2, 0]);
        assert!(!m.is_projected_permutation());
        assert!(AffineMap::projection(3, &[2, 0]).is_projected_permutation());
        assert_eq!(AffineMap::identity(0).to_string(), "affine_map<() -> ()>");
    }
}
