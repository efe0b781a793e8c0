//! Instruction-level checks BuildKit makes after parsing
//! (`frontend/dockerfile/instructions/parse.go`, `bflag.go`, run mounts):
//! known instructions, known and well-formed flags, argument counts.

use std::collections::HashSet;

use super::ast::{Arguments, Dockerfile, Flag, Instruction, InstructionKind as K, Span};
use super::error::ParseError;
use super::heredoc::parse_word;
use super::mounts::check_mount;

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagType {
    Bool,
    Str,
    Strs,
}
use FlagType::{Bool, Str, Strs};

const ADD_FLAGS: &[(&str, FlagType)] = &[
    ("chown", Str),
    ("chmod", Str),
    ("link", Bool),
    ("keep-git-dir", Bool),
    ("checksum", Str),
    ("unpack", Bool),
    ("exclude", Strs),
];
const COPY_FLAGS: &[(&str, FlagType)] =
    &[("chown", Str), ("chmod", Str), ("from", Str), ("link", Bool), ("parents", Bool), ("exclude", Strs)];
const FROM_FLAGS: &[(&str, FlagType)] = &[("platform", Str)];
const RUN_FLAGS: &[(&str, FlagType)] = &[("mount", Strs), ("network", Str), ("security", Str), ("device", Strs)];
const HEALTHCHECK_FLAGS: &[(&str, FlagType)] =
    &[("interval", Str), ("timeout", Str), ("start-period", Str), ("start-interval", Str), ("retries", Str)];

/// Checks every instruction, that only ARG comes before the first FROM, and
/// that there is a FROM.
pub(super) fn validate(df: &Dockerfile) -> Result<(), ParseError> {
    let mut in_stage = false;
    for ins in &df.instructions {
        check(ins)?;
        match ins.kind {
            K::From => in_stage = true,
            K::Arg => {}
            _ if !in_stage => {
                return Err(err(
                    format!("no build stage in current context: {} before the first FROM", ins.keyword.to_uppercase()),
                    ins.keyword_span,
                ));
            }
            _ => {}
        }
    }
    if !in_stage {
        let span = df.instructions.last().map(|i| i.span).unwrap_or_default();
        return Err(err("dockerfile contains no stages to build", span));
    }
    Ok(())
}

fn err(msg: impl Into<String>, span: Span) -> ParseError {
    ParseError::new(msg, span)
}

/// Number of argument nodes, as BuildKit's `nodeArgs` counts them.
fn count(args: &Arguments) -> usize {
    match args {
        Arguments::Empty => 0,
        Arguments::Shell(_) | Arguments::Text(_) | Arguments::Unknown(_) => 1,
        Arguments::Exec(v) | Arguments::Words(v) => v.len(),
        Arguments::ArgDecls(v) => v.len(),
        Arguments::KeyValues(v) => v.len(),
        Arguments::Healthcheck { args, .. } => 1 + count(args),
        Arguments::Onbuild(_) => 1,
    }
}

/// The list arguments of ADD / COPY / VOLUME / FROM / EXPOSE.
fn list(args: &Arguments) -> &[super::text::Str] {
    match args {
        Arguments::Exec(v) | Arguments::Words(v) => v,
        _ => &[],
    }
}

fn check(ins: &Instruction) -> Result<(), ParseError> {
    let upper = ins.name.to_uppercase();
    let span = ins.span;
    let need = |ok: bool, msg: String| if ok { Ok(()) } else { Err(err(msg, span)) };
    match ins.kind {
        K::Env | K::Label => {
            check_flags(ins, &[])?;
            let Arguments::KeyValues(pairs) = &ins.args else {
                return Err(err(format!("{upper} requires at least one argument"), span));
            };
            need(pairs.iter().all(|p| !p.key.is_empty()), format!("{upper} names can not be blank"))
        }
        K::Maintainer | K::Workdir | K::User | K::Stopsignal => {
            need(count(&ins.args) == 1, format!("{upper} requires exactly one argument"))?;
            if ins.kind == K::Stopsignal { Ok(()) } else { check_flags(ins, &[]) }
        }
        K::Add | K::Copy => {
            let args = list(&ins.args);
            need(
                args.len() >= 2,
                format!(
                    "{upper} requires at least two arguments, but only one was provided. Destination could not be determined"
                ),
            )?;
            check_flags(ins, if ins.kind == K::Add { ADD_FLAGS } else { COPY_FLAGS })?;
            let dest_is_heredoc = matches!(ins.args, Arguments::Words(_))
                && args.last().is_some_and(|d| matches!(parse_word(d), Ok(Some(_))));
            need(!dest_is_heredoc, format!("{upper} cannot accept a heredoc as a destination"))
        }
        K::From => {
            let args = list(&ins.args);
            if args.len() == 3 && args[1].eq_ignore_ascii_case("as") {
                let name = args[2].to_lowercase();
                need(
                    valid_stage_name(&name),
                    format!(
                        "invalid name for build stage: {}, name can't start with a number or contain symbols",
                        super::go::go_quote(&args[2])
                    ),
                )?;
            } else {
                need(args.len() == 1, "FROM requires either one or three arguments".into())?;
            }
            check_flags(ins, FROM_FLAGS)
        }
        K::Onbuild => {
            let Arguments::Onbuild(child) = &ins.args else {
                return Err(err("ONBUILD requires at least one argument", span));
            };
            check_flags(ins, &[])?;
            match child.name.to_uppercase().as_str() {
                "ONBUILD" => Err(err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", child.keyword_span)),
                t @ ("MAINTAINER" | "FROM") => {
                    Err(err(format!("{t} isn't allowed as an ONBUILD trigger"), child.keyword_span))
                }
                _ => check(child),
            }
        }
        K::Run => {
            check_flags(ins, RUN_FLAGS)?;
            check_run_flags(ins)
        }
        K::Cmd | K::Entrypoint => check_flags(ins, &[]),
        K::Healthcheck => check_healthcheck(ins, &upper),
        K::Expose => {
            need(count(&ins.args) > 0, "EXPOSE requires at least one argument".into())?;
            check_flags(ins, &[])
        }
        K::Volume => {
            need(count(&ins.args) > 0, "VOLUME requires at least one argument".into())?;
            check_flags(ins, &[])?;
            need(
                list(&ins.args).iter().all(|v| !v.trim().is_empty()),
                "VOLUME specified can not be an empty string".into(),
            )
        }
        K::Arg => {
            let Arguments::ArgDecls(decls) = &ins.args else {
                return Err(err("ARG requires at least one argument", span));
            };
            need(decls.iter().all(|d| d.value.is_none() || !d.name.is_empty()), "ARG names can not be blank".into())
        }
        K::Shell => {
            check_flags(ins, &[])?;
            match &ins.args {
                Arguments::Exec(v) if !v.is_empty() => Ok(()),
                Arguments::Shell(_) => Err(err("SHELL requires the arguments to be in JSON form", span)),
                _ => Err(err("SHELL requires at least one argument", span)),
            }
        }
        K::Unknown => {
            let names = INSTRUCTIONS.iter().map(|n| n.to_uppercase());
            let msg = format!("unknown instruction: {}", ins.keyword.to_uppercase());
            let upper = ins.name.to_uppercase();
            Err(err(suggest(msg, &upper, names), ins.keyword_span))
        }
    }
}

/// All instruction names.
const INSTRUCTIONS: [&str; 18] = [
    "add",
    "arg",
    "cmd",
    "copy",
    "entrypoint",
    "env",
    "expose",
    "from",
    "healthcheck",
    "label",
    "maintainer",
    "onbuild",
    "run",
    "shell",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

/// Appends ` (did you mean X?)` for the closest name within edit distance 2
/// (BuildKit's `suggest.WrapError`).
fn suggest<S: AsRef<str>>(msg: String, word: &str, names: impl Iterator<Item = S>) -> String {
    let best = names.map(|n| (levenshtein(word, n.as_ref()), n)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d);
    match best {
        Some((_, n)) => format!("{msg} (did you mean {}?)", n.as_ref()),
        None => msg,
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `^[a-z][a-z0-9-_.]*$`
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// BuildKit's `BFlags.Parse` against the flags `specs` allows.
fn check_flags(ins: &Instruction, specs: &[(&str, FlagType)]) -> Result<(), ParseError> {
    let mut used = HashSet::new();
    for f in &ins.flags {
        let name = f.name.as_str();
        let flag = format!("--{name}");
        let Some(&(_, ty)) = specs.iter().find(|(n, _)| *n == name) else {
            let names = specs.iter().map(|(n, _)| *n);
            return Err(err(suggest(format!("unknown flag: {flag}"), name, names), f.span));
        };
        if ty != Strs && !used.insert(name) {
            return Err(err(format!("duplicate flag specified: {flag}"), f.span));
        }
        match (ty, &f.value) {
            (Bool, Some(v)) if v.is_empty() => {
                return Err(err(format!("missing a value on flag: {flag}"), f.span));
            }
            (Bool, Some(v)) if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") => {
                return Err(err(format!("expecting boolean value for flag {flag}, not: {v}"), f.span));
            }
            (Str | Strs, None) => {
                return Err(err(format!("missing a value on flag: {flag}"), f.span));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_run_flags(ins: &Instruction) -> Result<(), ParseError> {
    for f in &ins.flags {
        let Some(v) = f.value.as_deref() else {
            continue;
        };
        let bad = match f.name.as_str() {
            "network" if !v.contains('$') && !matches!(v, "default" | "none" | "host") => {
                Some(format!("invalid network mode {}", super::go::go_quote(v)))
            }
            "security" if !v.contains('$') && !matches!(v, "sandbox" | "insecure") => {
                Some(format!("security {} is not valid", super::go::go_quote(v)))
            }
            "mount" => check_mount(v).err(),
            _ => None,
        };
        if let Some(msg) = bad {
            return Err(err(msg, f.span));
        }
    }
    Ok(())
}

fn check_healthcheck(ins: &Instruction, upper: &str) -> Result<(), ParseError> {
    let Arguments::Healthcheck { kind, args } = &ins.args else {
        return Err(err(format!("{upper} requires at least one argument"), ins.span));
    };
    let kind = kind.to_uppercase();
    if kind == "NONE" {
        return if matches!(**args, Arguments::Empty) {
            Ok(())
        } else {
            Err(err("HEALTHCHECK NONE takes no arguments", ins.span))
        };
    }
    check_flags(ins, HEALTHCHECK_FLAGS)?;
    if kind != "CMD" {
        return Err(err(format!("Unknown type {} in HEALTHCHECK (try CMD)", super::go::go_quote(&kind)), ins.span));
    }
    if count(args) == 0 {
        return Err(err("Missing command after HEALTHCHECK CMD", ins.span));
    }
    for f in &ins.flags {
        check_health_flag(f)?;
    }
    Ok(())
}

fn check_health_flag(f: &Flag) -> Result<(), ParseError> {
    let v = f.value.as_deref().unwrap_or_default();
    if v.is_empty() || v.contains('$') {
        return Ok(());
    }
    if f.name == "retries" {
        return match v.parse::<i32>() {
            Ok(n) if n < 0 => Err(err(format!("--retries cannot be negative ({n})"), f.span)),
            Ok(_) => Ok(()),
            Err(_) => Err(err(format!("strconv.ParseInt: parsing {}: invalid syntax", super::go::go_quote(v)), f.span)),
        };
    }
    let nanos = go_duration(v).map_err(|e| err(e, f.span))?;
    if nanos != 0 && nanos < 1_000_000 {
        return Err(err(format!("Interval {} cannot be less than 1ms", super::go::go_quote(&f.name)), f.span));
    }
    Ok(())
}

/// Go's `time.ParseDuration`, in nanoseconds (the `HEALTHCHECK` durations).
pub fn go_duration(orig: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {}", super::go::go_quote(orig));
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, &orig[1..]),
        Some(b'+') => (false, &orig[1..]),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let (int, rest) = s.split_at(int_len);
        s = rest;
        let mut frac = "";
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac = &r[..n];
            s = &r[n..];
            if int.is_empty() && frac.is_empty() {
                return Err(invalid());
            }
        } else if int.is_empty() {
            return Err(invalid());
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        let scale: f64 = match unit {
            "" => {
                return Err(format!("time: missing unit in duration {}", super::go::go_quote(orig)));
            }
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    super::go::go_quote(unit),
                    super::go::go_quote(orig)
                ));
            }
        };
        let number: f64 =
            format!("{}.{}0", if int.is_empty() { "0" } else { int }, frac).parse().map_err(|_| invalid())?;
        total += number * scale;
        if total > 9.3e18 {
            return Err(invalid());
        }
    }
    let nanos = total as i128;
    Ok(if neg { -nanos } else { nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(go_duration("5s"), Ok(5_000_000_000));
        assert_eq!(go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(go_duration("1.5ms"), Ok(1_500_000));
        assert_eq!(go_duration("0"), Ok(0));
        assert!(go_duration("5").is_err());
        assert!(go_duration("5x").is_err());
        assert!(go_duration(".s").is_err());
    }
}
