//! How layers are compressed ([`Compression`]), and compressing a layer's tar stream on every
//! core. The stream arrives in chunks cut at fixed offsets; gzip compresses each chunk as a member
//! of its own ([`MemberEncoder`]) on a pool of workers, which take the next chunk as soon as they
//! finish one, and the members are written in stream order; zstd uses the library's own workers.
//! The bytes written depend only on the stream and the settings, never on the number of threads or
//! their timing. Knows nothing of tar or of hashing.

use super::gzip_member::MemberEncoder;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Condvar, Mutex, PoisonError};

/// How layers are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip at a level 0–9.
    Gzip(u32),
    /// zstd at a level 1–22.
    Zstd(i32),
}

impl Compression {
    pub const DEFAULT: Compression = Compression::Gzip(1);

    /// The OCI media type of a layer compressed this way.
    pub fn media_type(self) -> &'static str {
        match self {
            Compression::Gzip(_) => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd(_) => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// Compresses every chunk `chunks` delivers, in order, into `out`.
pub(crate) fn compress(chunks: Receiver<Vec<u8>>, out: &mut impl Write, compression: Compression) -> io::Result<()> {
    match compression {
        Compression::Gzip(level) => gzip_members(chunks, out, level.min(9), workers()),
        Compression::Zstd(level) => {
            let mut encoder = zstd::Encoder::new(out, level)?;
            // Output depends on whether workers are used, not on how many: always use them.
            encoder.multithread(workers().min(4) as u32)?;
            for chunk in chunks {
                encoder.write_all(&chunk)?;
            }
            encoder.finish().map(drop)
        }
    }
}

/// Threads to compress with: one a core.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
}

/// gzip as a series of members, one a chunk; readers of gzip (Go's, zlib's `gunzip`) read every
/// member. A worker may run at most `window` chunks ahead of the last member written, so memory
/// stays flat however unevenly the workers are scheduled.
fn gzip_members(chunks: Receiver<Vec<u8>>, out: &mut impl Write, level: u32, workers: usize) -> io::Result<()> {
    let window = 2 * workers;
    let queue = Mutex::new(chunks.into_iter().enumerate());
    // How many members are written (or that writing stopped: `usize::MAX`), and its signal.
    let written = Mutex::new(0usize);
    let advanced = Condvar::new();
    let (done, members) = sync_channel::<(usize, io::Result<Vec<u8>>)>(window);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done = done.clone();
            let (queue, written, advanced) = (&queue, &written, &advanced);
            scope.spawn(move || {
                let mut encoder = MemberEncoder::new(level);
                loop {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                    let Some((index, chunk)) = next else { break };
                    let mut count = written.lock().unwrap_or_else(PoisonError::into_inner);
                    while index >= count.saturating_add(window) {
                        count = advanced.wait(count).unwrap_or_else(PoisonError::into_inner);
                    }
                    let stopped = *count == usize::MAX;
                    drop(count);
                    if stopped || done.send((index, encoder.encode(&chunk))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (index, member) in members {
            pending.insert(index, member);
            while let Some(member) = pending.remove(&next) {
                let result = member.and_then(|bytes| out.write_all(&bytes));
                let mut count = written.lock().unwrap_or_else(PoisonError::into_inner);
                next += 1;
                *count = if result.is_ok() { next } else { usize::MAX };
                advanced.notify_all();
                drop(count);
                // On an error the workers stop at their next chunk; the producer sees the pipe close.
                result?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Chunks of 5-bit values, every third one of random-looking bytes (stored, at level 1).
    fn stream(chunks: usize) -> Vec<Vec<u8>> {
        (0..chunks)
            .map(|c| {
                let shift = if c % 3 == 0 { 24 } else { 27 };
                (0..70_000u32).map(|i| ((i ^ c as u32).wrapping_mul(2_654_435_761) >> shift) as u8).collect()
            })
            .collect()
    }

    fn gzip_with(workers: usize, chunks: &[Vec<u8>]) -> Vec<u8> {
        let (sender, receiver) = sync_channel(2);
        let chunks = chunks.to_vec();
        let producer = std::thread::spawn(move || chunks.into_iter().try_for_each(|c| sender.send(c)));
        let mut out = Vec::new();
        gzip_members(receiver, &mut out, 1, workers).expect("compressed");
        producer.join().expect("producer").expect("sent");
        out
    }

    #[test]
    fn members_are_in_stream_order_and_the_same_bytes_on_any_number_of_workers() {
        let chunks = stream(40);
        let one = gzip_with(1, &chunks);
        for workers in [2, 3, 8] {
            assert_eq!(gzip_with(workers, &chunks), one, "{workers} workers");
        }
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(&one[..]).read_to_end(&mut back).expect("gunzip");
        assert_eq!(back, chunks.concat());
    }

    /// Fails after `limit` bytes, as a full disk does.
    struct Full {
        limit: usize,
        seen: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.seen + buf.len() > self.limit {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"));
            }
            self.seen += buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_stops_the_workers_and_closes_the_pipe() {
        let (sender, receiver) = sync_channel(2);
        let producer = std::thread::spawn(move || {
            let mut sent = 0;
            for chunk in stream(1_000) {
                if sender.send(chunk).is_err() {
                    return sent;
                }
                sent += 1;
            }
            sent
        });
        let error = gzip_members(receiver, &mut Full { limit: 100_000, seen: 0 }, 1, 3).expect_err("disk full");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
        assert!(producer.join().expect("producer") < 1_000, "the producer was told to stop");
    }
}
