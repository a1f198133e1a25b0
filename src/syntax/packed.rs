//! A summary's fixed-size lists (links, blocks, lists) serialized as one byte string each, the
//! items' fields at fixed places in little-endian: a cache file's reader copies a list out in
//! one pass over its bytes, where serde's derived code decoded each field of each item as a
//! variable-length integer through a visitor (a generated note has some twenty links:
//! that was a fifth of decoding a summary). Used as `#[serde(with = "packed")]`.

use serde::de::{Error, Visitor};
use serde::{Deserializer, Serializer};

use super::{Block, Link, Span};

/// An item of fixed size in bytes.
pub(super) trait Packed: Sized {
    const LEN: usize;
    fn pack(&self, out: &mut Vec<u8>);
    /// From exactly [`Packed::LEN`] bytes, as [`Packed::pack`] wrote them.
    fn unpack(bytes: &[u8]) -> Self;
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl Packed for Span {
    const LEN: usize = 8;

    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.end.to_le_bytes());
    }

    fn unpack(bytes: &[u8]) -> Span {
        Span {
            start: u32_at(bytes, 0),
            end: u32_at(bytes, 4),
        }
    }
}

impl Packed for Block {
    const LEN: usize = 16;

    fn pack(&self, out: &mut Vec<u8>) {
        self.span.pack(out);
        self.block_span.pack(out);
    }

    fn unpack(bytes: &[u8]) -> Block {
        Block {
            span: Span::unpack(&bytes[..8]),
            block_span: Span::unpack(&bytes[8..]),
        }
    }
}

impl Packed for Link {
    const LEN: usize = 16;

    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.start.to_le_bytes());
        for n in [
            self.len,
            self.target[0],
            self.target[1],
            self.subpath[0],
            self.subpath[1],
            self.display,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
    }

    fn unpack(bytes: &[u8]) -> Link {
        Link {
            start: u32_at(bytes, 0),
            len: u16_at(bytes, 4),
            target: [u16_at(bytes, 6), u16_at(bytes, 8)],
            subpath: [u16_at(bytes, 10), u16_at(bytes, 12)],
            display: u16_at(bytes, 14),
        }
    }
}

pub(super) fn serialize<T: Packed, S: Serializer>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
    let mut bytes = Vec::with_capacity(items.len() * T::LEN);
    for item in items {
        item.pack(&mut bytes);
    }
    s.serialize_bytes(&bytes)
}

pub(super) fn deserialize<'de, T: Packed, D: Deserializer<'de>>(
    d: D,
) -> Result<Box<[T]>, D::Error> {
    struct Items<T>(std::marker::PhantomData<T>);
    impl<T: Packed> Visitor<'_> for Items<T> {
        type Value = Box<[T]>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "items of {} bytes", T::LEN)
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Box<[T]>, E> {
            if !bytes.len().is_multiple_of(T::LEN) {
                return Err(E::invalid_length(bytes.len(), &self));
            }
            Ok(bytes.chunks_exact(T::LEN).map(T::unpack).collect())
        }
    }
    d.deserialize_bytes(Items(std::marker::PhantomData))
}
