//! Dockerfile constructs BuildKit accepts that migrate used to refuse or lose: each migrates, and
//! `migrate --check` proves the program builds what the Dockerfile does.

use imgc::migrate::{check, migrate};
use std::path::Path;

/// Migrates `dockerfile`, checks the program against it, and returns the program.
fn round_trip(dockerfile: &str) -> String {
    let migration = migrate("Dockerfile", dockerfile);
    let rendered = imgc::diagnostics::render_human(&migration.sources, &migration.diagnostics, false);
    let program = migration.program.unwrap_or_else(|| panic!("does not migrate:\n{rendered}"));
    let report = check("Dockerfile", dockerfile, Path::new("app.img"), &program);
    let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
    assert!(report.diagnostics.is_empty(), "{rendered}\n{program}");
    program
}

#[test]
fn a_bind_mount_without_a_target_is_mounted_at_the_working_directory() {
    let program =
        round_trip("FROM busybox:1.35 AS binaries\nRUN echo\nFROM busybox:1.35\nRUN --mount=from=binaries ls\n");
    assert!(program.contains("run \"ls\" bind \".\" (from: binaries)"), "{program}");
}

#[test]
fn an_empty_here_document_migrates() {
    let program = round_trip("FROM busybox:1.35\nCOPY <<EOF /file\nEOF\n");
    assert!(program.contains("copy heredoc(\"\") to \"/file\""), "{program}");
}

#[test]
fn a_run_without_a_command_runs_an_empty_script() {
    let program = round_trip("FROM busybox:1.35\nRUN --mount=type=cache,target=/c\n");
    assert!(program.contains("run [\"/bin/sh\", \"-c\", \"\"] cache \"/c\""), "{program}");
}

#[test]
fn a_log_link_to_a_path_with_an_equals_sign_stays_a_command() {
    // Found by the migrate fuzz target (kept in fuzz/regressions): `std.log` would quote the path.
    let program = round_trip(
        "FROM debian:bookworm-slim\nRUN ln -sf /dev/stdout /var/log/nginx=/access.log \\\n    && ln -sf /dev/stderr /var/log/nginx/error.log\n",
    );
    assert!(program.contains("run \"ln -sf /dev/stdout /var/log/nginx=/access.log\""), "{program}");
    assert!(program.contains("log.to_stderr(\"/var/log/nginx/error.log\")"), "{program}");
}

#[test]
fn chains_the_optimizer_cannot_merge_back_stay_whole() {
    // The build arguments move to their first use, between the steps a split would make.
    let dockerfile = "FROM debian:bookworm-slim\nARG uid=1000\nARG gid=1000\nRUN mkdir -p /data \\\n  && chown ${uid}:${gid} /data \\\n  && groupadd -g ${gid} app\n";
    let program = round_trip(dockerfile);
    assert_eq!(program.matches("run ").count(), 1, "{program}");
}

#[test]
fn a_global_argument_declared_again_from_its_own_value_migrates() {
    // As BuildKit's own Dockerfile does: the second declaration reads the first.
    let program = round_trip(
        "ARG TARGETPLATFORM\nARG X=${TARGETPLATFORM#linux/amd64}\nARG X=${X:+\"unsupported\"}\nFROM busybox:1.35\nARG X\nRUN echo $X\n",
    );
    let first = program.find("arg X = \"\\${TARGETPLATFORM#linux/amd64}\"").unwrap_or_else(|| panic!("{program}"));
    let second = program.find("arg X = \"\\${X:+unsupported}\"").unwrap_or_else(|| panic!("{program}"));
    assert!(first < second, "{program}");
}
