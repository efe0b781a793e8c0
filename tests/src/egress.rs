//! Builds that fetch from package registries over TLS (PyPI, the npm registry), on a machine
//! whose network reaches them through a proxy that signs TLS with its own CA (the CA files in
//! `/usr/local/share/ca-certificates`, trusted by the host): such a build must trust that CA too,
//! or npm and pip refuse the registries' certificates. [`trusting`] gives it a copy of its
//! context with the CA in it and a Dockerfile that copies the CA into each stage that starts
//! from an image (not `scratch`) and names it in `NODE_EXTRA_CA_CERTS` and `PIP_CERT`. On a
//! machine without such CA files the Dockerfile is the same. [`trusting_program`] does the same
//! to a `.img` program, for `imgc build`, which runs the steps itself: compiled, the trusting
//! program is the trusting Dockerfile, so both builders run one program. A property of the test
//! machine's network, not of the programs: the examples are left as they are.

use std::path::Path;

/// The examples whose builds fetch from a registry over TLS.
pub const REGISTRY_EXAMPLES: [&str; 2] = ["node-app", "python-venv"];

/// Where the CA goes in the build context and in the image.
const CONTEXT_FILE: &str = "imgc-test-egress-ca.crt";
const IMAGE_FILE: &str = "/usr/local/share/ca-certificates/imgc-test-egress-ca.crt";

/// A build's Dockerfile and its context, with the network's CA when it has one.
pub struct Trusting {
    pub dockerfile: String,
    pub context: tempfile::TempDir,
}

/// The CA certificates the host adds to the public ones, concatenated; `None` when it adds none.
fn host_ca() -> Option<String> {
    let mut files: Vec<_> = std::fs::read_dir("/usr/local/share/ca-certificates")
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "crt"))
        .collect();
    files.sort();
    let pem: String = files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    (!pem.trim().is_empty()).then_some(pem)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        }
    }
}

/// A copy of `context`, with the network's CA in it when there is one; whether there is.
fn context_with_ca(context: &Path) -> (tempfile::TempDir, bool) {
    let copy = tempfile::Builder::new().prefix("imgc-egress-").tempdir().expect("temp dir");
    copy_dir(context, copy.path());
    let Some(pem) = host_ca() else {
        return (copy, false);
    };
    std::fs::write(copy.path().join(CONTEXT_FILE), pem).expect("write the CA");
    (copy, true)
}

/// `dockerfile` and a copy of `context`, trusting the network's CA (see the module).
pub fn trusting(dockerfile: &str, context: &Path) -> Trusting {
    let (copy, has_ca) = context_with_ca(context);
    if !has_ca {
        return Trusting { dockerfile: dockerfile.to_string(), context: copy };
    }
    let mut out = String::new();
    for line in dockerfile.lines() {
        out.push_str(line);
        out.push('\n');
        let from = line.trim_start();
        let starts_stage = from.len() > 5 && from[..5].eq_ignore_ascii_case("FROM ");
        if starts_stage && !from[5..].trim_start().to_ascii_lowercase().starts_with("scratch") {
            out.push_str(&format!("COPY {CONTEXT_FILE} {IMAGE_FILE}\n"));
            // As imgc writes an `env both` (tests/examples.rs compares the two variants).
            out.push_str(&format!("ENV NODE_EXTRA_CA_CERTS=\"{IMAGE_FILE}\" \\\n    PIP_CERT=\"{IMAGE_FILE}\"\n"));
        }
    }
    Trusting { dockerfile: out, context: copy }
}

/// A copy of an example's folder whose `app.img` trusts the network's CA (see
/// [`trusting_program`]).
pub struct TrustingProgram {
    /// The program, as written to `app.img` in the context.
    pub source: String,
    pub context: tempfile::TempDir,
}

/// A copy of `context` with `source` as its `app.img`, trusting the network's CA as
/// [`trusting`] makes a Dockerfile trust it: each stage that starts from an image (not
/// `scratch`) begins with a `copy` of the CA and an `env both` naming it. Stage headers must each be
/// one line (`stage NAME from BASE {` or `image from BASE {`), as the examples write them.
pub fn trusting_program(source: &str, context: &Path) -> TrustingProgram {
    let (copy, has_ca) = context_with_ca(context);
    let mut out = String::new();
    for line in source.lines() {
        out.push_str(line);
        out.push('\n');
        if !has_ca || !(line.starts_with("stage ") || line.starts_with("image ")) {
            continue;
        }
        let base = line.trim_end().strip_suffix('{').and_then(|head| head.split_once(" from ")).map(|(_, base)| base);
        let base = base.unwrap_or_else(|| panic!("a stage header on one line, `... from BASE {{`: {line}"));
        if base.split_whitespace().next() != Some("scratch") {
            out.push_str(&format!("    copy \"{CONTEXT_FILE}\" to \"{IMAGE_FILE}\"\n"));
            out.push_str(&format!(
                "    env both {{\n        NODE_EXTRA_CA_CERTS = \"{IMAGE_FILE}\"\n        PIP_CERT = \"{IMAGE_FILE}\"\n    }}\n"
            ));
        }
    }
    std::fs::write(copy.path().join("app.img"), &out).expect("write app.img");
    TrustingProgram { source: out, context: copy }
}
