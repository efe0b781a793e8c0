//! A POSIX shell tokenizer: quoting (XCU 2.2) and token recognition (XCU 2.3), with the
//! expansions that hide quotes and operators (`${…}`, `$(…)`, `$((…))`, backquotes) read far
//! enough to find where they end and what they refer to. It reads one command line to learn what
//! it does; it never runs anything. What it does not understand (bash-only syntax, `case` inside
//! `$( )`) is an error, so callers refuse to rewrite the command instead of guessing.

use std::collections::BTreeSet;
use std::fmt;

/// A token of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(Word),
    Operator(Operator),
    Newline,
}

/// A word, with what quote removal would leave of it when it has no expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// As written.
    pub text: String,
    /// After quote removal; `None` when an expansion, a glob or a tilde makes its value unknown.
    pub literal: Option<String>,
    /// Only digits, directly followed by `<` or `>`: the file descriptor of a redirection.
    pub io_number: bool,
}

/// The POSIX operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    AndIf,
    OrIf,
    DoubleSemicolon,
    Semicolon,
    Ampersand,
    Pipe,
    OpenParen,
    CloseParen,
    Less,
    Great,
    DoubleGreat,
    LessAnd,
    GreatAnd,
    LessGreat,
    Clobber,
    HereDocument,
    HereDocumentDash,
}

impl Operator {
    /// Takes a word after it: the redirection operators.
    pub fn is_redirection(self) -> bool {
        matches!(
            self,
            Operator::Less
                | Operator::Great
                | Operator::DoubleGreat
                | Operator::LessAnd
                | Operator::GreatAnd
                | Operator::LessGreat
                | Operator::Clobber
                | Operator::HereDocument
                | Operator::HereDocumentDash
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::AndIf => "&&",
            Operator::OrIf => "||",
            Operator::DoubleSemicolon => ";;",
            Operator::Semicolon => ";",
            Operator::Ampersand => "&",
            Operator::Pipe => "|",
            Operator::OpenParen => "(",
            Operator::CloseParen => ")",
            Operator::Less => "<",
            Operator::Great => ">",
            Operator::DoubleGreat => ">>",
            Operator::LessAnd => "<&",
            Operator::GreatAnd => ">&",
            Operator::LessGreat => "<>",
            Operator::Clobber => ">|",
            Operator::HereDocument => "<<",
            Operator::HereDocumentDash => "<<-",
        }
    }
}

/// A command line read into tokens, and what its expansions do, at any depth.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexed {
    /// The top-level tokens (those inside substitutions are not included).
    pub tokens: Vec<Token>,
    /// Where each top-level token is in the input, as byte ranges, in the order of `tokens`.
    pub spans: Vec<std::ops::Range<usize>>,
    /// Parameters expanded anywhere (`$name`, `${name…}`, names in `$((…))`), and special
    /// parameters by their character (`_`, `?`, `1`, …).
    pub parameters: BTreeSet<String>,
    /// An expansion assigns a variable: `${x=…}`, `${x:=…}`, or `=`, `++`, `--` in `$((…))`.
    pub assigning_expansion: bool,
    /// `${!x}`: the name of the parameter read is itself computed.
    pub indirect_expansion: bool,
    /// A `#` comment starts somewhere, maybe inside a substitution.
    pub comment: bool,
    /// A here-document operator appears somewhere.
    pub here_document: bool,
    /// A `&` operator (a background job) appears somewhere.
    pub background: bool,
    /// Every word's value after quote removal, at any depth, and the blank-separated parts of
    /// each: the names a command could run.
    pub words: BTreeSet<String>,
}

/// Why a command line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    /// A `'` or `"` that is never closed.
    UnterminatedQuote(char),
    /// `${`, `$(`, `$((` or a backquote that is never closed.
    UnterminatedExpansion(&'static str),
    /// A `)` that closes nothing.
    UnbalancedParenthesis,
    /// A backslash at the very end.
    TrailingBackslash,
    /// Syntax outside POSIX that shells read differently, or that this reader does not follow.
    Unsupported(&'static str),
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexError::UnterminatedQuote(quote) => write!(f, "a `{quote}` quote is never closed"),
            LexError::UnterminatedExpansion(what) => write!(f, "a `{what}` is never closed"),
            LexError::UnbalancedParenthesis => f.write_str("a `)` closes nothing"),
            LexError::TrailingBackslash => f.write_str("it ends with a backslash"),
            LexError::Unsupported(what) => write!(f, "it uses {what}"),
        }
    }
}

/// Reads a command line.
pub fn lex(input: &str) -> Result<Lexed, LexError> {
    let mut lexer = Lexer {
        chars: input.chars().collect(),
        offsets: input.char_indices().map(|(i, _)| i).chain(std::iter::once(input.len())).collect(),
        pos: 0,
        out: Lexed::default(),
    };
    let tokens = lexer.tokens(false)?;
    lexer.out.tokens = tokens;
    Ok(lexer.out)
}

const OPERATOR_START: &str = "&|;<>()";

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_special_parameter(c: char) -> bool {
    "@*#?-$!0".contains(c) || c.is_ascii_digit()
}

struct Lexer {
    chars: Vec<char>,
    /// The byte offset of each char, and the input's length after the last.
    offsets: Vec<usize>,
    pos: usize,
    out: Lexed,
}

/// A word being read.
#[derive(Default)]
struct WordBuilder {
    text: String,
    literal: String,
    known: bool,
}

impl WordBuilder {
    fn new() -> WordBuilder {
        WordBuilder { known: true, ..WordBuilder::default() }
    }

    fn push(&mut self, written: char, value: char) {
        self.text.push(written);
        self.literal.push(value);
    }
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars().enumerate().all(|(i, c)| self.peek_at(i) == Some(c))
    }

    /// Adds a token that started at char `start` and ends here, with its span when it is at the
    /// top level.
    fn push(&mut self, tokens: &mut Vec<Token>, token: Token, start: usize, substitution: bool) {
        if !substitution {
            self.out.spans.push(self.offsets[start]..self.offsets[self.pos]);
        }
        tokens.push(token);
    }

    /// Tokens up to the end, or (in a command substitution) up to the `)` that closes it.
    fn tokens(&mut self, substitution: bool) -> Result<Vec<Token>, LexError> {
        let mut tokens = Vec::new();
        let mut depth = 0usize;
        loop {
            let Some(c) = self.peek() else {
                return match (substitution, depth) {
                    (true, _) => Err(LexError::UnterminatedExpansion("$(")),
                    (false, 0) => Ok(tokens),
                    (false, _) => Err(LexError::UnterminatedExpansion("(")),
                };
            };
            match c {
                ' ' | '\t' => self.pos += 1,
                '\n' => {
                    self.pos += 1;
                    self.push(&mut tokens, Token::Newline, self.pos - 1, substitution);
                }
                '\\' if self.peek_at(1) == Some('\n') => self.pos += 2,
                '#' => {
                    self.out.comment = true;
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                ')' if substitution && depth == 0 => {
                    self.pos += 1;
                    return Ok(tokens);
                }
                '(' if self.peek_at(1) == Some('(') => {
                    return Err(LexError::Unsupported(
                        "`((…))`, an arithmetic command in bash but two subshells in sh",
                    ));
                }
                c if OPERATOR_START.contains(c) => {
                    let start = self.pos;
                    let operator = self.operator()?;
                    match operator {
                        Operator::OpenParen => depth += 1,
                        Operator::CloseParen if depth == 0 => return Err(LexError::UnbalancedParenthesis),
                        Operator::CloseParen => depth -= 1,
                        Operator::HereDocument | Operator::HereDocumentDash => self.out.here_document = true,
                        Operator::Ampersand => self.out.background = true,
                        _ => {}
                    }
                    self.push(&mut tokens, Token::Operator(operator), start, substitution);
                }
                _ => {
                    let start = self.pos;
                    let word = self.word()?;
                    if substitution && word.literal.as_deref() == Some("case") {
                        return Err(LexError::Unsupported("`case` inside `$( )`"));
                    }
                    self.push(&mut tokens, Token::Word(word), start, substitution);
                }
            }
        }
    }

    fn operator(&mut self) -> Result<Operator, LexError> {
        const BASH_ONLY: &[(&str, &str)] = &[
            ("&>", "`&>`, a redirection in bash but a background job in sh"),
            ("|&", "`|&` (bash)"),
            (";;&", "`;;&` (bash)"),
            (";&", "`;&` (bash)"),
            ("<<<", "a here-string `<<<` (bash)"),
            ("<(", "process substitution `<(…)` (bash)"),
            (">(", "process substitution `>(…)` (bash)"),
        ];
        for (text, what) in BASH_ONLY {
            if self.starts_with(text) {
                return Err(LexError::Unsupported(what));
            }
        }
        const OPERATORS: &[(&str, Operator)] = &[
            ("&&", Operator::AndIf),
            ("||", Operator::OrIf),
            (";;", Operator::DoubleSemicolon),
            ("<<-", Operator::HereDocumentDash),
            ("<<", Operator::HereDocument),
            ("<&", Operator::LessAnd),
            ("<>", Operator::LessGreat),
            (">>", Operator::DoubleGreat),
            (">&", Operator::GreatAnd),
            (">|", Operator::Clobber),
            ("&", Operator::Ampersand),
            ("|", Operator::Pipe),
            (";", Operator::Semicolon),
            ("<", Operator::Less),
            (">", Operator::Great),
            ("(", Operator::OpenParen),
            (")", Operator::CloseParen),
        ];
        for (text, operator) in OPERATORS {
            if self.starts_with(text) {
                self.pos += text.chars().count();
                return Ok(*operator);
            }
        }
        Err(LexError::Unsupported("an unknown operator"))
    }

    fn word(&mut self) -> Result<Word, LexError> {
        let mut word = WordBuilder::new();
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\n' || OPERATOR_START.contains(c) {
                break;
            }
            match c {
                '\\' => {
                    let Some(next) = self.peek_at(1) else {
                        return Err(LexError::TrailingBackslash);
                    };
                    self.pos += 2;
                    if next != '\n' {
                        word.text.push('\\');
                        word.push(next, next);
                    }
                }
                '\'' => self.single_quoted(&mut word)?,
                '"' => self.double_quoted(&mut word)?,
                '$' => self.dollar(&mut word)?,
                '`' => self.backquoted(&mut word)?,
                '*' | '?' | '[' => {
                    word.known = false;
                    word.push(c, c);
                    self.pos += 1;
                }
                '~' if word.text.is_empty() => {
                    word.known = false;
                    word.push(c, c);
                    self.pos += 1;
                }
                _ => {
                    word.push(c, c);
                    self.pos += 1;
                }
            }
        }
        let next = self.peek();
        let redirected = next == Some('<') || next == Some('>');
        let io_number = redirected && !word.text.is_empty() && word.text.chars().all(|c| c.is_ascii_digit());
        let named_fd = redirected
            && word.text.starts_with('{')
            && word.text.ends_with('}')
            && word.text.len() > 2
            && word.text[1..word.text.len() - 1].chars().all(is_name_char);
        if named_fd {
            return Err(LexError::Unsupported("a named file descriptor `{name}>` (bash)"));
        }
        if word.known {
            self.out.words.extend(word.literal.split_whitespace().map(str::to_string));
            self.out.words.insert(word.literal.clone());
        }
        Ok(Word { literal: word.known.then_some(word.literal), text: word.text, io_number })
    }

    fn single_quoted(&mut self, word: &mut WordBuilder) -> Result<(), LexError> {
        word.text.push('\'');
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(LexError::UnterminatedQuote('\'')),
                Some('\'') => {
                    self.pos += 1;
                    word.text.push('\'');
                    return Ok(());
                }
                Some(c) => {
                    word.push(c, c);
                    self.pos += 1;
                }
            }
        }
    }

    fn double_quoted(&mut self, word: &mut WordBuilder) -> Result<(), LexError> {
        word.text.push('"');
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(LexError::UnterminatedQuote('"')),
                Some('"') => {
                    self.pos += 1;
                    word.text.push('"');
                    return Ok(());
                }
                Some('\\') => {
                    let Some(next) = self.peek_at(1) else {
                        return Err(LexError::UnterminatedQuote('"'));
                    };
                    self.pos += 2;
                    word.text.push('\\');
                    if next == '\n' {
                        word.text.push(next);
                    } else if "$`\"\\".contains(next) {
                        word.push(next, next);
                    } else {
                        word.text.push(next);
                        word.literal.push('\\');
                        word.literal.push(next);
                    }
                }
                Some('$') => self.dollar(word)?,
                Some('`') => self.backquoted(word)?,
                Some(c) => {
                    word.push(c, c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$…`: a parameter, `${…}`, `$(…)` or `$((…))`; a `$` that starts none of them is literal.
    fn dollar(&mut self, word: &mut WordBuilder) -> Result<(), LexError> {
        let start = self.pos;
        match self.peek_at(1) {
            Some('{') => {
                self.pos += 2;
                self.braced_parameter()?;
            }
            Some('(') if self.peek_at(2) == Some('(') => {
                self.pos += 3;
                self.arithmetic()?;
            }
            Some('(') => {
                self.pos += 2;
                self.tokens(true)?;
            }
            Some('\'') => return Err(LexError::Unsupported("`$'…'` quoting (bash)")),
            Some('"') => return Err(LexError::Unsupported("`$\"…\"` quoting (bash)")),
            Some(c) if is_name_start(c) => {
                self.pos += 1;
                let name = self.name();
                self.out.parameters.insert(name);
            }
            Some(c) if is_special_parameter(c) => {
                self.pos += 2;
                self.out.parameters.insert(c.to_string());
            }
            _ => {
                word.push('$', '$');
                self.pos += 1;
                return Ok(());
            }
        }
        word.known = false;
        word.text.extend(&self.chars[start..self.pos]);
        Ok(())
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek().filter(|c| is_name_char(*c)) {
            name.push(c);
            self.pos += 1;
        }
        name
    }

    /// After `${`: the parameter, an operator, and the word up to the matching `}`.
    fn braced_parameter(&mut self) -> Result<(), LexError> {
        if self.peek() == Some('!') && self.peek_at(1).is_some_and(|c| c != '}') {
            self.out.indirect_expansion = true;
            self.pos += 1;
        } else if self.peek() == Some('#') && self.peek_at(1).is_some_and(|c| c != '}') {
            self.pos += 1;
        }
        match self.peek() {
            Some(c) if is_name_start(c) => {
                let name = self.name();
                self.out.parameters.insert(name);
            }
            Some(c) if c.is_ascii_digit() => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            Some(c) if is_special_parameter(c) => {
                self.pos += 1;
                self.out.parameters.insert(c.to_string());
            }
            None => return Err(LexError::UnterminatedExpansion("${")),
            Some(_) => return Err(LexError::Unsupported("a parameter expansion shells reject (`${` without a name)")),
        }
        if self.starts_with(":=") || self.peek() == Some('=') {
            self.out.assigning_expansion = true;
        }
        self.expansion_word('}', "${")
    }

    /// Text up to an unquoted, unnested `end`, following quotes and nested expansions.
    fn expansion_word(&mut self, end: char, what: &'static str) -> Result<(), LexError> {
        let mut scratch = WordBuilder::new();
        loop {
            match self.peek() {
                None => return Err(LexError::UnterminatedExpansion(what)),
                Some(c) if c == end => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => {
                    if self.peek_at(1).is_none() {
                        return Err(LexError::UnterminatedExpansion(what));
                    }
                    self.pos += 2;
                }
                Some('\'') => self.single_quoted(&mut scratch)?,
                Some('"') => self.double_quoted(&mut scratch)?,
                Some('$') => self.dollar(&mut scratch)?,
                Some('`') => self.backquoted(&mut scratch)?,
                Some(_) => self.pos += 1,
            }
        }
    }

    /// After `$((`: up to the matching `))`. Names in it are variables it reads; `=`, `++`
    /// and `--` assign.
    fn arithmetic(&mut self) -> Result<(), LexError> {
        let mut depth = 0usize;
        let mut scratch = WordBuilder::new();
        loop {
            match self.peek() {
                None => return Err(LexError::UnterminatedExpansion("$((")),
                Some('(') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(')') if depth == 0 => {
                    if self.peek_at(1) != Some(')') {
                        return Err(LexError::Unsupported("`$((` that is not arithmetic"));
                    }
                    self.pos += 2;
                    return Ok(());
                }
                Some(')') => {
                    depth -= 1;
                    self.pos += 1;
                }
                Some('$') => self.dollar(&mut scratch)?,
                Some('`') => self.backquoted(&mut scratch)?,
                Some('\'') | Some('"') => return Err(LexError::Unsupported("quotes inside `$((…))`")),
                Some(c) if is_name_start(c) => {
                    let name = self.name();
                    self.out.parameters.insert(name);
                }
                Some(c) if c.is_ascii_digit() => {
                    while self.peek().is_some_and(is_name_char) {
                        self.pos += 1;
                    }
                }
                Some(c) => {
                    let next = self.peek_at(1);
                    let previous = self.pos.checked_sub(1).and_then(|p| self.chars.get(p)).copied();
                    let assigns = match c {
                        '=' => next != Some('=') && !matches!(previous, Some('=' | '!' | '<' | '>')),
                        '+' | '-' => next == Some(c),
                        _ => false,
                    };
                    if assigns {
                        self.out.assigning_expansion = true;
                    }
                    self.pos += 1;
                }
            }
        }
    }

    /// A backquoted command substitution: its text (with `\$`, `` \` ``, `\\` unescaped) is read
    /// as a command line of its own.
    fn backquoted(&mut self, word: &mut WordBuilder) -> Result<(), LexError> {
        let start = self.pos;
        self.pos += 1;
        let mut inner = String::new();
        loop {
            match self.peek() {
                None => return Err(LexError::UnterminatedExpansion("`")),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    let Some(next) = self.peek_at(1) else {
                        return Err(LexError::UnterminatedExpansion("`"));
                    };
                    if !"$`\\".contains(next) {
                        inner.push('\\');
                    }
                    inner.push(next);
                    self.pos += 2;
                }
                Some(c) => {
                    inner.push(c);
                    self.pos += 1;
                }
            }
        }
        let nested = lex(&inner)?;
        if nested.tokens.iter().any(|t| matches!(t, Token::Word(w) if w.literal.as_deref() == Some("case"))) {
            return Err(LexError::Unsupported("`case` inside backquotes"));
        }
        self.out.parameters.extend(nested.parameters);
        self.out.assigning_expansion |= nested.assigning_expansion;
        self.out.indirect_expansion |= nested.indirect_expansion;
        self.out.comment |= nested.comment;
        self.out.here_document |= nested.here_document;
        self.out.background |= nested.background;
        self.out.words.extend(nested.words);
        word.known = false;
        word.text.extend(&self.chars[start..self.pos]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<String> {
        lex(input)
            .expect("lexes")
            .tokens
            .into_iter()
            .map(|t| match t {
                Token::Word(w) => w.literal.unwrap_or_else(|| format!("?{}", w.text)),
                Token::Operator(o) => format!("<{}>", o.as_str()),
                Token::Newline => "<nl>".to_string(),
            })
            .collect()
    }

    #[test]
    fn quotes_are_removed_and_operators_inside_them_are_text() {
        assert_eq!(words("echo 'a && b' \"c; d\" e\\;f"), ["echo", "a && b", "c; d", "e;f"]);
        assert_eq!(words("a&&b||c;d|e&"), ["a", "<&&>", "b", "<||>", "c", "<;>", "d", "<|>", "e", "<&>"]);
        assert_eq!(words("echo \"it's\" 'say \"hi\"'"), ["echo", "it's", "say \"hi\""]);
        assert_eq!(words("echo \"a\\\"b\\$c\\d\""), ["echo", "a\"b$c\\d"]);
    }

    #[test]
    fn redirections_and_io_numbers() {
        let lexed = lex("cmd 2>&1 >>log <in 3<>f >|x").expect("lexes");
        let ops: Vec<&str> = lexed
            .tokens
            .iter()
            .filter_map(|t| match t {
                Token::Operator(o) => Some(o.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ops, [">&", ">>", "<", "<>", ">|"]);
        assert!(matches!(&lexed.tokens[1], Token::Word(w) if w.io_number));
        assert!(matches!(&lexed.tokens[0], Token::Word(w) if !w.io_number));
    }

    #[test]
    fn comments_start_only_at_the_start_of_a_word() {
        assert!(lex("echo a # b").expect("lexes").comment);
        assert!(lex("echo a;# b").expect("lexes").comment);
        assert!(!lex("echo a#b '#' \"#\" \\# ${#x} $#").expect("lexes").comment);
        assert!(lex("echo $(true # x\n)").expect("lexes").comment);
        assert!(lex("echo `true # x`").expect("lexes").comment);
    }

    #[test]
    fn expansions_hide_operators_and_report_parameters() {
        let lexed = lex("echo ${a:-x;y} $(cd /tmp; pwd) $((b + 1)) `echo $c` \"$d\" $_ $1").expect("lexes");
        assert_eq!(lexed.tokens.len(), 8);
        let names: Vec<&str> = lexed.parameters.iter().map(String::as_str).collect();
        assert_eq!(names, ["1", "_", "a", "b", "c", "d"]);
        assert!(!lexed.assigning_expansion);
        assert_eq!(words("echo $(echo ')'; echo \"(\")")[1..], ["?$(echo ')'; echo \"(\")"]);
    }

    #[test]
    fn assigning_and_indirect_expansions_are_noticed() {
        assert!(lex(": ${x:=1}").expect("lexes").assigning_expansion);
        assert!(lex(": ${x=1}").expect("lexes").assigning_expansion);
        assert!(!lex(": ${x:-1} ${x%=}").expect("lexes").assigning_expansion);
        assert!(lex("echo $((i += 1))").expect("lexes").assigning_expansion);
        assert!(lex("echo $((i++))").expect("lexes").assigning_expansion);
        assert!(!lex("echo $((i == 1 || i <= 2 || i != 3))").expect("lexes").assigning_expansion);
        assert!(lex("echo ${!name}").expect("lexes").indirect_expansion);
        assert!(!lex("echo $! ${!}").expect("lexes").indirect_expansion);
    }

    #[test]
    fn here_documents_are_noticed() {
        assert!(lex("cat <<EOF").expect("lexes").here_document);
        assert!(lex("cat <<-EOF").expect("lexes").here_document);
        assert!(!lex("echo '<<EOF'").expect("lexes").here_document);
    }

    #[test]
    fn unfinished_input_is_an_error() {
        assert_eq!(lex("echo 'a"), Err(LexError::UnterminatedQuote('\'')));
        assert_eq!(lex("echo \"a"), Err(LexError::UnterminatedQuote('"')));
        assert_eq!(lex("echo a\\"), Err(LexError::TrailingBackslash));
        assert_eq!(lex("echo ${a"), Err(LexError::UnterminatedExpansion("${")));
        assert_eq!(lex("echo $(a"), Err(LexError::UnterminatedExpansion("$(")));
        assert_eq!(lex("echo `a"), Err(LexError::UnterminatedExpansion("`")));
        assert_eq!(lex("echo a)"), Err(LexError::UnbalancedParenthesis));
        assert_eq!(lex("( echo a"), Err(LexError::UnterminatedExpansion("(")));
    }

    #[test]
    fn bash_only_syntax_is_refused() {
        for input in
            ["cmd &>/dev/null", "cat <<< hi", "diff <(a) <(b)", "echo $'a\\'b'", "exec {fd}>x", "a |& b", "((i++))"]
        {
            assert!(matches!(lex(input), Err(LexError::Unsupported(_))), "{input}");
        }
        assert!(matches!(lex("x=$(case a in a) echo;; esac)"), Err(LexError::Unsupported(_))));
    }

    #[test]
    fn globs_tildes_and_expansions_make_a_word_unknown() {
        assert_eq!(
            words("rm -rf /var/lib/apt/lists/* ~/x $HOME a'*'"),
            ["rm", "-rf", "?/var/lib/apt/lists/*", "?~/x", "?$HOME", "a*"]
        );
    }

    #[test]
    fn words_are_collected_at_every_depth() {
        let lexed = lex("a \"b c\" $(d e) `f` ( g )").expect("lexes");
        let words: Vec<&str> = lexed.words.iter().map(String::as_str).collect();
        assert_eq!(words, ["a", "b", "b c", "c", "d", "e", "f", "g"]);
        assert!(lex("( (a) )").is_ok());
    }

    #[test]
    fn top_level_tokens_have_byte_spans() {
        let input = "é=1 \"a b\">f $(x; y) &&\nz";
        let lexed = lex(input).expect("lexes");
        let texts: Vec<&str> = lexed.spans.iter().map(|span| &input[span.clone()]).collect();
        assert_eq!(texts, ["é=1", "\"a b\"", ">", "f", "$(x; y)", "&&", "\n", "z"]);
        assert_eq!(lexed.spans.len(), lexed.tokens.len());
    }

    #[test]
    fn line_continuations_join_words() {
        assert_eq!(words("ec\\\nho a \\\n b"), ["echo", "a", "b"]);
        assert_eq!(words("a\nb"), ["a", "<nl>", "b"]);
    }
}
