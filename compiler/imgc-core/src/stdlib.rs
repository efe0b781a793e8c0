//! The standard library: `.img` modules from the crate's `stdlib/` folder, embedded in the
//! binary so `import std.apt` needs no files on disk.

/// `(module name, source)` for every standard module.
pub const MODULES: &[(&str, &str)] = &[
    ("apt", include_str!("../stdlib/apt.img")),
    ("user", include_str!("../stdlib/user.img")),
    ("log", include_str!("../stdlib/log.img")),
    ("apk", include_str!("../stdlib/apk.img")),
    ("venv", include_str!("../stdlib/venv.img")),
    ("pip", include_str!("../stdlib/pip.img")),
    ("npm", include_str!("../stdlib/npm.img")),
    ("go", include_str!("../stdlib/go.img")),
    ("cargo", include_str!("../stdlib/cargo.img")),
    ("certs", include_str!("../stdlib/certs.img")),
    ("tz", include_str!("../stdlib/tz.img")),
    ("healthcheck", include_str!("../stdlib/healthcheck.img")),
];

/// The source of `std.NAME`.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, source)| *source)
}
