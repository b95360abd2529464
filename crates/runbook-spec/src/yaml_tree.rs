//! Stage 1: YAML text to a positioned tree.
//!
//! serde-saphyr parses the text (YAML 1.2, with budget limits against alias bombs, deep nesting
//! and node floods) into `Node`s that remember their line:column. The tree is then flattened two
//! ways: into a `serde_json::Value` that the schema and the typed model read, and into a
//! `PositionIndex` from JSON pointer (`/steps/3/await`) to position, so that every later stage
//! can point at the exact YAML node a problem came from.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Pos};
use crate::source::SourceFile;

/// Deepest YAML nesting accepted. A runbook needs about six levels (runbook, steps, step, kind,
/// list). The limit is also what keeps parsing inside a thread's stack: deserializing one level
/// of `Spanned<Node>` takes about 45 KiB of stack in a debug build, so 64 levels overflowed the
/// 2 MiB of a spawned thread (tokio workers, test threads) while 16 stays under 1 MiB.
pub const MAX_DEPTH: usize = 16;
/// Most YAML nodes accepted; a 1,000-step runbook has about 10,000.
pub const MAX_NODES: usize = 250_000;
/// Most alias replays: aliases are rare in runbooks and alias bombs are the classic attack.
pub const MAX_ALIAS_EVENTS: usize = 10_000;

/// What an empty (or comments-only) file is told.
pub const EMPTY_MESSAGE: &str = "file has no content, expected a runbook (a mapping with `version`, `name`, `target` and `steps`)";

#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<KeyText>, Spanned<Node>)>),
}

/// A mapping key, read as text whatever its YAML type (`1:` is the key "1").
#[derive(Debug, Clone)]
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Node, D2::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
                    let value = map.next_value::<Spanned<Node>>()?;
                    entries.push((key, value));
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Positions of every node, by JSON pointer. Keys of mappings are indexed separately so an
/// "unknown key" can point at the key and a "wrong type" at the value.
#[derive(Debug, Default, Clone)]
pub struct PositionIndex {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
}

impl PositionIndex {
    /// Position of the value at `pointer`, or of the nearest ancestor that has one.
    pub fn value(&self, pointer: &str) -> Option<Pos> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// Position of the mapping key whose value is at `pointer` (falls back to the value).
    pub fn key(&self, pointer: &str) -> Option<Pos> {
        self.keys
            .get(pointer)
            .copied()
            .or_else(|| self.value(pointer))
    }
}

/// The parsed document: its JSON form and where each part of it stands in the file.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    pub value: Value,
    pub positions: PositionIndex,
}

fn pos_of<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: u32::try_from(s.referenced.line()).unwrap_or(u32::MAX),
        column: u32::try_from(s.referenced.column()).unwrap_or(u32::MAX),
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_segment(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

fn flatten(node: Spanned<Node>, pointer: &mut String, index: &mut PositionIndex) -> Value {
    index.values.insert(pointer.clone(), pos_of(&node));
    match node.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::from(i),
        Node::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Node::Str(s) => Value::String(s),
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                out.push(flatten(item, pointer, index));
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        Node::Map(entries) => {
            let mut out = Map::new();
            for (key, value) in entries {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_segment(&key.value.0));
                index.keys.insert(pointer.clone(), pos_of(&key));
                let v = flatten(value, pointer, index);
                out.insert(key.value.0, v);
                pointer.truncate(len);
            }
            Value::Object(out)
        }
    }
}

/// Parses `src` into a positioned document, or one located syntax diagnostic.
pub fn parse(src: &SourceFile) -> Result<YamlDocument, Box<Diagnostic>> {
    if src.text.trim().is_empty() {
        return Err(Box::new(Diagnostic::file_error(&src.name, EMPTY_MESSAGE)));
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_documents: 1,
            max_aliases: 1_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EVENTS,
        },
        strict_booleans: true,
        with_snippet: false,
    };
    let root: Spanned<Node> = serde_saphyr::from_str_with_options(&src.text, options)
        .map_err(|e| Box::new(yaml_error(src, &e)))?;
    let mut index = PositionIndex::default();
    let value = flatten(root, &mut String::new(), &mut index);
    Ok(YamlDocument {
        value,
        positions: index,
    })
}

fn yaml_error(src: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    let mut pos = e.location().and_then(|l| {
        (l.line() > 0).then_some(Pos {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX).max(1),
        })
    });
    let mut e = e.without_snippet();
    // An error met while replaying an alias wraps the real one.
    while let E::AliasError { error, .. } = e {
        e = error.without_snippet();
    }
    // The library's wording is written for Rust programmers (it names its own options and
    // prints Debug forms); the limits and the common mistakes get words an SRE can act on.
    let (message, hint) = match e {
        E::Budget { breach, .. } => match breach {
            B::Depth { .. } => (
                format!("nested deeper than {MAX_DEPTH} levels"),
                Some("a runbook needs about six levels; check for runaway brackets".to_string()),
            ),
            B::Documents { .. } => (
                "more than one YAML document (`---`) in the file".to_string(),
                Some("a runbook file holds exactly one document; split it into files".to_string()),
            ),
            B::Nodes { .. } => (
                format!("more than {MAX_NODES} YAML nodes"),
                Some("a runbook is a page of YAML; this file is far too large".to_string()),
            ),
            other => (
                format!("input limit exceeded ({other:?})"),
                Some(limits_hint()),
            ),
        },
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => (
            format!("aliases expand to more than {MAX_ALIAS_EVENTS} YAML events (an alias bomb?)"),
            Some(limits_hint()),
        ),
        E::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("duplicate key `{k}`"),
                None => "duplicate key".to_string(),
            },
            Some("a key may appear only once in a mapping; remove or rename one".to_string()),
        ),
        E::UnknownAnchor { .. } => (
            "alias refers to an anchor that is not defined before it".to_string(),
            Some("define `&name` on a value before using `*name`".to_string()),
        ),
        other => {
            let raw = other.to_string();
            // The library appends its own "at line X column Y"; the headline has the position.
            let message = raw
                .split(" at line ")
                .next()
                .unwrap_or(&raw)
                .trim()
                .to_string();
            if message.contains("recursion limit") {
                // The parser's own guard against runaway flow nesting (`[[[[...`).
                return Diagnostic::error(
                    &src.name,
                    pos,
                    "",
                    format!("invalid YAML: nested deeper than {MAX_DEPTH} levels"),
                )
                .with_hint(Some(
                    "a runbook needs about six levels; check for runaway brackets".to_string(),
                ));
            }
            let hint = if message.contains("found a tab") || message.contains("tab character") {
                if let Some(tab) = first_indent_tab(src, pos.map_or(1, |p| p.line)) {
                    pos = Some(tab);
                }
                Some("YAML indents with spaces; replace the tab".to_string())
            } else if message.contains("flow mapping") || message.contains("flow sequence") {
                Some("a `{` or `[` opened before this point is not closed".to_string())
            } else if message.contains("quoted scalar") {
                // Report an unterminated string where it opened, as compilers do; the
                // parser's own position becomes the note.
                if let Some(at) = pos
                    && let Some((open, style)) = crate::open_quote::opening_of(&src.text, at)
                {
                    let kind = if style == '"' { "double" } else { "single" };
                    return Diagnostic::error(
                        &src.name,
                        Some(open),
                        "",
                        format!("invalid YAML: this {kind}-quoted string is not closed on its line"),
                    )
                    .with_hint(Some(format!(
                        "add the closing {style} here; the parser read on to the next {style} and stopped at {}:{} ({message})",
                        at.line, at.column
                    )));
                }
                Some(
                    "check the quotes: a string left open earlier ends at the next quote"
                        .to_string(),
                )
            } else {
                None
            };
            (message, hint)
        }
    };
    Diagnostic::error(&src.name, pos, "", format!("invalid YAML: {message}")).with_hint(hint)
}

fn limits_hint() -> String {
    format!(
        "runbooks are limited to {MAX_DEPTH} levels of nesting, {MAX_NODES} nodes and \
         {MAX_ALIAS_EVENTS} alias-expanded events"
    )
}

/// The first tab in the indentation of a line at or after `from`: the scanner reports the
/// scalar it was reading, which is usually the line before the tab.
fn first_indent_tab(src: &SourceFile, from: u32) -> Option<Pos> {
    crate::source::lines(&src.text)
        .enumerate()
        .skip(usize::try_from(from).ok()?.saturating_sub(1))
        .find_map(|(i, line)| {
            let indent: &str = &line[..line.len() - line.trim_start().len()];
            let col = indent.find('\t')?;
            Some(Pos {
                line: u32::try_from(i + 1).ok()?,
                column: u32::try_from(col + 1).ok()?,
            })
        })
}
