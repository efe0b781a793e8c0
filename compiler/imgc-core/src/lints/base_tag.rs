//! W0103: a base image with no tag, or tagged `latest`.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Base, Stage};
use crate::source::{SourceMap, Span};

pub(super) fn base_tag(stage: &Stage, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    let Base::Image(image) = &stage.base else { return };
    let Some(reference) = image.as_literal() else { return };
    let problem = match image_tag(&reference) {
        _ if reference.contains('@') => return,
        None => "has no tag, so it means `latest`",
        Some("latest") => "is tagged `latest`",
        Some(_) => return,
    };
    let header = sources
        .snippet(stage.span)
        .find('\n')
        .map_or(stage.span, |end| Span { end: stage.span.start + u32::try_from(end).unwrap_or(0), ..stage.span });
    out.push(
        Diagnostic::warning(Code::UnpinnedBase, format!("base image `{reference}` {problem}"))
            .with_label(header, "whatever `latest` is on the day of the build")
            .with_help("name a version (`debian:bookworm-slim`, `python:3.12-slim`), or a digest (`…@sha256:…`) for builds that never change"),
    );
}

/// The tag of an image reference: after the last `:` that follows the last `/`.
fn image_tag(reference: &str) -> Option<&str> {
    let name = reference.rsplit('/').next().unwrap_or(reference);
    name.split_once(':').map(|(_, tag)| tag)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;

    #[test]
    fn base_images_need_a_tag() {
        assert_eq!(codes("image from \"debian\" {\n}\n"), ["W0103"]);
        assert_eq!(codes("image from \"localhost:5000/debian:latest\" {\n}\n"), ["W0103"]);
        assert!(codes("image from \"localhost:5000/debian:12\" {\n}\n").is_empty());
        assert!(
            codes(
                "image from \"debian@sha256:0000000000000000000000000000000000000000000000000000000000000000\" {\n}\n"
            )
            .is_empty()
        );
    }
}
