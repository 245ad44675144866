//! `TensorProto` ⇄ [`Tensor`], including tensors stored in external data files.

use crate::proto::{data_type as dt, TensorProto};
use crate::ImportError;
use half::{bf16, f16};
use std::path::Path;
use strata_ir::{ElementType, Shape, Tensor};

/// Maps an ONNX data type code to an element type Strata supports.
pub fn element_type(code: i32) -> Option<ElementType> {
    Some(match code {
        dt::FLOAT => ElementType::F32,
        dt::UINT8 => ElementType::U8,
        dt::UINT16 => ElementType::U16,
        dt::UINT32 => ElementType::U32,
        dt::UINT64 => ElementType::U64,
        dt::INT8 => ElementType::I8,
        dt::INT16 => ElementType::I16,
        dt::INT32 => ElementType::I32,
        dt::INT64 => ElementType::I64,
        dt::BOOL => ElementType::Bool,
        dt::FLOAT16 => ElementType::F16,
        dt::DOUBLE => ElementType::F64,
        dt::BFLOAT16 => ElementType::BF16,
        dt::FLOAT8E4M3FN => ElementType::F8E4M3FN,
        dt::FLOAT8E4M3FNUZ => ElementType::F8E4M3FNUZ,
        dt::FLOAT8E5M2 => ElementType::F8E5M2,
        dt::FLOAT8E5M2FNUZ => ElementType::F8E5M2FNUZ,
        dt::FLOAT4E2M1 => ElementType::F4E2M1,
        dt::INT4 => ElementType::I4,
        dt::UINT4 => ElementType::U4,
        dt::INT2 => ElementType::I2,
        dt::UINT2 => ElementType::U2,
        _ => return None,
    })
}

/// The ONNX data type code of an element type.
pub fn data_type_code(elem: ElementType) -> i32 {
    match elem {
        ElementType::F32 => dt::FLOAT,
        ElementType::U8 => dt::UINT8,
        ElementType::U16 => dt::UINT16,
        ElementType::U32 => dt::UINT32,
        ElementType::U64 => dt::UINT64,
        ElementType::I8 => dt::INT8,
        ElementType::I16 => dt::INT16,
        ElementType::I32 => dt::INT32,
        ElementType::I64 => dt::INT64,
        ElementType::Bool => dt::BOOL,
        ElementType::F16 => dt::FLOAT16,
        ElementType::F64 => dt::DOUBLE,
        ElementType::BF16 => dt::BFLOAT16,
        ElementType::F8E4M3FN => dt::FLOAT8E4M3FN,
        ElementType::F8E4M3FNUZ => dt::FLOAT8E4M3FNUZ,
        ElementType::F8E5M2 => dt::FLOAT8E5M2,
        ElementType::F8E5M2FNUZ => dt::FLOAT8E5M2FNUZ,
        ElementType::F4E2M1 => dt::FLOAT4E2M1,
        ElementType::I4 => dt::INT4,
        ElementType::U4 => dt::UINT4,
        ElementType::I2 => dt::INT2,
        ElementType::U2 => dt::UINT2,
    }
}

fn unsupported_type(what: &str, code: i32) -> ImportError {
    ImportError::UnsupportedType(format!(
        "{what} has element type {} (ONNX code {code}), which Strata does not support",
        dt::name(code)
    ))
}

fn bad(what: &str, message: String) -> ImportError {
    ImportError::InvalidModel(format!("{what}: {message}"))
}

/// Opens the byte range of an external-data tensor relative to `base_dir`: a reader of
/// exactly its bytes (the rest of the file is never read).
fn external_range(
    t: &TensorProto,
    what: &str,
    base_dir: Option<&Path>,
) -> Result<(std::io::Take<std::fs::File>, u64), ImportError> {
    let get = |key: &str| {
        t.external_data
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    };
    let location =
        get("location").ok_or_else(|| bad(what, "external data without a location".into()))?;
    let number = |key: &str| -> Result<Option<u64>, ImportError> {
        get(key)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| bad(what, format!("external data {key} '{v}' is not a number")))
            })
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let length = number("length")?;
    let rel = Path::new(location);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(bad(what, format!("external data location '{location}' must be relative and inside the model's folder")));
    }
    let base = base_dir.ok_or_else(|| {
        bad(
            what,
            format!("uses external data '{location}', but the model was not loaded from a file"),
        )
    })?;
    let path = base.join(rel);
    let io = |e: std::io::Error| ImportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut file = std::fs::File::open(&path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let end = match length {
        Some(l) => offset.checked_add(l),
        None => Some(size),
    };
    match end {
        Some(end) if offset <= end && end <= size => {
            use std::io::{Read, Seek};
            file.seek(std::io::SeekFrom::Start(offset)).map_err(io)?;
            Ok((file.take(end - offset), end - offset))
        }
        _ => Err(bad(
            what,
            format!(
                "external data range offset {offset} length {length:?} is outside '{}' ({size} bytes)",
                path.display()
            ),
        )),
    }
}

/// The bytes of an external-data tensor.
fn external_bytes(
    t: &TensorProto,
    what: &str,
    base_dir: Option<&Path>,
) -> Result<Vec<u8>, ImportError> {
    use std::io::Read;
    let (mut r, len) = external_range(t, what, base_dir)?;
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 30));
    r.read_to_end(&mut out)
        .map_err(|e| bad(what, format!("cannot read its external data: {e}")))?;
    Ok(out)
}

/// Decodes a `TensorProto` into a tensor. `what` names it in errors.
pub fn tensor_from_proto(
    t: &TensorProto,
    what: &str,
    base_dir: Option<&Path>,
) -> Result<Tensor, ImportError> {
    let elem = element_type(t.data_type).ok_or_else(|| unsupported_type(what, t.data_type))?;
    if let Some(d) = t.dims.iter().find(|&&d| d < 0) {
        return Err(bad(what, format!("negative dimension {d} in {:?}", t.dims)));
    }
    let shape = Shape::new(t.dims.iter().map(|&d| d as usize));
    let n = t
        .dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or_else(|| bad(what, format!("dimensions {:?} overflow", t.dims)))?;
    if t.data_location == 1 && sub_byte_width(elem).is_none() {
        // Read straight into the tensor: a weight of the file is held once.
        let (mut r, len) = external_range(t, what, base_dir)?;
        let need = n.checked_mul(elem.size_bytes());
        if need.map(|b| b as u64) != Some(len) {
            return Err(bad(
                what,
                format!("its external data has {len} bytes; {n} elements of {elem} need {need:?}"),
            ));
        }
        return Tensor::read_le(elem, shape, &mut r).map_err(|e| bad(what, e.to_string()));
    }
    let raw = if t.data_location == 1 {
        Some(bytes::Bytes::from(external_bytes(t, what, base_dir)?))
    } else if !t.raw_data.is_empty() || n == 0 {
        Some(t.raw_data.clone())
    } else {
        None
    };
    if let Some(raw) = raw {
        let raw = match sub_byte_width(elem) {
            Some(bits) => unpack(&raw, bits, n).map_err(|m| bad(what, m))?,
            None => {
                return Tensor::from_le_bytes(elem, shape, &raw)
                    .map_err(|e| bad(what, e.to_string()))
            }
        };
        return Tensor::from_le_bytes(elem, shape, &raw).map_err(|e| bad(what, e.to_string()));
    }
    let count_err = |got: usize| {
        bad(
            what,
            format!("has {got} values for {n} elements of shape {:?}", t.dims),
        )
    };
    let tensor = match elem {
        ElementType::F32 => {
            if t.float_data.len() != n {
                return Err(count_err(t.float_data.len()));
            }
            Tensor::from_vec(shape, t.float_data.clone())
        }
        ElementType::F64 => {
            if t.double_data.len() != n {
                return Err(count_err(t.double_data.len()));
            }
            Tensor::from_vec(shape, t.double_data.clone())
        }
        ElementType::I64 => {
            if t.int64_data.len() != n {
                return Err(count_err(t.int64_data.len()));
            }
            Tensor::from_vec(shape, t.int64_data.clone())
        }
        ElementType::U32 | ElementType::U64 => {
            // The two widest unsigned types travel in uint64_data.
            if t.uint64_data.len() != n {
                return Err(count_err(t.uint64_data.len()));
            }
            let v = &t.uint64_data;
            if elem == ElementType::U64 {
                Tensor::from_vec(shape, v.clone())
            } else {
                Tensor::from_vec(shape, v.iter().map(|&x| x as u32).collect())
            }
        }
        _ => {
            // int32_data carries every narrower type, 16-bit floats as their bit patterns,
            // 4- and 2-bit types packed into the low byte of each.
            let v = &t.int32_data;
            if elem.is_storage() {
                let bytes: Vec<u8> = v.iter().map(|&x| x as u8).collect();
                let raw = match sub_byte_width(elem) {
                    Some(bits) => unpack(&bytes, bits, n).map_err(|m| bad(what, m))?,
                    None if bytes.len() != n => return Err(count_err(bytes.len())),
                    None => bytes,
                };
                return Tensor::from_le_bytes(elem, shape, &raw)
                    .map_err(|e| bad(what, e.to_string()));
            }
            if v.len() != n {
                return Err(count_err(v.len()));
            }
            match elem {
                ElementType::F16 => {
                    Tensor::from_vec(shape, v.iter().map(|&b| f16::from_bits(b as u16)).collect())
                }
                ElementType::BF16 => Tensor::from_vec(
                    shape,
                    v.iter().map(|&b| bf16::from_bits(b as u16)).collect(),
                ),
                ElementType::Bool => Tensor::from_vec(shape, v.iter().map(|&b| b != 0).collect()),
                e => Ok(Tensor::from_i64s(
                    e,
                    shape,
                    &v.iter().map(|&x| x as i64).collect::<Vec<_>>(),
                )),
            }
        }
    };
    tensor.map_err(|e| bad(what, e.to_string()))
}

/// Encodes a tensor as a `TensorProto` with raw data (4- and 2-bit types packed).
pub fn tensor_to_proto(t: &Tensor, name: &str) -> TensorProto {
    let bytes = t.to_le_bytes();
    let raw = match sub_byte_width(t.elem()) {
        Some(bits) => pack(&bytes, bits),
        None => bytes,
    };
    TensorProto {
        dims: t.dims().iter().map(|&d| d as i64).collect(),
        data_type: data_type_code(t.elem()),
        name: name.to_string(),
        raw_data: raw.into(),
        ..Default::default()
    }
}

/// The width of the types ONNX packs several to a byte (Strata's tensors hold one per
/// byte, as ml_dtypes does).
fn sub_byte_width(e: ElementType) -> Option<u32> {
    match e {
        ElementType::I4 | ElementType::U4 | ElementType::F4E2M1 => Some(4),
        ElementType::I2 | ElementType::U2 => Some(2),
        _ => None,
    }
}

/// `n` codes of `bits` each from packed bytes, the first in the lowest bits.
fn unpack(packed: &[u8], bits: u32, n: usize) -> Result<Vec<u8>, String> {
    let per = (8 / bits) as usize;
    if packed.len() != n.div_ceil(per) {
        return Err(format!(
            "{n} {bits}-bit elements pack into {} bytes, got {}",
            n.div_ceil(per),
            packed.len()
        ));
    }
    let mask = (1u8 << bits) - 1;
    Ok((0..n)
        .map(|i| (packed[i / per] >> ((i % per) as u32 * bits)) & mask)
        .collect())
}

fn pack(codes: &[u8], bits: u32) -> Vec<u8> {
    let per = (8 / bits) as usize;
    let mask = (1u8 << bits) - 1;
    codes
        .chunks(per)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |acc, (i, &v)| acc | ((v & mask) << (i as u32 * bits)))
        })
        .collect()
}
