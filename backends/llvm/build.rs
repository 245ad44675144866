//! Builds the one piece of the CPU back end LLVM's C API lacks: the list of features a
//! CPU name implies (`cpp/cpu_features.cpp`), against the same LLVM 22 inkwell links.

fn main() {
    let prefix = std::env::var("LLVM_SYS_221_PREFIX").unwrap_or_else(|_| "/usr/lib/llvm-22".into());
    let config = format!("{prefix}/bin/llvm-config");
    let flags = std::process::Command::new(&config)
        .arg("--cxxflags")
        .output()
        .unwrap_or_else(|e| panic!("cannot run '{config}' (install llvm-22-dev): {e}"));
    assert!(flags.status.success(), "'{config} --cxxflags' failed");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("cpp/cpu_features.cpp")
        .flag("-fno-rtti");
    for f in String::from_utf8_lossy(&flags.stdout).split_whitespace() {
        // LLVM's flags pick the language standard and its headers; warnings are ours.
        build.flag(f);
    }
    build.warnings(false).compile("strata_llvm_cpp");
    println!("cargo:rerun-if-changed=cpp/cpu_features.cpp");
    println!("cargo:rerun-if-env-changed=LLVM_SYS_221_PREFIX");
}
