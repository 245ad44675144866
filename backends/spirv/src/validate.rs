//! Checking shaders with the reference validator.

use crate::TARGET_ENV;

/// Checks SPIR-V bytes with the reference validator (`spirv-val` of SPIRV-Tools, which
/// must be on the path) for [`TARGET_ENV`].
pub fn validate(bytes: &[u8]) -> Result<(), crate::ShaderError> {
    use std::io::Write;
    let mut child = std::process::Command::new("spirv-val")
        .args(["--target-env", TARGET_ENV, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run spirv-val (package spirv-tools): {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin for spirv-val")?
        .write_all(bytes)
        .map_err(|e| format!("spirv-val: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("spirv-val: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "spirv-val rejected the shader: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into())
    }
}

/// The text form of SPIR-V bytes (`spirv-dis` of SPIRV-Tools), for snapshot tests and for
/// reading what a kernel became.
pub fn disassemble(bytes: &[u8]) -> Result<String, crate::ShaderError> {
    use std::io::Write;
    let fail = |e: std::io::Error| crate::ShaderError::Validation(format!("spirv-dis: {e}"));
    let mut child = std::process::Command::new("spirv-dis")
        .args(["--no-color", "--raw-id", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            crate::ShaderError::Validation(format!(
                "cannot run spirv-dis (package spirv-tools): {e}"
            ))
        })?;
    child
        .stdin
        .take()
        .ok_or_else(|| crate::ShaderError::Validation("no stdin for spirv-dis".into()))?
        .write_all(bytes)
        .map_err(fail)?;
    let out = child.wait_with_output().map_err(fail)?;
    if !out.status.success() {
        return Err(crate::ShaderError::Validation(format!(
            "spirv-dis failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
