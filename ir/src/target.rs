//! The target description on a module: set once before a pipeline runs, read by every
//! pass and back end that depends on the machine (`strata_abi::target` defines it).
//!
//! It is the module attribute `strata.target`, a dictionary with the description's
//! fields, so the IR text of any level says what it was compiled for:
//! `"builtin.module"() ({...}) {strata.target = {kind = "cpu", vector_bits = 512 : i64, ...}} : () -> ()`.

use crate::attr::Attribute;
use crate::module::Module;
pub use strata_abi::target::{Target, TargetKind};

/// The module attribute holding the target description.
pub const TARGET_ATTR: &str = "strata.target";

/// The module's target description, if it has one.
pub fn target_of(m: &Module) -> Result<Option<Target>, crate::IrError> {
    match m.attrs().get(TARGET_ATTR) {
        None => Ok(None),
        Some(a) => {
            let t = Target::from_json(to_json(a)?)
                .map_err(|e| format!("module attribute '{TARGET_ATTR}': {e}"))?;
            t.check()
                .map_err(|e| format!("module attribute '{TARGET_ATTR}': {e}"))?;
            Ok(Some(t))
        }
    }
}

/// Sets (or replaces) the module's target description.
pub fn set_target(m: &mut Module, target: &Target) {
    m.attrs_mut()
        .insert(TARGET_ATTR.into(), from_json(&target.to_json()));
}

fn from_json(v: &serde_json::Value) -> Attribute {
    use serde_json::Value as J;
    match v {
        J::Null => Attribute::Array(Vec::new()),
        J::Bool(b) => Attribute::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Attribute::Int(i),
            None => Attribute::Float(n.as_f64().unwrap_or(f64::NAN), crate::ElementType::F64),
        },
        J::String(s) => Attribute::String(s.clone()),
        J::Array(items) => Attribute::Array(items.iter().map(from_json).collect()),
        J::Object(o) => Attribute::Dict(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

fn to_json(a: &Attribute) -> Result<serde_json::Value, crate::IrError> {
    use serde_json::Value as J;
    Ok(match a {
        Attribute::Bool(b) => J::Bool(*b),
        Attribute::Int(i) => J::from(*i),
        Attribute::Float(f, _) => J::from(*f),
        Attribute::String(s) => J::String(s.clone()),
        Attribute::Array(items) => J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Attribute::Dict(d) => J::Object(
            d.iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                .collect::<Result<_, crate::IrError>>()?,
        ),
        other => {
            return Err(format!(
                "module attribute '{TARGET_ATTR}' holds a {}, which no description field takes",
                other.kind()
            )
            .into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_survives_printing_and_parsing() {
        for kind in TargetKind::ALL {
            let mut m = Module::new();
            assert_eq!(target_of(&m).unwrap(), None);
            let mut t = Target::generic(kind);
            if kind == TargetKind::Cpu {
                t.set("features", "avx2+fma").unwrap();
            }
            set_target(&mut m, &t);
            let text = crate::print_module(&m);
            assert!(text.contains("strata.target = {"), "{text}");
            let back = crate::parse_module(&text).unwrap();
            assert_eq!(target_of(&back).unwrap(), Some(t));
            assert_eq!(crate::print_module(&back), text);
        }
        let mut m = Module::new();
        m.attrs_mut()
            .insert(TARGET_ATTR.into(), Attribute::String("cpu".into()));
        assert!(target_of(&m)
            .unwrap_err()
            .to_string()
            .contains("strata.target"));
    }

    #[test]
    fn a_bad_description_fails_verification() {
        let mut cpu = Module::new();
        set_target(&mut cpu, &Target::generic(TargetKind::Cpu));
        let text = crate::print_module(&cpu);
        let at = text.find("vector_bits = ").unwrap() + "vector_bits = ".len();
        let end = at + text[at..].find(' ').unwrap();
        let narrow = format!("{}3{}", &text[..at], &text[end..]);
        let empty = |attr: &str| {
            format!("\"builtin.module\"() ({{\n}}) {{strata.target = {attr}}} : () -> ()")
        };
        for (text, needle) in [
            (empty("5 : i64"), "bad target description"),
            (empty(r#"{kind = "tpu"}"#), "tpu"),
            (narrow, "vector width of 3 bits"),
        ] {
            let m = crate::parse_module(&text).unwrap();
            let e = crate::verify_module(&m).unwrap_err().to_string();
            assert!(
                e.contains("strata.target") && e.contains(needle),
                "{text}: {e}"
            );
        }
    }
}
