//! Files written by `write_rdb` pass Redis's own checker, `redis-check-rdb`
//! (Debian's redis-tools, which `make deps` installs): every type and
//! encoding, expire times, several databases, with and without compression.
//!
//! The files are left in cargo's target tmp dir (`rdb_codec/`) so they can
//! also be loaded into redis-server by hand:
//! `python3 scripts/check_rdb_with_redis.py <file> <expected json>`.

use ferrocache::persistence::rdb::{read_rdb, write_rdb, RdbMeta};
use ferrocache::store::{Db, Entry};
use ferrocache::types::hash::Hash;
use ferrocache::types::list::{End, List};
use ferrocache::types::set::Set;
use ferrocache::types::zset::{AddFlags, ZSet};
use ferrocache::types::{Object, TypeLimits};
use foldhash::fast::RandomState;
use std::path::{Path, PathBuf};
use std::process::Command;

const FAR_FUTURE_MS: u64 = 4_102_444_800_000;

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rdb_codec");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/rdb/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Writes `dbs` to `name` in the output directory.
fn write_file(name: &str, dbs: &[Db], compress: bool) -> PathBuf {
    let views: Vec<_> = dbs.iter().map(Db::snapshot).collect();
    let path = out_dir().join(name);
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let meta = RdbMeta {
        used_mem: 1 << 20,
        aof_base: false,
        repl: None,
    };
    write_rdb(file, &views, &meta, compress, true).unwrap();
    path
}

/// Runs redis-check-rdb on `path` and asserts that it approves.
fn assert_redis_check_rdb_accepts(path: &Path) {
    let out = match Command::new("redis-check-rdb").arg(path).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run redis-check-rdb ({e}): install Debian's redis-tools (`make deps`) \
             to check RDB files against Redis's own reader"
        ),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("RDB looks OK"),
        "redis-check-rdb refused {}:\n{stdout}{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Loads a fixture into 16 databases.
fn load_fixture(name: &str) -> Vec<Db> {
    let mut dbs: Vec<Db> = (0..16).map(|_| Db::new(RandomState::default())).collect();
    read_rdb(
        &fixture(name)[..],
        &TypeLimits::default(),
        0,
        &mut |db, e| {
            dbs[db].insert(e);
        },
        &mut |_| {},
    )
    .unwrap();
    dbs
}

#[test]
fn redis_check_rdb_accepts_rewritten_redis_files() {
    for name in ["redis7-all-types", "legacy-encodings"] {
        let dbs = load_fixture(&format!("{name}.rdb"));
        for compress in [true, false] {
            let path = write_file(&format!("{name}-compress-{compress}.rdb"), &dbs, compress);
            assert_redis_check_rdb_accepts(&path);
        }
    }
}

/// Large values: many list nodes, a list element of its own node, a big
/// compressible string, big hashes, sets and sorted sets, 64-bit intsets.
fn large_values() -> Vec<Db> {
    let mut db = Db::new(RandomState::default());
    let mut put = |key: &str, o: Object, expire: Option<u64>| {
        db.insert(Entry::new_object(key.as_bytes(), o, expire, 0));
    };
    let fill = TypeLimits::default().list_fill;
    let mut list = List::default();
    for i in 0..100_000 {
        let v = if i % 2 == 0 {
            i.to_string()
        } else {
            format!("item:{i}")
        };
        list.push(End::Tail, v.as_bytes(), fill);
    }
    list.push(End::Head, &vec![b'h'; 70_000], fill);
    assert!(list.node_count() > 100);
    put("list", Object::List(list), Some(FAR_FUTURE_MS));

    let limits = TypeLimits::default();
    let mut hash = Hash::default();
    for i in 0..2000 {
        hash.set(
            format!("f{i}").as_bytes(),
            i.to_string().as_bytes(),
            limits.hash,
        );
    }
    put("hash", Object::Hash(hash), None);
    let mut small = Hash::default();
    for i in 0..500 {
        small.set(
            format!("f{i}").as_bytes(),
            (i * 1000).to_string().as_bytes(),
            limits.hash,
        );
    }
    assert!(small.is_listpack());
    put("hash-500", Object::Hash(small), None);

    let mut ints = Set::default();
    for i in 0..500i64 {
        ints.add((i * 1_000_000_007).to_string().as_bytes(), 512);
    }
    assert_eq!(ints.encoding(), "intset");
    put("intset-64", Object::Set(ints), None);
    let mut set = Set::default();
    for i in 0..5000 {
        set.add(format!("member-{i}").as_bytes(), 512);
    }
    put("set", Object::Set(set), None);

    let mut zset = ZSet::default();
    for i in 0..5000 {
        let score = if i % 7 == 0 {
            f64::INFINITY
        } else {
            i as f64 / 3.0
        };
        zset.add(
            score,
            format!("m{i}").as_bytes(),
            AddFlags::default(),
            limits.zset,
        );
    }
    put("zset", Object::ZSet(zset), None);
    let mut small_z = ZSet::default();
    for i in 0..128 {
        small_z.add(
            i as f64 * 0.1,
            format!("{i}").as_bytes(),
            AddFlags::default(),
            limits.zset,
        );
    }
    assert_eq!(small_z.encoding(), "listpack");
    put("zset-128", Object::ZSet(small_z), None);

    db.insert(Entry::new_string(
        b"text",
        &b"all work and no play ".repeat(5000),
        Some(FAR_FUTURE_MS),
        0,
    ));
    let mut other = Db::new(RandomState::default());
    other.insert(Entry::new_string(b"k", b"12", None, 0));
    vec![db, Db::new(RandomState::default()), other]
}

#[test]
fn redis_check_rdb_accepts_large_values() {
    let dbs = large_values();
    for compress in [true, false] {
        let path = write_file(
            &format!("large-values-compress-{compress}.rdb"),
            &dbs,
            compress,
        );
        assert_redis_check_rdb_accepts(&path);
    }
}
