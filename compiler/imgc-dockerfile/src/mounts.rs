//! `RUN --mount` values, checked like BuildKit's `parseMount`
//! (`frontend/dockerfile/instructions/commands_runmount.go`).

use super::go::go_quote;

/// Go's `strconv.ParseBool`.
fn go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// One CSV record (Go `encoding/csv`, default settings), as `--mount` and `--device` values are
/// written.
pub fn csv_fields(s: &str) -> Result<Vec<String>, String> {
    if s.is_empty() {
        return Err("EOF".into());
    }
    let mut fields = Vec::new();
    let mut rest = s;
    loop {
        let (field, after) = if let Some(q) = rest.strip_prefix('"') {
            let mut field = String::new();
            let mut chars = q.char_indices();
            let after;
            loop {
                match chars.next() {
                    Some((i, '"')) => {
                        if q[i + 1..].starts_with('"') {
                            field.push('"');
                            chars.next();
                        } else {
                            after = &q[i + 1..];
                            break;
                        }
                    }
                    Some((_, c)) => field.push(c),
                    None => return Err("extraneous or missing \" in quoted-field".into()),
                }
            }
            if !(after.is_empty() || after.starts_with(',')) {
                return Err("extraneous or missing \" in quoted-field".into());
            }
            (field, after)
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            if rest[..end].contains('"') {
                return Err("bare \" in non-quoted-field".into());
            }
            (rest[..end].to_string(), &rest[end..])
        };
        fields.push(field);
        match after.strip_prefix(',') {
            Some(r) => rest = r,
            None => return Ok(fields),
        }
    }
}

/// BuildKit's `parseMount`; values holding variables are not checked.
pub(super) fn check_mount(value: &str) -> Result<(), String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    let mut ty = "bind".to_string();
    let (mut file_info, mut sharing, mut from, mut source, mut target, mut id) =
        (None, false, false, false, false, false);
    for field in &fields {
        let Some((key, val)) = field.split_once('=') else {
            match field.to_lowercase().as_str() {
                "readonly" | "ro" | "readwrite" | "rw" => continue,
                "required" if ty == "secret" || ty == "ssh" => continue,
                "required" => {
                    return Err(format!("unexpected key 'required' for mount type '{ty}'"));
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
        };
        let key = key.to_lowercase();
        let var = val.contains('$');
        if var && key == "from" {
            return Err("'from' doesn't support variable expansion, define alias stage instead".into());
        }
        match key.as_str() {
            "type" if !var => {
                let t = val.to_lowercase();
                if !matches!(t.as_str(), "bind" | "cache" | "tmpfs" | "secret" | "ssh") {
                    return Err(format!("unsupported mount type {}", go_quote(val)));
                }
                ty = t;
            }
            "from" => from = true,
            "source" | "src" => source = true,
            "target" | "dst" | "destination" => target = true,
            "id" => id = true,
            "readonly" | "ro" | "readwrite" | "rw" if !var && go_bool(val).is_none() => {
                return Err(format!("invalid value for {key}: {val}"));
            }
            "required" if ty != "secret" && ty != "ssh" => {
                return Err(format!("unexpected key 'required' for mount type '{ty}'"));
            }
            "required" if !var && go_bool(val).is_none() => {
                return Err(format!("invalid value for {key}: {val}"));
            }
            "sharing" => {
                if !var && !matches!(val.to_lowercase().as_str(), "shared" | "private" | "locked") {
                    return Err(format!("unsupported sharing value {}", go_quote(val)));
                }
                sharing = true;
            }
            "mode" | "uid" | "gid" => {
                let radix = if key == "mode" { 8 } else { 10 };
                if !var && u32::from_str_radix(val, radix).is_err() {
                    return Err(format!("invalid value {val} for {key}"));
                }
                file_info.get_or_insert(key.clone());
            }
            "type" | "readonly" | "ro" | "readwrite" | "rw" | "required" | "size" | "env" => {}
            _ => return Err(format!("unexpected key '{key}' in '{field}'")),
        }
    }
    let file_ok = matches!(ty.as_str(), "secret" | "ssh" | "cache");
    if let Some(k) = file_info.filter(|_| !file_ok) {
        return Err(format!("{k} not allowed for {} type mounts", go_quote(&ty)));
    }
    if sharing && ty != "cache" {
        return Err(format!("invalid cache sharing set for {ty} mount"));
    }
    if ty == "secret" {
        if from {
            return Err("secret mount should not have a from".into());
        }
        if sharing {
            return Err("secret mount should not define sharing".into());
        }
        if !source && !target && !id {
            return Err("invalid secret mount. one of source, target required".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts() {
        assert!(check_mount("type=cache,target=/root/.cache").is_ok());
        assert!(check_mount("type=secret,id=npmrc,required").is_ok());
        assert!(check_mount("target=/x,ro").is_ok());
        assert!(check_mount("type=cach,target=/x").is_err());
        assert!(check_mount("type=bind,target").is_err());
        assert!(check_mount("type=bind,bogus=1").is_err());
        assert!(check_mount("type=bind,mode=0755").is_err());
        assert!(check_mount("type=cache,sharing=maybe").is_err());
        assert!(check_mount("").is_err());
        assert!(check_mount("type=bind,\"target=/a,b\"").is_ok());
        assert!(check_mount("type=\"bind\"").is_err());
        assert!(check_mount("target=/a\"b").is_err());
    }
}
