//! Extended attributes through libc: overlay's opaque-directory mark, read and written without
//! following symbolic links.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Set on a directory of an upper or lower dir that hides what is below it.
pub const OPAQUE: &str = "trusted.overlay.opaque";

fn c_string(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(io::Error::other)
}

pub fn set(path: &Path, name: &str, value: &[u8]) -> io::Result<()> {
    let (path, name) = (c_string(path.as_os_str().as_bytes())?, c_string(name.as_bytes())?);
    // SAFETY: valid C strings and a buffer of the given length; nothing is kept.
    let result = unsafe { libc::lsetxattr(path.as_ptr(), name.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The attribute's value, `None` when the file has none by that name.
pub fn get(path: &Path, name: &str) -> io::Result<Option<Vec<u8>>> {
    let (path, name) = (c_string(path.as_os_str().as_bytes())?, c_string(name.as_bytes())?);
    let mut buffer = vec![0u8; 256];
    // SAFETY: valid C strings and a buffer of the given length; nothing is kept.
    let n = unsafe { libc::lgetxattr(path.as_ptr(), name.as_ptr(), buffer.as_mut_ptr().cast(), buffer.len()) };
    if n < 0 {
        let error = io::Error::last_os_error();
        return match error.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::ENOTSUP) => Ok(None),
            _ => Err(error),
        };
    }
    buffer.truncate(n as usize);
    Ok(Some(buffer))
}
