//! A copy's `chmod`: an octal mode (`"755"`) that replaces each entry's mode, or a symbolic one
//! (`"u+x,g-w"`, `"a=rX"`) applied to each entry's own mode as chmod(1) applies it, with no
//! umask (who-less clauses mean `a`).
//!
//! Pure: modes in, modes out.

/// A parsed `chmod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chmod {
    Octal(u32),
    Symbolic(Vec<Clause>),
}

/// `[ugoa]*` then one or more `[+-=]` operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The permission bits the clause may touch (`u` → `0o4700`, …).
    who: u32,
    ops: Vec<(char, Perms)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Perms {
    /// `rwxXst` letters.
    Letters(String),
    /// `u`, `g` or `o`: a copy of that class's current bits.
    Copy(char),
}

impl Chmod {
    /// Parses an octal or symbolic mode; `None` when it is neither.
    pub fn parse(text: &str) -> Option<Chmod> {
        if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
            return u32::from_str_radix(text, 8).ok().filter(|m| *m <= 0o7777).map(Chmod::Octal);
        }
        text.split(',').map(parse_clause).collect::<Option<Vec<_>>>().map(Chmod::Symbolic)
    }

    /// The mode an entry gets, from its mode before the copy.
    pub fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        let clauses = match self {
            Chmod::Octal(octal) => return *octal,
            Chmod::Symbolic(clauses) => clauses,
        };
        let mut mode = mode & 0o7777;
        for clause in clauses {
            for (op, perms) in &clause.ops {
                let bits = match perms {
                    Perms::Letters(letters) => letter_bits(letters, mode, is_dir),
                    Perms::Copy(class) => copied_bits(*class, mode),
                } & clause.who;
                match op {
                    '+' => mode |= bits,
                    '-' => mode &= !bits,
                    // `=` clears the classes named (their special bits but a directory's
                    // set-id bits, as chmod(1) keeps them) and sets what is given.
                    _ => {
                        let keep_setid = if is_dir { 0o6000 } else { 0 };
                        mode = (mode & !(clause.who & !keep_setid)) | bits;
                    }
                }
            }
        }
        mode
    }
}

fn parse_clause(text: &str) -> Option<Clause> {
    let who_len = text.chars().take_while(|c| "ugoa".contains(*c)).count();
    let (who_text, mut rest) = text.split_at(who_len);
    let mut who = 0;
    for c in who_text.chars() {
        who |= match c {
            'u' => 0o4700,
            'g' => 0o2070,
            'o' => 0o1007,
            _ => 0o7777,
        };
    }
    if who == 0 {
        who = 0o7777;
    }
    let mut ops = Vec::new();
    while let Some(op) = rest.chars().next().filter(|c| "+-=".contains(*c)) {
        rest = &rest[1..];
        let len = rest.chars().take_while(|c| !"+-=".contains(*c)).count();
        let (perms, after) = rest.split_at(len);
        rest = after;
        let perms = match perms {
            "u" | "g" | "o" => Perms::Copy(perms.chars().next()?),
            _ if perms.chars().all(|c| "rwxXst".contains(c)) => Perms::Letters(perms.to_string()),
            _ => return None,
        };
        ops.push((op, perms));
    }
    (rest.is_empty() && !ops.is_empty()).then_some(Clause { who, ops })
}

/// The bits `rwxXst` stand for in every class (the clause's `who` narrows them).
fn letter_bits(letters: &str, mode: u32, is_dir: bool) -> u32 {
    letters.chars().fold(0, |bits, c| {
        bits | match c {
            'r' => 0o444,
            'w' => 0o222,
            'x' => 0o111,
            'X' if is_dir || mode & 0o111 != 0 => 0o111,
            's' => 0o6000,
            't' => 0o1000,
            _ => 0,
        }
    })
}

/// A class's `rwx` bits copied into every class.
fn copied_bits(class: char, mode: u32) -> u32 {
    let three = match class {
        'u' => (mode >> 6) & 0o7,
        'g' => (mode >> 3) & 0o7,
        _ => mode & 0o7,
    };
    three << 6 | three << 3 | three
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbolic(text: &str, mode: u32, is_dir: bool) -> u32 {
        Chmod::parse(text).unwrap_or_else(|| panic!("`{text}` parses")).apply(mode, is_dir)
    }

    #[test]
    fn octal_modes_replace_the_mode() {
        assert_eq!(Chmod::parse("755"), Some(Chmod::Octal(0o755)));
        assert_eq!(Chmod::parse("0644").map(|c| c.apply(0o777, false)), Some(0o644));
        assert_eq!(Chmod::parse("17777"), None);
        assert_eq!(Chmod::parse("8"), None);
    }

    /// Each expectation is what GNU chmod gives with umask 0.
    #[test]
    fn symbolic_modes_change_each_entrys_own_mode() {
        assert_eq!(symbolic("u+x,g-w", 0o664, false), 0o744);
        assert_eq!(symbolic("+x", 0o644, false), 0o755);
        assert_eq!(symbolic("a=rX", 0o640, false), 0o444);
        assert_eq!(symbolic("a=rX", 0o700, true), 0o555);
        assert_eq!(symbolic("a=rX", 0o744, false), 0o555);
        assert_eq!(symbolic("go-rwx", 0o755, true), 0o700);
        assert_eq!(symbolic("u=rw,go=r", 0o777, false), 0o644);
        assert_eq!(symbolic("g=u", 0o750, false), 0o770);
        assert_eq!(symbolic("u+s,o+t", 0o755, true), 0o5755);
        assert_eq!(symbolic("u+x-w", 0o644, false), 0o544);
        assert_eq!(symbolic("o=", 0o757, false), 0o750);
    }

    #[test]
    fn malformed_modes_are_refused() {
        for text in ["", "u", "u+q", "x+r", "u+x,", "+x=y"] {
            assert_eq!(Chmod::parse(text), None, "{text}");
        }
    }
}
