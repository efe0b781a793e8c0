//! The user a step runs as, from the stage's `user` (`name`, `uid`, `name:group`, `uid:gid`)
//! looked up in the root file system's `/etc/passwd` and `/etc/group`, as BuildKit does: a
//! numeric user need not exist (group 0 then); a name must; without an explicit group the user's
//! primary group and every group listing it. The group the step runs with is always the first
//! supplementary group too (BuildKit's `ensureAdditionalGids`; `id` prints it under `groups=`).
//!
//! Plain text in, numbers out; the caller reads the files.

/// The ids a step runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
}

/// Resolves `spec` with the contents of `/etc/passwd` and `/etc/group` (empty when absent).
pub fn resolve(spec: &str, passwd: &str, group: &str) -> Result<Ids, String> {
    let (user, explicit_group) = match spec.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (spec, None),
    };
    let users: Vec<Vec<&str>> =
        passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).filter(|f| f.len() >= 4).collect();
    let groups: Vec<Vec<&str>> =
        group.lines().map(|l| l.split(':').collect::<Vec<_>>()).filter(|f| f.len() >= 3).collect();
    let found = users.iter().find(|f| f[0] == user || (user.parse::<u32>().is_ok() && f[2] == user));
    let (uid, primary, name) = match (user.parse::<u32>(), found) {
        (_, Some(f)) => (f[2].parse().map_err(|_| bad(spec))?, f[3].parse().map_err(|_| bad(spec))?, f[0]),
        (Ok(uid), None) => (uid, 0, ""),
        (Err(_), None) if user.is_empty() => (0, 0, "root"),
        (Err(_), None) => return Err(format!("unable to find user {user}: no matching entries in passwd file")),
    };
    let gid = match explicit_group {
        Some(group_spec) => match groups.iter().find(|f| f[0] == group_spec) {
            Some(f) => f[2].parse().map_err(|_| bad(spec))?,
            None => group_spec
                .parse()
                .map_err(|_| format!("unable to find group {group_spec}: no matching entries in group file"))?,
        },
        None => primary,
    };
    let mut additional_gids = vec![gid];
    if explicit_group.is_none() && !name.is_empty() {
        for f in &groups {
            let members = f.get(3).copied().unwrap_or_default();
            if members.split(',').any(|m| m == name)
                && let Ok(g) = f[2].parse::<u32>()
                && g != gid
                && !additional_gids.contains(&g)
            {
                additional_gids.push(g);
            }
        }
    }
    Ok(Ids { uid, gid, additional_gids })
}

fn bad(spec: &str) -> String {
    format!("the user `{spec}` has a malformed entry in /etc/passwd or /etc/group")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nweb:x:10001:10001::/home/web:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nweb:x:10001:\nstaff:x:50:web,other\n";

    #[test]
    fn names_and_numbers_resolve_as_buildkit_resolves_them() {
        let ids = |spec| resolve(spec, PASSWD, GROUP);
        assert_eq!(ids("web"), Ok(Ids { uid: 10001, gid: 10001, additional_gids: vec![10001, 50] }));
        assert_eq!(ids("10001"), Ok(Ids { uid: 10001, gid: 10001, additional_gids: vec![10001, 50] }));
        assert_eq!(ids("4242"), Ok(Ids { uid: 4242, gid: 0, additional_gids: vec![0] }));
        assert_eq!(ids("web:staff"), Ok(Ids { uid: 10001, gid: 50, additional_gids: vec![50] }));
        assert_eq!(ids("1:2"), Ok(Ids { uid: 1, gid: 2, additional_gids: vec![2] }));
        assert_eq!(ids(""), Ok(Ids { uid: 0, gid: 0, additional_gids: vec![0] }));
        assert!(ids("nobody").is_err_and(|e| e.contains("unable to find user nobody")));
        assert!(ids("web:nogroup").is_err_and(|e| e.contains("unable to find group nogroup")));
    }
}
