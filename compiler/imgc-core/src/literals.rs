//! Facts about values that arrive as strings, shared by the checker, the emitter and migrate:
//! shape checks (image references, signals, platforms, modes, names), the build arguments every
//! builder sets, and whether a path leaves the build context.
//!
//! Must never depend on: the rest of the compiler (it is plain string logic).

/// Build arguments builders set themselves for every build (BuildKit, buildah, docker): a stage
/// declares them without a value to use them.
pub const AUTOMATIC_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

/// Whether a relative path climbs out of the folder it starts in (`../x`, `a/../../x`).
pub fn escapes_context(path: &str) -> bool {
    let mut depth: i64 = 0;
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// Checks a Docker image reference: `[registry[:port]/]name[:tag][@digest]`, returning why not.
/// A local image, `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-daemon:NAME` or
/// `containers-storage:NAME`, is accepted too (only `imgc build` can use one).
pub fn check_image_reference(reference: &str) -> Result<(), String> {
    if let Some(path) = local_image_path(reference) {
        return if path.is_empty() { Err("a local image needs a path: `oci:DIR[:TAG]`".into()) } else { Ok(()) };
    }
    if reference.is_empty() {
        return Err("the reference is empty".into());
    }
    if reference.chars().any(|c| c.is_whitespace()) {
        return Err("a reference has no spaces".into());
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        check_digest(digest)?;
    }
    // A tag is after the last ':' that follows the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 {
        let first = components[0];
        if first.contains('.')
            || first.contains(':')
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase())
        {
            check_registry(first)?;
            components.remove(0);
        }
    }
    for component in components {
        check_path_component(component)?;
    }
    Ok(())
}

fn check_registry(host: &str) -> Result<(), String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("registry port `{port}` is not a number"));
    }
    let valid = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if valid { Ok(()) } else { Err(format!("`{host}` is not a registry host")) }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn check_path_component(component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err("a repository name has an empty part".into());
    }
    if let Some(c) = component.chars().find(|c| c.is_ascii_uppercase()) {
        return Err(format!("repository names are lowercase (found `{c}` in `{component}`)"));
    }
    let bytes = component.as_bytes();
    let is_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !is_alnum(bytes[0]) || !is_alnum(bytes[bytes.len() - 1]) {
        return Err(format!("`{component}` must start and end with a letter or digit"));
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_alnum(b) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !is_alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let ok = separator == "." || separator == "_" || separator == "__" || separator.bytes().all(|b| b == b'-');
        if !ok {
            return Err(format!("`{separator}` cannot separate parts of a repository name"));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let valid = !tag.is_empty()
        && tag.len() <= 128
        && tag.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if valid { Ok(()) } else { Err(format!("`{tag}` is not a valid tag")) }
}

/// The path (and tag) of `oci:…` or `oci-archive:…`, or the name in the docker engine
/// (`docker-daemon:…`) or containers-storage (`containers-storage:…`); `None` for a registry
/// reference.
pub fn local_image_path(reference: &str) -> Option<&str> {
    ["oci:", "oci-archive:", "docker-daemon:", "containers-storage:"].iter().find_map(|p| reference.strip_prefix(p))
}

fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!("digest `{digest}` needs an algorithm, like `sha256:…`"));
    };
    let expected_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(format!("unknown digest algorithm `{algorithm}`")),
    };
    if hex.len() != expected_len || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!("a {algorithm} digest is {expected_len} lowercase hex digits"));
    }
    Ok(())
}

const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
    "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
    "IO", "POLL", "PWR", "SYS", "RTMIN", "RTMAX",
];

/// `SIGQUIT`, `QUIT`, `3`, `SIGRTMIN+3`.
pub fn check_signal(signal: &str) -> Result<(), String> {
    if let Ok(number) = signal.parse::<u32>() {
        return if (1..=64).contains(&number) { Ok(()) } else { Err(format!("signal number {number} is not 1 to 64")) };
    }
    let name = signal.strip_prefix("SIG").unwrap_or(signal);
    let base = name.split(['+', '-']).next().unwrap_or(name);
    if SIGNALS.contains(&base) && (base == name || base.starts_with("RT")) {
        Ok(())
    } else {
        Err(format!("`{signal}` is not a signal name"))
    }
}

/// `linux/amd64`, `linux/arm64/v8`.
pub fn check_platform(platform: &str) -> Result<(), String> {
    let parts: Vec<&str> = platform.split('/').collect();
    let valid = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
    if valid { Ok(()) } else { Err(format!("`{platform}` is not a platform; write `os/arch` or `os/arch/variant`")) }
}

/// An octal mode (`755`, `0644`) or a symbolic one (`u+x,g-w`).
pub fn check_mode(mode: &str) -> Result<(), String> {
    let octal = !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let symbolic = !mode.is_empty()
        && mode.split(',').all(|clause| {
            let who_len = clause.bytes().take_while(|b| b"ugoa".contains(b)).count();
            let rest = &clause[who_len..];
            let mut chars = rest.bytes();
            matches!(chars.next(), Some(b'+' | b'-' | b'=')) && chars.all(|b| b"rwxXst".contains(&b))
        });
    if octal || symbolic { Ok(()) } else { Err(format!("`{mode}` is not a file mode; write `755` or `u+x`")) }
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Stage names: `[a-z][a-z0-9_]*` (names, so no `-` or `.`; BuildKit would accept those too).
pub fn is_stage_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// BuildKit's rule for a Dockerfile stage name (`FROM … AS name`): a lowercase letter, then
/// lowercase letters, digits, `-`, `_` and `.`.
pub fn is_dockerfile_stage_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for ok in [
            "debian",
            "debian:bookworm-slim",
            "library/debian:12",
            "ghcr.io/owner/repo:v1.2",
            "localhost:5000/app",
            "registry.example.com:443/a/b/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "my_image__x",
            "a--b",
            "oci:./base:v1",
            "oci-archive:/images/base.tar",
            "docker-daemon:busybox:1.35",
            "containers-storage:[vfs@/var/lib/containers/storage+/run/containers/storage]busybox",
        ] {
            assert_eq!(check_image_reference(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "oci:",
            "docker-daemon:",
            "Debian",
            "debian:",
            "debian:-x",
            "a b",
            "debian@sha256:12",
            "-a",
            "a/",
            "a..b",
            "debian@md5:00",
        ] {
            assert!(check_image_reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_that_leave_the_context() {
        for inside in ["a", "./a/b", "a/../b", "a/b/../../c", "/abs", "."] {
            assert!(!escapes_context(inside), "{inside}");
        }
        for outside in ["..", "../a", "a/../../b", "./../x"] {
            assert!(escapes_context(outside), "{outside}");
        }
    }

    #[test]
    fn signals() {
        for ok in ["SIGQUIT", "QUIT", "9", "SIGRTMIN+3", "SIGWINCH"] {
            assert_eq!(check_signal(ok), Ok(()), "{ok}");
        }
        for bad in ["SIGFOO", "0", "65", "sigterm", "TERM+1"] {
            assert!(check_signal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn modes_platforms_names() {
        assert!(check_mode("0755").is_ok() && check_mode("u+x,g-w").is_ok() && check_mode("a=rX").is_ok());
        assert!(check_mode("999").is_err() && check_mode("").is_err() && check_mode("x+u").is_err());
        assert!(check_platform("linux/arm64/v8").is_ok() && check_platform("linux").is_err());
        assert!(is_env_name("_A1") && !is_env_name("1A") && !is_env_name("A-B"));
        assert!(is_stage_name("build_1") && !is_stage_name("Build") && !is_stage_name("_x"));
        assert!(is_dockerfile_stage_name("dev-envs") && is_dockerfile_stage_name("build-env.1"));
        assert!(
            !is_dockerfile_stage_name("Dev") && !is_dockerfile_stage_name("1st") && !is_dockerfile_stage_name("a b")
        );
    }
}
