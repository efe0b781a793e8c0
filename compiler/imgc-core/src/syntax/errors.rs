//! Syntax error messages. When the grammar rejects a file, this module says what is wrong in the
//! user's words (an unknown step and the step meant, a Dockerfile keyword, an unclosed bracket at
//! its opener, a string left open at its quote, a missing `,`, `to` or `from`, a reserved word used
//! as a name) and where reading can safely resume, so that one file reports several errors.
//! pest's error type enters here and goes no further than the syntax module.

use super::Rule;
use super::scan::{self, Problem};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use std::ops::Range;

/// Where the grammar stopped and what it would have accepted there.
pub(super) struct Failure {
    pub position: usize,
    end: usize,
    rules: Vec<Rule>,
}

impl Failure {
    pub(super) fn new(error: &pest::error::Error<Rule>) -> Failure {
        let (position, end) = match error.location {
            pest::error::InputLocation::Pos(p) => (p, p),
            pest::error::InputLocation::Span((s, e)) => (s, e),
        };
        let rules = match &error.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
            pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
        };
        Failure { position, end, rules }
    }
}

/// Whether a diagnosis leaves the rest of the file readable.
#[derive(PartialEq, Eq)]
pub(super) enum After {
    /// The error is local to its statement: reading may resume after it.
    Resume,
    /// Brackets or quotes are off: whatever follows would be misread.
    Stop,
}

/// The diagnostic for a failure, and whether reading may go on after it.
pub(super) fn describe(file: FileId, text: &str, failure: &Failure) -> (Diagnostic, After) {
    let span = |range: Range<usize>| Span::new(file, range);
    let p = failure.position.min(text.len());
    let scan = scan::scan(text);

    // A string that ran over a line break and swallowed text up to the next quote.
    if let Some(&(start, end)) = scan.multiline_strings.iter().rev().find(|(start, _)| *start < p)
        && scan::line_number(text, p) <= scan::line_number(text, end) + 1
    {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let diagnostic = Diagnostic::error(Code::Syntax, "unterminated string")
            .with_label(span(start..line_end), "this string is not closed on its line")
            .with_secondary(span(p..token_end(text, p)), "so reading went wrong here")
            .with_help("close the string with `\"` on the line it starts; write `\\\"` for a quote inside it");
        return (diagnostic, After::Stop);
    }
    match scan.problem {
        Some(Problem::UnterminatedString { start }) if start <= p => {
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let diagnostic = Diagnostic::error(Code::Syntax, "unterminated string")
                .with_label(span(start..line_end), "this string is never closed")
                .with_help("close the string with `\"`; write `\\\"` for a quote inside it");
            return (diagnostic, After::Stop);
        }
        Some(Problem::Mismatched { opener, open, closer, close }) if closer <= p => {
            let expected = match open {
                '(' => ')',
                '[' => ']',
                _ => '}',
            };
            let diagnostic = Diagnostic::error(Code::Syntax, format!("mismatched `{close}`"))
                .with_label(span(closer..closer + 1), format!("expected `{expected}`"))
                .with_secondary(span(opener..opener + 1), format!("to close this `{open}`"))
                .with_help(format!("close the `{open}` with `{expected}` before this `{close}`"));
            return (diagnostic, After::Stop);
        }
        Some(Problem::Unmatched { closer, close }) if closer <= p => {
            let diagnostic = Diagnostic::error(Code::Syntax, format!("unexpected `{close}`"))
                .with_label(span(closer..closer + 1), "nothing is open here")
                .with_help(format!("remove the `{close}`, or open what it closes"));
            return (diagnostic, After::Stop);
        }
        Some(Problem::Unclosed { opener, open }) if at_end(text, p) => {
            let close = match open {
                '(' => ')',
                '[' => ']',
                _ => '}',
            };
            let diagnostic = Diagnostic::error(Code::Syntax, format!("unclosed `{open}`"))
                .with_label(span(opener..opener + 1), format!("this `{open}` is never closed"))
                .with_secondary(span(text.len()..text.len()), "the file ends here")
                .with_help(format!("add the `{close}` that ends it"));
            return (diagnostic, After::Stop);
        }
        _ => {}
    }

    let line = scan::line_start(text, p);
    let statement = statement_word(text, line);
    if let Some((word_start, word)) = scan::first_word(text, line) {
        let word_end = word_start + word.len();
        let next = skip_blanks(text, word_end);
        let unknown = !STATEMENTS.contains(&word)
            && !CLAUSES.contains(&word)
            && !text[next..].starts_with(['(', '.', '=', ':'])
            && (word_end..=next).contains(&p)
            && at_statement_level(text, line);
        let dockerfile_from =
            word.eq_ignore_ascii_case("from") && (p == word_start || unknown) && at_statement_level(text, line);
        if unknown || dockerfile_from {
            let operand = text[next..].split_whitespace().next().unwrap_or("").trim_matches('"');
            return (unknown_step(span(word_start..word_end), word, operand), After::Resume);
        }
        if let Some(diagnostic) = declaration_name(text, failure, word, next, &span) {
            return (diagnostic, After::Resume);
        }
    }
    if matches!(statement, Some("stage" | "image"))
        && text[p..].starts_with('\n')
        && text[p..].trim_start().starts_with('{')
    {
        let brace = p + text[p..].find('{').unwrap_or(0);
        let diagnostic = Diagnostic::error(Code::Syntax, "the `{` of a stage must be on the line of its `from`")
            .with_label(span(p..p), "a line break here ends the statement")
            .with_secondary(span(brace..brace + 1), "move this `{` up")
            .with_help(format!("write it as {}", shape(statement.unwrap_or("image")).unwrap_or("")));
        return (diagnostic, After::Stop);
    }
    let found = span(p..value_end(text, p));
    // A value where a value just ended: a missing `,` or `to`.
    let after_value = starts_value(text, p) && ends_value(&text[..p]);
    let in_brackets = matches!(scan::scan(&text[..p]).problem, Some(Problem::Unclosed { open: '[' | '(', .. }));
    if matches!(statement, Some("copy" | "add")) && after_value && !in_brackets {
        // `copy "a" "b" to "/c"` misses a comma, `copy "a" "/a"` its `to`.
        let rest_of_line = &text[p..text[p..].find('\n').map_or(text.len(), |i| p + i)];
        if !rest_of_line.split_whitespace().any(|w| w == "to") {
            let diagnostic = Diagnostic::error(Code::Syntax, "missing `to` before the destination")
                .with_label(found, "expected `to` before this")
                .with_help("a copy names its sources, then `to` and where they go: `copy \"app\", \"Cargo.toml\" to \"/src/\"`");
            return (diagnostic, After::Resume);
        }
    }
    if matches!(statement, Some("stage" | "image")) && missing_from(text, line, p) {
        let diagnostic = Diagnostic::error(Code::Syntax, "missing `from` and the base image")
            .with_label(found, "expected `from` here")
            .with_help(
                "a stage names what it starts from: `image from \"debian:bookworm-slim\" { … }`, `stage build from \"rust:1.80\" { … }`",
            );
        return (diagnostic, After::Resume);
    }
    if after_value && (in_brackets || matches!(statement, Some("copy" | "add" | "expose" | "volume"))) {
        let diagnostic = Diagnostic::error(Code::Syntax, "missing `,` between two items")
            .with_label(found, "expected `,` before this")
            .with_help(
                "separate the items with commas: `cmd [\"node\", \"server.js\"]`, `copy \"a\", \"b\" to \"/x/\"`",
            );
        return (diagnostic, After::Resume);
    }
    (generic(text, failure, statement, &span), After::Resume)
}

/// The region to blank out before reading on after an error at `position`: from the start of its
/// line to the next line that starts a statement. `None` when resuming is not safe: the line does
/// not start with a word (the statement began earlier), no statement follows, or the region's
/// brackets and quotes are not balanced.
pub(super) fn resume(text: &str, position: usize) -> Option<Range<usize>> {
    let start = scan::line_start(text, position);
    scan::first_word(text, start)?;
    let indent = indentation(text, start);
    let mut next = position + text.get(position..)?.find('\n')? + 1;
    while next < text.len() {
        let rest = text[next..].trim_start_matches([' ', '\t']);
        // A statement keyword, or a word no deeper than the failed line that is no option of it.
        let starts_statement = rest.starts_with('}')
            || scan::first_word(text, next).is_some_and(|(_, word)| {
                is_statement_start(word) || (indentation(text, next) <= indent && !CLAUSES.contains(&word))
            });
        if starts_statement {
            break;
        }
        next += text[next..].find('\n').map_or(text.len() - next, |i| i + 1);
    }
    scan::balanced(&text[start..next]).then_some(start..next)
}

/// Whether a statement may start at `line`: at the top level, or in the block of a stage, an
/// image, a function, `onbuild` or `layer` (not in a map, a list or parentheses).
fn at_statement_level(text: &str, line: usize) -> bool {
    match scan::scan(&text[..line]).problem {
        None => true,
        Some(Problem::Unclosed { opener, open: '{' }) => {
            let opener_line = scan::line_start(text, opener);
            let before = text[opener_line..opener].trim_end();
            scan::first_word(text, opener_line).is_some_and(|(_, word)| {
                matches!(word, "image" | "stage" | "fn" | "onbuild" | "layer")
                    && !before.ends_with('=')
                    && (word != "fn" || before.ends_with(')'))
            })
        }
        Some(_) => false,
    }
}

fn indentation(text: &str, line: usize) -> usize {
    let rest = &text[line..];
    rest.len() - rest.trim_start_matches([' ', '\t']).len()
}

fn is_statement_start(word: &str) -> bool {
    STATEMENTS.contains(&word) || dockerfile_step(word).is_some()
}

/// The steps and declarations a statement can start with.
const STATEMENTS: &[&str] = &[
    "run",
    "copy",
    "add",
    "env",
    "label",
    "workdir",
    "user",
    "expose",
    "cmd",
    "entrypoint",
    "healthcheck",
    "stopsignal",
    "volume",
    "shell",
    "onbuild",
    "layer",
    "maintainer",
    "let",
    "arg",
    "import",
    "fn",
    "stage",
    "image",
    "directive",
];

/// Words that continue a step as options.
const CLAUSES: &[&str] = &[
    "bind",
    "checksum",
    "cache",
    "chmod",
    "chown",
    "device",
    "exclude",
    "from",
    "interval",
    "keep_git_dir",
    "link",
    "network",
    "platform",
    "parents",
    "retries",
    "start_interval",
    "start_period",
    "security",
    "secret",
    "ssh",
    "timeout",
    "tmpfs",
    "unpack",
];

/// The `.img` statement a Dockerfile instruction (in any case) becomes.
fn dockerfile_step(word: &str) -> Option<&'static str> {
    const INSTRUCTIONS: &[&str] = &[
        "run",
        "copy",
        "add",
        "env",
        "label",
        "workdir",
        "user",
        "expose",
        "cmd",
        "entrypoint",
        "healthcheck",
        "stopsignal",
        "volume",
        "shell",
        "onbuild",
        "maintainer",
        "arg",
        "from",
    ];
    let lower = word.to_ascii_lowercase();
    INSTRUCTIONS.iter().find(|i| **i == lower && (word != lower || lower == "from")).copied()
}

/// An unknown word where a statement starts; `operand` is the word after it (a `FROM`'s image).
fn unknown_step(span: Span, word: &str, operand: &str) -> Diagnostic {
    match dockerfile_step(word) {
        Some("from") => {
            let base =
                if operand.is_empty() || operand.contains(['{', '}']) { "debian:bookworm-slim" } else { operand };
            Diagnostic::error(Code::Syntax, format!("`{word}` is a Dockerfile instruction"))
                .with_label(span, "a stage is declared with `image` or `stage` in .img")
                .with_help(format!(
                    "write `image from \"{base}\" {{ … }}` for the image built, or `stage build from \"{base}\" {{ … }}` for a stage others copy from"
                ))
        }
        Some(step) => Diagnostic::error(Code::Syntax, format!("`{word}` is a Dockerfile instruction"))
            .with_label(span, format!("`{word}` is written `{step}` in .img"))
            .with_help(format!("steps are lowercase words: {}", shape(step).unwrap_or(""))),
        None => {
            let candidates: Vec<String> = STATEMENTS.iter().map(|s| (*s).to_string()).collect();
            let diagnostic = Diagnostic::error(Code::Syntax, format!("unknown step `{word}`"))
                .with_label(span, "not a step or a declaration");
            match crate::suggest::closest(&word.to_ascii_lowercase(), &candidates) {
                Some(close) => diagnostic.with_help(format!("did you mean `{close}`? It is written {}", shape(close).unwrap_or("`{close}`"))),
                None => diagnostic.with_help(
                    "a statement starts with a step (`run`, `copy`, `env`, …), a declaration (`let`, `arg`, `stage`, `image`, …) or a call such as `apt.install([\"curl\"])`",
                ),
            }
        }
    }
}

/// A stage named with a `-`, or a declaration named with a reserved word.
fn declaration_name(
    text: &str,
    failure: &Failure,
    word: &str,
    name_start: usize,
    span: &impl Fn(Range<usize>) -> Span,
) -> Option<Diagnostic> {
    if !matches!(word, "let" | "fn" | "stage" | "image") {
        return None;
    }
    let name = scan::word_at(text, name_start);
    if name.is_empty() {
        return None;
    }
    let name_end = name_start + name.len();
    if word == "stage" && text[name_end..].starts_with(['-', '.']) {
        let full_len = text[name_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c)))
            .unwrap_or(text.len() - name_start);
        let full = &text[name_start..name_start + full_len];
        let fixed = full.replace(['-', '.'], "_").to_ascii_lowercase();
        return Some(
            Diagnostic::error(Code::InvalidStageName, format!("`{full}` is not a valid stage name"))
                .with_label(span(name_start..name_start + full_len), "names cannot contain `-` or `.`")
                .with_help(format!(
                    "write `{fixed}`: stage names use lowercase letters, digits and `_`; add `as \"{}\"` after the \
                     base to keep the Dockerfile's name",
                    full.to_ascii_lowercase()
                )),
        );
    }
    let reserved = failure.position == name_start && !super::is_ident(name) && word != "image";
    reserved.then(|| {
        Diagnostic::error(Code::Syntax, format!("`{name}` is a reserved word"))
            .with_label(span(name_start..name_end), "reserved words cannot be names")
            .with_help(format!("choose another name, such as `{name}_value` or `my_{name}`"))
    })
}

/// The statement keyword of the line at `line`, or of the nearest line above that starts one.
fn statement_word(text: &str, line: usize) -> Option<&str> {
    let mut start = line;
    loop {
        if let Some((_, word)) = scan::first_word(text, start)
            && STATEMENTS.contains(&word)
        {
            return Some(word);
        }
        if start == 0 {
            return None;
        }
        start = scan::line_start(text, start - 1);
    }
}

/// What a statement looks like, for the help line.
fn shape(statement: &str) -> Option<&'static str> {
    Some(match statement {
        "run" => {
            "`run \"make install\"` or `run [\"make\", \"install\"]`, options after it: `run \"make\" cache \"/root/.cache\"`"
        }
        "copy" => {
            "`copy \"src\", \"Cargo.toml\" to \"/app/\"`, or `copy from build \"/out/app\" to \"/usr/local/bin/app\"`"
        }
        "add" => "`add \"https://example.com/x.tar.gz\" to \"/opt/\"`",
        "env" => "`env { NAME = \"value\" }`, or `env build { … }` for the build steps only",
        "label" => "`label { \"org.opencontainers.image.title\" = \"app\" }` or `label \"key\" = \"value\"`",
        "workdir" => "`workdir \"/app\"`",
        "user" => "`user \"app\"`",
        "expose" => "`expose 8080` or `expose 8080, 8443/udp`",
        "cmd" => "`cmd [\"node\", \"server.js\"]`",
        "entrypoint" => "`entrypoint [\"/usr/local/bin/app\"]`",
        "healthcheck" => "`healthcheck [\"curl\", \"-f\", \"http://localhost/\"] interval 30s` or `healthcheck none`",
        "stopsignal" => "`stopsignal \"SIGTERM\"`",
        "volume" => "`volume \"/data\"`",
        "shell" => "`shell [\"/bin/bash\", \"-c\"]`",
        "onbuild" => "`onbuild { run \"make\" }`",
        "layer" => "`layer { run \"make\" }`",
        "maintainer" => "`maintainer \"Jane Doe <jane@example.com>\"`",
        "let" => "`let name = \"value\"` or `let name: type = value`",
        "arg" => "`arg version = \"1.0\"` or `arg version: string`",
        "import" => "`import std.apt` or `import \"./lib.img\" as lib`",
        "fn" => "`fn name(param: string) { … }`",
        "stage" => "`stage build from \"rust:1.80\" { … }`",
        "image" => "`image from \"debian:bookworm-slim\" { … }`",
        "directive" => "`directive syntax = \"docker/dockerfile:1\"`",
        _ => return None,
    })
}

/// The message when nothing more specific fits: what was found, what was expected, and the shape
/// of the statement being read.
fn generic(text: &str, failure: &Failure, statement: Option<&str>, span: &impl Fn(Range<usize>) -> Span) -> Diagnostic {
    let start = failure.position.min(text.len());
    let at_line_break = text[start..].starts_with(['\n', '\r']);
    let end = if at_line_break { start } else { failure.end.max(token_end(text, start)).min(text.len()) };
    let message = match text.get(start..end).filter(|s| !s.is_empty()) {
        Some(found) => {
            let shown: String = found
                .chars()
                .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
                .collect();
            format!("unexpected `{shown}`")
        }
        None if start >= text.len() => "unexpected end of file".to_string(),
        None => "unexpected line break".to_string(),
    };
    let help = match statement.and_then(shape) {
        Some(shape) => format!("write it as {shape}"),
        None => "see the language reference in the book for the shape of each statement".to_string(),
    };
    Diagnostic::error(Code::Syntax, message)
        .with_label(span(start..end), format!("expected {}", describe_expected(&failure.rules)))
        .with_help(help)
}

/// The end of the value at `start`: a whole string when one starts there (up to the end of its
/// line at most), else the token.
fn value_end(text: &str, start: usize) -> usize {
    if text[start..].starts_with('"') {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let mut escaped = false;
        for (i, c) in text[start + 1..line_end].char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return start + 1 + i + 1,
                _ => escaped = false,
            }
        }
        return line_end;
    }
    token_end(text, start)
}

/// The end of the token at `start`: up to white space or punctuation, at least one character.
fn token_end(text: &str, start: usize) -> usize {
    text.get(start..)
        .map(|rest| {
            let len = rest.find(|c: char| c.is_whitespace() || "()[]{},;\"".contains(c)).unwrap_or(rest.len());
            start + len.max(rest.chars().next().map_or(0, char::len_utf8))
        })
        .unwrap_or(start)
        .min(text.len())
}

fn skip_blanks(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    from + rest.len() - rest.trim_start_matches([' ', '\t']).len()
}

/// Whether only white space and comments follow `position`.
fn at_end(text: &str, position: usize) -> bool {
    text[position..].lines().all(|line| {
        let line = line.trim_start();
        line.is_empty() || line.starts_with('#')
    })
}

/// Whether `before` ends with a value: a string, a list, a call, a number or a name.
fn ends_value(before: &str) -> bool {
    before
        .trim_end_matches([' ', '\t'])
        .ends_with(|c: char| c == '"' || c == ']' || c == ')' || c.is_ascii_alphanumeric())
}

/// Whether the stage or image declared on the line at `line` lacks its `from` where parsing
/// stopped, at `position`: `image "debian" {`, `stage build "rust" {`.
fn missing_from(text: &str, line: usize, position: usize) -> bool {
    let Some((start, keyword)) = scan::first_word(text, line) else { return false };
    let mut at = skip_blanks(text, start + keyword.len());
    // The stage's name (an image may have none).
    let name = scan::word_at(text, at);
    if !name.is_empty() && name != "from" {
        at = skip_blanks(text, at + name.len());
    }
    at == position && scan::word_at(text, at) != "from"
}

fn starts_value(text: &str, position: usize) -> bool {
    text[position..].starts_with(|c: char| c == '"' || c == '[' || c.is_ascii_alphanumeric() || c == '_')
}

/// Turns pest's expected-rule list into words a user knows.
fn describe_expected(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = rules.iter().map(|rule| rule_description(*rule)).collect();
    words.sort_unstable();
    words.dedup();
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn rule_description(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::expr | Rule::term | Rule::number | Rule::string | Rule::list | Rule::map | Rule::boolean => "a value",
        Rule::ident | Rule::word | Rule::callee => "a name",
        Rule::type_expr => "a type",
        Rule::block => "`{`",
        Rule::entries | Rule::entry => "`{ KEY = value }`",
        Rule::key => "a key",
        Rule::clause | Rule::clause_keyword => "an option",
        Rule::arguments | Rule::clause_options | Rule::params => "`(`",
        Rule::env_scope => "`build`, `both`, `runtime`",
        Rule::kw_none => "`none`",
        Rule::interpolation | Rule::escape | Rule::text => "string text",
        _ => "a statement",
    }
}
