//! The quoting of redis.conf lines, as Redis's `sdssplitargs` reads it and
//! `sdscatrepr` writes it: words split on blanks, `"..."` with `\n \r \t \b
//! \a \xHH` and `\<any>` escapes, `'...'` with only `\'` as an escape. A
//! closing quote must be followed by a blank or the end of the line.

/// Splits `line` into words; None when the quotes are unbalanced (or a
/// closing quote is glued to the next word), as `sdssplitargs` returns NULL.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while at(i) != 0 && at(i).is_ascii_whitespace() || at(i) == 0x0b {
            i += 1;
        }
        if at(i) == 0 {
            return Some(words);
        }
        let (mut in_double, mut in_single) = (false, false);
        let mut word = Vec::new();
        loop {
            let c = at(i);
            if in_double {
                if c == b'\\' && at(i + 1) == b'x' && hex(at(i + 2)).is_some() {
                    if let (Some(h), Some(l)) = (hex(at(i + 2)), hex(at(i + 3))) {
                        word.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(i + 1) != 0 {
                    word.push(match at(i + 1) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    if at(i + 1) != 0 && !at(i + 1).is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                }
                if c == 0 {
                    return None;
                }
                word.push(c);
            } else if in_single {
                if c == b'\\' && at(i + 1) == b'\'' {
                    word.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if at(i + 1) != 0 && !at(i + 1).is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                }
                if c == 0 {
                    return None;
                }
                word.push(c);
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    _ => word.push(c),
                }
            }
            i += 1;
        }
        words.push(word);
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `bytes` in double quotes with Redis's escapes (`sdscatrepr`): what
/// CONFIG REWRITE writes for string values.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|w| {
            w.into_iter()
                .map(|w| String::from_utf8_lossy(&w).into_owned())
                .collect()
        })
    }

    #[test]
    fn words_quotes_and_escapes() {
        assert_eq!(split("  save 900   1 ").unwrap(), ["save", "900", "1"]);
        assert_eq!(split("save \"\"").unwrap(), ["save", ""]);
        assert_eq!(
            split(r#"a "b c\n\x41\"" 'd\'e' f"g h""#).unwrap(),
            ["a", "b c\nA\"", "d'e", "fg h"]
        );
        assert_eq!(split(r"'a\nb'").unwrap(), [r"a\nb"]);
        assert_eq!(split("").unwrap(), Vec::<String>::new());
        assert!(split("port \"abc").is_none());
        assert!(split("a 'b").is_none());
        assert!(split("\"a\"b").is_none());
    }

    #[test]
    fn quote_round_trips() {
        let raw = b"a \"b\"\\\n\x01\xff";
        let quoted = quote(raw);
        assert_eq!(quoted, r#""a \"b\"\\\n\x01\xff""#);
        assert_eq!(split_args(quoted.as_bytes()).unwrap(), [raw.to_vec()]);
    }
}
