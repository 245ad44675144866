//! Operation names, interned: an op's identity is an [`OpName`], a small integer, so
//! comparing ops is comparing integers and the names every pass and back end matches on
//! are typed constants ([`GRAPH_MATMUL`], [`KERNEL_ADD`], [`LOOP_FOR`]…) written once,
//! here. Names of ops no dialect of Strata's defines (an unregistered `vendor.custom`,
//! kept through parsing and printing) are interned when first seen.

use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, RwLock};

/// The name of an operation (`graph.conv`), interned.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpName(u32);

macro_rules! known_ops {
    ($($constant:ident = $name:literal,)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Index { $($constant,)* }
        $(
            #[doc = concat!("`", $name, "`.")]
            pub const $constant: OpName = OpName(Index::$constant as u32);
        )*
        /// Every name Strata's dialects define, in the order of their constants.
        static KNOWN: &[&str] = &[$($name,)*];
    };
}

known_ops! {
    BUILTIN_MODULE = "builtin.module",
    FUNC_FUNC = "func.func",
    FUNC_RETURN = "func.return",
    GRAPH_ABS = "graph.abs",
    GRAPH_ACOS = "graph.acos",
    GRAPH_ACOSH = "graph.acosh",
    GRAPH_ADD = "graph.add",
    GRAPH_AND = "graph.and",
    GRAPH_ARG_MAX = "graph.arg_max",
    GRAPH_ARG_MIN = "graph.arg_min",
    GRAPH_ASIN = "graph.asin",
    GRAPH_ASINH = "graph.asinh",
    GRAPH_ATAN = "graph.atan",
    GRAPH_ATANH = "graph.atanh",
    GRAPH_AVERAGE_POOL = "graph.average_pool",
    GRAPH_BATCH_NORMALIZATION = "graph.batch_normalization",
    GRAPH_BIT_SHIFT = "graph.bit_shift",
    GRAPH_BITWISE_AND = "graph.bitwise_and",
    GRAPH_BITWISE_NOT = "graph.bitwise_not",
    GRAPH_BITWISE_OR = "graph.bitwise_or",
    GRAPH_BITWISE_XOR = "graph.bitwise_xor",
    GRAPH_CAST = "graph.cast",
    GRAPH_BITCAST = "graph.bitcast",
    GRAPH_CEIL = "graph.ceil",
    GRAPH_CELU = "graph.celu",
    GRAPH_CLIP = "graph.clip",
    GRAPH_CONCAT = "graph.concat",
    GRAPH_CONSTANT = "graph.constant",
    GRAPH_CONV = "graph.conv",
    GRAPH_CONV_TRANSPOSE = "graph.conv_transpose",
    GRAPH_COS = "graph.cos",
    GRAPH_COSH = "graph.cosh",
    GRAPH_CUM_PROD = "graph.cum_prod",
    GRAPH_CUM_SUM = "graph.cum_sum",
    GRAPH_DEPTH_TO_SPACE = "graph.depth_to_space",
    GRAPH_DEQUANTIZE_LINEAR = "graph.dequantize_linear",
    GRAPH_DIV = "graph.div",
    GRAPH_DYNAMIC_QUANTIZE_LINEAR = "graph.dynamic_quantize_linear",
    GRAPH_EINSUM = "graph.einsum",
    GRAPH_ELU = "graph.elu",
    GRAPH_EQUAL = "graph.equal",
    GRAPH_ERF = "graph.erf",
    GRAPH_EXP = "graph.exp",
    GRAPH_EXPAND = "graph.expand",
    GRAPH_EYE_LIKE = "graph.eye_like",
    GRAPH_FLATTEN = "graph.flatten",
    GRAPH_FLOOR = "graph.floor",
    GRAPH_GATHER = "graph.gather",
    GRAPH_GATHER_ELEMENTS = "graph.gather_elements",
    GRAPH_GATHER_ND = "graph.gather_nd",
    GRAPH_GELU = "graph.gelu",
    GRAPH_GEMM = "graph.gemm",
    GRAPH_GLOBAL_AVERAGE_POOL = "graph.global_average_pool",
    GRAPH_GLOBAL_MAX_POOL = "graph.global_max_pool",
    GRAPH_GREATER = "graph.greater",
    GRAPH_GREATER_OR_EQUAL = "graph.greater_or_equal",
    GRAPH_GROUP_NORMALIZATION = "graph.group_normalization",
    GRAPH_HARD_SIGMOID = "graph.hard_sigmoid",
    GRAPH_HARD_SWISH = "graph.hard_swish",
    GRAPH_HARDMAX = "graph.hardmax",
    GRAPH_IDENTITY = "graph.identity",
    GRAPH_IF = "graph.if",
    GRAPH_INSTANCE_NORMALIZATION = "graph.instance_normalization",
    GRAPH_IS_INF = "graph.is_inf",
    GRAPH_IS_NAN = "graph.is_nan",
    GRAPH_LAYER_NORMALIZATION = "graph.layer_normalization",
    GRAPH_LEAKY_RELU = "graph.leaky_relu",
    GRAPH_LESS = "graph.less",
    GRAPH_LESS_OR_EQUAL = "graph.less_or_equal",
    GRAPH_LOG = "graph.log",
    GRAPH_LOG_SOFTMAX = "graph.log_softmax",
    GRAPH_LOOP = "graph.loop",
    GRAPH_LP_NORMALIZATION = "graph.lp_normalization",
    GRAPH_LP_POOL = "graph.lp_pool",
    GRAPH_LRN = "graph.lrn",
    GRAPH_MATMUL = "graph.matmul",
    GRAPH_MAX = "graph.max",
    GRAPH_MAX_POOL = "graph.max_pool",
    GRAPH_MEAN = "graph.mean",
    GRAPH_MEAN_VARIANCE_NORMALIZATION = "graph.mean_variance_normalization",
    GRAPH_MIN = "graph.min",
    GRAPH_MISH = "graph.mish",
    GRAPH_MOD = "graph.mod",
    GRAPH_MUL = "graph.mul",
    GRAPH_NEG = "graph.neg",
    GRAPH_NOT = "graph.not",
    GRAPH_ONE_HOT = "graph.one_hot",
    GRAPH_OR = "graph.or",
    GRAPH_PAD = "graph.pad",
    GRAPH_POW = "graph.pow",
    GRAPH_PRELU = "graph.prelu",
    GRAPH_QUANTIZE_LINEAR = "graph.quantize_linear",
    GRAPH_RECIPROCAL = "graph.reciprocal",
    GRAPH_REDUCE_L1 = "graph.reduce_l1",
    GRAPH_REDUCE_L2 = "graph.reduce_l2",
    GRAPH_REDUCE_LOG_SUM = "graph.reduce_log_sum",
    GRAPH_REDUCE_LOG_SUM_EXP = "graph.reduce_log_sum_exp",
    GRAPH_REDUCE_MAX = "graph.reduce_max",
    GRAPH_REDUCE_MEAN = "graph.reduce_mean",
    GRAPH_REDUCE_MIN = "graph.reduce_min",
    GRAPH_REDUCE_PROD = "graph.reduce_prod",
    GRAPH_REDUCE_SUM = "graph.reduce_sum",
    GRAPH_REDUCE_SUM_SQUARE = "graph.reduce_sum_square",
    GRAPH_RELU = "graph.relu",
    GRAPH_RESHAPE = "graph.reshape",
    GRAPH_RESIZE = "graph.resize",
    GRAPH_RMS_NORMALIZATION = "graph.rms_normalization",
    GRAPH_ROUND = "graph.round",
    GRAPH_SCATTER_ELEMENTS = "graph.scatter_elements",
    GRAPH_SCATTER_ND = "graph.scatter_nd",
    GRAPH_SELU = "graph.selu",
    GRAPH_SHRINK = "graph.shrink",
    GRAPH_SIGMOID = "graph.sigmoid",
    GRAPH_SIGN = "graph.sign",
    GRAPH_SIN = "graph.sin",
    GRAPH_SINH = "graph.sinh",
    GRAPH_SLICE = "graph.slice",
    GRAPH_SOFTMAX = "graph.softmax",
    GRAPH_SOFTPLUS = "graph.softplus",
    GRAPH_SOFTSIGN = "graph.softsign",
    GRAPH_SPACE_TO_DEPTH = "graph.space_to_depth",
    GRAPH_SPLIT = "graph.split",
    GRAPH_SQRT = "graph.sqrt",
    GRAPH_SQUEEZE = "graph.squeeze",
    GRAPH_SUB = "graph.sub",
    GRAPH_SUM = "graph.sum",
    GRAPH_SWISH = "graph.swish",
    GRAPH_TAN = "graph.tan",
    GRAPH_TANH = "graph.tanh",
    GRAPH_THRESHOLDED_RELU = "graph.thresholded_relu",
    GRAPH_TILE = "graph.tile",
    GRAPH_TOP_K = "graph.top_k",
    GRAPH_TRANSPOSE = "graph.transpose",
    GRAPH_TRILU = "graph.trilu",
    GRAPH_UNSQUEEZE = "graph.unsqueeze",
    GRAPH_WHERE = "graph.where",
    GRAPH_XOR = "graph.xor",
    HOST_ALLOC = "host.alloc",
    HOST_CONSTANT = "host.constant",
    HOST_COPY = "host.copy",
    HOST_DISPATCH = "host.dispatch",
    HOST_GLOBAL = "host.global",
    HOST_IF = "host.if",
    HOST_LOOP = "host.loop",
    HOST_VIEW = "host.view",
    KERNEL_ABS = "kernel.abs",
    KERNEL_ACOS = "kernel.acos",
    KERNEL_ACOSH = "kernel.acosh",
    KERNEL_ADD = "kernel.add",
    KERNEL_AND = "kernel.and",
    KERNEL_ASIN = "kernel.asin",
    KERNEL_ASINH = "kernel.asinh",
    KERNEL_ATAN = "kernel.atan",
    KERNEL_ATANH = "kernel.atanh",
    KERNEL_BIT_SHIFT = "kernel.bit_shift",
    KERNEL_BITWISE_AND = "kernel.bitwise_and",
    KERNEL_BITWISE_NOT = "kernel.bitwise_not",
    KERNEL_BITWISE_OR = "kernel.bitwise_or",
    KERNEL_BITWISE_XOR = "kernel.bitwise_xor",
    KERNEL_CAST = "kernel.cast",
    KERNEL_BITCAST = "kernel.bitcast",
    KERNEL_CEIL = "kernel.ceil",
    KERNEL_CELU = "kernel.celu",
    KERNEL_CONSTANT = "kernel.constant",
    KERNEL_COS = "kernel.cos",
    KERNEL_COSH = "kernel.cosh",
    KERNEL_DIV = "kernel.div",
    KERNEL_ELU = "kernel.elu",
    KERNEL_EQUAL = "kernel.equal",
    KERNEL_ERF = "kernel.erf",
    KERNEL_EXP = "kernel.exp",
    KERNEL_EXTRACT = "kernel.extract",
    KERNEL_FLOOR = "kernel.floor",
    KERNEL_GELU = "kernel.gelu",
    KERNEL_GENERIC = "kernel.generic",
    KERNEL_GREATER = "kernel.greater",
    KERNEL_GREATER_OR_EQUAL = "kernel.greater_or_equal",
    KERNEL_HARD_SIGMOID = "kernel.hard_sigmoid",
    KERNEL_HARD_SWISH = "kernel.hard_swish",
    KERNEL_INDEX = "kernel.index",
    KERNEL_IS_INF = "kernel.is_inf",
    KERNEL_IS_NAN = "kernel.is_nan",
    KERNEL_LEAKY_RELU = "kernel.leaky_relu",
    KERNEL_LESS = "kernel.less",
    KERNEL_LESS_OR_EQUAL = "kernel.less_or_equal",
    KERNEL_LOG = "kernel.log",
    KERNEL_LOG1P = "kernel.log1p",
    KERNEL_MAX = "kernel.max",
    KERNEL_MIN = "kernel.min",
    KERNEL_MISH = "kernel.mish",
    KERNEL_MOD = "kernel.mod",
    KERNEL_MUL = "kernel.mul",
    KERNEL_NEG = "kernel.neg",
    KERNEL_NOT = "kernel.not",
    KERNEL_OR = "kernel.or",
    KERNEL_POW = "kernel.pow",
    KERNEL_PRELU = "kernel.prelu",
    KERNEL_RECIPROCAL = "kernel.reciprocal",
    KERNEL_RELU = "kernel.relu",
    KERNEL_ROUND = "kernel.round",
    KERNEL_SELECT = "kernel.select",
    KERNEL_SELU = "kernel.selu",
    KERNEL_SHRINK = "kernel.shrink",
    KERNEL_SIGMOID = "kernel.sigmoid",
    KERNEL_SIGN = "kernel.sign",
    KERNEL_SIN = "kernel.sin",
    KERNEL_SINH = "kernel.sinh",
    KERNEL_SOFTPLUS = "kernel.softplus",
    KERNEL_SOFTSIGN = "kernel.softsign",
    KERNEL_SQRT = "kernel.sqrt",
    KERNEL_SUB = "kernel.sub",
    KERNEL_SWISH = "kernel.swish",
    KERNEL_TAN = "kernel.tan",
    KERNEL_TANH = "kernel.tanh",
    KERNEL_THRESHOLDED_RELU = "kernel.thresholded_relu",
    KERNEL_XOR = "kernel.xor",
    KERNEL_YIELD = "kernel.yield",
    LOOP_ALLOCA = "loop.alloca",
    LOOP_APPLY = "loop.apply",
    LOOP_BROADCAST = "loop.broadcast",
    LOOP_CONTRACT = "loop.contract",
    LOOP_DISPATCH = "loop.dispatch",
    LOOP_FOR = "loop.for",
    LOOP_INDEX_CAST = "loop.index_cast",
    LOOP_KERNEL = "loop.kernel",
    LOOP_LOAD = "loop.load",
    LOOP_STORE = "loop.store",
    LOOP_VLOAD = "loop.vload",
    LOOP_VSTORE = "loop.vstore",
}

/// How many names of unknown ops one process interns at most (each is kept for the
/// process's life: a limit, since IR text may be hostile).
pub const MAX_UNKNOWN_NAMES: usize = 1 << 16;

struct Interner {
    by_name: HashMap<&'static str, u32>,
    names: Vec<&'static str>,
}

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        RwLock::new(Interner {
            by_name: KNOWN
                .iter()
                .enumerate()
                .map(|(i, &n)| (n, i as u32))
                .collect(),
            names: KNOWN.to_vec(),
        })
    })
}

impl OpName {
    /// The name `name`, interning it if it is new; `None` once [`MAX_UNKNOWN_NAMES`]
    /// unknown names are interned.
    pub fn intern(name: &str) -> Option<OpName> {
        {
            let i = interner().read().unwrap_or_else(|p| p.into_inner());
            if let Some(&k) = i.by_name.get(name) {
                return Some(OpName(k));
            }
            if i.names.len() >= KNOWN.len() + MAX_UNKNOWN_NAMES {
                return None;
            }
        }
        let mut i = interner().write().unwrap_or_else(|p| p.into_inner());
        if let Some(&k) = i.by_name.get(name) {
            return Some(OpName(k));
        }
        let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
        let k = i.names.len() as u32;
        i.names.push(leaked);
        i.by_name.insert(leaked, k);
        Some(OpName(k))
    }

    /// The name `name` if it is interned already (a known op, or one seen before).
    pub fn lookup(name: &str) -> Option<OpName> {
        let i = interner().read().unwrap_or_else(|p| p.into_inner());
        i.by_name.get(name).map(|&k| OpName(k))
    }

    /// The name as text.
    pub fn as_str(self) -> &'static str {
        match KNOWN.get(self.0 as usize) {
            Some(n) => n,
            None => {
                let i = interner().read().unwrap_or_else(|p| p.into_inner());
                i.names.get(self.0 as usize).copied().unwrap_or("?")
            }
        }
    }

    /// The dialect (`graph` of `graph.conv`).
    pub fn dialect(self) -> &'static str {
        self.as_str().split_once('.').map_or("", |(d, _)| d)
    }

    /// The op of the same name in `dialect` (`kernel.relu` for `graph.relu` in `kernel`),
    /// if it exists.
    pub fn in_dialect(self, dialect: &str) -> Option<OpName> {
        OpName::lookup(&format!("{dialect}.{}", self.suffix()))
    }

    /// The name without its dialect (`conv` of `graph.conv`).
    pub fn suffix(self) -> &'static str {
        self.as_str()
            .split_once('.')
            .map_or(self.as_str(), |(_, s)| s)
    }
}

impl From<&str> for OpName {
    /// Names in code are ops Strata knows, or seen before; a new one is interned. (Past
    /// [`MAX_UNKNOWN_NAMES`] unknown names, parsing refuses further ones with an error,
    /// so code never gets here with a new name.)
    fn from(name: &str) -> OpName {
        OpName::intern(name).unwrap_or(OpName(u32::MAX))
    }
}

impl std::ops::Deref for OpName {
    type Target = str;

    /// The name as text, where text is wanted (`&op.name` passes as a `&str`).
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&OpName> for OpName {
    fn from(name: &OpName) -> OpName {
        *name
    }
}

impl PartialEq<str> for OpName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for OpName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for OpName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for OpName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_intern_to_their_constants() {
        assert_eq!(OpName::from("graph.matmul"), GRAPH_MATMUL);
        assert_eq!(GRAPH_MATMUL.as_str(), "graph.matmul");
        assert_eq!(
            (KERNEL_ADD.dialect(), KERNEL_ADD.suffix()),
            ("kernel", "add")
        );
        let custom = OpName::intern("vendor.custom_op").unwrap();
        assert_eq!(OpName::intern("vendor.custom_op"), Some(custom));
        assert_eq!(custom.as_str(), "vendor.custom_op");
        assert!(custom == "vendor.custom_op" && custom != GRAPH_MATMUL);
        assert_eq!(OpName::lookup("vendor.never_seen"), None);
    }
}
