//! Values the checker computes at compile time.

use crate::ir::{Text, TextPart};
use crate::types::Type;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string or a path: text that may refer to build arguments.
    Text(Text),
    /// Text from `raw(…)`: verbatim even when interpolated into a shell command.
    Raw(Text),
    Int(i64),
    Bool(bool),
    Port {
        number: u16,
        protocol: String,
    },
    Duration {
        millis: u64,
    },
    /// An image reference (may refer to build arguments), or `scratch`.
    Image(Option<Text>),
    Signal(Text),
    /// A secret's id: only a secret mount may use it.
    Secret(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    Stage(usize),
    /// A build argument of a non-text type, expanded by the builder.
    Arg(String),
}

/// A value with its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    pub ty: Type,
    pub value: Value,
}

impl Typed {
    pub fn new(ty: Type, value: Value) -> Typed {
        Typed { ty, value }
    }
}

/// Go-style duration text, as Dockerfiles write it: `1m30s`, `500ms`.
pub fn format_duration(millis: u64) -> String {
    if millis == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let (h, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    if ms > 0 {
        out.push_str(&format!("{ms}ms"));
    }
    out
}

impl Value {
    /// [`Value::scalar_text`], moving the text out of the value.
    pub fn into_scalar_text(self) -> Option<Text> {
        match self {
            Value::Text(text) | Value::Raw(text) | Value::Signal(text) | Value::Image(Some(text)) => Some(text),
            other => other.scalar_text(),
        }
    }

    /// The value as text in an instruction, or `None` for values that have no text form
    /// (secrets, stages, lists, maps).
    pub fn scalar_text(&self) -> Option<Text> {
        Some(match self {
            Value::Text(text) | Value::Raw(text) | Value::Signal(text) => text.clone(),
            Value::Image(Some(text)) => text.clone(),
            Value::Image(None) => Text::value("scratch"),
            Value::Int(n) => Text::value(n.to_string()),
            Value::Bool(b) => Text::value(b.to_string()),
            Value::Port { number, protocol } => Text::value(format!("{number}/{protocol}")),
            Value::Duration { millis } => Text::value(format_duration(*millis)),
            Value::Arg(name) => Text(vec![TextPart::Arg(name.clone())]),
            Value::Secret(_) | Value::List(_) | Value::Map(_) | Value::Stage(_) => return None,
        })
    }
}
