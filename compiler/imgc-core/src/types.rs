//! The types of `.img` values.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Int,
    Bool,
    Path,
    Port,
    Duration,
    /// An image reference (`debian:bookworm-slim`, `scratch`).
    Image,
    Signal,
    Secret,
    List(Box<Type>),
    /// A map from string keys to values of one type.
    Map(Box<Type>),
    /// A stage of this program, as `copy from` and `from` take it.
    Stage,
    /// The element type of an empty list or map: fits any.
    Unknown,
}

impl Type {
    /// Looks up a type by the name written in a program.
    pub fn from_name(name: &str, param: Option<Type>) -> Option<Type> {
        Some(match (name, param) {
            ("string", None) => Type::String,
            ("int", None) => Type::Int,
            ("bool", None) => Type::Bool,
            ("path", None) => Type::Path,
            ("port", None) => Type::Port,
            ("duration", None) => Type::Duration,
            ("image", None) => Type::Image,
            ("signal", None) => Type::Signal,
            ("secret", None) => Type::Secret,
            ("list", Some(inner)) => Type::List(Box::new(inner)),
            ("map", Some(inner)) => Type::Map(Box::new(inner)),
            _ => return None,
        })
    }

    pub const NAMES: &'static str = "string, int, bool, path, port, duration, image, signal, secret, list[T], map[T]";

    /// Whether a value of type `self` can be used where `expected` is wanted.
    /// Strings and paths convert freely; `Unknown` fits anything.
    pub fn fits(&self, expected: &Type) -> bool {
        match (self, expected) {
            (a, b) if a == b => true,
            (Type::Unknown, _) | (_, Type::Unknown) => true,
            (Type::String, Type::Path) | (Type::Path, Type::String) => true,
            (Type::List(a), Type::List(b)) | (Type::Map(a), Type::Map(b)) => a.fits(b),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Int => f.write_str("int"),
            Type::Bool => f.write_str("bool"),
            Type::Path => f.write_str("path"),
            Type::Port => f.write_str("port"),
            Type::Duration => f.write_str("duration"),
            Type::Image => f.write_str("image"),
            Type::Signal => f.write_str("signal"),
            Type::Secret => f.write_str("secret"),
            Type::List(inner) => write!(f, "list[{inner}]"),
            Type::Map(inner) => write!(f, "map[{inner}]"),
            Type::Stage => f.write_str("stage"),
            Type::Unknown => f.write_str("_"),
        }
    }
}
