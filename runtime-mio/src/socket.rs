//! Socket creation with the options BGP needs, which std and mio do not expose:
//! bind before connect (`local-address`), TTL (`outgoing-ttl`), GTSM minimum TTL
//! (`incoming-ttl`, RFC 5082), TCP-MD5 signatures (`md5-password`, RFC 2385) and
//! SO_BINDTODEVICE (`source-interface`).
//!
//! Options the kernel refuses are returned as warnings so the caller can report
//! them loudly for that neighbor: we never run unprotected in silence.

use oxbgp_core::io::SocketOptions;
use std::io;
use std::mem;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `struct tcp_md5sig` from linux/tcp.h (libc does not define it).
#[repr(C)]
struct TcpMd5Sig {
    addr: libc::sockaddr_storage,
    flags: u8,
    prefixlen: u8,
    keylen: u16,
    ifindex: libc::c_int,
    key: [u8; 80],
}

/// Longest key Linux accepts (TCP_MD5SIG_MAXKEYLEN).
pub const MD5_MAX_KEY: usize = 80;

fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in and suitably aligned.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above, for sockaddr_in6.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn setsockopt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: value points to a live T of the size we pass.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            value as *const T as *const libc::c_void,
            mem::size_of::<T>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

fn new_socket(v6: bool) -> io::Result<OwnedFd> {
    let domain = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    // SAFETY: plain socket(2) call; the fd is owned right away.
    let fd = cvt(unsafe {
        libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })?;
    // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Install a TCP-MD5 key for `peer` on the socket (RFC 2385).
pub fn set_md5(fd: RawFd, peer: IpAddr, key: &str) -> io::Result<()> {
    if key.len() > MD5_MAX_KEY {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("md5 key is {} bytes, at most {MD5_MAX_KEY}", key.len()),
        ));
    }
    let (addr, _) = sockaddr(SocketAddr::new(peer, 0));
    let mut sig = TcpMd5Sig {
        addr,
        flags: 0,
        prefixlen: 0,
        keylen: key.len() as u16,
        ifindex: 0,
        key: [0; 80],
    };
    sig.key[..key.len()].copy_from_slice(key.as_bytes());
    setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_MD5SIG, &sig)
}

/// Apply options; each failure becomes a warning naming the option.
fn apply(fd: RawFd, v6: bool, opts: &SocketOptions, warnings: &mut Vec<String>) {
    if let Some(ttl) = opts.ttl {
        let v = ttl as libc::c_int;
        let r = if v6 {
            setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, &v)
        } else {
            setsockopt(fd, libc::IPPROTO_IP, libc::IP_TTL, &v)
        };
        if let Err(e) = r {
            warnings.push(format!("outgoing-ttl {ttl} could not be set: {e}"));
        }
    }
    if let Some(min) = opts.min_ttl {
        let v = min as libc::c_int;
        let r = if v6 {
            setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_MINHOPCOUNT, &v)
        } else {
            setsockopt(fd, libc::IPPROTO_IP, libc::IP_MINTTL, &v)
        };
        if let Err(e) = r {
            warnings.push(format!("incoming-ttl {min} (GTSM) could not be set: {e}"));
        }
    }
    for (peer, key) in &opts.md5 {
        if let Err(e) = set_md5(fd, *peer, key) {
            warnings.push(format!(
                "md5-password for {peer} could not be set: {e}; the session will run WITHOUT TCP-MD5 protection"
            ));
        }
    }
    if let Some(ifname) = &opts.interface {
        let r = cvt(unsafe {
            // SAFETY: the pointer and length describe the interface name bytes.
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                ifname.as_ptr() as *const libc::c_void,
                ifname.len() as libc::socklen_t,
            )
        });
        if let Err(e) = r {
            warnings.push(format!("source-interface {ifname} could not be set: {e}"));
        }
    }
}

/// Start a non-blocking connect. Returns the socket (connection in progress) and
/// the warnings about options that could not be applied.
pub fn connect(
    remote: SocketAddr,
    local: Option<IpAddr>,
    opts: &SocketOptions,
) -> io::Result<(std::net::TcpStream, Vec<String>)> {
    let v6 = remote.is_ipv6();
    let fd = new_socket(v6)?;
    let mut warnings = Vec::new();
    apply(fd.as_raw_fd(), v6, opts, &mut warnings);
    if let Some(local) = local {
        let (addr, len) = sockaddr(SocketAddr::new(local, 0));
        // SAFETY: addr/len come from sockaddr() for this family.
        cvt(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                &addr as *const _ as *const libc::sockaddr,
                len,
            )
        })?;
    }
    let (addr, len) = sockaddr(remote);
    // SAFETY: as above.
    let r = unsafe {
        libc::connect(
            fd.as_raw_fd(),
            &addr as *const _ as *const libc::sockaddr,
            len,
        )
    };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(e);
        }
    }
    Ok((std::net::TcpStream::from(fd), warnings))
}

/// Open a listening socket (SO_REUSEADDR, non-blocking) with options.
pub fn listen(
    addr: SocketAddr,
    opts: &SocketOptions,
) -> io::Result<(std::net::TcpListener, Vec<String>)> {
    let v6 = addr.is_ipv6();
    let fd = new_socket(v6)?;
    let one: libc::c_int = 1;
    setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, &one)?;
    if v6 {
        // A v6 listener only takes v6: v4 peers get their own listener.
        setsockopt(fd.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, &one)?;
    }
    let mut warnings = Vec::new();
    apply(fd.as_raw_fd(), v6, opts, &mut warnings);
    let (sa, len) = sockaddr(addr);
    // SAFETY: sa/len come from sockaddr().
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &sa as *const _ as *const libc::sockaddr,
            len,
        )
    })?;
    // SAFETY: plain listen(2) on our socket.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), 128) })?;
    Ok((std::net::TcpListener::from(fd), warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn connect_bound_to_a_local_address_reaches_a_listener() {
        let (l, w) = listen("127.0.0.1:0".parse().unwrap(), &SocketOptions::default()).unwrap();
        assert!(w.is_empty());
        let port = l.local_addr().unwrap().port();
        let local: IpAddr = "127.0.0.2".parse().unwrap();
        let opts = SocketOptions {
            ttl: Some(255),
            ..Default::default()
        };
        let (s, w) = connect(
            SocketAddr::new("127.0.0.1".parse().unwrap(), port),
            Some(local),
            &opts,
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        l.set_nonblocking(false).unwrap();
        let (mut a, peer) = l.accept().unwrap();
        assert_eq!(
            peer.ip(),
            local,
            "bind before connect must pick the source address"
        );
        s.set_nonblocking(false).unwrap();
        let mut s = s;
        s.write_all(b"hello").unwrap();
        let mut buf = [0u8; 5];
        a.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hello");
    }

    #[test]
    fn an_oversized_md5_key_is_a_warning_not_silence() {
        let opts = SocketOptions {
            md5: vec![("127.0.0.1".parse().unwrap(), "x".repeat(81))],
            ..Default::default()
        };
        let (_s, w) = connect("127.0.0.1:9".parse().unwrap(), None, &opts).unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("WITHOUT TCP-MD5"), "{w:?}");
    }
}

#[cfg(test)]
mod md5_tests {
    use super::*;

    /// TCP-MD5 needs CONFIG_TCP_MD5SIG; where the kernel has it, a valid key must
    /// be accepted on a fresh socket, and a connection between two sockets that
    /// both carry the key must work.
    #[test]
    fn md5_keys_are_applied_when_the_kernel_supports_them() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let opts = SocketOptions {
            md5: vec![(peer, "s3cret".into())],
            ..Default::default()
        };
        let (l, w) = listen("127.0.0.1:0".parse().unwrap(), &opts).unwrap();
        if !w.is_empty() {
            eprintln!(
                "!!!! kernel refuses TCP_MD5SIG here ({w:?}); only the warning path is tested"
            );
            assert!(w[0].contains("WITHOUT TCP-MD5"));
            return;
        }
        let port = l.local_addr().unwrap().port();
        let (s, w) = connect(SocketAddr::new(peer, port), Some(peer), &opts).unwrap();
        assert!(w.is_empty(), "{w:?}");
        l.set_nonblocking(false).unwrap();
        let (_a, from) = l.accept().unwrap();
        assert_eq!(from.ip(), peer);
        drop(s);
    }
}
