//! Elementwise ops: the unary and binary tables, variadic folds, Where, Clip and Cast.
//!
//! Floats compute in `f64` and round once to the result type; integers compute in wrapping
//! `i64` (numpy's behaviour for the narrower types); booleans have their own functions.
//! An op accepts an element kind exactly when its row has a function for it.

use super::shape::{broadcast, broadcast_indices};
use super::OpArgs;
use crate::kernel::composite as cx;
use crate::ops;
use crate::ops::OpName;
use crate::tensor::{Element, Tensor};
use crate::types::{ElementType, Shape, TensorType};

type FloatFn = fn(f64, &[f64]) -> f64;

/// A unary elementwise op. `params` are float attributes with their defaults, passed to
/// `float` in order.
pub struct UnaryDef {
    pub name: OpName,
    pub onnx: &'static str,
    pub params: &'static [(&'static str, f64)],
    pub float: Option<FloatFn>,
    pub int: Option<fn(i64) -> i64>,
    pub boolean: Option<fn(bool) -> bool>,
    /// The result is boolean (`x != 0` of what `float` returns).
    pub to_bool: bool,
}

macro_rules! unary {
    ($name:expr, $onnx:literal, params $params:expr, float $f:expr, int $i:expr, bool $b:expr $(, to_bool $tb:expr)?) => {
        UnaryDef { name: $name, onnx: $onnx, params: $params, float: $f, int: $i, boolean: $b, to_bool: false $(|| $tb)? }
    };
}

/// A composite op's value (its one definition, in `kernel::composite`).
fn composite(c: &cx::Composite, x: f64, params: &[f64]) -> f64 {
    cx::eval(c, &[x], params)
}

/// Every unary elementwise op of the graph dialect.
pub static UNARY_OPS: &[UnaryDef] = &[
    unary!(ops::GRAPH_ABS, "Abs", params &[], float Some(|x, _| x.abs()), int Some(|x| x.wrapping_abs()), bool None),
    unary!(ops::GRAPH_NEG, "Neg", params &[], float Some(|x, _| -x), int Some(|x| x.wrapping_neg()), bool None),
    unary!(ops::GRAPH_EXP, "Exp", params &[], float Some(|x, _| x.exp()), int None, bool None),
    unary!(ops::GRAPH_LOG, "Log", params &[], float Some(|x, _| x.ln()), int None, bool None),
    unary!(ops::GRAPH_SQRT, "Sqrt", params &[], float Some(|x, _| x.sqrt()), int None, bool None),
    unary!(ops::GRAPH_RECIPROCAL, "Reciprocal", params &[], float Some(|x, p| composite(&cx::RECIPROCAL, x, p)), int None, bool None),
    unary!(ops::GRAPH_SIN, "Sin", params &[], float Some(|x, _| x.sin()), int None, bool None),
    unary!(ops::GRAPH_COS, "Cos", params &[], float Some(|x, _| x.cos()), int None, bool None),
    unary!(ops::GRAPH_TAN, "Tan", params &[], float Some(|x, _| x.tan()), int None, bool None),
    unary!(ops::GRAPH_ASIN, "Asin", params &[], float Some(|x, _| x.asin()), int None, bool None),
    unary!(ops::GRAPH_ACOS, "Acos", params &[], float Some(|x, _| x.acos()), int None, bool None),
    unary!(ops::GRAPH_ATAN, "Atan", params &[], float Some(|x, _| x.atan()), int None, bool None),
    unary!(ops::GRAPH_SINH, "Sinh", params &[], float Some(|x, _| x.sinh()), int None, bool None),
    unary!(ops::GRAPH_COSH, "Cosh", params &[], float Some(|x, _| x.cosh()), int None, bool None),
    unary!(ops::GRAPH_ASINH, "Asinh", params &[], float Some(|x, _| x.asinh()), int None, bool None),
    unary!(ops::GRAPH_ACOSH, "Acosh", params &[], float Some(|x, _| x.acosh()), int None, bool None),
    unary!(ops::GRAPH_ATANH, "Atanh", params &[], float Some(|x, _| x.atanh()), int None, bool None),
    unary!(ops::GRAPH_ERF, "Erf", params &[], float Some(|x, _| libm::erf(x)), int None, bool None),
    unary!(ops::GRAPH_TANH, "Tanh", params &[], float Some(|x, _| x.tanh()), int None, bool None),
    unary!(ops::GRAPH_SIGMOID, "Sigmoid", params &[], float Some(|x, p| composite(&cx::SIGMOID, x, p)), int None, bool None),
    unary!(ops::GRAPH_RELU, "Relu", params &[], float Some(|x, p| composite(&cx::RELU, x, p)), int Some(|x| x.max(0)), bool None),
    unary!(ops::GRAPH_FLOOR, "Floor", params &[], float Some(|x, _| x.floor()), int None, bool None),
    unary!(ops::GRAPH_CEIL, "Ceil", params &[], float Some(|x, _| x.ceil()), int None, bool None),
    unary!(ops::GRAPH_ROUND, "Round", params &[], float Some(|x, _| x.round_ties_even()), int None, bool None),
    unary!(ops::GRAPH_SIGN, "Sign", params &[], float Some(|x, p| composite(&cx::SIGN, x, p)), int Some(|x| x.signum()), bool None),
    unary!(ops::GRAPH_SOFTPLUS, "Softplus", params &[], float Some(|x, p| composite(&cx::SOFTPLUS, x, p)), int None, bool None),
    unary!(ops::GRAPH_SOFTSIGN, "Softsign", params &[], float Some(|x, p| composite(&cx::SOFTSIGN, x, p)), int None, bool None),
    unary!(ops::GRAPH_IS_NAN, "IsNaN", params &[], float Some(|x, _| x.is_nan() as u8 as f64), int None, bool None, to_bool true),
    unary!(ops::GRAPH_IS_INF, "IsInf", params &[("detect_negative", 1.0), ("detect_positive", 1.0)],
        float Some(|x, p| ((x == f64::NEG_INFINITY && p[0] != 0.0) || (x == f64::INFINITY && p[1] != 0.0)) as u8 as f64),
        int None, bool None, to_bool true),
    unary!(ops::GRAPH_NOT, "Not", params &[], float None, int None, bool Some(|x| !x)),
    unary!(ops::GRAPH_BITWISE_NOT, "BitwiseNot", params &[], float None, int Some(|x| !x), bool None),
    unary!(ops::GRAPH_LEAKY_RELU, "LeakyRelu", params cx::LEAKY_RELU_PARAMS, float Some(|x, p| composite(&cx::LEAKY_RELU, x, p)), int None, bool None),
    unary!(ops::GRAPH_ELU, "Elu", params cx::ELU_PARAMS, float Some(|x, p| composite(&cx::ELU, x, p)), int None, bool None),
    unary!(ops::GRAPH_SELU, "Selu", params cx::SELU_PARAMS, float Some(|x, p| composite(&cx::SELU, x, p)), int None, bool None),
    unary!(ops::GRAPH_CELU, "Celu", params cx::CELU_PARAMS, float Some(|x, p| composite(&cx::CELU, x, p)), int None, bool None),
    unary!(ops::GRAPH_HARD_SIGMOID, "HardSigmoid", params cx::HARD_SIGMOID_PARAMS, float Some(|x, p| composite(&cx::HARD_SIGMOID, x, p)), int None, bool None),
    unary!(ops::GRAPH_HARD_SWISH, "HardSwish", params &[], float Some(|x, p| composite(&cx::HARD_SWISH, x, p)), int None, bool None),
    unary!(ops::GRAPH_THRESHOLDED_RELU, "ThresholdedRelu", params cx::THRESHOLDED_RELU_PARAMS, float Some(|x, p| composite(&cx::THRESHOLDED_RELU, x, p)), int None, bool None),
    unary!(ops::GRAPH_MISH, "Mish", params &[], float Some(|x, p| composite(&cx::MISH, x, p)), int None, bool None),
    unary!(ops::GRAPH_SHRINK, "Shrink", params cx::SHRINK_PARAMS, float Some(|x, p| composite(&cx::SHRINK, x, p)), int None, bool None),
    unary!(ops::GRAPH_SWISH, "Swish", params cx::SWISH_PARAMS, float Some(|x, p| composite(&cx::SWISH, x, p)), int None, bool None),
];

/// A binary elementwise op with numpy broadcasting.
pub struct BinaryDef {
    pub name: OpName,
    pub onnx: &'static str,
    pub float: Option<fn(f64, f64) -> f64>,
    pub int: Option<fn(i64, i64) -> i64>,
    pub boolean: Option<fn(bool, bool) -> bool>,
    /// Comparisons: the result is boolean.
    pub to_bool: bool,
    /// The operands may have different element types (Pow's base and exponent); the
    /// result has the first operand's type.
    pub mixed: bool,
}

macro_rules! binary {
    ($name:expr, $onnx:literal, float $f:expr, int $i:expr, bool $b:expr $(, $flag:ident)*) => {{
        #[allow(unused_mut)]
        let mut d = BinaryDef { name: $name, onnx: $onnx, float: $f, int: $i, boolean: $b, to_bool: false, mixed: false };
        $( d.$flag = true; )*
        d
    }};
}

fn max_nan(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        x.max(y)
    }
}

fn min_nan(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        x.min(y)
    }
}

fn int_pow(x: i64, y: i64) -> i64 {
    if y >= 0 {
        x.wrapping_pow(y.min(u32::MAX as i64) as u32)
    } else {
        match x {
            1 => 1,
            -1 if y % 2 == 0 => 1,
            -1 => -1,
            _ => 0,
        }
    }
}

fn flag(b: bool) -> f64 {
    b as u8 as f64
}

/// Every binary elementwise op of the graph dialect.
pub static BINARY_OPS: &[BinaryDef] = &{
    [
        binary!(ops::GRAPH_ADD, "Add", float Some(|x, y| x + y), int Some(|x, y| x.wrapping_add(y)), bool None),
        binary!(ops::GRAPH_SUB, "Sub", float Some(|x, y| x - y), int Some(|x, y| x.wrapping_sub(y)), bool None),
        binary!(ops::GRAPH_MUL, "Mul", float Some(|x, y| x * y), int Some(|x, y| x.wrapping_mul(y)), bool None),
        binary!(ops::GRAPH_DIV, "Div", float Some(|x, y| x / y), int Some(|x, y| if y == 0 { 0 } else { x.wrapping_div(y) }), bool None),
        binary!(ops::GRAPH_POW, "Pow", float Some(f64::powf), int Some(int_pow), bool None, mixed),
        binary!(ops::GRAPH_PRELU, "PRelu", float Some(|x, s| cx::eval(&cx::PRELU, &[x, s], &[])), int Some(|x, s| if x < 0 { s.wrapping_mul(x) } else { x }), bool None),
        binary!(ops::GRAPH_AND, "And", float None, int None, bool Some(|x, y| x && y)),
        binary!(ops::GRAPH_OR, "Or", float None, int None, bool Some(|x, y| x || y)),
        binary!(ops::GRAPH_XOR, "Xor", float None, int None, bool Some(|x, y| x ^ y)),
        binary!(ops::GRAPH_BITWISE_AND, "BitwiseAnd", float None, int Some(|x, y| x & y), bool None),
        binary!(ops::GRAPH_BITWISE_OR, "BitwiseOr", float None, int Some(|x, y| x | y), bool None),
        binary!(ops::GRAPH_BITWISE_XOR, "BitwiseXor", float None, int Some(|x, y| x ^ y), bool None),
        binary!(ops::GRAPH_EQUAL, "Equal", float Some(|x, y| flag(x == y)), int Some(|x, y| (x == y) as i64), bool Some(|x, y| x == y), to_bool),
        binary!(ops::GRAPH_LESS, "Less", float Some(|x, y| flag(x < y)), int Some(|x, y| (x < y) as i64), bool None, to_bool),
        binary!(ops::GRAPH_LESS_OR_EQUAL, "LessOrEqual", float Some(|x, y| flag(x <= y)), int Some(|x, y| (x <= y) as i64), bool None, to_bool),
        binary!(ops::GRAPH_GREATER, "Greater", float Some(|x, y| flag(x > y)), int Some(|x, y| (x > y) as i64), bool None, to_bool),
        binary!(ops::GRAPH_GREATER_OR_EQUAL, "GreaterOrEqual", float Some(|x, y| flag(x >= y)), int Some(|x, y| (x >= y) as i64), bool None, to_bool),
    ]
};

fn unary_def(name: OpName) -> Result<&'static UnaryDef, crate::IrError> {
    Ok(UNARY_OPS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| format!("'{name}' is not a unary op"))?)
}

fn binary_def(name: OpName) -> Result<&'static BinaryDef, crate::IrError> {
    Ok(BINARY_OPS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| format!("'{name}' is not a binary op"))?)
}

fn kind_name(e: ElementType) -> &'static str {
    if e.is_float() {
        "float"
    } else if e == ElementType::Bool {
        "boolean"
    } else {
        "integer"
    }
}

fn unsupported(op: &str, e: ElementType) -> String {
    format!(
        "'{op}' does not accept {} operands of type {e}",
        kind_name(e)
    )
}

pub fn infer_unary(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let def = unary_def(a.name)?;
    let t = a.input(0);
    let ok = if t.elem.is_float() {
        def.float.is_some()
    } else if t.elem == ElementType::Bool {
        def.boolean.is_some()
    } else {
        def.int.is_some()
    };
    if !ok {
        return Err(unsupported(&a.name, t.elem).into());
    }
    let elem = if def.to_bool {
        ElementType::Bool
    } else {
        t.elem
    };
    Ok(vec![TensorType::new(t.shape.clone(), elem)])
}

pub fn eval_unary(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let def = unary_def(a.name)?;
    let t = x[0];
    let out_elem = if def.to_bool {
        ElementType::Bool
    } else {
        t.elem()
    };
    let shape = t.shape().clone();
    let out = if t.elem().is_float() {
        let f = def.float.ok_or_else(|| unsupported(&a.name, t.elem()))?;
        let params = def
            .params
            .iter()
            .map(|(n, d)| a.float_or(n, *d))
            .collect::<Result<Vec<_>, _>>()?;
        let v: Vec<f64> = t.to_f64s().into_iter().map(|x| f(x, &params)).collect();
        Tensor::from_f64s(out_elem, shape, &v)
    } else if t.elem() == ElementType::Bool {
        let f = def.boolean.ok_or_else(|| unsupported(&a.name, t.elem()))?;
        Tensor::from_bools(shape, t.to_bools().into_iter().map(f).collect())
    } else {
        let f = def.int.ok_or_else(|| unsupported(&a.name, t.elem()))?;
        let v: Vec<i64> = t.to_i64s().into_iter().map(f).collect();
        Tensor::from_i64s(out_elem, shape, &v)
    };
    Ok(vec![out])
}

pub fn infer_binary(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let def = binary_def(a.name)?;
    let (l, r) = (a.input(0), a.input(1));
    if !def.mixed && l.elem != r.elem {
        return Err(format!(
            "'{}' needs operands of one element type, found {} and {}",
            a.name, l.elem, r.elem
        )
        .into());
    }
    for e in [l.elem, r.elem] {
        let ok = if def.mixed {
            e != ElementType::Bool && (def.float.is_some() || !e.is_float())
        } else if e.is_float() {
            def.float.is_some()
        } else if e == ElementType::Bool {
            def.boolean.is_some()
        } else {
            def.int.is_some()
        };
        if !ok {
            return Err(unsupported(&a.name, e).into());
        }
    }
    let shape = broadcast(&[&l.shape, &r.shape])?;
    let elem = if def.to_bool {
        ElementType::Bool
    } else {
        l.elem
    };
    Ok(vec![TensorType::new(shape, elem)])
}

/// Applies `def` to two broadcast operands.
fn apply_binary(def: &BinaryDef, l: &Tensor, r: &Tensor) -> Result<Tensor, crate::IrError> {
    let shape = broadcast(&[l.shape(), r.shape()])?;
    let li = broadcast_indices(&shape, l.shape());
    let ri = broadcast_indices(&shape, r.shape());
    let out_elem = if def.to_bool {
        ElementType::Bool
    } else {
        l.elem()
    };
    let (le, re) = (l.elem(), r.elem());
    if le == ElementType::Bool && re == ElementType::Bool {
        let f = def.boolean.ok_or_else(|| unsupported(&def.name, le))?;
        let (lv, rv) = (l.to_bools(), r.to_bools());
        return Ok(Tensor::from_bools(
            shape,
            li.iter().zip(&ri).map(|(&i, &j)| f(lv[i], rv[j])).collect(),
        ));
    }
    if le.is_float() || re.is_float() {
        let f = def.float.ok_or_else(|| unsupported(&def.name, le))?;
        let (lv, rv) = (l.to_f64s(), r.to_f64s());
        let v: Vec<f64> = li.iter().zip(&ri).map(|(&i, &j)| f(lv[i], rv[j])).collect();
        // An integer base with a float exponent truncates like numpy's astype.
        return Ok(Tensor::from_f64s(out_elem, shape, &v));
    }
    let f = def.int.ok_or_else(|| unsupported(&def.name, le))?;
    let (lv, rv) = (l.to_i64s(), r.to_i64s());
    let v: Vec<i64> = if le == ElementType::U64 && u64_binary(def.name, 0, 1).is_some() {
        li.iter()
            .zip(&ri)
            .map(|(&i, &j)| u64_binary(def.name, lv[i], rv[j]).unwrap_or(0))
            .collect()
    } else {
        li.iter().zip(&ri).map(|(&i, &j)| f(lv[i], rv[j])).collect()
    };
    Ok(Tensor::from_i64s(out_elem, shape, &v))
}

pub fn eval_binary(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    Ok(vec![apply_binary(binary_def(a.name)?, x[0], x[1])?])
}

/// Applies a float or integer function to two broadcast operands of one element type.
fn broadcast_map(
    l: &Tensor,
    r: &Tensor,
    float: impl Fn(f64, f64) -> f64,
    int: impl Fn(i64, i64) -> i64,
) -> Result<Tensor, crate::IrError> {
    let shape = broadcast(&[l.shape(), r.shape()])?;
    let li = broadcast_indices(&shape, l.shape());
    let ri = broadcast_indices(&shape, r.shape());
    if l.elem().is_float() {
        let (lv, rv) = (l.to_f64s(), r.to_f64s());
        let v: Vec<f64> = li
            .iter()
            .zip(&ri)
            .map(|(&i, &j)| float(lv[i], rv[j]))
            .collect();
        Ok(Tensor::from_f64s(l.elem(), shape, &v))
    } else {
        let (lv, rv) = (l.to_i64s(), r.to_i64s());
        let v: Vec<i64> = li
            .iter()
            .zip(&ri)
            .map(|(&i, &j)| int(lv[i], rv[j]))
            .collect();
        Ok(Tensor::from_i64s(l.elem(), shape, &v))
    }
}

pub fn infer_binary_same(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (l, r) = (a.input(0), a.input(1));
    if l.elem != r.elem || l.elem == ElementType::Bool {
        return Err(format!(
            "'{}' needs numeric operands of one element type, found {} and {}",
            a.name, l.elem, r.elem
        )
        .into());
    }
    Ok(vec![TensorType::new(
        broadcast(&[&l.shape, &r.shape])?,
        l.elem,
    )])
}

/// Mod on floats: C's `fmod` with `fmod`, else the divisor's sign (Python's `%`).
pub fn mod_float(p: f64, q: f64, fmod: bool) -> f64 {
    let m = p % q;
    if !fmod && m != 0.0 && ((m < 0.0) != (q < 0.0)) {
        m + q
    } else {
        m
    }
}

/// Mod on integers (0 for a zero divisor), truncating with `fmod`, else floored.
/// Binary ops on u64 operands where the unsigned rules differ from i64's (values past
/// i64::MAX arrive as their bit patterns): division, comparisons, max and min. `None` for
/// ops whose wrapping i64 form is also the unsigned one. `name` is the graph op's.
pub fn u64_binary(name: OpName, x: i64, y: i64) -> Option<i64> {
    let (p, q) = (x as u64, y as u64);
    Some(match name {
        ops::GRAPH_DIV => p.checked_div(q).unwrap_or(0) as i64,
        ops::GRAPH_LESS => (p < q) as i64,
        ops::GRAPH_LESS_OR_EQUAL => (p <= q) as i64,
        ops::GRAPH_GREATER => (p > q) as i64,
        ops::GRAPH_GREATER_OR_EQUAL => (p >= q) as i64,
        ops::GRAPH_MAX => p.max(q) as i64,
        ops::GRAPH_MIN => p.min(q) as i64,
        ops::GRAPH_MOD => p.checked_rem(q).unwrap_or(0) as i64,
        _ => return None,
    })
}

/// `bit_shift` for u64 operands: a logical right shift.
pub fn u64_bit_shift(p: i64, q: i64, left: bool) -> i64 {
    if !(0..64).contains(&q) {
        0
    } else if left {
        p.wrapping_shl(q as u32)
    } else {
        ((p as u64) >> q) as i64
    }
}

pub fn mod_int(p: i64, q: i64, fmod: bool) -> i64 {
    if q == 0 {
        0
    } else if fmod {
        p.wrapping_rem(q)
    } else {
        p.wrapping_rem(q).wrapping_add(q).wrapping_rem(q)
    }
}

/// A shift of a `bits`-wide integer; shifting by a negative amount or by the width or
/// more shifts every bit out: 0, or the sign fill for an arithmetic right shift.
pub fn bit_shift(p: i64, q: i64, left: bool, bits: i64) -> i64 {
    if !(0..bits).contains(&q) {
        if !left && p < 0 {
            -1
        } else {
            0
        }
    } else if left {
        p.wrapping_shl(q as u32)
    } else {
        p >> q
    }
}

/// GELU, exact (erf) or with the tanh approximation.
pub fn gelu(x: f64, tanh: bool) -> f64 {
    composite(if tanh { &cx::GELU_TANH_FORM } else { &cx::GELU }, x, &[])
}

/// Reads Gelu's `approximate` attribute: whether it asks for the tanh form.
pub fn gelu_is_tanh(a: &OpArgs) -> Result<bool, crate::IrError> {
    match a.string_or("approximate", "none")? {
        "none" => Ok(false),
        "tanh" => Ok(true),
        other => Err(format!("'approximate' must be none or tanh, found '{other}'").into()),
    }
}

/// Reads BitShift's `direction`: whether it shifts left.
pub fn shifts_left(a: &OpArgs) -> Result<bool, crate::IrError> {
    match a.string_or("direction", "")? {
        "LEFT" => Ok(true),
        "RIGHT" => Ok(false),
        other => Err(format!("'direction' must be LEFT or RIGHT, found '{other}'").into()),
    }
}

pub fn eval_mod(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let fmod = a.int_or("fmod", 0)? != 0;
    let unsigned = x[0].elem() == ElementType::U64;
    let out = broadcast_map(
        x[0],
        x[1],
        |p, q| mod_float(p, q, fmod),
        |p, q| {
            if unsigned {
                u64_binary(ops::GRAPH_MOD, p, q).unwrap_or(0)
            } else {
                mod_int(p, q, fmod)
            }
        },
    )?;
    Ok(vec![out])
}

pub fn eval_bit_shift(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let bits = x[0].elem().int_bits() as i64;
    let left = shifts_left(a)?;
    let unsigned = x[0].elem() == ElementType::U64;
    let out = broadcast_map(
        x[0],
        x[1],
        |p, _| p,
        |p, q| {
            if unsigned {
                u64_bit_shift(p, q, left)
            } else {
                bit_shift(p, q, left, bits)
            }
        },
    )?;
    Ok(vec![out])
}

pub fn infer_variadic(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let elem = a.input(0).elem;
    if a.inputs.iter().any(|t| t.elem != elem) || elem == ElementType::Bool {
        return Err(format!("'{}' needs numeric operands of one element type", a.name).into());
    }
    if a.name == ops::GRAPH_MEAN && !elem.is_float() {
        return Err(unsupported(&a.name, elem).into());
    }
    let shapes: Vec<&Shape> = a.inputs.iter().map(|t| &t.shape).collect();
    Ok(vec![TensorType::new(broadcast(&shapes)?, elem)])
}

pub fn eval_variadic(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let fold: fn(f64, f64) -> f64 = match a.name {
        ops::GRAPH_MAX => max_nan,
        ops::GRAPH_MIN => min_nan,
        _ => |p, q| p + q,
    };
    let unsigned = x[0].elem() == ElementType::U64;
    let fold_int: fn(i64, i64) -> i64 = match a.name {
        ops::GRAPH_MAX if unsigned => |p, q| (p as u64).max(q as u64) as i64,
        ops::GRAPH_MIN if unsigned => |p, q| (p as u64).min(q as u64) as i64,
        ops::GRAPH_MAX => |p, q| p.max(q),
        ops::GRAPH_MIN => |p, q| p.min(q),
        _ => |p, q| p.wrapping_add(q),
    };
    let mut acc = x[0].clone();
    for t in &x[1..] {
        acc = broadcast_map(&acc, t, fold, fold_int)?;
    }
    if a.name == ops::GRAPH_MEAN {
        let n = x.len() as f64;
        let v: Vec<f64> = acc.to_f64s().into_iter().map(|s| s / n).collect();
        acc = Tensor::from_f64s(acc.elem(), acc.shape().clone(), &v);
    }
    Ok(vec![acc])
}

pub fn infer_where(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (c, x, y) = (a.input(0), a.input(1), a.input(2));
    if c.elem != ElementType::Bool {
        return Err(format!("condition must be i1, found {}", c.elem).into());
    }
    if x.elem != y.elem {
        return Err(format!(
            "branches have different element types {} and {}",
            x.elem, y.elem
        )
        .into());
    }
    Ok(vec![TensorType::new(
        broadcast(&[&c.shape, &x.shape, &y.shape])?,
        x.elem,
    )])
}

/// Picks, per element, `x[xi]` where `pick` holds, else `y[yi]`, keeping exact values.
fn select(
    shape: Shape,
    pick: &[bool],
    x: &Tensor,
    xi: &[usize],
    y: &Tensor,
    yi: &[usize],
) -> Tensor {
    let data = crate::with_data!(x.data(), xv => {
        let yv = Element::slice(y.data()).expect("branches share an element type");
        let out: Vec<_> = (0..pick.len()).map(|i| if pick[i] { xv[xi[i]] } else { yv[yi[i]] }).collect();
        Element::into_data(out)
    });
    Tensor::new(shape, data).expect("select builds a full tensor")
}

pub fn eval_where(_a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let shape = broadcast(&[x[0].shape(), x[1].shape(), x[2].shape()])?;
    let c = x[0].to_bools();
    let ci = broadcast_indices(&shape, x[0].shape());
    let pick: Vec<bool> = ci.iter().map(|&i| c[i]).collect();
    let xi = broadcast_indices(&shape, x[1].shape());
    let yi = broadcast_indices(&shape, x[2].shape());
    Ok(vec![select(shape, &pick, x[1], &xi, x[2], &yi)])
}

pub fn infer_same(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    Ok(vec![a.input(0).clone()])
}

pub fn infer_float_same(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    if !a.input(0).elem.is_float() {
        return Err(unsupported(&a.name, a.input(0).elem).into());
    }
    infer_same(a)
}

pub fn eval_clip(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let bound = |name: &str| -> Result<Option<Tensor>, crate::IrError> {
        match a.dense_opt(name)? {
            None => Ok(None),
            Some(b) if b.numel() == 1 => Ok(Some(b.clone())),
            Some(b) => Err(format!("'{name}' must be a scalar, found shape {:?}", b.dims()).into()),
        }
    };
    let (lo, hi) = (bound("min")?, bound("max")?);
    let out = if t.elem().is_float() {
        let lo = lo.map_or(f64::NEG_INFINITY, |b| b.to_f64s()[0]);
        let hi = hi.map_or(f64::INFINITY, |b| b.to_f64s()[0]);
        let v: Vec<f64> = t
            .to_f64s()
            .into_iter()
            .map(|v| if v.is_nan() { v } else { v.max(lo).min(hi) })
            .collect();
        Tensor::from_f64s(t.elem(), t.shape().clone(), &v)
    } else {
        let lo = lo.map_or(i64::MIN, |b| b.to_i64s()[0]);
        let hi = hi.map_or(i64::MAX, |b| b.to_i64s()[0]);
        let v: Vec<i64> = t.to_i64s().into_iter().map(|v| v.max(lo).min(hi)).collect();
        Tensor::from_i64s(t.elem(), t.shape().clone(), &v)
    };
    Ok(vec![out])
}

pub fn infer_cast(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    Ok(vec![TensorType::new(
        a.input(0).shape.clone(),
        a.elem_type("to")?,
    )])
}

pub fn eval_cast(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let to = a.elem_type("to")?;
    Ok(vec![x[0].cast_saturating(to, cast_saturates(a)?)])
}

/// Cast's `saturate` (default on): whether a float8 overflow becomes the largest finite
/// value rather than infinity or NaN.
pub fn cast_saturates(a: &OpArgs) -> Result<bool, crate::IrError> {
    Ok(a.int_or("saturate", 1)? != 0)
}

pub fn infer_bitcast(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let x = a.input(0);
    let to = a.elem_type("to")?;
    if !bitcast_allowed(x.elem, to) {
        return Err(format!(
            "bitcast needs types of one width, {} has {} bits and {to} {}",
            x.elem,
            bit_width(x.elem),
            bit_width(to)
        )
        .into());
    }
    Ok(vec![TensorType::new(x.shape.clone(), to)])
}

fn bit_width(e: ElementType) -> u32 {
    e.value_bits()
}

/// Equal widths, or a storage type and its byte (`u8`), which is how lowerings reach a
/// storage type's bits.
pub fn bitcast_allowed(from: ElementType, to: ElementType) -> bool {
    let byte = |a: ElementType, b: ElementType| a.is_storage() && b == ElementType::U8;
    bit_width(from) == bit_width(to) || byte(from, to) || byte(to, from)
}

pub fn eval_bitcast(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let to = a.elem_type("to")?;
    let t = x[0];
    if to == ElementType::Bool {
        // A byte other than 0 or 1 is no boolean ONNX has; it reads as true.
        return Ok(vec![Tensor::from_bools(
            t.shape().clone(),
            t.to_le_bytes().into_iter().map(|b| b != 0).collect(),
        )]);
    }
    Ok(vec![Tensor::from_le_bytes(
        to,
        t.shape().clone(),
        &t.to_le_bytes(),
    )?])
}

pub fn eval_gelu(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let tanh = gelu_is_tanh(a)?;
    let v: Vec<f64> = x[0].to_f64s().into_iter().map(|x| gelu(x, tanh)).collect();
    Ok(vec![Tensor::from_f64s(
        x[0].elem(),
        x[0].shape().clone(),
        &v,
    )])
}
