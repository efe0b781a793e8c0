//! Heredoc openers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`) on an instruction
//! line, found the way BuildKit's `heredocsFromLine` does.

use super::shell::{LexOptions, is_heredoc_space, process_words};

/// A heredoc opener found on a line; the body is read later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Opener {
    pub(super) name: String,
    pub(super) fd: Option<u32>,
    pub(super) expand: bool,
    pub(super) chomp: bool,
}

/// Heredoc openers on `line`, in order. A line the shell lexer rejects has
/// none (BuildKit ignores that error).
pub(super) fn openers(line: &str) -> Result<Vec<Opener>, String> {
    let raw = LexOptions { raw_quotes: true, raw_escapes: true };
    let words = process_words(line, raw).unwrap_or_default();
    let mut out = Vec::new();
    for word in words {
        if let Some(op) = parse_word(&word)? {
            out.push(op);
        }
    }
    Ok(out)
}

/// Whether a word of an instruction opens a heredoc (`<<EOF`, `<<-"EOF"`, …).
pub fn is_heredoc_word(word: &str) -> bool {
    matches!(parse_word(word), Ok(Some(_)))
}

/// Reads one word as a heredoc opener (`^(\d*)<<(-?)\s*([^<]*)$`).
pub(super) fn parse_word(word: &str) -> Result<Option<Opener>, String> {
    let digits_end = word.find(|c: char| !c.is_ascii_digit()).unwrap_or(word.len());
    let (digits, rest) = word.split_at(digits_end);
    let Some(rest) = rest.strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(is_heredoc_space);
    if rest.is_empty() || rest.contains('<') {
        return Ok(None);
    }
    let fd = if digits.is_empty() { None } else { Some(digits.parse::<u32>().unwrap_or(0)) };
    let words = process_words(rest, LexOptions::default())?;
    let [name] = words.as_slice() else {
        return Ok(None);
    };
    let raw_words = process_words(rest, LexOptions { raw_quotes: true, raw_escapes: false })?;
    let [raw_name] = raw_words.as_slice() else {
        return Err(format!("internal lexing of heredoc produced inconsistent results: {rest}"));
    };
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    Ok(Some(Opener { name: name.clone(), fd, expand: quotes(name) == quotes(raw_name), chomp }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, bool, bool)> {
        openers(line).unwrap_or_default().into_iter().map(|o| (o.name, o.expand, o.chomp)).collect()
    }

    #[test]
    fn finds_openers() {
        assert_eq!(names("RUN <<EOF"), [("EOF".into(), true, false)]);
        assert_eq!(
            names("COPY <<A <<-\"B\" 'x' <<'C' /dst"),
            [("A".into(), true, false), ("B".into(), false, true), ("C".into(), false, false)]
        );
        assert!(names("RUN echo '<<EOF' \"<<X\" a<<B <<<C").is_empty());
        assert!(names("RUN echo 'unterminated <<EOF").is_empty());
        let fd = openers("RUN 3<<EOF cat").unwrap_or_default();
        assert_eq!(fd[0].fd, Some(3));
        assert_eq!(names("RUN <<  EOF  > foo"), [("EOF".into(), true, false)]);
        assert_eq!(names("RUN << -EOF"), [("-EOF".into(), true, false)]);
    }

    #[test]
    fn heredoc_words() {
        for w in ["<<EOF", "<<'EOF'", "<<\"EOF\"", "<<-EOF", "<<-'EOF'", "<<EO\"F\"", "<< EOF", "<<- EOF"] {
            let op = parse_word(w).ok().flatten().map(|o| o.name);
            assert_eq!(op.as_deref(), Some("EOF"), "{w}");
        }
        for w in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
            assert_eq!(parse_word(w), Ok(None), "{w}");
        }
        for w in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(parse_word(w).is_err(), "{w}");
        }
    }
}
