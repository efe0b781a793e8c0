//! W0105: `add` of local files that are not archives, where `copy` would do.

use super::at;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Copy, Instruction};

pub(super) fn add_for_copy(instruction: &Instruction, copy: &Copy, out: &mut Vec<Diagnostic>) {
    const ARCHIVES: &[&str] =
        &[".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".gz", ".bz2", ".xz"];
    let add_only = copy.checksum.is_some() || copy.keep_git_dir.is_some() || copy.unpack.is_some();
    let plain = copy.sources.iter().all(|s| {
        s.as_literal().is_some_and(|s| {
            !s.contains("://")
                && !s.starts_with("git@")
                && !s.contains(".git")
                && !ARCHIVES.iter().any(|a| s.ends_with(a))
        })
    });
    if plain && !add_only {
        out.push(at(
            Code::AddForCopy,
            instruction,
            "`add` of local files that are not archives".into(),
            "`copy` does this",
            "write `copy`: `add` also downloads URLs and unpacks archives, which a reader must rule out",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn add_where_copy_would_do() {
        assert_eq!(codes(&image("add \"conf/\" to \"/etc/app/\"")), ["W0105"]);
        assert!(codes(&image("add \"vendor.tar.gz\" to \"/opt/\"")).is_empty());
        assert!(codes(&image("add \"https://example.com/x\" to \"/x\"")).is_empty());
    }
}
