//! Replication ids: 40 random hex digits naming a replication history, and
//! the pair of ids a server keeps so that followers of its previous leader
//! can continue with it after a promotion (PSYNC2).
//!
//! On promotion (`REPLICAOF NO ONE`), and on a follower whose leader answers
//! `+CONTINUE <new id>`, the current id becomes the secondary one, valid for
//! PSYNC offsets up to `master_repl_offset + 1`, and a new id takes its place
//! (Redis's shiftReplicationId). Captured from Redis 7.0.15 at offset 60708:
//! replid2 = the old id, second_repl_offset = 60709.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of a replication id.
pub(crate) const REPLID_LEN: usize = 40;

/// A replication id: 40 ASCII characters, lowercase hex when generated here.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Replid([u8; REPLID_LEN]);

impl Replid {
    /// The all-zero id INFO shows as master_replid2 when there is none.
    pub(crate) const NONE: Replid = Replid([b'0'; REPLID_LEN]);

    /// A fresh random id.
    pub(crate) fn random() -> Replid {
        let mut raw = [0u8; REPLID_LEN / 2];
        fill_random(&mut raw);
        let mut id = [0u8; REPLID_LEN];
        for (i, byte) in raw.iter().enumerate() {
            id[2 * i] = hex_digit(byte >> 4);
            id[2 * i + 1] = hex_digit(byte & 0xf);
        }
        Replid(id)
    }

    /// `bytes` as an id if it is exactly 40 characters (as a +FULLRESYNC or
    /// +CONTINUE reply or an RDB repl-id field carries it); Redis does not
    /// check that they are hex, only the length.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Replid> {
        let id: [u8; REPLID_LEN] = bytes.try_into().ok()?;
        id.iter()
            .all(|b| b.is_ascii_graphic())
            .then_some(Replid(id))
    }

    /// The id as text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII ever gets in (random hex or checked by `parse`).
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Whether `asked` names this id, ignoring ASCII case as Redis's
    /// strcasecmp does.
    pub(crate) fn matches(&self, asked: &[u8]) -> bool {
        asked.eq_ignore_ascii_case(&self.0)
    }
}

impl fmt::Display for Replid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Replid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Replid({})", self.as_str())
    }
}

/// A fresh random replication id as text (40 lowercase hex digits).
pub(crate) fn new_replid() -> String {
    Replid::random().to_string()
}

fn hex_digit(nibble: u8) -> u8 {
    b"0123456789abcdef"[nibble as usize]
}

/// Fills `out` from /dev/urandom, or from [`fill_from_hasher`] where that
/// cannot be read.
fn fill_random(out: &mut [u8]) {
    let from_urandom = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(out));
    if from_urandom.is_err() {
        fill_from_hasher(out);
    }
}

/// Fills `out` from std's randomly keyed SipHash (each `RandomState::new`
/// has fresh keys) over the time and the chunk index.
fn fill_from_hasher(out: &mut [u8]) {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_usize(i);
        let word = hasher.finish().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
}

/// The ids a server answers PSYNC for: its current id, and the previous one
/// valid up to (and including) PSYNC offset `second_repl_offset`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReplIds {
    /// master_replid.
    pub(crate) replid: Replid,
    /// master_replid2 ([`Replid::NONE`] when there is none).
    pub(crate) replid2: Replid,
    /// second_repl_offset (-1 when there is no secondary id).
    pub(crate) second_repl_offset: i64,
}

impl ReplIds {
    /// A fresh random id and no secondary one (a server at start).
    pub(crate) fn new() -> ReplIds {
        ReplIds {
            replid: Replid::random(),
            replid2: Replid::NONE,
            second_repl_offset: -1,
        }
    }

    /// Replaces the current id with a fresh one (Redis's
    /// changeReplicationId: a new history, e.g. when the backlog is created
    /// for the first follower). The secondary id is left alone.
    pub(crate) fn change(&mut self) {
        self.replid = Replid::random();
    }

    /// Forgets the secondary id (Redis's clearReplicationId2).
    pub(crate) fn clear_secondary(&mut self) {
        self.replid2 = Replid::NONE;
        self.second_repl_offset = -1;
    }

    /// Promotion: the current id stays valid as the secondary one for PSYNC
    /// offsets up to `master_repl_offset + 1`, and a fresh id takes its place.
    pub(crate) fn shift(&mut self, master_repl_offset: i64) {
        self.shift_to(Replid::random(), master_repl_offset);
    }

    /// Like [`ReplIds::shift`] but to a given id: a follower whose leader
    /// answered `+CONTINUE <new_id>` with a different id.
    pub(crate) fn shift_to(&mut self, new_id: Replid, master_repl_offset: i64) {
        self.replid2 = self.replid;
        self.second_repl_offset = master_repl_offset + 1;
        self.replid = new_id;
    }

    /// Whether a `PSYNC <asked> <psync_offset>` names this history: the
    /// current id at any offset, or the secondary id up to
    /// `second_repl_offset`. (The backlog then decides whether the bytes are
    /// still there.) `?` never matches.
    pub(crate) fn accepts(&self, asked: &[u8], psync_offset: i64) -> bool {
        self.replid.matches(asked)
            || (self.second_repl_offset >= 0
                && self.replid2.matches(asked)
                && psync_offset <= self.second_repl_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Replid {
        Replid::parse(text.as_bytes()).unwrap()
    }

    const OLD: &str = "eed50d6b69f7724609e5a32b45e7a90b0da16559";
    const NEW: &str = "defe920751824cbbf2fb8553209e971a36388ca0";

    #[test]
    fn random_ids_are_40_lowercase_hex_digits_and_differ() {
        let a = new_replid();
        let b = new_replid();
        assert_eq!(a.len(), REPLID_LEN);
        assert!(
            a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
            "{a}"
        );
        assert_ne!(a, b);
        assert_ne!(Replid::random(), Replid::NONE);
    }

    #[test]
    fn the_fallback_source_varies_between_calls_and_chunks() {
        let mut a = [0u8; 20];
        let mut b = [0u8; 20];
        fill_from_hasher(&mut a);
        fill_from_hasher(&mut b);
        assert_ne!(a, b);
        assert_ne!(a[..8], a[8..16]);
        assert_ne!(a, [0u8; 20]);
    }

    #[test]
    fn parse_wants_exactly_40_printable_characters() {
        assert_eq!(id(OLD).as_str(), OLD);
        assert!(Replid::parse(&OLD.as_bytes()[..39]).is_none());
        assert!(Replid::parse(format!("{OLD}0").as_bytes()).is_none());
        assert!(Replid::parse(b"?").is_none());
        assert!(Replid::parse(&[b' '; 40]).is_none());
        assert_eq!(Replid::NONE.to_string(), "0".repeat(40));
    }

    #[test]
    fn matching_ignores_ascii_case() {
        assert!(id(OLD).matches(OLD.to_uppercase().as_bytes()));
        assert!(!id(OLD).matches(NEW.as_bytes()));
        assert!(!id(OLD).matches(b"?"));
    }

    #[test]
    fn a_fresh_server_has_no_secondary_id() {
        let ids = ReplIds::new();
        assert_eq!(ids.replid2, Replid::NONE);
        assert_eq!(ids.second_repl_offset, -1);
        assert!(ids.accepts(ids.replid.as_str().as_bytes(), 1));
        assert!(!ids.accepts(Replid::NONE.as_str().as_bytes(), -1));
        assert!(!ids.accepts(b"?", -1));
    }

    #[test]
    fn shift_keeps_the_old_id_valid_up_to_the_next_offset() {
        // The values Redis 7.0.15 showed after REPLICAOF NO ONE at offset 60708.
        let mut ids = ReplIds {
            replid: id(OLD),
            replid2: Replid::NONE,
            second_repl_offset: -1,
        };
        ids.shift_to(id(NEW), 60708);
        assert_eq!(ids.replid, id(NEW));
        assert_eq!(ids.replid2, id(OLD));
        assert_eq!(ids.second_repl_offset, 60709);
        assert!(ids.accepts(OLD.as_bytes(), 60709)); // the old master's PSYNC
        assert!(ids.accepts(OLD.as_bytes(), 1));
        assert!(!ids.accepts(OLD.as_bytes(), 60710)); // ahead of our history
        assert!(ids.accepts(NEW.as_bytes(), 60710));
    }

    #[test]
    fn shift_generates_a_new_id() {
        let mut ids = ReplIds::new();
        let before = ids.replid;
        ids.shift(10);
        assert_ne!(ids.replid, before);
        assert_eq!(ids.replid2, before);
        assert_eq!(ids.second_repl_offset, 11);
    }

    #[test]
    fn a_second_shift_forgets_the_oldest_id() {
        let mut ids = ReplIds::new();
        let first = ids.replid;
        ids.shift(5);
        let second = ids.replid;
        ids.shift(9);
        assert_eq!(ids.replid2, second);
        assert_eq!(ids.second_repl_offset, 10);
        assert!(!ids.accepts(first.as_str().as_bytes(), 3));
    }

    #[test]
    fn change_and_clear() {
        let mut ids = ReplIds::new();
        ids.shift(5);
        let secondary = ids.replid2;
        let current = ids.replid;
        ids.change();
        assert_ne!(ids.replid, current);
        assert_eq!(ids.replid2, secondary);
        ids.clear_secondary();
        assert_eq!(ids.replid2, Replid::NONE);
        assert_eq!(ids.second_repl_offset, -1);
        assert!(!ids.accepts(secondary.as_str().as_bytes(), 1));
    }
}
