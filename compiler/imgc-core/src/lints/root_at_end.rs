//! W0106: the image runs as root.

use super::at;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{InstructionKind, Stage};

pub(super) fn root_at_end(stage: &Stage, out: &mut Vec<Diagnostic>) {
    let last_user = stage.instructions.iter().rev().find_map(|i| match &i.kind {
        InstructionKind::User(user) => Some((i, user)),
        _ => None,
    });
    let Some((instruction, user)) = last_user else { return };
    let Some(user) = user.as_literal() else { return };
    let name = user.split(':').next().unwrap_or_default();
    if name == "root" || name == "0" {
        out.push(at(
            Code::RootAtEnd,
            instruction,
            "the image runs as root".into(),
            "the last `user` of the image",
            "end with a user without privileges (`user.create(\"app\")` from `std.user`, then `user \"app\"`); a program that must start as root, to bind a port below 1024, can drop them itself",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn root_at_the_end() {
        assert_eq!(codes(&image("user \"app\"\nuser \"root\"")), ["W0106"]);
        assert_eq!(codes(&image("user \"0:0\"")), ["W0106"]);
        assert!(codes(&image("user \"root\"\nrun \"true\"\nuser \"app\"")).is_empty());
        assert!(codes(&image("run \"true\"")).is_empty());
    }
}
