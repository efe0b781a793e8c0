//! A shell script with a here-document written as BuildKit reads one: `RUN cat > /f <<EOF`, the
//! body's lines, then `EOF`, as people write it, instead of the script in exec form.
//!
//! BuildKit reads the opener on the instruction line, takes the lines after it up to the delimiter
//! as the body, and hands the shell `LINE\nBODY` ending with the delimiter: the script itself. That
//! is exact only for scripts both BuildKit's and the shell's readers take the same way, so this
//! accepts the plain case and leaves every other script to the exec form: one opener `<<NAME` (a
//! name of letters, digits and `_`; no `<<-`, no quoted name) on a first line with no quote,
//! escape or comment, and the script ending at the delimiter's line.
//!
//! Depends on nothing; knows nothing of instructions.

/// `script` as the text after `RUN ` with its here-document written out, or `None` when the
/// script is not the plain case BuildKit and the shell read alike.
pub fn as_heredoc(script: &str) -> Option<String> {
    let script = script.strip_suffix('\n').unwrap_or(script);
    let (first, rest) = script.split_once('\n')?;
    let first = first.trim_matches([' ', '\t']);
    if first.is_empty()
        || first.starts_with('[')
        || first.starts_with("--")
        || first.contains(['\'', '"', '\\', '`', '\r', '#'])
        || first.matches("<<").count() != 1
    {
        return None;
    }
    let name = opener_name(first)?;
    let body_end = rest.rfind('\n').map_or(0, |i| i + 1);
    if &rest[body_end..] != name || rest[..body_end].split('\n').any(|line| line == name || line.contains('\r')) {
        return None;
    }
    Some(format!("{first}\n{rest}"))
}

/// The delimiter of the one `<<NAME` word on `line`, when the word stands alone between blanks.
fn opener_name(line: &str) -> Option<&str> {
    let word = line.split([' ', '\t']).find(|w| w.contains("<<"))?;
    let name = word.strip_prefix("<<")?;
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') { Some(name) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_here_document_is_written_out() {
        assert_eq!(
            as_heredoc("cat > /h.txt <<EOF\nline one\nline two\nEOF\n").as_deref(),
            Some("cat > /h.txt <<EOF\nline one\nline two\nEOF")
        );
        assert_eq!(as_heredoc("cat <<EOF >/e\nEOF").as_deref(), Some("cat <<EOF >/e\nEOF"));
    }

    #[test]
    fn scripts_the_readers_could_take_differently_are_left_alone() {
        for script in [
            "echo one line <<EOF",
            "cat <<EOF\nbody\nEOF\necho after",
            "cat <<-EOF\n\tbody\nEOF",
            "cat <<'EOF'\n$HOME\nEOF",
            "cat <<EOF <<END\na\nEOF\nb\nEND",
            "echo '<<x' && cat <<EOF\na\nEOF",
            "cat <<EOF\na\nEOF\nEOF",
            "cat<<EOF\na\nEOF",
            "cat <<E-F\na\nE-F",
            "--x <<EOF\na\nEOF",
            "cat <<EOF\\\na\nEOF",
        ] {
            assert_eq!(as_heredoc(script), None, "{script:?}");
        }
    }
}
