//! Signals through a self-pipe: the handler only writes the signal number into a
//! non-blocking pipe (async-signal-safe); the event loop reads it like any fd.

use std::io::{self, Read};
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

/// The read end of the signal pipe, to register with mio.
pub struct Signals {
    pub receiver: mio::unix::pipe::Receiver,
    _sender: mio::unix::pipe::Sender,
}

/// The signals the daemon reacts to (reference §8.4).
pub const HANDLED: [libc::c_int; 7] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGCHLD,
];

/// Point the handlers at `write_fd` (the write end of a non-blocking pipe that
/// stays open) and install them for [`HANDLED`]; ignore SIGPIPE. Shared with the
/// std runtime, which reads the pipe from a thread.
pub fn install_handlers(write_fd: std::os::fd::RawFd) -> io::Result<()> {
    WRITE_FD.store(write_fd, Ordering::Relaxed);
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
    Ok(())
}

impl Signals {
    /// Install the handlers. Only one `Signals` may exist per process.
    pub fn install() -> io::Result<Signals> {
        let (sender, receiver) = mio::unix::pipe::new()?;
        use std::os::fd::AsRawFd;
        install_handlers(sender.as_raw_fd())?;
        Ok(Signals {
            receiver,
            _sender: sender,
        })
    }

    /// Signals received since the last call, in arrival order.
    pub fn drain(&mut self) -> Vec<libc::c_int> {
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            match self.receiver.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend(buf[..n].iter().map(|b| *b as libc::c_int)),
                Err(_) => break,
            }
        }
        out
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        WRITE_FD.store(-1, Ordering::Relaxed);
    }
}

/// What a signal asks of the core, as ExaBGP maps them (shared by both
/// runtimes): SIGTERM/SIGINT/SIGHUP shut down; SIGUSR1, SIGUSR2 and SIGALRM
/// reload the configuration through `reloader` (neighbors changed, all
/// neighbors, restart). None for other signals (SIGCHLD is the runtime's),
/// and for a reload without a reloader or with a bad file (ExaBGP keeps the
/// running configuration).
pub fn control_input(
    sig: libc::c_int,
    reloader: Option<&mut crate::Reloader>,
) -> Option<oxbgp_core::Input> {
    use oxbgp_core::io::Control;
    use oxbgp_core::Input;
    match sig {
        libc::SIGTERM | libc::SIGINT | libc::SIGHUP => {
            log::info!("signal {sig}: shutting down");
            Some(Input::Control(Control::Shutdown))
        }
        libc::SIGUSR1 | libc::SIGUSR2 | libc::SIGALRM => {
            let Some(reload) = reloader else {
                log::warn!("signal {sig}: no configuration to reload");
                return None;
            };
            match reload() {
                Ok(cfg) => {
                    let cfg = Box::new(cfg);
                    log::info!("signal {sig}: reloading the configuration");
                    Some(Input::Control(match sig {
                        libc::SIGUSR1 => Control::Reload(cfg),
                        libc::SIGUSR2 => Control::ReloadAll(cfg),
                        _ => Control::Restart(cfg),
                    }))
                }
                Err(e) => {
                    log::error!("reload failed, keeping the running configuration: {e}");
                    None
                }
            }
        }
        _ => None,
    }
}
