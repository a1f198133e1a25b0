//! The little-endian framing the cache file is written in: bounds-checked reads from a byte
//! slice ([`Reader`]) and appends to a byte vector ([`Put`]).

/// Bounds-checked reads from a byte slice: `None` past its end.
pub(super) struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    /// A count, then that many `u32`s, read in place.
    pub fn u32s(&mut self) -> Option<impl ExactSizeIterator<Item = u32> + Clone + 'a> {
        let count = self.u32()? as usize;
        let bytes = self.bytes(count.checked_mul(4)?)?;
        Some(bytes.chunks_exact(4).map(le_u32))
    }

    /// A count, then that many pairs of `u32`s, read in place.
    pub fn pairs(&mut self) -> Option<impl ExactSizeIterator<Item = (u32, u32)> + Clone + 'a> {
        let count = self.u32()? as usize;
        let bytes = self.bytes(count.checked_mul(8)?)?;
        Some(
            bytes
                .chunks_exact(8)
                .map(|pair| (le_u32(&pair[..4]), le_u32(&pair[4..]))),
        )
    }

    /// [`Source::str`], borrowed from the slice rather than from the reader.
    pub fn text(&mut self) -> Option<&'a str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.bytes(len)?).ok()
    }
}

/// Four bytes as a little-endian `u32`.
fn le_u32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes.try_into().expect("four bytes"))
}

/// Bytes in order, from memory ([`Reader`]) or read from a file a buffer at a time
/// ([`Stream`]), and the reads built on them: what [`Put`] writes.
pub(super) trait Source {
    /// The next `n` bytes; `None` past the end.
    fn take(&mut self, n: usize) -> Option<&[u8]>;
    /// How many bytes are left.
    fn left(&self) -> usize;

    fn done(&self) -> bool {
        self.left() == 0
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A length (a `u32`), then that many bytes of UTF-8.
    fn str(&mut self) -> Option<&str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// A `u32` in LEB128 (seven bits a byte, low first).
    fn var(&mut self) -> Option<u32> {
        let mut n: u32 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.u8()?;
            n |= u32::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                // Bits past the 32nd are damage.
                return (shift < 28 || byte <= 0x0f).then_some(n);
            }
        }
        None
    }

    /// A count, then that many `u32`s as [`Put::deltas`] wrote them.
    fn deltas(&mut self) -> Option<Vec<u32>> {
        let count = self.var()? as usize;
        // A value takes a byte at least.
        if count > self.left() {
            return None;
        }
        let mut out = Vec::with_capacity(count);
        let mut last: u32 = 0;
        for _ in 0..count {
            let zigzag = self.var()?;
            let delta = (zigzag >> 1) as i32 ^ -((zigzag & 1) as i32);
            last = last.wrapping_add(delta as u32);
            out.push(last);
        }
        Some(out)
    }
}

impl Source for Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        self.bytes(n)
    }

    fn left(&self) -> usize {
        self.0.len()
    }
}

/// Bytes read by position: a file ([`super::cache`]) or memory.
pub(super) trait ReadAt {
    /// Fills `buf` with the bytes from `at`; `None` past the end or on a failed read.
    fn read_at(&self, at: u64, buf: &mut [u8]) -> Option<()>;
}

impl ReadAt for Vec<u8> {
    fn read_at(&self, at: u64, buf: &mut [u8]) -> Option<()> {
        let at = usize::try_from(at).ok()?;
        buf.copy_from_slice(self.get(at..at.checked_add(buf.len())?)?);
        Some(())
    }
}

/// `len` bytes of a source from `at`, read a buffer at a time: a section of the cache file is
/// decoded without being held whole (at 50k notes the largest is 3.3 MB, and four are
/// decoded at once).
pub(super) struct Stream<'a> {
    src: &'a (dyn ReadAt + Sync),
    /// Where the next fill reads from, and where the bytes end.
    at: u64,
    end: u64,
    buf: Vec<u8>,
    /// How much of `buf` is taken.
    pos: usize,
}

impl<'a> Stream<'a> {
    const CHUNK: usize = 64 << 10;

    pub fn new(src: &'a (dyn ReadAt + Sync), at: u64, len: u64) -> Stream<'a> {
        Stream {
            src,
            at,
            end: at.saturating_add(len),
            buf: Vec::new(),
            pos: 0,
        }
    }
}

impl Source for Stream<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.buf.len() - self.pos < n {
            self.buf.drain(..self.pos);
            self.pos = 0;
            let want = (n - self.buf.len()) as u64;
            if want > self.end - self.at {
                return None;
            }
            let fill = want.max(Stream::CHUNK as u64).min(self.end - self.at) as usize;
            let from = self.buf.len();
            self.buf.resize(from + fill, 0);
            self.src.read_at(self.at, &mut self.buf[from..])?;
            self.at += fill as u64;
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Some(out)
    }

    fn left(&self) -> usize {
        (self.end - self.at) as usize + (self.buf.len() - self.pos)
    }
}

/// Appends in the layout [`Reader`] reads.
pub(super) trait Put {
    fn u8(&mut self, n: u8);
    fn u32(&mut self, n: u32);
    fn u64(&mut self, n: u64);
    /// A length (a `u32`: lengths and counts are bounded by the vault), then the bytes.
    fn str(&mut self, s: &str);
    /// A `u32` in LEB128: ids and counts mostly take one or two bytes, not four.
    fn var(&mut self, n: u32);
    /// A count, then each value's difference from the one before (zigzag, LEB128): a list
    /// of ids in order takes a byte or two an id.
    fn deltas(&mut self, values: &[u32]);
}

impl Put for Vec<u8> {
    fn u8(&mut self, n: u8) {
        self.push(n);
    }

    fn u32(&mut self, n: u32) {
        self.extend_from_slice(&n.to_le_bytes());
    }

    fn u64(&mut self, n: u64) {
        self.extend_from_slice(&n.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.extend_from_slice(s.as_bytes());
    }

    fn var(&mut self, mut n: u32) {
        while n >= 0x80 {
            self.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.push(n as u8);
    }

    fn deltas(&mut self, values: &[u32]) {
        self.var(values.len() as u32);
        let mut last: u32 = 0;
        for &v in values {
            let delta = v.wrapping_sub(last) as i32;
            self.var(((delta << 1) ^ (delta >> 31)) as u32);
            last = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_as_written() {
        let values = [
            0,
            1,
            127,
            128,
            300,
            1 << 21,
            u32::MAX - 1,
            u32::MAX,
            5,
            4,
            0,
        ];
        let mut out = Vec::new();
        for &v in &values {
            out.var(v);
        }
        out.deltas(&values);
        let mut r = Reader(&out);
        for &v in &values {
            assert_eq!(r.var(), Some(v));
        }
        assert_eq!(r.deltas().as_deref(), Some(&values[..]));
        assert!(r.done());
        // Streamed, over several fills (a long list between short reads), the same.
        let long: Vec<u32> = (0..100_000).map(|i| i * 7).collect();
        out.deltas(&long);
        out.var(9);
        let mut stream = Stream::new(&out, 0, out.len() as u64);
        for &v in &values {
            assert_eq!(stream.var(), Some(v));
        }
        assert_eq!(stream.deltas().as_deref(), Some(&values[..]));
        assert_eq!(stream.deltas(), Some(long));
        assert_eq!(stream.var(), Some(9));
        assert!(stream.done() && stream.take(1).is_none());
        // Past 32 bits, or cut short: nothing.
        assert_eq!(Reader(&[0xff, 0xff, 0xff, 0xff, 0x1f]).var(), None);
        assert_eq!(Reader(&[0x80]).var(), None);
        assert_eq!(Reader(&[0x05, 0x02]).deltas(), None);
    }
}
