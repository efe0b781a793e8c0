//! Port of the word splitting of BuildKit's shell lexer
//! (`frontend/dockerfile/shell/lex.go`), with an empty environment and
//! `SkipUnsetEnv`, so variable references come back as written. BuildKit uses
//! it, with `\` as escape whatever the `escape=` directive says, to find
//! heredoc words on an instruction line.

/// Lexer options.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct LexOptions {
    /// Keep quote characters in the words.
    pub(super) raw_quotes: bool,
    /// Keep escape characters in the words.
    pub(super) raw_escapes: bool,
}

const ESCAPE: char = '\\';

/// Deepest `${…${…}…}` nesting handled; deeper input is a lexing error
/// (Go's growable stacks have no such limit).
const MAX_NESTING: usize = 200;

/// Splits `input` into shell words (BuildKit `Lex.ProcessWords`).
pub(super) fn process_words(input: &str, opts: LexOptions) -> Result<Vec<String>, String> {
    let mut lx = Lexer {
        chars: input.chars().collect(),
        pos: 0,
        depth: 0,
        raw_quotes: opts.raw_quotes,
        raw_escapes: opts.raw_escapes,
        words_buf: String::new(),
    };
    let raw = lx.raw_escapes;
    lx.process_stop_on(None, raw).map(|(_, words)| words).map_err(|e| format!("failed to process {input:?}: {e}"))
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    raw_quotes: bool,
    raw_escapes: bool,
    /// Shared word buffer; BuildKit resets it on every nested call.
    words_buf: String,
}

#[derive(Default)]
struct Words {
    words: Vec<String>,
    in_word: bool,
}

/// Whitespace allowed between `<<` and a heredoc delimiter (RE2's `\s`).
pub(super) fn is_heredoc_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn add_char(&mut self, w: &mut Words, ch: char) {
        if is_space(ch) && w.in_word {
            if !self.words_buf.is_empty() {
                w.words.push(std::mem::take(&mut self.words_buf));
                w.in_word = false;
            }
        } else if !is_space(ch) {
            self.add_raw_char(w, ch);
        }
    }

    fn add_raw_char(&mut self, w: &mut Words, ch: char) {
        self.words_buf.push(ch);
        w.in_word = true;
    }

    fn add_string(&mut self, w: &mut Words, s: &str) {
        for ch in s.chars() {
            self.add_char(w, ch);
        }
    }

    fn add_raw_string(&mut self, w: &mut Words, s: &str) {
        self.words_buf.push_str(s);
        w.in_word = true;
    }

    fn get_words(&mut self, mut w: Words) -> Vec<String> {
        if !self.words_buf.is_empty() {
            w.words.push(std::mem::take(&mut self.words_buf));
        }
        w.words
    }

    /// Processes until `stop` (or the end), returning the processed text and words.
    fn process_stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> Result<(String, Vec<String>), String> {
        if self.depth >= MAX_NESTING {
            return Err("substitutions nested too deeply".into());
        }
        self.depth += 1;
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let r = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        self.depth -= 1;
        r
    }

    fn process_stop_on_inner(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let mut result = String::new();
        self.words_buf.clear();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, self.get_words(words)));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    self.add_string(&mut words, &tmp);
                }
                '<' => {
                    let tmp = self.process_possible_heredoc();
                    result.push_str(&tmp);
                    self.add_raw_string(&mut words, &tmp);
                }
                '\'' => {
                    let tmp = self.process_single_quote()?;
                    result.push_str(&tmp);
                    self.add_raw_string(&mut words, &tmp);
                }
                '"' => {
                    let tmp = self.process_double_quote()?;
                    result.push_str(&tmp);
                    self.add_raw_string(&mut words, &tmp);
                }
                _ => {
                    self.next();
                    let mut ch = ch;
                    if ch == ESCAPE {
                        if self.raw_escapes {
                            self.add_raw_char(&mut words, ch);
                            result.push(ch);
                        }
                        match self.next() {
                            Some(c) => ch = c,
                            None => break,
                        }
                        self.add_raw_char(&mut words, ch);
                    } else {
                        self.add_char(&mut words, ch);
                    }
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!("unexpected end of statement while looking for matching {stop}"));
        }
        Ok((result, self.get_words(words)))
    }

    /// `<` alone, or `<<` plus the whitespace after it, so that `<<  EOF`
    /// stays one word.
    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek().filter(|&c| is_heredoc_space(c)) {
            self.next();
            out.push(c);
        }
        out
    }

    fn process_single_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        if let Some(q) = self.next()
            && self.raw_quotes
        {
            result.push(q);
        }
        loop {
            match self.next() {
                None => {
                    return Err("unexpected end of statement while looking for matching single-quote".into());
                }
                Some('\'') => {
                    if self.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        if let Some(q) = self.next()
            && self.raw_quotes
        {
            result.push(q);
        }
        loop {
            match self.peek() {
                None => {
                    return Err("unexpected end of statement while looking for matching double-quote".into());
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let v = self.process_dollar()?;
                    result.push_str(&v);
                }
                Some(_) => {
                    let Some(mut ch) = self.next() else { continue };
                    if ch == ESCAPE {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some('"' | '$' | ESCAPE) => {
                                if let Some(c) = self.next() {
                                    ch = c;
                                }
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `$name`, `${name}`, `${name<op>word}`: unset, so rebuilt as written.
    fn process_dollar(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.process_name();
        let ch = self.next();
        let mut chs = ch.map_or('\u{FFFD}', |c| c).to_string();
        let op = match ch {
            Some('}') => return Ok(format!("${{{name}}}")),
            Some(':') => {
                let c = self.next();
                chs.push(c.map_or('\u{FFFD}', |c| c));
                if matches!(c, Some('#' | '%')) {
                    return Err(format!("unsupported modifier ({chs}) in substitution"));
                }
                c
            }
            Some('+' | '-' | '?' | '#' | '%') => ch,
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let (pattern, _) = self.process_stop_on(Some('/'), true).map_err(|e| {
                    if self.peek().is_none() { "syntax error: missing '/' in ${}".to_string() } else { e }
                })?;
                let (repl, _) = self.nested_until_brace(true)?;
                return Ok(format!("${{{name}/{pattern}/{repl}}}"));
            }
            _ => return Err(format!("unsupported modifier ({chs}) in substitution")),
        };
        let raw = matches!(op, Some('#' | '%'));
        let (word, _) = self.nested_until_brace(raw)?;
        Ok(format!("${{{name}{chs}{word}}}"))
    }

    fn nested_until_brace(&mut self, raw_escapes: bool) -> Result<(String, Vec<String>), String> {
        self.process_stop_on(Some('}'), raw_escapes)
            .map_err(|e| if self.peek().is_none() { "syntax error: missing '}'".to_string() } else { e })
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_numeric() {
                while let Some(d) = self.peek().filter(|c| c.is_numeric()) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphabetic() && !ch.is_numeric() && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: LexOptions = LexOptions { raw_quotes: true, raw_escapes: true };

    #[test]
    fn raw_words_keep_quotes_and_escapes() {
        let w = process_words(r#"RUN cat <<"EOF" 'a b' x\ y $V ${W:-d} <<  E a<b"#, RAW).unwrap_or_default();
        assert_eq!(w, ["RUN", "cat", "<<\"EOF\"", "'a b'", "x\\ y", "$V", "${W:-d}", "<<  E", "a<b"]);
    }

    #[test]
    fn plain_words_strip_quotes() {
        let w = process_words(r#""EOF""#, LexOptions::default()).unwrap_or_default();
        assert_eq!(w, ["EOF"]);
    }

    #[test]
    fn errors() {
        assert!(process_words("'abc", RAW).is_err());
        assert!(process_words("\"abc", RAW).is_err());
        assert!(process_words("${", RAW).is_err());
        assert!(process_words("${}", RAW).is_err());
        assert!(process_words("${a", RAW).is_err());
    }
}
