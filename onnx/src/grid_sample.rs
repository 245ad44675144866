//! GridSample, written at import as the graph ops of its definition: the grid's
//! coordinates unnormalized and padded (border clamp, reflection) elementwise, each
//! interpolation tap (1, 2 or 4 per spatial axis for nearest, linear, cubic) a gather from
//! the flattened image weighted by its coefficients — every op with a static shape.
//! DeformConv is built on it: its taps are bilinear samples at offset places.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, OpName};

/// Keys' cubic convolution parameter, as ONNX and PyTorch use it.
const CUBIC_A: f64 = -0.75;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    Nearest,
    Linear,
    Cubic,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Padding {
    Zeros,
    Border,
    Reflection,
}

struct Ops<'b, 'i, 'a, 'n> {
    b: &'b mut Builder<'i, 'a, 'n>,
    elem: ElementType,
}

impl Ops<'_, '_, '_, '_> {
    fn k(&mut self, v: f64) -> usize {
        self.b.scalar(self.elem, v)
    }
    fn bin(&mut self, op: OpName, a: usize, c: usize) -> Result<usize, ImportError> {
        self.b.op(op, &[a, c], &[])
    }
    fn bin_k(&mut self, op: OpName, a: usize, v: f64) -> Result<usize, ImportError> {
        let c = self.k(v);
        self.bin(op, a, c)
    }
    fn un(&mut self, op: OpName, a: usize) -> Result<usize, ImportError> {
        self.b.op(op, &[a], &[])
    }
    fn select(&mut self, c: usize, a: usize, e: usize) -> Result<usize, ImportError> {
        self.b.op(names::GRAPH_WHERE, &[c, a, e], &[])
    }
    fn cast(&mut self, a: usize, to: ElementType) -> Result<usize, ImportError> {
        self.b.cast(a, to)
    }
    fn clamp(&mut self, a: usize, lo: f64, hi: f64) -> Result<usize, ImportError> {
        let a = self.bin_k(names::GRAPH_MAX, a, lo)?;
        self.bin_k(names::GRAPH_MIN, a, hi)
    }

    /// `v` reflected at `lo` and `hi` until it lies between them.
    fn reflect(&mut self, v: usize, lo: f64, hi: f64) -> Result<usize, ImportError> {
        let range = hi - lo;
        if range <= 0.0 {
            let zero = self.bin_k(names::GRAPH_MUL, v, 0.0)?;
            return self.bin_k(names::GRAPH_ADD, zero, lo);
        }
        let below = self.bin_k(names::GRAPH_LESS, v, lo)?;
        let above = self.bin_k(names::GRAPH_GREATER, v, hi)?;
        let lo_k = self.k(lo);
        let from_lo = self.bin(names::GRAPH_SUB, lo_k, v)?;
        let from_hi = self.bin_k(names::GRAPH_SUB, v, hi)?;
        let dx = self.select(below, from_lo, from_hi)?;
        let q = self.bin_k(names::GRAPH_DIV, dx, range)?;
        let n = self.un(names::GRAPH_FLOOR, q)?;
        let nr = self.bin_k(names::GRAPH_MUL, n, range)?;
        let r = self.bin(names::GRAPH_SUB, dx, nr)?;
        // n even: n - 2·floor(n/2) is 0.
        let half = self.bin_k(names::GRAPH_MUL, n, 0.5)?;
        let half = self.un(names::GRAPH_FLOOR, half)?;
        let twice = self.bin_k(names::GRAPH_MUL, half, 2.0)?;
        let parity = self.bin(names::GRAPH_SUB, n, twice)?;
        let even = self.bin_k(names::GRAPH_LESS, parity, 0.5)?;
        let up = self.bin_k(names::GRAPH_ADD, r, lo)?;
        let hi_k = self.k(hi);
        let down = self.bin(names::GRAPH_SUB, hi_k, r)?;
        let low_side = self.select(even, up, down)?;
        let high_side = self.select(even, down, up)?;
        let inside_or_high = self.select(above, high_side, v)?;
        self.select(below, low_side, inside_or_high)
    }

    /// Keys' cubic coefficients of the four taps around a fraction `t` in [0, 1).
    fn cubic(&mut self, t: usize) -> Result<[usize; 4], ImportError> {
        let a = CUBIC_A;
        // Far taps (distance 1 + t and 2 - t): ((a·x - 5a)·x + 8a)·x - 4a.
        let far = |o: &mut Self, x: usize| -> Result<usize, ImportError> {
            let p = o.bin_k(names::GRAPH_MUL, x, a)?;
            let p = o.bin_k(names::GRAPH_SUB, p, 5.0 * a)?;
            let p = o.bin(names::GRAPH_MUL, p, x)?;
            let p = o.bin_k(names::GRAPH_ADD, p, 8.0 * a)?;
            let p = o.bin(names::GRAPH_MUL, p, x)?;
            o.bin_k(names::GRAPH_SUB, p, 4.0 * a)
        };
        // Near taps (distance t and 1 - t): ((a + 2)·x - (a + 3))·x·x + 1.
        let near = |o: &mut Self, x: usize| -> Result<usize, ImportError> {
            let p = o.bin_k(names::GRAPH_MUL, x, a + 2.0)?;
            let p = o.bin_k(names::GRAPH_SUB, p, a + 3.0)?;
            let p = o.bin(names::GRAPH_MUL, p, x)?;
            let p = o.bin(names::GRAPH_MUL, p, x)?;
            o.bin_k(names::GRAPH_ADD, p, 1.0)
        };
        let one = self.k(1.0);
        let two = self.k(2.0);
        let t1 = self.bin_k(names::GRAPH_ADD, t, 1.0)?;
        let m1 = self.bin(names::GRAPH_SUB, one, t)?;
        let m2 = self.bin(names::GRAPH_SUB, two, t)?;
        Ok([
            far(self, t1)?,
            near(self, t)?,
            near(self, m1)?,
            far(self, m2)?,
        ])
    }
}

/// One interpolation tap along one axis: the flat offset it adds, its weight and (with
/// zero padding) whether it lies inside the image.
struct Tap {
    offset: usize,
    weight: Option<usize>,
    inside: Option<usize>,
}

pub(crate) fn grid_sample(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (x, grid) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let mode = match node.attr_string("mode", "linear").as_str() {
        "nearest" => Mode::Nearest,
        "linear" | "bilinear" => Mode::Linear,
        "cubic" | "bicubic" => Mode::Cubic,
        other => return Err(node.error(format!("unknown mode '{other}'"))),
    };
    let padding = match node.attr_string("padding_mode", "zeros").as_str() {
        "zeros" => Padding::Zeros,
        "border" => Padding::Border,
        "reflection" => Padding::Reflection,
        other => return Err(node.error(format!("unknown padding_mode '{other}'"))),
    };
    let align = node.attr_int("align_corners").unwrap_or(0) != 0;
    let mut b = Builder { imp, node };
    let coords = if align {
        Coords::Corners
    } else {
        Coords::Centers
    };
    Ok(vec![sample(&mut b, x, grid, mode, padding, coords)?])
}

/// How a grid's coordinates map to pixels.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Coords {
    /// Normalized, -1 and 1 the centers of the corner pixels (`align_corners = 1`).
    Corners,
    /// Normalized, -1 and 1 the outer edges of the corner pixels.
    Centers,
    /// Pixel coordinates themselves (with `Corners`' bounds).
    Pixels,
}

/// `x` [N, C, spatial...] sampled at `grid` [N, out..., d] (the last axis listing the
/// last spatial axis first): [N, C, out...].
pub(crate) fn sample(
    b: &mut Builder,
    x: usize,
    grid: usize,
    mode: Mode,
    padding: Padding,
    coords: Coords,
) -> Result<usize, ImportError> {
    let node = b.node;
    let align = coords != Coords::Centers;
    let (xd, gd) = (b.dims(x), b.dims(grid));
    let elem = b.imp.values[x].ty.elem;
    let d = xd.len().saturating_sub(2);
    if d == 0 || gd.len() != d + 2 || gd[0] != xd[0] || gd[d + 1] != d || !elem.is_float() {
        return Err(node.error(format!(
            "X {xd:?} ({elem}) and grid {gd:?} do not fit: X is [N, C, spatial...] of floats, grid [N, out..., {d}]"
        )));
    }
    if mode == Mode::Cubic && d != 2 {
        return Err(node.unsupported("cubic sampling of a volume (ONNX defines it for 2-D images)"));
    }
    let (n, c) = (xd[0], xd[1]);
    let sizes = &xd[2..];
    let out: Vec<usize> = gd[1..=d].to_vec();
    let g_elem = b.imp.values[grid].ty.elem;
    let mut o = Ops { b, elem };
    let grid = if g_elem != elem {
        o.cast(grid, elem)?
    } else {
        grid
    };
    let mut coord_shape = vec![n, 1];
    coord_shape.extend(&out);
    let mut strides = vec![1usize; d];
    for i in (0..d.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * sizes[i + 1];
    }
    let mut per_axis: Vec<Vec<Tap>> = Vec::with_capacity(d);
    for i in 0..d {
        let size = sizes[i] as f64;
        // The grid's last axis lists x (the last spatial axis) first.
        let ch = (d - 1 - i) as i64;
        let g = o.b.op(
            names::GRAPH_SLICE,
            &[grid],
            &[
                ("starts", Attribute::I64Array(vec![ch])),
                ("ends", Attribute::I64Array(vec![ch + 1])),
                ("axes", Attribute::I64Array(vec![d as i64 + 1])),
            ],
        )?;
        let g = o.b.reshape(g, &coord_shape)?;
        let mut v = match coords {
            Coords::Pixels => g,
            Coords::Corners => {
                let g1 = o.bin_k(names::GRAPH_ADD, g, 1.0)?;
                o.bin_k(names::GRAPH_MUL, g1, (size - 1.0) / 2.0)?
            }
            Coords::Centers => {
                let g1 = o.bin_k(names::GRAPH_ADD, g, 1.0)?;
                let s = o.bin_k(names::GRAPH_MUL, g1, size / 2.0)?;
                o.bin_k(names::GRAPH_SUB, s, 0.5)?
            }
        };
        if mode == Mode::Nearest {
            v = o.un(names::GRAPH_ROUND, v)?;
        }
        let (lo, hi) = if align {
            (0.0, size - 1.0)
        } else {
            (-0.5, size - 0.5)
        };
        v = match padding {
            Padding::Zeros => v,
            Padding::Border => {
                let clamped = o.clamp(v, 0.0, size - 1.0)?;
                let below = o.bin_k(names::GRAPH_LESS, v, lo)?;
                let above = o.bin_k(names::GRAPH_GREATER, v, hi)?;
                let outside = o.bin(names::GRAPH_OR, below, above)?;
                o.select(outside, clamped, v)?
            }
            Padding::Reflection => o.reflect(v, lo, hi)?,
        };
        // The taps' positions and weights.
        let mut taps: Vec<(usize, Option<usize>)> = Vec::new();
        match mode {
            Mode::Nearest => taps.push((v, None)),
            Mode::Linear | Mode::Cubic => {
                let base = o.un(names::GRAPH_FLOOR, v)?;
                let t = o.bin(names::GRAPH_SUB, v, base)?;
                if mode == Mode::Linear {
                    let one = o.k(1.0);
                    let w0 = o.bin(names::GRAPH_SUB, one, t)?;
                    let p1 = o.bin_k(names::GRAPH_ADD, base, 1.0)?;
                    taps.push((base, Some(w0)));
                    taps.push((p1, Some(t)));
                } else {
                    let w = o.cubic(t)?;
                    for (k, w) in (-1i32..=2).zip(w) {
                        let p = o.bin_k(names::GRAPH_ADD, base, k as f64)?;
                        taps.push((p, Some(w)));
                    }
                }
            }
        }
        let mut axis = Vec::with_capacity(taps.len());
        for (p, weight) in taps {
            let inside = if padding == Padding::Zeros {
                let neg = o.bin_k(names::GRAPH_LESS, p, 0.0)?;
                let past = o.bin_k(names::GRAPH_GREATER, p, size - 1.0)?;
                let out = o.bin(names::GRAPH_OR, neg, past)?;
                let inside = o.un(names::GRAPH_NOT, out)?;
                Some(o.cast(inside, elem)?)
            } else {
                None
            };
            let p = if padding == Padding::Reflection && mode != Mode::Nearest {
                o.reflect(p, lo, hi)?
            } else {
                p
            };
            let p = o.clamp(p, 0.0, size - 1.0)?;
            let index = o.cast(p, ElementType::I64)?;
            let stride = o.b.constant(strata_ir::Tensor::scalar(strides[i] as i64));
            let offset = o.bin(names::GRAPH_MUL, index, stride)?;
            axis.push(Tap {
                offset,
                weight,
                inside,
            });
        }
        per_axis.push(axis);
    }
    let total: usize = sizes.iter().product();
    let points: usize = out.iter().product();
    let flat = o.b.reshape(x, &[n, c, total])?;
    let mut full = vec![n as i64, c as i64];
    full.extend(out.iter().map(|&v| v as i64));
    let mut result_shape = vec![n, c];
    result_shape.extend(&out);
    let mut sum: Option<usize> = None;
    let mut choice = vec![0usize; d];
    loop {
        let (mut offset, mut weight, mut inside) = (None::<usize>, None::<usize>, None::<usize>);
        for (i, &k) in choice.iter().enumerate() {
            let tap = &per_axis[i][k];
            let combine = |o: &mut Ops, acc: Option<usize>, v: Option<usize>, op| match (acc, v) {
                (Some(a), Some(v)) => o.bin(op, a, v).map(Some),
                (a, v) => Ok(a.or(v)),
            };
            offset = combine(&mut o, offset, Some(tap.offset), names::GRAPH_ADD)?;
            weight = combine(&mut o, weight, tap.weight, names::GRAPH_MUL)?;
            inside = combine(&mut o, inside, tap.inside, names::GRAPH_MUL)?;
        }
        let offset = offset.expect("at least one axis");
        let index = o.b.op(
            names::GRAPH_EXPAND,
            &[offset],
            &[("shape", Attribute::I64Array(full.clone()))],
        )?;
        let index = o.b.reshape(index, &[n, c, points])?;
        let picked = o.b.op(
            names::GRAPH_GATHER_ELEMENTS,
            &[flat, index],
            &[("axis", Attribute::Int(2))],
        )?;
        let mut term = o.b.reshape(picked, &result_shape)?;
        for f in [weight, inside].into_iter().flatten() {
            term = o.bin(names::GRAPH_MUL, term, f)?;
        }
        sum = Some(match sum {
            Some(s) => o.bin(names::GRAPH_ADD, s, term)?,
            None => term,
        });
        // The next combination of taps, the last axis fastest.
        let mut i = d;
        loop {
            if i == 0 {
                return Ok(sum.expect("one term at least"));
            }
            i -= 1;
            choice[i] += 1;
            if choice[i] < per_axis[i].len() {
                break;
            }
            choice[i] = 0;
        }
    }
}

/// `DeformConv` (2-D): each kernel tap samples the input bilinearly (zeros outside) at its
/// place moved by the offsets (the GridSample above, on pixel coordinates), weighted by
/// the mask, then the taps are summed against the weights group by group as one product.
pub(crate) fn deform_conv(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (x, w, offset) = (
        imp.required(node, 0)?,
        imp.required(node, 1)?,
        imp.required(node, 2)?,
    );
    let (bias, mask) = (node.input(3), node.input(4));
    let mut b = Builder { imp, node };
    let (xd, wd, od) = (b.dims(x), b.dims(w), b.dims(offset));
    let elem = b.imp.values[x].ty.elem;
    if xd.len() != 4 || wd.len() != 4 || od.len() != 4 || !elem.is_float() {
        return Err(node.unsupported(format!(
            "X {xd:?}, W {wd:?}, offset {od:?}: Strata's DeformConv is 2-D over float images"
        )));
    }
    let ints = |name: &str, default: [i64; 2]| -> Vec<i64> {
        node.attr_ints(name).unwrap_or_else(|| default.to_vec())
    };
    let (n, c, h, wi) = (xd[0], xd[1], xd[2], xd[3]);
    let (o_ch, cg) = (wd[0], wd[1]);
    let kernel = ints("kernel_shape", [wd[2] as i64, wd[3] as i64]);
    let strides = ints("strides", [1, 1]);
    let dilations = ints("dilations", [1, 1]);
    let pads = node.attr_ints("pads").unwrap_or_else(|| vec![0; 4]);
    let group = node.attr_int("group").unwrap_or(1).max(1) as usize;
    let og = node.attr_int("offset_group").unwrap_or(1).max(1) as usize;
    let (kh, kw) = (kernel[0] as usize, kernel[1] as usize);
    let (oh, ow) = (od[2], od[3]);
    let taps = kh * kw;
    let consistent = kernel.len() == 2
        && pads.len() == 4
        && [wd[2], wd[3]] == [kh, kw]
        && cg * group == c
        && o_ch % group == 0
        && c % og == 0
        && od[0] == n
        && od[1] == og * taps * 2;
    if !consistent {
        return Err(node.error(format!(
            "X {xd:?}, W {wd:?} and offset {od:?} do not fit kernel {kernel:?}, group {group} and offset_group {og}"
        )));
    }
    // Each tap's place before the offsets, [1, 1, kh, kw, 2, oh, ow], y then x.
    let size = node.fold_size("the taps' base places", &[taps, 2, oh, ow])?;
    let mut base = Vec::with_capacity(size);
    for ki in 0..kh {
        for kj in 0..kw {
            for axis in 0..2 {
                for i in 0..oh {
                    for j in 0..ow {
                        let (k, p) = if axis == 0 { (ki, i) } else { (kj, j) };
                        let v = -pads[axis] + strides[axis] * p as i64 + dilations[axis] * k as i64;
                        base.push(v as f64);
                    }
                }
            }
        }
    }
    let base = b.constant(strata_ir::Tensor::from_f64s(
        elem,
        strata_ir::Shape::new([1, 1, kh, kw, 2, oh, ow]),
        &base,
    ));
    let off = b.cast(offset, elem)?;
    let off = b.reshape(off, &[n, og, kh, kw, 2, oh, ow])?;
    let at = b.op(names::GRAPH_ADD, &[off, base], &[])?;
    // The grid: [N·og, kh·kw·oh, ow, 2] with x first.
    let at = b.op(
        names::GRAPH_TRANSPOSE,
        &[at],
        &[("perm", Attribute::I64Array(vec![0, 1, 2, 3, 5, 6, 4]))],
    )?;
    let pick = |b: &mut Builder, k: i64| {
        b.op(
            names::GRAPH_SLICE,
            &[at],
            &[
                ("starts", Attribute::I64Array(vec![k])),
                ("ends", Attribute::I64Array(vec![k + 1])),
                ("axes", Attribute::I64Array(vec![6])),
            ],
        )
    };
    let (ys, xs) = (pick(&mut b, 0)?, pick(&mut b, 1)?);
    let grid = b.op(
        names::GRAPH_CONCAT,
        &[xs, ys],
        &[("axis", Attribute::Int(6))],
    )?;
    let grid = b.reshape(grid, &[n * og, taps * oh, ow, 2])?;
    let cog = c / og;
    let images = b.reshape(x, &[n * og, cog, h, wi])?;
    let sampled = sample(
        &mut b,
        images,
        grid,
        Mode::Linear,
        Padding::Zeros,
        Coords::Pixels,
    )?;
    let mut sampled = b.reshape(sampled, &[n, og, cog, kh, kw, oh, ow])?;
    if let Some(mask) = mask {
        let mask = b.cast(mask, elem)?;
        let mask = b.reshape(mask, &[n, og, 1, kh, kw, oh, ow])?;
        sampled = b.op(names::GRAPH_MUL, &[sampled, mask], &[])?;
    }
    // Channel c is group c / cg's: [N, group, cg·kh·kw, oh·ow] against [group, o/group, cg·kh·kw].
    let cols = b.reshape(sampled, &[n, group, cg * taps, oh * ow])?;
    let w = b.cast(w, elem)?;
    let w = b.reshape(w, &[1, group, o_ch / group, cg * taps])?;
    let y = b.op(names::GRAPH_MATMUL, &[w, cols], &[])?;
    let mut y = b.reshape(y, &[n, o_ch, oh, ow])?;
    if let Some(bias) = bias {
        let bias = b.cast(bias, elem)?;
        let bias = b.reshape(bias, &[1, o_ch, 1, 1])?;
        y = b.op(names::GRAPH_ADD, &[y, bias], &[])?;
    }
    Ok(vec![y])
}
