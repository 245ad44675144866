//! Host tensors: an element type, a shape and little-endian bytes.

use crate::DType;
use crate::Error;

/// A dense tensor in host memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    dtype: DType,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// A Rust type that is a tensor element.
pub trait Element: Copy {
    const DTYPE: DType;
    fn write(self, out: &mut Vec<u8>);
    fn read(bytes: &[u8]) -> Self;
}

macro_rules! element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_le_bytes(a)
            }
        }
    };
}
element!(f32, DType::F32);
element!(f64, DType::F64);
element!(i8, DType::I8);
element!(i16, DType::I16);
element!(i32, DType::I32);
element!(i64, DType::I64);
element!(u8, DType::U8);
element!(u16, DType::U16);
element!(u32, DType::U32);
element!(u64, DType::U64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn write(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    fn read(bytes: &[u8]) -> Self {
        bytes[0] != 0
    }
}

impl Tensor {
    /// A tensor from raw little-endian bytes; their length must match.
    pub fn new(dtype: DType, shape: &[usize], data: Vec<u8>) -> Result<Tensor, Error> {
        let want = shape.iter().product::<usize>() * dtype.size();
        if data.len() != want {
            return Err(Error::Input(format!(
                "a {}{shape:?} tensor has {want} bytes, {} given",
                dtype.name(),
                data.len()
            )));
        }
        Ok(Tensor {
            dtype,
            shape: shape.to_vec(),
            data,
        })
    }

    /// Zeros of the given type and shape.
    pub fn zeros(dtype: DType, shape: &[usize]) -> Tensor {
        let n = shape.iter().product::<usize>() * dtype.size();
        Tensor {
            dtype,
            shape: shape.to_vec(),
            data: vec![0; n],
        }
    }

    /// A zero tensor whose memory may not be available: an error, not an abort, when the
    /// size overflows or the allocation fails (shapes a module file declares).
    pub fn try_zeros(dtype: DType, shape: &[usize]) -> Result<Tensor, Error> {
        let n = strata_abi::tensor_bytes(dtype, shape).ok_or_else(|| {
            Error::Input(format!(
                "a {} tensor of shape {shape:?} has more bytes than memory addresses",
                dtype.name()
            ))
        })?;
        let limit = strata_abi::limits::Limit::AllocationBytes;
        if n as u64 > limit.get() {
            return Err(Error::Input(format!(
                "a {} tensor of shape {shape:?} takes {n} bytes, past {}",
                dtype.name(),
                limit.named()
            )));
        }
        let mut data = Vec::new();
        data.try_reserve_exact(n).map_err(|_| {
            Error::Device(format!(
                "cannot allocate {n} bytes for a {} tensor of shape {shape:?}",
                dtype.name()
            ))
        })?;
        data.resize(n, 0);
        Ok(Tensor {
            dtype,
            shape: shape.to_vec(),
            data,
        })
    }

    /// A tensor of `shape` holding `values` (row-major).
    pub fn from_slice<T: Element>(shape: &[usize], values: &[T]) -> Result<Tensor, Error> {
        let mut data = Vec::with_capacity(values.len() * T::DTYPE.size());
        for &v in values {
            v.write(&mut data);
        }
        Tensor::new(T::DTYPE, shape, data)
    }

    /// The elements as `T`, which must be the tensor's element type.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>, Error> {
        if T::DTYPE != self.dtype {
            return Err(Error::Input(format!(
                "the tensor holds {}, not {}",
                self.dtype.name(),
                T::DTYPE.name()
            )));
        }
        Ok(self.data.chunks(self.dtype.size()).map(T::read).collect())
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The raw little-endian bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The bytes, consuming the tensor.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }
}
