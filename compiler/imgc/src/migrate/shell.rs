//! Just enough of POSIX shell syntax to split a `RUN` command into the commands of its `&&`
//! chain, to tell which of them leave state behind for the commands after them, and to compare
//! commands regardless of the spaces between their words.

use crate::shell::script;

/// A token of a command line: a word (quotes kept) or an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Op(&'static str),
}

/// The byte range each token of [`tokens`] came from, in the same order.
pub type Ranges = Vec<std::ops::Range<usize>>;

const OPERATORS: &[&str] = &["&&", "||", ";;", ";", "&", "|", "(", ")", "\n"];

/// Splits a command line into tokens. `None` when the line holds what this module does not
/// read: a comment, a here-document, an unterminated quote or substitution.
pub fn tokens(script: &str) -> Option<Vec<Token>> {
    tokens_with_ranges(script).map(|(tokens, _)| tokens)
}

/// [`tokens`], with where each token is in `script`.
pub fn tokens_with_ranges(script: &str) -> Option<(Vec<Token>, Ranges)> {
    let chars: Vec<char> = script.chars().collect();
    let offsets: Vec<usize> = script.char_indices().map(|(i, _)| i).chain(std::iter::once(script.len())).collect();
    let mut out = Vec::new();
    let mut ranges = Vec::new();
    let mut word = String::new();
    let mut word_start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if word.is_empty() {
            word_start = offsets[i];
        }
        match c {
            ' ' | '\t' | '\r' => {
                flush(&mut word, &mut out, &mut ranges, word_start..offsets[i]);
                i += 1;
            }
            '#' if word.is_empty() => return None,
            '<' if chars.get(i + 1) == Some(&'<') => return None,
            '\\' => {
                word.push(c);
                if let Some(&next) = chars.get(i + 1) {
                    word.push(next);
                }
                i += 2;
            }
            '\'' => {
                let end = (i + 1..chars.len()).find(|&j| chars[j] == '\'')?;
                word.extend(&chars[i..=end]);
                i = end + 1;
            }
            '"' => {
                let end = double_quote_end(&chars, i + 1)?;
                word.extend(&chars[i..=end]);
                i = end + 1;
            }
            '`' => {
                let end = backtick_end(&chars, i + 1)?;
                word.extend(&chars[i..=end]);
                i = end + 1;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                let end = group_end(&chars, i + 2, '(', ')')?;
                word.extend(&chars[i..=end]);
                i = end + 1;
            }
            '$' if chars.get(i + 1) == Some(&'{') => {
                let end = group_end(&chars, i + 2, '{', '}')?;
                word.extend(&chars[i..=end]);
                i = end + 1;
            }
            _ => {
                let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                match OPERATORS.iter().find(|op| rest.starts_with(**op)) {
                    Some(op) => {
                        flush(&mut word, &mut out, &mut ranges, word_start..offsets[i]);
                        let end = i + op.chars().count();
                        out.push(Token::Op(op));
                        ranges.push(offsets[i]..offsets[end.min(chars.len())]);
                        i = end;
                    }
                    None => {
                        word.push(c);
                        i += 1;
                    }
                }
            }
        }
    }
    flush(&mut word, &mut out, &mut ranges, word_start..script.len());
    Some((out, ranges))
}

fn flush(word: &mut String, out: &mut Vec<Token>, ranges: &mut Ranges, range: std::ops::Range<usize>) {
    if !word.is_empty() {
        out.push(Token::Word(std::mem::take(word)));
        ranges.push(range);
    }
}

/// The index of the `"` closing a double-quoted string whose content starts at `from`.
fn double_quote_end(chars: &[char], from: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return Some(i),
            '`' => i = backtick_end(chars, i + 1)? + 1,
            '$' if chars.get(i + 1) == Some(&'(') => i = group_end(chars, i + 2, '(', ')')? + 1,
            '$' if chars.get(i + 1) == Some(&'{') => i = group_end(chars, i + 2, '{', '}')? + 1,
            _ => i += 1,
        }
    }
    None
}

fn backtick_end(chars: &[char], from: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '`' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The `close` ending a group opened by `open` whose content starts at `from` (the `)` of a
/// `$(`, the `}` of a `${`), with nested groups and quotes allowed.
fn group_end(chars: &[char], from: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 1;
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '\'' => i = (i + 1..chars.len()).find(|&j| chars[j] == '\'')?,
            '"' => i = double_quote_end(chars, i + 1)?,
            // In `${…}` only a nested `${` opens another: the first `}` ends `${a{b}`; and
            // `${${x}` is the parameter `$` (the shell's process id) then `{x`, as the shell
            // layer's lexer reads it.
            c if c == open && (open != '{' || i > from + 1 && chars[i - 1] == '$') => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
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
        match token {
            Token::Op("&&") if depth == 0 => {
                commands.push((index + 1, index + 1));
                command_start = true;
                continue;
            }
            Token::Op("(") => depth += 1,
            Token::Op(")") => depth -= 1,
            Token::Op("|") => {}
            Token::Op(_) if depth == 0 => return None,
            Token::Word(word) if command_start && OPENERS.contains(&word.as_str()) => depth += 1,
            Token::Word(word) if CLOSERS.contains(&word.as_str()) && depth > 0 => depth -= 1,
            _ => {}
        }
        command_start = matches!(token, Token::Op(_))
            || matches!(token, Token::Word(w) if ["then", "do", "else", "elif", "{", "!"].contains(&w.as_str()));
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
    if command.iter().any(|t| matches!(t, Token::Op("&" | "("))) {
        return false;
    }
    let text = command
        .iter()
        .map(|t| match t {
            Token::Word(w) => w.as_str(),
            Token::Op(op) => op,
        })
        .collect::<Vec<_>>()
        .join(" ");
    if text.contains("((") {
        return false;
    }
    script::read(&text).is_ok_and(|script| script.state_change().is_none() && !script.commands.is_empty())
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
            Token::Word(w) => unquote_plain(w),
            Token::Op(op) => (*op).to_string(),
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

    /// The text of the tokens, one space between them.
    fn join(command: &[Token]) -> String {
        command
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.clone(),
                Token::Op(op) => (*op).to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn chain(script: &str) -> Option<Vec<String>> {
        and_chain(&tokens(script)?).map(|commands| commands.iter().map(|c| join(c)).collect())
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
