//! `scripts/bench-cache`: how much of the build cache each Dockerfile of an example keeps when
//! the program is edited.
//!
//! For every example, three Dockerfiles are built with buildah, layer cache on: the hand-written
//! `Dockerfile.naive`, imgc's `-O0` output and its optimized output (both `--target classic`, or
//! for BuildKit for the examples with cache mounts, marked `# test: buildkit`).
//! Then edits are applied one at a time to a copy of the example — a runtime env value, a label,
//! a source file, the package list — and each Dockerfile is rebuilt. For each build: the steps
//! re-executed and taken from the cache (RUN steps and all steps), the wall time, the layer count
//! and the image size. Then every Dockerfile imgc emits for the examples goes through hadolint.
//!
//! Prints a Markdown report on standard output (progress on standard error) and exits non-zero
//! when a target is missed: a runtime env or label edit re-executes no RUN step of the optimized
//! Dockerfile; on every edit it re-executes no more steps than the naive one; its build makes
//! fewer layers (`RUN`, `COPY`, `ADD` in all stages), its image has no more layers, and the image
//! is no larger than the naive one; hadolint finds nothing at warning level or above, except the
//! rules documented in [`HADOLINT_ACCEPTED`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use imgc::{Optimize, Target};
use imgc_tests::cmd::{run_command, run_ok};
use imgc_tests::{Dockerfile, Engine, Image, ToolError, buildah, checks, ensure_test_env, example_dir};

/// hadolint rules the emitted Dockerfiles may break, and why.
const HADOLINT_ACCEPTED: &[(&str, &str)] = &[(
    "DL3008",
    "Pin versions in apt-get install. The examples pin the Debian release (`debian:bookworm-slim`) \
     and let apt install its current, patched version: Debian's archive drops a version as soon as \
     an update replaces it, so a pinned version breaks the build at the next security update. \
     `std.apt` installs `name=version` pins for programs that want them.",
)];

/// The three Dockerfiles compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Naive,
    Unoptimized,
    Optimized,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Naive, Variant::Unoptimized, Variant::Optimized];

    fn name(self) -> &'static str {
        match self {
            Variant::Naive => "naive",
            Variant::Unoptimized => "imgc -O0",
            Variant::Optimized => "imgc",
        }
    }

    /// The Dockerfile for the example's files in `dir`.
    fn dockerfile(self, dir: &Path) -> Result<String, String> {
        let optimize = match self {
            Variant::Naive => {
                return std::fs::read_to_string(dir.join("Dockerfile.naive")).map_err(|e| e.to_string());
            }
            Variant::Unoptimized => Optimize::none(),
            Variant::Optimized => Optimize::default(),
        };
        let path = dir.join("app.img");
        let source = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        // Cache mounts need BuildKit's output (buildah builds it): examples marked `# test: buildkit`.
        let target =
            if source.lines().any(|l| l.trim() == "# test: buildkit") { Target::Buildkit } else { Target::Classic };
        let compilation = imgc::compile_file(&path, &imgc::Options::default()).map_err(|e| e.to_string())?;
        compilation.dockerfile_with(target, &optimize).map_err(|errors| compilation.render(&errors, false))
    }
}

/// An edit to a copy of an example: text replacements in files (`None` when it does not apply).
struct Edit {
    name: &'static str,
    /// Changes only the image's configuration: the optimized Dockerfile must re-run no RUN.
    config_only: bool,
    changes: fn(&str) -> Option<Vec<Change>>,
}

/// Replace `from` by `to` in `file`; an empty `from` appends `to`.
struct Change {
    file: &'static str,
    from: &'static str,
    to: &'static str,
}

const fn change(file: &'static str, from: &'static str, to: &'static str) -> Change {
    Change { file, from, to }
}

/// The image block is last in every example: its closing brace is the file's last `}`.
const IMAGE_END: &str = "\n}\n";

const EDITS: [Edit; 4] = [
    Edit {
        name: "runtime env",
        config_only: true,
        changes: |example| {
            Some(match example {
                "python-web" => vec![
                    change("app.img", "\"Hello from imgc\"", "\"Hello from the bench\""),
                    change("Dockerfile.naive", "\"Hello from imgc\"", "\"Hello from the bench\""),
                ],
                // A new variable goes where the Dockerfile declares its env, at the end when it
                // declares none.
                "nginx" => vec![
                    change("app.img", IMAGE_END, "\n    env { BENCH = \"1\" }\n}\n"),
                    change(
                        "Dockerfile.naive",
                        "ENV DEBIAN_FRONTEND=noninteractive\n",
                        "ENV DEBIAN_FRONTEND=noninteractive\nENV BENCH=1\n",
                    ),
                ],
                _ => vec![
                    change("app.img", IMAGE_END, "\n    env { BENCH = \"1\" }\n}\n"),
                    change("Dockerfile.naive", "", "\nENV BENCH=1\n"),
                ],
            })
        },
    },
    Edit {
        name: "label",
        config_only: true,
        changes: |example| {
            Some(match example {
                "nginx" => vec![
                    change("app.img", "\"nginx example\"", "\"nginx example, edited\""),
                    change("Dockerfile.naive", "\"nginx example\"", "\"nginx example, edited\""),
                ],
                _ => vec![
                    change("app.img", IMAGE_END, "\n    label \"bench\" = \"1\"\n}\n"),
                    change("Dockerfile.naive", "", "\nLABEL bench=1\n"),
                ],
            })
        },
    },
    Edit {
        name: "source file",
        config_only: false,
        changes: |example| {
            Some(vec![match example {
                "nginx" => change("site/index.html", "", "<!-- edited -->\n"),
                "c-static" => change("greet.c", "", "/* edited */\n"),
                "python-web" | "python-venv" => change("app.py", "", "# edited\n"),
                "node-app" => change("server.js", "", "// edited\n"),
                "go-service" => change("main.go", "", "// edited\n"),
                _ => change("www/index.html", "", "<!-- edited -->\n"),
            }])
        },
    },
    Edit {
        name: "package list",
        config_only: false,
        changes: |example| {
            Some(match example {
                "nginx" => vec![
                    change("app.img", "[\"nginx\"]", "[\"nginx\", \"less\"]"),
                    change("Dockerfile.naive", "install -y nginx", "install -y nginx less"),
                ],
                "c-static" => vec![
                    change("app.img", "\"libc6-dev\"]", "\"libc6-dev\", \"less\"]"),
                    change("Dockerfile.naive", "gcc libc6-dev", "gcc libc6-dev less"),
                ],
                "python-web" => vec![
                    change("app.img", "[\"python3\"]", "[\"python3\", \"less\"]"),
                    change("Dockerfile.naive", "install -y python3", "install -y python3 less"),
                ],
                "python-venv" => vec![
                    change("app.img", "[\"python3\"]", "[\"python3\", \"less\"]"),
                    change("Dockerfile.naive", "python3-venv\n", "python3-venv less\n"),
                ],
                "node-app" => vec![
                    change("app.img", "[\"nodejs\", \"curl\"]", "[\"nodejs\", \"curl\", \"less\"]"),
                    change("Dockerfile.naive", "nodejs npm curl", "nodejs npm curl less"),
                ],
                "go-service" => vec![
                    change("app.img", "\"tzdata\"]", "\"tzdata\", \"less\"]"),
                    change("Dockerfile.naive", "ca-certificates tzdata", "ca-certificates tzdata less"),
                ],
                _ => return None,
            })
        },
    },
];

/// What one build did.
#[derive(Clone, Default)]
struct Build {
    runs: usize,
    runs_executed: usize,
    steps: usize,
    steps_executed: usize,
    seconds: f64,
    /// Layers of the image.
    layers: usize,
    /// `RUN`, `COPY` and `ADD` instructions in all stages: the layers the build makes.
    built_layers: usize,
    /// As buildah reports it, e.g. `77.6 MB`.
    size: String,
}

impl Build {
    fn cell(&self) -> String {
        format!(
            "RUN {}/{} · steps {}/{} · {:.1} s",
            self.runs_executed, self.runs, self.steps_executed, self.steps, self.seconds
        )
    }
}

/// Counts the steps buildah ran and took from its cache, from its output.
fn steps(log: &str) -> (usize, usize, usize, usize) {
    let (mut runs, mut runs_executed, mut steps, mut steps_executed) = (0, 0, 0, 0);
    let mut current: Option<(bool, bool)> = None; // (is RUN, cached)
    let mut finish = |current: Option<(bool, bool)>| {
        if let Some((run, cached)) = current {
            steps += 1;
            steps_executed += usize::from(!cached);
            runs += usize::from(run);
            runs_executed += usize::from(run && !cached);
        }
    };
    for line in log.lines() {
        let step = line.strip_prefix('[').and_then(|l| l.split_once("] ")).map_or(line, |(_, rest)| rest);
        if let Some(rest) = step.strip_prefix("STEP ") {
            finish(current.take());
            let instruction = rest.split_once(": ").map_or("", |(_, i)| i);
            if !instruction.starts_with("FROM ") {
                current = Some((instruction.starts_with("RUN "), false));
            }
        } else if line.starts_with("--> Using cache")
            && let Some((_, cached)) = &mut current
        {
            *cached = true;
        }
    }
    finish(current);
    (runs, runs_executed, steps, steps_executed)
}

/// [`build`], trusting the network's CA for an example that fetches from a registry
/// (`imgc_tests::egress`).
fn build_trusting(example: &str, text: &str, context: &Path, name: &str) -> Result<(Build, Image), String> {
    if !imgc_tests::egress::REGISTRY_EXAMPLES.contains(&example) {
        return build(text, context, name);
    }
    let trusted = imgc_tests::egress::trusting(text, context);
    build(&trusted.dockerfile, trusted.context.path(), name)
}

/// Builds, and measures the build. The image is returned too: removing it removes the cache of
/// its steps that no other image shares, so keep it while its cache is needed.
fn build(text: &str, context: &Path, name: &str) -> Result<(Build, Image), String> {
    let mut attempt = 0;
    let image: Image = loop {
        attempt += 1;
        match Engine::Buildah.build_image(Dockerfile::Text(text), context, name) {
            Err(error) if attempt < 3 && error.to_string().contains("layer not known") => continue,
            result => break result.map_err(|e: ToolError| e.to_string())?,
        }
    };
    let (runs, runs_executed, steps, steps_executed) = steps(&image.build.stdout);
    let inspected =
        run_ok(buildah::command().args(["inspect", "--type", "image", &image.reference]), buildah::RUN_TIMEOUT)
            .map_err(|e| e.to_string())?;
    let json: serde_json::Value = serde_json::from_str(&inspected.stdout).map_err(|e| e.to_string())?;
    let layers = json["Docker"]["rootfs"]["diff_ids"].as_array().map_or(0, Vec::len);
    // `buildah images NAME` lists every tag of the repository: pick the line of this one.
    let listed = run_ok(
        buildah::command().args(["images", "--format", "{{.Name}}:{{.Tag}}|{{.Size}}", &image.reference]),
        buildah::RUN_TIMEOUT,
    )
    .map_err(|e| e.to_string())?;
    let size = listed
        .stdout
        .lines()
        .find_map(|line| line.split_once('|').filter(|(name, _)| *name == image.reference).map(|(_, size)| size))
        .ok_or_else(|| format!("`buildah images` does not list {}", image.reference))?
        .trim()
        .to_string();
    let seconds = image.build.duration.as_secs_f64();
    let built_layers = built_layers(text);
    Ok((Build { runs, runs_executed, steps, steps_executed, seconds, layers, built_layers, size }, image))
}

/// The `RUN`, `COPY` and `ADD` instructions of a Dockerfile (continuation lines skipped).
fn built_layers(dockerfile: &str) -> usize {
    let mut continued = false;
    let mut count = 0;
    for line in dockerfile.lines() {
        let starts = !continued && ["RUN ", "COPY ", "ADD "].iter().any(|k| line.trim_start().starts_with(k));
        count += usize::from(starts);
        continued = line.trim_end().ends_with('\\');
    }
    count
}

/// `77.6 MB` in bytes, roughly (buildah prints three significant digits).
fn size_bytes(size: &str) -> f64 {
    let (number, unit) = size.split_once(' ').unwrap_or((size, "B"));
    let factor = match unit {
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => 1.0,
    };
    number.parse::<f64>().unwrap_or(f64::MAX) * factor
}

/// Copies an example to a scratch folder the edits may change.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn apply(dir: &Path, changes: &[Change]) -> Result<(), String> {
    for change in changes {
        let path = dir.join(change.file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let edited = if change.from.is_empty() {
            format!("{text}{}", change.to)
        } else if change.from == IMAGE_END {
            let at = text.rfind(IMAGE_END).ok_or_else(|| format!("{}: no closing brace", path.display()))?;
            format!("{}{}{}", &text[..at], change.to, &text[at + IMAGE_END.len()..])
        } else if text.contains(change.from) {
            text.replacen(change.from, change.to, 1)
        } else {
            return Err(format!("{}: `{}` not found", path.display(), change.from));
        };
        std::fs::write(&path, edited).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The results of one example: per variant, the first build and one build per edit.
struct Results {
    example: &'static str,
    builds: Vec<(Variant, Build, Vec<Option<Build>>)>,
}

fn bench(example: &'static str, scratch: &Path) -> Result<Results, String> {
    let original = example_dir(example);
    let mut builds = Vec::new();
    for variant in Variant::ALL {
        let dir = scratch.join(format!("{example}-{}", variant.name().replace(' ', "")));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&original, &dir).map_err(|e| e.to_string())?;
        let name = format!("bench-{example}-{}", variant.name().replace([' ', '-'], ""));
        // Kept until the edits are measured: their rebuilds use its cache.
        let (first, _image) = build_trusting(example, &variant.dockerfile(&dir)?, &dir, &name)?;
        eprintln!("{example} {}: {} layers, {}", variant.name(), first.layers, first.size);
        let mut edits = Vec::new();
        for edit in &EDITS {
            let Some(changes) = (edit.changes)(example) else {
                edits.push(None);
                continue;
            };
            let _ = std::fs::remove_dir_all(&dir);
            copy_dir(&original, &dir).map_err(|e| e.to_string())?;
            apply(&dir, &changes)?;
            let (rebuilt, _) = build_trusting(example, &variant.dockerfile(&dir)?, &dir, &name)?;
            eprintln!("{example} {}: {} -> {}", variant.name(), edit.name, rebuilt.cell());
            edits.push(Some(rebuilt));
        }
        builds.push((variant, first, edits));
    }
    Ok(Results { example, builds })
}

/// The Markdown table and the targets missed.
fn report(results: &[Results]) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut missed = Vec::new();
    let _ = writeln!(
        out,
        "| example | Dockerfile | image layers | layers built | size | {} |",
        EDITS.iter().map(|e| format!("edit: {}", e.name)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|---|---|---|---|{}", "---|".repeat(EDITS.len()));
    for result in results {
        for (variant, first, edits) in &result.builds {
            let cells: Vec<String> = edits.iter().map(|b| b.as_ref().map_or("n/a".to_string(), Build::cell)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                result.example,
                variant.name(),
                first.layers,
                first.built_layers,
                first.size,
                cells.join(" | ")
            );
        }
        let find = |v: Variant| result.builds.iter().find(|(variant, ..)| *variant == v);
        let (Some((_, naive, naive_edits)), Some((_, optimized, optimized_edits))) =
            (find(Variant::Naive), find(Variant::Optimized))
        else {
            continue;
        };
        if optimized.layers > naive.layers || optimized.built_layers >= naive.built_layers {
            missed.push(format!(
                "{}: {} image layers and {} built, naive {} and {}",
                result.example, optimized.layers, optimized.built_layers, naive.layers, naive.built_layers
            ));
        }
        if size_bytes(&optimized.size) > size_bytes(&naive.size) {
            missed.push(format!("{}: image {} , naive {}", result.example, optimized.size, naive.size));
        }
        for ((edit, naive), optimized) in EDITS.iter().zip(naive_edits).zip(optimized_edits) {
            let (Some(naive), Some(optimized)) = (naive, optimized) else { continue };
            if edit.config_only && optimized.runs_executed > 0 {
                missed.push(format!(
                    "{}: a {} edit re-runs {} RUN step(s)",
                    result.example, edit.name, optimized.runs_executed
                ));
            }
            if optimized.steps_executed > naive.steps_executed {
                missed.push(format!(
                    "{}: a {} edit re-runs {} steps, naive {}",
                    result.example, edit.name, optimized.steps_executed, naive.steps_executed
                ));
            }
        }
    }
    (out, missed)
}

/// hadolint on every Dockerfile imgc emits for the examples: findings at warning level or above
/// that no accepted rule covers, and the accepted ones seen.
fn hadolint(out: &mut String) -> Vec<String> {
    let mut missed = Vec::new();
    let mut accepted_seen: Vec<(&str, String)> = Vec::new();
    let mut checked = 0;
    for example in checks::EXAMPLES {
        let dir = example_dir(example);
        for target in [Target::Classic, Target::Buildkit] {
            for (label, optimize) in [("-O0", Optimize::none()), ("-O1", Optimize::default())] {
                let Ok(compilation) = imgc::compile_file(&dir.join("app.img"), &imgc::Options::default()) else {
                    missed.push(format!("{example}: unreadable"));
                    continue;
                };
                let Ok(text) = compilation.dockerfile_with(target, &optimize) else {
                    missed.push(format!("{example}: does not compile"));
                    continue;
                };
                let mut command = Command::new(std::env::var("HADOLINT").unwrap_or_else(|_| "hadolint".into()));
                command.args(["--format", "json", "--no-fail", "-"]);
                let output = match run_command(&mut command, Some(text.as_bytes()), Duration::from_secs(60)) {
                    Ok(output) => output,
                    Err(error) => {
                        missed.push(format!("hadolint cannot run: {error}"));
                        return missed;
                    }
                };
                checked += 1;
                let findings: serde_json::Value = serde_json::from_str(&output.stdout).unwrap_or_default();
                for finding in findings.as_array().into_iter().flatten() {
                    let level = finding["level"].as_str().unwrap_or_default();
                    let code = finding["code"].as_str().unwrap_or_default();
                    if !matches!(level, "warning" | "error") {
                        continue;
                    }
                    let what = format!(
                        "{example} {label} ({target:?}) line {}: {code} {}",
                        finding["line"], finding["message"]
                    );
                    match HADOLINT_ACCEPTED.iter().find(|(rule, _)| *rule == code) {
                        Some((rule, _)) => accepted_seen.push((rule, what)),
                        None => missed.push(format!("hadolint: {what}")),
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "\nhadolint: {checked} Dockerfiles (4 examples × -O0/-O1 × classic/BuildKit).");
    for (rule, reason) in HADOLINT_ACCEPTED {
        let count = accepted_seen.iter().filter(|(r, _)| r == rule).count();
        let _ = writeln!(out, "- {rule} ({count} findings), accepted: {reason}");
    }
    let _ = writeln!(out, "- any other rule at warning level or above: {} findings", missed.len());
    missed
}

fn main() -> ExitCode {
    ensure_test_env();
    let scratch: PathBuf = std::env::temp_dir().join(format!("imgc-bench-cache-{}", std::process::id()));
    let mut results = Vec::new();
    for example in checks::EXAMPLES {
        match bench(example, &scratch) {
            Ok(result) => results.push(result),
            Err(error) => {
                eprintln!("{example}: {error}");
                let _ = std::fs::remove_dir_all(&scratch);
                return ExitCode::from(2);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let (mut out, mut missed) = report(&results);
    let _ = writeln!(
        out,
        "\nCells: RUN steps re-executed / RUN steps · all steps re-executed / steps (the rest came from the cache) · rebuild wall time."
    );
    missed.extend(hadolint(&mut out));
    if missed.is_empty() {
        let _ = writeln!(out, "\nEvery target met.");
    } else {
        let _ = writeln!(out, "\nTargets missed:");
        for line in &missed {
            let _ = writeln!(out, "- {line}");
        }
    }
    print!("{out}");
    if missed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_counted_from_buildahs_output() {
        let log = "[1/2] STEP 1/2: FROM busybox AS a\n[1/2] STEP 2/2: RUN echo a\n--> Using cache 1\n--> 1\n\
                   [2/2] STEP 1/3: FROM busybox\n[2/2] STEP 2/3: COPY --from=a /a /a\n--> 2\n[2/2] STEP 3/3: RUN echo b\nb\n--> 3\n";
        assert_eq!(steps(log), (2, 1, 3, 2));
    }

    #[test]
    fn built_layers_are_counted_once_per_instruction() {
        let dockerfile = "FROM a AS b\nRUN x \\\n    && RUN y\nCOPY a b\n\nFROM scratch\nADD x /\nLABEL a=1\n";
        assert_eq!(built_layers(dockerfile), 3);
    }
}
