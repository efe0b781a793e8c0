//! Target platforms: `os/arch[/variant]` as Go names them.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `linux/amd64`, `linux/arm64/v8`, …
    pub fn parse(text: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: None })
            }
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: Some(variant.to_string()) })
            }
            _ => Err(format!("`{text}` is not a platform: write OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64")),
        }
    }

    /// The machine imgc runs on, in Go's names.
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "arm" => "arm",
            other => other,
        };
        Platform { os: "linux".to_string(), architecture: architecture.to_string(), variant: None }
    }

    /// Whether an image for `os/architecture[/variant]` runs here. A variant is only compared
    /// when both sides name one.
    pub fn accepts(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        self.os == os
            && self.architecture == architecture
            && match (&self.variant, variant) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            }
    }
}

/// The values builders give the automatic platform arguments (`TARGETPLATFORM`, `TARGETARCH`,
/// `BUILDPLATFORM`, …) in a build for `target` on `build`.
pub fn automatic_args(target: &Platform, build: &Platform) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (prefix, platform) in [("TARGET", target), ("BUILD", build)] {
        out.push((format!("{prefix}PLATFORM"), platform.to_string()));
        out.push((format!("{prefix}OS"), platform.os.clone()));
        out.push((format!("{prefix}ARCH"), platform.architecture.clone()));
        out.push((format!("{prefix}VARIANT"), platform.variant.clone().unwrap_or_default()));
    }
    out
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_match() {
        let arm = Platform::parse("linux/arm64/v8").expect("valid");
        assert_eq!(arm.to_string(), "linux/arm64/v8");
        assert!(arm.accepts("linux", "arm64", None));
        assert!(!arm.accepts("linux", "arm64", Some("v7")));
        assert!(!arm.accepts("linux", "amd64", None));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux//").is_err());
    }

    #[test]
    fn automatic_arguments_name_the_target_and_the_build_platform() {
        let target = Platform::parse("linux/arm64/v8").expect("valid");
        let build = Platform::parse("linux/amd64").expect("valid");
        let args = automatic_args(&target, &build);
        let value = |name: &str| args.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(value("TARGETPLATFORM"), Some("linux/arm64/v8"));
        assert_eq!(value("TARGETARCH"), Some("arm64"));
        assert_eq!(value("TARGETVARIANT"), Some("v8"));
        assert_eq!(value("BUILDPLATFORM"), Some("linux/amd64"));
        assert_eq!(value("BUILDVARIANT"), Some(""));
        let names: Vec<&str> = args.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), imgc_core::literals::AUTOMATIC_ARGS.len());
        assert!(imgc_core::literals::AUTOMATIC_ARGS.iter().all(|a| names.contains(a)));
    }
}
