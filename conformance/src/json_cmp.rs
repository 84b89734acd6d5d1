//! Structural JSON comparison for decoding tests (FORMAT.md §5.3).

use serde_json::{Number, Value};

/// Top-level keys that vary between runs and are never compared.
pub const IGNORED_KEYS: [&str; 6] = ["exabgp", "host", "pid", "ppid", "time", "version"];

/// Parse one JSON document. serde_json keeps the *last* value of a duplicate
/// key, which is what §5.3 asks for (tested below).
pub fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text.trim()).map_err(|e| format!("invalid JSON: {e}"))
}

/// Remove the ignored top-level keys.
pub fn strip(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        for k in IGNORED_KEYS {
            m.remove(k);
        }
    }
    v
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    // Exact for integers (values up to 2^64 occur), by value otherwise so that
    // 125000000.0 == 125000000.
    match (a.as_u64(), b.as_u64(), a.as_i64(), b.as_i64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// First structural difference between `expected` and `got`, as a path and a
/// short description; `None` when equal.
pub fn diff(expected: &Value, got: &Value, path: &str) -> Option<String> {
    let short = |v: &Value| {
        let s = v.to_string();
        if s.len() > 120 {
            format!(
                "{}...",
                &s[..s.char_indices().nth(117).map_or(s.len(), |c| c.0)]
            )
        } else {
            s
        }
    };
    match (expected, got) {
        (Value::Number(a), Value::Number(b)) => {
            (!numbers_equal(a, b)).then(|| format!("{path}: expected {a}, got {b}"))
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    None => return Some(format!("{p}: missing (expected {})", short(va))),
                    Some(vb) => {
                        if let Some(d) = diff(va, vb, &p) {
                            return Some(d);
                        }
                    }
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map(|k| format!("{path}.{k}: unexpected key (value {})", short(&b[k])))
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                if let Some(d) = diff(va, vb, &format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            (a.len() != b.len())
                .then(|| format!("{path}: expected {} elements, got {}", a.len(), b.len()))
        }
        _ => (expected != got)
            .then(|| format!("{path}: expected {}, got {}", short(expected), short(got))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_last_wins() {
        let v = parse(r#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(v["a"], 2);
    }

    #[test]
    fn numbers() {
        let a = parse(r#"{"x": 125000000.0, "y": 9225060886715039744, "z": -1}"#).unwrap();
        let b = parse(r#"{"x": 125000000, "y": 9225060886715039744, "z": -1}"#).unwrap();
        assert_eq!(diff(&a, &b, ""), None);
        let c = parse(r#"{"x": 125000000, "y": 9225060886715039745, "z": -1}"#).unwrap();
        assert!(diff(&a, &c, "").unwrap().starts_with(".y"));
    }

    #[test]
    fn ignored_keys_and_structure() {
        let a = strip(
            parse(r#"{"exabgp": "5", "time": 1.5, "counter": 1, "l": [1, {"k": "v"}]}"#).unwrap(),
        );
        let b = strip(parse(r#"{"counter": 1, "host": "h", "l": [1, {"k": "v"}]}"#).unwrap());
        assert_eq!(diff(&a, &b, ""), None);
        let c = strip(parse(r#"{"counter": 1, "l": [1, {"k": "w"}]}"#).unwrap());
        assert_eq!(
            diff(&a, &c, "").unwrap(),
            r#".l[1].k: expected "v", got "w""#
        );
        let d = strip(parse(r#"{"counter": 1, "l": [1, {"k": "v"}], "x": 0}"#).unwrap());
        assert!(diff(&a, &d, "").unwrap().contains("unexpected key"));
        let e = strip(parse(r#"{"counter": 2, "l": [1, {"k": "v"}]}"#).unwrap());
        assert!(diff(&a, &e, "").is_some());
    }
}
