//! Redis Cluster's key → hash slot mapping: CRC16 (XMODEM) of the key, or of
//! its `{hash tag}` when it has a non-empty one, modulo 16384.

/// Number of hash slots (and of keyspace segments per database).
pub const SLOTS: usize = 16384;

/// Slicing-by-4 tables: `TABLES[0]` is the classic byte table; `TABLES[k][b]`
/// is the CRC of byte `b` followed by `k` zero bytes, so four input bytes
/// fold in with four independent lookups.
const fn crc16_tables() -> [[u16; 256]; 4] {
    let mut t = [[0u16; 256]; 4];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 4 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev << 8) ^ t[0][(prev >> 8) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u16; 256]; 4] = crc16_tables();

/// CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with.
#[inline]
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let hi = (crc >> 8) as u8 ^ c[0];
        let lo = crc as u8 ^ c[1];
        crc = TABLES[3][hi as usize]
            ^ TABLES[2][lo as usize]
            ^ TABLES[1][c[2] as usize]
            ^ TABLES[0][c[3] as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc << 8) ^ TABLES[0][((crc >> 8) as u8 ^ b) as usize];
    }
    crc
}

/// The hash slot of `key`, honouring `{hash tags}`.
#[inline]
pub fn key_slot(key: &[u8]) -> usize {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
            if len > 0 {
                return crc16(&key[open + 1..open + 1 + len]) as usize & (SLOTS - 1);
            }
        }
    }
    crc16(key) as usize & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliced_crc_matches_bitwise_crc() {
        fn bitwise(data: &[u8]) -> u16 {
            let mut crc = 0u16;
            for &b in data {
                crc ^= (b as u16) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    };
                }
            }
            crc
        }
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(crc16(&data[..len]), bitwise(&data[..len]), "len {len}");
        }
    }

    #[test]
    fn matches_redis_cluster_examples() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(
            key_slot(b"foo{}{bar}"),
            crc16(b"foo{}{bar}") as usize & 16383
        );
        assert_eq!(key_slot(b"foo{{bar}}zap"), crc16(b"{bar") as usize & 16383);
    }
}
