//! Signals through a self-pipe read by a dedicated thread: the handler only writes
//! the signal number into a non-blocking pipe (async-signal-safe); a thread blocks
//! on the read end and forwards each number to the core loop's channel.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write(2) is async-signal-safe; a full pipe just drops the byte.
        unsafe {
            libc::write(fd, &b as *const u8 as *const libc::c_void, 1);
        }
    }
}

/// The signals the daemon reacts to (reference §8.4), as in the mio runtime.
pub const HANDLED: [libc::c_int; 7] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGCHLD,
];

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
    for sig in HANDLED {
        // SAFETY: installing a handler that only calls write(2).
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    // A helper closing its stdin must not kill us: EPIPE is handled per write.
    // SAFETY: ignoring SIGPIPE is always sound.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
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
