//! The lexical facts a syntax error message needs and the grammar does not keep: where strings
//! start and end, which bracket closes which, and the first word of a line. Used only after a
//! parse has failed; it never decides what parses.

/// What went wrong with the brackets and quotes of a file, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Problem {
    /// A string still open at the end of the file; `start` is its opening quote.
    UnterminatedString { start: usize },
    /// A bracket never closed: the innermost one open at the end of the file.
    Unclosed { opener: usize, open: char },
    /// A closing bracket that does not match the open one.
    Mismatched { opener: usize, open: char, closer: usize, close: char },
    /// A closing bracket with nothing open.
    Unmatched { closer: usize, close: char },
}

/// The result of scanning a file.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// The first problem, in file order.
    pub problem: Option<Problem>,
    /// Strings that run over a line break, as (opening quote, closing quote): a string the user
    /// meant to close on its line swallows text up to the next quote.
    pub multiline_strings: Vec<(usize, usize)>,
}

#[derive(Clone, Copy)]
enum Frame {
    Bracket(char, usize),
    Str(usize),
    /// `${` inside a string: code until its `}`.
    Interpolation(usize),
}

/// Scans `text` for strings, comments and brackets.
pub(super) fn scan(text: &str) -> Scan {
    let mut result = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if let Some(Frame::Str(start)) = stack.last().copied() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    stack.pop();
                    if text[start..at].contains('\n') {
                        result.multiline_strings.push((start, at));
                    }
                }
                '$' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                    chars.next();
                    stack.push(Frame::Interpolation(at));
                }
                _ => {}
            }
            continue;
        }
        match c {
            '#' => {
                while chars.peek().is_some_and(|(_, n)| *n != '\n') {
                    chars.next();
                }
            }
            '"' => stack.push(Frame::Str(at)),
            '(' | '[' | '{' => stack.push(Frame::Bracket(c, at)),
            ')' | ']' | '}' => match stack.pop() {
                Some(Frame::Bracket(open, _)) if closer_of(open) == c => {}
                Some(Frame::Interpolation(_)) if c == '}' => {}
                Some(Frame::Bracket(open, opener)) => {
                    result.problem = Some(Problem::Mismatched { opener, open, closer: at, close: c });
                    return result;
                }
                // A string frame is never on top here: string text is handled above.
                Some(Frame::Interpolation(opener) | Frame::Str(opener)) => {
                    result.problem = Some(Problem::Mismatched { opener, open: '{', closer: at, close: c });
                    return result;
                }
                None => {
                    result.problem = Some(Problem::Unmatched { closer: at, close: c });
                    return result;
                }
            },
            _ => {}
        }
    }
    result.problem = stack.iter().find_map(|frame| match frame {
        Frame::Str(start) => Some(Problem::UnterminatedString { start: *start }),
        _ => None,
    });
    if result.problem.is_none() {
        result.problem = stack.last().map(|frame| match *frame {
            Frame::Bracket(open, opener) => Problem::Unclosed { opener, open },
            Frame::Interpolation(opener) | Frame::Str(opener) => Problem::Unclosed { opener, open: '{' },
        });
    }
    result
}

fn closer_of(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// Whether `text` has as many closing brackets as opening ones, never more, and no open string.
pub(super) fn balanced(text: &str) -> bool {
    let scan = scan(text);
    scan.problem.is_none()
}

/// The start of the line holding `offset`.
pub(super) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The first word of the line starting at `start`, with its offset: letters, digits and `_`.
pub(super) fn first_word(text: &str, start: usize) -> Option<(usize, &str)> {
    let rest = &text[start..];
    let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let word_start = start + indent;
    let word = word_at(text, word_start);
    (!word.is_empty() && word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')).then_some((word_start, word))
}

/// The word (letters, digits, `_`) starting at `offset`; empty when none does.
pub(super) fn word_at(text: &str, offset: usize) -> &str {
    let rest = text.get(offset..).unwrap_or("");
    let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    &rest[..len]
}

/// 1-based line number of `offset`.
pub(super) fn line_number(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_unclosed_brace_not_the_end_of_file() {
        let text = "image from \"x\" {\n    run \"a\"\n";
        assert_eq!(scan(text).problem, Some(Problem::Unclosed { opener: 15, open: '{' }));
    }

    #[test]
    fn an_open_string_is_reported_at_its_quote() {
        assert_eq!(scan("run \"echo hi\n").problem, Some(Problem::UnterminatedString { start: 4 }));
    }

    #[test]
    fn interpolations_and_comments_are_not_brackets() {
        let text = "run \"echo ${ x } }\" # ) ]\ncmd [\"a\"]\n";
        let result = scan(text);
        assert_eq!(result.problem, None);
        assert!(result.multiline_strings.is_empty());
    }

    #[test]
    fn a_wrong_closer_names_both_ends() {
        assert_eq!(
            scan("cmd [\"a\")").problem,
            Some(Problem::Mismatched { opener: 4, open: '[', closer: 8, close: ')' })
        );
    }

    #[test]
    fn strings_over_a_line_break_are_listed() {
        let text = "run \"a\ncopy \"b\" to \"/b\"\n";
        assert_eq!(scan(text).multiline_strings, vec![(4, 12)]);
    }
}
