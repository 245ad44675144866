//! CPU target descriptions and the LLVM target machines made from them.
//!
//! [`describe_cpu`] turns what a user asks for (a triple, a CPU name, extra features; by
//! default this machine) into a `CpuTarget` whose feature list is what LLVM will really
//! enable — the CPU name's implied extensions included, which LLVM's C API does not
//! report, hence the small C++ helper in `cpp/cpu_features.cpp`. [`target_machine`] makes
//! the machine back from a description, enabling exactly its checkable extensions, so
//! code never uses one the description (and so the runtime's check) does not list.

use crate::CodegenError;
use inkwell::targets::{
    CodeModel, InitializationConfig, RelocMode, Target as LlTarget, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;
use strata_abi::target::{cpu_features, host, CpuTarget};

extern "C" {
    fn strata_llvm_cpu_features(
        triple: *const std::ffi::c_char,
        cpu: *const std::ffi::c_char,
        features: *const std::ffi::c_char,
        error: *mut *mut std::ffi::c_char,
    ) -> *mut std::ffi::c_char;
    fn strata_llvm_free(p: *mut std::ffi::c_char);
}

/// The features LLVM enables for (`triple`, `cpu`, `features`).
fn enabled_features(triple: &str, cpu: &str, features: &str) -> Result<Vec<String>, CodegenError> {
    use std::ffi::{CStr, CString};
    let c = |s: &str| {
        CString::new(s).map_err(|_| CodegenError::Target(format!("'{s}' contains a NUL byte")))
    };
    let (t, c_cpu, f) = (c(triple)?, c(cpu)?, c(features)?);
    let mut error = std::ptr::null_mut();
    // Safety: the arguments are NUL-terminated strings that outlive the call; the results
    // are strings the helper allocated, freed below with its own free.
    unsafe {
        let out = strata_llvm_cpu_features(t.as_ptr(), c_cpu.as_ptr(), f.as_ptr(), &mut error);
        if out.is_null() {
            let message = if error.is_null() {
                "unknown triple".to_string()
            } else {
                let m = CStr::from_ptr(error).to_string_lossy().into_owned();
                strata_llvm_free(error);
                m
            };
            return Err(CodegenError::Target(message));
        }
        let list = CStr::from_ptr(out).to_string_lossy().into_owned();
        strata_llvm_free(out);
        Ok(list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}

fn initialize() {
    LlTarget::initialize_all(&InitializationConfig::default());
}

/// This machine's LLVM triple.
pub fn host_triple() -> String {
    TargetMachine::get_default_triple()
        .as_str()
        .to_string_lossy()
        .into_owned()
}

/// What to compile for; every field defaults to this machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuRequest {
    /// An LLVM target triple (`aarch64-unknown-linux-gnu`).
    pub triple: Option<String>,
    /// A CPU name (`znver4`, `neoverse-v2`, `generic`); for this machine's triple, its
    /// CPU by default, else the triple's generic CPU.
    pub cpu: Option<String>,
    /// Extensions to add or remove, LLVM style: `+avx2,-avx512f` (a name without a sign
    /// is added).
    pub features: Option<String>,
}

/// The description of the CPU `request` asks for: the features LLVM will enable (the
/// checkable ones), the vector width they give, and — for this machine — its cores and
/// caches.
pub fn describe_cpu(request: &CpuRequest) -> Result<CpuTarget, CodegenError> {
    initialize();
    let host = host_triple();
    let triple = match &request.triple {
        Some(t) => {
            let normalized = TargetMachine::normalize_triple(&TargetTriple::create(t));
            normalized.as_str().to_string_lossy().into_owned()
        }
        None => host.clone(),
    };
    let is_host = triple == host;
    LlTarget::from_triple(&TargetTriple::create(&triple))
        .map_err(|e| CodegenError::Target(format!("unknown target triple '{triple}': {e}")))?;
    let cpu = match (&request.cpu, is_host) {
        (Some(c), _) => c.clone(),
        (None, true) => TargetMachine::get_host_cpu_name().to_string(),
        (None, false) => "generic".to_string(),
    };
    let mut features = match (&request.cpu, is_host) {
        // This machine's own list says what it really has (a virtual machine may hide
        // extensions its CPU model would have).
        (None, true) => TargetMachine::get_host_cpu_features().to_string(),
        _ => String::new(),
    };
    for f in request
        .features
        .iter()
        .flat_map(|f| f.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        if !features.is_empty() {
            features.push(',');
        }
        if f.starts_with(['+', '-']) {
            features.push_str(f);
        } else {
            features.push('+');
            features.push_str(f);
        }
    }
    let arch = triple.split('-').next().unwrap_or_default().to_string();
    let checkable = cpu_features::checkable(&arch);
    let enabled = enabled_features(&triple, &cpu, &features)?;
    let mut listed: Vec<String> = enabled
        .into_iter()
        .filter(|f| checkable.contains(&f.as_str()))
        .collect();
    listed.sort();
    let mut t = CpuTarget::generic(&triple);
    t.vector_bits = cpu_features::vector_bits(&arch, &listed);
    t.cpu = cpu;
    t.features = listed;
    if is_host {
        host::fill(&mut t);
    }
    Ok(t)
}

/// This machine's CPU, described.
pub fn host_cpu() -> Result<CpuTarget, CodegenError> {
    describe_cpu(&CpuRequest::default())
}

/// An LLVM target machine for `cpu`: its triple and CPU name, with exactly its listed
/// checkable extensions (those the CPU name implies but the list lacks are disabled, the
/// triple's baseline is kept).
pub fn target_machine(cpu: &CpuTarget) -> Result<TargetMachine, CodegenError> {
    initialize();
    let triple = if cpu.triple.is_empty() {
        host_triple()
    } else {
        cpu.triple.clone()
    };
    let tt = TargetTriple::create(&triple);
    let target = LlTarget::from_triple(&tt)
        .map_err(|e| CodegenError::Target(format!("unknown target triple '{triple}': {e}")))?;
    let arch = triple.split('-').next().unwrap_or_default();
    let checkable = cpu_features::checkable(arch);
    let defaults = enabled_features(&triple, &cpu.cpu, "")?;
    let baseline = enabled_features(&triple, "generic", "")?;
    let mut features: Vec<String> = cpu.features.iter().map(|f| format!("+{f}")).collect();
    for f in defaults {
        if checkable.contains(&f.as_str()) && !cpu.features.contains(&f) && !baseline.contains(&f) {
            features.push(format!("-{f}"));
        }
    }
    target
        .create_target_machine(
            &tt,
            &cpu.cpu,
            &features.join(","),
            // Machine code generation at LLVM's default level: on ResNet-18 it costs 14%
            // less than the aggressive level (codegen is half of a compile) and the
            // kernels ran as fast in alternating benchmark rounds. The IR optimizer
            // still runs at -O3, where the speed comes from.
            OptimizationLevel::Default,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| {
            CodegenError::Target(format!(
                "LLVM cannot generate code for CPU '{}' on '{triple}'",
                cpu.cpu
            ))
        })
}
