//! LEB128 variable-length lengths, shared by the packed encodings (entry
//! blobs, small hashes, small sorted sets): 1 byte below 128, 2 below 16384.

/// Bytes `n` takes.
#[inline]
pub fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Appends `n`.
#[inline]
pub fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Writes `n` at the start of `out`; returns the bytes used.
#[inline]
pub fn write_varint(out: &mut [u8], mut n: usize) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        out[i] = (n as u8) | 0x80;
        n >>= 7;
        i += 1;
    }
    out[i] = n as u8;
    i + 1
}

/// Reads a length at the start of `b`: (value, bytes used).
#[inline]
pub fn read_varint(b: &[u8]) -> (usize, usize) {
    if b[0] < 0x80 {
        return (b[0] as usize, 1);
    }
    let mut n = 0usize;
    let mut shift = 0;
    for (i, &byte) in b.iter().enumerate() {
        n |= ((byte & 0x7f) as usize) << shift;
        if byte < 0x80 {
            return (n, i + 1);
        }
        shift += 7;
    }
    (n, b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for n in [0usize, 1, 127, 128, 16383, 16384, 1 << 40] {
            let mut v = Vec::new();
            push_varint(&mut v, n);
            assert_eq!(v.len(), varint_len(n));
            assert_eq!(read_varint(&v), (n, v.len()));
            let mut buf = [0u8; 10];
            assert_eq!(write_varint(&mut buf, n), v.len());
            assert_eq!(&buf[..v.len()], &v[..]);
        }
    }
}
