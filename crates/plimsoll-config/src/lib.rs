//! Configuration: `plimsoll.toml` and hadolint's `.hadolint.yaml`.
//!
//! Search order for a linted file: `plimsoll.toml` and `.hadolint.yaml`
//! (or `.hadolint.yml`) from the file's directory upward, then
//! `$XDG_CONFIG_HOME/plimsoll/plimsoll.toml` and
//! `$XDG_CONFIG_HOME/hadolint.yaml`. Precedence, lowest first: built-in
//! defaults, `.hadolint.yaml`, `plimsoll.toml`, command-line flags.

use plimsoll_core::{Severity, Threshold};
use plimsoll_lint::Options;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Everything configuration decides for a lint run.
#[derive(Debug, Clone)]
pub struct Config {
    pub options: Options,
    pub threshold: Threshold,
    /// Files the configuration came from, for `--verbose` and errors.
    pub sources: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            options: Options::default(),
            threshold: Threshold::At(Severity::Info),
            sources: Vec::new(),
        }
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// hadolint's configuration file, as hadolint reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct HadolintYaml {
    #[serde(default)]
    ignored: Vec<String>,
    #[serde(default, rename = "override")]
    overrides: Option<HadolintOverride>,
    #[serde(default, alias = "trustedRegistries")]
    trusted_registries: Vec<String>,
    #[serde(default)]
    failure_threshold: Option<String>,
    #[serde(default)]
    label_schema: BTreeMap<String, String>,
    #[serde(default)]
    strict_labels: Option<bool>,
    #[serde(default)]
    no_fail: Option<bool>,
    #[serde(default)]
    no_color: Option<bool>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    disable_ignore_pragma: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct HadolintOverride {
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    warning: Vec<String>,
    #[serde(default)]
    info: Vec<String>,
    #[serde(default)]
    style: Vec<String>,
}

/// `plimsoll.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlimsollToml {
    #[serde(default)]
    lint: LintToml,
    /// Read by `plimsoll k8s` and `plimsoll check` (their own types).
    #[serde(default)]
    #[allow(dead_code)]
    k8s: Option<toml::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    budget: Option<toml::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    incidents: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct LintToml {
    #[serde(default)]
    select: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    failure_threshold: Option<String>,
    #[serde(default)]
    trusted_registries: Option<Vec<String>>,
    #[serde(default)]
    label_schema: Option<BTreeMap<String, String>>,
    #[serde(default)]
    strict_labels: Option<bool>,
}

/// Largest configuration file read (they are small; this bounds memory).
const MAX_CONFIG: u64 = 1 << 20;

fn read(path: &Path) -> Result<String, ConfigError> {
    let err = |m: String| ConfigError {
        path: path.to_path_buf(),
        message: m,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if meta.len() > MAX_CONFIG {
        return Err(err(format!("larger than {MAX_CONFIG} bytes")));
    }
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| err("not UTF-8".into()))
}

fn severity(path: &Path, s: &str) -> Result<Severity, ConfigError> {
    Severity::parse(s).ok_or_else(|| ConfigError {
        path: path.to_path_buf(),
        message: format!("unknown severity {s:?} (expected error, warning, info or style)"),
    })
}

fn threshold(path: &Path, s: &str) -> Result<Threshold, ConfigError> {
    Threshold::parse(s).ok_or_else(|| ConfigError {
        path: path.to_path_buf(),
        message: format!(
            "unknown failure threshold {s:?} (expected error, warning, info, style or none)"
        ),
    })
}

impl Config {
    /// Applies a `.hadolint.yaml`.
    pub fn apply_hadolint(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let y: HadolintYaml = if text.trim().is_empty() {
            HadolintYaml::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| ConfigError {
                path: path.to_path_buf(),
                message: format!("invalid hadolint configuration: {e}"),
            })?
        };
        let _ = (y.no_color, y.format, y.disable_ignore_pragma);
        self.options.ignore.extend(y.ignored);
        if let Some(o) = y.overrides {
            for (sev, codes) in [
                (Severity::Error, o.error),
                (Severity::Warning, o.warning),
                (Severity::Info, o.info),
                (Severity::Style, o.style),
            ] {
                for c in codes {
                    self.options.severity.insert(c.to_ascii_uppercase(), sev);
                }
            }
        }
        if !y.trusted_registries.is_empty() {
            self.options.settings.trusted_registries = y.trusted_registries;
        }
        if let Some(t) = y.failure_threshold {
            self.threshold = threshold(path, &t)?;
        }
        if y.no_fail == Some(true) {
            self.threshold = Threshold::None;
        }
        if !y.label_schema.is_empty() {
            self.options.settings.label_schema = y.label_schema;
        }
        if let Some(s) = y.strict_labels {
            self.options.settings.strict_labels = s;
        }
        self.sources.push(path.to_path_buf());
        Ok(())
    }

    /// Applies a `plimsoll.toml`.
    pub fn apply_plimsoll(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let t: PlimsollToml = toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("invalid plimsoll.toml: {}", e.to_string().trim()),
        })?;
        let l = t.lint;
        if let Some(s) = l.select {
            self.options.select = s;
        }
        self.options.ignore.extend(l.ignore);
        for (code, s) in l.severity {
            self.options
                .severity
                .insert(code.to_ascii_uppercase(), severity(path, &s)?);
        }
        if let Some(t) = l.failure_threshold {
            self.threshold = threshold(path, &t)?;
        }
        if let Some(r) = l.trusted_registries {
            self.options.settings.trusted_registries = r;
        }
        if let Some(s) = l.label_schema {
            self.options.settings.label_schema = s;
        }
        if let Some(s) = l.strict_labels {
            self.options.settings.strict_labels = s;
        }
        self.sources.push(path.to_path_buf());
        Ok(())
    }

    /// Loads the configuration that applies to files in `dir`.
    /// `explicit`: a `--config` file (TOML or hadolint YAML by extension),
    /// which replaces the search for that kind.
    pub fn discover(dir: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        Discovery::new(explicit).config_for(dir)
    }
}

/// Configuration files that apply to a directory: (.hadolint.yaml, plimsoll.toml).
type Found = (Option<PathBuf>, Option<PathBuf>);

/// Finds and parses the configuration of many directories, looking at
/// each directory and parsing each file once (a fleet lint touches
/// thousands of directories that share their ancestors).
pub struct Discovery {
    explicit: Option<PathBuf>,
    explicit_is_yaml: bool,
    xdg: Found,
    found: HashMap<PathBuf, Found>,
    parsed: HashMap<Found, Result<Config, ConfigError>>,
}

/// `dir` made absolute and with `.`/`..` resolved lexically (no syscalls).
fn normalize(dir: &Path) -> PathBuf {
    let start = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let abs = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Discovery {
    pub fn new(explicit: Option<&Path>) -> Discovery {
        let xdg_dir = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
        let xdg = match &xdg_dir {
            Some(x) => (
                Some(x.join("hadolint.yaml")).filter(|p| p.is_file()),
                Some(x.join("plimsoll/plimsoll.toml")).filter(|p| p.is_file()),
            ),
            None => (None, None),
        };
        Discovery {
            explicit: explicit.map(Path::to_path_buf),
            explicit_is_yaml: explicit
                .is_some_and(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml")),
            xdg,
            found: HashMap::new(),
            parsed: HashMap::new(),
        }
    }

    /// The nearest configuration files at or above `dir`.
    fn locate(&mut self, dir: &Path) -> Found {
        if let Some(f) = self.found.get(dir) {
            return f.clone();
        }
        let own_h = [".hadolint.yaml", ".hadolint.yml"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        let own_t = Some(dir.join("plimsoll.toml")).filter(|p| p.is_file());
        let (ph, pt) = match (&own_h, &own_t, dir.parent()) {
            (Some(_), Some(_), _) | (_, _, None) => (None, None),
            (_, _, Some(parent)) => self.locate(parent),
        };
        let f = (own_h.or(ph), own_t.or(pt));
        self.found.insert(dir.to_path_buf(), f.clone());
        f
    }

    /// The configuration for files in `dir`.
    pub fn config_for(&mut self, dir: &Path) -> Result<Config, ConfigError> {
        let (mut h, mut t) = self.locate(&normalize(dir));
        h = h.or_else(|| self.xdg.0.clone());
        t = t.or_else(|| self.xdg.1.clone());
        if let Some(e) = &self.explicit {
            if self.explicit_is_yaml {
                h = Some(e.clone());
            } else {
                t = Some(e.clone());
            }
        }
        let key = (h, t);
        if let Some(r) = self.parsed.get(&key) {
            return r.clone();
        }
        let r = (|| {
            let mut cfg = Config::default();
            if let Some(p) = &key.0 {
                cfg.apply_hadolint(p, &read(p)?)?;
            }
            if let Some(p) = &key.1 {
                cfg.apply_plimsoll(p, &read(p)?)?;
            }
            Ok(cfg)
        })();
        self.parsed.insert(key, r.clone());
        r
    }
}

/// The first of `names` found in `dir` or one of its ancestors.
pub fn find_up(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    let start = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let abs = std::fs::canonicalize(start).ok()?;
    let mut cur: Option<&Path> = Some(&abs);
    while let Some(d) = cur {
        for n in names {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        cur = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadolint_yaml_is_honoured() {
        let mut c = Config::default();
        let y = "ignored:\n  - DL3008\noverride:\n  error:\n    - DL3015\n  style: [DL3059]\ntrustedRegistries:\n  - my.registry\nfailure-threshold: warning\nlabel-schema:\n  maintainer: text\nstrict-labels: true\n";
        c.apply_hadolint(Path::new(".hadolint.yaml"), y).unwrap();
        assert_eq!(c.options.ignore, vec!["DL3008"]);
        assert_eq!(c.options.severity["DL3015"], Severity::Error);
        assert_eq!(c.options.severity["DL3059"], Severity::Style);
        assert_eq!(c.options.settings.trusted_registries, vec!["my.registry"]);
        assert_eq!(c.threshold, Threshold::At(Severity::Warning));
        assert!(c.options.settings.strict_labels);
        assert_eq!(c.options.settings.label_schema["maintainer"], "text");
    }

    #[test]
    fn bad_yaml_is_an_error_not_a_panic() {
        let mut c = Config::default();
        let e = c
            .apply_hadolint(Path::new("h.yaml"), "ignored: [unclosed")
            .unwrap_err();
        assert!(e.message.contains("invalid hadolint configuration"));
        let e = c
            .apply_hadolint(Path::new("h.yaml"), "failure-threshold: loud\n")
            .unwrap_err();
        assert!(e.message.contains("unknown failure threshold"));
        // alias bomb
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
        assert!(c.apply_hadolint(Path::new("h.yaml"), bomb).is_err());
    }

    #[test]
    fn plimsoll_toml() {
        let mut c = Config::default();
        let t = "[lint]\nselect = [\"PD\"]\nignore = [\"PD011\"]\nfailure-threshold = \"error\"\ntrusted-registries = [\"gcr.io\"]\n[lint.severity]\nPD001 = \"error\"\n";
        c.apply_plimsoll(Path::new("plimsoll.toml"), t).unwrap();
        assert_eq!(c.options.select, vec!["PD"]);
        assert_eq!(c.options.severity["PD001"], Severity::Error);
        assert_eq!(c.threshold, Threshold::At(Severity::Error));
        let e = c
            .apply_plimsoll(Path::new("p.toml"), "[lint]\nbogus = 1\n")
            .unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
    }

    #[test]
    fn discovery_caches_and_resolves_dotdot() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::fs::create_dir_all(d.path().join("c")).unwrap();
        std::fs::write(
            d.path().join("a/plimsoll.toml"),
            "[lint]\nfailure-threshold = \"error\"\n",
        )
        .unwrap();
        let mut disc = Discovery::new(None);
        let c = disc.config_for(&d.path().join("a/b")).unwrap();
        assert_eq!(c.threshold, Threshold::At(Severity::Error));
        let c = disc.config_for(&d.path().join("a/b/../../c")).unwrap();
        assert_eq!(c.threshold, Threshold::At(Severity::Info));
        let c = disc.config_for(&d.path().join("c/../a")).unwrap();
        assert_eq!(c.sources.len(), 1);
    }

    #[test]
    fn discovery_walks_up_and_toml_wins() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            d.path().join(".hadolint.yaml"),
            "failure-threshold: style\nignored: [DL3006]\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("a/plimsoll.toml"),
            "[lint]\nfailure-threshold = \"error\"\n",
        )
        .unwrap();
        let c = Config::discover(&sub, None).unwrap();
        assert_eq!(c.threshold, Threshold::At(Severity::Error));
        assert_eq!(c.options.ignore, vec!["DL3006"]);
        assert_eq!(c.sources.len(), 2);
    }
}
