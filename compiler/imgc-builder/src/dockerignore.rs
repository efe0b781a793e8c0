//! `.dockerignore` rules, as Docker's builder reads them (moby's `patternmatcher`).
//!
//! A line is a pattern; `#` at the very start makes a comment; blank lines are skipped; a leading
//! `!` re-includes what earlier patterns excluded; the last pattern that matches decides. Patterns
//! are cleaned like Go's `filepath.Clean` and are relative to the context root (a leading `/` is
//! dropped). `*` matches within one path component, `?` one character, `[a-z]` a class, `**` any
//! number of components (zero included), `\` escapes. A pattern that matches a directory
//! excludes everything under it.

/// The patterns of one `.dockerignore` file.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    exception: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `*`: any run of characters but `/`.
    Star,
    /// `?`: one character but `/`.
    One,
    /// `[…]`: `(negated, ranges)`.
    Class(bool, Vec<(char, char)>),
    /// `**` (or `**/`) not at the end: any prefix ending in `/`, or nothing.
    AnyDirs,
    /// `**` at the end: anything.
    Rest,
}

impl Ignore {
    /// Parses the text of a `.dockerignore` file. A malformed pattern (an unclosed `[`) is an error.
    pub fn parse(text: &str) -> Result<Ignore, String> {
        let mut patterns = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut pattern = line.trim();
            if pattern.is_empty() {
                continue;
            }
            let exception = pattern.starts_with('!');
            if exception {
                pattern = pattern[1..].trim();
            }
            if pattern.is_empty() {
                continue;
            }
            let cleaned = clean(pattern);
            let cleaned =
                if cleaned.len() > 1 { cleaned.strip_prefix('/').unwrap_or(&cleaned).to_string() } else { cleaned };
            let tokens = compile(&cleaned).ok_or_else(|| format!("malformed pattern `{line}` (unclosed `[`)"))?;
            patterns.push(Pattern { exception, tokens });
        }
        Ok(Ignore { patterns })
    }

    /// Whether some pattern re-includes files (then an excluded directory must still be walked).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether `path` (relative to the context, `/`-separated, no leading `/`) is excluded.
    pub fn excludes(&self, path: &str) -> bool {
        let parents: Vec<&str> = match path.rfind('/') {
            Some(end) => path[..end].split('/').collect(),
            None => Vec::new(),
        };
        let mut excluded = false;
        for pattern in &self.patterns {
            // An exclusion only matters while not excluded, an exception only while excluded.
            if pattern.exception != excluded {
                continue;
            }
            let mut matched = matches(&pattern.tokens, &path.chars().collect::<Vec<_>>());
            if !matched {
                for end in 1..=parents.len() {
                    let prefix: Vec<char> = parents[..end].join("/").chars().collect();
                    if matches(&pattern.tokens, &prefix) {
                        matched = true;
                        break;
                    }
                }
            }
            if matched {
                excluded = !pattern.exception;
            }
        }
        excluded
    }
}

/// Go's `path.Clean`: no `.` components, no doubled or trailing `/`, `..` resolved lexically.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn compile(pattern: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                tokens.push(if i >= chars.len() { Token::Rest } else { Token::AnyDirs });
                continue;
            }
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::One),
            '\\' if i + 1 < chars.len() => {
                i += 1;
                tokens.push(Token::Char(chars[i]));
            }
            '[' => {
                let (token, next) = class(&chars, i + 1)?;
                tokens.push(token);
                i = next;
                continue;
            }
            c => tokens.push(Token::Char(c)),
        }
        i += 1;
    }
    Some(tokens)
}

/// A `[…]` class starting after the `[`; returns the token and the index after the `]`.
fn class(chars: &[char], mut i: usize) -> Option<(Token, usize)> {
    let negated = matches!(chars.get(i), Some('^') | Some('!'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let mut c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class(negated, ranges), i + 1));
        }
        first = false;
        if c == '\\' {
            i += 1;
            c = *chars.get(i)?;
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
            let mut end = chars[i + 2];
            i += 2;
            if end == '\\' {
                i += 1;
                end = *chars.get(i)?;
            }
            ranges.push((c, end));
        } else {
            ranges.push((c, c));
        }
        i += 1;
    }
}

/// Whether `tokens` match all of `text`.
fn matches(tokens: &[Token], text: &[char]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match token {
        Token::Char(c) => text.first() == Some(c) && matches(rest, &text[1..]),
        Token::One => text.first().is_some_and(|&c| c != '/') && matches(rest, &text[1..]),
        Token::Class(negated, ranges) => text.first().is_some_and(|&c| {
            c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated && matches(rest, &text[1..])
        }),
        Token::Star => {
            let limit = text.iter().position(|&c| c == '/').unwrap_or(text.len());
            (0..=limit).any(|n| matches(rest, &text[n..]))
        }
        Token::AnyDirs => {
            matches(rest, text) || text.iter().enumerate().any(|(i, &c)| c == '/' && matches(rest, &text[i + 1..]))
        }
        Token::Rest => true,
    }
}

/// Whether `name` (one path component) matches the glob `pattern` (`*`, `?`, `[…]`, `\`), as
/// Go's `filepath.Match` does for `COPY` sources. A malformed pattern matches nothing.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    compile(pattern).is_some_and(|tokens| matches(&tokens, &name.chars().collect::<Vec<_>>()))
}

/// Whether `text` holds a glob metacharacter.
pub fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> Ignore {
        Ignore::parse(text).expect("valid patterns")
    }

    /// The examples of Docker's documentation for `.dockerignore`.
    #[test]
    fn dockers_documented_examples() {
        let rules = ignore("# comment\n*/temp*\n*/*/temp*\ntemp?\n");
        assert!(rules.excludes("somedir/temporary.txt"));
        assert!(rules.excludes("somedir/temp"));
        assert!(rules.excludes("somedir/subdir/temporary.txt"));
        assert!(rules.excludes("tempa"));
        assert!(rules.excludes("tempb"));
        assert!(!rules.excludes("temp"));
        assert!(!rules.excludes("temporary.txt"));
        assert!(!rules.excludes("# comment"));

        let go = ignore("**/*.go");
        assert!(go.excludes("main.go"));
        assert!(go.excludes("a/b/c.go"));
        assert!(!go.excludes("a/b/c.rs"));

        let md = ignore("*.md\n!README.md");
        assert!(md.excludes("CHANGES.md"));
        assert!(!md.excludes("README.md"));

        let secret = ignore("*.md\n!README*.md\nREADME-secret.md");
        assert!(secret.excludes("CHANGES.md"));
        assert!(!secret.excludes("README-public.md"));
        assert!(secret.excludes("README-secret.md"));

        let order = ignore("*.md\nREADME-secret.md\n!README*.md");
        assert!(!order.excludes("README-secret.md"));
    }

    #[test]
    fn a_matched_directory_excludes_its_contents() {
        let rules = ignore("target\n/node_modules/\n./build//out");
        assert!(rules.excludes("target"));
        assert!(rules.excludes("target/debug/app"));
        assert!(rules.excludes("node_modules/x/index.js"));
        assert!(rules.excludes("build/out/a"));
        assert!(!rules.excludes("src/target"));
        assert!(!rules.excludes("targets"));
    }

    #[test]
    fn exceptions_reinclude_inside_excluded_directories() {
        let rules = ignore("docs\n!docs/keep.md");
        assert!(rules.has_exceptions());
        assert!(rules.excludes("docs/other.md"));
        assert!(!rules.excludes("docs/keep.md"));
    }

    #[test]
    fn stars_classes_and_escapes() {
        let rules = ignore("a/**/z\n[ab]?.txt\n\\*.lit\n**");
        assert!(rules.excludes("anything"));
        let rules = ignore("a/**/z\n[a-c]?.txt\n[!x]y\n\\*.lit");
        assert!(rules.excludes("a/z"));
        assert!(rules.excludes("a/b/c/z"));
        assert!(rules.excludes("b1.txt"));
        assert!(!rules.excludes("d1.txt"));
        assert!(rules.excludes("ay"));
        assert!(!rules.excludes("xy"));
        assert!(rules.excludes("*.lit"));
        assert!(!rules.excludes("a.lit"));
        assert!(Ignore::parse("[abc").is_err());
    }

    #[test]
    fn comments_only_at_the_start_of_a_line() {
        let rules = ignore("  #not-a-comment\n# a comment\n!\n");
        assert!(rules.excludes("#not-a-comment"));
        assert!(!rules.excludes("a comment"));
    }

    #[test]
    fn clean_is_gos_path_clean() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(clean(""), ".");
        assert!(glob_matches("*.txt", "a.txt"));
        assert!(!glob_matches("*.txt", "a/b.txt"));
    }
}
