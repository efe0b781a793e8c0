//! [`Str`], the text type of the syntax tree: a piece of the parsed file, shared with every other
//! piece of it, or text the parser made (joined continuation lines, decoded JSON strings), so that
//! an instruction costs no allocation per keyword, argument or flag. Depends on nothing else of
//! the parser.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Immutable text that dereferences to `str`; cloning it copies no text. Compares, hashes,
/// prints and debug-prints as its text does.
#[derive(Clone)]
pub struct Str(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    /// `text[start..end]`, on character boundaries.
    Shared {
        text: Arc<str>,
        start: usize,
        end: usize,
    },
}

impl Str {
    /// A whole shared text.
    pub(crate) fn shared(text: Arc<str>) -> Self {
        let end = text.len();
        Self(Repr::Shared { text, start: 0, end })
    }

    /// Text that lives for the whole program.
    pub const fn from_static(text: &'static str) -> Self {
        Self(Repr::Static(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(text) => text,
            Repr::Shared { text, start, end } => text.get(*start..*end).unwrap_or_default(),
        }
    }

    /// The piece `range` of this text (byte offsets on character boundaries), sharing it.
    pub(crate) fn slice(&self, range: Range<usize>) -> Self {
        match &self.0 {
            Repr::Static(text) => Self(Repr::Static(text.get(range).unwrap_or_default())),
            Repr::Shared { text, start, end } => {
                let from = (start + range.start).min(*end);
                let to = (start + range.end).clamp(from, *end);
                Self(Repr::Shared { text: Arc::clone(text), start: from, end: to })
            }
        }
    }
}

impl Default for Str {
    fn default() -> Self {
        Self::from_static("")
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Str {
    fn from(text: &str) -> Self {
        Self::shared(Arc::from(text))
    }
}

impl From<String> for Str {
    fn from(text: String) -> Self {
        Self::shared(Arc::from(text))
    }
}

impl From<Str> for String {
    fn from(text: Str) -> Self {
        text.as_str().to_string()
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl Hash for Str {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Str {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<Str> for $other {
            fn eq(&self, other: &Str) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
eq_with!(str, &str, String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_share_and_compare_as_text() {
        let whole = Str::shared(Arc::from("FROM alpine"));
        let image = whole.slice(5..11);
        assert_eq!(image, "alpine");
        assert_eq!(image.slice(1..3), "lp");
        assert_eq!(whole.slice(0..4), Str::from("FROM"));
        assert_eq!(format!("{image:?} {image}"), "\"alpine\" alpine");
        assert_eq!(whole.slice(9..40), "ne");
        assert_eq!(Str::from_static("run").slice(1..2), "u");
        assert_eq!(String::from(image), "alpine");
    }
}
