//! `RUN` flags: `--mount` (cache, bind, tmpfs, secret, ssh), `--device`, `--network`,
//! `--security`, as step options.

use super::Converter;
use super::config::go_bool;
use crate::dockerfile::{Flag, Instruction, csv_fields};
use crate::migrate::tree;
use crate::syntax::ast::{Clause, Expr};

impl Converter<'_> {
    /// The options of a `RUN`: mounts, network, security, devices.
    pub(super) fn run_clauses(&mut self, instruction: &Instruction) -> Option<Vec<Clause>> {
        let mut out = Vec::new();
        let mut ok = true;
        for flag in &instruction.flags {
            let value = flag.value.as_deref().unwrap_or_default();
            let clause = match flag.name.as_str() {
                "mount" => self.mount(instruction, flag, value),
                "network" | "security" if !value.contains('$') => {
                    Some(tree::clause(&flag.name, Some(tree::string(value)), Vec::new()))
                }
                "device" => self.device(flag, value),
                _ => {
                    self.unsupported(flag.span, format!("`--{}={value}`", flag.name), "write the value literally");
                    None
                }
            };
            match clause {
                Some(clause) => out.push(clause),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn device(&mut self, flag: &Flag, value: &str) -> Option<Clause> {
        let fields = csv_fields(value).unwrap_or_default();
        let mut name = None;
        let mut required = false;
        for field in fields {
            match field.split_once('=') {
                Some((key, v)) if key.eq_ignore_ascii_case("name") => name = Some(v.to_string()),
                Some((key, v)) if key.eq_ignore_ascii_case("required") => match go_bool(v) {
                    Some(value) => required = value,
                    None => {
                        self.unsupported(
                            flag.span,
                            format!("the device setting `{field}`"),
                            "write `required=true` or `required=false`",
                        );
                        return None;
                    }
                },
                None if field.eq_ignore_ascii_case("required") => required = true,
                _ if name.is_none() => name = Some(field),
                _ => {
                    self.unsupported(
                        flag.span,
                        format!("the device setting `{field}`"),
                        "give the name and `required`",
                    );
                    return None;
                }
            }
        }
        let Some(name) = name.filter(|name| !name.is_empty()) else {
            // Never a step dropped in silence: a `--device` without a name has no `.img` form.
            self.unsupported(flag.span, "a `--device` without a device name", "name the CDI device");
            return None;
        };
        let options = if required { vec![("required".to_string(), tree::boolean(true))] } else { Vec::new() };
        Some(tree::clause("device", Some(tree::string(&name)), options))
    }

    pub(super) fn mount(&mut self, instruction: &Instruction, flag: &Flag, value: &str) -> Option<Clause> {
        let Ok(fields) = csv_fields(value) else {
            self.unsupported(flag.span, format!("the mount `{value}`"), "write the mount's settings as CSV fields");
            return None;
        };
        let mut kind = "bind".to_string();
        let mut target = None;
        let mut options: Vec<(String, Expr)> = Vec::new();
        let mut id = None;
        for field in &fields {
            let (key, v) = match field.split_once('=') {
                Some((k, v)) => (k.to_lowercase(), Some(v.to_string())),
                None => (field.to_lowercase(), None),
            };
            match (key.as_str(), v) {
                ("type", Some(v)) => kind = v.to_lowercase(),
                ("target" | "dst" | "destination", Some(v)) => target = Some(v),
                ("id", Some(v)) => id = Some(v),
                ("readonly" | "ro", None) => options.push(("readonly".into(), tree::boolean(true))),
                ("readonly" | "ro", Some(v)) => options.push(("readonly".into(), tree::boolean(go_bool(&v)?))),
                ("readwrite" | "rw", None) => options.push(("readwrite".into(), tree::boolean(true))),
                ("readwrite" | "rw", Some(v)) => options.push(("readwrite".into(), tree::boolean(go_bool(&v)?))),
                ("required", None) => options.push(("required".into(), tree::boolean(true))),
                ("required", Some(v)) => options.push(("required".into(), tree::boolean(go_bool(&v)?))),
                ("source" | "src", Some(v)) => options.push(("source".into(), tree::string(&v))),
                ("from", Some(v)) => {
                    let from = match self.stage_named(&v, Some(self.current)) {
                        Some(stage) => tree::name(&self.stages[stage].ident),
                        None => tree::string(&v),
                    };
                    options.push(("from".into(), from));
                }
                ("uid" | "gid" | "size", Some(v)) if v.parse::<i64>().is_ok_and(|n| n >= 0 && n.to_string() == v) => {
                    options.push((key.clone(), tree::int(v.parse().ok()?)));
                }
                ("mode" | "sharing" | "env", Some(v)) => options.push((key.clone(), tree::string(&v))),
                _ => {
                    self.unsupported(
                        flag.span,
                        format!("the mount setting `{field}`"),
                        "see the mount settings `.img` has in the language reference",
                    );
                    return None;
                }
            }
        }
        let allowed: &[&str] = match kind.as_str() {
            "cache" => &["sharing", "from", "source", "mode", "uid", "gid", "readonly"],
            "bind" => &["from", "source", "readwrite"],
            "tmpfs" => &["size"],
            "secret" => &["env", "required", "mode", "uid", "gid"],
            "ssh" => &["required", "mode", "uid", "gid"],
            _ => &[],
        };
        // A bind mount is read-only unless it says otherwise.
        if kind == "bind" {
            options.retain(|(k, v)| !(k == "readonly" && *v == tree::boolean(true)));
        }
        if let Some((key, _)) = options.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            self.unsupported(flag.span, format!("the setting `{key}` on a {kind} mount"), "remove the setting");
            return None;
        }
        let settings =
            |extra: Vec<(String, Expr)>| -> Vec<(String, Expr)> { extra.into_iter().chain(options).collect() };
        Some(match kind.as_str() {
            "cache" | "bind" | "tmpfs" => {
                // BuildKit mounts it at the working directory: `.`, which it joins to that.
                let target = target.unwrap_or_else(|| ".".to_string());
                let extra = id.map(|id| vec![("id".to_string(), tree::string(&id))]).unwrap_or_default();
                if kind != "cache" && !extra.is_empty() {
                    self.unsupported(flag.span, format!("an `id` on a {kind} mount"), "remove the setting");
                    return None;
                }
                tree::clause(&kind, Some(tree::string(&target)), settings(extra))
            }
            "secret" => {
                let id = id.or_else(|| target.as_ref().map(|t| t.rsplit('/').next().unwrap_or(t).to_string()));
                let Some(id) = id.filter(|id| !id.is_empty()) else {
                    self.unsupported(flag.span, "a secret mount without an id or target", "give the secret's id");
                    return None;
                };
                let name = self.secret(flag, &id)?;
                let extra = target.map(|t| vec![("target".to_string(), tree::string(&t))]).unwrap_or_default();
                tree::clause("secret", Some(tree::name(&name)), settings(extra))
            }
            "ssh" => {
                let extra = target.map(|t| vec![("target".to_string(), tree::string(&t))]).unwrap_or_default();
                tree::clause("ssh", id.map(|id| tree::string(&id)), settings(extra))
            }
            _ => {
                let _ = instruction;
                self.unsupported(
                    flag.span,
                    format!("the mount type `{kind}`"),
                    "use cache, bind, tmpfs, secret or ssh",
                );
                return None;
            }
        })
    }

    /// The `let` name of a secret, declared once per id.
    pub(super) fn secret(&mut self, flag: &Flag, id: &str) -> Option<String> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
            self.unsupported(
                flag.span,
                format!("the secret id `{id}`"),
                "name the secret with letters, digits, `_`, `.` and `-`",
            );
            return None;
        }
        Some(self.secret_name(id))
    }

    fn secret_name(&mut self, id: &str) -> String {
        if let Some((name, _)) = self.secrets.iter().find(|(_, known)| known == id) {
            return name.clone();
        }
        let cleaned: String =
            id.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let wanted =
            if cleaned.starts_with(|c: char| c.is_ascii_lowercase()) { cleaned } else { format!("s_{cleaned}") };
        let name = self.fresh(&wanted);
        self.secrets.push((name.clone(), id.to_string()));
        name
    }
}
