//! Environment facts: parsers for `/proc` and `/etc` text, and the reader
//! that collects them under a root directory.
//!
//! Every parser is a pure function of the file's text and accepts what real
//! kernels write (octal escapes in mountinfo paths, optional fields, comment
//! headers); lines it cannot understand are skipped, never a panic.

use crate::{NodeError, read_text};
use serde::Serialize;
use std::path::Path;

/// Container runtime sockets looked for (existence only).
pub const RUNTIME_SOCKETS: &[(&str, &str)] = &[
    ("docker", "/run/docker.sock"),
    ("docker", "/var/run/docker.sock"),
    ("containerd", "/run/containerd/containerd.sock"),
    ("cri-o", "/run/crio/crio.sock"),
    ("podman", "/run/podman/podman.sock"),
];

/// Which cgroup filesystem a mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupFs {
    /// `cgroup` (v1, legacy).
    Cgroup,
    /// `cgroup2` (unified).
    Cgroup2,
}

/// One cgroup or cgroup2 mount from `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CgroupMount {
    pub fstype: CgroupFs,
    /// Where it is mounted (unescaped).
    pub mount_point: String,
    /// The cgroup this mount shows as its root (`/` on a host).
    pub root: String,
    /// `major:minor` of the superblock: two mounts with the same device are
    /// the same hierarchy.
    pub device: String,
    /// The super options as the kernel lists them.
    pub super_options: String,
    /// Controllers: v1 from the super options, v2 from the mount's
    /// `cgroup.controllers` (empty when unread).
    pub controllers: Vec<String>,
    /// v1 named hierarchy (`name=systemd`).
    pub name: Option<String>,
    /// v2: whether `cgroup.controllers` could be read (always true for v1).
    pub controllers_known: bool,
}

/// One line of `/proc/cgroups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcCgroup {
    pub controller: String,
    /// 0 when the controller is on cgroup v2 or not mounted on v1.
    pub hierarchy: u32,
    pub num_cgroups: u64,
    pub enabled: bool,
}

/// One line of `/proc/self/cgroup`: `id:controllers:path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelfCgroup {
    pub hierarchy: u32,
    /// Empty for the v2 line (`0::/path`).
    pub controllers: Vec<String>,
    pub path: String,
}

/// Kernel command-line switches that change cgroup memory behaviour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CmdlineFlags {
    /// `psi=0|1` (None when absent: the build default applies).
    pub psi: Option<bool>,
    /// `cgroup_no_v1=` value.
    pub cgroup_no_v1: Option<String>,
    /// `systemd.unified_cgroup_hierarchy=` value.
    pub systemd_unified_cgroup_hierarchy: Option<String>,
    /// `systemd.legacy_systemd_cgroup_controller=` value.
    pub systemd_legacy_systemd_cgroup_controller: Option<String>,
    /// `swapaccount=0|1`.
    pub swapaccount: Option<bool>,
    /// `cgroup_disable=` value (e.g. `memory`).
    pub cgroup_disable: Option<String>,
    /// `cgroup_enable=` value.
    pub cgroup_enable: Option<String>,
}

/// A container runtime socket that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeSocket {
    pub runtime: String,
    pub path: String,
}

/// Everything read about the node before any judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub architecture: String,
    pub kernel: Option<String>,
    pub os: Option<String>,
    pub hostname: Option<String>,
    pub cmdline: CmdlineFlags,
    pub mounts: Vec<CgroupMount>,
    /// None when `/proc/cgroups` is missing (it is optional on v2 kernels).
    pub proc_cgroups: Option<Vec<ProcCgroup>>,
    /// None when `/proc/self/cgroup` is missing.
    pub self_cgroup: Option<Vec<SelfCgroup>>,
    pub runtimes: Vec<RuntimeSocket>,
}

/// Undoes mountinfo's octal escapes (`\040` space, `\011` tab, `\012`
/// newline, `\134` backslash).
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        if c == b'\\'
            && let Some(d) = b.get(i + 1..i + 4)
            && d.iter().all(|x| (b'0'..=b'7').contains(x))
        {
            let v = d.iter().fold(0u32, |acc, x| acc * 8 + u32::from(x - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Super options of a v1 mount that are flags, not controllers.
const V1_FLAGS: &[&str] = &[
    "rw",
    "ro",
    "noprefix",
    "clone_children",
    "xattr",
    "cpuset_v2_mode",
    "favordynmods",
    "none",
    "all",
];

/// The cgroup and cgroup2 mounts of a mountinfo text (v2 controllers are
/// left empty: they come from the filesystem, see [`read`]).
pub fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let (Some(device), Some(root), Some(mount_point)) =
            (fields.get(2), fields.get(3), fields.get(4))
        else {
            continue;
        };
        let fstype = match fields.get(sep + 1) {
            Some(&"cgroup") => CgroupFs::Cgroup,
            Some(&"cgroup2") => CgroupFs::Cgroup2,
            _ => continue,
        };
        let super_options = fields.get(sep + 3).copied().unwrap_or("").to_string();
        let mut controllers = Vec::new();
        let mut name = None;
        if fstype == CgroupFs::Cgroup {
            for o in super_options.split(',').filter(|o| !o.is_empty()) {
                if let Some(n) = o.strip_prefix("name=") {
                    name = Some(n.to_string());
                } else if !o.contains('=') && !V1_FLAGS.contains(&o) {
                    controllers.push(o.to_string());
                }
            }
        }
        out.push(CgroupMount {
            fstype,
            mount_point: unescape(mount_point),
            root: unescape(root),
            device: device.to_string(),
            super_options,
            controllers,
            name,
            controllers_known: fstype == CgroupFs::Cgroup,
        });
    }
    out
}

/// `/proc/cgroups` (the `#subsys_name` header and bad lines skipped).
pub fn parse_proc_cgroups(text: &str) -> Vec<ProcCgroup> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some(ProcCgroup {
                controller: f.next()?.to_string(),
                hierarchy: f.next()?.parse().ok()?,
                num_cgroups: f.next()?.parse().ok()?,
                enabled: f.next()? == "1",
            })
        })
        .collect()
}

/// `/proc/<pid>/cgroup`.
pub fn parse_self_cgroup(text: &str) -> Vec<SelfCgroup> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let hierarchy = f.next()?.parse().ok()?;
            let controllers = f
                .next()?
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            Some(SelfCgroup {
                hierarchy,
                controllers,
                path: f.next()?.to_string(),
            })
        })
        .collect()
}

fn bool_flag(v: &str) -> Option<bool> {
    match v {
        "1" | "y" | "Y" | "on" | "true" => Some(true),
        "0" | "n" | "N" | "off" | "false" => Some(false),
        _ => None,
    }
}

/// The cgroup-related switches of `/proc/cmdline` (the last occurrence wins,
/// as in the kernel; arguments after `--` belong to init and are ignored).
pub fn parse_cmdline(text: &str) -> CmdlineFlags {
    let mut f = CmdlineFlags::default();
    for w in text.split_whitespace() {
        if w == "--" {
            break;
        }
        let (k, v) = w.split_once('=').unwrap_or((w, ""));
        match k {
            "psi" => f.psi = bool_flag(v),
            "cgroup_no_v1" => f.cgroup_no_v1 = Some(v.to_string()),
            "systemd.unified_cgroup_hierarchy" => {
                f.systemd_unified_cgroup_hierarchy = Some(v.to_string())
            }
            "systemd.legacy_systemd_cgroup_controller" => {
                f.systemd_legacy_systemd_cgroup_controller = Some(v.to_string())
            }
            "swapaccount" => f.swapaccount = bool_flag(v),
            "cgroup_disable" => f.cgroup_disable = Some(v.to_string()),
            "cgroup_enable" => f.cgroup_enable = Some(v.to_string()),
            _ => {}
        }
    }
    f
}

/// `PRETTY_NAME` of an os-release file (quotes removed).
pub fn parse_os_release(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let v = l.trim().strip_prefix("PRETTY_NAME=")?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v);
        Some(v.to_string())
    })
}

/// `root` joined with an absolute host path.
pub fn under(root: &Path, abs: &str) -> std::path::PathBuf {
    root.join(abs.trim_start_matches('/'))
}

fn first_line(t: Option<String>) -> Option<String> {
    t.map(|s| s.lines().next().unwrap_or("").trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Reads the environment under `root` (`/` on a real node). Only
/// `/proc/self/mountinfo` is required; everything else is a fact when
/// missing.
pub fn read(root: &Path) -> Result<Environment, NodeError> {
    let mi_path = under(root, "/proc/self/mountinfo");
    let mountinfo = read_text(&mi_path)?.ok_or_else(|| NodeError::Missing {
        path: mi_path.display().to_string(),
        why: "the cgroup mounts cannot be known without it (is /proc mounted?)",
    })?;
    let mut mounts = parse_mountinfo(&mountinfo);
    for m in &mut mounts {
        if m.fstype == CgroupFs::Cgroup2 {
            let p = under(root, &m.mount_point).join("cgroup.controllers");
            if let Ok(Some(t)) = read_text(&p) {
                m.controllers = t.split_whitespace().map(str::to_string).collect();
                m.controllers_known = true;
            }
        }
    }
    let opt = |p: &str| read_text(&under(root, p)).ok().flatten();
    let architecture = first_line(opt("/proc/sys/kernel/arch")).unwrap_or_else(|| {
        if root == Path::new("/") {
            std::env::consts::ARCH.to_string()
        } else {
            "unknown".to_string()
        }
    });
    let runtimes = RUNTIME_SOCKETS
        .iter()
        .filter(|(_, p)| std::fs::symlink_metadata(under(root, p)).is_ok())
        .map(|(r, p)| RuntimeSocket {
            runtime: r.to_string(),
            path: p.to_string(),
        })
        .collect();
    Ok(Environment {
        architecture,
        kernel: first_line(opt("/proc/sys/kernel/osrelease")),
        os: opt("/etc/os-release")
            .or_else(|| opt("/usr/lib/os-release"))
            .and_then(|t| parse_os_release(&t)),
        hostname: first_line(opt("/proc/sys/kernel/hostname")),
        cmdline: opt("/proc/cmdline")
            .map(|t| parse_cmdline(&t))
            .unwrap_or_default(),
        mounts,
        proc_cgroups: opt("/proc/cgroups").map(|t| parse_proc_cgroups(&t)),
        self_cgroup: opt("/proc/self/cgroup").map(|t| parse_self_cgroup(&t)),
        runtimes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_cgroup_lines() {
        let t = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
                 40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd\n\
                 41 31 0:38 / /sys/fs/cgroup/uni\\040fied rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n\
                 22 1 0:21 / /proc rw - proc proc rw\n\
                 garbage\n";
        let m = parse_mountinfo(t);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].controllers, vec!["memory"]);
        assert_eq!(m[1].name.as_deref(), Some("systemd"));
        assert!(m[1].controllers.is_empty());
        assert_eq!(m[2].mount_point, "/sys/fs/cgroup/uni fied");
        assert_eq!(m[2].fstype, CgroupFs::Cgroup2);
        assert!(!m[2].controllers_known);
    }

    #[test]
    fn cmdline_switches() {
        let f = parse_cmdline(
            "BOOT_IMAGE=/vmlinuz psi=1 swapaccount=0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 -- psi=0",
        );
        assert_eq!(f.psi, Some(true));
        assert_eq!(f.swapaccount, Some(false));
        assert_eq!(f.cgroup_no_v1.as_deref(), Some("all"));
        assert_eq!(f.systemd_unified_cgroup_hierarchy.as_deref(), Some("1"));
    }

    #[test]
    fn small_files() {
        assert_eq!(
            parse_os_release("NAME=x\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        let c = parse_proc_cgroups(
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t15\t1\nhugetlb 0 2 0\nbad\n",
        );
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].hierarchy, c[0].enabled), (4, true));
        assert!(!c[1].enabled);
        let s = parse_self_cgroup("4:memory:/a/b\n0::/\n1:name=systemd:/x:y\n");
        assert_eq!(s[0].controllers, vec!["memory"]);
        assert!(s[1].controllers.is_empty());
        assert_eq!(s[2].path, "/x:y");
        assert_eq!(unescape("a\\134b\\999"), "a\\b\\999");
    }
}
