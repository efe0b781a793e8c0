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
}
