//! Names and what they are bound to.

use crate::source::Span;
use crate::value::Typed;
use std::collections::HashMap;

pub(crate) use crate::suggest::closest;

#[derive(Debug, Clone)]
pub(crate) enum Binding {
    /// A `let`, a parameter, or a build argument (whose value is `Value::Arg`).
    Value(Typed),
    /// A function: the module it is written in and its statement index there.
    Function {
        module: usize,
        statement: usize,
    },
    Module(usize),
    Stage(usize),
    /// A name whose definition had an error (already reported): uses of it report nothing more.
    Invalid,
}

/// Where code is being checked: its module, and local frames (function parameters, `let` in a
/// stage or function body), innermost last.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub module: usize,
    pub frames: Vec<HashMap<String, (Binding, Span)>>,
}

impl Env {
    /// Binds a name in the innermost frame; returns the earlier span if it was bound there already.
    pub fn bind(&mut self, name: &str, binding: Binding, span: Span) -> Option<Span> {
        let frame = self.frames.last_mut()?;
        if let Some((_, earlier)) = frame.get(name) {
            return Some(*earlier);
        }
        frame.insert(name.to_string(), (binding, span));
        None
    }
}
