//! Extended attributes through libc: overlay's opaque-directory mark, and the attributes a step
//! gives its files (file capabilities, `user.*`), read and written without following symbolic
//! links.

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
    loop {
        // SAFETY: valid C strings and a buffer of the given length; nothing is kept.
        let n = unsafe { libc::lgetxattr(path.as_ptr(), name.as_ptr(), buffer.as_mut_ptr().cast(), buffer.len()) };
        if n >= 0 {
            buffer.truncate(n as usize);
            return Ok(Some(buffer));
        }
        let error = io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::ENOTSUP) => return Ok(None),
            Some(libc::ERANGE) if buffer.len() < 1 << 16 => buffer.resize(buffer.len() * 16, 0),
            _ => return Err(error),
        }
    }
}

/// Attributes a layer keeps: all but overlay's own marks and the host's SELinux label.
pub fn kept(path: &Path) -> io::Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let c_path = c_string(path.as_os_str().as_bytes())?;
    // SAFETY: a valid C string; a null buffer asks for the size.
    let size = unsafe { libc::llistxattr(c_path.as_ptr(), std::ptr::null_mut(), 0) };
    let mut found = std::collections::BTreeMap::new();
    if size <= 0 {
        return Ok(found);
    }
    let mut names = vec![0u8; size as usize];
    // SAFETY: a valid C string and a buffer of the given length.
    let n = unsafe { libc::llistxattr(c_path.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    names.truncate(n as usize);
    for name in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        if name.starts_with("trusted.overlay.") || name == "security.selinux" {
            continue;
        }
        if let Some(value) = get(path, &name)? {
            found.insert(name, value);
        }
    }
    Ok(found)
}
