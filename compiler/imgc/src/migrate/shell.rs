//! The `&&` chains of `RUN` commands: how migrate splits a command line into the commands of
//! its chain, tells which of them leave state behind for the commands after them, and compares
//! commands regardless of the spaces between their words. The line is read by the shell layer's
//! lexer ([`crate::shell::lexer`]), so migrate reads a command line as the optimizer does.
//!
//! Must never depend on: the rest of migrate (it is the shell side of it).

use crate::shell::lexer::{self, Operator};
use crate::shell::script;

pub use crate::shell::lexer::Token;

/// The byte range each token of [`tokens`] came from, in the same order.
pub type Ranges = Vec<std::ops::Range<usize>>;

/// Splits a command line into its top-level tokens. `None` when the line holds what migrate does
/// not split: a comment, a here-document, or what the shell layer does not read (an unterminated
/// quote or substitution, syntax only bash reads).
pub fn tokens(script: &str) -> Option<Vec<Token>> {
    tokens_with_ranges(script).map(|(tokens, _)| tokens)
}

/// [`tokens`], with where each token is in `script`.
pub fn tokens_with_ranges(script: &str) -> Option<(Vec<Token>, Ranges)> {
    let lexed = lexer::lex(script).ok()?;
    if lexed.comment || lexed.here_document {
        return None;
    }
    Some((lexed.tokens, lexed.spans))
}

/// A token as written.
fn text(token: &Token) -> &str {
    match token {
        Token::Word(word) => &word.text,
        Token::Operator(operator) => operator.as_str(),
        Token::Newline => "\n",
    }
}

/// Words that open and close compound commands.
const OPENERS: &[&str] = &["if", "case", "for", "while", "until", "select", "{"];
const CLOSERS: &[&str] = &["fi", "esac", "done", "}"];

/// The commands of a top-level `&&` chain, as token lists, or `None` when the line is not a
/// plain chain (it has `;`, `||`, `&`, a line break, or nothing to split at top level).
pub fn and_chain(tokens: &[Token]) -> Option<Vec<Vec<Token>>> {
    let bounds = and_chain_bounds(tokens)?;
    Some(bounds.into_iter().map(|(start, end)| tokens[start..end].to_vec()).collect())
}

/// The token index ranges of the commands of [`and_chain`].
pub fn and_chain_bounds(tokens: &[Token]) -> Option<Vec<(usize, usize)>> {
    let mut commands = vec![(0, 0)];
    let mut depth: i64 = 0;
    let mut command_start = true;
    for (index, token) in tokens.iter().enumerate() {
        let redirection = matches!(token, Token::Operator(operator) if operator.is_redirection());
        match token {
            Token::Operator(Operator::AndIf) if depth == 0 => {
                commands.push((index + 1, index + 1));
                command_start = true;
                continue;
            }
            Token::Operator(Operator::OpenParen) => depth += 1,
            Token::Operator(Operator::CloseParen) => depth -= 1,
            Token::Operator(Operator::Pipe) => {}
            _ if redirection => {}
            Token::Operator(_) | Token::Newline if depth == 0 => return None,
            Token::Word(word) if command_start && OPENERS.contains(&word.text.as_str()) => depth += 1,
            Token::Word(word) if CLOSERS.contains(&word.text.as_str()) && depth > 0 => depth -= 1,
            _ => {}
        }
        command_start = matches!(token, Token::Operator(_) | Token::Newline) && !redirection
            || matches!(token, Token::Word(w) if ["then", "do", "else", "elif", "{", "!"].contains(&w.text.as_str()));
        if let Some(command) = commands.last_mut() {
            command.1 = index + 1;
        }
    }
    if depth != 0 || commands.len() < 2 || commands.iter().any(|(start, end)| start == end) {
        return None;
    }
    Some(commands)
}

/// Whether a command leaves nothing in the shell that a later command in the same shell could
/// see: the shell layer's reader finds no state change (its table of state-changing built-ins,
/// assignments, functions, assigning expansions), and it runs nothing in the background or in
/// a subshell or arithmetic command this reader cannot see into. A command the reader cannot read
/// with certainty counts as stateful.
pub fn is_stateless(command: &[Token]) -> bool {
    if command.iter().any(|t| matches!(t, Token::Operator(Operator::Ampersand | Operator::OpenParen))) {
        return false;
    }
    script::read(&command_text(command))
        .is_ok_and(|script| script.state_change().is_none() && !script.commands.is_empty())
}

/// The command's tokens as a command line, one space between them but after a redirection's
/// file descriptor (`2>&1` stays one redirection).
pub fn command_text(command: &[Token]) -> String {
    let mut out = String::new();
    for (index, token) in command.iter().enumerate() {
        let glued = index > 0 && matches!(&command[index - 1], Token::Word(w) if w.io_number);
        if index > 0 && !glued {
            out.push(' ');
        }
        out.push_str(text(token));
    }
    out
}

/// `NAME=…` at the start of a word.
pub fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else { return false };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The command's words with the spaces between them normalized, and plain single-quoted words
/// unquoted (`'nginx=1.22'` is the word `nginx=1.22`).
pub fn canonical_words(command: &[Token]) -> Vec<String> {
    command
        .iter()
        .map(|t| match t {
            Token::Word(w) => unquote_plain(&w.text),
            other => text(other).to_string(),
        })
        .collect()
}

/// A word in single quotes whose content the shell would read the same way without them.
fn unquote_plain(word: &str) -> String {
    let Some(inner) = word.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')) else {
        return word.to_string();
    };
    if is_plain_word(inner) { inner.to_string() } else { word.to_string() }
}

/// Text that means itself as an unquoted shell word: no expansion, glob, quote, space or
/// operator, and no `~` where a shell expands one.
pub fn is_plain_word(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "_@%+:,./=~-".contains(c))
        && !text.starts_with('~')
        && !text.contains("=~")
        && !text.contains(":~")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(script: &str) -> Option<Vec<String>> {
        and_chain(&tokens(script)?).map(|commands| commands.iter().map(|c| command_text(c)).collect())
    }

    #[test]
    fn top_level_and_chains_split() {
        assert_eq!(
            chain("apt-get update &&  apt-get install -y 'a b' \"c && d\" && echo $(x && y) | tee z"),
            Some(vec![
                "apt-get update".to_string(),
                "apt-get install -y 'a b' \"c && d\"".to_string(),
                "echo $(x && y) | tee z".to_string()
            ])
        );
        assert_eq!(
            chain("if [ -f x ]; then a && b; fi && c"),
            Some(vec!["if [ -f x ] ; then a && b ; fi".to_string(), "c".to_string()])
        );
        assert_eq!(chain("(cd x && make) && make install").map(|c| c.len()), Some(2));
        // The first `}` ends a `${`, as the shell reads it (found by the migrate fuzz target).
        assert_eq!(
            chain("chown${a{b} x && echo ${c${d}} y && z"),
            Some(vec!["chown${a{b} x".to_string(), "echo ${c${d}} y".to_string(), "z".to_string()])
        );
        assert_eq!(chain("a ${${x} && b").map(|c| c.len()), Some(2));
        // Redirections belong to their command; a file descriptor stays with its operator.
        assert_eq!(
            chain("make >log 2>&1 && cat <in && b"),
            Some(vec!["make > log 2>& 1".to_string(), "cat < in".to_string(), "b".to_string()])
        );
    }

    #[test]
    fn other_lists_do_not_split() {
        for script in ["a; b", "a || b", "a && b || c", "a & b", "a && b # c", "cat <<EOF && x", "a", "a && 'b"] {
            assert_eq!(chain(script), None, "{script}");
        }
    }

    #[test]
    fn state_changing_commands_are_found() {
        let stateless = |s: &str| is_stateless(&tokens(s).unwrap_or_default());
        // `.` as an argument is not the `.` built-in: the shell layer's reader knows the difference.
        for ok in [
            "apt-get update",
            "DEBIAN_FRONTEND=noninteractive apt-get install -y x",
            "make -j4 | tee log",
            "cmake -S . -B build",
        ] {
            assert!(stateless(ok), "{ok}");
        }
        for bad in [
            "cd /src",
            "export A=1",
            "A=1",
            "set -e",
            ". ./env",
            "f() { :; }",
            "x &",
            ": ${A:=1}",
            "(( i++ ))",
            "wait",
            "for f in *; do :; done",
            "[[ a =~ b ]]",
        ] {
            assert!(!stateless(bad), "{bad}");
        }
    }

    #[test]
    fn words_compare_without_their_spacing_or_plain_quotes() {
        let words = |s: &str| canonical_words(&tokens(s).unwrap_or_default());
        assert_eq!(words("apt-get  install\t'nginx=1.22' curl"), words("apt-get install nginx=1.22 curl"));
        assert_ne!(words("echo 'a b'"), words("echo a b"));
        assert_ne!(words("echo '$HOME'"), words("echo $HOME"));
        assert_ne!(words("echo '~'"), words("echo ~"));
    }
}
