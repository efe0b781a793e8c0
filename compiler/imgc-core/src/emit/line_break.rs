//! Long shell commands written over several Dockerfile lines, as people write them: one command a
//! line, broken before each top-level `&&`, `||` and `|` and after each `;`, with ` \` at the end
//! of each line, and a command still too long broken between its words. Breaks go only where the
//! shell reads a line continuation and the indentation after it as the blank it replaces: outside
//! quotes, expansions and substitutions, as the POSIX shell lexer finds them. A command the lexer
//! cannot read, or one with a comment or a here-document, is left as it is.
//!
//! Depends on the optimizer's shell lexer only; knows nothing of instructions.

use crate::shell::lexer::{Operator, Token, lex};

/// The longest line people read comfortably, and the one the emitted Dockerfile keeps to where
/// the shell allows a break.
pub const MAX_WIDTH: usize = 120;

/// Where a command may be broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    /// Before a list or pipe operator at this byte (`&&`, `||`, `|`): it leads the next line.
    Before(usize, &'static str),
    /// After a `;` at this byte: it ends the line.
    AfterSemicolon(usize),
}

/// `script` (one line) as it reads starting at column `first_column`: unchanged when it fits in
/// [`MAX_WIDTH`], else broken over lines with ` \` continuations. Continuation lines are indented
/// four spaces, and eight within one command.
pub fn break_lines(script: &str, first_column: usize) -> String {
    if first_column + script.chars().count() <= MAX_WIDTH || script.contains(['\n', '\r']) {
        return script.to_string();
    }
    match lex(script) {
        Ok(lexed) if !lexed.comment && !lexed.here_document => {}
        _ => return script.to_string(),
    }
    let mut lines: Vec<String> = Vec::new();
    let mut start = 0;
    let mut lead = "";
    for point in list_breaks(script) {
        let (end, next_start, next_lead, ends_with) = match point {
            Break::Before(at, op) => (at, at + op.len(), op, ""),
            Break::AfterSemicolon(at) => (at, at + 1, "", ";"),
        };
        let piece = trim_blanks(&script[start..end]);
        // `; ;` must not become `;;`.
        let gap = if ends_with == ";" && piece.ends_with(';') { " " } else { "" };
        lines.push(led(lead, &format!("{piece}{gap}{ends_with}")));
        start = next_start;
        lead = next_lead;
    }
    lines.push(led(lead, trim_blanks(&script[start..])));
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            out.push_str(" \\\n    ");
        }
        out.push_str(&break_words(line, if index == 0 { first_column } else { 4 }));
    }
    out
}

/// A line led by the operator `lead` (none on the first line), a blank after it: `&& cmd`, and
/// `| |` where a pipe leads a piece that starts with one (never `||`).
fn led(lead: &str, piece: &str) -> String {
    match (lead, piece) {
        ("", _) => piece.to_string(),
        (_, "") => lead.to_string(),
        _ => format!("{lead} {piece}"),
    }
}

/// A piece between breaks without the blanks around it, but with a blank a backslash escapes:
/// the piece after an operator starts unescaped.
fn trim_blanks(piece: &str) -> &str {
    let piece = piece.trim_start_matches(' ');
    let trimmed = piece.trim_end_matches(' ');
    let backslashes = trimmed.len() - trimmed.trim_end_matches('\\').len();
    if backslashes % 2 == 1 { &piece[..trimmed.len() + 1] } else { trimmed }
}

/// A command still longer than the width, broken between words: greedily, eight spaces in.
fn break_words(line: &str, first_column: usize) -> String {
    if first_column + line.chars().count() <= MAX_WIDTH {
        return line.to_string();
    }
    let width = |range: std::ops::Range<usize>| line[range].chars().count();
    let mut out = String::new();
    let (mut line_start, mut column) = (0, first_column);
    // The last blank the current line could end at.
    let mut last_fit: Option<usize> = None;
    let blanks = line
        .char_indices()
        .filter(|&(i, c)| {
            c == ' ' && i > 0 && !line[..i].ends_with(' ') && starts_no_comment(&line[i..]) && at_top_level(&line[..i])
        })
        .map(|(i, _)| i);
    // Each blank, then the end of the line: when the text up to it does not fit (with room for
    // ` \`), the line ends at the blank before.
    for end in blanks.chain(std::iter::once(line.len())) {
        let room = if end == line.len() { 0 } else { 2 };
        if column + width(line_start..end) + room > MAX_WIDTH
            && let Some(cut) = last_fit.filter(|cut| *cut > line_start)
        {
            out.push_str(&line[line_start..cut]);
            out.push_str(" \\\n        ");
            line_start = cut + 1;
            column = 8;
        }
        last_fit = Some(end);
    }
    out.push_str(&line[line_start..]);
    out
}

/// The top-level list and pipe operators of `script`, in order, as the shell's lexer reads them
/// (so `>|`, `<&` and an escaped `\|` are no places to break).
fn list_breaks(script: &str) -> Vec<Break> {
    let Ok(lexed) = lex(script) else { return Vec::new() };
    let mut breaks = Vec::new();
    for (index, (token, span)) in lexed.tokens.iter().zip(&lexed.spans).enumerate() {
        let Token::Operator(operator) = token else { continue };
        if *operator == Operator::Semicolon && !starts_no_comment(&script[span.end..]) {
            continue;
        }
        // An operator with nothing before it ends no line, and one with nothing after it starts
        // none: a script ending in `;` broken there would end the instruction with a line
        // continuation, which joins the Dockerfile's next line to the command.
        if script[..span.start].trim_matches(' ').is_empty() || script[span.end..].trim_matches(' ').is_empty() {
            continue;
        }
        // bash's `|&` stays whole.
        let ampersand_touches = matches!(lexed.tokens.get(index + 1), Some(Token::Operator(Operator::Ampersand)))
            && lexed.spans.get(index + 1).is_some_and(|next| next.start == span.end);
        match operator {
            Operator::AndIf | Operator::OrIf => breaks.push(Break::Before(span.start, operator.as_str())),
            Operator::Pipe if !ampersand_touches => breaks.push(Break::Before(span.start, "|")),
            Operator::Semicolon => breaks.push(Break::AfterSemicolon(span.start)),
            _ => {}
        }
    }
    breaks
}

/// Whether `rest`, starting a continuation line, leaves the line something other than a comment:
/// the Dockerfile parser drops a continuation line whose first character after white space (by
/// Unicode's definition, so a form feed too, which the shell reads as part of a word) is `#`.
fn starts_no_comment(rest: &str) -> bool {
    !rest.trim_start_matches(char::is_whitespace).starts_with('#')
}

/// Whether the text after `prefix` is read at the top level: outside quotes, expansions and
/// substitutions, not after a backslash.
fn at_top_level(prefix: &str) -> bool {
    lex(prefix).is_ok_and(|lexed| !lexed.comment && !lexed.here_document)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether every line of `text`, the first starting at column 4, fits in the width.
    fn fits(text: &str) -> bool {
        text.lines().enumerate().all(|(i, l)| if i == 0 { 4 } else { 0 } + l.chars().count() <= MAX_WIDTH)
    }

    #[test]
    fn short_commands_stay_on_one_line() {
        assert_eq!(
            break_lines("apt-get update && apt-get install -y curl", 4),
            "apt-get update && apt-get install -y curl"
        );
    }

    #[test]
    fn long_chains_go_one_command_a_line() {
        let script = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/*";
        assert_eq!(
            break_lines(script, 4),
            "apt-get update \\\n    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \\\n    && rm -rf /var/lib/apt/lists/*"
        );
    }

    #[test]
    fn semicolons_end_their_line_and_pipes_lead_the_next() {
        let long = "x".repeat(60);
        let script = format!("set -eux; curl -fsSL https://example.com/{long} | tar -xz -C /opt; echo done");
        assert_eq!(
            break_lines(&script, 4),
            format!(
                "set -eux; \\\n    curl -fsSL https://example.com/{long} \\\n    | tar -xz -C /opt; \\\n    echo done"
            )
        );
    }

    #[test]
    fn never_inside_quotes_or_substitutions() {
        let quoted =
            format!("echo \"{} && b; c | d\" && echo '{} && x' && v=$(a && b) && true", "a".repeat(50), "y".repeat(40));
        let broken = break_lines(&quoted, 4);
        assert!(broken.contains(&format!("\"{} && b; c | d\"", "a".repeat(50))), "{broken}");
        assert!(broken.contains("$(a && b)"), "{broken}");
        assert_eq!(broken.matches(" \\\n").count(), 3, "{broken}");
    }

    #[test]
    fn redirections_and_escapes_are_not_operators() {
        let script = format!("echo {} >| /tmp/out 2>&1 && echo a\\;b && echo \\| {}", "a".repeat(60), "b".repeat(40));
        let broken = break_lines(&script, 4);
        assert!(broken.contains(">| /tmp/out 2>&1") && broken.contains("a\\;b") && broken.contains("\\|"), "{broken}");
        assert_eq!(broken.matches(" \\\n").count(), 2, "{broken}");
    }

    #[test]
    fn an_escaped_pipe_before_operators_keeps_their_pairing() {
        // Found by the migrate fuzz target: `\|` then eleven `|` is `\|`, five `||` and a `|` to
        // the shell; skipping the escaped `|` with the next one made the breaks pair them off by one.
        let tokens = |text: &str| lex(text).map(|lexed| lexed.tokens).expect("lexes");
        let joined = |broken: &str| broken.replace(" \\\n        ", " ").replace(" \\\n    ", " ");
        let script = format!("apt-get install -y {}||||\\|||||||||||", "p".repeat(110));
        let broken = break_lines(&script, 4);
        assert_eq!(tokens(&joined(&broken)), tokens(&script), "{broken}");
        assert!(broken.contains("|| \\| \\\n    ||"), "{broken}");
        // Operators that start the script pair the same way (and no empty line goes before them).
        for script in [format!("|||||}} {} && true", "p".repeat(120)), format!(" ||| {} | x", "p".repeat(120))] {
            let broken = break_lines(&script, 4);
            assert_eq!(tokens(&joined(&broken)), tokens(&script), "{broken}");
            assert!(!broken.starts_with(" \\"), "{broken}");
        }
    }

    /// Breaking never changes what the shell reads: on scripts of operator characters, quotes,
    /// escapes and words, the text with its continuations joined lexes to the same tokens.
    #[test]
    fn breaks_keep_the_tokens_of_any_script() {
        let pieces = [
            "|", "||", "&", "&&", ";", "\\", "\\|", "'", "\"", "$", "${a}", "$(b)", "{", "}", "<", ">", ">|", "2>&1",
            "|&", "\\ ", " ", "  ", "word", "x", "\u{c}#",
        ];
        let tokens = |text: &str| lex(text).map(|lexed| lexed.tokens).ok();
        let mut state = 0x2545_f491_u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let mut read = 0;
        for _ in 0..10_000 {
            let script: String = (0..60 + next(60)).map(|_| pieces[next(pieces.len())]).collect();
            let Some(expected) = tokens(&script) else { continue };
            read += 1;
            let broken = break_lines(&script, 4);
            let joined = broken.replace(" \\\n        ", " ").replace(" \\\n    ", " ");
            assert_eq!(tokens(&joined), Some(expected), "{script:?}\n{broken}");
            // The instruction ends where the script does: not with a continuation that would join
            // the Dockerfile's next line to the command.
            let ends_continued = |text: &str| text.trim_end_matches([' ', '\n']).ends_with('\\');
            assert_eq!(ends_continued(&broken), ends_continued(&script), "{script:?}\n{broken}");
            // No continuation line is one the Dockerfile parser drops as a comment.
            assert!(broken.lines().skip(1).all(starts_no_comment), "{script:?}\n{broken}");
        }
        assert!(read > 300, "only {read} scripts lexed");
    }

    #[test]
    fn a_script_ending_in_a_semicolon_ends_on_its_last_command() {
        let long = "x".repeat(100);
        for script in [format!("echo {long} && rm -rf /tmp/a;"), format!("echo {long} && rm -rf /tmp/a;   ")] {
            let broken = break_lines(&script, 4);
            assert_eq!(broken.lines().count(), 2, "{broken}");
            assert!(broken.trim_end().ends_with(';'), "{broken}");
        }
    }

    #[test]
    fn no_continuation_line_starts_with_what_the_dockerfile_reads_as_a_comment() {
        // A form feed is white space to the Dockerfile parser and part of a word to the shell.
        let long = "x".repeat(100);
        for script in [format!("echo {long} \u{c}#not-a-comment"), format!("echo {long}; \u{c}#x && y")] {
            let broken = break_lines(&script, 4);
            assert!(broken.lines().skip(1).all(starts_no_comment), "{broken}");
            assert!(broken.contains("\u{c}#"), "{broken}");
        }
    }

    #[test]
    fn a_long_command_is_broken_between_words() {
        let packages: Vec<String> = (0..30).map(|i| format!("package-number-{i}")).collect();
        let script = format!("apt-get install -y --no-install-recommends {}", packages.join(" "));
        let broken = break_lines(&script, 4);
        assert!(fits(&broken), "{broken}");
        assert_eq!(broken.replace(" \\\n        ", " "), script);
    }

    #[test]
    fn here_documents_comments_and_unreadable_lines_are_left_alone() {
        let long = "a".repeat(130);
        for script in [format!("cat <<EOF {long}"), format!("echo {long} # note && x"), format!("echo \"{long}")] {
            assert_eq!(break_lines(&script, 4), script);
        }
    }
}
