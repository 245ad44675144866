//! The kernel ABI: how compiled kernels are called, what they return, and how a GPU
//! dispatch passes its dynamic values. The CPU back end generates functions of this
//! shape, the CPU device and the JIT call them, and the AOT generator writes Rust that
//! declares them; the SPIR-V back end and the Vulkan device agree on the push constants.

/// Declares the CPU kernel signature once, both as a Rust type and as the text the AOT
/// generator writes into generated Rust modules.
macro_rules! kernel_signature {
    ($($t:tt)*) => {
        /// A CPU kernel entry point: `bindings` points to one base pointer per kernel
        /// argument (inputs, then outputs), the three integers are the workgroup's id in
        /// the grid. One call runs one workgroup and returns a [`Status`] code.
        pub type KernelFn = $($t)*;
        /// [`KernelFn`] as Rust source text, for generated code.
        pub const KERNEL_FN_RUST: &str = stringify!($($t)*);
    };
}
kernel_signature!(unsafe extern "C" fn(*const *mut u8, i64, i64, i64) -> i32);

/// How many workgroup-id parameters follow the bindings pointer.
pub const WORKGROUP_ID_ARGS: usize = 3;

/// What a kernel reports when it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The workgroup ran to the end.
    Ok,
    /// An index read from data (a gather's or scatter's) fell outside its buffer; the
    /// access was not made.
    OutOfBounds,
    /// A code no Strata compiler writes.
    Unknown(i32),
}

impl Status {
    /// The code a kernel returns for [`Status::Ok`].
    pub const OK: i32 = 0;
    /// The code for [`Status::OutOfBounds`].
    pub const OUT_OF_BOUNDS: i32 = 1;

    /// The status of a returned code.
    pub fn from_code(code: i32) -> Status {
        match code {
            Self::OK => Status::Ok,
            Self::OUT_OF_BOUNDS => Status::OutOfBounds,
            other => Status::Unknown(other),
        }
    }

    /// The code a kernel returns for this status.
    pub fn code(self) -> i32 {
        match self {
            Status::Ok => Self::OK,
            Status::OutOfBounds => Self::OUT_OF_BOUNDS,
            Status::Unknown(c) => c,
        }
    }

    /// What the status means, for error messages.
    pub fn message(self) -> String {
        match self {
            Status::Ok => "ok".into(),
            Status::OutOfBounds => {
                "an index read from the data (a gather or scatter index) is out of bounds".into()
            }
            Status::Unknown(c) => format!("status {c}"),
        }
    }
}

/// The push-constant block of a GPU dispatch, in 32-bit words: word
/// [`push_constants::DISPATCH_NUMBER`] numbers the dispatch (a kernel reporting an
/// out-of-bounds index writes `number + 1` to the status buffer), word
/// [`push_constants::offset_word`]`(i)` holds argument `i`'s byte offset inside its binding
/// (devices bind buffers only at aligned offsets). How many words a device offers is a
/// target fact ([`crate::target::GpuTarget::push_constant_words`]).
pub mod push_constants {
    /// The word holding the dispatch's number.
    pub const DISPATCH_NUMBER: usize = 0;

    /// The word holding argument `argument`'s byte offset.
    pub fn offset_word(argument: usize) -> usize {
        1 + argument
    }

    /// The most kernel arguments a block of `words` words has offsets for.
    pub fn max_arguments(words: usize) -> usize {
        words.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_text_is_the_type() {
        assert_eq!(
            KERNEL_FN_RUST.replace(' ', ""),
            "unsafeextern\"C\"fn(*const*mutu8,i64,i64,i64)->i32"
        );
        for s in [Status::Ok, Status::OutOfBounds, Status::Unknown(7)] {
            assert_eq!(Status::from_code(s.code()), s);
        }
        assert_eq!(push_constants::max_arguments(32), 31);
        assert_eq!(push_constants::offset_word(0), 1);
    }
}
