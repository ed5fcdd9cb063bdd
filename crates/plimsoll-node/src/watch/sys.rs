//! The few Linux syscalls the event-driven watch needs, over `libc`:
//! inotify (v2 `memory.events`/`cgroup.events`, directories for
//! rediscovery), eventfd (v1 `cgroup.event_control` notifications) and
//! epoll (one wait for all of them). Every descriptor is an [`OwnedFd`],
//! closed on drop; every failure is an `io::Error` with errno.

use std::ffi::{CString, OsString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

fn cpath(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: path contains a NUL byte", p.display()),
        )
    })
}

/// Wraps a descriptor a syscall returned (negative: errno).
fn owned(fd: libc::c_int) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the syscall just returned this descriptor and nothing else
    // owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `IN_MODIFY`: a cgroupfs file whose content the kernel changed
/// (`memory.events`, `cgroup.events`, via `cgroup_file_notify`).
pub const IN_MODIFY: u32 = libc::IN_MODIFY;
/// What a watched directory reports for rediscovery.
pub const DIR_MASK: u32 =
    libc::IN_CREATE | libc::IN_DELETE | libc::IN_MOVED_FROM | libc::IN_MOVED_TO | libc::IN_ONLYDIR;
/// The kernel removed a watch (its inode went away).
pub const IN_IGNORED: u32 = libc::IN_IGNORED;
/// Events were lost: everything must be re-read.
pub const IN_Q_OVERFLOW: u32 = libc::IN_Q_OVERFLOW;

/// A non-blocking, close-on-exec inotify instance.
pub fn inotify() -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with constant flags.
    owned(unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) })
}

/// Adds (or updates) a watch; returns its watch descriptor.
pub fn add_watch(ino: &OwnedFd, path: &Path, mask: u32) -> io::Result<i32> {
    let c = cpath(path)?;
    // SAFETY: `c` is a valid NUL-terminated string for the call's duration.
    let wd = unsafe { libc::inotify_add_watch(ino.as_raw_fd(), c.as_ptr(), mask) };
    if wd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(wd)
}

/// Removes a watch (an error when the kernel already dropped it is
/// ignored by callers).
pub fn rm_watch(ino: &OwnedFd, wd: i32) -> io::Result<()> {
    // SAFETY: plain syscall on integers.
    if unsafe { libc::inotify_rm_watch(ino.as_raw_fd(), wd) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// One inotify event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InotifyEvent {
    pub wd: i32,
    pub mask: u32,
    /// The entry's name, for events on a watched directory.
    pub name: Option<OsString>,
}

/// Parses a buffer of `struct inotify_event` records (a truncated tail is
/// ignored).
pub fn parse_inotify(buf: &[u8]) -> Vec<InotifyEvent> {
    let mut out = Vec::new();
    let mut rest = buf;
    while rest.len() >= 16 {
        let word = |i: usize| -> [u8; 4] {
            let mut w = [0u8; 4];
            if let Some(s) = rest.get(i..i + 4) {
                w.copy_from_slice(s);
            }
            w
        };
        let wd = i32::from_ne_bytes(word(0));
        let mask = u32::from_ne_bytes(word(4));
        let len = u32::from_ne_bytes(word(12)) as usize;
        let Some(raw) = rest.get(16..16 + len) else {
            break;
        };
        let name: Vec<u8> = raw.iter().copied().take_while(|&b| b != 0).collect();
        out.push(InotifyEvent {
            wd,
            mask,
            name: (!name.is_empty()).then(|| OsString::from_vec(name)),
        });
        rest = rest.get(16 + len..).unwrap_or(&[]);
    }
    out
}

/// Reads every pending inotify event (none when nothing is pending).
pub fn read_inotify(ino: &OwnedFd) -> io::Result<Vec<InotifyEvent>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // SAFETY: the buffer is valid for writes of its length.
        let n = unsafe {
            libc::read(
                ino.as_raw_fd(),
                buf.as_mut_ptr().cast::<libc::c_void>(),
                buf.len(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock => Ok(out),
                io::ErrorKind::Interrupted => continue,
                _ => Err(e),
            };
        }
        if n == 0 {
            return Ok(out);
        }
        out.extend(parse_inotify(buf.get(..n as usize).unwrap_or(&[])));
    }
}

/// A non-blocking, close-on-exec eventfd (counter mode).
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with constant flags.
    owned(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })
}

/// Reads and resets an eventfd counter (0 when nothing was signalled).
pub fn read_counter(fd: &OwnedFd) -> io::Result<u64> {
    let mut v = [0u8; 8];
    loop {
        // SAFETY: `v` is valid for writes of 8 bytes.
        let n = unsafe { libc::read(fd.as_raw_fd(), v.as_mut_ptr().cast::<libc::c_void>(), 8) };
        if n == 8 {
            return Ok(u64::from_ne_bytes(v));
        }
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => return Ok(0),
                io::ErrorKind::Interrupted => continue,
                _ => return Err(e),
            }
        }
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "short read from an eventfd",
        ));
    }
}

/// Opens a file with `open(2)` flags, close-on-exec.
pub fn open(path: &Path, flags: libc::c_int) -> io::Result<OwnedFd> {
    let c = cpath(path)?;
    // SAFETY: `c` is a valid NUL-terminated string for the call's duration.
    owned(unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) })
}

/// Opens `name` (one path component) relative to the directory `dir`
/// read-only, close-on-exec: the kernel resolves one component instead of
/// the whole cgroupfs path.
pub fn open_in(dir: std::os::fd::BorrowedFd<'_>, name: &str) -> io::Result<OwnedFd> {
    let c = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `dir` is an open descriptor and `c` a valid NUL-terminated
    // string for the call's duration.
    owned(unsafe {
        libc::openat(
            dir.as_raw_fd(),
            c.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    })
}

/// A directory handle for [`open_in`] (`O_PATH`: no read access is
/// needed, and it holds no more than a file table entry).
pub fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    open(path, libc::O_PATH | libc::O_DIRECTORY)
}

/// Writes all of `data` with one `write(2)` (cgroupfs control files take
/// one write per command); a short write is an error.
pub fn write_once(fd: &OwnedFd, data: &[u8]) -> io::Result<()> {
    loop {
        // SAFETY: `data` is valid for reads of its length.
        let n = unsafe {
            libc::write(
                fd.as_raw_fd(),
                data.as_ptr().cast::<libc::c_void>(),
                data.len(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n as usize != data.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short write"));
        }
        return Ok(());
    }
}

/// An epoll instance; each registered descriptor carries a token.
pub struct Epoll(OwnedFd);

/// Readable.
pub const EPOLLIN: u32 = libc::EPOLLIN as u32;
/// Priority data (PSI triggers).
pub const EPOLLPRI: u32 = libc::EPOLLPRI as u32;
/// Error or hang-up (a PSI trigger whose cgroup went away).
pub const EPOLLERR_HUP: u32 = (libc::EPOLLERR | libc::EPOLLHUP) as u32;

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: plain syscall with a constant flag.
        owned(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) }).map(Epoll)
    }

    /// Registers `fd` for `events` with `token`.
    pub fn add(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: `ev` is a valid epoll_event for the call's duration.
        if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Removes `fd` (closing a descriptor removes it too).
    pub fn del(&self, fd: RawFd) {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: `ev` is valid (ignored by EPOLL_CTL_DEL on new kernels).
        unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_DEL, fd, &mut ev) };
    }

    /// Waits up to `timeout_ms` and returns `(token, events)` pairs
    /// (none on timeout or when a signal interrupted the wait).
    pub fn wait(&self, timeout_ms: i32) -> io::Result<Vec<(u64, u32)>> {
        const MAX: usize = 256;
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; MAX];
        // SAFETY: `evs` is valid for MAX entries.
        let n = unsafe {
            libc::epoll_wait(
                self.0.as_raw_fd(),
                evs.as_mut_ptr(),
                MAX as libc::c_int,
                timeout_ms,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(Vec::new());
            }
            return Err(e);
        }
        Ok(evs
            .iter()
            .take(n as usize)
            .map(|e| {
                let (token, events) = (e.u64, e.events);
                (token, events)
            })
            .collect())
    }
}

/// Raises the open-file limit for `want` descriptors (each v1 cgroup
/// holds up to four eventfds, five with a PSI trigger): the hard limit
/// too when the process may (CAP_SYS_RESOURCE; never above the kernel's
/// `fs.nr_open`), else the soft limit to the hard one. Returns the soft
/// limit in force afterwards.
pub fn raise_nofile_limit(want: u64) -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `r` is a valid rlimit for the call's duration.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return 1024;
    }
    if r.rlim_cur >= want {
        return r.rlim_cur;
    }
    if want > r.rlim_max {
        let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(1024 * 1024);
        let n = want.min(nr_open);
        if n > r.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: n,
                rlim_max: n,
            };
            // SAFETY: `raised` is a valid rlimit. Without the capability
            // the call fails (EPERM) and changes nothing.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                return n;
            }
        }
    }
    if r.rlim_cur < r.rlim_max {
        let soft = libc::rlimit {
            rlim_cur: r.rlim_max,
            rlim_max: r.rlim_max,
        };
        // SAFETY: `soft` is a valid rlimit.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &soft) } == 0 {
            return soft.rlim_max;
        }
    }
    r.rlim_cur
}

/// The soft and hard open-file limits.
pub fn nofile_limits() -> (u64, u64) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `r` is a valid rlimit for the call's duration.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return (0, 0);
    }
    (r.rlim_cur, r.rlim_max)
}

/// Clock ticks per second (`/proc/self/stat` CPU times).
pub fn clock_ticks() -> u64 {
    // SAFETY: plain syscall.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// The page size (`/proc/self/statm`).
pub fn page_size() -> u64 {
    // SAFETY: plain syscall.
    let t = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if t > 0 { t as u64 } else { 4096 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inotify_records_parse() {
        let mut buf = Vec::new();
        for (wd, mask, name) in [(1i32, IN_MODIFY, ""), (2, libc::IN_CREATE, "pod1")] {
            let mut n = name.as_bytes().to_vec();
            if !n.is_empty() {
                n.resize(16, 0);
            }
            buf.extend(wd.to_ne_bytes());
            buf.extend(mask.to_ne_bytes());
            buf.extend(0u32.to_ne_bytes());
            buf.extend((n.len() as u32).to_ne_bytes());
            buf.extend(n);
        }
        buf.extend([1, 2, 3]); // a truncated tail
        let evs = parse_inotify(&buf);
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].wd, 1);
        assert_eq!(evs[0].name, None);
        assert_eq!(evs[1].name.as_deref(), Some(std::ffi::OsStr::new("pod1")));
    }

    #[test]
    fn eventfd_and_epoll_round_trip() {
        let ep = Epoll::new().unwrap();
        let fd = eventfd().unwrap();
        ep.add(fd.as_raw_fd(), EPOLLIN, 42).unwrap();
        assert!(ep.wait(0).unwrap().is_empty());
        assert_eq!(read_counter(&fd).unwrap(), 0);
        let one = 3u64.to_ne_bytes();
        // SAFETY: valid buffer of 8 bytes.
        let n = unsafe { libc::write(fd.as_raw_fd(), one.as_ptr().cast(), 8) };
        assert_eq!(n, 8);
        assert_eq!(ep.wait(1000).unwrap(), vec![(42, EPOLLIN)]);
        assert_eq!(read_counter(&fd).unwrap(), 3);
        assert!(ep.wait(0).unwrap().is_empty());
    }

    #[test]
    fn inotify_sees_directory_entries() {
        let dir = std::env::temp_dir().join(format!("plimsoll-sys-ino-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ino = inotify().unwrap();
        let wd = add_watch(&ino, &dir, DIR_MASK).unwrap();
        std::fs::create_dir(dir.join("child")).unwrap();
        let evs = read_inotify(&ino).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            evs.iter().any(|e| e.wd == wd
                && e.mask & libc::IN_CREATE != 0
                && e.name.as_deref() == Some(std::ffi::OsStr::new("child"))),
            "{evs:?}"
        );
        assert!(add_watch(&ino, &dir.join("gone"), DIR_MASK).is_err());
    }
}
