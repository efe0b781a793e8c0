//! Names and what they are bound to.

use crate::source::Span;
use crate::value::Typed;
use std::collections::HashMap;

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

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
pub(crate) fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, c)| (*d, c.as_str()))
        .map(|(_, c)| c.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = vec!["version".to_string(), "http".to_string(), "apt".to_string()];
        assert_eq!(closest("verison", &names), Some("version"));
        assert_eq!(closest("htp", &names), Some("http"));
        assert_eq!(closest("completely", &names), None);
    }
}
