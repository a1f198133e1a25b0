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

    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }

    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    pub fn str(&mut self) -> Option<&'a str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.bytes(len)?).ok()
    }

    /// A count, then that many `u32`s.
    pub fn u32s(&mut self) -> Option<Vec<u32>> {
        let count = self.u32()? as usize;
        let bytes = self.bytes(count.checked_mul(4)?)?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("four bytes")))
                .collect(),
        )
    }

    /// A `u32` in LEB128 (seven bits a byte, low first).
    pub fn var(&mut self) -> Option<u32> {
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
    pub fn deltas(&mut self) -> Option<Vec<u32>> {
        let count = self.var()? as usize;
        // A value takes a byte at least.
        if count > self.0.len() {
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

    pub fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
        assert!(r.is_empty());
        // Past 32 bits, or cut short: nothing.
        assert_eq!(Reader(&[0xff, 0xff, 0xff, 0xff, 0x1f]).var(), None);
        assert_eq!(Reader(&[0x80]).var(), None);
        assert_eq!(Reader(&[0x05, 0x02]).deltas(), None);
    }
}
