//! Dense tensors: the values that constants hold and that interpreters compute.
//!
//! Storage is one typed vector per element type. Generic code reaches the elements through
//! the [`Element`] trait, or converts a whole tensor to `f64`/`i64`/`bool` vectors: the
//! reference interpreter computes floats in `f64` and rounds once to the result type, which
//! is exact for `+ - * / sqrt` and within an ulp elsewhere, and computes integers in
//! wrapping `i64` arithmetic, which is what numpy does for the narrower types.

use crate::types::{ElementType, Shape, TensorType};
use half::{bf16, f16};
use std::sync::Arc;

/// Typed element storage of a [`Tensor`].
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    F32(Vec<f32>),
    F16(Vec<f16>),
    BF16(Vec<bf16>),
    F64(Vec<f64>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    Bool(Vec<bool>),
    F8E4M3FN(Vec<Float8E4M3FN>),
    F8E4M3FNUZ(Vec<Float8E4M3FNUZ>),
    F8E5M2(Vec<Float8E5M2>),
    F8E5M2FNUZ(Vec<Float8E5M2FNUZ>),
    F4E2M1(Vec<Float4E2M1>),
    I4(Vec<Int4>),
    U4(Vec<UInt4>),
    I2(Vec<Int2>),
    U2(Vec<UInt2>),
}

/// Applies a generic expression to whichever vector a [`TensorData`] holds.
///
/// `$v` is bound to the vector, so the expression is compiled once per element type.
#[macro_export]
macro_rules! with_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            $crate::tensor::TensorData::F32($v) => $body,
            $crate::tensor::TensorData::F16($v) => $body,
            $crate::tensor::TensorData::BF16($v) => $body,
            $crate::tensor::TensorData::F64($v) => $body,
            $crate::tensor::TensorData::I8($v) => $body,
            $crate::tensor::TensorData::I16($v) => $body,
            $crate::tensor::TensorData::I32($v) => $body,
            $crate::tensor::TensorData::I64($v) => $body,
            $crate::tensor::TensorData::U8($v) => $body,
            $crate::tensor::TensorData::U16($v) => $body,
            $crate::tensor::TensorData::U32($v) => $body,
            $crate::tensor::TensorData::U64($v) => $body,
            $crate::tensor::TensorData::Bool($v) => $body,
            $crate::tensor::TensorData::F8E4M3FN($v) => $body,
            $crate::tensor::TensorData::F8E4M3FNUZ($v) => $body,
            $crate::tensor::TensorData::F8E5M2($v) => $body,
            $crate::tensor::TensorData::F8E5M2FNUZ($v) => $body,
            $crate::tensor::TensorData::F4E2M1($v) => $body,
            $crate::tensor::TensorData::I4($v) => $body,
            $crate::tensor::TensorData::U4($v) => $body,
            $crate::tensor::TensorData::I2($v) => $body,
            $crate::tensor::TensorData::U2($v) => $body,
        }
    };
}

/// A scalar that can live in a [`Tensor`].
pub trait Element: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    const TYPE: ElementType;
    fn to_f64(self) -> f64;
    /// Float-to-element conversion with ONNX Cast semantics: round to nearest for floats,
    /// truncation toward zero (saturating) for integers, `x != 0` for booleans.
    fn from_f64(v: f64) -> Self;
    fn to_i64(self) -> i64;
    /// Integer-to-element conversion: wrapping for integers, like a C or numpy cast.
    fn from_i64(v: i64) -> Self;
    fn into_data(v: Vec<Self>) -> TensorData;
    fn slice(data: &TensorData) -> Option<&[Self]>;
    fn to_le_bytes(self, out: &mut Vec<u8>);
    fn from_le_bytes(bytes: &[u8]) -> Self;
}

/// `Element::into_data` and `Element::slice` for the element type of `TensorData::$variant`.
macro_rules! data_variant {
    ($variant:ident) => {
        fn into_data(v: Vec<Self>) -> TensorData {
            TensorData::$variant(v)
        }
        fn slice(data: &TensorData) -> Option<&[Self]> {
            match data {
                TensorData::$variant(v) => Some(v),
                _ => None,
            }
        }
    };
}

macro_rules! int_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            const TYPE: ElementType = ElementType::$variant;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            data_variant!($variant);
            fn to_le_bytes(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&<$t>::to_le_bytes(self));
            }
            fn from_le_bytes(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    };
}

int_element!(i8, I8);
int_element!(i16, I16);
int_element!(i32, I32);
int_element!(i64, I64);
int_element!(u8, U8);
int_element!(u16, U16);
int_element!(u32, U32);
// u64 values past i64::MAX travel through `to_i64` as their bit pattern; the
// interpreters treat u64 operands by their own rules where that differs.
int_element!(u64, U64);

macro_rules! float_element {
    ($t:ty, $variant:ident, $to:expr, $from:expr) => {
        impl Element for $t {
            const TYPE: ElementType = ElementType::$variant;
            fn to_f64(self) -> f64 {
                $to(self)
            }
            fn from_f64(v: f64) -> Self {
                $from(v)
            }
            fn to_i64(self) -> i64 {
                $to(self) as i64
            }
            fn from_i64(v: i64) -> Self {
                $from(v as f64)
            }
            data_variant!($variant);
            fn to_le_bytes(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&<$t>::to_le_bytes(self));
            }
            fn from_le_bytes(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    };
}

float_element!(f32, F32, |x: f32| x as f64, |v: f64| v as f32);
float_element!(f64, F64, |x: f64| x, |v: f64| v);
float_element!(f16, F16, |x: f16| x.to_f64(), f16::from_f64);
float_element!(bf16, BF16, |x: bf16| x.to_f64(), bf16::from_f64);

impl Element for bool {
    const TYPE: ElementType = ElementType::Bool;
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    data_variant!(Bool);
    fn to_le_bytes(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    fn from_le_bytes(bytes: &[u8]) -> Self {
        bytes[0] != 0
    }
}

/// An element of a storage type: its byte, the value in the low bits (see
/// [`strata_abi::storage`]). Conversions are Cast's, saturating.
macro_rules! storage_element {
    ($name:ident, $variant:ident, $what:literal) => {
        #[doc = concat!("An element of ", $what, ", as its byte.")]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub u8);

        impl Element for $name {
            const TYPE: ElementType = ElementType::$variant;
            fn to_f64(self) -> f64 {
                strata_abi::storage::decode(Self::TYPE, self.0)
            }
            fn from_f64(v: f64) -> Self {
                $name(strata_abi::storage::encode(Self::TYPE, v, true))
            }
            fn to_i64(self) -> i64 {
                if Self::TYPE.is_storage_int() {
                    strata_abi::storage::decode_int(Self::TYPE, self.0)
                } else {
                    self.to_f64() as i64
                }
            }
            fn from_i64(v: i64) -> Self {
                if Self::TYPE.is_storage_int() {
                    $name(strata_abi::storage::encode_int(Self::TYPE, v))
                } else {
                    Self::from_f64(v as f64)
                }
            }
            data_variant!($variant);
            fn to_le_bytes(self, out: &mut Vec<u8>) {
                out.push(self.0);
            }
            fn from_le_bytes(bytes: &[u8]) -> Self {
                let width = Self::TYPE.int_bits().min(8);
                let bits = match strata_abi::storage::FloatFormat::of(Self::TYPE) {
                    Some(f) => f.bits(),
                    None => width,
                };
                $name((bytes[0] as u16 & ((1 << bits) - 1)) as u8)
            }
        }
    };
}

storage_element!(Float8E4M3FN, F8E4M3FN, "float8 e4m3fn");
storage_element!(Float8E4M3FNUZ, F8E4M3FNUZ, "float8 e4m3fnuz");
storage_element!(Float8E5M2, F8E5M2, "float8 e5m2");
storage_element!(Float8E5M2FNUZ, F8E5M2FNUZ, "float8 e5m2fnuz");
storage_element!(Float4E2M1, F4E2M1, "float4 e2m1");
storage_element!(Int4, I4, "int4");
storage_element!(UInt4, U4, "uint4");
storage_element!(Int2, I2, "int2");
storage_element!(UInt2, U2, "uint2");

/// Builds the [`TensorData`] variant of `elem` from a generator over element indices.
macro_rules! build_data {
    ($elem:expr, $n:expr, |$t:ident, $i:ident| $gen:expr) => {{
        match $elem {
            ElementType::F32 => {
                type $t = f32;
                TensorData::F32((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F16 => {
                type $t = f16;
                TensorData::F16((0..$n).map(|$i| $gen).collect())
            }
            ElementType::BF16 => {
                type $t = bf16;
                TensorData::BF16((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F64 => {
                type $t = f64;
                TensorData::F64((0..$n).map(|$i| $gen).collect())
            }
            ElementType::I8 => {
                type $t = i8;
                TensorData::I8((0..$n).map(|$i| $gen).collect())
            }
            ElementType::I16 => {
                type $t = i16;
                TensorData::I16((0..$n).map(|$i| $gen).collect())
            }
            ElementType::I32 => {
                type $t = i32;
                TensorData::I32((0..$n).map(|$i| $gen).collect())
            }
            ElementType::I64 => {
                type $t = i64;
                TensorData::I64((0..$n).map(|$i| $gen).collect())
            }
            ElementType::U8 => {
                type $t = u8;
                TensorData::U8((0..$n).map(|$i| $gen).collect())
            }
            ElementType::U16 => {
                type $t = u16;
                TensorData::U16((0..$n).map(|$i| $gen).collect())
            }
            ElementType::U32 => {
                type $t = u32;
                TensorData::U32((0..$n).map(|$i| $gen).collect())
            }
            ElementType::U64 => {
                type $t = u64;
                TensorData::U64((0..$n).map(|$i| $gen).collect())
            }
            ElementType::Bool => {
                type $t = bool;
                TensorData::Bool((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F8E4M3FN => {
                type $t = Float8E4M3FN;
                TensorData::F8E4M3FN((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F8E4M3FNUZ => {
                type $t = Float8E4M3FNUZ;
                TensorData::F8E4M3FNUZ((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F8E5M2 => {
                type $t = Float8E5M2;
                TensorData::F8E5M2((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F8E5M2FNUZ => {
                type $t = Float8E5M2FNUZ;
                TensorData::F8E5M2FNUZ((0..$n).map(|$i| $gen).collect())
            }
            ElementType::F4E2M1 => {
                type $t = Float4E2M1;
                TensorData::F4E2M1((0..$n).map(|$i| $gen).collect())
            }
            ElementType::I4 => {
                type $t = Int4;
                TensorData::I4((0..$n).map(|$i| $gen).collect())
            }
            ElementType::U4 => {
                type $t = UInt4;
                TensorData::U4((0..$n).map(|$i| $gen).collect())
            }
            ElementType::I2 => {
                type $t = Int2;
                TensorData::I2((0..$n).map(|$i| $gen).collect())
            }
            ElementType::U2 => {
                type $t = UInt2;
                TensorData::U2((0..$n).map(|$i| $gen).collect())
            }
        }
    }};
}

/// `n` elements from exactly `n * size_of::<T>()` little-endian bytes, on a little-endian
/// machine, for element types every bit pattern of which is valid.
fn vec_from_le_bytes<T: Element>(bytes: &[u8], n: usize) -> Vec<T> {
    assert_eq!(bytes.len(), n * std::mem::size_of::<T>());
    let mut v: Vec<T> = Vec::with_capacity(n);
    // Safety: the vector has room for `n` elements; the bytes are exactly that many
    // elements' worth; the callers pass only types without invalid bit patterns.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr() as *mut u8, bytes.len());
        v.set_len(n);
    }
    v
}

/// `n` elements read from `r` as little-endian bytes, straight into the vector's memory.
fn vec_read_le<T: Element>(r: &mut dyn std::io::Read, n: usize) -> std::io::Result<Vec<T>> {
    let mut v: Vec<T> = vec![T::default(); n];
    // Safety: as in `vec_from_le_bytes`; the vector holds `n` initialized elements, seen
    // as their bytes while they are overwritten.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, n * std::mem::size_of::<T>())
    };
    r.read_exact(bytes)?;
    Ok(v)
}

/// A tensor's storage seen as its bytes (see [`Tensor::le_bytes`]).
struct LeBytes(Arc<TensorData>);

impl AsRef<[u8]> for LeBytes {
    fn as_ref(&self) -> &[u8] {
        // Safety: every element type is plain data without padding (`bool` is one byte
        // of 0 or 1, the 16-bit floats are `u16`s), so its vector's memory is
        // `len * size` initialized bytes, laid out little-endian on this machine.
        with_data!(&*self.0, v => unsafe {
            std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v.as_slice()))
        })
    }
}

/// A dense, row-major tensor with a static shape.
///
/// The elements are shared, never copied, between clones: a module's weights live once
/// however many passes clone the module, and the e-graph, the interpreters and the
/// packager all read the same storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    shape: Shape,
    data: Arc<TensorData>,
}

impl TensorData {
    pub fn elem(&self) -> ElementType {
        match self {
            TensorData::F32(_) => ElementType::F32,
            TensorData::F16(_) => ElementType::F16,
            TensorData::BF16(_) => ElementType::BF16,
            TensorData::F64(_) => ElementType::F64,
            TensorData::I8(_) => ElementType::I8,
            TensorData::I16(_) => ElementType::I16,
            TensorData::I32(_) => ElementType::I32,
            TensorData::I64(_) => ElementType::I64,
            TensorData::U8(_) => ElementType::U8,
            TensorData::U16(_) => ElementType::U16,
            TensorData::U32(_) => ElementType::U32,
            TensorData::U64(_) => ElementType::U64,
            TensorData::Bool(_) => ElementType::Bool,
            TensorData::F8E4M3FN(_) => ElementType::F8E4M3FN,
            TensorData::F8E4M3FNUZ(_) => ElementType::F8E4M3FNUZ,
            TensorData::F8E5M2(_) => ElementType::F8E5M2,
            TensorData::F8E5M2FNUZ(_) => ElementType::F8E5M2FNUZ,
            TensorData::F4E2M1(_) => ElementType::F4E2M1,
            TensorData::I4(_) => ElementType::I4,
            TensorData::U4(_) => ElementType::U4,
            TensorData::I2(_) => ElementType::I2,
            TensorData::U2(_) => ElementType::U2,
        }
    }

    pub fn len(&self) -> usize {
        with_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Tensor {
    /// Makes a tensor from typed data; fails when the element count does not match the shape.
    pub fn new(shape: impl Into<Shape>, data: TensorData) -> Result<Self, crate::IrError> {
        let shape = shape.into();
        if shape.numel() != data.len() {
            return Err(format!(
                "shape {:?} needs {} elements, got {}",
                shape.dims(),
                shape.numel(),
                data.len()
            )
            .into());
        }
        Ok(Tensor {
            shape,
            data: Arc::new(data),
        })
    }

    pub fn from_vec<T: Element>(
        shape: impl Into<Shape>,
        data: Vec<T>,
    ) -> Result<Self, crate::IrError> {
        Tensor::new(shape, T::into_data(data))
    }

    pub fn scalar<T: Element>(value: T) -> Self {
        Tensor {
            shape: Shape::scalar(),
            data: Arc::new(T::into_data(vec![value])),
        }
    }

    /// A tensor of zeros (false for booleans).
    pub fn zeros(ty: &TensorType) -> Self {
        Tensor::from_f64_fn(ty.elem, ty.shape.clone(), |_| 0.0)
    }

    /// Builds a tensor of `elem` from a function of the flat index, converting from `f64`.
    pub fn from_f64_fn(elem: ElementType, shape: Shape, f: impl Fn(usize) -> f64) -> Self {
        let n = shape.numel();
        let data = build_data!(elem, n, |T, i| <T as Element>::from_f64(f(i)));
        Tensor {
            shape,
            data: Arc::new(data),
        }
    }

    /// Builds a tensor of `elem` from `f64` values (with ONNX Cast semantics per element).
    pub fn from_f64s(elem: ElementType, shape: Shape, values: &[f64]) -> Self {
        debug_assert_eq!(shape.numel(), values.len());
        let data = build_data!(elem, values.len(), |T, i| <T as Element>::from_f64(
            values[i]
        ));
        Tensor {
            shape,
            data: Arc::new(data),
        }
    }

    /// Builds a tensor of `elem` from `i64` values (wrapping for narrower integers).
    pub fn from_i64s(elem: ElementType, shape: Shape, values: &[i64]) -> Self {
        debug_assert_eq!(shape.numel(), values.len());
        let data = build_data!(elem, values.len(), |T, i| <T as Element>::from_i64(
            values[i]
        ));
        Tensor {
            shape,
            data: Arc::new(data),
        }
    }

    pub fn from_bools(shape: Shape, values: Vec<bool>) -> Self {
        Tensor {
            shape,
            data: Arc::new(TensorData::Bool(values)),
        }
    }

    /// Decodes little-endian bytes (booleans one byte each) into a tensor.
    pub fn from_le_bytes(
        elem: ElementType,
        shape: Shape,
        bytes: &[u8],
    ) -> Result<Self, crate::IrError> {
        let size = elem.size_bytes();
        let n = shape.numel();
        if n.checked_mul(size) != Some(bytes.len()) {
            return Err(format!(
                "{n} elements of {elem} need {} bytes, got {}",
                n.saturating_mul(size),
                bytes.len()
            )
            .into());
        }
        // Weights are megabytes: where the machine's byte order is the file's, one copy
        // decodes them (every bit pattern is a valid element but for booleans).
        let data = if cfg!(target_endian = "little")
            && elem != ElementType::Bool
            && !elem.is_storage()
        {
            macro_rules! copied {
                ($($variant:ident),*) => {
                    match elem {
                        $(ElementType::$variant => TensorData::$variant(vec_from_le_bytes(bytes, n)),)*
                        _ => unreachable!("booleans and storage types are decoded one by one"),
                    }
                };
            }
            copied!(F32, F16, BF16, F64, I8, I16, I32, I64, U8, U16, U32, U64)
        } else {
            build_data!(elem, n, |T, i| <T as Element>::from_le_bytes(
                &bytes[i * size..(i + 1) * size]
            ))
        };
        Ok(Tensor {
            shape,
            data: Arc::new(data),
        })
    }

    /// [`Tensor::from_le_bytes`] reading the bytes from `r`: a weight read from a file goes
    /// straight into the tensor, never held twice.
    pub fn read_le(
        elem: ElementType,
        shape: Shape,
        r: &mut dyn std::io::Read,
    ) -> Result<Self, crate::IrError> {
        let n = shape.numel();
        let io = |e: std::io::Error| {
            crate::IrError::from(format!("cannot read {n} elements of {elem}: {e}"))
        };
        if cfg!(target_endian = "little") && elem != ElementType::Bool && !elem.is_storage() {
            macro_rules! read {
                ($($variant:ident),*) => {
                    match elem {
                        $(ElementType::$variant => TensorData::$variant(vec_read_le(r, n).map_err(io)?),)*
                        _ => unreachable!("booleans and storage types are decoded one by one"),
                    }
                };
            }
            let data = read!(F32, F16, BF16, F64, I8, I16, I32, I64, U8, U16, U32, U64);
            return Ok(Tensor {
                shape,
                data: Arc::new(data),
            });
        }
        let size = n
            .checked_mul(elem.size_bytes())
            .ok_or_else(|| format!("{n} elements of {elem} overflow"))?;
        let mut bytes = vec![0u8; size];
        r.read_exact(&mut bytes).map_err(io)?;
        Tensor::from_le_bytes(elem, shape, &bytes)
    }

    /// Encodes the elements as little-endian bytes (booleans one byte each).
    pub fn to_le_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.numel() * self.elem().size_bytes());
        with_data!(&*self.data, v => for x in v { Element::to_le_bytes(*x, &mut out) });
        out
    }

    /// The elements as little-endian bytes, sharing the tensor's storage where the
    /// machine is little-endian (no copy of the weights for a module file).
    pub fn le_bytes(&self) -> bytes::Bytes {
        if cfg!(target_endian = "little") {
            bytes::Bytes::from_owner(LeBytes(self.data.clone()))
        } else {
            bytes::Bytes::from(self.to_le_bytes())
        }
    }

    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    pub fn elem(&self) -> ElementType {
        self.data.elem()
    }

    pub fn ty(&self) -> TensorType {
        TensorType::new(self.shape.clone(), self.elem())
    }

    pub fn numel(&self) -> usize {
        self.shape.numel()
    }

    pub fn data(&self) -> &TensorData {
        &self.data
    }

    /// The elements, copied only if another clone still shares them.
    pub fn into_data(self) -> TensorData {
        Arc::try_unwrap(self.data).unwrap_or_else(|shared| (*shared).clone())
    }

    /// Whether `self` and `other` share their elements (a clone of one another).
    pub fn shares_data(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// The elements as a typed slice, if `T` is this tensor's element type.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        T::slice(&self.data)
    }

    /// Same elements, new shape of the same element count.
    pub fn reshape(self, shape: impl Into<Shape>) -> Result<Self, crate::IrError> {
        let shape = shape.into();
        if shape.numel() != self.numel() {
            return Err(format!(
                "shape {:?} needs {} elements, got {}",
                shape.dims(),
                shape.numel(),
                self.numel()
            )
            .into());
        }
        Ok(Tensor {
            shape,
            data: self.data,
        })
    }

    /// A tensor of the same type and shape whose element `i` is `f(i, x_i)`, computed in
    /// `f64` and converted back with Cast semantics, element by element (no `f64` copy of
    /// the whole tensor).
    pub fn map_f64(&self, f: impl Fn(usize, f64) -> f64) -> Tensor {
        fn map<T: Element>(v: &[T], f: impl Fn(usize, f64) -> f64) -> TensorData {
            T::into_data(
                v.iter()
                    .enumerate()
                    .map(|(i, x)| T::from_f64(f(i, x.to_f64())))
                    .collect(),
            )
        }
        let data = with_data!(&*self.data, v => map(v, f));
        Tensor {
            shape: self.shape.clone(),
            data: Arc::new(data),
        }
    }

    /// Replaces element `i` by `f(i, x_i)` (computed in `f64`, converted back with Cast
    /// semantics) where it lies, copying the storage first only if a clone shares it.
    pub fn update_f64(&mut self, f: impl Fn(usize, f64) -> f64) {
        fn update<T: Element>(v: &mut [T], f: impl Fn(usize, f64) -> f64) {
            for (i, x) in v.iter_mut().enumerate() {
                *x = T::from_f64(f(i, x.to_f64()));
            }
        }
        with_data!(Arc::make_mut(&mut self.data), v => update(v, f))
    }

    /// Whether every element, as `f64`, satisfies `pred` (stopping at the first that
    /// does not, without an `f64` copy of the tensor).
    pub fn all_f64(&self, pred: impl Fn(f64) -> bool) -> bool {
        with_data!(&*self.data, v => v.iter().all(|x| pred(x.to_f64())))
    }

    /// Every element converted to `f64` (booleans as 0/1).
    pub fn to_f64s(&self) -> Vec<f64> {
        with_data!(&*self.data, v => v.iter().map(|x| x.to_f64()).collect())
    }

    /// Every element converted to `i64` (floats truncated toward zero).
    pub fn to_i64s(&self) -> Vec<i64> {
        with_data!(&*self.data, v => v.iter().map(|x| x.to_i64()).collect())
    }

    /// Every element as a truth value (`x != 0`).
    pub fn to_bools(&self) -> Vec<bool> {
        match &*self.data {
            TensorData::Bool(v) => v.clone(),
            _ if self.elem().is_float() || self.elem().is_storage_float() => {
                self.to_f64s().into_iter().map(|x| x != 0.0).collect()
            }
            _ => self.to_i64s().into_iter().map(|x| x != 0).collect(),
        }
    }

    /// Converts to another element type with ONNX Cast semantics.
    pub fn cast(&self, to: ElementType) -> Tensor {
        if to == self.elem() {
            return self.clone();
        }
        let floaty = |e: ElementType| e.is_float() || e.is_storage_float();
        if floaty(self.elem()) || floaty(to) || to == ElementType::Bool {
            if to == ElementType::Bool {
                return Tensor::from_bools(self.shape.clone(), self.to_bools());
            }
            Tensor::from_f64s(to, self.shape.clone(), &self.to_f64s())
        } else {
            Tensor::from_i64s(to, self.shape.clone(), &self.to_i64s())
        }
    }

    /// [`Tensor::cast`], where a float8 result's overflows become infinity or NaN instead
    /// of the largest finite value when `saturate` is off (Cast's attribute).
    pub fn cast_saturating(&self, to: ElementType, saturate: bool) -> Tensor {
        if saturate || !to.is_storage_float() || to == self.elem() {
            return self.cast(to);
        }
        let bytes: Vec<u8> = self
            .to_f64s()
            .into_iter()
            .map(|v| strata_abi::storage::encode(to, v, false))
            .collect();
        Tensor::from_le_bytes(to, self.shape.clone(), &bytes).expect("one byte per element")
    }

    /// Gathers elements by flat source index into a new tensor of `shape`.
    pub fn gather_flat(&self, shape: Shape, indices: &[usize]) -> Tensor {
        let data = with_data!(&*self.data, v => {
            let out: Vec<_> = indices.iter().map(|&i| v[i]).collect();
            Element::into_data(out)
        });
        Tensor {
            shape,
            data: Arc::new(data),
        }
    }

    /// Concatenates flat element runs of tensors of one element type.
    pub fn concat_flat(
        elem: ElementType,
        shape: Shape,
        parts: &[(&Tensor, usize, usize)],
    ) -> Tensor {
        let n = shape.numel();
        let mut data = build_data!(elem, 0usize, |T, _i| T::default());
        with_data!(&mut data, out => {
            out.reserve(n);
            for (t, start, len) in parts {
                let src = Element::slice(&t.data).expect("concat_flat: element types agree");
                out.extend_from_slice(&src[*start..*start + *len]);
            }
        });
        Tensor {
            shape,
            data: Arc::new(data),
        }
    }

    /// True when both tensors have one shape and element type and all elements are equal
    /// (NaN equal to NaN), which is what round-trip tests need.
    pub fn bitwise_eq(&self, other: &Tensor) -> bool {
        self.shape == other.shape
            && self.elem() == other.elem()
            && self.to_le_bytes() == other.to_le_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_onnx_rules() {
        let t = Tensor::from_vec(vec![4], vec![-1.7f32, 0.0, 2.5, 300.0]).unwrap();
        assert_eq!(t.cast(ElementType::I32).to_i64s(), vec![-1, 0, 2, 300]);
        assert_eq!(
            t.cast(ElementType::Bool).to_bools(),
            vec![true, false, true, true]
        );
        let i = Tensor::from_vec(vec![2], vec![300i64, -1]).unwrap();
        assert_eq!(i.cast(ElementType::U8).to_i64s(), vec![44, 255]);
    }

    #[test]
    fn bytes_round_trip() {
        let t = Tensor::from_vec(
            vec![2, 2],
            vec![f16::from_f32(1.5), f16::NAN, f16::ONE, f16::ZERO],
        )
        .unwrap();
        let back =
            Tensor::from_le_bytes(ElementType::F16, t.shape().clone(), &t.to_le_bytes()).unwrap();
        assert!(t.bitwise_eq(&back));
    }

    #[test]
    fn element_count_must_match_shape() {
        assert!(Tensor::from_vec(vec![2, 3], vec![1i8; 5]).is_err());
        assert!(Tensor::from_vec(vec![0, 3], Vec::<i8>::new()).is_ok());
    }
}
