//! The module file: one file holding a compiled model.
//!
//! ```text
//! offset 0   header (128 bytes)
//!            magic "STRATAMF", format version (u32), section count (u32),
//!            file length (u64), BLAKE3 digest of every byte after the header (32 bytes),
//!            the signer's key id (8 bytes; zeros if unsigned), then the signer's
//!            ed25519 signature of the header's first 64 bytes (64; zeros if unsigned)
//! offset 128 section table: per section a 16-byte name, offset (u64), length (u64)
//! then       the sections, each starting at a multiple of 64 bytes:
//!            "manifest"   JSON: functions (inputs, outputs, one host program per
//!                         target kind), executables (each with the target description
//!                         it was compiled for)
//!            "constants"  the weights, each at a multiple of 64 bytes (a memory map of
//!                         the file serves them in place)
//!            "exe.<i>"    executable i: 128 bytes that bind it to the manifest ("STRATAEX",
//!                         i and the code's length as u64, 8 zeros, the BLAKE3 digests of
//!                         the manifest section and of the code, 32 zeros), then the
//!                         code (for the CPU: an ELF shared object; for Vulkan: a SPIR-V
//!                         module; for a systolic machine: its program,
//!                         `systolic::Executable`)
//! ```
//!
//! All integers are little-endian. Reading checks the magic, the version, the length and
//! the digest before anything else, then (where trusted keys are given) the signature,
//! then that every section and every reference in the manifest lies inside the file.
//!
//! What that proves: a damaged, truncated or foreign file is an error, never undefined
//! behaviour; the digest is cryptographic, so no edit keeps it without recomputing it.
//! A file whose manifest was edited on purpose, digest recomputed, is refused: every
//! executable section records the digest of the manifest it was written with, so the
//! manifest's claims about the code (entry points, argument sizes, grids, arena sizes)
//! are the ones it was compiled with, and another module's code cannot be swapped in.
//! (A module without executables has only copies, each checked against its buffers.)
//! But an executable section is native code that the device runs: **an unsigned module file is trusted code**, to be
//! loaded only from where you would load a shared library. A deployment that must refuse
//! code of unknown origin signs its modules ([`crate::signing`]) and loads them with the
//! keys it trusts ([`ModuleFile::from_shared_trusted`]).

use crate::signing::{KeyId, PublicKey, SecretKey, SIGNATURE_BYTES};
use crate::target::{Target, TargetKind};
use crate::ElementType as DType;
pub use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A module file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Damaged, foreign or inconsistent.
    #[error("bad module file: {0}")]
    BadModule(String),
    /// Whole, but not signed by a key the loader trusts.
    #[error("module file refused: {0}")]
    Untrusted(String),
    /// Written in a format version this build does not read.
    #[error("module file format version {found}; this runtime reads version {supported}")]
    Version { found: u32, supported: u32 },
}

type Error = FormatError;

/// The first bytes of every module file.
pub const MAGIC: &[u8; 8] = b"STRATAMF";
/// The format version this runtime reads and writes.
pub const VERSION: u32 = 6;
/// Alignment of sections and of constants inside the constants section.
pub const ALIGN: usize = 64;
const HEADER: usize = 128;
/// Where the digest, the signer's id and the signature lie in the header; a signature
/// covers the header up to `SIGNED`.
const DIGEST: std::ops::Range<usize> = 24..56;
const SIGNER: std::ops::Range<usize> = 56..64;
const SIGNED: usize = 64;
const SIGNATURE: std::ops::Range<usize> = 64..128;
/// The start of every executable section: its binding to the manifest.
const BINDING: usize = 128;
const BINDING_MAGIC: &[u8; 8] = b"STRATAEX";

/// The bytes that start executable `index`, with code `code`, of a file whose manifest
/// section is `manifest`: sections of one file cannot stand in for each other, and a
/// section table edit cannot cut or extend the code.
fn binding(manifest: &[u8], index: usize, code: &[u8]) -> [u8; BINDING] {
    let mut b = [0u8; BINDING];
    b[..8].copy_from_slice(BINDING_MAGIC);
    b[8..16].copy_from_slice(&(index as u64).to_le_bytes());
    b[16..24].copy_from_slice(&(code.len() as u64).to_le_bytes());
    b[32..64].copy_from_slice(blake3::hash(manifest).as_bytes());
    b[64..96].copy_from_slice(blake3::hash(code).as_bytes());
    b
}
const ENTRY: usize = 32;

/// A function argument or result: name, element type, static shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
}

impl TensorSpec {
    /// Bytes of a tensor of this spec (saturating: [`ModuleFile::check`] refuses specs
    /// whose size overflows).
    pub fn bytes(&self) -> usize {
        crate::tensor_bytes(self.dtype, &self.shape).unwrap_or(usize::MAX)
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
    /// Run `then` when the byte at `cond` is not zero, `otherwise` when it is (an ONNX
    /// `If` decided at run time). The runtime waits for the work before to read it.
    If {
        cond: BufferRef,
        then: Vec<Command>,
        otherwise: Vec<Command>,
    },
    /// Run `body` while the iteration number is below the i64 at `trip_count` (read once,
    /// before the first iteration) and the byte at `cond` is not zero (read before each);
    /// before each iteration, write the iteration number, from 0, as an i64 at `counter`.
    /// The body ends with the copies that carry its results to the next iteration.
    Loop {
        trip_count: BufferRef,
        counter: BufferRef,
        cond: BufferRef,
        body: Vec<Command>,
    },
}

impl Command {
    /// This command and every command nested in it, in program order.
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a Command>) {
        out.push(self);
        match self {
            Command::If {
                then, otherwise, ..
            } => {
                for c in then.iter().chain(otherwise) {
                    c.walk(out);
                }
            }
            Command::Loop { body, .. } => {
                for c in body {
                    c.walk(out);
                }
            }
            Command::Dispatch { .. } | Command::Copy { .. } => {}
        }
    }
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    pub symbol: String,
    pub argument_bytes: Vec<usize>,
    /// For GPU kernels: the most loop iterations one invocation runs, all its loops
    /// together. A driver that ends long-running loops (llvmpipe stops a shader's loops
    /// after 65535 iterations in all, leaving wrong results) refuses kernels past it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_iterations: Option<u64>,
}

/// How an executable's bytes are packaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutableFormat {
    /// An ELF shared object exporting one symbol per entry point (CPU).
    ElfSharedObject,
    /// One SPIR-V module with an entry point per kernel (Vulkan).
    Spirv,
    /// A systolic machine's program ([`crate::systolic::Executable`]): per kernel, array
    /// schedules and vector-unit phases, the latter as host code.
    SystolicProgram,
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

/// A module file's parts, in memory. Bulk bytes are shared ([`Bytes`]), not owned: a
/// file read through [`ModuleFile::from_shared`] (a memory map, say) keeps its constants
/// and code where they are, and a compiler builds the constants section out of the
/// weights it already holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleFile {
    pub manifest: Manifest,
    /// The constants section (weights at 64-byte-aligned offsets).
    pub constants: Constants,
    /// Executable bytes, indexed like `manifest.executables`.
    pub executables: Vec<Bytes>,
}

/// The constants section: pieces at 64-byte-aligned offsets, zeros between them.
#[derive(Clone, Debug, Default)]
pub struct Constants {
    len: usize,
    pieces: Vec<(usize, Bytes)>,
    /// Offsets of the pieces by a hash of their bytes, to store equal tensors once.
    by_hash: std::collections::HashMap<u64, Vec<usize>>,
}

impl PartialEq for Constants {
    fn eq(&self, other: &Constants) -> bool {
        self.len == other.len && self.to_bytes() == other.to_bytes()
    }
}

impl Constants {
    /// A section of exactly these bytes.
    pub fn from_bytes(bytes: Bytes) -> Constants {
        Constants {
            len: bytes.len(),
            pieces: if bytes.is_empty() {
                Vec::new()
            } else {
                vec![(0, bytes)]
            },
            by_hash: Default::default(),
        }
    }

    /// The section's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The offset of `data` in the section, appending it (at the next multiple of
    /// [`ALIGN`]) unless equal bytes are there already.
    pub fn place(&mut self, data: Bytes) -> usize {
        let key = content_hash(&data);
        for &i in self.by_hash.get(&key).into_iter().flatten() {
            if self.pieces[i].1 == data {
                return self.pieces[i].0;
            }
        }
        let offset = align(self.len);
        self.len = offset + data.len();
        self.by_hash.entry(key).or_default().push(self.pieces.len());
        self.pieces.push((offset, data));
        offset
    }

    /// The pieces and their offsets, in order.
    pub fn pieces(&self) -> impl Iterator<Item = (usize, &Bytes)> {
        self.pieces.iter().map(|(o, b)| (*o, b))
    }

    /// The whole section as one buffer: shared when it is one piece already (a file
    /// read from disk), assembled otherwise.
    pub fn to_bytes(&self) -> Bytes {
        match self.pieces.as_slice() {
            [] => Bytes::new(),
            [(0, b)] if b.len() == self.len => b.clone(),
            _ => {
                let mut out = vec![0u8; self.len];
                for (o, b) in &self.pieces {
                    out[*o..*o + b.len()].copy_from_slice(b);
                }
                Bytes::from(out)
            }
        }
    }

    /// Writes the section's bytes to `w`, piece by piece.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> Result<(), Error> {
        self.for_each_chunk(|b| {
            b.chunks(WRITE_CHUNK).try_for_each(|part| {
                w.write_all(part)
                    .map_err(|e| bad(format!("cannot write the constants: {e}")))
            })
        })
    }

    /// Calls `f` on every byte range of the section in order, zero padding included.
    fn for_each_chunk(&self, mut f: impl FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error> {
        const ZEROS: [u8; ALIGN] = [0; ALIGN];
        let mut at = 0;
        for (o, b) in &self.pieces {
            while at < *o {
                let n = (*o - at).min(ALIGN);
                f(&ZEROS[..n])?;
                at += n;
            }
            f(b)?;
            at += b.len();
        }
        Ok(())
    }
}

/// The most bytes handed to one `write` of a module file.
const WRITE_CHUNK: usize = 1 << 20;

/// A fast hash of bulk bytes (weights are megabytes; equal hashes are confirmed by
/// comparing the bytes).
pub fn content_hash(bytes: &[u8]) -> u64 {
    let h = blake3::hash(bytes);
    u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}

/// Who signed the module file `bytes` begins with, by the id its header records (`None`:
/// unsigned). The claim is checked only against trusted keys
/// ([`ModuleFile::from_shared_trusted`]).
pub fn signer(bytes: &[u8]) -> Option<KeyId> {
    let id: [u8; 8] = bytes.get(SIGNER)?.try_into().ok()?;
    (bytes.len() >= HEADER && &bytes[0..8] == MAGIC && id != [0; 8]).then_some(KeyId(id))
}

/// Recomputes the digest of module file `bytes` in place (its signature, if any, no longer
/// verifies). For tools and tests that edit files on purpose: the digest shows that a
/// file is whole, not who wrote it.
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() >= HEADER {
        let digest = blake3::hash(&bytes[HEADER..]);
        bytes[DIGEST].copy_from_slice(digest.as_bytes());
    }
}

/// The sections of module file `bytes`, by name and in file order, as they are stored
/// (executables with their binding). Checks only that the table lies inside the file.
pub fn raw_sections(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    if bytes.len() < HEADER || &bytes[0..8] != MAGIC {
        return Err(bad("not a Strata module file (bad magic)"));
    }
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap_or([0; 4])) as usize;
    if count.saturating_mul(ENTRY).saturating_add(HEADER) > bytes.len() {
        return Err(bad("the section table runs past the end of the file"));
    }
    (0..count)
        .map(|i| {
            let e = HEADER + ENTRY * i;
            let name = String::from_utf8_lossy(&bytes[e..e + 16])
                .trim_end_matches('\0')
                .to_string();
            let (offset, len) = (u64_at(e + 16) as usize, u64_at(e + 24) as usize);
            let data = offset
                .checked_add(len)
                .and_then(|end| bytes.get(offset..end))
                .ok_or_else(|| bad(format!("section '{name}' lies outside the file")))?;
            Ok((name, data.to_vec()))
        })
        .collect()
}

/// Module file `bytes` with section `name`'s bytes replaced by `data` (the layout redone,
/// the digest recomputed; a signature no longer verifies). For tools and tests that edit
/// files on purpose, as a hostile editor would.
pub fn with_section(bytes: &[u8], name: &str, data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut sections = raw_sections(bytes)?;
    let slot = sections
        .iter_mut()
        .find(|(n, _)| n == name)
        .ok_or_else(|| bad(format!("no section '{name}'")))?;
    slot.1 = data.to_vec();
    let mut out = bytes[..HEADER].to_vec();
    out.resize(align(HEADER + ENTRY * sections.len()), 0);
    let mut offset = out.len();
    for (i, (n, d)) in sections.iter().enumerate() {
        let e = HEADER + ENTRY * i;
        out[e..e + 16].fill(0);
        out[e..e + n.len().min(16)].copy_from_slice(&n.as_bytes()[..n.len().min(16)]);
        out[e + 16..e + 24].copy_from_slice(&(offset as u64).to_le_bytes());
        out[e + 24..e + 32].copy_from_slice(&(d.len() as u64).to_le_bytes());
        offset = align(offset + d.len());
    }
    for (_, d) in &sections {
        out.extend_from_slice(d);
        out.resize(align(out.len()), 0);
    }
    let len = out.len() as u64;
    out[16..24].copy_from_slice(&len.to_le_bytes());
    reseal(&mut out);
    Ok(out)
}

/// Checks that `header` is signed by one of `trusted`.
fn check_signature(header: &[u8], trusted: &[PublicKey]) -> Result<(), Error> {
    let refuse = |m: String| Err(Error::Untrusted(m));
    let names = || {
        trusted
            .iter()
            .map(|k| k.id().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(id) = signer(header) else {
        return refuse(format!(
            "it is unsigned, and only modules signed by a trusted key ({}) may load",
            names()
        ));
    };
    let Some(key) = trusted.iter().find(|k| k.id() == id) else {
        return refuse(format!(
            "it is signed by key {id}, which is not trusted (trusted: {})",
            names()
        ));
    };
    let signature: [u8; SIGNATURE_BYTES] = header[SIGNATURE].try_into().unwrap_or([0; 64]);
    if !key.verifies(&header[..SIGNED], &signature) {
        return refuse(format!(
            "the signature of key {id} does not verify: the file was changed after it was signed"
        ));
    }
    Ok(())
}

fn align(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

fn bad(msg: impl Into<String>) -> Error {
    Error::BadModule(msg.into())
}

/// A section's bytes, however they are held.
enum SectionData<'a> {
    Flat(&'a [u8]),
    Constants(&'a Constants),
    /// An executable: its binding to the manifest, then its code.
    Code(&'a [u8; BINDING], &'a [u8]),
}

impl SectionData<'_> {
    fn len(&self) -> usize {
        match self {
            SectionData::Flat(b) => b.len(),
            SectionData::Constants(c) => c.len(),
            SectionData::Code(b, code) => b.len() + code.len(),
        }
    }

    fn for_each_chunk(&self, mut f: impl FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error> {
        match self {
            SectionData::Flat(b) => f(b),
            SectionData::Constants(c) => c.for_each_chunk(f),
            SectionData::Code(b, code) => {
                f(&b[..])?;
                f(code)
            }
        }
    }
}

impl ModuleFile {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.write_to(&mut out)?;
        Ok(out)
    }

    /// Writes the file to `w`, section by section, without assembling it in memory.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> Result<(), Error> {
        self.write(w, None)
    }

    /// Writes the file to `w` signed by `key`: runtimes that trust its public key load it.
    pub fn write_signed(&self, w: &mut impl std::io::Write, key: &SecretKey) -> Result<(), Error> {
        self.write(w, Some(key))
    }

    fn write(&self, w: &mut impl std::io::Write, key: Option<&SecretKey>) -> Result<(), Error> {
        self.check()?;
        let manifest = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| bad(format!("cannot encode the manifest: {e}")))?;
        let bound: Vec<[u8; BINDING]> = (0..self.executables.len())
            .map(|i| binding(&manifest, i, &self.executables[i]))
            .collect();
        let mut sections: Vec<(String, SectionData)> = vec![
            ("manifest".into(), SectionData::Flat(&manifest)),
            ("constants".into(), SectionData::Constants(&self.constants)),
        ];
        for ((def, bytes), b) in self
            .manifest
            .executables
            .iter()
            .zip(&self.executables)
            .zip(&bound)
        {
            sections.push((def.section.clone(), SectionData::Code(b, bytes)));
        }
        let table_end = HEADER + ENTRY * sections.len();
        let mut head = vec![0u8; align(table_end)];
        let mut offset = head.len();
        for (i, (name, data)) in sections.iter().enumerate() {
            if name.len() > 16 || !name.is_ascii() {
                return Err(bad(format!("section name '{name}' is not 16 ASCII bytes")));
            }
            let e = HEADER + ENTRY * i;
            head[e..e + name.len()].copy_from_slice(name.as_bytes());
            head[e + 16..e + 24].copy_from_slice(&(offset as u64).to_le_bytes());
            head[e + 24..e + 32].copy_from_slice(&(data.len() as u64).to_le_bytes());
            offset = align(offset + data.len());
        }
        head[0..8].copy_from_slice(MAGIC);
        head[8..12].copy_from_slice(&VERSION.to_le_bytes());
        head[12..16].copy_from_slice(&(sections.len() as u32).to_le_bytes());
        head[16..24].copy_from_slice(&(offset as u64).to_le_bytes());
        // Everything after the header, in order: the table, then each section padded.
        let body = |f: &mut dyn FnMut(&[u8]) -> Result<(), Error>| -> Result<(), Error> {
            const ZEROS: [u8; ALIGN] = [0; ALIGN];
            f(&head[HEADER..])?;
            for (_, data) in &sections {
                data.for_each_chunk(&mut *f)?;
                let pad = align(data.len()) - data.len();
                f(&ZEROS[..pad])?;
            }
            Ok(())
        };
        let mut digest = blake3::Hasher::new();
        body(&mut |b| {
            digest.update(b);
            Ok(())
        })?;
        let io = |e: std::io::Error| bad(format!("cannot write the module: {e}"));
        let mut header = head[..HEADER].to_vec();
        header[DIGEST].copy_from_slice(digest.finalize().as_bytes());
        if let Some(key) = key {
            header[SIGNER].copy_from_slice(&key.public().id().0);
            let signature = key.sign(&header[..SIGNED]);
            header[SIGNATURE].copy_from_slice(&signature);
        }
        w.write_all(&header).map_err(io)?;
        // In pieces of at most 1 MiB: one write of a 32 MiB weight took 0.25 s on an
        // ext4 test machine (the kernel allocates and charges its page cache in one
        // go), 32 writes of 1 MiB 5 ms.
        body(&mut |b| {
            b.chunks(WRITE_CHUNK)
                .try_for_each(|part| w.write_all(part).map_err(io))
        })
    }

    /// Reads and checks a module file's bytes (copied).
    pub fn from_bytes(bytes: &[u8]) -> Result<ModuleFile, Error> {
        ModuleFile::from_shared(Bytes::copy_from_slice(bytes))
    }

    /// Reads and checks a module file held in `bytes` (a memory map, say): constants and
    /// executables stay slices of it. A signature is not checked (there is no key to
    /// check it with): see [`Self::from_shared_trusted`].
    pub fn from_shared(bytes: Bytes) -> Result<ModuleFile, Error> {
        ModuleFile::from_shared_trusted(bytes, &[])
    }

    /// Like [`Self::from_shared`], and where `trusted` names any key, the file must be
    /// signed by one of them: an unsigned file, one signed by another key, or one changed
    /// after signing (its digest recomputed) is an error.
    pub fn from_shared_trusted(bytes: Bytes, trusted: &[PublicKey]) -> Result<ModuleFile, Error> {
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
        if blake3::hash(&bytes[HEADER..]).as_bytes()[..] != bytes[DIGEST] {
            return Err(bad(
                "digest mismatch: the file is corrupted (or was changed without recomputing its digest)",
            ));
        }
        if !trusted.is_empty() {
            check_signature(&bytes[..HEADER], trusted)?;
        }
        let count = u32_at(12) as usize;
        if count
            .checked_mul(ENTRY)
            .and_then(|t| t.checked_add(HEADER))
            .is_none_or(|end| end > bytes.len())
        {
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
            sections.insert(name, bytes.slice(offset..offset + len));
        }
        let section = |name: &str| {
            sections
                .get(name)
                .cloned()
                .ok_or_else(|| bad(format!("no section '{name}'")))
        };
        let manifest_bytes = section("manifest")?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| bad(format!("bad manifest: {e}")))?;
        let constants = Constants::from_bytes(section("constants")?);
        let executables = manifest
            .executables
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let code = section(&d.section)?;
                if code.len() < BINDING || code[..8] != *BINDING_MAGIC {
                    return Err(bad(format!("executable {i} ('{}') is not an executable section", d.section)));
                }
                if code[..BINDING] != binding(&manifest_bytes, i, &code[BINDING..]) {
                    return Err(bad(format!(
                        "executable {i} ('{}') does not match its manifest: the manifest or the section table was edited, the code changed, or another module's code put in",
                        d.section
                    )));
                }
                Ok(code.slice(BINDING..))
            })
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
        for f in &m.functions {
            for (what, specs) in [("input", &f.inputs), ("output", &f.outputs)] {
                if let Some(s) = specs
                    .iter()
                    .find(|s| crate::tensor_bytes(s.dtype, &s.shape).is_none())
                {
                    return Err(bad(format!(
                        "function '{}': {what} '{}' of shape {:?} has more bytes than memory addresses",
                        f.name, s.name, s.shape
                    )));
                }
            }
        }
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
                TargetKind::Systolic => Some(ExecutableFormat::SystolicProgram),
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
            let mut all = Vec::new();
            for c in &p.commands {
                c.walk(&mut all);
            }
            for (step, c) in all.into_iter().enumerate() {
                match c {
                    Command::If { cond, .. } => {
                        if size_of(cond)? != 1 {
                            return Err(bad(format!(
                                "function '{}', step {step}: a condition of {} bytes (one boolean is 1)",
                                f.name, cond.bytes
                            )));
                        }
                    }
                    Command::Loop {
                        trip_count,
                        counter,
                        cond,
                        ..
                    } => {
                        if size_of(trip_count)? != 8
                            || size_of(counter)? != 8
                            || size_of(cond)? != 1
                        {
                            return Err(bad(format!(
                                "function '{}', step {step}: a loop's trip count and counter are one i64, its condition one boolean",
                                f.name
                            )));
                        }
                        if matches!(counter.memory, Memory::Input(_) | Memory::Constants) {
                            return Err(bad(format!(
                                "function '{}', step {step}: a loop counter in {:?}",
                                f.name, counter.memory
                            )));
                        }
                    }
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
