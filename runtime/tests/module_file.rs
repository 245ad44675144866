//! The module file format and the Rust API on programs that need no compiled code (copies
//! only), on the CPU and on the Vulkan device: round trips, and errors — not crashes — for
//! damaged, foreign, truncated or inconsistent files and for wrong inputs.

use std::sync::Arc;
use strata_abi::target::{cpu_features, CpuTarget};
use strata_runtime::format::{
    BufferRef, Command, Constants, EntryPoint, ExecutableDef, ExecutableFormat, FunctionDef,
    Manifest, Memory, ModuleFile, Program,
};
use strata_runtime::{
    DType, Device, Error, Module, Runtime, Target, TargetKind, Tensor, TensorSpec,
};

/// A CPU executable's definition for `triple` needing `features`.
fn cpu_executable(triple: &str, features: &[&str], entry_points: Vec<EntryPoint>) -> ExecutableDef {
    let mut cpu = CpuTarget::generic(triple);
    cpu.features = features.iter().map(|f| f.to_string()).collect();
    ExecutableDef {
        target: Target::Cpu(cpu),
        format: ExecutableFormat::ElfSharedObject,
        section: "exe.0".into(),
        entry_points,
        features: vec![],
    }
}

/// `main(x: f32[2x3]) -> (y = x, k = constants[64..88])`, through the arena, with the
/// same program for the CPU and for Vulkan.
fn copy_module() -> ModuleFile {
    let spec = |name: &str| TensorSpec {
        name: name.into(),
        dtype: DType::F32,
        shape: vec![2, 3],
    };
    let r = |memory, offset| BufferRef {
        memory,
        offset,
        bytes: 24,
    };
    let mut constants = vec![0u8; 64];
    for v in [1.5f32, 2.5, 3.5, 4.5, 5.5, 6.5] {
        constants.extend_from_slice(&v.to_le_bytes());
    }
    ModuleFile {
        manifest: Manifest {
            producer: "test".into(),
            functions: vec![FunctionDef {
                name: "main".into(),
                inputs: vec![spec("x")],
                outputs: vec![spec("y"), spec("k")],
                programs: [TargetKind::Cpu, TargetKind::Vulkan]
                    .map(|target| Program {
                        target,
                        arena_bytes: 128,
                        commands: vec![
                            Command::Copy {
                                src: r(Memory::Input(0), 0),
                                dst: r(Memory::Arena, 64),
                            },
                            Command::Copy {
                                src: r(Memory::Arena, 64),
                                dst: r(Memory::Output(0), 0),
                            },
                            Command::Copy {
                                src: r(Memory::Constants, 64),
                                dst: r(Memory::Output(1), 0),
                            },
                        ],
                    })
                    .to_vec(),
            }],
            executables: vec![],
        },
        constants: Constants::from_bytes(constants.into()),
        executables: vec![],
    }
}

fn device() -> Arc<dyn Device> {
    Runtime::new().cpu(Some(2)).unwrap()
}

/// The CPU device and the Vulkan device (lavapipe in CI).
fn devices() -> Vec<Arc<dyn Device>> {
    vec![device(), Runtime::new().device("vulkan").unwrap()]
}

#[test]
fn modules_round_trip_and_run() {
    let file = copy_module();
    let bytes = file.to_bytes().unwrap();
    assert_eq!(&bytes[..8], b"STRATAMF");
    assert_eq!(bytes.len() % 64, 0);
    assert_eq!(ModuleFile::from_bytes(&bytes).unwrap(), file);
    for dev in devices() {
        let module = Module::from_bytes(&dev, &bytes).unwrap();
        let f = module.function("main").unwrap();
        let x = Tensor::from_slice(&[2, 3], &[1f32, -2.0, 3.0, -4.0, 5.0, -6.0]).unwrap();
        for _ in 0..3 {
            // Workspaces are reused between calls.
            let out = f.call(std::slice::from_ref(&x)).unwrap();
            assert_eq!(out[0], x, "{}", dev.description());
            assert_eq!(
                out[1].to_vec::<f32>().unwrap(),
                vec![1.5, 2.5, 3.5, 4.5, 5.5, 6.5]
            );
        }
    }
}

#[test]
fn a_function_without_a_program_for_the_device_is_an_error() {
    let mut file = copy_module();
    file.manifest.functions[0]
        .programs
        .retain(|p| p.target == TargetKind::Cpu);
    let vulkan = Runtime::new().device("vulkan").unwrap();
    let module = Module::from_file(&vulkan, file).unwrap();
    let e = module.function("main").err().unwrap().to_string();
    assert!(
        e.contains("compiled for cpu") && e.contains("--target vulkan"),
        "{e}"
    );
    let e = Runtime::new()
        .device("vulkan:99")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("no Vulkan device 99"), "{e}");
    let e = Runtime::new().device("vulkan:x").err().unwrap().to_string();
    assert!(e.contains("must be an integer"), "{e}");
}

/// Signed modules load where their key is trusted; one changed byte (its digest
/// recomputed), an unsigned file where a key is required, or another key's signature is
/// refused. Without trusted keys any whole file loads, signed or not.
#[test]
fn signatures_decide_what_loads_where_keys_are_trusted() {
    use strata_runtime::{PublicKey, SecretKey};
    let file = copy_module();
    let (key, other) = (SecretKey::from_seed([1; 32]), SecretKey::from_seed([2; 32]));
    let mut signed = Vec::new();
    file.write_signed(&mut signed, &key).unwrap();
    let unsigned = file.to_bytes().unwrap();
    assert_eq!(
        strata_runtime::format::signer(&signed),
        Some(key.public().id())
    );
    assert_eq!(strata_runtime::format::signer(&unsigned), None);
    let dev = device();
    let trusted: [PublicKey; 2] = [other.public(), key.public()];
    let m = Module::from_bytes_trusted(&dev, &signed, &trusted).unwrap();
    let x = Tensor::from_slice(&[2, 3], &[1f32, 2., 3., 4., 5., 6.]).unwrap();
    assert_eq!(
        m.function("main")
            .unwrap()
            .call(std::slice::from_ref(&x))
            .unwrap()[0],
        x
    );
    // Untrusted loads take anything whole.
    for b in [&signed, &unsigned] {
        Module::from_bytes(&dev, b).unwrap();
    }
    let refused = |b: &[u8], keys: &[PublicKey]| match Module::from_bytes_trusted(&dev, b, keys) {
        Err(Error::Untrusted(m)) => m,
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("loaded"),
    };
    let e = refused(&unsigned, &trusted);
    assert!(e.contains("unsigned"), "{e}");
    let e = refused(&signed, &[other.public()]);
    assert!(
        e.contains(&key.public().id().to_string()) && e.contains("not trusted"),
        "{e}"
    );
    // Every byte after the header matters: changed and resealed, the signature fails.
    for at in [200, signed.len() / 2, signed.len() - 1] {
        let mut changed = signed.clone();
        changed[at] ^= 0x20;
        assert!(Module::from_bytes_trusted(&dev, &changed, &trusted).is_err());
        strata_runtime::format::reseal(&mut changed);
        let e = refused(&changed, &trusted);
        assert!(e.contains("does not verify"), "byte {at}: {e}");
    }
    // So does the header: a version or length edit, or the signer's id swapped.
    let mut swapped = signed.clone();
    swapped[56..64].copy_from_slice(&other.public().id().0);
    let e = refused(&swapped, &trusted);
    assert!(e.contains("does not verify"), "{e}");
}

#[test]
fn damaged_and_foreign_files_are_errors() {
    let bytes = copy_module().to_bytes().unwrap();
    let dev = device();
    let load = |b: &[u8]| Module::from_bytes(&dev, b).err().expect("must fail");

    let mut flipped = bytes.clone();
    let last = flipped.len() - 100;
    flipped[last] ^= 1;
    assert!(load(&flipped).to_string().contains("digest mismatch"));

    let mut version = bytes.clone();
    version[8] = 99;
    assert!(matches!(load(&version), Error::Version { found: 99, .. }));

    assert!(load(&bytes[..bytes.len() - 64])
        .to_string()
        .contains("truncated"));
    assert!(
        load(b"PK\x03\x04 not a module at all, just some bytes of a zip file ......")
            .to_string()
            .contains("magic")
    );
    assert!(load(&[]).to_string().contains("magic"));

    let e = Module::load(&dev, "/nonexistent/model.strata")
        .err()
        .unwrap();
    assert!(matches!(e, Error::Io { .. }), "{e}");
}

/// Asserts that loading `m` on the CPU fails with an error containing `want`.
fn rejected(m: ModuleFile, want: &str) {
    let e = Module::from_file(&device(), m)
        .err()
        .expect("must fail")
        .to_string();
    assert!(e.contains(want), "expected '{want}' in: {e}");
}

#[test]
fn inconsistent_programs_are_rejected_before_running() {
    let check = |f: &dyn Fn(&mut ModuleFile), want: &str| {
        let mut m = copy_module();
        f(&mut m);
        rejected(m, want);
    };
    check(
        &|m| m.executables.push(vec![1].into()),
        "1 executables for 0 definitions",
    );
    check(
        &|m| {
            if let Command::Copy { src, .. } = &mut m.manifest.functions[0].programs[0].commands[0]
            {
                src.offset = 8;
            }
        },
        "outside",
    );
    check(
        &|m| {
            m.manifest.functions[0].programs[0].commands[2] = Command::Copy {
                src: BufferRef {
                    memory: Memory::Output(0),
                    offset: 0,
                    bytes: 24,
                },
                dst: BufferRef {
                    memory: Memory::Constants,
                    offset: 0,
                    bytes: 24,
                },
            }
        },
        "copy into",
    );
    check(
        &|m| {
            m.manifest.functions[0].programs[0]
                .commands
                .push(Command::Dispatch {
                    executable: 0,
                    entry: 0,
                    bindings: vec![],
                    workgroups: [1, 1, 1],
                })
        },
        "no entry point",
    );
    check(
        &|m| {
            m.manifest.executables.push(cpu_executable(
                "x86_64-unknown-linux-gnu",
                &[],
                vec![EntryPoint {
                    symbol: "k".into(),
                    argument_bytes: vec![24, 24],
                    loop_iterations: None,
                }],
            ));
            m.executables.push(Default::default());
            m.manifest.functions[0].programs[0]
                .commands
                .push(Command::Dispatch {
                    executable: 0,
                    entry: 0,
                    bindings: vec![
                        BufferRef {
                            memory: Memory::Input(0),
                            offset: 0,
                            bytes: 24
                        };
                        2
                    ],
                    workgroups: [1, 1, 1],
                })
        },
        "would write into",
    );
    check(
        &|m| {
            m.manifest.executables.push(cpu_executable(
                "",
                &[],
                vec![EntryPoint {
                    symbol: "k".into(),
                    argument_bytes: vec![24],
                    loop_iterations: None,
                }],
            ));
            m.executables.push(Default::default());
            let dispatch = Command::Dispatch {
                executable: 0,
                entry: 0,
                bindings: vec![BufferRef {
                    memory: Memory::Arena,
                    offset: 0,
                    bytes: 24,
                }],
                workgroups: [1, 1, 1],
            };
            m.manifest.functions[0].programs[1].commands.push(dispatch);
        },
        "is for another target",
    );
    check(
        &|m| {
            let p = m.manifest.functions[0].programs[0].clone();
            m.manifest.functions[0].programs.push(p);
        },
        "two programs for 'cpu'",
    );
    check(
        &|m| {
            let mut def = cpu_executable("", &[], vec![]);
            def.format = ExecutableFormat::Spirv;
            m.manifest.executables.push(def);
            m.executables.push(Default::default());
        },
        "cannot be in Spirv format",
    );
    check(
        &|m| {
            let mut gpu = strata_runtime::format::ExecutableDef {
                target: Target::generic(TargetKind::Vulkan),
                format: ExecutableFormat::Spirv,
                section: "exe.0".into(),
                entry_points: vec![],
                features: vec![],
            };
            if let Target::Vulkan(g) = &mut gpu.target {
                g.workgroup_size = 0;
            }
            m.manifest.executables.push(gpu);
            m.executables.push(Default::default());
        },
        "'workgroup-size' must be positive",
    );
}

#[test]
fn wrong_inputs_are_errors_naming_them() {
    let module = Module::from_file(&device(), copy_module()).unwrap();
    let f = module.function("main").unwrap();
    let e = f.call(&[]).unwrap_err().to_string();
    assert!(e.contains("takes 1 inputs, 0 given"), "{e}");
    let wrong = Tensor::from_slice(&[3, 2], &[0f32; 6]).unwrap();
    let e = f.call(&[wrong]).unwrap_err().to_string();
    assert!(e.contains("input 'x'") && e.contains("[2, 3]"), "{e}");
    let wrong = Tensor::from_slice(&[2, 3], &[0i32; 6]).unwrap();
    assert!(f.call(&[wrong]).unwrap_err().to_string().contains("f32"));
    let e = module.function("nope").err().unwrap().to_string();
    assert!(
        e.contains("no function 'nope'") && e.contains("main"),
        "{e}"
    );
    assert!(Runtime::new().device("tpu").is_err());
}

#[test]
fn devices_check_every_range() {
    for dev in devices() {
        let b = dev.allocate(16).unwrap();
        dev.upload(b, 8, &[1; 8]).unwrap();
        assert!(dev.upload(b, 9, &[1; 8]).is_err());
        let mut out = [0u8; 16];
        dev.download(b, 0, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
        assert!(dev.download(b, 1, &mut out).is_err());
        let c = dev.allocate(8).unwrap();
        let slice = |buffer, offset, bytes| strata_runtime::BufferSlice {
            buffer,
            offset,
            bytes,
        };
        assert!(dev.copy(slice(b, 12, 8), slice(c, 0, 8)).is_err());
        dev.copy(slice(b, 8, 8), slice(c, 0, 8)).unwrap();
        dev.synchronize().unwrap();
        let mut small = [0u8; 8];
        dev.download(c, 0, &mut small).unwrap();
        assert_eq!(small, [1; 8]);
        dev.free(b);
        dev.free(c);
        assert!(dev.download(b, 0, &mut out).is_err());
    }
}

#[test]
fn the_vulkan_device_refuses_foreign_code() {
    let dev = Runtime::new().device("vulkan").unwrap();
    assert_eq!(dev.kind(), TargetKind::Vulkan);
    let def = ExecutableDef {
        target: Target::generic(TargetKind::Vulkan),
        format: ExecutableFormat::Spirv,
        section: "exe.0".into(),
        entry_points: vec![],
        features: vec![],
    };
    let e = dev
        .load_executable(&def, b"\x7fELF not SPIR-V at all.")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not a SPIR-V module"), "{e}");
    let elf = ExecutableDef {
        format: ExecutableFormat::ElfSharedObject,
        ..def.clone()
    };
    let e = dev.load_executable(&elf, b"").err().unwrap().to_string();
    assert!(e.contains("runs SPIR-V"), "{e}");
    // A description asking for more than the device offers is refused before any code
    // is created, naming the limit.
    for (field, value, needle) in [
        ("push-constant-words", "100000", "push-constant bytes"),
        ("workgroup-size", "100000", "invocations per workgroup"),
        ("shared-memory-bytes", "1000000000", "shared memory"),
        ("max-bindings", "100000", "storage buffers per kernel"),
    ] {
        let mut big = def.clone();
        big.target.set(field, value).unwrap();
        let e = dev.load_executable(&big, b"").err().unwrap().to_string();
        assert!(e.contains(needle) && e.contains("offers"), "{field}: {e}");
    }
    let mut tight = def.clone();
    tight.target.set("max-bindings", "3").unwrap();
    tight.entry_points = vec![EntryPoint {
        symbol: "k".into(),
        argument_bytes: vec![4; 3],
        loop_iterations: None,
    }];
    let e = dev.load_executable(&tight, b"").err().unwrap().to_string();
    assert!(
        e.contains("takes 3 buffers") && e.contains("at most 2"),
        "{e}"
    );
    let exotic = ExecutableDef {
        features: vec!["shaderTeleportation".into()],
        ..def
    };
    let e = dev.load_executable(&exotic, b"").err().unwrap().to_string();
    assert!(e.contains("shaderTeleportation"), "{e}");
}

#[test]
fn the_cpu_device_refuses_foreign_code() {
    let dev = device();
    assert_eq!(dev.kind(), TargetKind::Cpu);
    let other_arch = if std::env::consts::ARCH == "aarch64" {
        "x86_64"
    } else {
        "aarch64"
    };
    let def = cpu_executable(&format!("{other_arch}-unknown-linux-gnu"), &[], vec![]);
    let e = dev.load_executable(&def, b"").err().unwrap().to_string();
    assert!(e.contains("compiled for"), "{e}");
    let here = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let garbage = cpu_executable(&here, &[], vec![]);
    let e = dev
        .load_executable(&garbage, b"not an ELF file")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot load"), "{e}");
    let spirv = ExecutableDef {
        format: ExecutableFormat::Spirv,
        ..garbage
    };
    let e = dev.load_executable(&spirv, b"").err().unwrap().to_string();
    assert!(e.contains("cannot run"), "{e}");
}

#[test]
fn code_for_extensions_this_machine_lacks_is_refused_by_name() {
    // Some checkable extension is always missing: no x86 has both AMD's sse4a-era
    // extensions and every Intel one, no Arm core every one of the list.
    let host = cpu_features::host();
    let table = cpu_features::checkable(std::env::consts::ARCH);
    let lacking = table
        .iter()
        .find(|f| !host.contains(f))
        .expect("this machine lacks a checkable extension");
    let here = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let have: Vec<&str> = host.iter().take(3).copied().collect();
    let mut needs: Vec<&str> = have.clone();
    needs.push(lacking);
    let def = cpu_executable(&here, &needs, vec![]);
    // Refused before the bytes are even looked at (they are no shared object here).
    let e = device()
        .load_executable(&def, b"never loaded")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("extensions this machine lacks") && e.contains(lacking),
        "{e}"
    );
    for f in &have {
        assert!(
            !e.contains(&format!(" {f},")) && !e.ends_with(f),
            "{f} is there: {e}"
        );
    }
    // An extension the runtime cannot check is refused too: trust is not assumed.
    let def = cpu_executable(&here, &["teleport"], vec![]);
    let e = device()
        .load_executable(&def, b"never loaded")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot check: teleport"), "{e}");
    // A module file carrying such an executable is refused when loaded, by name.
    let mut file = copy_module();
    file.manifest
        .executables
        .push(cpu_executable(&here, &[lacking], vec![]));
    file.executables.push(b"never loaded".to_vec().into());
    let e = Module::from_file(&device(), file)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains(lacking), "{e}");
}

/// `main(x: f32[2x3], c: bool, n: i64) -> (y, last: i64)`: `y = c ? x : constants`, and a
/// loop of `n` iterations copying its counter to `last` — branches and loops over copies
/// only, so both devices run them without compiled code.
fn control_module() -> ModuleFile {
    let spec = |name: &str, dtype, shape: &[usize]| TensorSpec {
        name: name.into(),
        dtype,
        shape: shape.to_vec(),
    };
    let r = |memory, offset, bytes| BufferRef {
        memory,
        offset,
        bytes,
    };
    let mut constants = vec![0u8; 64];
    for v in [1.5f32, 2.5, 3.5, 4.5, 5.5, 6.5] {
        constants.extend_from_slice(&v.to_le_bytes());
    }
    constants.push(1); // true, at 88
    let commands = vec![
        Command::If {
            cond: r(Memory::Input(1), 0, 1),
            then: vec![Command::Copy {
                src: r(Memory::Input(0), 0, 24),
                dst: r(Memory::Output(0), 0, 24),
            }],
            otherwise: vec![Command::Copy {
                src: r(Memory::Constants, 64, 24),
                dst: r(Memory::Output(0), 0, 24),
            }],
        },
        Command::Copy {
            src: r(Memory::Constants, 88, 1),
            dst: r(Memory::Arena, 8, 1),
        },
        Command::Loop {
            trip_count: r(Memory::Input(2), 0, 8),
            counter: r(Memory::Arena, 0, 8),
            cond: r(Memory::Arena, 8, 1),
            body: vec![Command::Copy {
                src: r(Memory::Arena, 0, 8),
                dst: r(Memory::Output(1), 0, 8),
            }],
        },
    ];
    ModuleFile {
        manifest: Manifest {
            producer: "test".into(),
            functions: vec![FunctionDef {
                name: "main".into(),
                inputs: vec![
                    spec("x", DType::F32, &[2, 3]),
                    spec("c", DType::Bool, &[]),
                    spec("n", DType::I64, &[]),
                ],
                outputs: vec![
                    spec("y", DType::F32, &[2, 3]),
                    spec("last", DType::I64, &[]),
                ],
                programs: [TargetKind::Cpu, TargetKind::Vulkan]
                    .map(|target| Program {
                        target,
                        arena_bytes: 64,
                        commands: commands.clone(),
                    })
                    .to_vec(),
            }],
            executables: vec![],
        },
        constants: Constants::from_bytes(constants.into()),
        executables: vec![],
    }
}

#[test]
fn branches_and_loops_run_on_every_device_and_are_checked() {
    let bytes = control_module().to_bytes().unwrap();
    let x = Tensor::from_slice(&[2, 3], &[1f32, -2.0, 3.0, -4.0, 5.0, -6.0]).unwrap();
    for dev in devices() {
        let module = Module::from_bytes(&dev, &bytes).unwrap();
        let f = module.function("main").unwrap();
        for (c, n) in [(true, 4i64), (false, 1), (true, 0)] {
            let inputs = [
                x.clone(),
                Tensor::from_slice(&[], &[c]).unwrap(),
                Tensor::from_slice(&[], &[n]).unwrap(),
            ];
            let out = f.call(&inputs).unwrap();
            let y = if c {
                x.to_vec::<f32>().unwrap()
            } else {
                vec![1.5, 2.5, 3.5, 4.5, 5.5, 6.5]
            };
            assert_eq!(out[0].to_vec::<f32>().unwrap(), y, "{}", dev.description());
            // The last iteration's number; a fresh output (zeros) when none ran.
            assert_eq!(out[1].to_vec::<i64>().unwrap(), vec![(n - 1).max(0)]);
        }
    }
    let check = |f: &dyn Fn(&mut Command), want: &str| {
        let mut m = control_module();
        f(&mut m.manifest.functions[0].programs[0].commands[2]);
        rejected(m, want);
    };
    check(
        &|c| {
            if let Command::Loop { counter, .. } = c {
                *counter = BufferRef {
                    memory: Memory::Input(2),
                    offset: 0,
                    bytes: 8,
                };
            }
        },
        "a loop counter in Input(2)",
    );
    check(
        &|c| {
            if let Command::Loop { cond, .. } = c {
                cond.bytes = 4;
            }
        },
        "its condition one boolean",
    );
    check(
        &|c| {
            if let Command::Loop { body, .. } = c {
                body.push(Command::Copy {
                    src: BufferRef {
                        memory: Memory::Arena,
                        offset: 60,
                        bytes: 8,
                    },
                    dst: BufferRef {
                        memory: Memory::Output(1),
                        offset: 0,
                        bytes: 8,
                    },
                });
            }
        },
        "outside",
    );
}

/// A thread count past the CPU device's cap is refused at once, naming the cap (it used
/// to spend minutes spawning threads before failing).
#[test]
fn absurd_thread_counts_are_refused() {
    let e = strata_runtime::Runtime::new()
        .cpu(Some(100_000))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("100000 worker threads") && e.contains("per core"),
        "{e}"
    );
    assert!(strata_runtime::Runtime::new().cpu(Some(2)).is_ok());
}

/// A manifest declaring a tensor whose byte size overflows is refused when the module
/// loads (its size was multiplied unchecked: a panic, or a wrapped size).
#[test]
fn declared_sizes_that_overflow_are_refused() {
    for output in [false, true] {
        let mut m = copy_module();
        let f = &mut m.manifest.functions[0];
        let spec = if output {
            &mut f.outputs[0]
        } else {
            &mut f.inputs[0]
        };
        spec.shape = vec![usize::MAX / 2, 3];
        rejected(m, "has more bytes than memory addresses");
    }
}

/// Streams of one device are one caller's each: work recorded on two at once finishes in
/// whichever order they synchronize, a stream dropped with work still queued runs it, and
/// a buffer freed while another stream's copy of it is queued stays valid for that copy.
#[test]
fn streams_are_independent_queues() {
    for dev in devices() {
        let slice = |buffer, bytes| strata_runtime::BufferSlice {
            buffer,
            offset: 0,
            bytes,
        };
        let [a, b, c, d, e] = [(); 5].map(|_| dev.allocate(64).unwrap());
        let mut one = dev.stream().unwrap();
        let mut two = dev.stream().unwrap();
        one.upload(a, 0, &[3; 64]).unwrap();
        two.upload(c, 0, &[5; 64]).unwrap();
        one.copy(slice(a, 64), slice(b, 64)).unwrap();
        two.copy(slice(c, 64), slice(d, 64)).unwrap();
        two.synchronize().unwrap();
        let mut out = [0u8; 64];
        two.download(d, 0, &mut out).unwrap();
        assert_eq!(out, [5; 64], "{}", dev.description());
        // `a` goes while `one`'s copy of it is still queued.
        one.copy(slice(a, 64), slice(e, 64)).unwrap();
        dev.free(a);
        one.synchronize().unwrap();
        one.download(e, 0, &mut out).unwrap();
        assert_eq!(out, [3; 64], "{}", dev.description());
        one.copy(slice(b, 64), slice(d, 64)).unwrap();
        drop(one);
        let mut three = dev.stream().unwrap();
        three.download(d, 0, &mut out).unwrap();
        assert_eq!(out, [3; 64], "{}", dev.description());
        drop((two, three));
        for x in [b, c, d, e] {
            dev.free(x);
        }
    }
}
