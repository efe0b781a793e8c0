//! BuildKit's AST dump format (`parser.Node.Dump`), used for conformance:
//! one `(keyword ["--flag" …] "arg" …)` line per instruction, values quoted
//! like Go's `strconv.Quote`.

use super::ast::{Arguments, Dockerfile, Instruction};
use super::go::{go_lower, go_quote};
use super::text::Str;

impl Dockerfile {
    /// The BuildKit dump: one line per instruction, each ending in `\n`
    /// (byte-identical to BuildKit's `testfiles/*/result`).
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for ins in &self.instructions {
            out.push('(');
            out.push_str(&ins.dump());
            out.push_str(")\n");
        }
        out
    }
}

impl Instruction {
    /// This instruction in BuildKit's dump format, without the outer parentheses.
    pub fn dump(&self) -> String {
        let mut s = go_lower(&self.keyword);
        if !self.flags.is_empty() {
            let flags: Vec<String> = self.flags.iter().map(|f| go_quote(&f.raw)).collect();
            s.push_str(" [");
            s.push_str(&flags.join(" "));
            s.push(']');
        }
        push_args(&mut s, &self.args);
        s.trim().to_string()
    }
}

fn push_values<'a>(s: &mut String, values: impl IntoIterator<Item = &'a str>) {
    for v in values {
        s.push(' ');
        s.push_str(&go_quote(v));
    }
}

fn push_args(s: &mut String, args: &Arguments) {
    match args {
        Arguments::Empty => {}
        Arguments::Shell(t) | Arguments::Text(t) => push_values(s, [t.as_str()]),
        Arguments::Exec(v) | Arguments::Words(v) => push_values(s, v.iter().map(Str::as_str)),
        Arguments::ArgDecls(decls) => {
            for d in decls {
                let word = match &d.value {
                    Some(v) => format!("{}={v}", d.name),
                    None => d.name.to_string(),
                };
                push_values(s, [word.as_str()]);
            }
        }
        Arguments::KeyValues(pairs) => {
            for p in pairs {
                let sep = if p.legacy { "" } else { "=" };
                push_values(s, [p.key.as_str(), p.value.as_str(), sep]);
            }
        }
        Arguments::Healthcheck { kind, args } => {
            push_values(s, [kind.as_str()]);
            push_args(s, args);
        }
        Arguments::Onbuild(child) => {
            s.push_str(" (");
            s.push_str(&child.dump());
            s.push(')');
        }
        Arguments::Unknown(_) => push_values(s, [""]),
    }
}
