//! POSIX shell quoting for values interpolated into commands, for the place in the command where
//! the value goes: a bare word, inside `"…"` or `'…'` the user wrote, a here-document's body, a
//! `$(…)` or a backquoted command, a comment; and the command text of an IR [`Text`] with its
//! values so escaped.

use crate::ir::{Text, TextPart};

/// Characters that need no quoting anywhere in a word. `=` is left out so a value can never be
/// read as a variable assignment, and `~` so it is never expanded as a home directory.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '%' | '+' | ':' | ',' | '.' | '/' | '-')
}

/// Quotes `value` so a POSIX shell reads it back as exactly one word with exactly these bytes.
pub fn quote(value: &str) -> String {
    if !value.is_empty() && value.chars().all(is_plain) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Why a value cannot be written where the command inserts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unquotable {
    /// What the value holds and where it goes, for the message.
    pub problem: String,
    pub help: &'static str,
}

/// A shell command rendered for the shell, and the first value that could not be written exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rendered {
    script: String,
    problem: Option<Unquotable>,
}

/// Where the shell stands while it reads the user's code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Context {
    /// Outside any quote (the top level, or inside `$(…)`; `depth` counts open parentheses).
    Bare {
        depth: usize,
    },
    Double,
    Single,
    /// Inside `` `…` ``.
    Backtick,
    /// Inside `${…}` (`depth` counts nested braces).
    Param {
        depth: usize,
    },
    /// After `#` up to the end of the line.
    Comment,
    /// A here-document's body, read line by line up to `delimiter`.
    Heredoc {
        delimiter: String,
        expand: bool,
        strip_tabs: bool,
    },
}

/// A here-document announced by `<<` whose body starts at the next line break.
struct PendingHeredoc {
    delimiter: String,
    expand: bool,
    strip_tabs: bool,
}

struct Renderer {
    out: String,
    stack: Vec<Context>,
    pending: Vec<PendingHeredoc>,
    /// Where the current bare word started in `out`, while everything in it is plain.
    plain_word: Option<usize>,
    /// Whether a `"` opened by the renderer around a word with a build argument is open.
    natural_quote: bool,
    /// The current line of a here-document body as the shell reads it, and whether a value is in it.
    line: String,
    line_has_value: bool,
    problem: Option<Unquotable>,
}

/// A shell command as the shell reads it: code verbatim, each value escaped for the place it is
/// inserted, each build argument expanded by the shell as one word (`"https://…/v${X}/bin"`).
pub fn render(text: &Text) -> String {
    rendered(text).script
}

/// The first value of `text` that cannot be escaped for the place it is inserted, if any.
pub fn unquotable(text: &Text) -> Option<Unquotable> {
    rendered(text).problem
}

fn rendered(text: &Text) -> Rendered {
    let written = text.parts_len();
    let mut r = Renderer {
        out: String::with_capacity(written + written / 8 + 8),
        stack: vec![Context::Bare { depth: 0 }],
        pending: Vec::new(),
        plain_word: Some(0),
        natural_quote: false,
        line: String::new(),
        line_has_value: false,
        problem: None,
    };
    for part in &text.0 {
        match part {
            TextPart::Code(code) => r.code(code),
            TextPart::Value(value) => r.value(value),
            TextPart::Arg(name) => r.arg(name),
        }
    }
    r.close_natural_quote();
    Rendered { script: r.out, problem: r.problem }
}

impl Renderer {
    fn top(&self) -> &Context {
        self.stack.last().unwrap_or(&Context::Bare { depth: 0 })
    }

    fn fail(&mut self, problem: String, help: &'static str) {
        if self.problem.is_none() {
            self.problem = Some(Unquotable { problem, help });
        }
    }

    fn close_natural_quote(&mut self) {
        if self.natural_quote {
            self.out.push('"');
            self.natural_quote = false;
        }
    }

    /// Whether a backquoted command encloses the current place, and whether a `"…"` encloses that.
    fn backticks(&self) -> (usize, bool) {
        let levels = self.stack.iter().filter(|c| **c == Context::Backtick).count();
        let first = self.stack.iter().position(|c| *c == Context::Backtick);
        let double_outside = first.is_some_and(|i| self.stack[..i].contains(&Context::Double));
        (levels, double_outside)
    }

    /// A backslash and the character it escapes, copied as written; how many characters it took.
    fn copy_escape(&mut self, next: Option<char>) -> usize {
        self.out.push('\\');
        match next {
            Some(n) => {
                self.out.push(n);
                2
            }
            None => 1,
        }
    }

    /// `$(` or `${`, copied, with the context it opens: a command substitution or a parameter
    /// expansion.
    fn open_expansion(&mut self, next: Option<char>) {
        if next == Some('(') {
            self.out.push_str("$(");
            self.stack.push(Context::Bare { depth: 0 });
        } else {
            self.out.push_str("${");
            self.stack.push(Context::Param { depth: 0 });
        }
    }

    fn code(&mut self, code: &str) {
        let mut chars: Vec<char> = Vec::with_capacity(code.len());
        chars.extend(code.chars());
        let mut i = 0;
        while i < chars.len() {
            // A here-document's context owns its delimiter: it is read in its arm, not copied for
            // every character.
            let top = match self.stack.last() {
                Some(Context::Heredoc { .. }) => {
                    Context::Heredoc { delimiter: String::new(), expand: false, strip_tabs: false }
                }
                Some(context) => context.clone(),
                None => Context::Bare { depth: 0 },
            };
            // Characters that change nothing where they stand are copied as one run.
            let copied = chars[i..].iter().take_while(|c| only_copied(&top, **c)).count();
            if copied > 0 {
                self.out.extend(&chars[i..i + copied]);
                i += copied;
                continue;
            }
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match top {
                Context::Bare { depth } => {
                    let plain = is_plain(c);
                    if self.natural_quote && !plain {
                        self.close_natural_quote();
                    }
                    if !plain {
                        self.plain_word = None;
                    }
                    if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '<' | '>') {
                        self.close_natural_quote();
                        self.plain_word = Some(self.out.len() + c.len_utf8());
                    }
                    match c {
                        '\\' => {
                            i += self.copy_escape(next);
                            continue;
                        }
                        '\'' => self.stack.push(Context::Single),
                        '"' => self.stack.push(Context::Double),
                        '`' => self.stack.push(Context::Backtick),
                        '#' if self.out.is_empty() || self.out.ends_with(char::is_whitespace) => {
                            self.stack.push(Context::Comment)
                        }
                        '$' if matches!(next, Some('(' | '{')) => {
                            self.open_expansion(next);
                            i += 2;
                            continue;
                        }
                        '(' => self.set_depth(depth + 1),
                        ')' if depth > 0 => self.set_depth(depth - 1),
                        ')' if self.stack.len() > 1 => {
                            self.stack.pop();
                        }
                        '<' if next == Some('<') && chars.get(i + 2) != Some(&'<') => {
                            i = self.heredoc_operator(&chars, i);
                            continue;
                        }
                        '\n' => {
                            self.out.push(c);
                            self.start_heredocs();
                            i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    self.out.push(c);
                }
                Context::Double => {
                    match c {
                        '\\' => {
                            i += self.copy_escape(next);
                            continue;
                        }
                        '"' => {
                            self.stack.pop();
                        }
                        '`' => self.stack.push(Context::Backtick),
                        '$' if matches!(next, Some('(' | '{')) => {
                            self.open_expansion(next);
                            i += 2;
                            continue;
                        }
                        _ => {}
                    }
                    self.out.push(c);
                }
                Context::Single => {
                    if c == '\'' {
                        self.stack.pop();
                    }
                    self.out.push(c);
                }
                Context::Backtick => {
                    match c {
                        '\\' => {
                            i += self.copy_escape(next);
                            continue;
                        }
                        '`' => {
                            self.stack.pop();
                        }
                        '\'' => self.stack.push(Context::Single),
                        '"' => self.stack.push(Context::Double),
                        _ => {}
                    }
                    self.out.push(c);
                }
                Context::Param { depth } => {
                    match c {
                        '{' => self.set_depth(depth + 1),
                        '}' if depth > 0 => self.set_depth(depth - 1),
                        '}' => {
                            self.stack.pop();
                        }
                        _ => {}
                    }
                    self.out.push(c);
                }
                Context::Comment => {
                    if c == '\n' {
                        self.stack.pop();
                        self.out.push(c);
                        self.plain_word = Some(self.out.len());
                        self.start_heredocs();
                        i += 1;
                        continue;
                    }
                    self.out.push(c);
                }
                Context::Heredoc { .. } => {
                    if c == '\n' {
                        let (delimiter, strip_tabs) = match self.stack.last() {
                            Some(Context::Heredoc { delimiter, strip_tabs, .. }) => (delimiter.clone(), *strip_tabs),
                            _ => (String::new(), false),
                        };
                        let line = if strip_tabs { self.line.trim_start_matches('\t') } else { &self.line };
                        if line == delimiter {
                            if self.line_has_value {
                                self.fail(
                                    format!("a value makes a line `{delimiter}`, which ends the here-document early"),
                                    "remove that line from the value, or end the here-document with another delimiter",
                                );
                            }
                            self.stack.pop();
                            self.plain_word = Some(self.out.len() + 1);
                            self.start_heredocs();
                        }
                        self.line.clear();
                        self.line_has_value = false;
                    } else {
                        self.line.push(c);
                    }
                    self.out.push(c);
                }
            }
            i += 1;
        }
    }

    fn set_depth(&mut self, new: usize) {
        if let Some(Context::Bare { depth } | Context::Param { depth }) = self.stack.last_mut() {
            *depth = new;
        }
    }

    /// Reads `<<WORD`, `<<-WORD`, `<<'WORD'`, `<<"WORD"` or `<<\WORD` at `chars[i]` and returns the
    /// index after it; the body starts at the next line break.
    fn heredoc_operator(&mut self, chars: &[char], mut i: usize) -> usize {
        self.out.push_str("<<");
        i += 2;
        let strip_tabs = chars.get(i) == Some(&'-');
        if strip_tabs {
            self.out.push('-');
            i += 1;
        }
        while chars.get(i).is_some_and(|c| *c == ' ' || *c == '\t') {
            self.out.push(chars[i]);
            i += 1;
        }
        let (mut delimiter, mut expand) = (String::new(), true);
        while let Some(&c) = chars.get(i) {
            if c.is_whitespace() || ";&|()<>".contains(c) {
                break;
            }
            self.out.push(c);
            i += 1;
            match c {
                '\'' | '"' => {
                    expand = false;
                    while let Some(&q) = chars.get(i) {
                        self.out.push(q);
                        i += 1;
                        if q == c {
                            break;
                        }
                        delimiter.push(q);
                    }
                }
                '\\' => {
                    expand = false;
                    if let Some(&n) = chars.get(i) {
                        self.out.push(n);
                        delimiter.push(n);
                        i += 1;
                    }
                }
                _ => delimiter.push(c),
            }
        }
        self.plain_word = None;
        if !delimiter.is_empty() {
            self.pending.push(PendingHeredoc { delimiter, expand, strip_tabs });
        }
        i
    }

    /// At a line break: the here-documents announced on the line start, first one innermost-last.
    fn start_heredocs(&mut self) {
        for heredoc in std::mem::take(&mut self.pending).into_iter().rev() {
            self.stack.push(Context::Heredoc {
                delimiter: heredoc.delimiter,
                expand: heredoc.expand,
                strip_tabs: heredoc.strip_tabs,
            });
        }
        self.line.clear();
        self.line_has_value = false;
    }

    /// Writes `rendered` (already escaped for the innermost context) through the backquoted
    /// commands around it.
    fn push_through_backticks(&mut self, rendered: String) {
        let (levels, double_outside) = self.backticks();
        if levels > 0 && double_outside && rendered.contains('"') {
            self.fail(
                "a value in a backquoted command inside `\"…\"` needs a `\"`, which shells read differently there"
                    .to_string(),
                "write the command substitution as `$(…)`",
            );
        }
        let mut text = rendered;
        for _ in 0..levels {
            let mut escaped = String::with_capacity(text.len());
            for c in text.chars() {
                if "\\`$".contains(c) {
                    escaped.push('\\');
                }
                escaped.push(c);
            }
            text = escaped;
        }
        self.out.push_str(&text);
    }

    fn value(&mut self, value: &str) {
        let rendered = match self.top().clone() {
            Context::Bare { .. } if self.natural_quote => escape_double(value),
            Context::Bare { .. } => {
                if value.is_empty() || !value.chars().all(is_plain) {
                    self.plain_word = None;
                }
                quote(value)
            }
            Context::Double => escape_double(value),
            Context::Single => value.replace('\'', "'\\''"),
            Context::Param { .. } => {
                if self.stack.contains(&Context::Double) {
                    self.fail(
                        "a value inside `${…}` within `\"…\"` cannot be quoted the same way by every shell".to_string(),
                        "interpolate the value outside the `${…}`",
                    );
                }
                quote(value)
            }
            Context::Comment => {
                if value.contains(['\n', '\r']) {
                    self.fail(
                        "a value with a line break in a comment would run its next lines as commands".to_string(),
                        "remove the interpolation from the comment",
                    );
                }
                value.to_string()
            }
            Context::Heredoc { delimiter, expand, strip_tabs } => {
                let rendered = if expand { escape_heredoc(value) } else { value.to_string() };
                let mut lines = value.split('\n');
                if let Some(first) = lines.next() {
                    self.line.push_str(first);
                }
                let mut ends = false;
                for line in lines {
                    let current = std::mem::replace(&mut self.line, line.to_string());
                    let current = if strip_tabs { current.trim_start_matches('\t').to_string() } else { current };
                    ends |= current == delimiter;
                }
                self.line_has_value = true;
                if ends {
                    self.fail(
                        format!("a value makes a line `{delimiter}`, which ends the here-document early"),
                        "remove that line from the value, or end the here-document with another delimiter",
                    );
                }
                rendered
            }
            Context::Backtick => quote(value),
        };
        self.push_through_backticks(rendered);
    }

    fn arg(&mut self, name: &str) {
        let reference = format!("${{{name}}}");
        let rendered = match self.top().clone() {
            Context::Bare { .. } => {
                if self.natural_quote {
                    reference
                } else if let Some(start) = self.plain_word.filter(|s| *s <= self.out.len() && self.stack.len() == 1) {
                    // `https://…/v${X}/bin` reads best as one double-quoted word.
                    self.out.insert(start, '"');
                    self.natural_quote = true;
                    reference
                } else {
                    format!("\"{reference}\"")
                }
            }
            Context::Double | Context::Param { .. } => reference,
            Context::Single => format!("'\"{reference}\"'"),
            Context::Backtick => format!("\"{reference}\""),
            Context::Comment => reference,
            Context::Heredoc { expand: true, .. } => {
                self.line_has_value = true;
                reference
            }
            Context::Heredoc { expand: false, .. } => {
                self.fail(
                    format!("build argument `{name}` is not expanded in a here-document with a quoted delimiter"),
                    "unquote the delimiter (`<<EOF`), or insert the argument outside the here-document",
                );
                reference
            }
        };
        self.push_through_backticks(rendered);
    }
}

/// Whether the character `c` of code, in `context`, is only copied: it neither opens nor closes
/// a context and ends no word. (In a here-document's body each character is also kept for its
/// line: none is only copied.)
fn only_copied(context: &Context, c: char) -> bool {
    match context {
        Context::Bare { .. } => is_plain(c),
        Context::Double => !matches!(c, '\\' | '"' | '`' | '$'),
        Context::Single => c != '\'',
        Context::Backtick => !matches!(c, '\\' | '`' | '\'' | '"'),
        Context::Param { .. } => !matches!(c, '{' | '}'),
        Context::Comment => c != '\n',
        Context::Heredoc { .. } => false,
    }
}

/// `value` inside `"…"`: `$`, `` ` ``, `"` and `\` escaped.
fn escape_double(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "$`\"\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `value` in the body of a here-document the shell expands: `$`, `` ` `` and `\` escaped.
fn escape_heredoc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "$`\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{quote, rendered};
    use crate::ir::{Text, TextPart};

    #[test]
    fn plain_words_stay_plain() {
        assert_eq!(quote("curl"), "curl");
        assert_eq!(quote("/usr/local/bin"), "/usr/local/bin");
        assert_eq!(quote("libssl3:amd64"), "libssl3:amd64");
    }

    #[test]
    fn everything_else_is_single_quoted() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("a=b"), "'a=b'");
        assert_eq!(quote("~root"), "'~root'");
        assert_eq!(quote("x\ny"), "'x\ny'");
    }

    /// `code` with `@` replaced by the value `value`.
    fn with_value(code: &str, value: &str) -> super::Rendered {
        let mut text = Text::default();
        for (i, piece) in code.split('@').enumerate() {
            if i > 0 {
                text.push(TextPart::Value(value.into()));
            }
            text.push(TextPart::Code(piece.into()));
        }
        rendered(&text)
    }

    fn with_arg(code: &str, name: &str) -> String {
        let mut text = Text::default();
        for (i, piece) in code.split('@').enumerate() {
            if i > 0 {
                text.push(TextPart::Arg(name.into()));
            }
            text.push(TextPart::Code(piece.into()));
        }
        rendered(&text).script
    }

    #[test]
    fn values_are_escaped_for_the_quotes_around_them() {
        let url = "https://example.com/dl?v=1&arch=amd64";
        assert_eq!(with_value("curl -o /tmp/x \"@\"", url).script, format!("curl -o /tmp/x \"{url}\""));
        assert_eq!(with_value("echo \"@\"", "a\"$b`c\\").script, "echo \"a\\\"\\$b\\`c\\\\\"");
        assert_eq!(with_value("touch '@'", "my file").script, "touch 'my file'");
        assert_eq!(with_value("touch '@'", "it's").script, "touch 'it'\\''s'");
        assert_eq!(with_value("echo @", "a b").script, "echo 'a b'");
        assert_eq!(with_value("echo \"$(echo @)\"", "a b").script, "echo \"$(echo 'a b')\"");
        assert_eq!(with_value("echo `echo @`", "$x").script, "echo `echo '\\$x'`");
        assert_eq!(with_value("cat <<EOF\n@\nEOF\n", "$x `y` \\").script, "cat <<EOF\n\\$x \\`y\\` \\\\\nEOF\n");
        assert_eq!(with_value("cat <<'EOF'\n@\nEOF\necho @", "$x").script, "cat <<'EOF'\n$x\nEOF\necho '$x'");
        assert_eq!(with_value("echo ${X:-@}", "a b").script, "echo ${X:-'a b'}");
    }

    #[test]
    fn what_cannot_be_escaped_is_reported() {
        assert!(with_value("cat <<EOF\n@\nEOF\n", "a\nEOF\nb").problem.is_some());
        assert!(with_value("echo hi # @", "x\nrm -rf /").problem.is_some());
        assert!(with_value("echo \"`echo @`\"", "a\"b").problem.is_some());
        assert!(with_value("echo \"${X:-@}\"", "a").problem.is_some());
        assert!(with_value("echo '@' \"@\" @ $(echo @)", "a'\"$`\\\n;").problem.is_none());
    }

    #[test]
    fn build_arguments_read_as_natural_words() {
        assert_eq!(with_arg("curl https://dl.k8s.io/v@/bin/x", "V"), "curl \"https://dl.k8s.io/v${V}/bin/x\"");
        assert_eq!(
            with_arg("apt-get install postgresql-@ && echo", "V"),
            "apt-get install \"postgresql-${V}\" && echo"
        );
        assert_eq!(with_arg("X=@ make", "V"), "X=\"${V}\" make");
        assert_eq!(with_arg("echo \"v@\"", "V"), "echo \"v${V}\"");
        assert_eq!(with_arg("echo 'v@'", "V"), "echo 'v'\"${V}\"''");
        assert_eq!(with_arg("echo $(echo @)", "V"), "echo $(echo \"${V}\")");
        assert_eq!(with_arg("echo @*", "V"), "echo \"${V}\"*");
    }
}
