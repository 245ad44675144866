//! Parses MLIR's generic operation syntax (what [`crate::printer`] writes) into a [`Module`].
//!
//! The whole file is either one `"builtin.module"() ({...}) : () -> ()` or a sequence of
//! top-level operations. Errors carry the line and column where parsing stopped. Values
//! must be defined before use (our IR is in SSA dominance order), and every operand's
//! type must match the type written in the op's signature.

use crate::attr::{float_from_bits, Attribute};
use crate::module::{BlockId, Location, Module, OpId, OpSpec, RegionId, SourcePos, ValueId};
use crate::tensor::Tensor;
use crate::types::{ElementType, FunctionType, Shape, TensorType, Type};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A parse error at a line and column (both 1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

type PResult<T> = Result<T, ParseError>;

/// Parses IR text into a module. The result is not verified: call
/// [`crate::verify::verify_module`] next.
pub fn parse_module(text: &str) -> PResult<Module> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        m: Module::new(),
        scopes: vec![HashMap::new()],
        depth: 0,
    };
    p.skip_ws();
    let body = p.m.body();
    if p.peek_str("\"builtin.module\"") {
        p.pos += "\"builtin.module\"".len();
        p.expect("(")?;
        p.expect(")")?;
        p.expect("(")?;
        p.expect("{")?;
        p.ops_until_close(body)?;
        p.expect("}")?;
        p.expect(")")?;
        if p.peek_char() == Some(b'{') {
            *p.m.attrs_mut() = p.attr_dict()?;
        }
        p.expect(":")?;
        p.expect("(")?;
        p.expect(")")?;
        p.expect("->")?;
        p.expect("(")?;
        p.expect(")")?;
        p.skip_ws();
        if p.peek_word("loc") {
            p.location()?;
        }
    } else {
        while p.peek_char().is_some() {
            let op = p.operation()?;
            p.m.push_op(body, op);
        }
    }
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(p.error("expected end of input"));
    }
    Ok(p.m)
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    m: Module,
    /// Value names visible in each enclosing region: `%0` maps to all results of its op.
    scopes: Vec<HashMap<String, Vec<ValueId>>>,
    /// How deeply regions, attributes, literals and types are nested here.
    depth: usize,
}

// The deepest nesting the parser follows (deeper text is an error, not a stack overflow)
// and the most elements a splat constant expands to at parse time are
// `strata_abi::limits`' `nesting` and `splat_elements`.
use strata_abi::limits::Limit;

/// A dense literal before its type is known.
enum DenseLit {
    List(Vec<DenseLit>, usize),
    Scalar(String, usize),
}

impl Parser<'_> {
    fn position(&self, at: usize) -> (u32, u32) {
        let before = &self.src[..at.min(self.src.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |nl| nl + 1);
        // Columns count characters, not bytes.
        let col = before[line_start..]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count() as u32
            + 1;
        (line, col)
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        let (line, col) = self.position(at);
        ParseError {
            line,
            col,
            message: message.into(),
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.pos, message)
    }

    /// The position of the next token.
    fn here(&mut self) -> usize {
        self.skip_ws();
        self.pos
    }

    fn skip_ws(&mut self) {
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if self.src.get(self.pos + 1) == Some(&b'/') => {
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek_char(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    fn peek_str(&mut self, s: &str) -> bool {
        self.skip_ws();
        self.src[self.pos..].starts_with(s.as_bytes())
    }

    /// True when the next token is the identifier `w` (not a prefix of a longer one).
    fn peek_word(&mut self, w: &str) -> bool {
        self.peek_str(w)
            && !self
                .src
                .get(self.pos + w.len())
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.peek_str(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> PResult<()> {
        if self.eat(s) {
            Ok(())
        } else {
            let found = self.describe_next();
            Err(self.error(format!("expected '{s}', found {found}")))
        }
    }

    fn describe_next(&mut self) -> String {
        self.skip_ws();
        if self.pos >= self.src.len() {
            return "end of input".into();
        }
        let rest = &self.text[self.pos..];
        let token: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(16)
            .collect();
        format!("'{token}'")
    }

    fn ident(&mut self) -> PResult<String> {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if start == self.pos {
            let found = self.describe_next();
            return Err(self.error(format!("expected an identifier, found {found}")));
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn string_lit(&mut self) -> PResult<String> {
        self.skip_ws();
        let start = self.pos;
        if self.src.get(self.pos) != Some(&b'"') {
            let found = self.describe_next();
            return Err(self.error(format!("expected a string, found {found}")));
        }
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            match self.src.get(self.pos) {
                None | Some(b'\n') => return Err(self.error_at(start, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    let esc_at = self.here();
                    let c = *self
                        .src
                        .get(self.pos + 1)
                        .ok_or_else(|| self.error("bad escape"))?;
                    self.pos += 2;
                    match c {
                        b'"' => bytes.push(b'"'),
                        b'\\' => bytes.push(b'\\'),
                        b'n' => bytes.push(b'\n'),
                        b't' => bytes.push(b'\t'),
                        _ => {
                            let hex = self
                                .text
                                .get(esc_at + 1..esc_at + 3)
                                .and_then(|h| u8::from_str_radix(h, 16).ok())
                                .ok_or_else(|| self.error_at(esc_at, "invalid escape in string"))?;
                            bytes.push(hex);
                            self.pos = esc_at + 3;
                        }
                    }
                }
                Some(&c) => {
                    bytes.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(bytes).map_err(|_| self.error_at(start, "string is not valid UTF-8"))
    }

    /// A number token: digits, sign, '.', exponent, or a hex literal.
    fn number_token(&mut self) -> PResult<String> {
        self.skip_ws();
        let start = self.pos;
        if self.src[self.pos..].starts_with(b"0x") {
            self.pos += 2;
            while self.pos < self.src.len() && self.src[self.pos].is_ascii_hexdigit() {
                self.pos += 1;
            }
        } else {
            if matches!(self.src.get(self.pos), Some(b'-' | b'+')) {
                self.pos += 1;
            }
            while self.pos < self.src.len() {
                let c = self.src[self.pos];
                let exp_sign = matches!(c, b'-' | b'+')
                    && matches!(self.src.get(self.pos - 1), Some(b'e' | b'E'));
                if c.is_ascii_digit() || c == b'.' || c == b'e' || c == b'E' || exp_sign {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        let tok = &self.text[start..self.pos];
        if tok.is_empty() || tok == "-" || tok == "+" {
            return Err(self.error_at(start, "expected a number"));
        }
        Ok(tok.to_string())
    }

    fn integer(&mut self) -> PResult<i64> {
        let at = self.here();
        let tok = self.number_token()?;
        tok.parse::<i64>()
            .map_err(|_| self.error_at(at, format!("expected an integer, found '{tok}'")))
    }

    fn lookup(&self, name: &str, at: usize) -> PResult<ValueId> {
        let (group, index) = match name.split_once('#') {
            Some((g, i)) => (
                g,
                Some(
                    i.parse::<usize>()
                        .map_err(|_| self.error_at(at, format!("bad result number in '{name}'")))?,
                ),
            ),
            None => (name, None),
        };
        let values = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| s.get(group))
            .ok_or_else(|| self.error_at(at, format!("use of undefined value '{group}'")))?;
        match index {
            None if values.len() == 1 => Ok(values[0]),
            None => Err(self.error_at(
                at,
                format!("'{group}' names {} results: use '{group}#N'", values.len()),
            )),
            Some(i) => values.get(i).copied().ok_or_else(|| {
                self.error_at(at, format!("'{group}' has only {} results", values.len()))
            }),
        }
    }

    fn value_name(&mut self) -> PResult<String> {
        self.skip_ws();
        if self.src.get(self.pos) != Some(&b'%') {
            let found = self.describe_next();
            return Err(self.error(format!("expected a value name like '%0', found {found}")));
        }
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'-' | b'#') {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start + 1 {
            return Err(self.error_at(start, "empty value name"));
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn define(&mut self, name: String, values: Vec<ValueId>, at: usize) -> PResult<()> {
        let scope = self.scopes.last_mut().expect("a scope is always open");
        if scope.contains_key(&name) {
            return Err(self.error_at(at, format!("redefinition of value '{name}'")));
        }
        scope.insert(name, values);
        Ok(())
    }

    /// Parses operations into `block` until the closing `}` or the next block label.
    /// Runs `f` one nesting level deeper, or fails past the `nesting` limit.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= Limit::Nesting.get_usize() {
            return Err(self.error(format!(
                "regions, attributes, literals or types nested deeper than {}",
                Limit::Nesting.named()
            )));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn ops_until_close(&mut self, block: BlockId) -> PResult<()> {
        loop {
            match self.peek_char() {
                Some(b'}') | Some(b'^') => return Ok(()),
                None => return Err(self.error("expected '}' before end of input")),
                _ => {
                    let op = self.operation()?;
                    self.m.push_op(block, op);
                }
            }
        }
    }

    fn operation(&mut self) -> PResult<OpId> {
        self.skip_ws();
        let op_start = self.pos;
        // Result list.
        let mut result_groups: Vec<(String, usize, usize)> = Vec::new();
        if self.peek_char() == Some(b'%') {
            loop {
                let at = self.here();
                let name = self.value_name()?;
                if name.contains('#') {
                    return Err(self.error_at(at, "a result name cannot contain '#'"));
                }
                let count = if self.eat(":") {
                    let n = self.integer()?;
                    if n < 1 {
                        return Err(self.error_at(at, "result count must be positive"));
                    }
                    n as usize
                } else {
                    1
                };
                result_groups.push((name, count, at));
                if !self.eat(",") {
                    break;
                }
            }
            self.expect("=")?;
        }
        let name_at = self.here();
        let name = self.string_lit()?;
        if !name.contains('.') {
            return Err(self.error_at(
                name_at,
                format!("operation name '{name}' must be dialect-qualified, like 'graph.add'"),
            ));
        }
        self.expect("(")?;
        let mut operands = Vec::new();
        if !self.eat(")") {
            loop {
                let at = self.here();
                let v = self.value_name()?;
                operands.push((self.lookup(&v, at)?, at));
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        let mut attrs = BTreeMap::new();
        if self.eat("<{") {
            self.attr_entries(&mut attrs, "}>")?;
        }
        let mut regions = Vec::new();
        if self.peek_char() == Some(b'(') {
            self.pos += 1;
            loop {
                regions.push(self.region()?);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        if self.peek_char() == Some(b'{') {
            let dict = self.attr_dict()?;
            attrs.extend(dict);
        }
        self.expect(":")?;
        let sig_at = self.here();
        let sig = match self.parse_type()? {
            Type::Function(ft) => ft,
            other => {
                return Err(
                    self.error_at(sig_at, format!("expected a function type, found {other}"))
                )
            }
        };
        if sig.inputs.len() != operands.len() {
            return Err(self.error_at(
                sig_at,
                format!(
                    "'{name}' has {} operands but its signature lists {} types",
                    operands.len(),
                    sig.inputs.len()
                ),
            ));
        }
        for (i, ((v, at), ty)) in operands.iter().zip(&sig.inputs).enumerate() {
            let actual = self.m.value_type(*v);
            if actual != ty {
                return Err(self.error_at(
                    *at,
                    format!(
                        "operand #{i} of '{name}' has type {actual}, but the signature says {ty}"
                    ),
                ));
            }
        }
        let declared: usize = result_groups.iter().map(|g| g.1).sum();
        if declared != sig.results.len() {
            return Err(self.error_at(
                sig_at,
                format!(
                    "'{name}' defines {declared} result values but its signature lists {} result types",
                    sig.results.len()
                ),
            ));
        }
        let loc = if self.peek_word("loc") {
            self.location()?
        } else {
            Location::Unknown
        };
        let name = crate::ops::OpName::intern(&name).ok_or_else(|| {
            self.error_at(
                sig_at,
                format!(
                    "'{name}': more than {} distinct names of unknown ops",
                    crate::ops::MAX_UNKNOWN_NAMES
                ),
            )
        })?;
        let op = self.m.create_op(OpSpec {
            name,
            operands: operands.into_iter().map(|(v, _)| v).collect(),
            result_types: sig.results,
            attrs,
            regions,
            loc,
        });
        let (line, col) = self.position(op_start);
        self.m.op_mut(op).source_pos = Some(SourcePos { line, col });
        let results = self.m.results(op).to_vec();
        let mut next = 0;
        for (group, count, at) in result_groups {
            self.define(group, results[next..next + count].to_vec(), at)?;
            next += count;
        }
        Ok(op)
    }

    fn location(&mut self) -> PResult<Location> {
        self.expect("loc")?;
        self.expect("(")?;
        let loc = if self.peek_word("unknown") {
            self.ident()?;
            Location::Unknown
        } else {
            let s = self.string_lit()?;
            if self.eat(":") {
                let line = self.integer()?;
                self.expect(":")?;
                let col = self.integer()?;
                Location::FileLineCol {
                    file: s,
                    line: line.clamp(0, u32::MAX as i64) as u32,
                    col: col.clamp(0, u32::MAX as i64) as u32,
                }
            } else {
                Location::Name(s)
            }
        };
        self.expect(")")?;
        Ok(loc)
    }

    fn region(&mut self) -> PResult<RegionId> {
        self.nested(|p| p.region_here())
    }

    fn region_here(&mut self) -> PResult<RegionId> {
        self.expect("{")?;
        let region = self.m.new_region();
        self.scopes.push(HashMap::new());
        let mut labels = Vec::new();
        // An unlabeled entry block.
        if !matches!(self.peek_char(), Some(b'^') | Some(b'}')) {
            let block = self.m.append_block(region, &[]);
            self.ops_until_close(block)?;
        }
        while self.peek_char() == Some(b'^') {
            let at = self.here();
            self.pos += 1;
            let label = self.ident()?;
            if labels.contains(&label) {
                return Err(self.error_at(at, format!("redefinition of block '^{label}'")));
            }
            labels.push(label);
            let mut args = Vec::new();
            if self.eat("(") && !self.eat(")") {
                loop {
                    let arg_at = self.here();
                    let name = self.value_name()?;
                    self.expect(":")?;
                    let ty = self.parse_type()?;
                    args.push((name, ty, arg_at));
                    if self.eat(")") {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            self.expect(":")?;
            let types: Vec<Type> = args.iter().map(|a| a.1.clone()).collect();
            let block = self.m.append_block(region, &types);
            let values = self.m.block(block).args.clone();
            for ((name, _, at), v) in args.into_iter().zip(values) {
                self.define(name, vec![v], at)?;
            }
            self.ops_until_close(block)?;
        }
        self.expect("}")?;
        self.scopes.pop();
        Ok(region)
    }

    fn attr_dict(&mut self) -> PResult<BTreeMap<String, Attribute>> {
        self.expect("{")?;
        let mut d = BTreeMap::new();
        self.attr_entries(&mut d, "}")?;
        Ok(d)
    }

    fn attr_entries(&mut self, d: &mut BTreeMap<String, Attribute>, close: &str) -> PResult<()> {
        if self.eat(close) {
            return Ok(());
        }
        loop {
            let at = self.here();
            let key = if self.peek_char() == Some(b'"') {
                self.string_lit()?
            } else {
                self.ident()?
            };
            let value = if self.eat("=") {
                self.attribute()?
            } else {
                // MLIR's unit attribute.
                Attribute::Bool(true)
            };
            if d.insert(key.clone(), value).is_some() {
                return Err(self.error_at(at, format!("duplicate attribute '{key}'")));
            }
            if self.eat(close) {
                return Ok(());
            }
            self.expect(",")?;
        }
    }

    fn attribute(&mut self) -> PResult<Attribute> {
        self.nested(|p| p.attribute_here())
    }

    fn attribute_here(&mut self) -> PResult<Attribute> {
        let at = self.here();
        match self.peek_char() {
            Some(b'"') => Ok(Attribute::String(self.string_lit()?)),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.attribute()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Attribute::Array(items))
            }
            Some(b'{') => Ok(Attribute::Dict(self.attr_dict()?)),
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => self.number_attr(),
            Some(b'(') => Ok(Attribute::Type(self.parse_type()?)),
            Some(_) => {
                if self.peek_word("true") {
                    self.pos += 4;
                    return Ok(Attribute::Bool(true));
                }
                if self.peek_word("false") {
                    self.pos += 5;
                    return Ok(Attribute::Bool(false));
                }
                if self.peek_word("dense") {
                    return self.dense_attr();
                }
                if self.peek_word("array") {
                    return self.array_attr();
                }
                if self.peek_word("affine_map") {
                    return self.affine_map_attr();
                }
                if self.peek_word("unit") {
                    self.pos += 4;
                    return Ok(Attribute::Bool(true));
                }
                Ok(Attribute::Type(self.parse_type().map_err(|_| {
                    self.error_at(at, "expected an attribute value")
                })?))
            }
            None => Err(self.error("expected an attribute value, found end of input")),
        }
    }

    fn number_attr(&mut self) -> PResult<Attribute> {
        let at = self.here();
        let tok = self.number_token()?;
        let ty = if self.eat(":") {
            let ty_at = self.here();
            match self.parse_type()? {
                Type::Scalar(e) => Some(e),
                other => {
                    return Err(
                        self.error_at(ty_at, format!("expected a scalar type, found {other}"))
                    )
                }
            }
        } else {
            None
        };
        let is_hex = tok.starts_with("0x");
        let is_float = !is_hex && (tok.contains('.') || tok.contains('e') || tok.contains('E'));
        match ty {
            Some(e) if e.is_float() => {
                let v = self.float_scalar(&tok, e, at)?;
                Ok(Attribute::Float(v, e))
            }
            None if is_float => Ok(Attribute::Float(
                self.float_scalar(&tok, ElementType::F64, at)?,
                ElementType::F64,
            )),
            Some(ElementType::I64) | None => {
                if is_float {
                    return Err(self.error_at(at, format!("'{tok}' is not an integer")));
                }
                let v = if is_hex {
                    u64::from_str_radix(&tok[2..], 16).map(|v| v as i64).ok()
                } else {
                    tok.parse::<i64>().ok()
                };
                v.map(Attribute::Int).ok_or_else(|| {
                    self.error_at(at, format!("integer '{tok}' does not fit in i64"))
                })
            }
            Some(ElementType::Bool) => match tok.as_str() {
                "0" => Ok(Attribute::Bool(false)),
                "1" => Ok(Attribute::Bool(true)),
                _ => Err(self.error_at(at, format!("'{tok}' is not an i1 value"))),
            },
            Some(e) => Err(self.error_at(
                at,
                format!("integer attributes of type {e} are not supported; use i64"),
            )),
        }
    }

    fn float_scalar(&self, tok: &str, elem: ElementType, at: usize) -> PResult<f64> {
        if let Some(hex) = tok.strip_prefix("0x") {
            let bits = u64::from_str_radix(hex, 16)
                .map_err(|_| self.error_at(at, format!("bad hex float '{tok}'")))?;
            return float_from_bits(bits, elem).ok_or_else(|| {
                self.error_at(at, format!("hex float '{tok}' is too wide for {elem}"))
            });
        }
        let bad = || self.error_at(at, format!("'{tok}' is not a valid {elem} value"));
        match elem {
            ElementType::F32 => tok.parse::<f32>().map(|v| v as f64).map_err(|_| bad()),
            ElementType::F16 => tok
                .parse::<f64>()
                .map(|v| half::f16::from_f64(v).to_f64())
                .map_err(|_| bad()),
            ElementType::BF16 => tok
                .parse::<f64>()
                .map(|v| half::bf16::from_f64(v).to_f64())
                .map_err(|_| bad()),
            _ => tok.parse::<f64>().map_err(|_| bad()),
        }
    }

    fn affine_map_attr(&mut self) -> PResult<Attribute> {
        self.expect("affine_map")?;
        self.expect("<")?;
        self.expect("(")?;
        let mut dims: Vec<String> = Vec::new();
        if !self.eat(")") {
            loop {
                let at = self.here();
                let name = self.ident()?;
                if dims.contains(&name) {
                    return Err(self.error_at(at, format!("dimension '{name}' is declared twice")));
                }
                dims.push(name);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        if self.peek_char() == Some(b'[') {
            return Err(self.error("affine maps with symbols are not supported"));
        }
        self.expect("->")?;
        self.expect("(")?;
        let mut results = Vec::new();
        if !self.eat(")") {
            loop {
                results.push(self.affine_expr(&dims)?);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        self.expect(">")?;
        Ok(Attribute::AffineMap(crate::affine::AffineMap {
            num_dims: dims.len() as u32,
            results,
        }))
    }

    /// A linear affine expression: terms `dN`, `dN * c`, `c * dN`, `c`, joined by + and -.
    fn affine_expr(&mut self, dims: &[String]) -> PResult<crate::affine::AffineExpr> {
        let mut terms = Vec::new();
        let mut constant = 0i64;
        let mut sign = if self.eat("-") { -1 } else { 1 };
        loop {
            let at = self.here();
            let mut dim: Option<u32> = None;
            let mut coeff: i64 = 1;
            loop {
                self.skip_ws();
                match self.src.get(self.pos) {
                    Some(c) if c.is_ascii_digit() || *c == b'-' => {
                        let v = self.integer()?;
                        coeff = coeff
                            .checked_mul(v)
                            .ok_or_else(|| self.error_at(at, "affine coefficient overflows"))?;
                    }
                    _ => {
                        let name_at = self.here();
                        let name = self.ident()?;
                        let d = dims.iter().position(|n| *n == name).ok_or_else(|| {
                            self.error_at(name_at, format!("unknown dimension '{name}'"))
                        })?;
                        if dim.replace(d as u32).is_some() {
                            return Err(self.error_at(
                                name_at,
                                "affine expressions here are linear: one dimension per term",
                            ));
                        }
                    }
                }
                if !self.eat("*") {
                    break;
                }
            }
            match dim {
                Some(d) => terms.push((d, sign * coeff)),
                None => constant += sign * coeff,
            }
            if self.eat("+") {
                sign = 1;
            } else if self.peek_char() == Some(b'-') && !self.src[self.pos..].starts_with(b"->") {
                self.pos += 1;
                sign = -1;
            } else {
                break;
            }
        }
        Ok(crate::affine::AffineExpr::linear(terms, constant))
    }

    fn array_attr(&mut self) -> PResult<Attribute> {
        self.expect("array")?;
        self.expect("<")?;
        let at = self.here();
        let elem = self.ident()?;
        let mut tokens = Vec::new();
        if self.eat(":") {
            loop {
                let tok_at = self.here();
                tokens.push((self.number_token()?, tok_at));
                if !self.eat(",") {
                    break;
                }
            }
        }
        self.expect(">")?;
        match elem.as_str() {
            "i64" => tokens
                .iter()
                .map(|(t, a)| {
                    t.parse::<i64>()
                        .map_err(|_| self.error_at(*a, format!("'{t}' is not an i64")))
                })
                .collect::<PResult<Vec<_>>>()
                .map(Attribute::I64Array),
            "f32" => tokens
                .iter()
                .map(|(t, a)| self.float_scalar(t, ElementType::F32, *a).map(|v| v as f32))
                .collect::<PResult<Vec<_>>>()
                .map(Attribute::F32Array),
            other => Err(self.error_at(
                at,
                format!("array<{other}> is not supported; use i64 or f32"),
            )),
        }
    }

    fn dense_attr(&mut self) -> PResult<Attribute> {
        self.expect("dense")?;
        self.expect("<")?;
        let body_at = self.here();
        let body = if self.peek_char() == Some(b'"') {
            Err(self.string_lit()?)
        } else {
            Ok(self.dense_lit()?)
        };
        self.expect(">")?;
        self.expect(":")?;
        let ty_at = self.here();
        let ty = match self.parse_type()? {
            Type::Tensor(t) => t,
            other => {
                return Err(self.error_at(
                    ty_at,
                    format!("dense attributes need a tensor type, found {other}"),
                ))
            }
        };
        let tensor = match body {
            Err(hex) => {
                let digits = hex
                    .strip_prefix("0x")
                    .ok_or_else(|| self.error_at(body_at, "hex dense data must start with 0x"))?;
                if digits.len() % 2 != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(self.error_at(
                        body_at,
                        "hex dense data must be an even number of hex digits",
                    ));
                }
                let bytes: Vec<u8> = digits
                    .as_bytes()
                    .chunks(2)
                    .map(|pair| {
                        u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("zz"), 16)
                            .unwrap_or(0)
                    })
                    .collect();
                let size = ty.elem.size_bytes();
                let numel = ty.shape.numel();
                let bytes = if bytes.len() == size && numel != 1 {
                    self.splat_fits(&ty, body_at)?;
                    bytes.repeat(numel)
                } else {
                    bytes
                };
                Tensor::from_le_bytes(ty.elem, ty.shape.clone(), &bytes).map_err(|e| {
                    self.error_at(body_at, format!("dense data does not fit {ty}: {e}"))
                })?
            }
            Ok(lit) => self.dense_from_literal(&lit, &ty, body_at)?,
        };
        Ok(Attribute::Dense(tensor))
    }

    fn dense_lit(&mut self) -> PResult<DenseLit> {
        self.nested(|p| p.dense_lit_here())
    }

    fn dense_lit_here(&mut self) -> PResult<DenseLit> {
        let at = self.here();
        if self.eat("[") {
            let mut items = Vec::new();
            if !self.eat("]") {
                loop {
                    items.push(self.dense_lit()?);
                    if self.eat("]") {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            return Ok(DenseLit::List(items, at));
        }
        if self.peek_word("true") || self.peek_word("false") {
            return Ok(DenseLit::Scalar(self.ident()?, at));
        }
        Ok(DenseLit::Scalar(self.number_token()?, at))
    }

    /// Fails for a splat of `ty` past the `splat_elements` limit.
    fn splat_fits(&self, ty: &TensorType, at: usize) -> PResult<()> {
        let n = ty.shape.numel();
        if n > Limit::SplatElements.get_usize() {
            return Err(self.error_at(
                at,
                format!(
                    "a splat constant of {ty} has {n} elements, past {}",
                    Limit::SplatElements.named()
                ),
            ));
        }
        Ok(())
    }

    fn dense_from_literal(&self, lit: &DenseLit, ty: &TensorType, at: usize) -> PResult<Tensor> {
        let mut scalars = Vec::new();
        match lit {
            DenseLit::Scalar(tok, a) if ty.shape.rank() > 0 => {
                // A splat: one value for every element.
                let v = self.dense_scalar(tok, ty.elem, *a)?;
                self.splat_fits(ty, at)?;
                scalars = vec![v; ty.shape.numel()];
            }
            _ => self.flatten_literal(lit, ty, 0, &mut scalars)?,
        }
        let shape = ty.shape.clone();
        if scalars.len() != shape.numel() {
            return Err(self.error_at(at, format!("dense literal does not match {ty}")));
        }
        Ok(match ty.elem {
            e if e.is_float() || e.is_storage_float() => {
                Tensor::from_f64s(e, shape, &scalars.iter().map(|s| s.0).collect::<Vec<_>>())
            }
            ElementType::Bool => {
                Tensor::from_bools(shape, scalars.iter().map(|s| s.1 != 0).collect())
            }
            e => Tensor::from_i64s(e, shape, &scalars.iter().map(|s| s.1).collect::<Vec<_>>()),
        })
    }

    fn flatten_literal(
        &self,
        lit: &DenseLit,
        ty: &TensorType,
        dim: usize,
        out: &mut Vec<(f64, i64)>,
    ) -> PResult<()> {
        match lit {
            DenseLit::Scalar(tok, a) => {
                if dim != ty.shape.rank() {
                    return Err(
                        self.error_at(*a, format!("dense literal nesting does not match {ty}"))
                    );
                }
                out.push(self.dense_scalar(tok, ty.elem, *a)?);
            }
            DenseLit::List(items, a) => {
                if dim >= ty.shape.rank() || items.len() != ty.shape.dims()[dim] {
                    return Err(self.error_at(
                        *a,
                        format!(
                            "dense literal has {} elements in dimension {dim} of {ty}",
                            items.len()
                        ),
                    ));
                }
                for item in items {
                    self.flatten_literal(item, ty, dim + 1, out)?;
                }
            }
        }
        Ok(())
    }

    /// One dense element as (float value, integer value) for the element type.
    fn dense_scalar(&self, tok: &str, elem: ElementType, at: usize) -> PResult<(f64, i64)> {
        if elem == ElementType::Bool {
            return match tok {
                "true" | "1" => Ok((1.0, 1)),
                "false" | "0" => Ok((0.0, 0)),
                _ => Err(self.error_at(at, format!("'{tok}' is not a boolean"))),
            };
        }
        if elem.is_float() || elem.is_storage_float() {
            return Ok((self.float_scalar(tok, elem, at)?, 0));
        }
        // i128 holds every i64 and u64; u64 values past i64::MAX keep their bits.
        let v: i128 = tok
            .parse()
            .map_err(|_| self.error_at(at, format!("'{tok}' is not an integer")))?;
        let bits = elem.int_bits();
        let (lo, hi) = if elem.is_signed_int() || matches!(elem, ElementType::I4 | ElementType::I2)
        {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        if v < lo || v > hi {
            return Err(self.error_at(at, format!("{v} does not fit in {elem}")));
        }
        Ok((v as f64, v as i64))
    }

    fn parse_type(&mut self) -> PResult<Type> {
        self.nested(|p| p.parse_type_here())
    }

    fn parse_type_here(&mut self) -> PResult<Type> {
        let at = self.here();
        if self.peek_char() == Some(b'(') {
            self.pos += 1;
            let inputs = self.type_list_until(")")?;
            self.expect("->")?;
            let results = if self.peek_char() == Some(b'(') {
                self.pos += 1;
                self.type_list_until(")")?
            } else {
                vec![self.parse_type()?]
            };
            return Ok(Type::Function(FunctionType { inputs, results }));
        }
        let word = self.ident()?;
        if word == "index" {
            return Ok(Type::Index);
        }
        if word == "tensor" || word == "memref" || word == "vector" {
            self.expect("<")?;
            let mut dims = Vec::new();
            loop {
                self.skip_ws();
                if self.pos < self.src.len() && self.src[self.pos].is_ascii_digit() {
                    let start = self.pos;
                    while self.pos < self.src.len() && self.src[self.pos].is_ascii_digit() {
                        self.pos += 1;
                    }
                    let d: usize = self.text[start..self.pos]
                        .parse()
                        .map_err(|_| self.error_at(start, "dimension is too large"))?;
                    dims.push(d);
                    if self.src.get(self.pos) != Some(&b'x') {
                        return Err(self.error("expected 'x' after a dimension"));
                    }
                    self.pos += 1;
                } else if self.src.get(self.pos) == Some(&b'?') {
                    return Err(self.error(
                        "dynamic dimensions ('?') are not supported: shapes must be static",
                    ));
                } else {
                    break;
                }
            }
            let elem_at = self.here();
            let elem_name = self.ident()?;
            let elem = ElementType::from_mlir_name(&elem_name).ok_or_else(|| {
                self.error_at(elem_at, format!("unsupported element type '{elem_name}'"))
            })?;
            self.expect(">")?;
            let shape = Shape::new(dims);
            return match word.as_str() {
                "memref" => Ok(Type::MemRef(TensorType::new(shape, elem))),
                "vector" => match shape.dims() {
                    [n] if (1..=64).contains(n) => Ok(Type::Vector(*n as u32, elem)),
                    _ => Err(self.error_at(at, "vectors have one dimension of 1 to 64 lanes")),
                },
                _ => Ok(Type::Tensor(TensorType::new(shape, elem))),
            };
        }
        ElementType::from_mlir_name(&word)
            .map(Type::Scalar)
            .ok_or_else(|| self.error_at(at, format!("unknown type '{word}'")))
    }

    fn type_list_until(&mut self, close: &str) -> PResult<Vec<Type>> {
        let mut types = Vec::new();
        if self.eat(close) {
            return Ok(types);
        }
        loop {
            types.push(self.parse_type()?);
            if self.eat(close) {
                return Ok(types);
            }
            self.expect(",")?;
        }
    }
}
