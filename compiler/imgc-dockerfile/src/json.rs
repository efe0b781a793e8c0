//! Exec-form arguments: a JSON array of strings, decoded like Go's
//! `json.Unmarshal` into `[]any` (iterative, so nesting depth cannot
//! overflow the stack; Go's limit of 10000 levels is kept).

use std::borrow::Cow;

/// Outcome of reading an argument string as a JSON array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum JsonArray<T> {
    /// Valid JSON array of strings, each made by the caller's function from the string (a piece
    /// of the text when it holds no escape).
    Strings(Vec<T>),
    /// Valid JSON, but some element is not a string (an error in BuildKit).
    NotStrings,
    /// Not valid JSON (BuildKit falls back to the shell form).
    Invalid,
}

const MAX_DEPTH: usize = 10_000;

/// Reads `text` (already starting with `[`) as a JSON array, making each string with `item`.
pub(super) fn parse_array<'a, T>(text: &'a str, item: impl FnMut(Cow<'a, str>) -> T) -> JsonArray<T> {
    let mut p = Reader { s: text.as_bytes(), text, i: 0 };
    match p.array(item) {
        Some((items, true)) => JsonArray::Strings(items),
        Some((_, false)) => JsonArray::NotStrings,
        None => JsonArray::Invalid,
    }
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Top-level array: its string items and whether all items were strings.
    fn array<T>(&mut self, mut item: impl FnMut(Cow<'a, str>) -> T) -> Option<(Vec<T>, bool)> {
        self.skip_ws();
        if !self.eat(b'[') {
            return None;
        }
        // The containers open inside the top-level array (which is open while `in_array`):
        // none in an exec-form array, so mostly never allocated.
        let mut stack: Vec<u8> = Vec::new();
        let mut in_array = true;
        let mut items = Vec::new();
        let mut all_strings = true;
        let mut need_value = true;
        // An empty container may close right away.
        self.skip_ws();
        if self.eat(b']') {
            in_array = false;
            need_value = false;
        }
        loop {
            if need_value {
                self.skip_ws();
                let top_level = stack.is_empty();
                match self.peek()? {
                    b'[' | b'{' => {
                        let open = self.peek()?;
                        self.i += 1;
                        if top_level {
                            all_strings = false;
                        }
                        stack.push(open);
                        if stack.len() + 1 > MAX_DEPTH {
                            return None;
                        }
                        self.skip_ws();
                        let close = if open == b'[' { b']' } else { b'}' };
                        if self.eat(close) {
                            stack.pop();
                        } else if open == b'{' {
                            self.object_key()?;
                            continue;
                        } else {
                            continue;
                        }
                    }
                    b'"' => {
                        let s = self.string()?;
                        if top_level {
                            items.push(item(s));
                        }
                    }
                    _ => {
                        self.scalar()?;
                        if top_level {
                            all_strings = false;
                        }
                    }
                }
                need_value = false;
            }
            // After a value: close containers or move to the next element.
            let top = match stack.last() {
                Some(&top) => top,
                None if in_array => b'[',
                None => {
                    self.skip_ws();
                    return (self.i == self.s.len()).then_some((items, all_strings));
                }
            };
            self.skip_ws();
            let close = if top == b'[' { b']' } else { b'}' };
            if self.eat(b',') {
                if top == b'{' {
                    self.object_key()?;
                }
                need_value = true;
            } else if self.eat(close) {
                if stack.pop().is_none() {
                    in_array = false;
                }
            } else {
                return None;
            }
        }
    }

    /// `"key" :` inside an object.
    fn object_key(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        self.skip_ws();
        self.eat(b':').then_some(())
    }

    /// A number or `true` / `false` / `null`.
    fn scalar(&mut self) -> Option<()> {
        for lit in [&b"true"[..], b"false", b"null"] {
            if self.s[self.i..].starts_with(lit) {
                self.i += lit.len();
                return Some(());
            }
        }
        self.eat(b'-');
        if self.eat(b'0') {
        } else if matches!(self.peek(), Some(b'1'..=b'9')) {
            self.digits();
        } else {
            return None;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// Four hex digits after `\u`.
    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.s.get(at..at + 4)?;
        let h = std::str::from_utf8(h).ok()?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(h, 16).ok()
    }

    /// A string literal, decoded; `self.i` is on the opening quote.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            let run = self.text.get(start..self.i)?;
            // Most strings have no escape: they are the text as written.
            if out.is_empty() && self.peek() == Some(b'"') {
                self.i += 1;
                return Some(Cow::Borrowed(run));
            }
            out.push_str(run);
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return None,
                    }
                }
                _ => return None, // control character
            }
        }
    }

    /// The rest of a `\uXXXX` escape (surrogate pairs joined; a lone
    /// surrogate becomes U+FFFD, as in Go).
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4(self.i)?;
        self.i += 4;
        if (0xD800..0xE000).contains(&hi) {
            if (0xD800..0xDC00).contains(&hi)
                && self.s.get(self.i..self.i + 2) == Some(b"\\u")
                && let Some(lo) = self.hex4(self.i + 2)
                && (0xDC00..0xE000).contains(&lo)
            {
                self.i += 6;
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Some(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            return Some('\u{FFFD}');
        }
        Some(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> JsonArray<String> {
        JsonArray::Strings(v.iter().map(|s| s.to_string()).collect())
    }

    fn parse(text: &str) -> JsonArray<String> {
        parse_array(text, Cow::into_owned)
    }

    #[test]
    fn arrays_of_strings() {
        assert_eq!(parse("[]"), strings(&[]));
        assert_eq!(parse("[ \"a\" ,\t\"b\" ]"), strings(&["a", "b"]));
        assert_eq!(parse(r#"["\" \\ \/ \b \f \n \r \t \u0000"]"#), strings(&["\" \\ / \u{8} \u{c} \n \r \t \0"]));
        assert_eq!(parse(r#"["\ud83d\ude00"]"#), strings(&["😀"]));
        assert_eq!(parse(r#"["\ud83d"]"#), strings(&["\u{FFFD}"]));
    }

    #[test]
    fn not_strings_and_invalid() {
        assert_eq!(parse(r#"["a", ["b"]]"#), JsonArray::NotStrings);
        assert_eq!(parse(r#"[1, {"a": [null]}]"#), JsonArray::NotStrings);
        assert_eq!(parse("['a']"), JsonArray::Invalid);
        assert_eq!(parse(r#"["a""#), JsonArray::Invalid);
        assert_eq!(parse(r#"["a"] x"#), JsonArray::Invalid);
        assert_eq!(parse("[\"a\tb\"]"), JsonArray::Invalid);
        assert_eq!(parse("[01]"), JsonArray::Invalid);
        assert_eq!(parse("[1.]"), JsonArray::Invalid);
        assert_eq!(parse("[\"a\",]"), JsonArray::Invalid);
        let deep = "[".repeat(20_000) + &"]".repeat(20_000);
        assert_eq!(parse(&deep), JsonArray::Invalid);
    }
}
