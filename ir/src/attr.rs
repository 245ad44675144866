//! Attributes: the compile-time data attached to operations.
//!
//! Every attribute prints in MLIR's syntax so `mlir-opt --allow-unregistered-dialect`
//! reads our text: `3 : i64`, `1.0e-05 : f32`, `"same_upper"`, `array<i64: 1, 2>`,
//! `dense<[1.0, 2.0]> : tensor<2xf32>`. Large or non-finite dense tensors use MLIR's
//! hex form `dense<"0x...">`, which is exact and compact.

use crate::tensor::{Element, Tensor};
use crate::types::{ElementType, Type};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// An attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Attribute {
    /// A signed 64-bit integer (`3 : i64`).
    Int(i64),
    /// A float of a given float element type; the value is exact in that type.
    Float(f64, ElementType),
    Bool(bool),
    String(String),
    Type(Type),
    /// `array<i64: ...>`: integer lists such as shapes, axes and pads.
    I64Array(Vec<i64>),
    /// `array<f32: ...>`: float lists.
    F32Array(Vec<f32>),
    /// `[...]`: a list of arbitrary attributes.
    Array(Vec<Attribute>),
    /// `{name = value, ...}`, sorted by name like MLIR's dictionaries.
    Dict(BTreeMap<String, Attribute>),
    /// `dense<...> : tensor<...>`: a constant tensor.
    Dense(Tensor),
    /// `affine_map<(d0, d1) -> (d1, d0)>`: how an iteration space indexes an operand.
    AffineMap(crate::affine::AffineMap),
}

/// Dense tensors with more elements than this print in hex form.
const DENSE_LITERAL_LIMIT: usize = 16;

impl Attribute {
    /// A short name of the attribute's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Attribute::Int(_) => "integer",
            Attribute::Float(..) => "float",
            Attribute::Bool(_) => "bool",
            Attribute::String(_) => "string",
            Attribute::Type(_) => "type",
            Attribute::I64Array(_) => "array<i64>",
            Attribute::F32Array(_) => "array<f32>",
            Attribute::Array(_) => "array",
            Attribute::Dict(_) => "dictionary",
            Attribute::Dense(_) => "dense tensor",
            Attribute::AffineMap(_) => "affine map",
        }
    }
}

/// Formats a float so it reads back to the same value of `elem`, in a form MLIR's lexer
/// accepts (a decimal point is required) or as a hex bit pattern for NaN and infinities.
pub fn format_float(value: f64, elem: ElementType) -> String {
    if !value.is_finite() {
        return format_float_hex(value, elem);
    }
    let text = match elem {
        ElementType::F64 => format!("{value:?}"),
        // f16 and bf16 values are exact in f32, whose shortest form reads back exactly.
        _ => format!("{:?}", value as f32),
    };
    match text.find('e') {
        Some(e) if !text[..e].contains('.') => format!("{}.0{}", &text[..e], &text[e..]),
        Some(_) => text,
        None if text.contains('.') => text,
        None => format!("{text}.0"),
    }
}

/// The bit pattern of `value` in `elem`, as MLIR writes non-finite floats: `0x7FC00000`.
pub fn format_float_hex(value: f64, elem: ElementType) -> String {
    let bits: u64 = match elem {
        ElementType::F64 => value.to_bits(),
        ElementType::F32 => (value as f32).to_bits() as u64,
        ElementType::F16 => half::f16::from_f64(value).to_bits() as u64,
        ElementType::BF16 => half::bf16::from_f64(value).to_bits() as u64,
        _ => value as i64 as u64,
    };
    let digits = elem.size_bytes() * 2;
    format!("0x{bits:0digits$X}")
}

/// Decodes a float bit pattern of `elem`.
pub fn float_from_bits(bits: u64, elem: ElementType) -> Option<f64> {
    Some(match elem {
        ElementType::F64 => f64::from_bits(bits),
        ElementType::F32 => f32::from_bits(u32::try_from(bits).ok()?) as f64,
        ElementType::F16 => half::f16::from_bits(u16::try_from(bits).ok()?).to_f64(),
        ElementType::BF16 => half::bf16::from_bits(u16::try_from(bits).ok()?).to_f64(),
        _ => return None,
    })
}

fn write_element(out: &mut String, t: &Tensor, i: usize, float_values: &Option<Vec<f64>>) {
    let elem = t.elem();
    if let Some(values) = float_values {
        out.push_str(&format_float(values[i], elem));
    } else if elem == ElementType::Bool {
        let b = t.as_slice::<bool>().map(|v| v[i]).unwrap_or(false);
        out.push_str(if b { "true" } else { "false" });
    } else if let Some(v) = t.as_slice::<u64>() {
        let _ = write!(out, "{}", v[i]);
    } else {
        let v = crate::with_data!(t.data(), d => Element::to_i64(d[i]));
        let _ = write!(out, "{v}");
    }
}

fn write_nested(
    out: &mut String,
    t: &Tensor,
    dim: usize,
    offset: usize,
    floats: &Option<Vec<f64>>,
) {
    let dims = t.dims();
    if dim == dims.len() {
        write_element(out, t, offset, floats);
        return;
    }
    let stride: usize = dims[dim + 1..].iter().product();
    out.push('[');
    for i in 0..dims[dim] {
        if i > 0 {
            out.push_str(", ");
        }
        write_nested(out, t, dim + 1, offset + i * stride, floats);
    }
    out.push(']');
}

/// The body of a `dense<...>` attribute: nested literals, or a hex string of the raw bytes.
fn dense_body(t: &Tensor) -> String {
    let elem = t.elem();
    let floats = elem.is_float().then(|| t.to_f64s());
    let non_finite = floats
        .as_ref()
        .is_some_and(|v| v.iter().any(|x| !x.is_finite()));
    // MLIR reads a hex string of one element's size as a splat, so one-element tensors
    // always print as literals; booleans too, since MLIR packs i1 bits in hex form.
    // Storage types print their bytes: a code says exactly what it is (NaN codes too).
    let use_hex = (elem.is_storage() && t.numel() > 0)
        || (elem != ElementType::Bool
            && t.numel() > 1
            && (t.numel() > DENSE_LITERAL_LIMIT || non_finite));
    if use_hex {
        let mut s = String::from("\"0x");
        for b in t.to_le_bytes() {
            let _ = write!(s, "{b:02X}");
        }
        s.push('"');
        return s;
    }
    let mut s = String::new();
    if t.numel() == 1 && non_finite {
        s.push_str(&format_float_hex(
            floats.as_ref().map_or(0.0, |v| v[0]),
            elem,
        ));
        return s;
    }
    write_nested(&mut s, t, 0, 0, &floats);
    s
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(f, "\\{:02X}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Writes `{a = 1 : i64, b = "x"}`, or nothing for an empty dictionary when `elide_empty`.
pub fn write_dict(f: &mut fmt::Formatter<'_>, dict: &BTreeMap<String, Attribute>) -> fmt::Result {
    f.write_char('{')?;
    for (i, (k, v)) in dict.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_attr_name(f, k)?;
        write!(f, " = {v}")?;
    }
    f.write_char('}')
}

/// Attribute names that are plain identifiers print bare; others are quoted.
fn write_attr_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$');
    if bare {
        f.write_str(name)
    } else {
        write_string(f, name)
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Int(v) => write!(f, "{v} : i64"),
            Attribute::Float(v, elem) => write!(f, "{} : {elem}", format_float(*v, *elem)),
            Attribute::Bool(b) => write!(f, "{b}"),
            Attribute::String(s) => write_string(f, s),
            Attribute::Type(t) => write!(f, "{t}"),
            Attribute::I64Array(v) => {
                f.write_str("array<i64")?;
                for (i, x) in v.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { ", " })?;
                    write!(f, "{x}")?;
                }
                f.write_char('>')
            }
            Attribute::F32Array(v) => {
                f.write_str("array<f32")?;
                for (i, x) in v.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { ", " })?;
                    f.write_str(&format_float(*x as f64, ElementType::F32))?;
                }
                f.write_char('>')
            }
            Attribute::Array(items) => {
                f.write_char('[')?;
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_char(']')
            }
            Attribute::Dict(d) => write_dict(f, d),
            Attribute::Dense(t) => write!(f, "dense<{}> : {}", dense_body(t), t.ty()),
            Attribute::AffineMap(m) => write!(f, "{m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_always_have_a_decimal_point() {
        assert_eq!(format_float(1e-5, ElementType::F32), "1.0e-5");
        assert_eq!(format_float(100.0, ElementType::F32), "100.0");
        assert_eq!(format_float(0.1, ElementType::F64), "0.1");
        assert_eq!(format_float(f64::NAN, ElementType::F32), "0x7FC00000");
        assert_eq!(format_float(f64::NEG_INFINITY, ElementType::F16), "0xFC00");
    }

    #[test]
    fn attributes_print_in_mlir_syntax() {
        assert_eq!(Attribute::Int(-3).to_string(), "-3 : i64");
        assert_eq!(Attribute::I64Array(vec![]).to_string(), "array<i64>");
        assert_eq!(
            Attribute::I64Array(vec![1, 2]).to_string(),
            "array<i64: 1, 2>"
        );
        assert_eq!(Attribute::String("a\"b".into()).to_string(), "\"a\\\"b\"");
        let t = Tensor::from_vec(vec![2, 1], vec![1.5f32, -2.0]).unwrap();
        assert_eq!(
            Attribute::Dense(t).to_string(),
            "dense<[[1.5], [-2.0]]> : tensor<2x1xf32>"
        );
        let b = Tensor::from_vec(vec![2], vec![true, false]).unwrap();
        assert_eq!(
            Attribute::Dense(b).to_string(),
            "dense<[true, false]> : tensor<2xi1>"
        );
    }
}
