//! `loop.contract` compiled by LLVM (packed panels, register-blocked micro-kernel) gives
//! the loop interpreter's results to the bit, for tiles that exercise every edge: rows and
//! columns that are not whole micro-tiles, reductions longer than one packed block,
//! column blocks past the first, transposed and strided operands, offsets, convolution
//! windows (offset tables), and the blockings of 128-, 256- and 512-bit vectors. Both
//! agree with a plain product in f64.

use inkwell::context::Context;
use strata_ir::loops::interp::{Binding, CompiledKernel};
use strata_ir::loops::{find_kernel, grid_size, Contract};
use strata_ir::parse_module;
use strata_passes::pipeline::run_pipeline;

/// One tile: the row, reduction and column boxes ((extent, stride, stride) per
/// dimension) and each operand's element offset.
#[derive(Clone, Debug)]
struct Case {
    m: Vec<[usize; 3]>,
    k: Vec<[usize; 3]>,
    n: Vec<[usize; 3]>,
    offsets: [usize; 3],
    /// Whether C's content is added to (else overwritten).
    accumulate: bool,
}

impl Case {
    fn contract(&self) -> Contract {
        let mut c = Contract::new(&self.m, &self.k, &self.n);
        c.accumulate = self.accumulate;
        c
    }

    fn len(&self, x: usize) -> usize {
        self.offsets[x] + self.contract().reach(x).unwrap() + 1
    }

    fn kernel(&self) -> String {
        let t = |x: usize| format!("memref<{}xf32>", self.len(x));
        let attrs: Vec<String> = self
            .contract()
            .attrs()
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        format!(
            r#""builtin.module"() ({{
  "loop.kernel"() ({{
  ^bb0(%a: {ta}, %b: {tb}, %c: {tc}):
    %oa = "loop.apply"() {{map = affine_map<() -> ({oa})>}} : () -> index
    %ob = "loop.apply"() {{map = affine_map<() -> ({ob})>}} : () -> index
    %oc = "loop.apply"() {{map = affine_map<() -> ({oc})>}} : () -> index
    "loop.contract"(%a, %b, %c, %oa, %ob, %oc) {{{attrs}}} : ({ta}, {tb}, {tc}, index, index, index) -> ()
  }}) {{sym_name = "k"}} : () -> ()
}}) : () -> ()"#,
            ta = t(0),
            tb = t(1),
            tc = t(2),
            oa = self.offsets[0],
            ob = self.offsets[1],
            oc = self.offsets[2],
            attrs = attrs.join(", "),
        )
    }
}

fn random_f32s(n: usize, seed: &mut u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            ((*seed % 4001) as f32 - 2000.0) / 1000.0
        })
        .collect()
}

fn bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn floats(b: &[u8]) -> Vec<f32> {
    b.chunks(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Checks one case; returns the name of the matrix-product routine it compiled to.
fn check(case: &Case, vector_bits: u32) -> String {
    let text = case.kernel();
    let parsed = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let pipeline = format!("target{{kind=cpu,vector-bits={vector_bits}}}");
    let (m, _) = run_pipeline(&parsed, &pipeline, None, false).unwrap();
    let ir = strata_llvm::translate_to_text(&m, "").unwrap();
    let routine = ir
        .split("define internal void @")
        .skip(1)
        .map(|d| d.split('(').next().unwrap_or("").to_string())
        .find(|name| name.starts_with("strata.gemm"))
        .unwrap_or_default();
    let op = find_kernel(&m, "k").unwrap();
    let rows = case.contract().m();
    let mut seed = 0x2545F4914F6CDD1Du64 ^ (rows * 131 + case.len(1) * 17 + case.len(0)) as u64;
    let inputs: Vec<Vec<f32>> = (0..3)
        .map(|x| random_f32s(case.len(x), &mut seed))
        .collect();
    let buffers: Vec<Vec<u8>> = inputs.iter().map(|v| bytes(v)).collect();
    let bindings: Vec<Binding> = (0..3).map(|memory| Binding { memory, offset: 0 }).collect();
    let mut interpreted = buffers.clone();
    CompiledKernel::compile(&m, op)
        .unwrap()
        .run(&m, &mut interpreted, &bindings)
        .unwrap();
    let ctx = Context::create();
    let jit = strata_llvm::Jit::new(&ctx, &m).expect("the kernel compiles");
    let mut compiled = buffers.clone();
    jit.run("k", &mut compiled, grid_size(&m, op).unwrap())
        .unwrap();
    let (got, want) = (floats(&compiled[2]), floats(&interpreted[2]));
    for (e, (x, y)) in got.iter().zip(&want).enumerate() {
        assert_eq!(
            x.to_bits(),
            y.to_bits(),
            "{case:?} at {vector_bits} bits: element {e} is {x} compiled, {y} interpreted"
        );
    }
    // Both are the product: compare with one computed in f64.
    let [a, b, c0] = [&inputs[0], &inputs[1], &inputs[2]];
    let (ka, kb) = (Contract::offsets(&case.k, 1), Contract::offsets(&case.k, 2));
    let (nb, nc) = (Contract::offsets(&case.n, 1), Contract::offsets(&case.n, 2));
    let (ia, ic) = (Contract::offsets(&case.m, 1), Contract::offsets(&case.m, 2));
    let mut touched = vec![false; c0.len()];
    for (i, (&ia, &ic)) in ia.iter().zip(&ic).enumerate() {
        for (&jb, &jc) in nb.iter().zip(&nc) {
            let ce = case.offsets[2] + ic + jc;
            let mut acc = if case.accumulate { c0[ce] as f64 } else { 0.0 };
            for (&la, &lb) in ka.iter().zip(&kb) {
                let x = a[case.offsets[0] + ia + la] as f64;
                let y = b[case.offsets[1] + lb + jb] as f64;
                acc += x * y;
            }
            let err = (got[ce] as f64 - acc).abs();
            assert!(
                err <= 1e-4 * (1.0 + acc.abs()),
                "{case:?}: C[{i}, {jc}] = {} vs {acc}",
                got[ce]
            );
            touched[ce] = true;
        }
    }
    // Elements outside the tile are left alone.
    for (e, &t) in touched.iter().enumerate() {
        if !t {
            assert_eq!(
                got[e].to_bits(),
                c0[e].to_bits(),
                "{case:?}: element {e} was written"
            );
        }
    }
    routine
}

#[test]
fn compiled_contractions_match_the_interpreter_to_the_bit() {
    let plain = |m: usize, n: usize, k: usize| Case {
        m: vec![[m, k, n]],
        k: vec![[k, 1, n]],
        n: vec![[n, 1, 1]],
        offsets: [0; 3],
        accumulate: true,
    };
    // A 3x3 convolution, stride `s`, over a padded `c`-channel input of `h × w`,
    // `o` output channels: rows are output channels, columns output positions, the
    // reduction channels and taps.
    let conv = |o: usize, c: usize, h: usize, w: usize, s: usize| {
        let (oh, ow) = ((h - 3) / s + 1, (w - 3) / s + 1);
        Case {
            m: vec![[o, c * 9, oh * ow]],
            k: vec![[c, 9, h * w], [3, 3, w], [3, 1, 1]],
            n: vec![[oh, s * w, ow], [ow, s, 1]],
            offsets: [0; 3],
            accumulate: true,
        }
    };
    // The same in NHWC: rows are output positions (image rows, then columns: A's rows
    // are not evenly spaced, C's are), columns output channels, A the input.
    let conv_nhwc = |o: usize, c: usize, h: usize, w: usize, s: usize| {
        let (oh, ow) = ((h - 3) / s + 1, (w - 3) / s + 1);
        Case {
            m: vec![[oh, s * w * c, ow * o], [ow, s * c, o]],
            k: vec![[c, 1, 9], [3, w * c, 3], [3, c, 1]],
            n: vec![[o, c * 9, 1]],
            offsets: [0; 3],
            accumulate: true,
        }
    };
    let cases = [
        plain(1, 1, 1),
        // Edges in rows and columns, and three reduction blocks (of equal length).
        plain(13, 37, 1100),
        // Several column blocks.
        plain(7, 600, 40),
        // Overwriting C: its old content is never read, even across reduction blocks.
        Case {
            accumulate: false,
            ..plain(9, 70, 1030)
        },
        // B transposed (a Gemm's transB): columns strided, packed one element at a time.
        Case {
            k: vec![[19, 1, 1]],
            n: vec![[70, 19, 1]],
            ..plain(7, 70, 19)
        },
        // A transposed, C with a row pitch wider than its tile, every operand offset.
        Case {
            m: vec![[33, 1, 150]],
            k: vec![[64, 33, 129]],
            offsets: [3, 5, 7],
            ..plain(33, 129, 64)
        },
        // Convolutions: through offset tables.
        conv(8, 3, 10, 12, 1),
        conv(17, 5, 9, 13, 2),
        conv(70, 30, 12, 12, 1),
        // Output rows of whole vectors, read in place.
        conv(12, 16, 34, 34, 1),
        // Stride 2 along rows of 19 outputs: every other element of a span.
        conv(8, 4, 40, 40, 2),
        // Channels last: A read in place through row and step tables, rows past one
        // micro-tile and channels past one vector.
        conv_nhwc(64, 8, 9, 9, 1),
        conv_nhwc(20, 5, 11, 10, 2),
        conv_nhwc(130, 3, 6, 7, 1),
    ];
    let mut routines = std::collections::BTreeSet::new();
    for case in &cases {
        for bits in [128, 256, 512] {
            routines.insert(
                check(case, bits)
                    .split('.')
                    .nth(1)
                    .unwrap_or("")
                    .to_string(),
            );
        }
    }
    // Every addressing ran: strides, packed windows, windows read where they lie.
    for kind in ["gemm", "gemm_tables", "gemm_windows"] {
        assert!(
            routines.contains(kind),
            "no {kind} routine among {routines:?}"
        );
    }
}
