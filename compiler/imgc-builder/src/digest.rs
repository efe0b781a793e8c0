//! SHA-256 digests: hex text, and a writer that hashes and counts what passes through it.

use sha2::{Digest as _, Sha256};
use std::io::{self, Write};

/// `sha256:` followed by 64 lowercase hex digits.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    out
}

/// Whether `digest` is `sha256:` and 64 lowercase hex digits (safe to use as a file name).
pub fn is_sha256(digest: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// Passes writes on to `inner`, hashing and counting them.
pub struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    pub fn new(inner: W) -> Self {
        HashWriter { inner, hasher: Sha256::new(), count: 0 }
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, the digest of everything written and its length.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, format!("sha256:{}", hex(&self.hasher.finalize())), self.count)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_lowercase_hex() {
        assert_eq!(sha256_digest(b"abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(is_sha256(&sha256_digest(b"")));
        assert!(!is_sha256("sha256:../../etc/passwd"));
        assert!(!is_sha256("sha512:00"));
    }

    #[test]
    fn the_writer_hashes_and_counts_what_it_passes_on() {
        let mut writer = HashWriter::new(Vec::new());
        writer.write_all(b"ab").and_then(|()| writer.write_all(b"c")).expect("writes to a Vec");
        let (bytes, digest, count) = writer.finish();
        assert_eq!((bytes.as_slice(), count), (&b"abc"[..], 3));
        assert_eq!(digest, sha256_digest(b"abc"));
    }
}
