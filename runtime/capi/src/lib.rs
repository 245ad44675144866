//! The C API of Strata's runtime (`include/strata_runtime.h`, `libstrata_runtime_c.so`): opaque handles, status codes, and the last
//! error's message per thread. No Rust type crosses it, and no panic unwinds into C.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::Arc;
use strata_runtime::{Device, Error, Module, Runtime, TensorSpec};

/// `strata_status` in the header.
pub const STRATA_OK: i32 = 0;
pub const STRATA_ERROR_INVALID_ARGUMENT: i32 = 1;
pub const STRATA_ERROR_IO: i32 = 2;
pub const STRATA_ERROR_BAD_MODULE: i32 = 3;
pub const STRATA_ERROR_VERSION: i32 = 4;
pub const STRATA_ERROR_NOT_FOUND: i32 = 5;
pub const STRATA_ERROR_INPUT: i32 = 6;
pub const STRATA_ERROR_DEVICE: i32 = 7;
pub const STRATA_ERROR_KERNEL: i32 = 8;
pub const STRATA_ERROR_INTERNAL: i32 = 9;
pub const STRATA_ERROR_UNTRUSTED: i32 = 10;

/// The largest rank `strata_tensor_info` describes.
pub const STRATA_MAX_RANK: usize = 8;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(msg: &str) {
    let c = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

fn status_of(e: &Error) -> i32 {
    match e {
        Error::Io { .. } => STRATA_ERROR_IO,
        Error::BadModule(_) => STRATA_ERROR_BAD_MODULE,
        Error::Untrusted(_) => STRATA_ERROR_UNTRUSTED,
        Error::Version { .. } => STRATA_ERROR_VERSION,
        Error::NotFound(_) => STRATA_ERROR_NOT_FOUND,
        Error::Input(_) => STRATA_ERROR_INPUT,
        Error::Device(_) => STRATA_ERROR_DEVICE,
        Error::Kernel { .. } => STRATA_ERROR_KERNEL,
    }
}

/// Runs `f`, turning errors and panics into a status and the thread's last error.
fn guard(f: impl FnOnce() -> Result<(), (i32, String)>) -> i32 {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(())) => STRATA_OK,
        Ok(Err((status, msg))) => {
            set_error(&msg);
            status
        }
        Err(_) => {
            set_error("internal error (a panic in the runtime)");
            STRATA_ERROR_INTERNAL
        }
    }
}

fn fail(e: Error) -> (i32, String) {
    (status_of(&e), e.to_string())
}

fn invalid(msg: &str) -> (i32, String) {
    (STRATA_ERROR_INVALID_ARGUMENT, msg.to_string())
}

/// # Safety
/// `s` is null or a NUL-terminated string.
unsafe fn text<'a>(s: *const c_char, what: &str) -> Result<&'a str, (i32, String)> {
    if s.is_null() {
        return Err(invalid(&format!("{what} is NULL")));
    }
    // Safety: the caller's guarantee.
    unsafe { CStr::from_ptr(s) }
        .to_str()
        .map_err(|_| invalid(&format!("{what} is not UTF-8")))
}

/// `strata_device`.
pub struct StrataDevice {
    device: Arc<dyn Device>,
}

/// `strata_module`: the module and C strings of its tensor names.
pub struct StrataModule {
    module: Module,
    names: Vec<Vec<(CString, CString)>>,
}

/// `strata_tensor_info`.
#[repr(C)]
pub struct StrataTensorInfo {
    pub name: *const c_char,
    pub dtype: *const c_char,
    pub rank: usize,
    pub shape: [i64; STRATA_MAX_RANK],
    pub bytes: usize,
}

/// The calling thread's last error message (empty if none); valid until its next call.
#[no_mangle]
pub extern "C" fn strata_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// A CPU device with `threads` workers (0: one per core).
///
/// # Safety
/// `out` is a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn strata_device_create_cpu(
    threads: i32,
    out: *mut *mut StrataDevice,
) -> i32 {
    guard(|| {
        if out.is_null() || threads < 0 {
            return Err(invalid(
                "strata_device_create_cpu: NULL out or negative threads",
            ));
        }
        let threads = (threads > 0).then_some(threads as usize);
        let device = Runtime::new().cpu(threads).map_err(fail)?;
        // Safety: `out` is valid (the caller's guarantee).
        unsafe { *out = Box::into_raw(Box::new(StrataDevice { device })) };
        Ok(())
    })
}

/// Releases a device (modules loaded on it keep it alive until they are released).
///
/// # Safety
/// `device` is null or came from `strata_device_create_cpu` and was not released.
#[no_mangle]
pub unsafe extern "C" fn strata_device_release(device: *mut StrataDevice) {
    if !device.is_null() {
        // Safety: the caller's guarantee.
        drop(unsafe { Box::from_raw(device) });
    }
}

/// Loads a module file onto `device`.
///
/// # Safety
/// `device` is a live device, `path` a NUL-terminated string, `out` a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn strata_module_load(
    device: *const StrataDevice,
    path: *const c_char,
    out: *mut *mut StrataModule,
) -> i32 {
    // Safety: the caller's guarantees.
    unsafe { load(device, path, None, out) }
}

/// Loads a module file onto `device` if it is signed by one of `trusted_keys` (public
/// keys in text, one per line).
///
/// # Safety
/// `device` is a live device, `path` and `trusted_keys` NUL-terminated strings, `out` a
/// valid pointer.
#[no_mangle]
pub unsafe extern "C" fn strata_module_load_trusted(
    device: *const StrataDevice,
    path: *const c_char,
    trusted_keys: *const c_char,
    out: *mut *mut StrataModule,
) -> i32 {
    // Safety: the caller's guarantees.
    unsafe { load(device, path, Some(trusted_keys), out) }
}

/// Both loads: `trusted_keys`, where given, must name at least one key.
///
/// # Safety
/// As for `strata_module_load_trusted`.
unsafe fn load(
    device: *const StrataDevice,
    path: *const c_char,
    trusted_keys: Option<*const c_char>,
    out: *mut *mut StrataModule,
) -> i32 {
    guard(|| {
        if device.is_null() || out.is_null() {
            return Err(invalid("strata_module_load: NULL device or out"));
        }
        // Safety: the caller's guarantees.
        let (device, path) = unsafe { (&*device, text(path, "path")?) };
        let keys = match trusted_keys {
            None => Vec::new(),
            Some(k) => {
                // Safety: the caller's guarantees.
                let k = unsafe { text(k, "trusted_keys")? };
                let keys = k
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(strata_runtime::PublicKey::from_text)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid(&format!("trusted_keys: {e}")))?;
                if keys.is_empty() {
                    return Err(invalid("trusted_keys: no key given"));
                }
                keys
            }
        };
        let module = Module::load_trusted(&device.device, path, &keys).map_err(fail)?;
        let cstr = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
        let names = module
            .manifest()
            .functions
            .iter()
            .map(|f| {
                f.inputs
                    .iter()
                    .chain(&f.outputs)
                    .map(|s| (cstr(&s.name), cstr(s.dtype.name())))
                    .collect()
            })
            .collect();
        // Safety: `out` is valid.
        unsafe { *out = Box::into_raw(Box::new(StrataModule { module, names })) };
        Ok(())
    })
}

/// Releases a module.
///
/// # Safety
/// `module` is null or came from `strata_module_load` and was not released.
#[no_mangle]
pub unsafe extern "C" fn strata_module_release(module: *mut StrataModule) {
    if !module.is_null() {
        // Safety: the caller's guarantee.
        drop(unsafe { Box::from_raw(module) });
    }
}

fn function_index(m: &StrataModule, name: &str) -> Result<usize, (i32, String)> {
    m.module
        .manifest()
        .functions
        .iter()
        .position(|f| f.name == name)
        .ok_or_else(|| {
            (
                STRATA_ERROR_NOT_FOUND,
                format!("no function '{name}' in the module"),
            )
        })
}

/// The number of inputs and outputs of `function`.
///
/// # Safety
/// `module` is live, `function` NUL-terminated, the counts valid pointers.
#[no_mangle]
pub unsafe extern "C" fn strata_function_signature(
    module: *const StrataModule,
    function: *const c_char,
    num_inputs: *mut usize,
    num_outputs: *mut usize,
) -> i32 {
    guard(|| {
        if module.is_null() || num_inputs.is_null() || num_outputs.is_null() {
            return Err(invalid("strata_function_signature: NULL argument"));
        }
        // Safety: the caller's guarantees.
        let (m, name) = unsafe { (&*module, text(function, "function")?) };
        let f = &m.module.manifest().functions[function_index(m, name)?];
        // Safety: valid pointers.
        unsafe {
            *num_inputs = f.inputs.len();
            *num_outputs = f.outputs.len();
        }
        Ok(())
    })
}

/// Describes input (`is_output` = 0) or output `index` of `function`. The strings live as
/// long as the module.
///
/// # Safety
/// `module` is live, `function` NUL-terminated, `info` a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn strata_function_tensor_info(
    module: *const StrataModule,
    function: *const c_char,
    is_output: i32,
    index: usize,
    info: *mut StrataTensorInfo,
) -> i32 {
    guard(|| {
        if module.is_null() || info.is_null() {
            return Err(invalid("strata_function_tensor_info: NULL argument"));
        }
        // Safety: the caller's guarantees.
        let (m, name) = unsafe { (&*module, text(function, "function")?) };
        let fi = function_index(m, name)?;
        let f = &m.module.manifest().functions[fi];
        let (specs, base): (&[TensorSpec], usize) = if is_output != 0 {
            (&f.outputs, f.inputs.len())
        } else {
            (&f.inputs, 0)
        };
        let spec = specs.get(index).ok_or_else(|| {
            (
                STRATA_ERROR_NOT_FOUND,
                format!(
                    "'{name}' has no {} {index}",
                    if is_output != 0 { "output" } else { "input" }
                ),
            )
        })?;
        if spec.shape.len() > STRATA_MAX_RANK {
            return Err(invalid(&format!(
                "'{}' has rank {}, more than STRATA_MAX_RANK",
                spec.name,
                spec.shape.len()
            )));
        }
        let (cname, cdtype) = &m.names[fi][base + index];
        let mut shape = [0i64; STRATA_MAX_RANK];
        for (s, &d) in shape.iter_mut().zip(&spec.shape) {
            *s = d as i64;
        }
        // Safety: `info` is valid.
        unsafe {
            *info = StrataTensorInfo {
                name: cname.as_ptr(),
                dtype: cdtype.as_ptr(),
                rank: spec.shape.len(),
                shape,
                bytes: spec.bytes(),
            };
        }
        Ok(())
    })
}

/// Calls `function`: `inputs[i]` points to `input_bytes[i]` bytes of input i, `outputs[i]`
/// to `output_bytes[i]` writable bytes for output i; sizes must match the signature.
///
/// # Safety
/// Every pointer is valid for the bytes given; the arrays have the given lengths.
#[no_mangle]
pub unsafe extern "C" fn strata_function_call(
    module: *const StrataModule,
    function: *const c_char,
    inputs: *const *const c_void,
    input_bytes: *const usize,
    num_inputs: usize,
    outputs: *const *mut c_void,
    output_bytes: *const usize,
    num_outputs: usize,
) -> i32 {
    guard(|| {
        let null = |p: bool, n: usize| p && n > 0;
        if module.is_null()
            || null(inputs.is_null() || input_bytes.is_null(), num_inputs)
            || null(outputs.is_null() || output_bytes.is_null(), num_outputs)
        {
            return Err(invalid("strata_function_call: NULL argument"));
        }
        // Safety: the caller's guarantees on every pointer and length.
        unsafe {
            let m = &*module;
            let f = m
                .module
                .function(text(function, "function")?)
                .map_err(fail)?;
            let mut ins: Vec<&[u8]> = Vec::with_capacity(num_inputs);
            for i in 0..num_inputs {
                let (p, n) = (*inputs.add(i), *input_bytes.add(i));
                if p.is_null() && n > 0 {
                    return Err(invalid(&format!("input {i} is NULL")));
                }
                ins.push(if n == 0 {
                    &[]
                } else {
                    std::slice::from_raw_parts(p as *const u8, n)
                });
            }
            let mut outs: Vec<&mut [u8]> = Vec::with_capacity(num_outputs);
            for i in 0..num_outputs {
                let (p, n) = (*outputs.add(i), *output_bytes.add(i));
                if p.is_null() && n > 0 {
                    return Err(invalid(&format!("output {i} is NULL")));
                }
                outs.push(if n == 0 {
                    &mut []
                } else {
                    std::slice::from_raw_parts_mut(p as *mut u8, n)
                });
            }
            f.call_bytes(&ins, &mut outs).map_err(fail)
        }
    })
}
