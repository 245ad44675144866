//! Module files edited on purpose, as a hostile editor would: every field of the manifest
//! changed with the file's digest recomputed, and one module's code put into another's
//! file. Each is refused when read, before any device sees it.

use strata::compile::{compile, CompileOptions};
use strata::ir::parse_module;
use strata::runtime::format::{raw_sections, with_section};
use strata::runtime::{Module, ModuleFile, Runtime};

mod common;
use common::one_op;

/// A module for the CPU, Vulkan and the systolic machine from one op's graph.
fn module_bytes(op: &str, attrs: &str, inputs: &[&str], output: &str) -> Vec<u8> {
    let m = parse_module(&one_op(op, attrs, inputs, output)).unwrap();
    let options = CompileOptions::for_targets("cpu,vulkan,systolic", &Default::default()).unwrap();
    compile(m, &options).unwrap().to_bytes().unwrap()
}

/// Every leaf of `v`, as a JSON pointer, with the edits worth trying on it: numbers one
/// up, one down and huge, strings changed, booleans flipped; arrays also lose their last
/// element and objects a member.
fn edits(v: &serde_json::Value, at: String, out: &mut Vec<(String, serde_json::Value)>) {
    use serde_json::Value as V;
    match v {
        V::Number(n) => {
            if let Some(x) = n.as_u64() {
                out.push((at.clone(), V::from(x + 1)));
                out.push((
                    at.clone(),
                    V::from(x.saturating_sub(1).max(u64::from(x == 0))),
                ));
                out.push((at, V::from(u64::MAX / 3)));
            } else if let Some(x) = n.as_i64() {
                out.push((at, V::from(x + 1)));
            } else {
                out.push((at, V::from(n.as_f64().unwrap_or(0.0) * 2.0 + 1.0)));
            }
        }
        V::String(s) => out.push((at, V::from(format!("{s}x")))),
        V::Bool(b) => out.push((at, V::from(!b))),
        V::Null => out.push((at, V::from(1))),
        V::Array(items) => {
            if !items.is_empty() {
                let mut fewer = items.clone();
                fewer.pop();
                out.push((at.clone(), V::from(fewer)));
            }
            for (i, x) in items.iter().enumerate() {
                edits(x, format!("{at}/{i}"), out);
            }
        }
        V::Object(members) => {
            for (k, x) in members {
                let mut fewer = members.clone();
                fewer.remove(k);
                out.push((at.clone(), V::Object(fewer)));
                edits(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
    }
}

#[test]
fn every_manifest_edit_is_refused() {
    let bytes = module_bytes("matmul", "", &["4x8", "8x3"], "4x3");
    let sections = raw_sections(&bytes).unwrap();
    let manifest = &sections.iter().find(|(n, _)| n == "manifest").unwrap().1;
    let json: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    // Unedited, the rebuilt file loads and runs: the edits below change only the field.
    let same = with_section(&bytes, "manifest", manifest).unwrap();
    let cpu = Runtime::new().cpu(Some(1)).unwrap();
    Module::from_bytes(&cpu, &same).unwrap();
    let mut cases = Vec::new();
    edits(&json, String::new(), &mut cases);
    assert!(cases.len() > 100, "{} edits", cases.len());
    let mut bound = 0;
    for (at, value) in &cases {
        let mut edited = json.clone();
        match edited.pointer_mut(at) {
            Some(slot) => *slot = value.clone(),
            None => panic!("no field {at}"),
        }
        let text = serde_json::to_vec_pretty(&edited).unwrap();
        let file = with_section(&bytes, "manifest", &text).unwrap();
        match ModuleFile::from_bytes(&file) {
            Ok(_) => panic!("the manifest edited at '{at}' to {value} was accepted"),
            Err(e) => bound += e.to_string().contains("does not match its manifest") as usize,
        }
    }
    println!(
        "{} manifest edits refused ({bound} by the executables' binding, the rest earlier)",
        cases.len()
    );
}

#[test]
fn code_from_another_module_is_refused() {
    let a = module_bytes("matmul", "", &["4x8", "8x3"], "4x3");
    let b = module_bytes("matmul", "", &["4x8", "8x5"], "4x5");
    let theirs = raw_sections(&b).unwrap();
    for (name, code) in theirs.iter().filter(|(n, _)| n.starts_with("exe.")) {
        let swapped = with_section(&a, name, code).unwrap();
        let e = ModuleFile::from_bytes(&swapped).expect_err("refused");
        assert!(
            e.to_string().contains("does not match its manifest"),
            "{name}: {e}"
        );
    }
    // A section that lost its binding is no executable at all.
    let bare = with_section(&a, "exe.0", &[0x7f, b'E', b'L', b'F']).unwrap();
    let e = ModuleFile::from_bytes(&bare).expect_err("refused");
    assert!(e.to_string().contains("not an executable section"), "{e}");
}
