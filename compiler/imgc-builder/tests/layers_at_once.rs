//! Layers written several at once (`Options::layer_jobs`): the image is byte for byte the one a
//! build writing one layer at a time makes, the layer cache fills and serves as before, and a
//! layer that cannot be written fails the build with the error a one-at-a-time build gives,
//! leaving no output, staging folder or partial cache entry.

use imgc_builder::output::Destination;
use imgc_builder::{Built, Error, Options, build};
use std::path::{Path, PathBuf};

/// Six `copy` layers of different sizes (the second the largest, so later layers finish first
/// when several are written at once) and a `workdir` layer between them.
const PROGRAM: &str = r#"
image from scratch {
    copy "l0/" to "/l0/"
    copy "l1/" to "/l1/"
    copy "l2/" to "/l2/"
    workdir "/srv"
    copy "l3/" to "/l3/"
    copy "l4/" to "/l4/"
    copy "l5/" to "/l5/"
}
"#;

/// A xorshift generator: the same bytes on every run.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Text-like stretches between random ones: members of stored and deflated blocks.
            if i / 4_096 % 2 == 0 { b"abcdefgh "[(state % 9) as usize] } else { state as u8 }
        })
        .collect()
}

/// The context: layer `n` has `4 + n` files, layer 1 a 5 MB one (several gzip members).
fn context(dir: &Path) -> PathBuf {
    let context = dir.join("context");
    for layer in 0..6u64 {
        let folder = context.join(format!("l{layer}"));
        std::fs::create_dir_all(folder.join("sub")).expect("mkdir");
        for file in 0..4 + layer {
            let len = if layer == 1 && file == 0 { 5_000_000 } else { 20_000 + 7_000 * file as usize };
            std::fs::write(folder.join("sub").join(format!("f{file}")), bytes(layer * 100 + file, len)).expect("write");
        }
    }
    context
}

fn options(dir: &Path, context: &Path, jobs: usize) -> Options {
    let mut options = Options::new(context);
    options.epoch = 0;
    options.cache_dir = Some(dir.join("cache"));
    options.layer_jobs = jobs;
    options
}

fn build_to(options: &Options, out: &Path) -> Result<Built, Error> {
    let compilation = imgc_core::compile_with_loader(
        &options.context.join("app.img"),
        PROGRAM.to_string(),
        &imgc_core::modules::NoFiles,
        &imgc_core::Options::default(),
    );
    let program = compilation.program.as_ref().expect("the program compiles");
    build(program, &Destination::Layout { dir: out.to_path_buf(), tag: Some("t".into()) }, options)
}

/// Every blob of a layout, by name, with its bytes.
fn blobs(layout: &Path) -> Vec<(String, Vec<u8>)> {
    let mut blobs: Vec<(String, Vec<u8>)> = std::fs::read_dir(layout.join("blobs/sha256"))
        .expect("blobs")
        .map(|e| {
            let path = e.expect("entry").path();
            (path.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&path).expect("read"))
        })
        .collect();
    blobs.sort();
    blobs
}

#[test]
fn layers_written_at_once_make_the_image_written_one_at_a_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let context = context(dir.path());
    let one = build_to(&options(dir.path(), &context, 1), &dir.path().join("one")).expect("one at a time");
    assert_eq!(one.layers.len(), 7, "six copy layers and the workdir's");
    for jobs in [0, 3, 7] {
        let out = dir.path().join(format!("jobs-{jobs}"));
        let many = build_to(&options(dir.path(), &context, jobs), &out).expect("several at once");
        assert_eq!(many.manifest_digest, one.manifest_digest, "{jobs} jobs");
        assert_eq!(many.layers, one.layers, "{jobs} jobs");
        assert_eq!(blobs(&out), blobs(&dir.path().join("one")), "{jobs} jobs");
    }
}

#[test]
fn the_layer_cache_fills_and_serves_layers_written_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let context = context(dir.path());
    let mut cached = options(dir.path(), &context, 4);
    cached.layer_cache = true;
    let first = build_to(&cached, &dir.path().join("first")).expect("cold");
    let records = std::fs::read_dir(dir.path().join("cache/layers")).expect("records").count();
    assert_eq!(records, 7, "one record a layer");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("cache/blobs/sha256"))
        .expect("cached blobs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(names.iter().all(|n| n.len() == 64), "no temporary name left: {names:?}");
    // A rebuild takes every layer from the cache: the blobs are the cached files themselves.
    let again = build_to(&cached, &dir.path().join("again")).expect("rebuild");
    assert_eq!(again.manifest_digest, first.manifest_digest);
    use std::os::unix::fs::MetadataExt;
    for (digest, _, _) in &again.layers {
        let hex = digest.trim_start_matches("sha256:");
        let built = std::fs::metadata(dir.path().join("again/blobs/sha256").join(hex)).expect("built blob");
        let kept = std::fs::metadata(dir.path().join("cache/blobs/sha256").join(hex)).expect("cached blob");
        assert_eq!(built.ino(), kept.ino(), "layer {hex} linked from the cache");
    }
}

/// Takes away this thread's power to read files it has no permission for (root's
/// `CAP_DAC_OVERRIDE` and `CAP_DAC_READ_SEARCH`): threads it starts inherit that, other tests'
/// threads do not. Given back on drop.
struct NoReadOverride {
    saved: Option<[CapData; 2]>,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
const DAC_OVERRIDES: u32 = (1 << 1) | (1 << 2);

impl NoReadOverride {
    fn take() -> NoReadOverride {
        let mut header = CapHeader { version: CAPABILITY_VERSION_3, pid: 0 };
        let mut data = [CapData::default(); 2];
        // SAFETY: capget fills two CapData records for version 3, as the header asks.
        let got = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
        if got != 0 || data[0].effective & DAC_OVERRIDES == 0 {
            return NoReadOverride { saved: None };
        }
        let mut reduced = data;
        reduced[0].effective &= !DAC_OVERRIDES;
        // SAFETY: as above; capset reads the header and the two records and changes this thread.
        let set = unsafe { libc::syscall(libc::SYS_capset, &header, reduced.as_ptr()) };
        assert_eq!(set, 0, "capset: {}", std::io::Error::last_os_error());
        NoReadOverride { saved: Some(data) }
    }
}

impl Drop for NoReadOverride {
    fn drop(&mut self) {
        if let Some(data) = self.saved {
            let header = CapHeader { version: CAPABILITY_VERSION_3, pid: 0 };
            // SAFETY: as in `take`; the effective set goes back within the permitted one.
            unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) };
        }
    }
}

#[test]
fn an_unreadable_file_in_one_of_several_layers_fails_the_build_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let context = context(dir.path());
    let unreadable = context.join("l4/sub/f2");
    std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let _no_override = NoReadOverride::take();
    let mut errors = Vec::new();
    for jobs in [1, 4] {
        let mut cached = options(dir.path(), &context, jobs);
        cached.layer_cache = true;
        let out = out_dir.join(format!("image-{jobs}"));
        let error = build_to(&cached, &out).expect_err("an unreadable source");
        let Error::Failed(message) = &error else { panic!("{error:?}") };
        assert!(
            message.starts_with("cannot write the layer of `COPY l4/ /l4/`")
                && message.contains(&*unreadable.to_string_lossy())
                && message.contains("Permission denied"),
            "{message}"
        );
        assert!(!out.exists(), "no output");
        let left: Vec<_> = std::fs::read_dir(&out_dir).expect("read").collect();
        assert!(left.is_empty(), "no staging folder left: {left:?}");
        errors.push(message.clone());
        // Whatever the cache kept is whole: no temporary file, every record's blob there.
        for entry in std::fs::read_dir(dir.path().join("cache/blobs/sha256")).expect("cached blobs") {
            let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
            assert_eq!(name.len(), 64, "a partial blob in the cache: {name}");
        }
        for entry in std::fs::read_dir(dir.path().join("cache/layers")).expect("records") {
            let record = std::fs::read_to_string(entry.expect("entry").path()).expect("record");
            let digest = record.split_whitespace().nth(1).expect("digest");
            let blob = dir.path().join("cache/blobs/sha256").join(digest.trim_start_matches("sha256:"));
            assert!(blob.is_file(), "{record}");
        }
    }
    assert_eq!(errors[0], errors[1], "the error a one-at-a-time build gives");
}
