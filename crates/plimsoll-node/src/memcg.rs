//! The memory cgroup of interest: where it is, which interface files it
//! offers (with fallbacks), and one normalised view of its memory figures
//! whatever the mode, each figure with the raw files and keys that fed it.

use crate::env::{CgroupFs, Environment, under};
use crate::mode::{Negotiation, Owner};
use crate::{NodeError, read_text};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Interface files probed in every memory cgroup (both modes, so the
/// report shows what is absent as well as what is there).
pub const PROBED_FILES: &[&str] = &[
    "memory.current",
    "memory.max",
    "memory.high",
    "memory.low",
    "memory.peak",
    "memory.events",
    "memory.events.local",
    "memory.pressure",
    "memory.stat",
    "memory.swap.current",
    "memory.swap.max",
    "memory.swap.events",
    "cgroup.events",
    "memory.usage_in_bytes",
    "memory.limit_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.failcnt",
    "memory.oom_control",
    "memory.pressure_level",
    "memory.memsw.usage_in_bytes",
    "memory.memsw.limit_in_bytes",
    "memory.kmem.usage_in_bytes",
    "cgroup.event_control",
];

/// v1 reports "no limit" as the largest page-counter value (LONG_MAX
/// rounded down to a page: 9223372036854771712 with 4 KiB pages); anything
/// this large is no limit.
pub const V1_UNLIMITED_FLOOR: u64 = 0x7FFF_FFFF_0000_0000;

/// Largest number of `memory.stat` keys kept.
const MAX_STAT_KEYS: usize = 512;

/// One probed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProbe {
    pub name: String,
    pub exists: bool,
    /// It could be read (event-only files such as `memory.pressure_level`
    /// and `cgroup.event_control` exist but are not readable).
    pub readable: bool,
}

/// Pressure stall information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Psi {
    /// `/proc/pressure/memory` could be read.
    pub proc_pressure_memory: bool,
    /// The per-cgroup `memory.pressure` that could be read, if any (on a
    /// hybrid node it lives in the cgroup2 tree).
    pub cgroup_memory_pressure: Option<String>,
    /// `psi=` on the kernel command line.
    pub cmdline: Option<bool>,
    /// PSI can drive memory alerts.
    pub available: bool,
}

/// Whether swap use is accounted per cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwapAccounting {
    /// None when it cannot be told (the v2 root cgroup has no swap files).
    pub enabled: Option<bool>,
    pub evidence: String,
}

/// The interface of one memory cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The cgroup directory (host path).
    pub dir: String,
    /// Which hierarchy it is in.
    pub hierarchy: Owner,
    /// The root cgroup of its hierarchy (the v2 root has no memory.max,
    /// memory.high or memory.events).
    pub is_root: bool,
    pub files: Vec<FileProbe>,
    /// Keys of `memory.stat`, in file order.
    pub stat_keys: Vec<String>,
    /// Keys of `memory.oom_control` (v1; `oom_kill` exists since 4.13).
    pub oom_control_keys: Vec<String>,
    pub psi: Psi,
    pub swap_accounting: SwapAccounting,
}

impl Probe {
    pub fn has(&self, name: &str) -> bool {
        self.files.iter().any(|f| f.name == name && f.exists)
    }
    pub fn readable(&self, name: &str) -> bool {
        self.files.iter().any(|f| f.name == name && f.readable)
    }
}

/// A normalised figure and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Value {
    /// Bytes; None when unknown or (for limits) unlimited.
    pub bytes: Option<u64>,
    /// Raw files and `file:key` pairs that fed it on this mode.
    pub sources: Vec<String>,
    pub note: Option<String>,
}

/// One normalised view of a memory cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalised {
    pub usage: Value,
    /// usage − inactive file pages, as kubelet computes it (never below 0).
    pub working_set: Value,
    pub anon: Value,
    pub file: Value,
    pub kernel: Value,
    pub swap: Value,
    pub limit: Value,
    pub high: Value,
    /// Known semantic differences of these figures on this mode.
    pub semantics: Vec<String>,
}

/// Finds the memory cgroup directory: `explicit` (a cgroupfs path, or a
/// path inside the memory hierarchy such as `/libpod_parent/x`), else the
/// reading process's own memory cgroup. None when no hierarchy owns memory.
pub fn locate(
    root: &Path,
    env: &Environment,
    neg: &Negotiation,
    explicit: Option<&str>,
) -> Result<Option<String>, NodeError> {
    let Some(mount) = neg.memory_mount.as_deref() else {
        return match explicit {
            Some(p) => Err(NodeError::Cgroup {
                path: p.to_string(),
                why: "no hierarchy owns the memory controller on this node".into(),
            }),
            None => Ok(None),
        };
    };
    if let Some(p) = explicit {
        let abs = if p.starts_with('/')
            && env
                .mounts
                .iter()
                .any(|m| Path::new(p).starts_with(&m.mount_point) && m.mount_point != "/")
        {
            p.to_string()
        } else {
            join(mount, p)
        };
        return if under(root, &abs).is_dir() {
            Ok(Some(abs))
        } else {
            Err(NodeError::Cgroup {
                path: p.to_string(),
                why: format!("{abs} is not a cgroup directory"),
            })
        };
    }
    let Some(m) = env.mounts.iter().find(|m| m.mount_point == mount) else {
        return Ok(None);
    };
    let own = env.self_cgroup.as_deref().and_then(|lines| {
        lines.iter().find(|l| match neg.memory_controller {
            Owner::V1 => l.hierarchy != 0 && l.controllers.iter().any(|c| c == "memory"),
            Owner::V2 => l.hierarchy == 0,
            Owner::None => false,
        })
    });
    let Some(own) = own else {
        return Ok(Some(mount.to_string()));
    };
    let rel = Path::new(&own.path)
        .strip_prefix(&m.root)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| own.path.clone());
    let dir = join(mount, &rel);
    // A cgroup namespace can hide the real path: fall back to the mount.
    Ok(Some(if under(root, &dir).is_dir() {
        dir
    } else {
        mount.to_string()
    }))
}

fn join(base: &str, rel: &str) -> String {
    let rel = rel.trim_matches('/');
    if rel.is_empty() {
        base.to_string()
    } else {
        format!("{}/{rel}", base.trim_end_matches('/'))
    }
}

/// `memory.stat` as key → value (bad lines skipped, at most 512 keys).
pub fn parse_stat(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let k = f.next()?;
            let v = f.next()?.parse().ok()?;
            Some((k.to_string(), v))
        })
        .take(MAX_STAT_KEYS)
        .collect()
}

fn probe_file(dir: &Path, name: &str) -> FileProbe {
    let p = dir.join(name);
    let exists = std::fs::symlink_metadata(&p).is_ok();
    FileProbe {
        name: name.to_string(),
        exists,
        readable: exists && matches!(read_text(&p), Ok(Some(_))),
    }
}

/// Probes the cgroup at `dir` (host path) of hierarchy `owner`.
pub fn probe(root: &Path, env: &Environment, neg: &Negotiation, dir: &str) -> Probe {
    let owner = neg.memory_controller;
    let path = under(root, dir);
    let files: Vec<FileProbe> = PROBED_FILES.iter().map(|n| probe_file(&path, n)).collect();
    let stat_keys = read_text(&path.join("memory.stat"))
        .ok()
        .flatten()
        .map(|t| parse_stat(&t).into_iter().map(|(k, _)| k).collect())
        .unwrap_or_default();
    let oom_control_keys = read_text(&path.join("memory.oom_control"))
        .ok()
        .flatten()
        .map(|t| parse_stat(&t).into_iter().map(|(k, _)| k).collect())
        .unwrap_or_default();
    let mount = neg.memory_mount.clone().unwrap_or_default();
    let is_root = dir.trim_end_matches('/') == mount.trim_end_matches('/');

    // PSI: the kernel file, then the cgroup's memory.pressure (in the
    // cgroup2 tree: the cgroup itself on v2, its counterpart on hybrid).
    let proc_psi = matches!(
        read_text(&under(root, "/proc/pressure/memory")),
        Ok(Some(_))
    );
    let rel = dir.strip_prefix(mount.as_str()).unwrap_or("");
    let mut candidates = Vec::new();
    if owner == Owner::V2 {
        candidates.push(join(dir, "memory.pressure"));
    } else {
        // The same path in the cgroup2 tree, then the process's own
        // cgroup2 cgroup (`0::` line).
        let own_v2 = env
            .self_cgroup
            .as_deref()
            .and_then(|l| l.iter().find(|l| l.hierarchy == 0))
            .map(|l| l.path.clone());
        for m in env.mounts.iter().filter(|m| m.fstype == CgroupFs::Cgroup2) {
            candidates.push(join(&join(&m.mount_point, rel), "memory.pressure"));
            if let Some(own) = &own_v2 {
                let r = Path::new(own)
                    .strip_prefix(&m.root)
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_else(|_| own.clone());
                candidates.push(join(&join(&m.mount_point, &r), "memory.pressure"));
            }
        }
    }
    let cgroup_psi = candidates
        .into_iter()
        .find(|c| matches!(read_text(&under(root, c)), Ok(Some(_))));
    let psi = Psi {
        proc_pressure_memory: proc_psi,
        cgroup_memory_pressure: cgroup_psi,
        cmdline: env.cmdline.psi,
        available: proc_psi && env.cmdline.psi != Some(false),
    };

    let has = |n: &str| files.iter().any(|f| f.name == n && f.exists);
    let swap_accounting = if env.cmdline.swapaccount == Some(false) {
        SwapAccounting {
            enabled: Some(false),
            evidence: "swapaccount=0 on the kernel command line".into(),
        }
    } else {
        match owner {
            Owner::V1 if has("memory.memsw.usage_in_bytes") => SwapAccounting {
                enabled: Some(true),
                evidence: "memory.memsw.* files exist".into(),
            },
            Owner::V1 => SwapAccounting {
                enabled: Some(false),
                evidence:
                    "no memory.memsw.* files (swap accounting off or CONFIG_MEMCG_SWAP unset)"
                        .into(),
            },
            Owner::V2 if has("memory.swap.max") => SwapAccounting {
                enabled: Some(true),
                evidence: "memory.swap.max exists".into(),
            },
            Owner::V2 if is_root => SwapAccounting {
                enabled: None,
                evidence:
                    "the v2 root cgroup has no memory.swap.* files; probe a child cgroup (--cgroup)"
                        .into(),
            },
            Owner::V2 => SwapAccounting {
                enabled: Some(false),
                evidence: "no memory.swap.max in a non-root v2 cgroup".into(),
            },
            Owner::None => SwapAccounting {
                enabled: None,
                evidence: "no memory controller".into(),
            },
        }
    };
    Probe {
        dir: dir.to_string(),
        hierarchy: owner,
        is_root,
        files,
        stat_keys,
        oom_control_keys,
        psi,
        swap_accounting,
    }
}

fn number(root: &Path, dir: &str, name: &str) -> Option<u64> {
    let t = read_text(&under(root, &join(dir, name))).ok()??;
    t.trim().parse().ok()
}

fn value(bytes: Option<u64>, sources: &[&str]) -> Value {
    Value {
        bytes,
        sources: sources.iter().map(|s| s.to_string()).collect(),
        note: None,
    }
}

fn noted(mut v: Value, note: &str) -> Value {
    v.note = Some(note.to_string());
    v
}

/// Reads the normalised view of the cgroup at `dir` on hierarchy `owner`
/// (None for [`Owner::None`]).
pub fn normalise(root: &Path, owner: Owner, dir: &str) -> Option<Normalised> {
    let stat: BTreeMap<String, u64> = read_text(&under(root, &join(dir, "memory.stat")))
        .ok()
        .flatten()
        .map(|t| parse_stat(&t).into_iter().collect())
        .unwrap_or_default();
    let s = |k: &str| stat.get(k).copied();
    match owner {
        Owner::None => None,
        Owner::V1 => {
            let usage = number(root, dir, "memory.usage_in_bytes");
            let (inactive, inactive_src) = match s("total_inactive_file") {
                Some(v) => (Some(v), "memory.stat:total_inactive_file"),
                None => (s("inactive_file"), "memory.stat:inactive_file"),
            };
            let ws = usage.zip(inactive).map(|(u, i)| u.saturating_sub(i));
            let (anon, anon_src) = match s("total_rss") {
                Some(v) => (Some(v), "memory.stat:total_rss"),
                None => (s("rss"), "memory.stat:rss"),
            };
            let (file, file_src) = match s("total_cache") {
                Some(v) => (Some(v), "memory.stat:total_cache"),
                None => (s("cache"), "memory.stat:cache"),
            };
            let swap = match s("total_swap") {
                Some(v) => value(Some(v), &["memory.stat:total_swap"]),
                None => {
                    let memsw = number(root, dir, "memory.memsw.usage_in_bytes");
                    noted(
                        value(
                            memsw.zip(usage).map(|(m, u)| m.saturating_sub(u)),
                            &["memory.memsw.usage_in_bytes", "memory.usage_in_bytes"],
                        ),
                        "memsw.usage − usage",
                    )
                }
            };
            let raw_limit = number(root, dir, "memory.limit_in_bytes");
            let mut limit = value(
                raw_limit.filter(|l| *l < V1_UNLIMITED_FLOOR),
                &["memory.limit_in_bytes"],
            );
            if raw_limit.is_some_and(|l| l >= V1_UNLIMITED_FLOOR) {
                limit.note = Some(format!(
                    "{} is v1's \"no limit\" (the largest page-counter value)",
                    raw_limit.unwrap_or(0)
                ));
            }
            if let Some(h) = s("hierarchical_memory_limit").filter(|h| *h < V1_UNLIMITED_FLOOR)
                && raw_limit.is_none_or(|l| h < l)
            {
                limit
                    .sources
                    .push("memory.stat:hierarchical_memory_limit".into());
                limit.note = Some(format!(
                    "an ancestor's limit is tighter: hierarchical_memory_limit {h}"
                ));
            }
            Some(Normalised {
                usage: noted(
                    value(usage, &["memory.usage_in_bytes"]),
                    "v1 usage is rss + cache (+ kernel memory where kmem is charged), and is a batched, slightly fuzzy counter",
                ),
                working_set: value(ws, &["memory.usage_in_bytes", inactive_src]),
                anon: value(anon, &[anon_src]),
                file: noted(
                    value(file, &[file_src]),
                    "cache includes shmem and tmpfs pages, which cannot be dropped without swap",
                ),
                kernel: value(
                    number(root, dir, "memory.kmem.usage_in_bytes"),
                    &["memory.kmem.usage_in_bytes"],
                ),
                swap,
                limit,
                high: noted(
                    value(None, &[]),
                    "cgroup v1 has no memory.high (memory.soft_limit_in_bytes only matters under global reclaim)",
                ),
                semantics: semantics(Owner::V1),
            })
        }
        Owner::V2 => {
            let usage = number(root, dir, "memory.current");
            let ws = usage
                .zip(s("inactive_file"))
                .map(|(u, i)| u.saturating_sub(i));
            let kernel = match s("kernel") {
                Some(v) => value(Some(v), &["memory.stat:kernel"]),
                None => {
                    let slab = if stat.contains_key("slab") {
                        vec!["slab"]
                    } else {
                        vec!["slab_reclaimable", "slab_unreclaimable"]
                    };
                    let keys: Vec<&str> = ["kernel_stack", "pagetables", "percpu", "sock"]
                        .into_iter()
                        .chain(slab)
                        .filter(|k| stat.contains_key(*k))
                        .collect();
                    let sum = keys
                        .iter()
                        .try_fold(0u64, |a, k| a.checked_add(s(k).unwrap_or(0)));
                    let srcs: Vec<String> =
                        keys.iter().map(|k| format!("memory.stat:{k}")).collect();
                    Value {
                        bytes: if keys.is_empty() { None } else { sum },
                        sources: srcs,
                        note: Some(
                            "no memory.stat `kernel` key on this kernel: sum of its parts".into(),
                        ),
                    }
                }
            };
            let lim = |name: &str| -> Value {
                let t = read_text(&under(root, &join(dir, name))).ok().flatten();
                match t.as_deref().map(str::trim) {
                    Some("max") => noted(value(None, &[name]), "\"max\": no limit"),
                    Some(v) => value(v.parse().ok(), &[name]),
                    None => noted(
                        value(None, &[name]),
                        "file absent (the root cgroup has none)",
                    ),
                }
            };
            Some(Normalised {
                usage: noted(
                    value(usage, &["memory.current"]),
                    "memory.current includes kernel memory (slab, stacks, page tables, sockets)",
                ),
                working_set: value(ws, &["memory.current", "memory.stat:inactive_file"]),
                anon: value(s("anon"), &["memory.stat:anon"]),
                file: noted(
                    value(s("file"), &["memory.stat:file"]),
                    "file includes shmem and tmpfs pages (memory.stat:shmem)",
                ),
                kernel,
                swap: value(
                    number(root, dir, "memory.swap.current"),
                    &["memory.swap.current"],
                ),
                limit: lim("memory.max"),
                high: lim("memory.high"),
                semantics: semantics(Owner::V2),
            })
        }
    }
}

/// The known semantic differences of the figures on a mode.
pub fn semantics(owner: Owner) -> Vec<String> {
    let common = [
        "working set = usage − inactive_file (kubelet's container_memory_working_set_bytes and its eviction signal), floored at 0",
        "shmem/tmpfs pages count as file/cache, yet they cannot be reclaimed without swap: a full tmpfs looks like reclaimable cache",
    ];
    let specific: &[&str] = match owner {
        Owner::V1 => &[
            "memory.usage_in_bytes is rss + cache; since kmem is charged to the same counter (kernel 4.x and later, always from 5.x) it also includes kernel memory",
            "memory.usage_in_bytes is updated in per-CPU batches: memory.stat (rss + cache + swap) is the exact figure",
            "memory.stat `total_*` keys are hierarchical (this cgroup and its descendants); the plain keys count this cgroup only",
            "swap is memsw.usage − usage (memory.memsw.* exists only with swap accounting)",
            "no memory.high: throttling before the limit does not exist on v1",
            "\"no limit\" is reported as 9223372036854771712 (page-counter maximum), not as a word",
        ],
        Owner::V2 => &[
            "memory.current includes kernel memory (slab, stacks, page tables, socket buffers)",
            "memory.stat keys are hierarchical and unprefixed (anon, file, kernel, inactive_file)",
            "memory.swap.current is swap alone (v1's memsw counted memory + swap)",
            "\"max\" means no limit in memory.max and memory.high",
            "the root cgroup has no memory.current/max/high/events: read a child cgroup",
        ],
        Owner::None => &[],
    };
    common
        .iter()
        .chain(specific)
        .map(|s| s.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing() {
        let s = parse_stat("cache 4096\nrss 8192\nbad\nswap x\n");
        assert_eq!(s, vec![("cache".into(), 4096), ("rss".into(), 8192)]);
        let many: String = (0..2000).map(|i| format!("k{i} 1\n")).collect();
        assert_eq!(parse_stat(&many).len(), MAX_STAT_KEYS);
    }

    #[test]
    fn joins() {
        assert_eq!(join("/sys/fs/cgroup/memory", "/"), "/sys/fs/cgroup/memory");
        assert_eq!(
            join("/sys/fs/cgroup/memory/", "/a/b/"),
            "/sys/fs/cgroup/memory/a/b"
        );
    }
}
