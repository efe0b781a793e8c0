//! The `imgc` command's memory allocator: mimalloc. A compile makes many small allocations
//! (syntax trees, IR text parts, shell tokens), which mimalloc serves in a fraction of the
//! instructions glibc's allocator takes. Owns nothing else; the library crates never choose an
//! allocator (a build script or the language server's host keeps its own).

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc, mi_zalloc_aligned,
};
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// The alignment every mimalloc block has; larger ones take its aligned entry points.
const MIN_ALIGN: usize = 16;

pub struct MiMalloc;

/// Whether `mi_malloc` of `size` bytes is aligned enough, as `std`'s `System` decides for malloc.
fn plain(align: usize, size: usize) -> bool {
    align <= MIN_ALIGN && align <= size
}

// SAFETY: mimalloc returns null or a block of at least `size` bytes with the alignment asked for
// (`plain` holds, or the aligned entry point), and frees and resizes only blocks it gave.
unsafe impl GlobalAlloc for MiMalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain C calls with a size and an alignment (a power of two, from `Layout`).
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi_malloc(layout.size()) as *mut u8
            } else {
                mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi_zalloc(layout.size()) as *mut u8
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract).
        unsafe { mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout` (the caller's contract); the
        // block keeps its alignment.
        unsafe {
            if plain(layout.align(), new_size) {
                mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

/// mimalloc's options by their number in its `mi_option_t` (v2): an arena's memory is committed
/// as it is used, and memory no longer used goes back to the system at once, which keeps the peak
/// resident memory at glibc's allocator's (without them: 34 MB instead of 29 MB on the compile
/// bench's 10,000-line program). Set from the ELF constructors, before the first allocation
/// reserves the first arena.
#[cfg(target_os = "linux")]
mod options {
    use std::ffi::{c_int, c_long};

    const ARENA_EAGER_COMMIT: c_int = 4;
    const PURGE_DELAY: c_int = 15;

    unsafe extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }

    extern "C" fn set() {
        // SAFETY: sets two integers in mimalloc's option table; allocates nothing.
        unsafe {
            mi_option_set(ARENA_EAGER_COMMIT, 0);
            mi_option_set(PURGE_DELAY, 0);
        }
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static SET: extern "C" fn() = set;
}
