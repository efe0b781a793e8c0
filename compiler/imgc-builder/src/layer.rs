//! Writing a layer: a tar stream of a change set, deterministic, compressed, hashed on the way.
//!
//! Entries are in path order (a directory before its contents), every time is the build's epoch,
//! owners are numeric with no names, no access or change times are written. One pass: the tar
//! bytes are hashed (the diff_id) as they go into the compressor, whose output is hashed (the
//! digest) and counted as it goes to the file.

pub use super::compress::Compression;
use super::compress::compress;
use super::digest::HashWriter;
use super::tree::{Content, Kind, Node, Tree, base_name, join, parent};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// A layer as it will be written: what it adds or replaces, and what it hides below it.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub entries: Tree,
    /// Paths of lower layers this layer removes (written as `.wh.` files).
    pub whiteouts: BTreeSet<String>,
}

impl Changes {
    /// The bytes of file contents the layer holds.
    pub fn content_size(&self) -> u64 {
        self.entries.iter().map(|(_, node)| if let Kind::File { size, .. } = node.kind { size } else { 0 }).sum()
    }
}

/// A written layer blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBlob {
    /// Of the uncompressed tar.
    pub diff_id: String,
    /// Of the compressed blob.
    pub digest: String,
    pub size: u64,
}

/// Writes `changes` to `path` as a compressed tar, times clamped to `epoch`; `progress` is
/// told the size of each file written. The tar stream is made (and hashed) on this thread and
/// compressed on every core ([`compress`]) a few chunks behind, then hashed, so memory stays flat.
pub fn write(
    changes: &Changes,
    path: &Path,
    compression: Compression,
    epoch: u64,
    progress: &dyn Fn(u64),
) -> io::Result<LayerBlob> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    let compressor = std::thread::spawn(move || -> io::Result<(String, u64)> {
        let mut out = HashWriter::new(file);
        compress(receiver, &mut out, compression)?;
        let (file, digest, size) = out.finish();
        file.into_inner().map_err(|e| e.into_error())?;
        Ok((digest, size))
    });
    let mut builder = tar::Builder::new(HashWriter::new(Pipe { sender: Some(sender), buffer: Vec::new() }));
    let tar_result = write_entries(&mut builder, changes, epoch, progress).and_then(|()| builder.into_inner());
    let diff_id = tar_result.and_then(|stream| {
        let (mut pipe, diff_id, _) = stream.finish();
        pipe.close()?;
        Ok(diff_id)
    });
    let compressed = compressor.join().map_err(|_| io::Error::other("the compression thread failed"))?;
    // The compressor's error explains a closed pipe better than the pipe's own.
    let (digest, size) = compressed?;
    Ok(LayerBlob { diff_id: diff_id?, digest, size })
}

/// Bytes sent to the compression thread in chunks of exactly `CHUNK` bytes (the last one less).
struct Pipe {
    sender: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 1 << 20;

impl Pipe {
    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        match &self.sender {
            Some(sender) if !chunk.is_empty() => {
                sender.send(chunk).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the compressor stopped"))
            }
            _ => Ok(()),
        }
    }

    /// Sends what is left and ends the stream.
    fn close(&mut self) -> io::Result<()> {
        let sent = self.send();
        self.sender = None;
        sent
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            let take = (CHUNK - self.buffer.len()).min(rest.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buffer.len() == CHUNK {
                self.send()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The entries in path order, each whiteout just before the entry (if any) that replaces it.
fn write_entries<W: Write>(
    builder: &mut tar::Builder<W>,
    changes: &Changes,
    epoch: u64,
    progress: &dyn Fn(u64),
) -> io::Result<()> {
    let mut whiteouts = changes.whiteouts.iter().peekable();
    for (path, node) in changes.entries.iter() {
        while let Some(hidden) = whiteouts.next_if(|w| w.as_str() <= path.as_str()) {
            whiteout(builder, hidden, epoch)?;
        }
        if !node.attrs.xattrs.is_empty() {
            let records = node.attrs.xattrs.iter().map(|(name, value)| (format!("SCHILY.xattr.{name}"), value));
            let records: Vec<(String, &Vec<u8>)> = records.collect();
            builder.append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), v.as_slice())))?;
        }
        let mtime = node.attrs.mtime.map_or(epoch, |mtime| mtime.min(epoch));
        entry(builder, path, node, mtime)?;
        if let Kind::File { size, .. } = node.kind {
            progress(size);
        }
    }
    for hidden in whiteouts {
        whiteout(builder, hidden, epoch)?;
    }
    Ok(())
}

fn header(node_mode: u32, uid: u64, gid: u64, epoch: u64, kind: tar::EntryType) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(node_mode & 0o7777);
    header.set_uid(uid);
    header.set_gid(gid);
    header.set_mtime(epoch);
    header.set_size(0);
    header
}

fn whiteout<W: Write>(builder: &mut tar::Builder<W>, hidden: &str, epoch: u64) -> io::Result<()> {
    let path = join(parent(hidden), &format!(".wh.{}", base_name(hidden)));
    let mut header = header(0o644, 0, 0, epoch, tar::EntryType::Regular);
    builder.append_data(&mut header, path, io::empty())
}

fn entry<W: Write>(builder: &mut tar::Builder<W>, path: &str, node: &Node, epoch: u64) -> io::Result<()> {
    match &node.kind {
        Kind::Dir => {
            let mut header = header(node.mode, node.uid, node.gid, epoch, tar::EntryType::Directory);
            builder.append_data(&mut header, format!("{path}/"), io::empty())
        }
        Kind::Symlink(target) => {
            let mut header = header(node.mode, node.uid, node.gid, epoch, tar::EntryType::Symlink);
            builder.append_link(&mut header, path, target)
        }
        Kind::Link(target) => {
            let mut header = header(node.mode, node.uid, node.gid, epoch, tar::EntryType::Link);
            builder.append_link(&mut header, path, target)
        }
        Kind::Fifo => {
            let mut header = header(node.mode, node.uid, node.gid, epoch, tar::EntryType::Fifo);
            builder.append_data(&mut header, path, io::empty())
        }
        Kind::Device { block, major, minor } => {
            let kind = if *block { tar::EntryType::Block } else { tar::EntryType::Char };
            let mut header = header(node.mode, node.uid, node.gid, epoch, kind);
            header.set_device_major(*major)?;
            header.set_device_minor(*minor)?;
            builder.append_data(&mut header, path, io::empty())
        }
        Kind::File { content, size } => {
            let mut header = header(node.mode, node.uid, node.gid, epoch, tar::EntryType::Regular);
            header.set_size(*size);
            match content {
                Content::Disk(source) => {
                    let file = File::open(source)
                        .map_err(|e| io::Error::new(e.kind(), format!("cannot read `{}`: {e}", source.display())))?;
                    builder.append_data(&mut header, path, Exact::new(file, *size, source))
                }
                Content::Bytes(bytes) => builder.append_data(&mut header, path, &bytes[..]),
                Content::Absent => Err(io::Error::other(format!("the contents of `/{path}` were not extracted"))),
            }
        }
    }
}

/// Reads exactly `size` bytes from a file: a file that changed size while the build ran would
/// otherwise corrupt the tar stream.
struct Exact<'a, R> {
    inner: R,
    left: u64,
    path: &'a Path,
}

impl<'a, R: Read> Exact<'a, R> {
    fn new(inner: R, size: u64, path: &'a Path) -> Self {
        Exact { inner, left: size, path }
    }

    fn changed(&self) -> io::Error {
        io::Error::other(format!("`{}` changed while it was being read", self.path.display()))
    }
}

impl<R: Read> Read for Exact<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One more byte means the file grew.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(self.changed()),
            };
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(self.changed());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn file(bytes: &[u8], mode: u32) -> Node {
        Node {
            kind: Kind::File { content: Content::Bytes(Arc::from(bytes)), size: bytes.len() as u64 },
            mode,
            uid: 0,
            gid: 0,
            attrs: Default::default(),
        }
    }

    fn sample() -> Changes {
        let mut changes = Changes::default();
        changes.entries.insert("app".into(), Node::dir(0o755, 0, 0));
        changes.entries.insert("app/run".into(), file(b"#!/bin/sh\necho hi\n", 0o755));
        changes.entries.insert(
            "app/link".into(),
            Node { kind: Kind::Symlink("run".into()), mode: 0o777, uid: 0, gid: 0, attrs: Default::default() },
        );
        changes.entries.insert(
            "app/hard".into(),
            Node { kind: Kind::Link("app/run".into()), mode: 0o755, uid: 0, gid: 0, attrs: Default::default() },
        );
        changes.entries.insert("data".into(), file(b"x", 0o600));
        changes.entries.insert("data".into(), Node { uid: 1000, gid: 1000, ..file(b"x", 0o600) });
        changes.whiteouts.insert("app/old".into());
        changes
    }

    #[test]
    fn layers_are_the_same_bytes_every_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let one = write(&sample(), &dir.path().join("1"), Compression::DEFAULT, 0, &|_| ()).expect("written");
        let two = write(&sample(), &dir.path().join("2"), Compression::DEFAULT, 0, &|_| ()).expect("written");
        assert_eq!(one, two);
        let zstd = write(&sample(), &dir.path().join("3"), Compression::Zstd(3), 0, &|_| ()).expect("written");
        assert_eq!(zstd.diff_id, one.diff_id, "the tar stream does not depend on the compression");
        assert_ne!(zstd.digest, one.digest);
        let bytes = std::fs::read(dir.path().join("1")).expect("read back");
        assert_eq!(one.digest, super::super::digest::sha256_digest(&bytes));
        assert_eq!(one.size, bytes.len() as u64);
    }

    #[test]
    fn entries_are_sorted_numeric_and_timed_at_the_epoch() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("layer");
        write(&sample(), &path, Compression::DEFAULT, 1_700_000_000, &|_| ()).expect("written");
        let decoder = flate2::read::MultiGzDecoder::new(File::open(&path).expect("open"));
        let mut archive = tar::Archive::new(decoder);
        let mut seen = Vec::new();
        for entry in archive.entries().expect("entries") {
            let entry = entry.expect("entry");
            let header = entry.header();
            assert_eq!(header.mtime().expect("mtime"), 1_700_000_000);
            assert_eq!(header.username().expect("utf-8"), Some(""));
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            seen.push((path, header.mode().expect("mode"), header.uid().expect("uid")));
        }
        let paths: Vec<&str> = seen.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, ["app/", "app/hard", "app/link", "app/.wh.old", "app/run", "data"]);
        assert_eq!(seen[4].1, 0o755);
        assert_eq!((seen[5].1, seen[5].2), (0o600, 1000));
    }

    #[test]
    fn large_layers_are_several_gzip_members_that_read_back_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bytes: Vec<u8> = (0..3_500_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let mut changes = Changes::default();
        changes.entries.insert("big".into(), file(&bytes, 0o644));
        let path = dir.path().join("layer");
        let blob = write(&changes, &path, Compression::DEFAULT, 0, &|_| ()).expect("written");
        let compressed = std::fs::read(&path).expect("read");
        let members = compressed.windows(3).filter(|w| w == &[0x1f, 0x8b, 0x08]).count();
        assert!(members >= 4, "{members} members");
        let mut tar_stream = Vec::new();
        flate2::read::MultiGzDecoder::new(&compressed[..]).read_to_end(&mut tar_stream).expect("gunzip");
        assert_eq!(super::super::digest::sha256_digest(&tar_stream), blob.diff_id);
    }

    #[test]
    fn a_file_that_changed_size_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = dir.path().join("grows");
        std::fs::write(&source, b"0123456789").expect("write");
        let mut changes = Changes::default();
        let node = Node {
            kind: Kind::File { content: Content::Disk(source), size: 4 },
            mode: 0o644,
            uid: 0,
            gid: 0,
            attrs: Default::default(),
        };
        changes.entries.insert("f".into(), node);
        let error =
            write(&changes, &dir.path().join("layer"), Compression::DEFAULT, 0, &|_| ()).expect_err("size changed");
        assert!(error.to_string().contains("changed while"), "{error}");
    }
}
