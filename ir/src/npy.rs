//! Reading and writing `.npy` files, the tensor format numpy, PyTorch and onnxruntime
//! users already have.

use crate::tensor::Tensor;
use crate::types::{ElementType, Shape};

const MAGIC: &[u8] = b"\x93NUMPY";

fn descr(elem: ElementType) -> Option<&'static str> {
    Some(match elem {
        ElementType::F32 => "<f4",
        ElementType::F16 => "<f2",
        ElementType::F64 => "<f8",
        ElementType::I8 => "|i1",
        ElementType::I16 => "<i2",
        ElementType::I32 => "<i4",
        ElementType::I64 => "<i8",
        ElementType::U8 => "|u1",
        ElementType::U16 => "<u2",
        ElementType::U32 => "<u4",
        ElementType::U64 => "<u8",
        ElementType::Bool => "|b1",
        // bf16 and the storage types have no numpy dtype of their own (ml_dtypes' are
        // not in the format).
        _ => return None,
    })
}

fn elem_from_descr(d: &str) -> Option<ElementType> {
    let d = d.replace('=', "<");
    Some(match d.as_str() {
        "<f4" => ElementType::F32,
        "<f2" => ElementType::F16,
        "<f8" => ElementType::F64,
        "|i1" | "<i1" => ElementType::I8,
        "<i2" => ElementType::I16,
        "<i4" => ElementType::I32,
        "<i8" => ElementType::I64,
        "|u1" | "<u1" => ElementType::U8,
        "<u2" => ElementType::U16,
        "<u4" => ElementType::U32,
        "<u8" => ElementType::U64,
        "|b1" | "<b1" => ElementType::Bool,
        _ => return None,
    })
}

/// Encodes a tensor as `.npy` bytes (format 1.0). bf16 has no numpy dtype and is refused.
pub fn to_npy(t: &Tensor) -> Result<Vec<u8>, crate::IrError> {
    let d = descr(t.elem())
        .ok_or_else(|| format!("{} tensors cannot be stored in .npy files", t.elem()))?;
    let shape = match t.dims() {
        [] => "()".to_string(),
        [one] => format!("({one},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '{d}', 'fortran_order': False, 'shape': {shape}, }}");
    // Pad so the data starts on a 64-byte boundary, ending the header with a newline.
    let total = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out =
        Vec::with_capacity(MAGIC.len() + 4 + header.len() + t.numel() * t.elem().size_bytes());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&t.to_le_bytes());
    Ok(out)
}

fn header_value<'a>(header: &'a str, key: &str) -> Result<&'a str, crate::IrError> {
    let pat = format!("'{key}':");
    let start = header
        .find(&pat)
        .ok_or_else(|| format!("header has no '{key}'"))?
        + pat.len();
    Ok(header[start..].trim_start())
}

/// Decodes `.npy` bytes (format 1.0, 2.0 or 3.0, C or Fortran order).
pub fn from_npy(bytes: &[u8]) -> Result<Tensor, crate::IrError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (bad magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy format version {v}").into()),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
    let d = header_value(header, "descr")?;
    let d = d.trim_start_matches('\'');
    let d = &d[..d.find('\'').ok_or("malformed descr")?];
    let elem = elem_from_descr(d).ok_or_else(|| format!("unsupported .npy dtype '{d}'"))?;
    let fortran = header_value(header, "fortran_order")?.starts_with("True");
    let s = header_value(header, "shape")?;
    let s = s.strip_prefix('(').ok_or("malformed shape")?;
    let s = &s[..s.find(')').ok_or("malformed shape")?];
    let dims = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<usize>()
                .map_err(|_| format!("bad dimension '{p}' in .npy shape"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shape = Shape::new(dims.iter().copied());
    let data = &bytes[start + header_len..];
    let need = shape
        .dims()
        .iter()
        .try_fold(elem.size_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or("the .npy shape is too large")?;
    if data.len() != need {
        return Err(format!(
            ".npy data has {} bytes, the header's shape {:?} of {} needs {need}",
            data.len(),
            shape.dims(),
            elem
        )
        .into());
    }
    if fortran && dims.len() > 1 {
        let reversed = Shape::new(dims.iter().rev().copied());
        let t = Tensor::from_le_bytes(elem, reversed, data)?;
        let perm: Vec<usize> = (0..dims.len()).rev().collect();
        return Ok(crate::graph::permute_tensor(&t, &perm));
    }
    Tensor::from_le_bytes(elem, shape, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let t = Tensor::from_vec(vec![2, 3], vec![1i32, 2, 3, 4, 5, 6]).unwrap();
        let bytes = to_npy(&t).unwrap();
        assert_eq!((bytes.len() - 24) % 64, 0);
        assert!(from_npy(&bytes).unwrap().bitwise_eq(&t));
        assert!(from_npy(b"garbage").is_err());
        assert!(from_npy(&bytes[..bytes.len() - 1]).is_err());
        // A malformed header is an error, not a panic.
        let mut bad = bytes.clone();
        let at = bad.windows(8).position(|w| w == b"'shape':").unwrap() + 9;
        bad[at] = b')';
        assert!(from_npy(&bad).is_err());
        let s = Tensor::scalar(true);
        assert!(from_npy(&to_npy(&s).unwrap()).unwrap().bitwise_eq(&s));
    }
}
