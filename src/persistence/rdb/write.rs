//! Writing an RDB file: [`write_rdb`].
//!
//! Values are stored under the object types Redis 7.0 chooses for the same
//! in-memory encodings, so that redis-server loads them as it would its own
//! file: strings as STRING (small canonical integers in the INT8/16/32
//! forms, longer strings LZF-compressed when that saves room), lists as
//! QUICKLIST_2 (one listpack per node), small hashes and sorted sets as
//! listpacks, intsets as SET_INTSET, the rest element by element.
//!
//! The output goes through a 64 KB buffer that is checksummed as it is
//! handed to the `Write`: the file is never built in memory.

use super::{container, kind, len, opcode, RdbMeta, RDB_VERSION};
use crate::numbers::{format_double, parse_i64};
use crate::persistence::lzf::Compressor;
use crate::store::db::{DbView, Segment};
use crate::store::{Entry, Value};
use crate::types::hash::Hash;
use crate::types::list::{List, NodeBytes};
use crate::types::listpack::{self, decode, Elem};
use crate::types::set::Set;
use crate::types::zset::ZSet;
use crate::types::Object;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes gathered before they are checksummed and written.
const FLUSH_AT: usize = 64 * 1024;
/// Strings this long or shorter may be stored as integers (Redis: 11).
const INT_ENCODING_MAX_LEN: usize = 11;
/// Strings longer than this are LZF-compressed when it saves room.
const LZF_MIN_LEN: usize = 20;
/// A list element this large has a node of its own, stored plain (Redis
/// 7.0's default packed threshold, 1 GB).
const PLAIN_ELEMENT_MIN: usize = 1 << 30;

/// Writes a whole RDB file (version 10, as Redis 7.0 does) to `out`:
/// the aux fields redis-ver, redis-bits, ctime, used-mem and aof-base; then
/// for each non-empty database (`dbs[i]` is database i) SELECTDB, RESIZEDB
/// and every key, preceded by EXPIRETIME_MS when it has an expire time; then
/// EOF and the CRC-64 of everything before it, little endian (8 zero bytes
/// when `checksum` is false, as with `rdbchecksum no`). `compress` is
/// `rdbcompression`: strings longer than 20 bytes are stored LZF-compressed
/// when that saves room.
///
/// Keys whose expire time has passed but that are still in the views are
/// written too, as redis-server does; a loading server drops them.
/// Returns the number of bytes written.
pub fn write_rdb<W: Write>(
    out: W,
    dbs: &[DbView],
    meta: &RdbMeta,
    compress: bool,
    checksum: bool,
) -> io::Result<u64> {
    write_rdb_releasing(out, dbs.to_vec(), meta, compress, checksum, &mut drop)
}

/// [`write_rdb`] that hands each segment of the views to `release` as soon
/// as it is written: once the caller drops it, the loop writes that segment
/// in place instead of copying it, so a background save copies only the
/// segments written to before the save reached them.
pub fn write_rdb_releasing<W: Write>(
    out: W,
    mut dbs: Vec<DbView>,
    meta: &RdbMeta,
    compress: bool,
    checksum: bool,
    release: &mut dyn FnMut(Arc<Segment>),
) -> io::Result<u64> {
    let mut w = Writer::new(out, compress, checksum);
    w.bytes(format!("REDIS{RDB_VERSION:04}").as_bytes())?;
    let ctime = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    w.aux(b"redis-ver", crate::REDIS_COMPAT_VERSION.as_bytes())?;
    w.aux(b"redis-bits", usize::BITS.to_string().as_bytes())?;
    w.aux(b"ctime", ctime.to_string().as_bytes())?;
    w.aux(b"used-mem", meta.used_mem.to_string().as_bytes())?;
    if let Some(repl) = &meta.repl {
        w.aux(b"repl-stream-db", repl.stream_db.to_string().as_bytes())?;
        w.aux(b"repl-id", repl.id.as_bytes())?;
        w.aux(b"repl-offset", repl.offset.to_string().as_bytes())?;
    }
    w.aux(b"aof-base", if meta.aof_base { b"1" } else { b"0" })?;
    for (index, db) in dbs.iter_mut().enumerate() {
        w.database(index, db, release)?;
    }
    w.finish()
}

/// The output stream and the scratch space reused from value to value
/// (also the encoder of DUMP payloads, see `dump.rs`).
pub(super) struct Writer<W> {
    out: W,
    /// Bytes not yet checksummed and handed to `out`.
    buf: Vec<u8>,
    /// CRC-64 of the bytes handed to `out` (when `checksum`).
    crc: u64,
    /// Bytes handed to `out`.
    written: u64,
    /// rdbchecksum.
    checksum: bool,
    /// rdbcompression.
    compress: bool,
    lzf: Compressor,
    /// LZF output.
    packed: Vec<u8>,
    /// Listpack entries being gathered.
    entries: Vec<u8>,
    /// A listpack or intset blob being built.
    blob: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer to `out`; `compress` is rdbcompression, `checksum`
    /// rdbchecksum (the CRC-64 of the file, written by `finish`).
    pub(super) fn new(out: W, compress: bool, checksum: bool) -> Writer<W> {
        Writer {
            out,
            buf: Vec::with_capacity(FLUSH_AT),
            crc: 0,
            written: 0,
            checksum,
            compress,
            lzf: Compressor::default(),
            packed: Vec::new(),
            entries: Vec::new(),
            blob: Vec::new(),
        }
    }

    /// Checksums and writes `bytes`.
    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.checksum {
            self.crc = crc64::crc64(self.crc, bytes);
        }
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Checksums and writes the buffered bytes.
    fn flush_buf(&mut self) -> io::Result<()> {
        let buf = std::mem::take(&mut self.buf);
        let done = self.emit(&buf);
        self.buf = buf;
        self.buf.clear();
        done
    }

    /// Appends `bytes` to the output (large ones go straight through).
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() >= FLUSH_AT {
            self.flush_buf()?;
            return self.emit(bytes);
        }
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) -> io::Result<()> {
        self.bytes(&[b])
    }

    /// A length in Redis's 1, 2, 5 or 9-byte encoding.
    fn len(&mut self, n: u64) -> io::Result<()> {
        if n < 1 << 6 {
            self.byte(n as u8)
        } else if n < 1 << 14 {
            self.bytes(&[(len::BITS_14 << 6) | (n >> 8) as u8, n as u8])
        } else if let Ok(n) = u32::try_from(n) {
            let b = n.to_be_bytes();
            self.bytes(&[len::BITS_32, b[0], b[1], b[2], b[3]])
        } else {
            self.byte(len::BITS_64)?;
            self.bytes(&n.to_be_bytes())
        }
    }

    /// A string as Redis's `rdbSaveRawString` stores it: a short canonical
    /// integer that fits 32 bits in the INT8/16/32 form; else, with
    /// compression on, LZF when the result is at least 4 bytes shorter;
    /// else its length and bytes.
    fn string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= INT_ENCODING_MAX_LEN {
            if let Some(v) = parse_i64(s) {
                const SPECIAL: u8 = len::ENCODED << 6;
                if let Ok(v) = i8::try_from(v) {
                    return self.bytes(&[SPECIAL | len::ENC_INT8, v as u8]);
                }
                if let Ok(v) = i16::try_from(v) {
                    let b = v.to_le_bytes();
                    return self.bytes(&[SPECIAL | len::ENC_INT16, b[0], b[1]]);
                }
                if let Ok(v) = i32::try_from(v) {
                    let b = v.to_le_bytes();
                    return self.bytes(&[SPECIAL | len::ENC_INT32, b[0], b[1], b[2], b[3]]);
                }
            }
        }
        if self.compress && s.len() > LZF_MIN_LEN {
            let mut packed = std::mem::take(&mut self.packed);
            let fits = self.lzf.compress(s, &mut packed, s.len() - 4);
            let done = if fits {
                self.byte((len::ENCODED << 6) | len::ENC_LZF)
                    .and_then(|_| self.len(packed.len() as u64))
                    .and_then(|_| self.len(s.len() as u64))
                    .and_then(|_| self.bytes(&packed))
            } else {
                Ok(())
            };
            self.packed = packed;
            if fits {
                return done;
            }
        }
        self.len(s.len() as u64)?;
        self.bytes(s)
    }

    /// Writes the blob in `self.blob` as a string.
    fn blob_string(&mut self) -> io::Result<()> {
        let blob = std::mem::take(&mut self.blob);
        let done = self.string(&blob);
        self.blob = blob;
        done
    }

    /// A string already LZF-compressed: `packed` expands to `raw_len` bytes.
    fn lzf_string(&mut self, packed: &[u8], raw_len: usize) -> io::Result<()> {
        self.byte((len::ENCODED << 6) | len::ENC_LZF)?;
        self.len(packed.len() as u64)?;
        self.len(raw_len as u64)?;
        self.bytes(packed)
    }

    /// Builds in `self.blob` a listpack of the `count` entries gathered in
    /// `self.entries`, and writes it as a string.
    fn listpack_string(&mut self, count: usize) -> io::Result<()> {
        self.blob.clear();
        listpack::write_listpack(&mut self.blob, &self.entries, count);
        self.blob_string()
    }

    fn aux(&mut self, name: &[u8], value: &[u8]) -> io::Result<()> {
        self.byte(opcode::AUX)?;
        self.string(name)?;
        self.string(value)
    }

    /// SELECTDB, RESIZEDB and every key of a non-empty database.
    fn database(
        &mut self,
        index: usize,
        db: &mut DbView,
        release: &mut dyn FnMut(Arc<Segment>),
    ) -> io::Result<()> {
        let segments = || db.segments.iter().flatten();
        let keys: usize = segments().map(|s| s.len()).sum();
        if keys == 0 {
            return Ok(());
        }
        let volatile: usize = segments().map(|s| s.volatile()).sum();
        self.byte(opcode::SELECTDB)?;
        self.len(index as u64)?;
        self.byte(opcode::RESIZEDB)?;
        self.len(keys as u64)?;
        self.len(volatile as u64)?;
        for slot in db.segments.iter_mut() {
            if let Some(segment) = slot.take() {
                for entry in segment.iter() {
                    self.entry(entry)?;
                }
                release(segment);
            }
        }
        Ok(())
    }

    /// One key: its expire time, type, key and value.
    fn entry(&mut self, e: &Entry) -> io::Result<()> {
        if let Some(at) = e.expire_at() {
            self.byte(opcode::EXPIRETIME_MS)?;
            self.bytes(&at.to_le_bytes())?;
        }
        let value = e.value();
        self.byte(type_byte(&value))?;
        self.string(e.key())?;
        self.value(value)
    }

    /// A type byte, then the value (a DUMP payload's body).
    pub(super) fn byte_then_value(&mut self, type_byte: u8, value: Value) -> io::Result<()> {
        self.byte(type_byte)?;
        self.value(value)
    }

    /// A value in the encoding its type byte (see [`type_byte`]) announces.
    fn value(&mut self, value: Value) -> io::Result<()> {
        match value {
            Value::Str(s) => self.string(s),
            Value::Obj(Object::List(l)) => self.list(l),
            Value::Obj(Object::Hash(h)) => self.hash(h),
            Value::Obj(Object::Set(s)) => self.set(s),
            Value::Obj(Object::ZSet(z)) => self.zset(z),
        }
    }

    /// QUICKLIST_2: the node count, then per node its container and blob
    /// (a compressed node as its LZF string, as Redis writes it).
    fn list(&mut self, l: &List) -> io::Result<()> {
        self.len(l.node_count() as u64)?;
        for node in l.nodes() {
            let (entries, count) = match node {
                NodeBytes::Entries(entries, count) => (entries, count),
                NodeBytes::Lzf(packed, raw_len) => {
                    self.len(container::PACKED as u64)?;
                    self.lzf_string(packed, raw_len)?;
                    continue;
                }
            };
            if count == 1 {
                if let (Elem::Str(s), _) = decode(entries, 0) {
                    if s.len() >= PLAIN_ELEMENT_MIN {
                        self.len(container::PLAIN as u64)?;
                        self.string(s)?;
                        continue;
                    }
                }
            }
            self.len(container::PACKED as u64)?;
            self.blob.clear();
            listpack::write_listpack(&mut self.blob, entries, count);
            self.blob_string()?;
        }
        Ok(())
    }

    /// HASH_LISTPACK (field, value, field, ...) or HASH (count, then pairs).
    fn hash(&mut self, h: &Hash) -> io::Result<()> {
        if h.is_listpack() {
            self.entries.clear();
            for (field, value) in h.iter() {
                listpack::push_entry(&mut self.entries, Elem::new(field));
                listpack::push_entry(&mut self.entries, Elem::new(value));
            }
            return self.listpack_string(h.len() * 2);
        }
        self.len(h.len() as u64)?;
        for (field, value) in h.iter() {
            self.string(field)?;
            self.string(value)?;
        }
        Ok(())
    }

    /// SET_INTSET (Redis's intset blob: width and count as u32 LE, then the
    /// sorted members) or SET (count, then members).
    fn set(&mut self, s: &Set) -> io::Result<()> {
        if let Some(ints) = s.as_intset() {
            let width = ints.width() as usize;
            self.blob.clear();
            self.blob.extend_from_slice(&(width as u32).to_le_bytes());
            self.blob
                .extend_from_slice(&(ints.len() as u32).to_le_bytes());
            for i in 0..ints.len() {
                self.blob
                    .extend_from_slice(&ints.get(i).to_le_bytes()[..width]);
            }
            return self.blob_string();
        }
        self.len(s.len() as u64)?;
        for member in s.iter() {
            member.with_bytes(|m| self.string(m))?;
        }
        Ok(())
    }

    /// ZSET_LISTPACK (member, score as text, ... ascending) or ZSET_2
    /// (count, then member and binary double per element, descending as
    /// Redis writes them, so that its loader inserts at the head).
    fn zset(&mut self, z: &ZSet) -> io::Result<()> {
        if let ZSet::Small(_) = z {
            self.entries.clear();
            let entries = &mut self.entries;
            z.for_range(0, z.len(), false, |member, score| {
                listpack::push_entry(entries, Elem::new(member));
                listpack::push_entry(entries, Elem::new(format_double(score).as_bytes()));
            });
            return self.listpack_string(z.len() * 2);
        }
        self.len(z.len() as u64)?;
        let mut done = Ok(());
        z.for_range(0, z.len(), true, |member, score| {
            if done.is_ok() {
                done = self
                    .string(member)
                    .and_then(|_| self.bytes(&score.to_le_bytes()));
            }
        });
        done
    }

    /// Hands the buffered bytes to the output and returns it (no EOF, no
    /// checksum: for a DUMP payload).
    pub(super) fn into_output(mut self) -> io::Result<W> {
        self.flush_buf()?;
        Ok(self.out)
    }

    /// EOF, the checksum, and a flush; returns the bytes written.
    fn finish(mut self) -> io::Result<u64> {
        self.byte(opcode::EOF)?;
        self.flush_buf()?;
        let crc = if self.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.written + 8)
    }
}

/// The RDB type byte of a value: the object type Redis 7.0 saves the same
/// in-memory encoding under.
pub(super) fn type_byte(value: &Value) -> u8 {
    match value {
        Value::Str(_) => kind::STRING,
        Value::Obj(Object::List(_)) => kind::LIST_QUICKLIST_2,
        Value::Obj(Object::Hash(h)) if h.is_listpack() => kind::HASH_LISTPACK,
        Value::Obj(Object::Hash(_)) => kind::HASH,
        Value::Obj(Object::Set(s)) if s.as_intset().is_some() => kind::SET_INTSET,
        Value::Obj(Object::Set(_)) => kind::SET,
        Value::Obj(Object::ZSet(ZSet::Small(_))) => kind::ZSET_LISTPACK,
        Value::Obj(Object::ZSet(ZSet::Big(_))) => kind::ZSET_2,
    }
}
