//! Layer writing throughput on data like `scripts/bench-oci`'s tree: files of 1 to 31 kB, every
//! other one text (words of a 5,000-word vocabulary) or random bytes. Two groups on the same
//! bytes: zlib-rs at level 1 alone on one core, as 1 MiB gzip members of a whole chunk each (how
//! layers were compressed before random-looking stretches were stored), and `layer::write`
//! (tar stream, both digests, members on every core). Throughput is of the file contents.
//!
//! `cargo bench -p imgc-builder --bench layer_write`

use criterion::{Criterion, Throughput, criterion_group};
use imgc_builder::layer::{Changes, Compression, write};
use imgc_builder::tree::{Content, Kind, Node};
use std::io::Write;
use std::sync::Arc;

const SIZE: usize = 16 << 20;

/// A xorshift generator: the same bytes on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Files of 1 to 31 kB, text or random bytes as `kinds` says for file `i`, `SIZE` bytes in all.
fn files(kinds: impl Fn(usize) -> bool) -> Vec<Vec<u8>> {
    let mut rng = Rng(5);
    let words: Vec<Vec<u8>> =
        (0..5_000).map(|_| (0..2 + rng.below(8)).map(|_| b'a' + rng.below(26) as u8).collect()).collect();
    let mut files = Vec::new();
    let mut total = 0;
    while total < SIZE {
        let size = 1_000 + rng.below(30_000);
        let mut file = Vec::with_capacity(size + 100);
        if kinds(files.len()) {
            while file.len() < size {
                for i in 0..12 {
                    if i > 0 {
                        file.push(b' ');
                    }
                    file.extend_from_slice(&words[rng.below(words.len())]);
                }
                file.push(b'\n');
            }
            file.truncate(size);
        } else {
            file.extend((0..size).map(|_| (rng.next() >> 32) as u8));
        }
        total += size;
        files.push(file);
    }
    files
}

fn changes(files: &[Vec<u8>]) -> Changes {
    let mut changes = Changes::default();
    for (i, bytes) in files.iter().enumerate() {
        let node = Node {
            kind: Kind::File { content: Content::Bytes(Arc::from(&bytes[..])), size: bytes.len() as u64 },
            mode: 0o644,
            uid: 0,
            gid: 0,
            attrs: Default::default(),
        };
        changes.entries.insert(format!("f{i:05}"), node);
    }
    changes
}

fn layer_write(c: &mut Criterion) {
    let inputs =
        [("text", files(|_| true)), ("random", files(|_| false)), ("half text, half random", files(|i| i % 2 == 1))];
    let mut zlib = c.benchmark_group("zlib-rs level 1, 1 MiB members, one core");
    zlib.sample_size(10).measurement_time(std::time::Duration::from_secs(4));
    for (name, files) in &inputs {
        let stream = files.concat();
        zlib.throughput(Throughput::Bytes(stream.len() as u64));
        zlib.bench_function(*name, |b| {
            b.iter(|| {
                stream.chunks(1 << 20).fold(0, |size, chunk| {
                    let mut encoder = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::fast());
                    encoder.write_all(chunk).expect("compressed");
                    size + encoder.finish().expect("compressed").len()
                })
            })
        });
    }
    zlib.finish();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut layers = c.benchmark_group("layer::write, gzip level 1, every core");
    layers.sample_size(10).measurement_time(std::time::Duration::from_secs(4));
    for (name, files) in &inputs {
        let changes = changes(files);
        layers.throughput(Throughput::Bytes(changes.content_size()));
        layers.bench_function(*name, |b| {
            b.iter(|| write(&changes, &dir.path().join("layer"), Compression::Gzip(1), 0, &|_| ()).expect("written"))
        });
    }
    layers.finish();
}

criterion_group!(benches, layer_write);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
