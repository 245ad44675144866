//! Shape rules shared by inference and evaluation: broadcasting and the sliding-window
//! geometry of convolutions and pooling.

use super::OpArgs;
use crate::types::Shape;

/// Numpy-style (multidirectional) broadcasting of several shapes.
pub fn broadcast(shapes: &[&Shape]) -> Result<Shape, crate::IrError> {
    let rank = shapes.iter().map(|s| s.rank()).max().unwrap_or(0);
    let mut out = vec![1usize; rank];
    for s in shapes {
        let offset = rank - s.rank();
        for (i, &d) in s.dims().iter().enumerate() {
            let o = &mut out[offset + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                let all: Vec<_> = shapes.iter().map(|s| format!("{:?}", s.dims())).collect();
                return Err(
                    format!("shapes {} are not broadcast-compatible", all.join(", ")).into(),
                );
            }
        }
    }
    Ok(Shape::new(out))
}

/// For every element of `out` (row-major), the flat index of the element of a tensor of
/// shape `input` that broadcasts to it. `input` must broadcast to `out`.
pub fn broadcast_indices(out: &Shape, input: &Shape) -> Vec<usize> {
    let n = out.numel();
    if input == out {
        return (0..n).collect();
    }
    let rank = out.rank();
    let offset = rank - input.rank();
    let in_strides = input.strides();
    // Stride of each output dimension in the input: zero where the input broadcasts.
    let mut strides = vec![0usize; rank];
    for i in 0..input.rank() {
        if input.dims()[i] != 1 {
            strides[offset + i] = in_strides[i];
        }
    }
    let mut result = Vec::with_capacity(n);
    let mut idx = vec![0usize; rank];
    let mut flat = 0usize;
    for _ in 0..n {
        result.push(flat);
        for d in (0..rank).rev() {
            idx[d] += 1;
            flat += strides[d];
            if idx[d] < out.dims()[d] {
                break;
            }
            flat -= strides[d] * idx[d];
            idx[d] = 0;
        }
    }
    result
}

/// Sliding-window geometry over the spatial dimensions of an `N x C x D1 x ... x Dk` input.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub kernel: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilations: Vec<usize>,
    pub pads_begin: Vec<usize>,
    pub pads_end: Vec<usize>,
    pub output: Vec<usize>,
}

fn positive_list(args: &OpArgs, name: &str, k: usize) -> Result<Vec<usize>, crate::IrError> {
    match args.ints_opt(name)? {
        None => Ok(vec![1; k]),
        Some(v) if v.is_empty() => Ok(vec![1; k]),
        Some(v) => {
            if v.len() != k || v.iter().any(|&x| x < 1) {
                return Err(format!("'{name}' must list {k} positive values, found {v:?}").into());
            }
            Ok(v.iter().map(|&x| x as usize).collect())
        }
    }
}

/// Computes the window geometry from `auto_pad`, `pads`, `strides`, `dilations` and
/// `ceil_mode`, with ONNX's output-size rules.
pub fn window(
    args: &OpArgs,
    spatial: &[usize],
    kernel: &[usize],
) -> Result<Window, crate::IrError> {
    let k = spatial.len();
    if kernel.len() != k {
        return Err(format!(
            "kernel has {} spatial dimensions but the input has {k}",
            kernel.len()
        )
        .into());
    }
    let strides = positive_list(args, "strides", k)?;
    let dilations = positive_list(args, "dilations", k)?;
    let ceil_mode = args.int_or("ceil_mode", 0)? != 0;
    let auto_pad = args.string_or("auto_pad", "NOTSET")?;
    let mut pads_begin = vec![0usize; k];
    let mut pads_end = vec![0usize; k];
    let mut output = vec![0usize; k];
    let effective: Vec<usize> = (0..k)
        .map(|i| (kernel[i].max(1) - 1) * dilations[i] + 1)
        .collect();
    match auto_pad {
        "NOTSET" | "" => {
            if let Some(pads) = args.ints_opt("pads")? {
                if !pads.is_empty() {
                    if pads.len() != 2 * k || pads.iter().any(|&p| p < 0) {
                        return Err(format!(
                            "'pads' must list {} non-negative values, found {pads:?}",
                            2 * k
                        )
                        .into());
                    }
                    for i in 0..k {
                        pads_begin[i] = pads[i] as usize;
                        pads_end[i] = pads[k + i] as usize;
                    }
                }
            }
            for i in 0..k {
                let padded = spatial[i] + pads_begin[i] + pads_end[i];
                if padded < effective[i] {
                    return Err(format!(
                        "window of size {} does not fit spatial dimension {i} of size {padded} (padded)",
                        effective[i]
                    ).into());
                }
                let span = padded - effective[i];
                output[i] = if ceil_mode {
                    let mut o = span.div_ceil(strides[i]) + 1;
                    // The last window must start inside the input or its leading padding.
                    if (o - 1) * strides[i] >= spatial[i] + pads_begin[i] {
                        o -= 1;
                    }
                    o
                } else {
                    span / strides[i] + 1
                };
            }
        }
        "VALID" => {
            for i in 0..k {
                if spatial[i] < effective[i] {
                    return Err(format!(
                        "window of size {} does not fit spatial dimension {i} of size {}",
                        effective[i], spatial[i]
                    )
                    .into());
                }
                output[i] = (spatial[i] - effective[i]) / strides[i] + 1;
            }
        }
        "SAME_UPPER" | "SAME_LOWER" => {
            for i in 0..k {
                output[i] = spatial[i].div_ceil(strides[i]);
                let needed = (output[i].max(1) - 1) * strides[i] + effective[i];
                let total = needed.saturating_sub(spatial[i]);
                let small = total / 2;
                let (b, e) = if auto_pad == "SAME_UPPER" {
                    (small, total - small)
                } else {
                    (total - small, small)
                };
                pads_begin[i] = b;
                pads_end[i] = e;
            }
        }
        other => return Err(format!("unknown auto_pad value '{other}'").into()),
    }
    Ok(Window {
        kernel: kernel.to_vec(),
        strides,
        dilations,
        pads_begin,
        pads_end,
        output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        let a = Shape::new([2, 1, 3]);
        let b = Shape::new([4, 1]);
        assert_eq!(broadcast(&[&a, &b]).unwrap(), Shape::new([2, 4, 3]));
        assert!(broadcast(&[&Shape::new([2]), &Shape::new([3])]).is_err());
        let idx = broadcast_indices(&Shape::new([2, 3]), &Shape::new([3]));
        assert_eq!(idx, vec![0, 1, 2, 0, 1, 2]);
        let idx = broadcast_indices(&Shape::new([2, 3]), &Shape::new([2, 1]));
        assert_eq!(idx, vec![0, 0, 0, 1, 1, 1]);
    }
}
