//! Archives an `add` unpacks, as Docker's builders do: a tar file, plain or compressed with
//! gzip, bzip2, xz or zstd, recognised by its bytes (not its name). Its entries become tree
//! nodes (owners, modes, links as the archive has them), file contents written under a
//! scratch folder. A compressed file that is not a tar is no archive: it is copied as it is.
//!
//! bzip2 and xz are read through the `bzip2` and `xz` commands (Debian's `bzip2` and
//! `xz-utils`); gzip and zstd in process.

use super::tree::{Content, Kind, Node};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The decompressed bytes of `path`, and the child process reading them, if any.
fn open(path: &Path) -> io::Result<(Box<dyn Read>, Option<Child>)> {
    let mut reader = BufReader::new(File::open(path)?);
    let head = reader.fill_buf()?.to_vec();
    let external = |program: &str| -> io::Result<(Box<dyn Read>, Option<Child>)> {
        let mut child = Command::new(program)
            .arg("-dc")
            .stdin(File::open(path)?)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::other(format!("cannot run `{program}` to read `{}`: {e}", path.display())))?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no output"))?;
        Ok((Box::new(stdout), Some(child)))
    };
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        (Box::new(flate2::bufread::MultiGzDecoder::new(reader)), None)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        (Box::new(zstd::Decoder::with_buffer(reader)?), None)
    } else if head.starts_with(b"BZh") {
        external("bzip2")?
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        external("xz")?
    } else {
        (Box::new(reader), None)
    })
}

/// Whether `path` is a tar archive (compressed or not).
pub fn is_archive(path: &Path) -> bool {
    let Ok((mut reader, child)) = open(path) else { return false };
    let mut block = [0u8; 512];
    let read = reader.read_exact(&mut block).is_ok();
    drop(reader);
    if let Some(mut child) = child {
        let _ = child.kill();
        let _ = child.wait();
    }
    read && is_tar_header(&block)
}

/// A tar header: `ustar` magic, or a valid checksum (old v7 archives).
fn is_tar_header(block: &[u8; 512]) -> bool {
    if &block[257..262] == b"ustar" {
        return true;
    }
    let stored = std::str::from_utf8(&block[148..156])
        .ok()
        .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|s| u32::from_str_radix(s, 8).ok());
    let sum: u32 =
        block.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { u32::from(b) }).sum();
    block[0] != 0 && stored == Some(sum)
}

/// The entries of the archive at `path`: relative paths (cleaned, never leaving the root) and
/// nodes; file contents written under `scratch`. Devices and fifos are left out.
pub fn unpack(path: &Path, scratch: &Path) -> Result<Vec<(String, Node)>, String> {
    let what = |e: io::Error| format!("cannot unpack `{}`: {e}", path.display());
    std::fs::create_dir_all(scratch).map_err(what)?;
    let (reader, child) = open(path).map_err(what)?;
    let mut archive = tar::Archive::new(reader);
    let mut nodes = Vec::new();
    for (n, entry) in archive.entries().map_err(what)?.enumerate() {
        let mut entry = entry.map_err(what)?;
        let name = clean(&entry.path().map_err(what)?.to_string_lossy());
        let Some(name) = name else { continue };
        let header = entry.header();
        let mode = header.mode().map_err(what)? & 0o7777;
        let (uid, gid) = (header.uid().map_err(what)?, header.gid().map_err(what)?);
        let attrs = crate::tree::Attrs { mtime: header.mtime().ok(), xattrs: Default::default() };
        let link = entry.link_name().map_err(what)?.map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let kind = match header.entry_type() {
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => Kind::Symlink(link),
            tar::EntryType::Link => match clean(&link) {
                Some(target) => Kind::Link(target),
                None => continue,
            },
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let target = scratch.join(n.to_string());
                let mut out = File::create(&target).map_err(what)?;
                let size = io::copy(&mut entry, &mut out).map_err(what)?;
                Kind::File { content: Content::Disk(target), size }
            }
            _ => continue,
        };
        nodes.push((name, Node { kind, mode, uid, gid, attrs }));
    }
    // The rest of the stream too (a tar's padding after its end blocks): a decompressor whose
    // reader went away fails writing it.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(what)?;
    if let Some(mut child) = child {
        let status = child.wait().map_err(what)?;
        if !status.success() {
            return Err(format!("cannot unpack `{}`: decompression failed", path.display()));
        }
    }
    Ok(nodes)
}

/// An entry's path made relative and clean; `None` for the root or a path leaving it.
fn clean(path: &str) -> Option<String> {
    let cleaned = super::dockerignore::clean(&format!("/{path}"));
    let relative = cleaned.trim_start_matches('/');
    (!relative.is_empty() && !relative.split('/').any(|p| p == "..")).then(|| relative.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_bytes() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o750);
        header.set_uid(7);
        header.set_gid(8);
        header.set_size(0);
        builder.append_data(&mut header, "pkg/", io::empty()).expect("dir");
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o755);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(2);
        builder.append_data(&mut header, "pkg/run.sh", &b"hi"[..]).expect("file");
        // The tar crate refuses to write `..`: the name set by hand.
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.as_old_mut().name[..12].copy_from_slice(b"../../escape");
        header.set_cksum();
        builder.append(&header, &b"x"[..]).expect("file");
        builder.into_inner().expect("tar")
    }

    #[test]
    fn tars_plain_and_compressed_are_unpacked_other_files_are_not_archives() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = dir.path().join("a.tar");
        std::fs::write(&plain, tar_bytes()).expect("write");
        let gz = dir.path().join("a.tgz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&gz).expect("create"), flate2::Compression::fast());
        io::Write::write_all(&mut encoder, &tar_bytes()).expect("gzip");
        encoder.finish().expect("gzip");
        let zst = dir.path().join("a.tar.zst");
        std::fs::write(&zst, zstd::encode_all(&tar_bytes()[..], 3).expect("zstd")).expect("write");
        let not_tar = dir.path().join("notes.gz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&not_tar).expect("create"), flate2::Compression::fast());
        io::Write::write_all(&mut encoder, &[b'x'; 600]).expect("gzip");
        encoder.finish().expect("gzip");
        std::fs::write(dir.path().join("short"), "hi").expect("write");
        for (n, archive) in [&plain, &gz, &zst].into_iter().enumerate() {
            assert!(is_archive(archive), "{}", archive.display());
            let nodes = unpack(archive, &dir.path().join(format!("out-{n}"))).expect("unpacks");
            let names: Vec<&str> = nodes.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(names, ["pkg", "pkg/run.sh", "escape"], "`..` cannot climb above the destination");
            assert_eq!((nodes[0].1.mode, nodes[0].1.uid, nodes[0].1.gid), (0o750, 7, 8));
            assert!(matches!(nodes[1].1.kind, Kind::File { size: 2, .. }));
        }
        assert!(!is_archive(&not_tar), "a gzip file that is no tar is copied as it is");
        assert!(!is_archive(&dir.path().join("short")));
    }

    #[test]
    fn an_archive_read_through_a_decompressor_is_read_to_its_end() {
        // Past a tar's end blocks comes padding (GNU tar pads to 10 KiB records); more of it than
        // a pipe holds, so the decompressor is still writing when the entries are read.
        let dir = tempfile::tempdir().expect("temp dir");
        let mut padded = tar_bytes();
        padded.resize(padded.len() + (1 << 20), 0);
        for (program, name) in [("bzip2", "a.tar.bz2"), ("xz", "a.tar.xz")] {
            let mut child = Command::new(program)
                .arg("-c")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("compressor");
            let mut stdin = child.stdin.take().expect("stdin");
            let input = padded.clone();
            let writer = std::thread::spawn(move || io::Write::write_all(&mut stdin, &input));
            let compressed = child.wait_with_output().expect("compressed").stdout;
            writer.join().expect("writer").expect("written");
            let archive = dir.path().join(name);
            std::fs::write(&archive, compressed).expect("write");
            let nodes = unpack(&archive, &dir.path().join(format!("out-{program}"))).expect("unpacks");
            assert_eq!(nodes.len(), 3, "{program}");
        }
    }
}
