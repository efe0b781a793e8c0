//! Per-instruction parsing of one logical line, after BuildKit's
//! `split_command.go` and `line_parsers.go`: keyword, builder flags, then the
//! arguments in the shape each instruction uses.

use std::borrow::Cow;

use super::ast::{ArgDecl, Arguments, Flag, Instruction, InstructionKind, KeyValue, Span};
use super::error::ParseError;
use super::go::go_lower;
use super::json::{JsonArray, parse_array};
use super::source::{LineIndex, LogicalLine};
use super::text::Str;

/// How deeply ONBUILD may nest (`ONBUILD ONBUILD …`) before it is an error.
const MAX_ONBUILD_DEPTH: usize = 16;

/// What a logical line is parsed against.
pub(super) struct LineCtx<'a> {
    pub(super) index: &'a LineIndex<'a>,
    pub(super) line: &'a LogicalLine,
    /// The text of `line`, shared by the pieces of it in the tree.
    pub(super) text: Str,
    pub(super) escape: char,
    /// Source offset where the instruction ends (for instruction spans).
    pub(super) end: usize,
}

impl LineCtx<'_> {
    /// Span of logical range `start..end`.
    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        self.index.span(self.line.to_source(start), self.line.to_source_end(end.max(start)))
    }

    fn error(&self, msg: impl Into<String>, start: usize, end: usize) -> ParseError {
        ParseError::new(msg, self.span(start, end))
    }

    /// `piece`, a subslice of the logical line's text, as a piece of [`LineCtx::text`].
    fn str(&self, piece: &str) -> Str {
        let start = (piece.as_ptr() as usize).saturating_sub(self.line.text.as_ptr() as usize);
        self.text.slice(start..start + piece.len())
    }
}

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]`.
fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// `(start, end)` of `s` with Unicode whitespace trimmed.
fn trim_range(s: &str) -> (usize, usize) {
    let start = s.len() - s.trim_start().len();
    let end = s.trim_end().len().max(start);
    (start, end)
}

/// A flag word with its range in the text: the text as written unless quotes or escapes were
/// removed (then `unquoted` holds the word).
struct RawFlag {
    unquoted: Option<String>,
    start: usize,
    end: usize,
}

/// Parses the logical text `text` starting at logical offset `base`.
pub(super) fn parse_instruction(
    ctx: &LineCtx<'_>,
    text: &str,
    base: usize,
    depth: usize,
) -> Result<Instruction, ParseError> {
    let (t0, t1) = trim_range(text);
    let trimmed = &text[t0..t1];
    let kw_len = trimmed.find(is_re_space).unwrap_or(trimmed.len());
    let keyword = &trimmed[..kw_len];
    let (kw_start, kw_end) = (base + t0, base + t0 + kw_len);

    let mut flags = Vec::new();
    let (mut args_start, mut args_end) = (base + t1, base + t1);
    if kw_len < trimmed.len() {
        let after = &trimmed[kw_len..];
        let rest_off = after.len() - after.trim_start_matches(is_re_space).len();
        let rest = &after[rest_off..];
        let rest_base = kw_end + rest_off;
        let (args_rel, raw_flags) = extract_flags(rest);
        if !raw_flags.is_empty() {
            flags = raw_flags.into_iter().map(|f| make_flag(ctx, f, rest_base)).collect();
        }
        if let Some(a) = args_rel {
            let (s, e) = trim_range(&rest[a..]);
            args_start = rest_base + a + s;
            args_end = rest_base + a + e;
        }
    }
    let args_text = &ctx.line.text[args_start..args_end];
    let (kind, name) = kind_and_name(keyword);
    let args = parse_args(ctx, kind, args_text, args_start, depth)?;
    let end = ctx.index.position(ctx.end);
    let keyword_span = ctx.span(kw_start, kw_end);
    Ok(Instruction {
        keyword: ctx.str(keyword),
        name,
        kind,
        flags,
        args,
        raw_args: ctx.str(args_text),
        original: ctx.str(text),
        heredocs: Vec::new(),
        leading_comments: Vec::new(),
        inner_comments: Vec::new(),
        span: Span { start: keyword_span.start, end },
        keyword_span,
        line_starts: Vec::new(),
    })
}

/// The instruction's kind and its lowercased keyword, without allocating for a known keyword.
fn kind_and_name(keyword: &str) -> (InstructionKind, Str) {
    let mut lower = [0u8; 12];
    if keyword.is_ascii() && keyword.len() <= lower.len() {
        let lower = &mut lower[..keyword.len()];
        lower.copy_from_slice(keyword.as_bytes());
        lower.make_ascii_lowercase();
        let kind = InstructionKind::from_lowercase_bytes(lower);
        if kind != InstructionKind::Unknown {
            return (kind, Str::from_static(kind.as_str()));
        }
    }
    let name = go_lower(keyword);
    (InstructionKind::from_name(&name), Str::from(name))
}

fn make_flag(ctx: &LineCtx<'_>, f: RawFlag, base: usize) -> Flag {
    // Without quotes or escapes the word is the text as written.
    let raw = match f.unquoted {
        None => ctx.text.slice(base + f.start..base + f.end),
        Some(word) => Str::from(word),
    };
    let dashes = if raw.starts_with("--") { 2 } else { 0 };
    let (name, value) = match raw[dashes..].find('=') {
        Some(eq) => (raw.slice(dashes..dashes + eq), Some(raw.slice(dashes + eq + 1..raw.len()))),
        None => (raw.slice(dashes..raw.len()), None),
    };
    Flag { span: ctx.span(base + f.start, base + f.end), raw, name, value }
}

#[derive(PartialEq)]
enum Phase {
    Spaces,
    Word,
    Quote,
}

/// BuildKit's `extractBuilderFlags`: leading `--flag` words (quotes removed,
/// `\` escapes the next character). Returns where the arguments start
/// (`None`: no arguments) and the flags.
fn extract_flags(s: &str) -> (Option<usize>, Vec<RawFlag>) {
    // Most instructions have no flags.
    let trimmed = s.trim_start();
    if trimmed.is_empty() {
        return (None, Vec::new());
    }
    if !trimmed.starts_with("--") {
        return (Some(s.len() - trimmed.len()), Vec::new());
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    // The word read so far, quotes and escapes removed.
    let mut word = String::with_capacity(s.len().min(256));
    let mut word_start = 0;
    let mut blank_ok = false;
    let mut quote = '\0';
    let mut i = 0;
    let flag = |word: &str, start: usize, end: usize| RawFlag {
        unquoted: (word.len() != end - start).then(|| word.to_string()),
        start,
        end,
    };
    loop {
        let next = char_at(s, i);
        if phase == Phase::Spaces {
            let Some((ch, len)) = next else {
                break;
            };
            if ch.is_whitespace() {
                i += len;
                continue;
            }
            if ch != '-' || s.as_bytes().get(i + 1) != Some(&b'-') {
                return (Some(i), words);
            }
            phase = Phase::Word;
            word_start = i;
        }
        let Some((ch, len)) = next else {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(flag(&word, word_start, s.len()));
            }
            break;
        };
        i += len;
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if word == "--" {
                    return (Some(i - len), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(flag(&word, word_start, i - len));
                }
                word.clear();
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                continue;
            }
            if ch == '\\' {
                if let Some((escaped, len)) = char_at(s, i) {
                    word.push(escaped);
                    i += len;
                }
                continue;
            }
            word.push(ch);
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            continue;
        }
        if ch == '\\' {
            match char_at(s, i) {
                Some((escaped, len)) => {
                    word.push(escaped);
                    i += len;
                }
                None => phase = Phase::Word,
            }
            continue;
        }
        word.push(ch);
    }
    (None, words)
}

/// BuildKit's `parseWords`: words split on whitespace, quotes and escapes kept. Keeping them
/// makes each word a piece of `rest` as written (less a lone escape at the very end).
pub(super) fn parse_words(rest: &str, escape: char) -> Vec<&str> {
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    // The word being read: `rest[start..end]`.
    let (mut start, mut end) = (0, 0);
    let mut quote = '\0';
    let mut i = 0;
    loop {
        let next = char_at(rest, i);
        if phase == Phase::Spaces {
            match next {
                None => break,
                Some((ch, len)) if ch.is_whitespace() => {
                    i += len;
                    continue;
                }
                Some(_) => {
                    phase = Phase::Word;
                    (start, end) = (i, i);
                }
            }
        }
        let Some((ch, len)) = next else {
            if end > start {
                words.push(&rest[start..end]);
            }
            break;
        };
        i += len;
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if end > start {
                    words.push(&rest[start..end]);
                }
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                phase = Phase::Quote;
            }
            if ch == escape {
                // An escape at the very end is dropped.
                let Some((_, escaped)) = char_at(rest, i) else {
                    continue;
                };
                i += escaped;
            }
            end = i;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            let Some((_, escaped)) = char_at(rest, i) else {
                phase = Phase::Word;
                continue;
            };
            i += escaped;
        }
        end = i;
    }
    words
}

/// The character at byte `i` of `s` and its length in bytes.
fn char_at(s: &str, i: usize) -> Option<(char, usize)> {
    match *s.as_bytes().get(i)? {
        b if b.is_ascii() => Some((b as char, 1)),
        _ => s.get(i..)?.chars().next().map(|c| (c, c.len_utf8())),
    }
}

/// Splits on runs of `[\t\v\f\r ]` (Go `regexp.Split(s, -1)`). The separators are ASCII, so
/// the text splits byte by byte.
fn split_re_space(ctx: &LineCtx<'_>, s: &str) -> Vec<Str> {
    let is_space = |b: u8| matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ');
    let mut words = Vec::new();
    let mut start = None;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        match (is_space(b), start) {
            (true, Some(from)) => {
                words.push(ctx.str(&s[from..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push(ctx.str(&s[from..]));
    }
    words
}

fn parse_args(
    ctx: &LineCtx<'_>,
    kind: InstructionKind,
    rest: &str,
    start: usize,
    depth: usize,
) -> Result<Arguments, ParseError> {
    let end = start + rest.len();
    use InstructionKind as K;
    Ok(match kind {
        K::Add | K::Copy | K::Volume => match maybe_json(ctx, rest, start)? {
            Some(v) => Arguments::Exec(v),
            None if rest.is_empty() => Arguments::Empty,
            None => Arguments::Words(split_re_space(ctx, rest)),
        },
        K::Cmd | K::Entrypoint | K::Run | K::Shell => shell_or_exec(ctx, rest, start)?,
        K::Arg => {
            let words = parse_words(rest, ctx.escape);
            if words.is_empty() {
                Arguments::Empty
            } else {
                Arguments::ArgDecls(
                    words
                        .into_iter()
                        .map(|w| match w.split_once('=') {
                            Some((n, v)) => ArgDecl { name: ctx.str(n), value: Some(ctx.str(v)) },
                            None => ArgDecl { name: ctx.str(w), value: None },
                        })
                        .collect(),
                )
            }
        }
        K::Env | K::Label => {
            let key = if kind == K::Env { "ENV" } else { "LABEL" };
            let words = parse_words(rest, ctx.escape);
            if words.is_empty() {
                Arguments::Empty
            } else if !words[0].contains('=') {
                let Some((k, v)) = rest.split_once(is_re_space) else {
                    return Err(ctx.error(format!("{key} must have two arguments"), start, end));
                };
                Arguments::KeyValues(vec![KeyValue {
                    key: ctx.str(k),
                    value: ctx.str(v.trim_start_matches(is_re_space)),
                    legacy: true,
                }])
            } else {
                let mut pairs = Vec::new();
                for w in words {
                    let Some((k, v)) = w.split_once('=') else {
                        return Err(ctx.error(
                            format!(
                                "Syntax error - can't find = in {}. Must be of the form: name=value",
                                super::go::go_quote(w)
                            ),
                            start,
                            end,
                        ));
                    };
                    pairs.push(KeyValue { key: ctx.str(k), value: ctx.str(v), legacy: false });
                }
                Arguments::KeyValues(pairs)
            }
        }
        K::Expose | K::From => {
            if rest.is_empty() {
                Arguments::Empty
            } else {
                Arguments::Words(split_re_space(ctx, rest))
            }
        }
        K::Healthcheck => {
            let sep = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if sep == 0 {
                Arguments::Empty
            } else {
                let after = &rest[sep..];
                let next = sep + (after.len() - after.trim_start().len());
                Arguments::Healthcheck {
                    kind: ctx.str(&rest[..sep]),
                    args: Box::new(shell_or_exec(ctx, &rest[next..], start + next)?),
                }
            }
        }
        K::Maintainer | K::Stopsignal | K::User | K::Workdir => {
            if rest.is_empty() {
                Arguments::Empty
            } else {
                Arguments::Text(ctx.str(rest))
            }
        }
        K::Onbuild => {
            if rest.is_empty() {
                Arguments::Empty
            } else if depth >= MAX_ONBUILD_DEPTH {
                return Err(ctx.error("ONBUILD is nested too deeply", start, end));
            } else {
                Arguments::Onbuild(Box::new(parse_instruction(ctx, rest, start, depth + 1)?))
            }
        }
        K::Unknown => Arguments::Unknown(ctx.str(rest)),
    })
}

/// BuildKit's `parseMaybeJSON`.
fn shell_or_exec(ctx: &LineCtx<'_>, rest: &str, start: usize) -> Result<Arguments, ParseError> {
    if rest.is_empty() {
        return Ok(Arguments::Empty);
    }
    Ok(match maybe_json(ctx, rest, start)? {
        Some(v) => Arguments::Exec(v),
        None => Arguments::Shell(ctx.str(rest)),
    })
}

/// BuildKit's `parseJSON`: `Some` for a JSON string array, `None` to fall
/// back, an error for valid JSON holding non-strings.
fn maybe_json(ctx: &LineCtx<'_>, rest: &str, start: usize) -> Result<Option<Vec<Str>>, ParseError> {
    let trimmed = rest.trim_start();
    if !trimmed.starts_with('[') {
        return Ok(None);
    }
    let item = |s: Cow<'_, str>| match s {
        Cow::Borrowed(piece) => ctx.str(piece),
        Cow::Owned(decoded) => Str::from(decoded),
    };
    match parse_array(trimmed, item) {
        JsonArray::Strings(v) => Ok(Some(v)),
        JsonArray::Invalid => Ok(None),
        JsonArray::NotStrings => Err(ctx.error(
            "when using JSON array syntax, arrays must be comprised of strings only",
            start,
            start + rest.len(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &str) -> (Option<String>, Vec<String>) {
        let (a, f) = extract_flags(s);
        (a.map(|a| s[a..].trim().to_string()), f.into_iter().map(|f| word_of(s, &f).to_string()).collect())
    }

    fn word_of<'a>(s: &'a str, f: &'a RawFlag) -> &'a str {
        f.unquoted.as_deref().unwrap_or(&s[f.start..f.end])
    }

    /// The previous `extract_flags`, which walked a table of characters by index; flags as
    /// `(word, start, end)`.
    fn indexed_extract_flags(s: &str) -> (Option<usize>, Vec<(String, usize, usize)>) {
        // Most instructions have no flags: answer without the character table.
        let trimmed = s.trim_start();
        if trimmed.is_empty() {
            return (None, Vec::new());
        }
        if !trimmed.starts_with("--") {
            return (Some(s.len() - trimmed.len()), Vec::new());
        }
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let n = chars.len();
        let mut words = Vec::new();
        let mut phase = Phase::Spaces;
        let mut word = String::new();
        let mut word_start = 0;
        let mut blank_ok = false;
        let mut quote = '\0';
        let mut k = 0;
        while k <= n {
            let (pos, mut ch) = chars.get(k).copied().unwrap_or((s.len(), '\0'));
            if phase == Phase::Spaces {
                if k == n {
                    break;
                }
                if ch.is_whitespace() {
                    k += 1;
                    continue;
                }
                if ch != '-' || chars.get(k + 1).map(|c| c.1) != Some('-') {
                    return (Some(pos), words);
                }
                phase = Phase::Word;
                word_start = pos;
            }
            if k == n {
                if word != "--" && (blank_ok || !word.is_empty()) {
                    words.push((word, word_start, s.len()));
                }
                break;
            }
            if phase == Phase::Word {
                if ch.is_whitespace() {
                    phase = Phase::Spaces;
                    if word == "--" {
                        return (Some(pos), words);
                    }
                    if blank_ok || !word.is_empty() {
                        words.push((std::mem::take(&mut word), word_start, pos));
                    }
                    word.clear();
                    blank_ok = false;
                    k += 1;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                    k += 1;
                    continue;
                }
                if ch == '\\' {
                    if k + 1 == n {
                        k += 1;
                        continue;
                    }
                    k += 1;
                    ch = chars[k].1;
                }
                word.push(ch);
                k += 1;
                continue;
            }
            // Phase::Quote
            if ch == quote {
                phase = Phase::Word;
                k += 1;
                continue;
            }
            if ch == '\\' {
                if k + 1 == n {
                    phase = Phase::Word;
                    k += 1;
                    continue;
                }
                k += 1;
                ch = chars[k].1;
            }
            word.push(ch);
            k += 1;
        }
        (None, words)
    }

    #[test]
    fn flags_match_the_indexed_reader() {
        let pieces = ["--", "-", "a", "=", " ", "\t", "'", "\"", "\\", "x y", "\u{a0}", "é", "\r", "[", "--m=\"a b\""];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(state % 10) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            state = state.wrapping_add(1);
            let (args, flags) = extract_flags(&text);
            let flags: Vec<_> = flags.iter().map(|f| (word_of(&text, f).to_string(), f.start, f.end)).collect();
            assert_eq!((args, flags), indexed_extract_flags(&text), "{text:?}");
        }
    }

    #[test]
    fn builder_flags() {
        assert_eq!(flags("--from=x --link a b"), (Some("a b".into()), vec!["--from=x".into(), "--link".into()]));
        assert_eq!(
            flags("--mount=type=cache,target=\"/a b\" -- [ ]"),
            (Some("[ ]".into()), vec!["--mount=type=cache,target=/a b".into()])
        );
        assert_eq!(flags("--x"), (None, vec!["--x".into()]));
        assert_eq!(flags("-x y"), (Some("-x y".into()), vec![]));
    }

    /// The previous `parse_words`, which walked a table of characters by index.
    fn indexed_parse_words(rest: &str, escape: char) -> Vec<String> {
        let chars: Vec<char> = rest.chars().collect();
        let n = chars.len();
        let mut words = Vec::new();
        let mut phase = Phase::Spaces;
        let mut word = String::new();
        let mut blank_ok = false;
        let mut quote = '\0';
        let mut k = 0;
        while k <= n {
            let mut ch = chars.get(k).copied().unwrap_or('\0');
            if phase == Phase::Spaces {
                if k == n {
                    break;
                }
                if ch.is_whitespace() {
                    k += 1;
                    continue;
                }
                phase = Phase::Word;
            }
            if k == n {
                if blank_ok || !word.is_empty() {
                    words.push(word);
                }
                break;
            }
            if phase == Phase::Word {
                if ch.is_whitespace() {
                    phase = Phase::Spaces;
                    if blank_ok || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    word.clear();
                    blank_ok = false;
                    k += 1;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                }
                if ch == escape {
                    if k + 1 == n {
                        k += 1;
                        continue;
                    }
                    word.push(ch);
                    k += 1;
                    ch = chars[k];
                }
                word.push(ch);
                k += 1;
                continue;
            }
            // Phase::Quote
            if ch == quote {
                phase = Phase::Word;
            }
            if ch == escape && quote != '\'' {
                if k + 1 == n {
                    phase = Phase::Word;
                    k += 1;
                    continue;
                }
                word.push(ch);
                k += 1;
                ch = chars[k];
            }
            word.push(ch);
            k += 1;
        }
        words
    }

    #[test]
    fn words_match_the_indexed_reader() {
        let pieces = ["a", " ", "\t", "'", "\"", "\\", "`", "=", "b c", "\u{a0}", "é", "$x", "\r"];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            state = state.wrapping_add(1);
            for escape in ['\\', '`'] {
                assert_eq!(parse_words(&text, escape), indexed_parse_words(&text, escape), "{text:?}");
            }
        }
    }

    #[test]
    fn words_keep_quotes() {
        assert_eq!(
            parse_words(r#"abc="123 456" def a\ b 'c\'d'"#, '\\'),
            ["abc=\"123 456\"", "def", "a\\ b", "'c\\'d'"]
        );
    }
}
