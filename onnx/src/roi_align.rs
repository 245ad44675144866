//! RoiAlign, written at import as the graph ops of its definition: per region, bin and
//! sample, the sample's coordinates computed from the region elementwise, its four
//! bilinear neighbours gathered from the region's image, then averaged (or, in `max`
//! mode, the largest weighted neighbour taken) over the bin's samples.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, OpName, Shape, Tensor};

/// The most samples per bin (`sampling_ratio` squared) the importer unrolls.
const MAX_SAMPLES_PER_BIN: i64 = 64;

fn bin(b: &mut Builder, op: OpName, x: usize, y: usize) -> Result<usize, ImportError> {
    b.op(op, &[x, y], &[])
}

fn bin_k(
    b: &mut Builder,
    op: OpName,
    x: usize,
    v: f64,
    elem: ElementType,
) -> Result<usize, ImportError> {
    let k = b.scalar(elem, v);
    b.op(op, &[x, k], &[])
}

pub(crate) fn roi_align(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (x, rois, batch) = (
        imp.required(node, 0)?,
        imp.required(node, 1)?,
        imp.required(node, 2)?,
    );
    let default_mode = if node.opset >= 16 {
        "half_pixel"
    } else {
        "output_half_pixel"
    };
    let half_pixel = match node
        .attr_string("coordinate_transformation_mode", default_mode)
        .as_str()
    {
        "half_pixel" => true,
        "output_half_pixel" => false,
        other => {
            return Err(node.error(format!("unknown coordinate_transformation_mode '{other}'")))
        }
    };
    let max_mode = match node.attr_string("mode", "avg").as_str() {
        "avg" => false,
        "max" => true,
        other => return Err(node.error(format!("unknown mode '{other}'"))),
    };
    let ph = node.attr_int("output_height").unwrap_or(1);
    let pw = node.attr_int("output_width").unwrap_or(1);
    let ratio = node.attr_int("sampling_ratio").unwrap_or(0);
    let scale = node.attr_float("spatial_scale").unwrap_or(1.0) as f64;
    if ph <= 0 || pw <= 0 || ratio < 0 {
        return Err(node.error("output sizes must be positive and sampling_ratio not negative"));
    }
    if ratio == 0 {
        return Err(node.unsupported(
            "sampling_ratio 0: each region's sample count then depends on its size at run time; give a positive sampling_ratio",
        ));
    }
    // Each sample of a bin is unrolled into some 70 ops, and compile time grows faster
    // than the op count: 8 x 8 samples took 0.9 s, 16 x 16 14 s, 32 x 32 over 3 minutes.
    if ratio
        .checked_mul(ratio)
        .is_none_or(|n| n > MAX_SAMPLES_PER_BIN)
    {
        return Err(node.unsupported(format!(
            "sampling_ratio {ratio}: {ratio} x {ratio} samples per bin, past the {MAX_SAMPLES_PER_BIN} the importer unrolls (sampling_ratio {})",
            MAX_SAMPLES_PER_BIN.isqrt()
        )));
    }
    // The bins' and samples' coordinates are constants the importer builds.
    let samples = [ph, pw, ratio, ratio]
        .iter()
        .try_fold(1u64, |n, &k| n.checked_mul(k as u64));
    if samples.is_none_or(|n| n > crate::import::fold_limit() as u64) {
        return Err(node.unsupported(format!(
            "{ph} x {pw} bins of {ratio} x {ratio} samples, past {}",
            strata_ir::limits::Limit::FoldElements.named()
        )));
    }
    let mut b = Builder { imp, node };
    let (xd, rd, bd) = (b.dims(x), b.dims(rois), b.dims(batch));
    let elem = b.imp.values[x].ty.elem;
    if xd.len() != 4 || rd.len() != 2 || rd[1] != 4 || bd != [rd[0]] || !elem.is_float() {
        return Err(node.error(format!(
            "X {xd:?}, rois {rd:?} and batch_indices {bd:?} do not fit: X is [N, C, H, W] of floats, rois [R, 4], batch_indices [R]"
        )));
    }
    let (c, h, w) = (xd[1], xd[2] as f64, xd[3] as f64);
    let r = rd[0];
    let (ph, pw, ratio) = (ph as usize, pw as usize, ratio as usize);
    let rois = b.cast(rois, elem)?;
    let offset = if half_pixel { 0.5 } else { 0.0 };
    // Column `j` of the regions, scaled, as [R, 1, 1, 1].
    let corner = |b: &mut Builder, j: i64| -> Result<usize, ImportError> {
        let s = b.op(
            names::GRAPH_SLICE,
            &[rois],
            &[
                ("starts", Attribute::I64Array(vec![j])),
                ("ends", Attribute::I64Array(vec![j + 1])),
                ("axes", Attribute::I64Array(vec![1])),
            ],
        )?;
        let s = b.reshape(s, &[r, 1, 1, 1])?;
        let s = bin_k(b, names::GRAPH_MUL, s, scale, elem)?;
        bin_k(b, names::GRAPH_SUB, s, offset, elem)
    };
    let (x1, y1, x2, y2) = (
        corner(&mut b, 0)?,
        corner(&mut b, 1)?,
        corner(&mut b, 2)?,
        corner(&mut b, 3)?,
    );
    let extent =
        |b: &mut Builder, lo: usize, hi: usize, bins: usize| -> Result<usize, ImportError> {
            let e = bin(b, names::GRAPH_SUB, hi, lo)?;
            let e = if half_pixel {
                e
            } else {
                bin_k(b, names::GRAPH_MAX, e, 1.0, elem)?
            };
            bin_k(b, names::GRAPH_DIV, e, bins as f64, elem)
        };
    let bin_h = extent(&mut b, y1, y2, ph)?;
    let bin_w = extent(&mut b, x1, x2, pw)?;
    // The regions' images, flattened: [R, C, H·W].
    let img = b.op(
        names::GRAPH_GATHER,
        &[x, batch],
        &[("axis", Attribute::Int(0))],
    )?;
    let img = b.reshape(img, &[r, c, xd[2] * xd[3]])?;
    let iota = |b: &mut Builder, n: usize, shape: [usize; 4]| {
        b.constant(Tensor::from_f64s(
            elem,
            Shape::new(shape),
            &(0..n).map(|i| i as f64).collect::<Vec<_>>(),
        ))
    };
    let rows = iota(&mut b, ph, [1, 1, ph, 1]);
    let cols = iota(&mut b, pw, [1, 1, 1, pw]);
    // One coordinate of the samples at `frac` of their bins along an axis.
    let coordinate = |b: &mut Builder,
                      start: usize,
                      size: usize,
                      index: usize,
                      frac: f64|
     -> Result<usize, ImportError> {
        let at = bin_k(b, names::GRAPH_ADD, index, frac, elem)?;
        let at = bin(b, names::GRAPH_MUL, at, size)?;
        bin(b, names::GRAPH_ADD, start, at)
    };
    let full = [r as i64, c as i64, ph as i64, pw as i64];
    let mut result: Option<usize> = None;
    for iy in 0..ratio {
        for ix in 0..ratio {
            let fy = (iy as f64 + 0.5) / ratio as f64;
            let fx = (ix as f64 + 0.5) / ratio as f64;
            let y = coordinate(&mut b, y1, bin_h, rows, fy)?;
            let xs = coordinate(&mut b, x1, bin_w, cols, fx)?;
            // Samples more than a pixel outside the image count as zero.
            let mut outside = None;
            for (v, lim) in [(y, h), (xs, w)] {
                let lo = bin_k(&mut b, names::GRAPH_LESS, v, -1.0, elem)?;
                let hi = bin_k(&mut b, names::GRAPH_GREATER, v, lim, elem)?;
                let o = bin(&mut b, names::GRAPH_OR, lo, hi)?;
                outside = Some(match outside {
                    Some(p) => bin(&mut b, names::GRAPH_OR, p, o)?,
                    None => o,
                });
            }
            let inside = b.op(names::GRAPH_NOT, &[outside.expect("two axes")], &[])?;
            let inside = b.cast(inside, elem)?;
            // Per axis: low and high neighbour, and the weight of the high one.
            let axis = |b: &mut Builder,
                        v: usize,
                        size: f64|
             -> Result<(usize, usize, usize), ImportError> {
                let v = bin_k(b, names::GRAPH_MAX, v, 0.0, elem)?;
                let low = b.op(names::GRAPH_FLOOR, &[v], &[])?;
                let last = bin_k(b, names::GRAPH_GREATER, low, size - 1.5, elem)?;
                let edge = b.scalar(elem, size - 1.0);
                let low = b.op(names::GRAPH_WHERE, &[last, edge, low], &[])?;
                let up = bin_k(b, names::GRAPH_ADD, low, 1.0, elem)?;
                let high = b.op(names::GRAPH_WHERE, &[last, edge, up], &[])?;
                let v = b.op(names::GRAPH_WHERE, &[last, edge, v], &[])?;
                let frac = bin(b, names::GRAPH_SUB, v, low)?;
                Ok((low, high, frac))
            };
            let (y_lo, y_hi, ly) = axis(&mut b, y, h)?;
            let (x_lo, x_hi, lx) = axis(&mut b, xs, w)?;
            let one = b.scalar(elem, 1.0);
            let hy = bin(&mut b, names::GRAPH_SUB, one, ly)?;
            let hx = bin(&mut b, names::GRAPH_SUB, one, lx)?;
            let mut terms = Vec::with_capacity(4);
            for (yy, wy) in [(y_lo, hy), (y_hi, ly)] {
                for (xx, wx) in [(x_lo, hx), (x_hi, lx)] {
                    let row = bin_k(&mut b, names::GRAPH_MUL, yy, w, elem)?;
                    let pos = bin(&mut b, names::GRAPH_ADD, row, xx)?;
                    let pos = b.cast(pos, ElementType::I64)?;
                    let pos = b.op(
                        names::GRAPH_EXPAND,
                        &[pos],
                        &[("shape", Attribute::I64Array(full.to_vec()))],
                    )?;
                    let pos = b.reshape(pos, &[r, c, ph * pw])?;
                    let v = b.op(
                        names::GRAPH_GATHER_ELEMENTS,
                        &[img, pos],
                        &[("axis", Attribute::Int(2))],
                    )?;
                    let v = b.reshape(v, &[r, c, ph, pw])?;
                    let weight = bin(&mut b, names::GRAPH_MUL, wy, wx)?;
                    let weight = bin(&mut b, names::GRAPH_MUL, weight, inside)?;
                    terms.push(bin(&mut b, names::GRAPH_MUL, v, weight)?);
                }
            }
            let combine = if max_mode {
                names::GRAPH_MAX
            } else {
                names::GRAPH_ADD
            };
            let mut sample = terms[0];
            for &t in &terms[1..] {
                sample = bin(&mut b, combine, sample, t)?;
            }
            result = Some(match result {
                Some(acc) => bin(&mut b, combine, acc, sample)?,
                None => sample,
            });
        }
    }
    let result = result.expect("one sample at least");
    if max_mode {
        return Ok(vec![result]);
    }
    Ok(vec![bin_k(
        &mut b,
        names::GRAPH_DIV,
        result,
        (ratio * ratio) as f64,
        elem,
    )?])
}
