//! The document algebra the formatter prints from, after Wadler's "prettier printer" as Gleam's
//! compiler-core has it: text, line breaks, nesting, and groups laid out on one line when they
//! fit; plus the two things a layout of commented source needs, a comment ending a line and a
//! blank line. [`render`] lays a document out in [`WIDTH`] columns.
//!
//! Must never depend on: the syntax tree (documents are built by the printer, not here).

use super::WIDTH;

/// A document: what to print and where lines may break.
#[derive(Debug, Clone)]
pub(super) enum Doc {
    Text(String),
    /// A line break, then the indentation the enclosing [`Doc::Nest`]s add up to. A group
    /// holding one is never flat.
    Line,
    /// `broken` in a group that does not fit on its line (or outside any group), `flat` in one
    /// that does. A soft line is `FlatAlt { broken: Line, flat: Text(" ") }`.
    FlatAlt {
        broken: Box<Doc>,
        flat: Box<Doc>,
    },
    /// The document with its line breaks indented `n` more columns.
    Nest(usize, Box<Doc>),
    /// Flat when its one-line form has no line break and fits from the current column,
    /// otherwise broken (each group inside then decides for itself).
    Group(Box<Doc>),
    Concat(Vec<Doc>),
    /// A comment ending the current line: the line's trailing spaces dropped, then the text
    /// (which starts with the separator). A group holding one is never flat.
    Trailing(String),
    /// A blank line, unless the text already ends with one (or is empty).
    BlankLine,
    /// Prints nothing, but no group holding it is flat (a literal holding a comment).
    Break,
}

pub(super) fn text(text: impl Into<String>) -> Doc {
    Doc::Text(text.into())
}

pub(super) fn nest(indent: usize, doc: Doc) -> Doc {
    Doc::Nest(indent, Box::new(doc))
}

pub(super) fn group(doc: Doc) -> Doc {
    Doc::Group(Box::new(doc))
}

/// `broken` where the group breaks, `flat` where it stays on one line.
pub(super) fn flat_alt(broken: Doc, flat: Doc) -> Doc {
    Doc::FlatAlt { broken: Box::new(broken), flat: Box::new(flat) }
}

/// Lays `doc` out: groups flat where they fit, broken elsewhere.
pub(super) fn render(doc: &Doc) -> String {
    let mut out = String::new();
    print(doc, 0, &mut out);
    out
}

/// Prints `doc` broken (the mode outside every group), at indentation `indent`.
fn print(doc: &Doc, indent: usize, out: &mut String) {
    match doc {
        Doc::Text(text) => out.push_str(text),
        Doc::Line => {
            trim_spaces(out);
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        Doc::FlatAlt { broken, .. } => print(broken, indent, out),
        Doc::Nest(more, inner) => print(inner, indent + more, out),
        Doc::Group(inner) => {
            let mut line = String::new();
            match flat(inner, &mut line) {
                Some(()) if fits(column(out), &line) => out.push_str(&line),
                _ => print(inner, indent, out),
            }
        }
        Doc::Concat(docs) => docs.iter().for_each(|doc| print(doc, indent, out)),
        Doc::Trailing(comment) => {
            trim_spaces(out);
            out.push_str(comment);
        }
        Doc::BlankLine => {
            trim_spaces(out);
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
        }
        Doc::Break => {}
    }
}

/// Writes the one-line form of `doc`, or fails when it has none.
fn flat(doc: &Doc, out: &mut String) -> Option<()> {
    match doc {
        Doc::Text(text) => out.push_str(text),
        Doc::FlatAlt { flat: inner, .. } | Doc::Nest(_, inner) | Doc::Group(inner) => flat(inner, out)?,
        Doc::Concat(docs) => docs.iter().try_for_each(|doc| flat(doc, out))?,
        Doc::Line | Doc::Trailing(_) | Doc::BlankLine | Doc::Break => return None,
    }
    Some(())
}

fn trim_spaces(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
}

/// The column the next character goes to.
fn column(out: &str) -> usize {
    out.rsplit('\n').next().unwrap_or("").chars().count()
}

/// Whether text written at column `col` keeps within [`WIDTH`]: its first line from `col`, its
/// last line from the start (lines between are inside a string, whose layout is the author's).
fn fits(col: usize, text: &str) -> bool {
    let first = text.split('\n').next().unwrap_or("");
    let last = text.rsplit('\n').next().unwrap_or("");
    col + first.chars().count() <= WIDTH && (!text.contains('\n') || last.chars().count() <= WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut inner = vec![flat_alt(Doc::Line, text(""))];
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                inner.push(flat_alt(Doc::Concat(vec![text(","), Doc::Line]), text(", ")));
            }
            inner.push(text(*item));
        }
        group(Doc::Concat(vec![
            text("["),
            nest(4, Doc::Concat(inner)),
            flat_alt(Doc::Concat(vec![text(","), Doc::Line]), text("")),
            text("]"),
        ]))
    }

    #[test]
    fn a_group_is_flat_when_it_fits_and_broken_otherwise() {
        assert_eq!(render(&list(&["a", "b"])), "[a, b]");
        let long = "x".repeat(60);
        assert_eq!(render(&list(&[&long, &long])), format!("[\n    {long},\n    {long},\n]"));
    }

    #[test]
    fn a_line_break_or_a_comment_inside_a_group_breaks_it() {
        let doc = group(Doc::Concat(vec![text("a"), flat_alt(Doc::Line, text(" ")), text("b"), Doc::Break]));
        assert_eq!(render(&doc), "a\nb");
        let doc = Doc::Concat(vec![text("a  "), Doc::Trailing("  # c".into()), Doc::Line, text("b")]);
        assert_eq!(render(&doc), "a  # c\nb");
    }

    #[test]
    fn only_the_first_and_last_lines_of_a_multi_line_string_count() {
        let middle = "m".repeat(150);
        let doc = Doc::Concat(vec![text("run "), list(&[&format!("\"a\n{middle}\nb\"")])]);
        assert_eq!(render(&doc), format!("run [\"a\n{middle}\nb\"]"));
    }
}
