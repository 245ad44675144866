//! The module file: one file holding a compiled model.
//!
//! ```text
//! offset 0   header (64 bytes)
//!            magic "STRATAMF", format version (u32), section count (u32),
//!            file length (u64), CRC-32 of every byte after the header (u32), zeros
//! offset 64  section table: per section a 16-byte name, offset (u64), length (u64)
//! then       the sections, each starting at a multiple of 64 bytes:
//!            "manifest"   JSON: functions (inputs, outputs, one host program per
//!                         target), executables
//!            "constants"  the weights, each at a multiple of 64 bytes (memory-mappable)
//!            "exe.<i>"    executable i (for the CPU: an ELF shared object; for Vulkan:
//!                         a SPIR-V module)
//! ```
//!
//! All integers are little-endian. Reading checks the magic, the version, the length and
//! the checksum before anything else, then that every section and every reference in the
//! manifest lies inside the file: a damaged or foreign file is an error, never undefined
//! behaviour.

use crate::target::{Target, TargetKind};
use crate::ElementType as DType;
use serde::{Deserialize, Serialize};

/// A module file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Damaged, foreign or inconsistent.
    #[error("bad module file: {0}")]
    BadModule(String),
    /// Written in a format version this build does not read.
    #[error("module file format version {found}; this runtime reads version {supported}")]
    Version { found: u32, supported: u32 },
}

type Error = FormatError;

/// The first bytes of every module file.
pub const MAGIC: &[u8; 8] = b"STRATAMF";
/// The format version this runtime reads and writes.
pub const VERSION: u32 = 3;
/// Alignment of sections and of constants inside the constants section.
pub const ALIGN: usize = 64;
const HEADER: usize = 64;
const ENTRY: usize = 32;

/// A function argument or result: name, element type, static shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
}

impl TensorSpec {
    /// Bytes of a tensor of this spec.
    pub fn bytes(&self) -> usize {
        self.shape.iter().product::<usize>() * self.dtype.size()
    }
}

/// Where a bound buffer lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Memory {
    /// The function's input `i`.
    Input(usize),
    /// The function's output `i` (written by the program).
    Output(usize),
    /// The function's scratch arena.
    Arena,
    /// The module's constants section.
    Constants,
}

/// A byte range of one memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferRef {
    pub memory: Memory,
    pub offset: usize,
    pub bytes: usize,
}

/// One step of a host program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Run entry point `entry` of executable `executable` over a grid of workgroups.
    Dispatch {
        executable: usize,
        entry: usize,
        bindings: Vec<BufferRef>,
        workgroups: [u32; 3],
    },
    /// Copy `src` to `dst` (same size).
    Copy { src: BufferRef, dst: BufferRef },
}

/// How one kind of device runs a function: the host program over that target's
/// executables. Targets differ in tiling, fusion and scratch layout, so each has its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// The kind of device that runs it.
    pub target: TargetKind,
    /// Bytes of scratch memory the program uses.
    pub arena_bytes: usize,
    pub commands: Vec<Command>,
}

/// A function of the module: its signature and its host program for each target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionDef {
    pub name: String,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    pub programs: Vec<Program>,
}

impl FunctionDef {
    /// The program for device kind `target`.
    pub fn program(&self, target: TargetKind) -> Option<&Program> {
        self.programs.iter().find(|p| p.target == target)
    }

    /// The targets it has programs for.
    pub fn targets(&self) -> Vec<TargetKind> {
        self.programs.iter().map(|p| p.target).collect()
    }
}

/// A kernel of an executable: its symbol and the byte size of each buffer it takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    pub symbol: String,
    pub argument_bytes: Vec<usize>,
}

/// How an executable's bytes are packaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutableFormat {
    /// An ELF shared object exporting one symbol per entry point (CPU).
    ElfSharedObject,
    /// One SPIR-V module with an entry point per kernel (Vulkan).
    Spirv,
}

/// Compiled code for one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutableDef {
    /// The target it was compiled for, described: a device checks the description
    /// against itself before loading the code (a CPU's triple and instruction-set
    /// extensions, a GPU's workgroup size, bindings and push constants).
    pub target: Target,
    pub format: ExecutableFormat,
    /// The section holding it.
    pub section: String,
    pub entry_points: Vec<EntryPoint>,
    /// Optional device features the code uses beyond its target description (for
    /// Vulkan: `shaderInt64`, `storageBuffer8BitAccess`, ...); a device without one
    /// refuses to load it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl ExecutableDef {
    /// The kind of device that runs it.
    pub fn kind(&self) -> TargetKind {
        self.target.kind()
    }
}

/// Everything about a module except bulk bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Who wrote the file (`strata 0.1.0`).
    pub producer: String,
    pub functions: Vec<FunctionDef>,
    pub executables: Vec<ExecutableDef>,
}

/// A module file's parts, in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleFile {
    pub manifest: Manifest,
    /// The constants section (weights at 64-byte-aligned offsets).
    pub constants: Vec<u8>,
    /// Executable bytes, indexed like `manifest.executables`.
    pub executables: Vec<Vec<u8>>,
}

fn align(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

fn bad(msg: impl Into<String>) -> Error {
    Error::BadModule(msg.into())
}

impl ModuleFile {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        self.check()?;
        let manifest = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| bad(format!("cannot encode the manifest: {e}")))?;
        let mut sections: Vec<(String, &[u8])> = vec![
            ("manifest".into(), &manifest),
            ("constants".into(), &self.constants),
        ];
        for (def, bytes) in self.manifest.executables.iter().zip(&self.executables) {
            sections.push((def.section.clone(), bytes));
        }
        let table_end = HEADER + ENTRY * sections.len();
        let mut out = vec![0u8; align(table_end)];
        for (i, (name, bytes)) in sections.iter().enumerate() {
            if name.len() > 16 || !name.is_ascii() {
                return Err(bad(format!("section name '{name}' is not 16 ASCII bytes")));
            }
            let offset = out.len();
            out.extend_from_slice(bytes);
            out.resize(align(out.len()), 0);
            let e = HEADER + ENTRY * i;
            out[e..e + name.len()].copy_from_slice(name.as_bytes());
            out[e + 16..e + 24].copy_from_slice(&(offset as u64).to_le_bytes());
            out[e + 24..e + 32].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        }
        out[0..8].copy_from_slice(MAGIC);
        out[8..12].copy_from_slice(&VERSION.to_le_bytes());
        out[12..16].copy_from_slice(&(sections.len() as u32).to_le_bytes());
        let len = out.len() as u64;
        out[16..24].copy_from_slice(&len.to_le_bytes());
        let crc = crc32fast::hash(&out[HEADER..]);
        out[24..28].copy_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Reads and checks a module file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<ModuleFile, Error> {
        if bytes.len() < HEADER || &bytes[0..8] != MAGIC {
            return Err(bad("not a Strata module file (bad magic)"));
        }
        let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
        let version = u32_at(8);
        if version != VERSION {
            return Err(Error::Version {
                found: version,
                supported: VERSION,
            });
        }
        if u64_at(16) != bytes.len() as u64 {
            return Err(bad(format!(
                "the file is {} bytes, its header says {} (truncated?)",
                bytes.len(),
                u64_at(16)
            )));
        }
        if crc32fast::hash(&bytes[HEADER..]) != u32_at(24) {
            return Err(bad("checksum mismatch: the file is corrupted"));
        }
        let count = u32_at(12) as usize;
        if HEADER + ENTRY * count > bytes.len() {
            return Err(bad("the section table runs past the end of the file"));
        }
        let mut sections = std::collections::HashMap::new();
        for i in 0..count {
            let e = HEADER + ENTRY * i;
            let raw = &bytes[e..e + 16];
            let name = String::from_utf8_lossy(raw)
                .trim_end_matches('\0')
                .to_string();
            let (offset, len) = (u64_at(e + 16) as usize, u64_at(e + 24) as usize);
            if offset.checked_add(len).is_none_or(|end| end > bytes.len()) {
                return Err(bad(format!("section '{name}' lies outside the file")));
            }
            sections.insert(name, &bytes[offset..offset + len]);
        }
        let section = |name: &str| {
            sections
                .get(name)
                .copied()
                .ok_or_else(|| bad(format!("no section '{name}'")))
        };
        let manifest: Manifest = serde_json::from_slice(section("manifest")?)
            .map_err(|e| bad(format!("bad manifest: {e}")))?;
        let constants = section("constants")?.to_vec();
        let executables = manifest
            .executables
            .iter()
            .map(|d| section(&d.section).map(<[u8]>::to_vec))
            .collect::<Result<Vec<_>, _>>()?;
        let file = ModuleFile {
            manifest,
            constants,
            executables,
        };
        file.check()?;
        Ok(file)
    }

    /// Checks every reference of the host programs: executables and entry points exist,
    /// bindings lie inside their memories and match the kernels' argument sizes.
    pub fn check(&self) -> Result<(), Error> {
        let m = &self.manifest;
        if self.executables.len() != m.executables.len() {
            return Err(bad(format!(
                "{} executables for {} definitions",
                self.executables.len(),
                m.executables.len()
            )));
        }
        for (i, e) in m.executables.iter().enumerate() {
            e.target
                .check()
                .map_err(|err| bad(format!("executable {i}: {err}")))?;
            let expected = match e.kind() {
                TargetKind::Cpu => Some(ExecutableFormat::ElfSharedObject),
                TargetKind::Vulkan => Some(ExecutableFormat::Spirv),
                TargetKind::Systolic => None,
            };
            if expected != Some(e.format) {
                return Err(bad(format!(
                    "executable {i}: a {} executable cannot be in {:?} format",
                    e.kind(),
                    e.format
                )));
            }
        }
        for (f, p) in m
            .functions
            .iter()
            .flat_map(|f| f.programs.iter().map(move |p| (f, p)))
        {
            if f.programs.iter().filter(|q| q.target == p.target).count() > 1 {
                return Err(bad(format!(
                    "function '{}' has two programs for '{}'",
                    f.name, p.target
                )));
            }
            let size_of = |r: &BufferRef| -> Result<usize, Error> {
                let cap = match r.memory {
                    Memory::Input(i) => f.inputs.get(i).map(TensorSpec::bytes),
                    Memory::Output(i) => f.outputs.get(i).map(TensorSpec::bytes),
                    Memory::Arena => Some(p.arena_bytes),
                    Memory::Constants => Some(self.constants.len()),
                }
                .ok_or_else(|| bad(format!("function '{}': no memory {:?}", f.name, r.memory)))?;
                if r.offset.checked_add(r.bytes).is_none_or(|end| end > cap) {
                    return Err(bad(format!(
                        "function '{}': bytes {}..{} of {:?} lie outside its {cap} bytes",
                        f.name,
                        r.offset,
                        r.offset.saturating_add(r.bytes),
                        r.memory
                    )));
                }
                Ok(r.bytes)
            };
            for (step, c) in p.commands.iter().enumerate() {
                match c {
                    Command::Dispatch {
                        executable,
                        entry,
                        bindings,
                        workgroups,
                    } => {
                        if m.executables
                            .get(*executable)
                            .is_some_and(|e| e.kind() != p.target)
                        {
                            return Err(bad(format!(
                                "function '{}', {} program, step {step}: executable {executable} is for another target",
                                f.name, p.target
                            )));
                        }
                        let ep = m
                            .executables
                            .get(*executable)
                            .and_then(|e| e.entry_points.get(*entry))
                            .ok_or_else(|| {
                                bad(format!(
                                    "function '{}', step {step}: no entry point {entry} in executable {executable}",
                                    f.name
                                ))
                            })?;
                        if ep.argument_bytes.len() != bindings.len() {
                            return Err(bad(format!(
                                "function '{}', step {step}: '{}' takes {} buffers, {} bound",
                                f.name,
                                ep.symbol,
                                ep.argument_bytes.len(),
                                bindings.len()
                            )));
                        }
                        for (b, &need) in bindings.iter().zip(&ep.argument_bytes) {
                            if size_of(b)? != need {
                                return Err(bad(format!(
                                    "function '{}', step {step}: '{}' takes a buffer of {need} bytes, {} bound",
                                    f.name, ep.symbol, b.bytes
                                )));
                            }
                        }
                        // The last argument is always a result: never an input or a constant.
                        if let Some(b) = bindings.last() {
                            if matches!(b.memory, Memory::Input(_) | Memory::Constants) {
                                return Err(bad(format!(
                                    "function '{}', step {step}: '{}' would write into {:?}",
                                    f.name, ep.symbol, b.memory
                                )));
                            }
                        }
                        if workgroups.contains(&0) {
                            return Err(bad(format!(
                                "function '{}', step {step}: an empty grid",
                                f.name
                            )));
                        }
                    }
                    Command::Copy { src, dst } => {
                        if size_of(src)? != size_of(dst)? {
                            return Err(bad(format!(
                                "function '{}', step {step}: a copy between sizes {} and {}",
                                f.name, src.bytes, dst.bytes
                            )));
                        }
                        if matches!(dst.memory, Memory::Input(_) | Memory::Constants) {
                            return Err(bad(format!(
                                "function '{}', step {step}: a copy into {:?}",
                                f.name, dst.memory
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
