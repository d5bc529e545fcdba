//! Reading an RDB file: [`read_rdb`], the file-level walk (magic, opcodes,
//! keys, checksum). Values are read by `values`.

use super::input::{error, Input};
use super::values::{is_value_type, read_entry, Scratch};
use super::{opcode, RdbError, RdbSummary, RDB_VERSION};
use crate::store::Entry;
use crate::types::TypeLimits;
use std::io::Read;

/// How often (in bytes read) `progress` is called.
const PROGRESS_EVERY: u64 = 1 << 20;
/// The first version whose files end with a checksum.
const CHECKSUM_SINCE: u32 = 5;
/// Most key bytes an error message quotes.
const KEY_IN_MESSAGE_MAX: usize = 64;

/// Reads a whole RDB file (versions 1 to 10, as Redis 7.0 can; a newer
/// version is refused) and hands every key to `sink(database, entry)`,
/// each entry with the LRU/LFU clock `clock`, its values built under
/// `limits` as the command handlers would build them. Checks the CRC-64
/// after EOF unless the file stored 0 (written with `rdbchecksum no`).
///
/// Keys whose expire time has passed are handed over too: dropping them
/// (as a loading master does) is the caller's choice. Database numbers are
/// passed as the file says; the caller refuses ones it does not have. IDLE
/// and FREQ hints are read and ignored (every key gets `clock`); function
/// libraries (FUNCTION2) are skipped and counted; module data, streams and
/// pre-release functions are refused.
///
/// Calls `progress(bytes read)` about every megabyte. Any malformed input
/// (truncation, bad lengths, corrupt blobs or compressed data, duplicate
/// members, a checksum mismatch) gives an [`RdbError`] naming the offset.
pub fn read_rdb<R: Read>(
    input: R,
    limits: &TypeLimits,
    clock: u32,
    sink: &mut dyn FnMut(usize, Entry),
    progress: &mut dyn FnMut(u64),
) -> Result<RdbSummary, RdbError> {
    let mut input = Input::new(input);
    let version = read_magic(&mut input)?;
    let mut summary = RdbSummary {
        version,
        ..RdbSummary::default()
    };
    let mut db = 0usize;
    let mut expire_at: Option<u64> = None;
    let (mut key, mut value) = (Vec::new(), Vec::new());
    let mut scratch = Scratch::default();
    let mut next_progress = PROGRESS_EVERY;
    loop {
        let at = input.offset();
        if at >= next_progress {
            progress(at);
            next_progress = at + PROGRESS_EVERY;
        }
        match input.byte()? {
            opcode::EOF => break,
            opcode::AUX => {
                input.string_into(&mut key)?;
                input.string_into(&mut value)?;
                summary.aux.push((key.clone(), value.clone()));
            }
            opcode::SELECTDB => {
                let n = input.length()?;
                db = match usize::try_from(n) {
                    Ok(n) if n <= u32::MAX as usize => n,
                    _ => return error(at, format!("database number {n} is too large")),
                };
            }
            opcode::RESIZEDB => {
                input.length()?;
                input.length()?;
            }
            opcode::EXPIRETIME_MS => {
                let ms = i64::from_le_bytes(input.array()?);
                expire_at = Some(ms.max(0) as u64);
            }
            opcode::EXPIRETIME => {
                let secs = i32::from_le_bytes(input.array()?);
                expire_at = Some(secs.max(0) as u64 * 1000);
            }
            opcode::IDLE => {
                input.length()?;
            }
            opcode::FREQ => {
                input.byte()?;
            }
            opcode::FUNCTION2 => {
                input.string_into(&mut value)?;
                summary.functions_skipped += 1;
            }
            opcode::FUNCTION_PRE_GA => {
                return error(
                    at,
                    "functions in the pre-release 7.0 format are not supported",
                )
            }
            opcode::MODULE_AUX => {
                return error(
                    at,
                    "module auxiliary data is not supported (it needs a Redis module)",
                )
            }
            type_byte if is_value_type(type_byte) => {
                input.string_into(&mut key)?;
                let entry = read_entry(
                    &mut input,
                    type_byte,
                    (&key, expire_at, clock),
                    limits,
                    &mut scratch,
                )
                .map_err(|e| naming_key(e, &key))?;
                match entry {
                    Some(entry) => {
                        summary.keys += 1;
                        summary.volatile_keys += expire_at.is_some() as u64;
                        sink(db, entry);
                    }
                    None => summary.empty_keys_skipped += 1,
                }
                expire_at = None;
            }
            other => return error(at, format!("unknown opcode or value type {other}")),
        }
    }
    if version >= CHECKSUM_SINCE {
        let computed = input.checksum();
        let at = input.offset();
        let stored = u64::from_le_bytes(input.array()?);
        if stored != 0 && stored != computed {
            return error(
                at,
                format!("checksum mismatch: the file says {stored:#018x}, its bytes give {computed:#018x}"),
            );
        }
        summary.checksum_verified = stored != 0;
    }
    progress(input.offset());
    summary.bytes = input.offset();
    Ok(summary)
}

/// The magic "REDIS" and the 4-digit version.
fn read_magic<R: Read>(input: &mut Input<R>) -> Result<u32, RdbError> {
    let magic: [u8; 9] = input.array()?;
    if &magic[..5] != b"REDIS" {
        return error(0, "not an RDB file (no REDIS magic)");
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u32>().ok());
    match version {
        Some(v) if (1..=RDB_VERSION).contains(&v) => Ok(v),
        Some(v) => error(
            5,
            format!("RDB version {v} is not supported (this server reads 1 to {RDB_VERSION})"),
        ),
        None => error(5, "bad RDB version field"),
    }
}

/// `e` with the key it happened in added to its message.
fn naming_key(mut e: RdbError, key: &[u8]) -> RdbError {
    let shown = &key[..key.len().min(KEY_IN_MESSAGE_MAX)];
    let more = if key.len() > KEY_IN_MESSAGE_MAX {
        "..."
    } else {
        ""
    };
    e.message = format!("{} (key \"{}{more}\")", e.message, shown.escape_ascii());
    e
}
