//! Which cgroups to watch: container cgroups recognised by name under the
//! v1 memory hierarchy and the v2 tree, plus explicit paths.

use std::path::{Path, PathBuf};

/// Which interface a cgroup directory speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// v1 memory controller (`memory.usage_in_bytes`, ...).
    V1,
    /// cgroup2 (`memory.current`, ...).
    V2,
}

/// A mounted hierarchy to walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub mount: PathBuf,
    pub version: Version,
}

/// One cgroup being watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The cgroupfs directory.
    pub dir: PathBuf,
    pub version: Version,
    /// The path inside its hierarchy (`/docker/<id>`), or the directory
    /// when it lies outside every known hierarchy.
    pub cgroup: String,
    /// The 12-hex short container id when the name carries a 64-hex id.
    pub container_id: Option<String>,
}

/// Deepest directory level walked below a hierarchy's mount.
pub const MAX_DEPTH: usize = 16;

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn short(id: &str) -> Option<String> {
    id.get(..12).map(str::to_string)
}

/// The short container id carried by one path component, given its
/// parent components (outermost first): `docker-<id>.scope`,
/// `crio-<id>.scope`, `cri-containerd-<id>.scope`, `libpod-<id>` with or
/// without `.scope`, `<id>` under `docker`, and `<id>` under a `pod<uid>`
/// inside a `kubepods` tree. `crio-conmon-` and `libpod-conmon-` scopes
/// (the monitor, not the container) are not containers.
pub fn component_id(name: &str, parents: &[&str]) -> Option<String> {
    let base = name.strip_suffix(".scope").unwrap_or(name);
    for prefix in ["docker-", "crio-", "cri-containerd-", "libpod-"] {
        if let Some(id) = base.strip_prefix(prefix) {
            if prefix != "libpod-" && name == base {
                // docker-, crio- and cri-containerd- are systemd scopes.
                continue;
            }
            if is_hex64(id) {
                return short(id);
            }
        }
    }
    if is_hex64(name) {
        let parent = parents.last().copied().unwrap_or("");
        if parent == "docker" {
            return short(name);
        }
        let in_kubepods = parents.iter().any(|p| p.starts_with("kubepods"));
        let parent_is_pod = parent.starts_with("pod")
            || (parent.starts_with("kubepods") && parent.contains("-pod"));
        if in_kubepods && parent_is_pod {
            return short(name);
        }
    }
    None
}

/// The short container id of a cgroup path (`/a/b/c`): the innermost
/// component that names a container.
pub fn container_id(cgroup: &str) -> Option<String> {
    let parts: Vec<&str> = cgroup.split('/').filter(|p| !p.is_empty()).collect();
    (0..parts.len())
        .rev()
        .find_map(|i| component_id(parts.get(i)?, parts.get(..i)?))
}

/// The hierarchies worth watching among the node's cgroup mounts: v1
/// mounts carrying the memory controller and cgroup2 mounts, one per
/// superblock.
pub fn hierarchies(root: &Path, mounts: &[crate::env::CgroupMount]) -> Vec<Hierarchy> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for m in mounts {
        let version = match m.fstype {
            crate::env::CgroupFs::Cgroup if m.controllers.iter().any(|c| c == "memory") => {
                Version::V1
            }
            crate::env::CgroupFs::Cgroup2 => Version::V2,
            crate::env::CgroupFs::Cgroup => continue,
        };
        if seen.contains(&m.device.as_str()) {
            continue;
        }
        seen.push(&m.device);
        out.push(Hierarchy {
            mount: crate::env::under(root, &m.mount_point),
            version,
        });
    }
    out
}

/// Whether a directory holds the memory interface of `version`.
pub fn has_memory(dir: &Path, version: Version) -> bool {
    match version {
        Version::V1 => dir.join("memory.usage_in_bytes").exists(),
        Version::V2 => dir.join("memory.current").exists(),
    }
}

/// Walks each hierarchy (up to [`MAX_DEPTH`] levels) and returns the
/// container cgroups that have a memory interface (every memory cgroup
/// when `all`), at most `cap` of them. Container cgroups are not
/// descended into (their children are charged to them). Directories that
/// vanish or cannot be listed mid-walk are skipped.
pub fn discover(hierarchies: &[Hierarchy], all: bool, cap: usize) -> Vec<Target> {
    walk(hierarchies, all, cap).0
}

/// As [`discover`], also returning the directories listed on the way
/// (the ones a new container cgroup can appear in).
pub fn walk(hierarchies: &[Hierarchy], all: bool, cap: usize) -> (Vec<Target>, Vec<PathBuf>) {
    walk_with(hierarchies, all, cap, &mut |_| false)
}

/// As [`walk`], for a watch that already follows cgroups: a directory
/// for which `known` is true is a cgroup already followed (taken as a
/// memory cgroup without looking; one that is gone is found out by
/// sampling it). It counts towards `cap` but is not returned: the
/// targets returned are the new ones. With 10,000 cgroups this saves
/// building 10,000 targets (and a file lookup each) per walk.
pub fn walk_with(
    hierarchies: &[Hierarchy],
    all: bool,
    cap: usize,
    known: &mut dyn FnMut(&Path) -> bool,
) -> (Vec<Target>, Vec<PathBuf>) {
    let mut out = Vec::new();
    let mut dirs = Vec::new();
    let mut seen = 0usize;
    for h in hierarchies {
        let mut stack: Vec<(PathBuf, Vec<String>)> = vec![(h.mount.clone(), Vec::new())];
        while let Some((dir, parts)) = stack.pop() {
            if out.len() + seen >= cap {
                return (out, dirs);
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort_unstable();
            let parents: Vec<&str> = parts.iter().map(String::as_str).collect();
            dirs.push(dir.clone());
            let mut child = dir;
            let mut descend = Vec::new();
            for name in names.into_iter().rev() {
                child.push(&name);
                let id = component_id(&name, &parents);
                let is_container = id.is_some();
                if is_container || all {
                    if known(&child) {
                        seen += 1;
                    } else if has_memory(&child, h.version) {
                        if out.len() + seen >= cap {
                            return (out, dirs);
                        }
                        out.push(Target {
                            dir: child.clone(),
                            version: h.version,
                            cgroup: if parents.is_empty() {
                                format!("/{name}")
                            } else {
                                format!("/{}/{name}", parents.join("/"))
                            },
                            container_id: id,
                        });
                    }
                }
                if !is_container && parts.len() + 1 < MAX_DEPTH {
                    let mut cparts = parts.clone();
                    cparts.push(name);
                    descend.push((child.clone(), cparts));
                }
                child.pop();
            }
            stack.extend(descend);
        }
    }
    (out, dirs)
}

/// Whether a cgroup2 mount can hold memory cgroups (its root's
/// `cgroup.controllers` lists `memory`); v1 hierarchies here always do.
pub fn has_memory_controller(h: &Hierarchy) -> bool {
    match h.version {
        Version::V1 => true,
        Version::V2 => std::fs::read_to_string(h.mount.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|x| x == "memory")),
    }
}

/// An explicit cgroup: a cgroupfs directory, or a path inside one of the
/// hierarchies (tried in order). None when no memory interface is found.
pub fn explicit(path: &str, hierarchies: &[Hierarchy]) -> Option<Target> {
    let p = Path::new(path);
    for h in hierarchies {
        if let Ok(rel) = p.strip_prefix(&h.mount)
            && has_memory(p, h.version)
        {
            let cgroup = format!("/{}", rel.to_string_lossy());
            return Some(Target {
                dir: p.to_path_buf(),
                version: h.version,
                container_id: container_id(&cgroup),
                cgroup,
            });
        }
    }
    for h in hierarchies {
        let dir = h.mount.join(path.trim_start_matches('/'));
        if has_memory(&dir, h.version) {
            let cgroup = format!("/{}", path.trim_start_matches('/'));
            return Some(Target {
                dir,
                version: h.version,
                container_id: container_id(&cgroup),
                cgroup,
            });
        }
    }
    for version in [Version::V1, Version::V2] {
        if has_memory(p, version) {
            return Some(Target {
                dir: p.to_path_buf(),
                version,
                cgroup: path.to_string(),
                container_id: container_id(path),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4c01db0b339c4d4b8e2b0d7dbd2e2d3f9c5c0d6e8a1b2c3d4e5f60718293a4b5";

    #[test]
    fn runtime_names() {
        let s = Some("4c01db0b339c".to_string());
        for p in [
            format!("/system.slice/docker-{ID}.scope"),
            format!("/docker/{ID}"),
            format!("/machine.slice/crio-{ID}.scope"),
            format!("/system.slice/cri-containerd-{ID}.scope"),
            format!("/libpod_parent/libpod-{ID}"),
            format!("/machine.slice/libpod-{ID}.scope"),
            format!("/kubepods/burstable/pod0b6a8d2c-1111-2222-3333-444455556666/{ID}"),
            format!("/kubepods/pod0b6a8d2c-1111-2222-3333-444455556666/{ID}"),
            format!(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b6a8d2c_1111.slice/cri-containerd-{ID}.scope"
            ),
            format!("/kubepods.slice/kubepods-pod0b6a8d2c_1111.slice/{ID}"),
        ] {
            assert_eq!(container_id(&p), s, "{p}");
        }
    }

    #[test]
    fn not_containers() {
        for p in [
            "/".to_string(),
            "/system.slice/app.service".to_string(),
            format!("/machine.slice/crio-conmon-{ID}.scope"),
            format!("/machine.slice/libpod-conmon-{ID}.scope"),
            format!("/system.slice/docker-{ID}"),
            format!("/other/{ID}"),
            format!("/kubepods/burstable/{ID}"),
            format!("/docker/{}", &ID[..63]),
            format!("/docker/{}", ID.to_uppercase()),
            format!("/docker-{ID}x.scope"),
            "/docker-.scope".to_string(),
            "/libpod-".to_string(),
        ] {
            assert_eq!(container_id(&p), None, "{p}");
        }
    }

    #[test]
    fn walk_finds_containers_and_respects_cap() {
        let root = std::env::temp_dir().join(format!("plimsoll-watch-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mk = |rel: &str, file: &str| {
            let d = root.join(rel);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(file), "0\n").unwrap();
        };
        mk(&format!("v1/docker/{ID}"), "memory.usage_in_bytes");
        mk(&format!("v1/docker/{ID}/nested"), "memory.usage_in_bytes");
        mk("v1/system.slice/app.service", "memory.usage_in_bytes");
        mk(
            &format!("v2/system.slice/docker-{ID}.scope"),
            "memory.current",
        );
        // A v2 container cgroup without the memory controller is skipped.
        let other = ID.replace('4', "5");
        std::fs::create_dir_all(root.join(format!("v2/system.slice/docker-{other}.scope")))
            .unwrap();
        let hs = [
            Hierarchy {
                mount: root.join("v1"),
                version: Version::V1,
            },
            Hierarchy {
                mount: root.join("v2"),
                version: Version::V2,
            },
        ];
        let found = discover(&hs, false, 100);
        let all = discover(&hs, true, 100);
        let capped = discover(&hs, true, 2);
        let (_, dirs) = walk(&hs, false, 100);
        let ex = explicit("/system.slice/app.service", &hs);
        // A followed cgroup is counted, not returned nor looked at (this
        // one has no memory file, and is still taken as a memory cgroup).
        let followed = root.join(format!("v1/docker/{}", ID.replace('c', "d")));
        std::fs::create_dir_all(&followed).unwrap();
        let mut asked = Vec::new();
        let (new, _) = walk_with(&hs, false, 100, &mut |p: &Path| {
            asked.push(p.to_path_buf());
            p == followed
        });
        let (capped_new, _) = walk_with(&hs, false, 2, &mut |p: &Path| p == followed);
        std::fs::remove_dir_all(&root).unwrap();
        assert!(asked.contains(&followed));
        assert_eq!(new.len(), 2, "{new:#?}");
        assert!(new.iter().all(|t| t.dir != followed));
        assert_eq!(
            capped_new.len(),
            1,
            "the followed one counts towards the cap"
        );
        let names: Vec<(&str, Version)> = found
            .iter()
            .map(|t| (t.cgroup.as_str(), t.version))
            .collect();
        assert_eq!(
            names,
            vec![
                (format!("/docker/{ID}").as_str(), Version::V1),
                (
                    format!("/system.slice/docker-{ID}.scope").as_str(),
                    Version::V2
                ),
            ]
        );
        assert!(
            found
                .iter()
                .all(|t| t.container_id.as_deref() == Some("4c01db0b339c"))
        );
        assert_eq!(all.len(), 3, "{all:#?}");
        assert_eq!(capped.len(), 2);
        // Containers are not descended into; their parents are listed.
        assert!(dirs.contains(&root.join("v1/docker")), "{dirs:?}");
        assert!(
            !dirs.contains(&root.join(format!("v1/docker/{ID}"))),
            "{dirs:?}"
        );
        assert!(dirs.contains(&root.join("v2/system.slice")), "{dirs:?}");
        let ex = ex.unwrap();
        assert_eq!(ex.version, Version::V1);
        assert_eq!(ex.container_id, None);
        assert_eq!(ex.dir, root.join("v1/system.slice/app.service"));
    }
}
