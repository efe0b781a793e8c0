//! The OCI runtime spec (`config.json`) of a step's container, as BuildKit's runc executor makes
//! it: own mount, pid, ipc and uts namespaces (and network, for `network none`), `/proc`, a
//! minimal `/dev`, read-only `/sys`, Docker's default capabilities, `/etc/hosts` and
//! `/etc/resolv.conf` bound in, the step's user, directory, environment and command.
//!
//! Data in, a spec out: no IO.

use super::user::Ids;
use oci_spec::runtime::{
    Capability, Linux, LinuxCapabilitiesBuilder, LinuxDevice, LinuxNamespace, LinuxNamespaceBuilder,
    LinuxNamespaceType, Mount, MountBuilder, ProcessBuilder, RootBuilder, Spec, UserBuilder, get_default_mounts,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The host name a step sees, BuildKit's: scripts that print it behave the same.
pub const HOSTNAME: &str = "buildkitsandbox";

/// `/etc/hosts` as BuildKit writes it.
pub fn hosts_file() -> String {
    format!("127.0.0.1\tlocalhost {HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n")
}

/// What a container needs besides its root.
pub struct Container<'a> {
    pub root: &'a Path,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub ids: Ids,
    /// Its own, empty network namespace (`network none`) instead of the host's.
    pub network_none: bool,
    /// `security insecure`: the capabilities of this mask (the host's bounding set: bit N is
    /// capability N) and a writable `/sys`, as BuildKit's privileged mode.
    pub privileged: Option<u64>,
    pub hosts: &'a Path,
    pub resolv_conf: &'a Path,
    /// The step's own mounts (cache, secret, tmpfs, bind, ssh, CDI devices').
    pub mounts: Vec<Mount>,
    /// CDI device nodes.
    pub devices: Vec<LinuxDevice>,
}

/// Docker's (and BuildKit's) default capabilities.
const CAPABILITIES: [Capability; 14] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

/// Every capability, in the kernel's order (bit N is capability N), for `security insecure`.
const ALL_CAPABILITIES: [Capability; 41] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::DacReadSearch,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setpcap,
    Capability::LinuxImmutable,
    Capability::NetBindService,
    Capability::NetBroadcast,
    Capability::NetAdmin,
    Capability::NetRaw,
    Capability::IpcLock,
    Capability::IpcOwner,
    Capability::SysModule,
    Capability::SysRawio,
    Capability::SysChroot,
    Capability::SysPtrace,
    Capability::SysPacct,
    Capability::SysAdmin,
    Capability::SysBoot,
    Capability::SysNice,
    Capability::SysResource,
    Capability::SysTime,
    Capability::SysTtyConfig,
    Capability::Mknod,
    Capability::Lease,
    Capability::AuditWrite,
    Capability::AuditControl,
    Capability::Setfcap,
    Capability::MacOverride,
    Capability::MacAdmin,
    Capability::Syslog,
    Capability::WakeAlarm,
    Capability::BlockSuspend,
    Capability::AuditRead,
    Capability::Perfmon,
    Capability::Bpf,
    Capability::CheckpointRestore,
];

/// A bind mount of `source` at `destination`.
pub fn bind(source: &Path, destination: &str, read_only: bool) -> Result<Mount, String> {
    let mut options = vec!["rbind".to_string(), "nosuid".to_string(), "nodev".to_string()];
    options.push(if read_only { "ro" } else { "rw" }.to_string());
    MountBuilder::default()
        .destination(PathBuf::from(destination))
        .typ("bind")
        .source(source.to_path_buf())
        .options(options)
        .build()
        .map_err(|e| e.to_string())
}

/// A tmpfs at `destination`.
pub fn tmpfs(destination: &str, options: Vec<String>) -> Result<Mount, String> {
    MountBuilder::default()
        .destination(PathBuf::from(destination))
        .typ("tmpfs")
        .source(PathBuf::from("tmpfs"))
        .options(options)
        .build()
        .map_err(|e| e.to_string())
}

pub fn spec(container: Container) -> Result<Spec, String> {
    let err = |e: oci_spec::OciSpecError| e.to_string();
    let caps: HashSet<Capability> = if let Some(mask) = container.privileged {
        ALL_CAPABILITIES.into_iter().enumerate().filter(|(bit, _)| mask & (1 << bit) != 0).map(|(_, c)| c).collect()
    } else {
        CAPABILITIES.into_iter().collect()
    };
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .build()
        .map_err(err)?;
    let user = UserBuilder::default()
        .uid(container.ids.uid)
        .gid(container.ids.gid)
        .additional_gids(container.ids.additional_gids.clone())
        .build()
        .map_err(err)?;
    let process = ProcessBuilder::default()
        .terminal(false)
        .user(user)
        .args(container.args)
        .env(container.env)
        .cwd(PathBuf::from(container.cwd))
        .capabilities(capabilities)
        .no_new_privileges(false)
        .build()
        .map_err(err)?;
    let root = RootBuilder::default().path(container.root.to_path_buf()).readonly(false).build().map_err(err)?;
    let mut mounts: Vec<Mount> =
        get_default_mounts().into_iter().filter(|m| m.destination() != Path::new("/sys/fs/cgroup")).collect();
    if container.privileged.is_some() {
        for mount in mounts.iter_mut().filter(|m| m.destination() == Path::new("/sys")) {
            let options = mount.options().clone().unwrap_or_default();
            mount.set_options(Some(options.into_iter().map(|o| if o == "ro" { "rw".into() } else { o }).collect()));
        }
    }
    mounts.push(bind(container.hosts, "/etc/hosts", true)?);
    mounts.push(bind(container.resolv_conf, "/etc/resolv.conf", true)?);
    mounts.extend(container.mounts);
    let mut kinds = vec![LinuxNamespaceType::Pid, LinuxNamespaceType::Ipc, LinuxNamespaceType::Uts];
    kinds.push(LinuxNamespaceType::Mount);
    if container.network_none {
        kinds.push(LinuxNamespaceType::Network);
    }
    let namespaces: Vec<LinuxNamespace> = kinds
        .into_iter()
        .map(|typ| LinuxNamespaceBuilder::default().typ(typ).build())
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let mut spec = Spec::default();
    spec.set_process(Some(process));
    spec.set_root(Some(root));
    spec.set_hostname(Some(HOSTNAME.to_string()));
    spec.set_mounts(Some(mounts));
    let mut linux = Linux::default();
    linux.set_namespaces(Some(namespaces));
    if !container.devices.is_empty() {
        linux.set_devices(Some(container.devices));
    }
    spec.set_linux(Some(linux));
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_isolates_like_buildkit_and_shares_the_host_network_by_default() {
        let ids = Ids { uid: 10001, gid: 10001, additional_gids: vec![50] };
        let container = |network_none| Container {
            root: Path::new("/r"),
            args: vec!["/bin/sh".into(), "-c".into(), "true".into()],
            env: vec!["PATH=/bin".into()],
            cwd: "/app".into(),
            ids: ids.clone(),
            network_none,
            privileged: None,
            hosts: Path::new("/h"),
            resolv_conf: Path::new("/etc/resolv.conf"),
            mounts: Vec::new(),
            devices: Vec::new(),
        };
        let json = serde_json::to_value(spec(container(false)).expect("spec")).expect("json");
        let namespaces: Vec<&str> =
            json["linux"]["namespaces"].as_array().expect("list").iter().filter_map(|n| n["type"].as_str()).collect();
        assert_eq!(namespaces, ["pid", "ipc", "uts", "mount"]);
        assert_eq!(json["process"]["user"]["uid"], 10001);
        assert_eq!(json["process"]["user"]["additionalGids"][0], 50);
        assert_eq!(json["process"]["cwd"], "/app");
        assert_eq!(json["hostname"], HOSTNAME);
        let destinations: Vec<&str> =
            json["mounts"].as_array().expect("mounts").iter().filter_map(|m| m["destination"].as_str()).collect();
        for expected in ["/proc", "/dev", "/sys", "/etc/hosts", "/etc/resolv.conf"] {
            assert!(destinations.contains(&expected), "{expected} in {destinations:?}");
        }
        assert!(json["process"]["capabilities"]["bounding"].as_array().expect("caps").len() == 14);
        let none = serde_json::to_value(spec(container(true)).expect("spec")).expect("json");
        assert!(none["linux"]["namespaces"].as_array().expect("list").iter().any(|n| n["type"] == "network"));
    }
}
