//! Element types: the one list of scalar types shared by the IR, module files and the
//! runtime.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The scalar type of a tensor's elements.
///
/// Two spellings: [`ElementType::name`] in manifests and runtime messages (`u8`, `bool`),
/// [`ElementType::mlir_name`] in IR text, following MLIR's builtin types so printed IR
/// parses in real MLIR tools (`ui8`, `i1`). `Display` prints the MLIR spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementType {
    F32,
    F16,
    BF16,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    // Storage types: one element per byte in the low bits (ml_dtypes' layout), converted
    // by Cast, CastLike and QuantizeLinear/DequantizeLinear only; see [`crate::storage`].
    F8E4M3FN,
    F8E4M3FNUZ,
    F8E5M2,
    F8E5M2FNUZ,
    F4E2M1,
    I4,
    U4,
    I2,
    U2,
}

/// A pattern matching every storage type ([`ElementType::is_storage`]), for the matches
/// that treat them all as their raw byte.
#[macro_export]
macro_rules! storage_types {
    () => {
        $crate::ElementType::F8E4M3FN
            | $crate::ElementType::F8E4M3FNUZ
            | $crate::ElementType::F8E5M2
            | $crate::ElementType::F8E5M2FNUZ
            | $crate::ElementType::F4E2M1
            | $crate::ElementType::I4
            | $crate::ElementType::U4
            | $crate::ElementType::I2
            | $crate::ElementType::U2
    };
}

/// The runtime's name for [`ElementType`].
pub type DType = ElementType;

impl ElementType {
    /// Every element type, in a fixed order (used by generators and tables).
    pub const ALL: [ElementType; 22] = [
        ElementType::F32,
        ElementType::F16,
        ElementType::BF16,
        ElementType::F64,
        ElementType::I8,
        ElementType::I16,
        ElementType::I32,
        ElementType::I64,
        ElementType::U8,
        ElementType::U16,
        ElementType::U32,
        ElementType::U64,
        ElementType::Bool,
        ElementType::F8E4M3FN,
        ElementType::F8E4M3FNUZ,
        ElementType::F8E5M2,
        ElementType::F8E5M2FNUZ,
        ElementType::F4E2M1,
        ElementType::I4,
        ElementType::U4,
        ElementType::I2,
        ElementType::U2,
    ];

    /// The name used in manifests and runtime messages (`f32`, `u8`, `bool`).
    pub fn name(self) -> &'static str {
        match self {
            ElementType::F32 => "f32",
            ElementType::F16 => "f16",
            ElementType::BF16 => "bf16",
            ElementType::F64 => "f64",
            ElementType::I8 => "i8",
            ElementType::I16 => "i16",
            ElementType::I32 => "i32",
            ElementType::I64 => "i64",
            ElementType::U8 => "u8",
            ElementType::U16 => "u16",
            ElementType::U32 => "u32",
            ElementType::U64 => "u64",
            ElementType::Bool => "bool",
            ElementType::F8E4M3FN => "f8e4m3fn",
            ElementType::F8E4M3FNUZ => "f8e4m3fnuz",
            ElementType::F8E5M2 => "f8e5m2",
            ElementType::F8E5M2FNUZ => "f8e5m2fnuz",
            ElementType::F4E2M1 => "f4e2m1",
            ElementType::I4 => "i4",
            ElementType::U4 => "u4",
            ElementType::I2 => "i2",
            ElementType::U2 => "u2",
        }
    }

    /// Parses [`ElementType::name`].
    pub fn from_name(s: &str) -> Option<ElementType> {
        Self::ALL.into_iter().find(|d| d.name() == s)
    }

    /// The MLIR spelling (`f32`, `ui8`, `i1`).
    pub fn mlir_name(self) -> &'static str {
        match self {
            ElementType::U8 => "ui8",
            ElementType::U16 => "ui16",
            ElementType::U32 => "ui32",
            ElementType::U64 => "ui64",
            ElementType::Bool => "i1",
            ElementType::F8E4M3FN => "f8E4M3FN",
            ElementType::F8E4M3FNUZ => "f8E4M3FNUZ",
            ElementType::F8E5M2 => "f8E5M2",
            ElementType::F8E5M2FNUZ => "f8E5M2FNUZ",
            ElementType::F4E2M1 => "f4E2M1FN",
            ElementType::U4 => "ui4",
            ElementType::U2 => "ui2",
            other => other.name(),
        }
    }

    /// Parses [`ElementType::mlir_name`].
    pub fn from_mlir_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.mlir_name() == name)
    }

    /// Bytes one element occupies in a dense buffer (booleans take one byte).
    pub fn size_bytes(self) -> usize {
        match self {
            ElementType::F64 | ElementType::I64 | ElementType::U64 => 8,
            ElementType::F32 | ElementType::I32 | ElementType::U32 => 4,
            ElementType::F16 | ElementType::BF16 | ElementType::I16 | ElementType::U16 => 2,
            ElementType::I8
            | ElementType::U8
            | ElementType::Bool
            | ElementType::F8E4M3FN
            | ElementType::F8E4M3FNUZ
            | ElementType::F8E5M2
            | ElementType::F8E5M2FNUZ
            | ElementType::F4E2M1
            | ElementType::I4
            | ElementType::U4
            | ElementType::I2
            | ElementType::U2 => 1,
        }
    }

    /// [`ElementType::size_bytes`], as the runtime calls it.
    pub fn size(self) -> usize {
        self.size_bytes()
    }

    pub fn is_float(self) -> bool {
        matches!(
            self,
            ElementType::F32 | ElementType::F16 | ElementType::BF16 | ElementType::F64
        )
    }

    /// Integer types, booleans excluded.
    pub fn is_int(self) -> bool {
        matches!(
            self,
            ElementType::I8
                | ElementType::I16
                | ElementType::I32
                | ElementType::I64
                | ElementType::U8
                | ElementType::U16
                | ElementType::U32
                | ElementType::U64
        )
    }

    pub fn is_signed_int(self) -> bool {
        self.is_int() && !self.is_unsigned()
    }

    /// Unsigned integer types: their division, remainder, comparisons, right shifts and
    /// conversions to float differ from the signed ones of the same width.
    pub fn is_unsigned(self) -> bool {
        matches!(
            self,
            ElementType::U8 | ElementType::U16 | ElementType::U32 | ElementType::U64
        )
    }

    /// The least and greatest values of an integer type, as floats (u64's greatest rounds
    /// up to 2^64, i64's to 2^63: clamping to them still saturates a float conversion).
    pub fn int_limits(self) -> Option<(f64, f64)> {
        if !self.is_int() && !self.is_storage_int() {
            return None;
        }
        let bits = self.int_bits() as i32;
        Some(
            if self.is_unsigned() || matches!(self, ElementType::U4 | ElementType::U2) {
                (0.0, 2f64.powi(bits) - 1.0)
            } else {
                (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1) - 1.0)
            },
        )
    }

    /// Width in bits of an integer type (booleans count as 1 byte; the 4- and 2-bit
    /// storage types their own width).
    pub fn int_bits(self) -> u32 {
        match self {
            ElementType::I4 | ElementType::U4 => 4,
            ElementType::I2 | ElementType::U2 => 2,
            _ => (self.size_bytes() * 8) as u32,
        }
    }

    /// Bits of a value: booleans 8, as they are stored; storage types their own width
    /// (the rest of their byte is zero). `bitcast` needs equal widths.
    pub fn value_bits(self) -> u32 {
        match crate::storage::FloatFormat::of(self) {
            Some(f) => f.bits(),
            None if self.is_storage_int() => self.int_bits(),
            None => 8 * self.size_bytes() as u32,
        }
    }

    /// Storage types: held in buffers and converted, never computed in. Their values
    /// live in registers as the raw byte (a `u8`), and kernels see them only through
    /// `bitcast` to and from `u8`.
    pub fn is_storage(self) -> bool {
        self.is_storage_float() || self.is_storage_int()
    }

    /// The 8- and 4-bit float storage types.
    pub fn is_storage_float(self) -> bool {
        matches!(
            self,
            ElementType::F8E4M3FN
                | ElementType::F8E4M3FNUZ
                | ElementType::F8E5M2
                | ElementType::F8E5M2FNUZ
                | ElementType::F4E2M1
        )
    }

    /// The 4- and 2-bit integer storage types.
    pub fn is_storage_int(self) -> bool {
        matches!(
            self,
            ElementType::I4 | ElementType::U4 | ElementType::I2 | ElementType::U2
        )
    }
}

impl fmt::Display for ElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mlir_name())
    }
}

/// Bytes of a dense tensor of `elem` with dimensions `dims`, or `None` when that does
/// not fit in a `usize` (a declared size is not to be trusted).
pub fn tensor_bytes(elem: ElementType, dims: &[usize]) -> Option<usize> {
    dims.iter()
        .try_fold(elem.size_bytes(), |n, &d| n.checked_mul(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sizes_are_checked() {
        for e in ElementType::ALL {
            assert_eq!(ElementType::from_name(e.name()), Some(e));
            assert_eq!(ElementType::from_mlir_name(e.mlir_name()), Some(e));
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.name()));
        }
        assert_eq!(tensor_bytes(ElementType::F32, &[2, 3]), Some(24));
        assert_eq!(tensor_bytes(ElementType::F64, &[usize::MAX, 2]), None);
    }
}
