//! Strings many notes hold alike, kept once: the paths and subpaths links are written with.
//! At 50k generated notes, 1.47M links write 152k distinct ones (11 MB), and their text was
//! two thirds of what notes held in [`super::Pieces`] keep (~64 of 96 MB; issue 18: memory
//! under the vault's size). A vault has one pool; its notes' pieces name a string by its
//! number.
//!
//! Append-only: a string stays as long as the pool does (a vault's life: a reload starts a
//! new one), so one a note no longer holds costs its bytes until then (a cache file keeps
//! only the strings its notes name, so the next start does not carry it on). Interning is
//! concurrent (a load makes pieces on every core), reading lock-free: where each string's
//! bytes are (in blocks the pool owns, [`Arena`]) is in a `boxcar` vector (push under a
//! lock, `get` without one), found again through hash tables split by hash so that two
//! threads seldom wait on one lock.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

use hashbrown::HashTable;

/// How many hash tables the pool's strings are split into.
const SHARDS: usize = 16;

/// The most strings a pool takes (their numbers fit a `u32` with room to spare); past it,
/// [`StrPool::intern`] declines and the caller keeps its own copy.
const MAX_STRINGS: usize = 1 << 30;

#[derive(Default)]
pub struct StrPool {
    strings: boxcar::Vec<Bytes>,
    /// Each string's hash (96 bits of its xxh3-128) and number, and the bytes of the strings
    /// it numbered. A string is found by its hash alone, without reading the string it
    /// names: that read is a cache miss per link (at 50k generated notes, comparing the
    /// strings took 0.3 s of the load's CPU time). Two of a vault's strings of one hash:
    /// about 1 in 10^19 at 150k strings.
    shards: [Mutex<Shard>; SHARDS],
}

#[derive(Default)]
struct Shard {
    table: HashTable<Entry>,
    arena: Arena,
}

/// Where a string's bytes are in an [`Arena`] of the pool, and how many.
#[derive(Clone, Copy)]
struct Bytes {
    at: NonNull<u8>,
    len: usize,
}

// SAFETY: `Bytes` reads bytes that are never written again and live as long as the pool that
// holds it (its arenas): as a `&str` would, it can be sent to and shared by other threads.
unsafe impl Send for Bytes {}
// SAFETY: as above.
unsafe impl Sync for Bytes {}

/// The bytes of a shard's strings, copied into chunks that never move, grow or shrink until
/// the pool is dropped. Ours, not a `Box<str>` a string: each was a heap block, whose header
/// and rounding cost ~16 bytes a string (at 50k generated notes, 152k strings: 2.4 MB of a
/// load's peak). Written only under the shard's lock, each byte once, before its string is
/// numbered; read by anyone after.
#[derive(Default)]
struct Arena {
    /// Every chunk: its start and size. The last one is filled next.
    chunks: Vec<(NonNull<u8>, usize)>,
    /// How much of the last chunk is used.
    used: usize,
}

// SAFETY: an arena owns its chunks, as a `Vec<Box<[u8]>>` would.
unsafe impl Send for Arena {}

impl Arena {
    /// The size of a chunk: small, as each of the 16 shards fills one at a time (a chunk's
    /// pages cost memory only once written).
    const CHUNK: usize = 16 << 10;

    /// `s`'s bytes, copied in.
    fn copy(&mut self, s: &str) -> Bytes {
        let len = s.len();
        let room = self.chunks.last().map_or(0, |&(_, size)| size - self.used);
        let at = if len == 0 {
            NonNull::dangling()
        } else if len <= room {
            let (start, _) = self.chunks[self.chunks.len() - 1];
            // SAFETY: `used + len` is within the last chunk (`len <= room`).
            let at = unsafe { start.add(self.used) };
            self.used += len;
            at
        } else if len > Arena::CHUNK / 4 {
            // A long string has a chunk of its own, before the one being filled.
            let at = Arena::chunk(len);
            let last = self.chunks.len().saturating_sub(1);
            self.chunks.insert(last, (at, len));
            if self.chunks.len() == 1 {
                // It is the only one: a full chunk.
                self.used = len;
            }
            at
        } else {
            let at = Arena::chunk(Arena::CHUNK);
            self.chunks.push((at, Arena::CHUNK));
            self.used = len;
            at
        };
        // SAFETY: `at` starts `len` bytes of a chunk that nothing else was given (or is
        // dangling for nothing), which no `&str` reads yet; `s` is not in an arena's chunk
        // being written.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), at.as_ptr(), len) };
        Bytes { at, len }
    }

    fn chunk(size: usize) -> NonNull<u8> {
        let layout = Layout::array::<u8>(size).expect("a chunk's size fits");
        // SAFETY: `size` is not zero (the callers ask for a string's bytes, not empty).
        let at = unsafe { std::alloc::alloc(layout) };
        NonNull::new(at).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        for &(at, size) in &self.chunks {
            let layout = Layout::array::<u8>(size).expect("a chunk's size fits");
            // SAFETY: allocated by `Arena::chunk` with this layout, freed once.
            unsafe { std::alloc::dealloc(at.as_ptr(), layout) };
        }
    }
}

impl std::fmt::Debug for StrPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StrPool({} strings)", self.strings.count())
    }
}

/// 96 bits of a string's hash, and its number: 16 bytes.
#[derive(Clone, Copy)]
struct Entry {
    low: u64,
    high: u32,
    id: u32,
}

fn hash(s: &str) -> (u64, u32) {
    let hash = xxhash_rust::xxh3::xxh3_128(s.as_bytes());
    (hash as u64, (hash >> 64) as u32)
}

impl StrPool {
    /// A pool holding `strings`, numbered in order (as a cache file stored them; its reader
    /// [`StrPool::push`]es them one by one as it reads them).
    #[cfg(test)]
    pub fn from_strings<S: AsRef<str>>(strings: impl IntoIterator<Item = S>) -> StrPool {
        let pool = StrPool::default();
        for s in strings {
            pool.push(s.as_ref());
        }
        pool
    }

    /// The shard `s` belongs in, locked, with `s`'s hash and its number if it has one.
    fn lookup(&self, s: &str) -> (MutexGuard<'_, Shard>, Entry, Option<u32>) {
        let (low, high) = hash(s);
        let shard = self.shards[high as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let found = (shard.table)
            .find(low, |e| e.low == low && e.high == high)
            .map(|e| e.id);
        (shard, Entry { low, high, id: 0 }, found)
    }

    /// The number of `s`, added if it is not there yet; `None` when the pool is full.
    pub fn intern(&self, s: &str) -> Option<u32> {
        let (mut shard, entry, found) = self.lookup(s);
        if found.is_some() {
            return found;
        }
        if self.strings.count() >= MAX_STRINGS {
            return None;
        }
        // Copied and pushed under the shard's lock: no other thread adds `s` meanwhile, and
        // whoever is given the number finds the string written.
        let bytes = shard.arena.copy(s);
        let id = self.strings.push(bytes) as u32;
        shard
            .table
            .insert_unique(entry.low, Entry { id, ..entry }, |e| e.low);
        Some(id)
    }

    /// Adds `s` as the next number even if it is there already (a cache file's list, whose
    /// numbers the pieces stored with it name).
    pub fn push(&self, s: &str) {
        let (mut shard, entry, found) = self.lookup(s);
        let bytes = shard.arena.copy(s);
        let id = self.strings.push(bytes) as u32;
        if found.is_none() {
            shard
                .table
                .insert_unique(entry.low, Entry { id, ..entry }, |e| e.low);
        }
    }

    /// The string numbered `id`.
    pub fn get(&self, id: u32) -> Option<&str> {
        let Bytes { at, len } = *self.strings.get(id as usize)?;
        // SAFETY: `at` starts `len` bytes copied from a `&str` into an arena of this pool
        // (written before the number was given, never again) or is dangling for none; they
        // live as long as the pool, which `&self` borrows.
        Some(unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(at.as_ptr(), len)) })
    }

    /// How many numbers are given: every number below it names a string, but one being
    /// added right now.
    pub fn len(&self) -> usize {
        self.strings.count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The length of each string, by number (up to one being added right now): a table
    /// that fits in cache where the strings are scattered ([`super::Pieces::from_parts`]).
    pub fn lens(&self) -> Vec<u32> {
        (0..self.len() as u32)
            .map_while(|id| Some(self.get(id)?.len() as u32))
            .collect()
    }

    /// The strings in number order (one being added right now reads as empty), as a cache
    /// file stores them.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|id| self.get(id).unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_interned_twice_has_one_number_on_every_thread() {
        let pool = StrPool::default();
        let names: Vec<String> = (0..2000).map(|i| format!("Note {}", i % 500)).collect();
        let ids: Vec<Vec<u32>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| names.iter().map(|n| pool.intern(n).unwrap()).collect()))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(pool.len(), 500);
        for each in &ids {
            assert_eq!(each, &ids[0]);
            for (name, &id) in names.iter().zip(each) {
                assert_eq!(pool.get(id), Some(name.as_str()));
            }
        }
        assert_eq!(pool.get(500), None);
    }

    #[test]
    fn strings_read_back_whatever_their_size_and_thread() {
        // Strings of every length, a long one, an empty one, interned from four threads in
        // four orders.
        let strings: Vec<String> = (0..20_000)
            .map(|i| match i {
                7 => "x".repeat(200_000),
                11 => String::new(),
                // Around the arena's sizes: a chunk of its own or not, a whole chunk.
                13 => "y".repeat(Arena::CHUNK / 4 + 1),
                17 => "z".repeat(Arena::CHUNK),
                19 => "w".repeat(Arena::CHUNK / 4),
                _ => format!("{i}:{}", "é".repeat(i % 150)),
            })
            .collect();
        let pool = StrPool::default();
        let ids: Vec<Vec<u32>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|w| {
                    let (pool, strings) = (&pool, &strings);
                    s.spawn(move || {
                        let mut ids: Vec<(usize, u32)> = (0..strings.len())
                            .map(|i| (i * 7919 + w * 13) % strings.len())
                            .map(|i| (i, pool.intern(&strings[i]).unwrap()))
                            .collect();
                        ids.sort_unstable();
                        ids.into_iter().map(|(_, id)| id).collect()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(pool.len(), strings.len());
        for each in &ids {
            assert_eq!(each, &ids[0]);
        }
        for (s, &id) in strings.iter().zip(&ids[0]) {
            assert_eq!(pool.get(id), Some(s.as_str()));
        }
        let again = StrPool::from_strings(pool.strings());
        assert!(again.strings().eq(pool.strings()));
    }

    #[test]
    fn strings_of_any_size_in_any_order_read_back() {
        // A long string first (a shard's only chunk), then short ones filling chunks between
        // long ones, one string at a time into one shard's arena.
        let mut arena = Arena::default();
        let strings: Vec<String> = (0..3000)
            .map(|i| match i % 7 {
                0 => "ä".repeat(Arena::CHUNK / 8 + i),
                _ => format!("{i}").repeat(i % 50 + 1),
            })
            .collect();
        let bytes: Vec<Bytes> = strings.iter().map(|s| arena.copy(s)).collect();
        for (s, b) in strings.iter().zip(&bytes) {
            // SAFETY: as `StrPool::get`: the arena holds them.
            let read = unsafe { std::slice::from_raw_parts(b.at.as_ptr(), b.len) };
            assert_eq!(read, s.as_bytes());
        }
    }

    #[test]
    fn a_pool_from_stored_strings_keeps_their_numbers_and_finds_them() {
        let pool = StrPool::from_strings(["a", "b", "a", ""]);
        assert_eq!(pool.strings().collect::<Vec<_>>(), ["a", "b", "a", ""]);
        assert_eq!(pool.intern("a"), Some(0));
        assert_eq!(pool.intern(""), Some(3));
        assert_eq!(pool.intern("c"), Some(4));
    }
}
