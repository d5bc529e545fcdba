//! Values that are not strings: lists, hashes, sets and sorted sets, each in
//! its own file with its compact and large encodings. Also the algorithms
//! that work on string values: [`bitfield`] (bitmaps) and [`hll`]
//! (HyperLogLog in Redis's byte format).
//!
//! An entry holding one of these keeps its key in its blob and the value in a
//! boxed [`Object`]. Command handlers reach a typed value through
//! `Store::read_typed` / `write_typed` / `write_or_create`, which reply
//! WRONGTYPE semantics as `Err(WrongType)`.

pub(crate) mod bitfield;
pub(crate) mod dict;
pub mod hash;
pub(crate) mod hll;
pub mod list;
pub(crate) mod listpack;
pub mod set;
pub mod zset;

pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use zset::ZSet;

/// The encoding thresholds of the collection types, from the configuration
/// (list-max-listpack-size and list-compress-depth,
/// hash-max-listpack-entries/-value,
/// set-max-intset-entries, zset-max-listpack-entries/-value). The command
/// handlers and the RDB loader both build values under these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeLimits {
    /// List node limits and compression depth.
    pub list_fill: list::Fill,
    /// When a hash leaves its listpack encoding.
    pub hash: hash::HashLimits,
    /// Most members a set keeps in its intset encoding.
    pub set_max_intset_entries: usize,
    /// When a sorted set leaves its listpack encoding.
    pub zset: zset::Limits,
}

impl TypeLimits {
    /// The limits `config` sets.
    pub fn from_config(config: &crate::config::Config) -> TypeLimits {
        TypeLimits {
            list_fill: list::Fill::new(config.list_max_listpack_size as i64)
                .with_compress_depth(config.list_compress_depth as i64),
            hash: hash::HashLimits {
                max_entries: config.hash_max_listpack_entries,
                max_value: config.hash_max_listpack_value,
            },
            set_max_intset_entries: config.set_max_intset_entries,
            zset: zset::Limits {
                max_entries: config.zset_max_listpack_entries,
                max_value: config.zset_max_listpack_value,
            },
        }
    }
}

impl Default for TypeLimits {
    /// Redis's defaults.
    fn default() -> TypeLimits {
        TypeLimits::from_config(&crate::config::Config::default())
    }
}

/// The type of a key's value, as TYPE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    List,
    Hash,
    Set,
    ZSet,
}

impl Kind {
    /// TYPE's reply and SCAN TYPE's argument.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Hash => "hash",
            Kind::Set => "set",
            Kind::ZSet => "zset",
        }
    }
}

/// A non-string value.
#[derive(Clone, Debug)]
pub enum Object {
    List(List),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
}

impl Object {
    /// The value's type.
    pub fn kind(&self) -> Kind {
        match self {
            Object::List(_) => Kind::List,
            Object::Hash(_) => Kind::Hash,
            Object::Set(_) => Kind::Set,
            Object::ZSet(_) => Kind::ZSet,
        }
    }

    /// OBJECT ENCODING's name for the current representation.
    pub fn encoding(&self) -> &'static str {
        match self {
            Object::List(v) => v.encoding(),
            Object::Hash(v) => v.encoding(),
            Object::Set(v) => v.encoding(),
            Object::ZSet(v) => v.encoding(),
        }
    }

    /// Estimated heap bytes of the value (the box holding it excluded), as
    /// the counting allocator charges them; collections of many elements
    /// are measured on up to `samples` of them and extrapolated (MEMORY
    /// USAGE's SAMPLES; `usize::MAX` measures all).
    pub fn heap_size(&self, samples: usize) -> usize {
        match self {
            Object::List(v) => v.heap_size(samples),
            Object::Hash(v) => v.heap_size(samples),
            Object::Set(v) => v.heap_size(samples),
            Object::ZSet(v) => v.heap_size(samples),
        }
    }

    /// True when the value holds no element (Redis deletes such keys).
    pub fn is_empty(&self) -> bool {
        match self {
            Object::List(v) => v.is_empty(),
            Object::Hash(v) => v.is_empty(),
            Object::Set(v) => v.is_empty(),
            Object::ZSet(v) => v.is_empty(),
        }
    }
}

/// The key holds a value of another type (reply `errors::WRONGTYPE`).
#[derive(Debug, PartialEq, Eq)]
pub struct WrongType;

/// A concrete value type that lives in an [`Object`].
pub trait ObjectType: Sized + Default {
    /// Its kind.
    const KIND: Kind;
    /// The value, if `o` is of this type.
    fn from_object(o: &Object) -> Option<&Self>;
    /// The value, mutable, if `o` is of this type.
    fn from_object_mut(o: &mut Object) -> Option<&mut Self>;
    /// Wraps the value.
    fn into_object(self) -> Object;
}

macro_rules! object_type {
    ($ty:ident, $variant:ident) => {
        impl ObjectType for $ty {
            const KIND: Kind = Kind::$variant;
            fn from_object(o: &Object) -> Option<&Self> {
                match o {
                    Object::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn from_object_mut(o: &mut Object) -> Option<&mut Self> {
                match o {
                    Object::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn into_object(self) -> Object {
                Object::$variant(self)
            }
        }
    };
}

object_type!(List, List);
object_type!(Hash, Hash);
object_type!(Set, Set);
object_type!(ZSet, ZSet);

/// The sum over `total` items estimated from the first `samples` of them
/// (`sizes`): exact when every item is measured.
pub(crate) fn extrapolate(
    sizes: impl Iterator<Item = usize>,
    total: usize,
    samples: usize,
) -> usize {
    let (mut sum, mut seen) = (0usize, 0usize);
    for size in sizes.take(samples.max(1)) {
        sum += size;
        seen += 1;
    }
    if seen == 0 {
        return 0;
    }
    sum.saturating_mul(total) / seen
}

#[cfg(test)]
mod size_tests {
    /// A key's value box is a malloc of `size_of::<Object>()`: at 24 bytes
    /// glibc serves it from a 32-byte chunk, at 40 from a 48-byte one, which
    /// is 16 bytes more for every hash, set, list or sorted set key.
    #[test]
    fn object_fits_a_32_byte_chunk() {
        let sizes = [
            std::mem::size_of::<super::List>(),
            std::mem::size_of::<super::Hash>(),
            std::mem::size_of::<super::Set>(),
            std::mem::size_of::<super::ZSet>(),
        ];
        assert!(std::mem::size_of::<super::Object>() <= 24, "{sizes:?}");
    }

    #[test]
    fn extrapolation_scales_the_sampled_sizes() {
        assert_eq!(
            super::extrapolate([10, 20, 30].into_iter(), 3, usize::MAX),
            60
        );
        assert_eq!(super::extrapolate([10, 20, 30].into_iter(), 100, 2), 1500);
        assert_eq!(super::extrapolate(std::iter::empty(), 0, 5), 0);
    }

    #[test]
    fn heap_sizes_grow_with_the_contents() {
        let limits = super::TypeLimits::default();
        let mut small = super::Hash::default();
        let mut big = super::Hash::default();
        small.set(b"f", b"v", limits.hash);
        for i in 0..1000 {
            big.set(format!("field-{i}").as_bytes(), b"value", limits.hash);
        }
        let (small, big) = (super::Object::Hash(small), super::Object::Hash(big));
        assert!(small.heap_size(5) < 100);
        let all = big.heap_size(usize::MAX);
        assert!(all > 1000 * 48, "{all}");
        assert!(big.heap_size(5) * 2 > all && big.heap_size(5) < all * 2);
    }
}
