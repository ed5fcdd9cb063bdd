//! Secrets left in image files, found by content and by name, always
//! reported redacted.

/// Scans the first bytes of a file for private keys and cloud access
/// keys. Returns the kind and a redacted sample.
pub fn scan(head: &[u8]) -> Option<(&'static str, String)> {
    if let Some(i) = find(head, b"PRIVATE KEY-----") {
        // `-----BEGIN RSA PRIVATE KEY-----`: take the BEGIN line.
        let start = head[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = String::from_utf8_lossy(&head[start..(i + 16).min(head.len())]).into_owned();
        if line.contains("BEGIN") && !line.contains("ENCRYPTED") {
            return Some(("private key", line.trim().to_string()));
        }
    }
    let mut at = 0;
    while let Some(i) = find(&head[at..], b"KIA").map(|i| i + at) {
        at = i + 3;
        let Some(start) = i.checked_sub(1) else {
            continue;
        };
        if head[start] != b'A' {
            continue;
        }
        let key = &head[start..(start + 20).min(head.len())];
        let boundary_ok = start == 0 || !head[start - 1].is_ascii_alphanumeric();
        let end_ok = head
            .get(start + 20)
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if key.len() == 20
            && boundary_ok
            && end_ok
            && key
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Some(("AWS access key id", redact(key)));
        }
    }
    None
}

/// Names that are secrets whatever their content.
pub fn by_name(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" => Some("SSH private key"),
        ".env" => Some("dotenv file"),
        ".netrc" | ".pgpass" | ".git-credentials" => Some("credentials file"),
        ".npmrc" | ".pypirc" => Some("package registry credentials"),
        "credentials" if path.contains(".aws/") => Some("AWS credentials file"),
        "config" if path.contains(".kube/") => Some("kubeconfig"),
        "kubeconfig" | "admin.conf" if !path.starts_with("usr/share/") => Some("kubeconfig"),
        _ if name.starts_with(".env.")
            && !name.ends_with(".example")
            && !name.ends_with(".sample") =>
        {
            Some("dotenv file")
        }
        _ => None,
    }
}

/// `AKIA1234…` → `AKIA…(20 chars)`.
fn redact(b: &[u8]) -> String {
    let head = String::from_utf8_lossy(&b[..4.min(b.len())]).into_owned();
    format!("{head}…({} chars, redacted)", b.len())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_redacted() {
        let pem = b"# key\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";
        let (k, s) = scan(pem).unwrap();
        assert_eq!(k, "private key");
        assert!(!s.contains("b3Bl"));
        let env = b"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nOTHER=1";
        let (k, s) = scan(env).unwrap();
        assert_eq!(k, "AWS access key id");
        assert!(!s.contains("IOSFODNN7"));
        assert!(scan(b"MAKIAIOSFODNN7EXAMPLEX").is_none());
        assert!(scan(b"-----BEGIN PUBLIC KEY-----").is_none());
        assert!(scan(b"-----BEGIN ENCRYPTED PRIVATE KEY-----").is_none());
    }

    #[test]
    fn names() {
        assert_eq!(by_name("root/.ssh/id_rsa"), Some("SSH private key"));
        assert_eq!(by_name("app/.env"), Some("dotenv file"));
        assert_eq!(by_name("app/.env.example"), None);
        assert_eq!(by_name("root/.kube/config"), Some("kubeconfig"));
        assert_eq!(by_name("etc/config"), None);
    }
}
