//! Types of IR values: element types, static shapes, ranked tensors and function types.
//!
//! Shapes are static: every dimension is a known size (zero included, since ONNX allows
//! empty tensors). Dynamic dimensions are resolved at import time or rejected there.

use smallvec::SmallVec;
use std::fmt;

/// The scalar type of a tensor's elements: one list for the compiler and the runtime,
/// defined in `strata-abi`. IR text spells it as MLIR does (`f32`, `ui8`, `i1`).
pub use strata_abi::ElementType;

/// A static tensor shape: the size of every dimension.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shape(pub SmallVec<[usize; 4]>);

impl Shape {
    pub fn new(dims: impl IntoIterator<Item = usize>) -> Self {
        Shape(dims.into_iter().collect())
    }

    pub fn scalar() -> Self {
        Shape(SmallVec::new())
    }

    pub fn rank(&self) -> usize {
        self.0.len()
    }

    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// Number of elements (1 for a scalar, 0 when any dimension is 0). Saturates
    /// instead of overflowing, so absurd shapes from bad input fail size checks cleanly.
    pub fn numel(&self) -> usize {
        if self.0.contains(&0) {
            return 0;
        }
        self.0.iter().fold(1usize, |acc, &d| acc.saturating_mul(d))
    }

    /// Row-major strides in elements.
    pub fn strides(&self) -> SmallVec<[usize; 4]> {
        let mut strides: SmallVec<[usize; 4]> = SmallVec::from_elem(1, self.0.len());
        for i in (0..self.0.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * self.0[i + 1];
        }
        strides
    }

    /// Normalizes a possibly negative axis (`-1` is the last) against this rank.
    pub fn axis(&self, axis: i64) -> Result<usize, crate::IrError> {
        normalize_axis(axis, self.rank())
    }
}

/// Normalizes a possibly negative axis against `rank`, with an error for out-of-range axes.
pub fn normalize_axis(axis: i64, rank: usize) -> Result<usize, crate::IrError> {
    let r = rank as i64;
    if axis < -r || axis >= r.max(1) || (rank == 0 && axis != 0 && axis != -1) {
        return Err(format!("axis {axis} is out of range for rank {rank}").into());
    }
    Ok(if axis < 0 {
        (axis + r) as usize
    } else {
        axis as usize
    })
}

impl From<&[usize]> for Shape {
    fn from(dims: &[usize]) -> Self {
        Shape(dims.iter().copied().collect())
    }
}

impl From<Vec<usize>> for Shape {
    fn from(dims: Vec<usize>) -> Self {
        Shape(dims.into_iter().collect())
    }
}

/// A ranked tensor type with a static shape: `tensor<2x3xf32>`, `tensor<f32>` for a scalar.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorType {
    pub shape: Shape,
    pub elem: ElementType,
}

impl TensorType {
    pub fn new(shape: impl Into<Shape>, elem: ElementType) -> Self {
        TensorType {
            shape: shape.into(),
            elem,
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tensor<")?;
        for d in self.shape.dims() {
            write!(f, "{d}x")?;
        }
        write!(f, "{}>", self.elem)
    }
}

/// A function signature: `(tensor<4xf32>) -> tensor<4xf32>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionType {
    pub inputs: Vec<Type>,
    pub results: Vec<Type>,
}

impl fmt::Display for FunctionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_type_list(f, &self.inputs)?;
        f.write_str(" -> ")?;
        match self.results.as_slice() {
            [single] if !matches!(single, Type::Function(_)) => write!(f, "{single}"),
            results => write_type_list(f, results),
        }
    }
}

fn write_type_list(f: &mut fmt::Formatter<'_>, types: &[Type]) -> fmt::Result {
    f.write_str("(")?;
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    f.write_str(")")
}

/// The type of an IR value or type attribute.
///
/// Later levels add their own kinds (scalars in kernel bodies, buffers in the loop
/// dialect); every kind prints in MLIR's builtin syntax where one exists.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Tensor(TensorType),
    /// A bare element type, as used by scalar code and by type attributes (`to = f32`).
    Scalar(ElementType),
    Function(FunctionType),
    /// A buffer of the loop and host levels: static shape, contiguous row-major layout
    /// (`memref<4x8xf32>`).
    MemRef(TensorType),
    /// A loop index or index arithmetic result (`index`).
    Index,
    /// A short vector of the loop level, one target register wide (`vector<8xf32>`).
    Vector(u32, ElementType),
}

impl Type {
    pub fn as_tensor(&self) -> Option<&TensorType> {
        match self {
            Type::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// The shape and element type of a buffer type.
    pub fn as_memref(&self) -> Option<&TensorType> {
        match self {
            Type::MemRef(t) => Some(t),
            _ => None,
        }
    }
}

impl From<TensorType> for Type {
    fn from(t: TensorType) -> Self {
        Type::Tensor(t)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Tensor(t) => write!(f, "{t}"),
            Type::Scalar(e) => write!(f, "{e}"),
            Type::Function(ft) => write!(f, "{ft}"),
            Type::MemRef(t) => {
                f.write_str("memref<")?;
                for d in t.shape.dims() {
                    write!(f, "{d}x")?;
                }
                write!(f, "{}>", t.elem)
            }
            Type::Index => f.write_str("index"),
            Type::Vector(n, e) => write!(f, "vector<{n}x{e}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_types_print_like_mlir() {
        let t = TensorType::new(vec![2, 0, 3], ElementType::U8);
        assert_eq!(t.to_string(), "tensor<2x0x3xui8>");
        let s = TensorType::new(Shape::scalar(), ElementType::Bool);
        assert_eq!(s.to_string(), "tensor<i1>");
    }

    #[test]
    fn strides_are_row_major() {
        assert_eq!(Shape::new([2, 3, 4]).strides().as_slice(), &[12, 4, 1]);
        assert_eq!(Shape::scalar().strides().len(), 0);
    }

    #[test]
    fn axes_normalize_and_reject_out_of_range() {
        assert_eq!(normalize_axis(-1, 3), Ok(2));
        assert_eq!(normalize_axis(0, 3), Ok(0));
        assert!(normalize_axis(3, 3).is_err());
        assert!(normalize_axis(-4, 3).is_err());
    }
}
