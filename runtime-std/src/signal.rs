//! Signals through a self-pipe read by a dedicated thread: the handler only writes
//! the signal number into a non-blocking pipe (async-signal-safe); a thread blocks
//! on the read end and forwards each number to the core loop's channel.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

/// The write end of the current installation (closed when re-installed).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The signals the daemon reacts to (reference §8.4): the mio runtime's set,
/// handled by the same async-signal-safe handler.
pub use oxbgp_runtime_mio::signal::HANDLED;

/// Install the handlers and start the thread that calls `deliver` with every
/// signal number, in arrival order. The thread ends when `deliver` returns false.
/// Only one installation per process makes sense (handlers are process-wide).
pub fn install(mut deliver: impl FnMut(libc::c_int) -> bool + Send + 'static) -> io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2(2) fills the two-element array on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let (read_fd, write_fd) = (fds[0], fds[1]);
    // The write end must never block inside a signal handler.
    // SAFETY: fcntl on our own fd.
    unsafe {
        let fl = libc::fcntl(write_fd, libc::F_GETFL);
        libc::fcntl(write_fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
    let old = WRITE_FD.swap(write_fd, Ordering::Relaxed);
    if old >= 0 {
        // SAFETY: the previous installation's write end is ours to close.
        unsafe { libc::close(old) };
    }
    oxbgp_runtime_mio::signal::install_handlers(write_fd)?;
    std::thread::Builder::new()
        .name("oxbgp-signals".into())
        .spawn(move || {
            let mut buf = [0u8; 64];
            loop {
                // SAFETY: reading into our own buffer from our own fd.
                let n = unsafe {
                    libc::read(read_fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len())
                };
                if n < 0 {
                    if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    return;
                }
                if n == 0 {
                    return;
                }
                for b in &buf[..n as usize] {
                    if !deliver(*b as libc::c_int) {
                        return;
                    }
                }
            }
        })?;
    Ok(())
}
