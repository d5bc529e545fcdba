//! The notify-keyspace-events parameter: Redis's event classes and their
//! text form. Events are published on `__keyspace@<db>__:<key>` (message:
//! the event) and `__keyevent@<db>__:<event>` (message: the key) when their
//! class is enabled (`commands::Ctx::notify`).

/// Event classes and channel kinds, as Redis's NOTIFY_* bits.
pub mod class {
    pub const KEYSPACE: u32 = 1 << 0; // K
    pub const KEYEVENT: u32 = 1 << 1; // E
    pub const GENERIC: u32 = 1 << 2; // g
    pub const STRING: u32 = 1 << 3; // $
    pub const LIST: u32 = 1 << 4; // l
    pub const SET: u32 = 1 << 5; // s
    pub const HASH: u32 = 1 << 6; // h
    pub const ZSET: u32 = 1 << 7; // z
    pub const EXPIRED: u32 = 1 << 8; // x
    pub const EVICTED: u32 = 1 << 9; // e
    pub const STREAM: u32 = 1 << 10; // t
    pub const KEY_MISS: u32 = 1 << 11; // m
    pub const MODULE: u32 = 1 << 12; // d
    pub const NEW: u32 = 1 << 13; // n
    /// `A`: every class but key-miss and new.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

const CLASS_CHARS: [(char, u32); 11] = [
    ('g', class::GENERIC),
    ('$', class::STRING),
    ('l', class::LIST),
    ('s', class::SET),
    ('h', class::HASH),
    ('z', class::ZSET),
    ('x', class::EXPIRED),
    ('e', class::EVICTED),
    ('t', class::STREAM),
    ('d', class::MODULE),
    ('n', class::NEW),
];

/// Parses a notify-keyspace-events value (`KEA`, `Ex`, `""`...).
pub fn parse_flags(s: &str) -> Result<u32, String> {
    let mut flags = 0;
    for c in s.chars() {
        flags |= match c {
            'A' => class::ALL,
            'K' => class::KEYSPACE,
            'E' => class::KEYEVENT,
            'm' => class::KEY_MISS,
            _ => match CLASS_CHARS.iter().find(|(ch, _)| *ch == c) {
                Some((_, bit)) => *bit,
                None => return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
            },
        };
    }
    Ok(flags)
}

/// The flags as CONFIG GET shows them (Redis's canonical order).
pub fn flags_to_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & class::ALL == class::ALL {
        s.push('A');
    } else {
        for (c, bit) in CLASS_CHARS.iter().filter(|(c, _)| *c != 'n') {
            if flags & bit != 0 {
                s.push(*c);
            }
        }
    }
    for (c, bit) in [
        ('K', class::KEYSPACE),
        ('E', class::KEYEVENT),
        ('m', class::KEY_MISS),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_like_redis() {
        for (input, shown) in [
            ("KEA", "AKE"),
            ("Ex", "xE"),
            ("Kg$lshzxe", "g$lshzxeK"),
            ("Kg$lshzxetd", "AK"),
            ("AKEmn", "AKEm"),
            ("", ""),
        ] {
            assert_eq!(
                flags_to_string(parse_flags(input).unwrap()),
                shown,
                "{input}"
            );
        }
        assert!(parse_flags("foo").is_err());
    }
}
