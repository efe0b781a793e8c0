//! The pest grammar. Private to the module: no pest type is re-exported.

use pest_derive::Parser;

/// Parser generated from `dockerfile.pest`.
#[derive(Parser)]
#[grammar = "dockerfile.pest"]
pub(super) struct DockerfileGrammar;

#[cfg(test)]
mod tests {
    use pest::Parser;

    use super::{DockerfileGrammar, Rule};

    /// Top-level items as `(rule, start, end)`, via the whole-file rule.
    fn whole(src: &str, rule: Rule) -> Vec<(Rule, usize, usize)> {
        let Some(file) = DockerfileGrammar::parse(rule, src).ok().and_then(|mut p| p.next()) else {
            return Vec::new();
        };
        file.into_inner()
            .filter(|p| p.as_rule() != Rule::EOI)
            .map(|p| (p.as_rule(), p.as_span().start(), p.as_span().end()))
            .collect()
    }

    /// The same, one unit at a time (as the builder does).
    fn units(src: &str, rule: Rule) -> Vec<(Rule, usize, usize)> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < src.len() {
            let Some(item) = DockerfileGrammar::parse(rule, &src[pos..])
                .ok()
                .and_then(|mut p| p.next())
                .and_then(|u| u.into_inner().next())
            else {
                break;
            };
            let (s, e) = (item.as_span().start(), item.as_span().end());
            out.push((item.as_rule(), pos + s, pos + e));
            pos += e.max(1);
        }
        out
    }

    #[test]
    fn file_rule_matches_unit_rule() {
        let sources = [
            "FROM a\n\n# c\nRUN x \\\n  # inner\n\n  y\\\\\nCMD [\"a\"]\r\n  \\\nENV A=1 \\",
            "# escape=`\nFROM a\nRUN dir `\n  C:\\ ``\nCOPY . .",
        ];
        for src in sources {
            for (file, unit) in [(Rule::file_bs, Rule::unit_bs), (Rule::file_bt, Rule::unit_bt)] {
                let w = whole(src, file);
                assert!(!w.is_empty());
                assert_eq!(w, units(src, unit), "{src:?}");
            }
        }
    }

    #[test]
    fn continuation_markers() {
        let bodies = |src: &str| -> Vec<String> {
            DockerfileGrammar::parse(Rule::file_bs, src)
                .map(|p| {
                    p.flatten()
                        .filter(|p| matches!(p.as_rule(), Rule::body_bs | Rule::first_body_bs))
                        .map(|p| p.as_str().to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(bodies("RUN a \\ \t\nb\n"), ["RUN a ", "b"]);
        assert_eq!(bodies("RUN a\\\\\nb\n"), ["RUN a\\\\", "b"]);
        assert_eq!(bodies("RUN a\\\\\\\nb\n"), ["RUN a\\\\\\", "b"]);
        assert_eq!(bodies("RUN a\\b\\\r\r\nc\rd\r\n"), ["RUN a\\b", "c\rd"]);
    }
}
