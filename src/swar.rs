//! Eight bytes at a time in a `u64` (SWAR): the byte tests behind the
//! redactor's skipping and the email fast path. Safe code only; the
//! compiler does not vectorize these searches on its own.

/// `0x01` in every byte.
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// The first eight bytes of `bytes` (callers pass eight-byte windows) as a
/// little-endian word: byte `k` is bits `8k..8k + 8`, so
/// `trailing_zeros() / 8` of a flag word is the first flagged byte.
pub(crate) fn load(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// Bit 7 of each byte of `word` that lies in `lo..=hi`, for a word whose
/// bytes are all below `0x80` (mask bit 7 off first): each byte's sums
/// stay below `0x100`, so no carry crosses into the next byte.
pub(crate) const fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    let from_lo = word + LO * (0x80 - lo as u64);
    let past_hi = word + LO * (0x7f - hi as u64);
    from_lo & !past_hi & HI
}

/// Bit 7 of each byte of `word` that is an ASCII letter or digit. The
/// letter test folds case by setting bit 5 (`A`..`Z` become `a`..`z`);
/// bytes from `0x80` up are neither.
pub(crate) const fn alphanumeric_bits(word: u64) -> u64 {
    let low7 = word & !HI;
    let digit = in_range(low7, b'0', b'9');
    let letter = in_range(low7 | (LO * 0x20), b'a', b'z');
    (digit | letter) & !word & HI
}

/// The first position at or after `i` whose byte `stop` holds, or
/// `hay.len()`: eight bytes at a time with `first_bits` (which sets bit 7
/// of the first such byte of a word, as the `*_bits` functions here do),
/// the tail byte by byte.
#[inline]
pub(crate) fn find_first(
    hay: &[u8],
    mut i: usize,
    first_bits: impl Fn(u64) -> u64,
    stop: impl Fn(u8) -> bool,
) -> usize {
    while let Some(chunk) = hay.get(i..i + 8) {
        let bits = first_bits(load(chunk));
        if bits != 0 {
            return i + (bits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < hay.len() && !stop(hay[i]) {
        i += 1;
    }
    i
}

/// Bit 7 set in the byte of `word` that holds the first `byte`, if any; as
/// with [`find_first`]'s flag words only the lowest set bit counts (a
/// borrow out of a matching byte may flag the bytes above it).
pub(crate) const fn eq_bits(word: u64, byte: u8) -> u64 {
    let x = word ^ (LO * byte as u64);
    x.wrapping_sub(LO) & !x & HI
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_range_matches_a_byte_test_at_every_position() {
        for (lo, hi) in [(b'0', b'9'), (b'a', b'z'), (0, 0x7f), (0x2d, 0x2e)] {
            for b in 0..0x80u8 {
                for pos in 0..8 {
                    let mut bytes = [0x7fu8; 8];
                    bytes[pos] = b;
                    let bits = in_range(load(&bytes), lo, hi) & (0xff << (8 * pos));
                    let want = if (lo..=hi).contains(&b) {
                        0x80 << (8 * pos)
                    } else {
                        0
                    };
                    assert_eq!(bits, want, "{b:#x} at {pos} in {lo:#x}..={hi:#x}");
                }
            }
        }
    }
}
