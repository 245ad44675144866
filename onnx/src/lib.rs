//! ONNX import: `.onnx` protobuf models to Strata's `graph` dialect.
//!
//! Import resolves everything a static-shape compiler needs up front: initializers become
//! constants (also when old exporters list them among the graph inputs), external data is
//! read from beside the model, every intermediate tensor gets a static type by inference,
//! shape computations (`Shape`, `Gather`, `Concat`, ... on constants) are folded, and
//! ONNX's constant shape inputs (Reshape's shape, Slice's starts, ...) become attributes.
//! Per-version differences of ops (opsets 7 to 21 and beyond) are normalized here so the
//! graph dialect has one meaning per op.
//!
//! ```no_run
//! let module = strata_onnx::import_file("model.onnx", &strata_onnx::ImportOptions::default())?;
//! println!("{}", strata_ir::print_module(&module));
//! # Ok::<(), strata_onnx::ImportError>(())
//! ```

mod constant_args;
mod control;
mod flex_attention;
mod grid_sample;
mod import;
mod loss;
mod ops;
pub mod proto;
mod quant;
mod recurrent;
mod roi_align;
mod rotary;
mod sequence;
mod spectral;
mod state_ops;
pub mod tensor;
mod tfidf;
mod tree_ensemble;

use std::collections::HashMap;
use std::path::Path;
use strata_ir::{Module, Tensor};

pub use import::supported_op_types;

/// What can go wrong importing a model. Every variant names the node, input or tensor
/// at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read '{path}': {message}")]
    Io { path: String, message: String },
    #[error("not a valid ONNX model: {0}")]
    Decode(String),
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// Every unsupported op type in the model, each with the nodes that use it.
    #[error("unsupported operators: {}", format_unsupported(.0))]
    UnsupportedOps(Vec<(String, Vec<String>)>),
    #[error("unsupported type: {0}")]
    UnsupportedType(String),
    /// An op feature Strata does not implement (training mode, a sparse constant, ...).
    #[error("node '{node}' ({op_type}): unsupported: {message}")]
    UnsupportedFeature {
        node: String,
        op_type: String,
        message: String,
    },
    /// A shape-deciding input is not a compile-time constant. `graph_inputs` lists the
    /// graph inputs it depends on; passing their values in
    /// [`ImportOptions::constant_inputs`] specializes the model to them.
    #[error("node '{node}' ({op_type}): input '{input}' must be known at compile time (Strata compiles static shapes){}",
        if .graph_inputs.is_empty() { String::new() } else { format!("; it depends on graph inputs {:?}: fix them with --input-value NAME=file.npy", .graph_inputs) })]
    NotConstant {
        node: String,
        op_type: String,
        input: String,
        graph_inputs: Vec<String>,
    },
    #[error("node '{node}' ({op_type}): {message}")]
    Node {
        node: String,
        op_type: String,
        message: String,
    },
    #[error("the imported module does not verify: {0}")]
    Verify(String),
}

fn format_unsupported(ops: &[(String, Vec<String>)]) -> String {
    ops.iter()
        .map(|(op, nodes)| format!("{op} (nodes: {})", nodes.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ImportError {
    /// True for errors that mean "Strata lacks this feature", as opposed to a broken model.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            ImportError::UnsupportedOps(_)
                | ImportError::UnsupportedType(_)
                | ImportError::UnsupportedFeature { .. }
        )
    }
}

/// Options for import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Concrete shapes for inputs with symbolic dimensions (`batch`, `seq_len`).
    pub input_shapes: HashMap<String, Vec<usize>>,
    /// Graph inputs to treat as compile-time constants with these values: they stop being
    /// function arguments. This specializes models whose shape arguments are inputs.
    pub constant_inputs: HashMap<String, Tensor>,
    /// The element shapes of sequence inputs, one entry per element: a sequence is
    /// compiled at a static length, as its elements' tensors. Sequence input `x` of `n`
    /// elements becomes function arguments `x[0]` .. `x[n-1]`; a sequence output `y`
    /// likewise becomes results `y[0]`, ...
    pub sequence_inputs: HashMap<String, Vec<Vec<usize>>>,
    /// The name of the function to create (default `main`).
    pub function_name: Option<String>,
}

/// Imports a model from protobuf bytes. External data, if any, is looked up in `base_dir`.
pub fn import_model(
    bytes: &[u8],
    base_dir: Option<&Path>,
    options: &ImportOptions,
) -> Result<Module, ImportError> {
    let model = proto::decode_model(bytes).map_err(|e| ImportError::Decode(e.to_string()))?;
    import::Importer::new(&model, base_dir, options)?.run()
}

/// Imports a model file. The file is memory-mapped and each weight's pages are given
/// back once the weight is converted, so a model of N bytes of weights is not held twice.
pub fn import_file(path: impl AsRef<Path>, options: &ImportOptions) -> Result<Module, ImportError> {
    let path = path.as_ref();
    let io = |e: std::io::Error| ImportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return import_model(&[], path.parent(), options);
    }
    // Safety: a read-only mapping of a file this process does not write. (Another process
    // changing it while it is imported is outside the contract.)
    let map = std::sync::Arc::new(unsafe { memmap2::Mmap::map(&file) }.map_err(io)?);
    let shared = bytes::Bytes::from_owner(SharedMap(map.clone()));
    let model =
        proto::decode_model_shared(shared).map_err(|e| ImportError::Decode(e.to_string()))?;
    let release = |raw: &bytes::Bytes| release_pages(&map, raw);
    import::Importer::new(&model, path.parent(), options)?
        .releasing(&release)
        .run()
}

/// A memory map as the owner of a [`bytes::Bytes`].
struct SharedMap(std::sync::Arc<memmap2::Mmap>);

impl AsRef<[u8]> for SharedMap {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Gives the whole pages under `raw` (a slice of `map`) back to the operating system;
/// reading them again reads the file again.
fn release_pages(map: &memmap2::Mmap, raw: &bytes::Bytes) {
    const PAGE: usize = 4096;
    let base = map.as_ptr() as usize;
    let start = raw.as_ptr() as usize;
    if raw.is_empty() || start < base || start + raw.len() > base + map.len() {
        return;
    }
    let first = (start - base).div_ceil(PAGE) * PAGE;
    let end = (start - base + raw.len()) / PAGE * PAGE;
    if end > first {
        // Safety: a read-only, file-backed mapping: dropped pages are read back from the
        // file on the next access, so nothing is lost.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, first, end - first)
        };
    }
}

/// The name of element `i` of sequence `name` among a function's arguments or results.
pub fn sequence_element_name(name: &str, i: usize) -> String {
    format!("{name}[{i}]")
}

fn read_file(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|e| ImportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Reads a `SequenceProto` file of tensors (ONNX test data for a sequence value) as its
/// elements.
pub fn read_sequence_file(path: impl AsRef<Path>) -> Result<(String, Vec<Tensor>), ImportError> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    let s = proto::decode_sequence(&bytes).map_err(|e| ImportError::Decode(e.to_string()))?;
    if !s.sequence_values.is_empty() || !matches!(s.elem_type, 0 | 1) {
        return Err(ImportError::UnsupportedType(format!(
            "sequence file '{}' holds elements that are not tensors",
            path.display()
        )));
    }
    let what = format!("sequence file '{}'", path.display());
    let elements = s
        .tensor_values
        .iter()
        .map(|t| tensor::tensor_from_proto(t, &what, path.parent()))
        .collect::<Result<_, _>>()?;
    Ok((s.name, elements))
}

/// Reads a `TensorProto` file (ONNX test data's `input_0.pb`) as a tensor.
pub fn read_tensor_file(path: impl AsRef<Path>) -> Result<(String, Tensor), ImportError> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    let t = proto::decode_tensor(&bytes).map_err(|e| ImportError::Decode(e.to_string()))?;
    let what = format!("tensor file '{}'", path.display());
    Ok((
        t.name.clone(),
        tensor::tensor_from_proto(&t, &what, path.parent())?,
    ))
}
