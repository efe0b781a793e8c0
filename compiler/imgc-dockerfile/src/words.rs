//! The words BuildKit expands in an instruction (`ENV` values, `COPY` paths, `WORKDIR`, …),
//! read the way its shell lexer reads them (`frontend/dockerfile/shell/lex.go`, `ProcessWord`):
//! quotes removed, escapes applied, and variable references kept as structure instead of
//! expanded. Two words with the same [`Word`] expand to the same text in every environment.

/// A word: literal text and variable references, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word(pub Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text the builder keeps as it is.
    Literal(String),
    /// `$NAME`, `${NAME}`, `${NAME:-word}`, …
    Variable(Variable),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The name, or a special parameter (`1`, `@`, `#`, …).
    pub name: String,
    /// Written `${…}` rather than `$NAME` (no difference in meaning).
    pub braced: bool,
    /// The modifier and its word: `:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, or
    /// `/` and `//` (pattern `/` replacement, the pattern as the word, the replacement in
    /// `replacement`).
    pub modifier: Option<(String, Word)>,
    pub replacement: Option<Word>,
}

impl Word {
    /// The word's text when it holds no variable.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Variable(_) => return None,
            }
        }
        Some(out)
    }

    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.0.iter().filter_map(|p| match p {
            Piece::Variable(v) => Some(v),
            Piece::Literal(_) => None,
        })
    }

    fn push_literal(&mut self, c: char) {
        match self.0.last_mut() {
            Some(Piece::Literal(text)) => text.push(c),
            _ => self.0.push(Piece::Literal(c.to_string())),
        }
    }

    /// Equal in meaning: the same literal text and the same variables, however written.
    pub fn same_as(&self, other: &Word) -> bool {
        self.normalized() == other.normalized()
    }

    /// Adjacent literals joined, empty ones dropped, every variable written the same way.
    pub fn normalized(&self) -> Word {
        let mut out = Word::default();
        for piece in &self.0 {
            match piece {
                Piece::Literal(text) => text.chars().for_each(|c| out.push_literal(c)),
                Piece::Variable(v) => out.0.push(Piece::Variable(Variable {
                    name: v.name.clone(),
                    braced: false,
                    modifier: v.modifier.as_ref().map(|(op, word)| (op.clone(), word.normalized())),
                    replacement: v.replacement.as_ref().map(Word::normalized),
                })),
            }
        }
        out
    }
}

/// Deepest `${…${…}…}` nesting read; deeper input is an error.
const MAX_NESTING: usize = 100;

/// Reads `input` as one word, with `escape` as the escape character.
pub fn parse_word(input: &str, escape: char) -> Result<Word, String> {
    let mut lexer = Lexer { chars: input.chars().collect(), pos: 0, escape, depth: 0 };
    lexer.word(None)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    escape: char,
    depth: usize,
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

    /// Reads until `stop` (consumed) or the end.
    fn word(&mut self, stop: Option<char>) -> Result<Word, String> {
        if self.depth >= MAX_NESTING {
            return Err("substitutions are nested too deeply".into());
        }
        self.depth += 1;
        let mut word = Word::default();
        loop {
            let Some(c) = self.peek() else {
                self.depth -= 1;
                return match stop {
                    Some(stop) => Err(format!("missing `{stop}`")),
                    None => Ok(word),
                };
            };
            if Some(c) == stop {
                self.next();
                self.depth -= 1;
                return Ok(word);
            }
            match c {
                '$' => self.dollar(&mut word)?,
                '\'' => {
                    self.next();
                    loop {
                        match self.next() {
                            None => return Err("missing closing `'`".into()),
                            Some('\'') => break,
                            Some(c) => word.push_literal(c),
                        }
                    }
                }
                '"' => {
                    self.next();
                    self.double_quoted(&mut word)?;
                }
                c if c == self.escape => {
                    self.next();
                    if let Some(c) = self.next() {
                        word.push_literal(c)
                    }
                }
                c => {
                    self.next();
                    word.push_literal(c);
                }
            }
        }
    }

    fn double_quoted(&mut self, word: &mut Word) -> Result<(), String> {
        loop {
            match self.peek() {
                None => return Err("missing closing `\"`".into()),
                Some('"') => {
                    self.next();
                    return Ok(());
                }
                Some('$') => self.dollar(word)?,
                Some(c) if c == self.escape => {
                    self.next();
                    match self.peek() {
                        Some(next) if next == '"' || next == '$' || next == self.escape => {
                            self.next();
                            word.push_literal(next);
                        }
                        _ => word.push_literal(c),
                    }
                }
                Some(c) => {
                    self.next();
                    word.push_literal(c);
                }
            }
        }
    }

    fn dollar(&mut self, word: &mut Word) -> Result<(), String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                word.push_literal('$');
            } else {
                word.0.push(Piece::Variable(Variable { name, braced: false, modifier: None, replacement: None }));
            }
            return Ok(());
        }
        self.next();
        match self.peek() {
            None => return Err("missing `}`".into()),
            Some('{' | '}' | ':') => return Err("bad substitution".into()),
            Some(_) => {}
        }
        let name = self.name();
        let mut variable = Variable { name, braced: true, modifier: None, replacement: None };
        match self.next() {
            Some('}') => {}
            Some(':') => {
                let op = match self.next() {
                    Some(c @ ('-' | '+' | '?')) => format!(":{c}"),
                    other => return Err(format!("unsupported modifier `:{}`", other.unwrap_or(' '))),
                };
                variable.modifier = Some((op, self.word(Some('}'))?));
            }
            Some(c @ ('-' | '+' | '?')) => variable.modifier = Some((c.to_string(), self.word(Some('}'))?)),
            Some(c @ ('#' | '%')) => {
                let mut op = c.to_string();
                if self.peek() == Some(c) {
                    self.next();
                    op.push(c);
                }
                variable.modifier = Some((op, self.word(Some('}'))?));
            }
            Some('/') => {
                let mut op = "/".to_string();
                if self.peek() == Some('/') {
                    self.next();
                    op.push('/');
                }
                let pattern = self.word(Some('/'))?;
                variable.modifier = Some((op, pattern));
                variable.replacement = Some(self.word(Some('}'))?);
            }
            other => return Err(format!("unsupported modifier `{}`", other.unwrap_or(' '))),
        }
        word.0.push(Piece::Variable(variable));
        Ok(())
    }

    /// A variable name, or one special parameter character, or digits.
    fn name(&mut self) -> String {
        let mut name = String::new();
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                while let Some(d) = self.peek().filter(|c| c.is_ascii_digit()) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            Some(c @ ('@' | '*' | '#' | '?' | '-' | '$' | '!')) => {
                self.next();
                return c.to_string();
            }
            _ => {}
        }
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            self.next();
            name.push(c);
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Literal(s.to_string())
    }

    fn var(name: &str, braced: bool) -> Piece {
        Piece::Variable(Variable { name: name.into(), braced, modifier: None, replacement: None })
    }

    #[test]
    fn quotes_and_escapes_are_removed() {
        assert_eq!(parse_word(r#"a\ b"c\"d\x"'e$f'"#, '\\'), Ok(Word(vec![lit("a bc\"d\\xe$f")])));
        assert_eq!(parse_word("C:\\dir `\"x", '`'), Ok(Word(vec![lit("C:\\dir \"x")])));
        assert_eq!(parse_word("end\\", '\\'), Ok(Word(vec![lit("end")])));
    }

    #[test]
    fn variables_keep_their_structure() {
        assert_eq!(parse_word("$HOME/bin", '\\'), Ok(Word(vec![var("HOME", false), lit("/bin")])));
        assert_eq!(parse_word("\"${A}\"x$", '\\'), Ok(Word(vec![var("A", true), lit("x$")])));
        let word = parse_word("${V:-\"a b\"}", '\\').unwrap_or_default();
        let Piece::Variable(v) = &word.0[0] else { panic!("{word:?}") };
        assert_eq!(v.modifier, Some((":-".into(), Word(vec![lit("a b")]))));
        assert!(parse_word("${V//a/b}", '\\').is_ok_and(|w| w.variables().count() == 1));
        assert!(parse_word("$1$@", '\\').is_ok_and(|w| w.variables().count() == 2));
    }

    #[test]
    fn spellings_of_the_same_word_are_the_same() {
        let same = |a: &str, b: &str| {
            parse_word(a, '\\').unwrap_or_default().same_as(&parse_word(b, '\\').unwrap_or_default())
        };
        assert!(same("$X/a", "\"${X}/a\""));
        assert!(same("'a b'", "a\\ b"));
        assert!(!same("$X", "\\$X"));
        assert!(!same("${X:-a}", "${X:-b}"));
    }

    #[test]
    fn malformed_words_are_errors() {
        for bad in ["'a", "\"a", "${", "${}", "${A", "${A:x}", "${A:-a"] {
            assert!(parse_word(bad, '\\').is_err(), "{bad}");
        }
        assert!(parse_word(&"${A:-".repeat(500), '\\').is_err());
    }
}
