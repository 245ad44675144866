//! Checking shaders with the reference validator.

use crate::TARGET_ENV;

/// Checks SPIR-V bytes with the reference validator (`spirv-val` of SPIRV-Tools, which
/// must be on the path) for [`TARGET_ENV`].
pub fn validate(bytes: &[u8]) -> Result<(), String> {
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
        ))
    }
}
