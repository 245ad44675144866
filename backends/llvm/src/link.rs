//! Linking compiled kernels into a shared object the CPU device loads.

use crate::CodegenError;

/// Links an object file into a shared object with the system's C compiler driver (`$CC`,
/// else `cc`), against the C math library the kernels call (`expf`, `tanhf`, ...).
pub fn link_shared_object(object: &[u8]) -> Result<Vec<u8>, CodegenError> {
    link_shared_objects(&[object.to_vec()])
}

/// [`link_shared_object`] of several objects into one shared object.
pub fn link_shared_objects(objects: &[Vec<u8>]) -> Result<Vec<u8>, CodegenError> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "strata-link-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| CodegenError::Link(format!("cannot create '{}': {e}", dir.display())))?;
    let result = (|| {
        let so = dir.join("kernels.so");
        let mut paths = Vec::new();
        for (i, object) in objects.iter().enumerate() {
            let obj = dir.join(format!("kernels{i}.o"));
            std::fs::write(&obj, object)
                .map_err(|e| format!("cannot write '{}': {e}", obj.display()))?;
            paths.push(obj);
        }
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let out = std::process::Command::new(&cc)
            .args(["-shared", "-o"])
            .arg(&so)
            .args(&paths)
            .arg("-lm")
            .output()
            .map_err(|e| format!("cannot run the linker '{cc}': {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "the linker '{cc}' failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::fs::read(&so).map_err(|e| format!("cannot read '{}': {e}", so.display()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.map_err(CodegenError::Link)
}
