//! Kubernetes resource quantities (`500m`, `1.5`, `512Mi`, `1G`, `1e3`).

/// A CPU quantity in millicores, rounded up as the API server rounds it.
pub fn cpu_millis(text: &str) -> Option<u64> {
    let v = parse(text)?;
    if v < 0.0 {
        return None;
    }
    Some((v * 1000.0).ceil() as u64)
}

/// A memory (or any byte) quantity in bytes, rounded up.
pub fn bytes(text: &str) -> Option<u64> {
    let v = parse(text)?;
    if v < 0.0 {
        return None;
    }
    Some(v.ceil() as u64)
}

/// The value of a quantity as a number (`100m` = 0.1, `1Ki` = 1024).
pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.len() > 64 {
        return None;
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(t.len());
    let (num, suffix) = t.split_at(split);
    if num.is_empty() || num == "+" || num == "-" || num.ends_with(['+', '-']) {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s => {
            let exp = s.strip_prefix(['e', 'E'])?;
            if exp.is_empty() || exp.len() > 4 {
                return None;
            }
            let e: i32 = exp.parse().ok()?;
            10f64.powi(e)
        }
    };
    let v = n * mult;
    v.is_finite().then_some(v)
}

/// A byte count in the unit a person would write (`512Mi`, `1.5Gi`).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (u, size) in UNITS {
        if b >= size {
            let v = b as f64 / size as f64;
            return if (v - v.round()).abs() < 1e-9 {
                format!("{}{u}", v.round() as u64)
            } else {
                format!("{v:.1}{u}")
            };
        }
    }
    format!("{b}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_units() {
        assert_eq!(cpu_millis("200m"), Some(200));
        assert_eq!(cpu_millis("0.5"), Some(500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("1e3m"), None, "two suffixes");
        assert_eq!(bytes("512Mi"), Some(512 << 20));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("129e6"), Some(129_000_000));
        assert_eq!(bytes("128974848"), Some(128_974_848));
        assert_eq!(bytes("1.5Gi"), Some(3 << 29));
        assert_eq!(bytes("-1"), None);
        assert_eq!(bytes("lots"), None);
        assert_eq!(bytes(""), None);
        assert_eq!(bytes("1e999999"), None);
    }

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(512 << 20), "512Mi");
        assert_eq!(human_bytes(3 << 29), "1.5Gi");
        assert_eq!(human_bytes(100), "100");
    }
}
