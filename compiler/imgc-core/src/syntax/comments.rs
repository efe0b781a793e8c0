//! Finds the comments of `.img` source text. The grammar skips comments (they may stand wherever
//! a space may), so the formatter, which must keep them, collects them with this separate scan.
//! The scan follows the grammar's lexical rules: `#` outside a string starts a comment that runs
//! to the end of the line; strings hold `\` escapes and `${…}` interpolations, which are code
//! again (and may hold strings and comments of their own).

use std::ops::Range;

/// One comment: the byte range from `#` to the end of its line (line break excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub range: Range<usize>,
}

impl Comment {
    /// The comment as written, from `#`, without trailing whitespace.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.range.clone()).unwrap_or("").trim_end()
    }
}

enum Mode {
    /// Code, with the number of `{` opened inside it (an interpolation ends at its own `}`).
    Code {
        braces: usize,
    },
    Str,
}

/// Every comment of `text`, in order. Meant for text that parses; on other text it still
/// returns ranges inside the text, without panicking.
pub fn comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut stack = vec![Mode::Code { braces: 0 }];
    let mut i = 0;
    while i < bytes.len() {
        // Skip to the next byte that matters: in a string, `\\`, `"` and `$`; in code outside
        // every string, `#` and `"` (braces are counted only inside an interpolation).
        let skip = match stack.last() {
            Some(Mode::Str) => memchr::memchr3(b'\\', b'"', b'$', &bytes[i..]),
            Some(Mode::Code { .. }) if stack.len() == 1 => memchr::memchr2(b'#', b'"', &bytes[i..]),
            _ => Some(0),
        };
        let Some(skip) = skip else { break };
        i += skip;
        let byte = bytes[i];
        let nested = stack.len() > 1;
        match stack.last_mut() {
            Some(Mode::Code { braces }) => match byte {
                b'#' => {
                    let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                    let end = if end > i && bytes[end - 1] == b'\r' { end - 1 } else { end };
                    out.push(Comment { range: i..end });
                    i = end;
                    continue;
                }
                b'"' => stack.push(Mode::Str),
                b'{' => *braces += 1,
                b'}' if *braces == 0 && nested => {
                    stack.pop();
                }
                b'}' => *braces = braces.saturating_sub(1),
                _ => {}
            },
            Some(Mode::Str) => match byte {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Mode::Code { braces: 0 });
                    i += 1;
                }
                _ => {}
            },
            None => stack.push(Mode::Code { braces: 0 }),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&str> {
        comments(source).iter().map(|c| c.text(source)).collect()
    }

    #[test]
    fn comments_outside_strings_only() {
        let source = "# top\nrun \"echo '# not'\"  # trailing\r\nlet a = \"${ b # inside\n }\" # after\n";
        assert_eq!(texts(source), ["# top", "# trailing", "# inside", "# after"]);
    }

    #[test]
    fn escapes_and_nested_braces() {
        let source = "let a = \"\\\" # no \\${ # no\" # yes\nlet m = \"${ {x = \"#\"}.x } # no\" # yes2";
        assert_eq!(texts(source), ["# yes", "# yes2"]);
    }

    #[test]
    fn unterminated_text_is_harmless() {
        assert_eq!(texts("\"abc # x"), Vec::<&str>::new());
        assert_eq!(texts("}}}# a"), ["# a"]);
        assert_eq!(texts("#"), ["#"]);
    }
}
