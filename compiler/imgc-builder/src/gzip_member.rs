//! One gzip member of one chunk of a layer's tar stream. A worker keeps one encoder and resets
//! its deflate state for each member instead of building (allocating and zeroing) a new one.
//! At level 1 the chunk is looked at in pieces of [`PIECE`] bytes first: a run of pieces whose
//! bytes look random (compressed files, say) is written as stored deflate blocks, not run through
//! the compressor, which at level 1 (fixed Huffman codes only) would spend most of its time on
//! them and make them about 5% larger; the other runs are compressed, each from a fresh window.
//! The bytes written depend only on the chunk and the level. Knows nothing of tar, of hashing or
//! of threads.

use flate2::{Compress, Crc, FlushCompress, Status};
use std::io;

/// The unit in which random-looking bytes are told from the rest.
const PIECE: usize = 4096;

/// A stored deflate block holds at most this many bytes.
const STORED_MAX: usize = 65_535;

pub(crate) struct MemberEncoder {
    deflate: Compress,
    level: u32,
}

impl MemberEncoder {
    pub(crate) fn new(level: u32) -> Self {
        MemberEncoder { deflate: Compress::new(flate2::Compression::new(level), false), level }
    }

    /// `chunk` as a whole gzip member: header, deflate stream, CRC-32 and length.
    pub(crate) fn encode(&mut self, chunk: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(chunk.len() + chunk.len() / 8 + 64);
        out.extend_from_slice(&header(self.level));
        if self.level == 1 && !chunk.is_empty() {
            self.deflate_in_runs(chunk, &mut out)?;
        } else {
            self.deflate.reset();
            deflate_into(&mut self.deflate, chunk, &mut out, FlushCompress::Finish)?;
        }
        let mut crc = Crc::new();
        crc.update(chunk);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        // ISIZE is the length modulo 2^32.
        out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        Ok(out)
    }

    /// The deflate stream as runs of stored or compressed pieces; a compressed run that is not
    /// the last ends with a sync flush, so the next run starts on a byte boundary.
    fn deflate_in_runs(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        let pieces: Vec<bool> = chunk.chunks(PIECE).map(looks_random).collect();
        let mut start = 0;
        for run in pieces.chunk_by(|a, b| a == b) {
            let end = (start + run.len() * PIECE).min(chunk.len());
            let bytes = &chunk[start..end];
            let last = end == chunk.len();
            if run[0] {
                stored_blocks(bytes, last, out);
            } else {
                self.deflate.reset();
                let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
                deflate_into(&mut self.deflate, bytes, out, flush)?;
            }
            start = end;
        }
        Ok(())
    }
}

/// The 10-byte header flate2's `GzBuilder` writes: no name, no time, unknown system, and the
/// extra flags saying fastest (level ≤ 1) or best (level 9) compression.
fn header(level: u32) -> [u8; 10] {
    let extra_flags = match level {
        0 | 1 => 4,
        9 => 2,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extra_flags, 255]
}

/// Whether the order-2 (collision) entropy of `piece` is at least 7.5 bits a byte: random bytes
/// measure about 7.9 on a whole piece, text about 4 to 5, machine code about 6. In integers, so
/// the answer is the same on every machine: `-log2(Σc²/n²) ≥ 7.5` is `(Σc²)² · 2^15 ≤ n^4`.
fn looks_random(piece: &[u8]) -> bool {
    // Four tables, so that counting a byte need not wait for the count of the byte before.
    let mut counts = [[0u32; 256]; 4];
    let (quads, rest) = piece.as_chunks::<4>();
    for &[a, b, c, d] in quads {
        counts[0][usize::from(a)] += 1;
        counts[1][usize::from(b)] += 1;
        counts[2][usize::from(c)] += 1;
        counts[3][usize::from(d)] += 1;
    }
    for &byte in rest {
        counts[0][usize::from(byte)] += 1;
    }
    let squares: u128 =
        (0..256).map(|b| u128::from(counts[0][b] + counts[1][b] + counts[2][b] + counts[3][b]).pow(2)).sum();
    let n = piece.len() as u128;
    (squares * squares) << 15 <= n.pow(4)
}

/// `bytes` as stored blocks, the last one marked final if `last`.
fn stored_blocks(bytes: &[u8], last: bool, out: &mut Vec<u8>) {
    let mut blocks = bytes.chunks(STORED_MAX).peekable();
    while let Some(block) = blocks.next() {
        let is_final = last && blocks.peek().is_none();
        // BFINAL, then BTYPE 00; the stream is on a byte boundary, so the rest of the byte is padding.
        out.push(u8::from(is_final));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
}

/// Compresses all of `input` onto `out`, growing it as needed, and completes `flush`.
fn deflate_into(deflate: &mut Compress, mut input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) -> io::Result<()> {
    loop {
        out.reserve(input.len() + input.len() / 8 + 64);
        let before = deflate.total_in();
        let status = deflate.compress_vec(input, out, flush).map_err(io::Error::other)?;
        let taken = usize::try_from(deflate.total_in() - before).map_err(io::Error::other)?;
        input = &input[taken..];
        // A flush is complete once a call returns with room left in the output.
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => input.is_empty() && out.len() < out.capacity(),
        };
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Bytes that look random to [`looks_random`] (and to deflate).
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect()
    }

    fn text(len: usize) -> Vec<u8> {
        let words = ["layer", "image", "tar", "stream", "gzip", "member", "chunk", "digest"];
        let mut out = Vec::new();
        let mut i = 0usize;
        while out.len() < len {
            out.extend_from_slice(words[i * 7 % words.len()].as_bytes());
            out.push(if i % 11 == 10 { b'\n' } else { b' ' });
            i += 1;
        }
        out.truncate(len);
        out
    }

    fn gunzip(member: &[u8]) -> Vec<u8> {
        let mut back = Vec::new();
        let mut decoder = flate2::read::GzDecoder::new(member);
        decoder.read_to_end(&mut back).expect("one valid gzip member");
        back
    }

    #[test]
    fn random_bytes_are_told_from_text_and_code() {
        assert!(looks_random(&noise(PIECE, 7)));
        assert!(!looks_random(&text(PIECE)));
        assert!(!looks_random(&[0u8; PIECE]));
        // Half a piece of zeros (say, a tar header and padding) is not random.
        let mut half = noise(PIECE / 2, 3);
        half.resize(PIECE, 0);
        assert!(!looks_random(&half));
        assert!(!looks_random(b"short"));
    }

    #[test]
    fn mixed_chunks_read_back_whole_and_random_runs_are_stored() {
        let mut chunk = text(10_000);
        chunk.extend(noise(3 * STORED_MAX + 5, 1));
        chunk.extend(text(9_000));
        chunk.extend(noise(PIECE * 2, 2));
        let member = MemberEncoder::new(1).encode(&chunk).expect("encoded");
        assert_eq!(gunzip(&member), chunk);
        // Stored, the random runs cost a few bytes a block, not the ~5% fixed codes would.
        let random = 3 * STORED_MAX + 5 + PIECE * 2;
        assert!(member.len() < random + 5_000, "{} bytes for {} random ones", member.len(), random);
    }

    #[test]
    fn every_shape_of_chunk_is_one_valid_member() {
        let mut encoder = MemberEncoder::new(1);
        let shapes = [
            Vec::new(),
            text(1),
            noise(1, 5),
            noise(PIECE, 5),
            noise(PIECE + 1, 5),
            [noise(STORED_MAX, 6), text(PIECE)].concat(),
            [text(PIECE), noise(STORED_MAX + 1, 6)].concat(),
        ];
        for chunk in &shapes {
            let member = encoder.encode(chunk).expect("encoded");
            assert_eq!(&member[..10], &header(1));
            assert_eq!(gunzip(&member), *chunk, "{} bytes", chunk.len());
        }
    }

    #[test]
    fn a_reused_encoder_writes_what_a_new_one_does() {
        let chunks = [text(300_000), [noise(100_000, 9), text(50_000)].concat(), noise(70_000, 4)];
        for level in [0, 1, 6, 9] {
            let mut reused = MemberEncoder::new(level);
            for chunk in &chunks {
                let member = reused.encode(chunk).expect("encoded");
                assert_eq!(member, MemberEncoder::new(level).encode(chunk).expect("encoded"), "level {level}");
                assert_eq!(gunzip(&member), *chunk, "level {level}");
            }
        }
    }

    #[test]
    fn the_header_is_the_one_flate2_writes() {
        use std::io::Write;
        for level in [0, 1, 6, 9] {
            let mut encoder = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::new(level));
            encoder.write_all(b"x").expect("written");
            let theirs = encoder.finish().expect("finished");
            assert_eq!(theirs[..10], header(level), "level {level}");
        }
    }
}
