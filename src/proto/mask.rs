//! RFC 6455 5.3 masking / unmasking.
//!
//! Word-wise and alignment-aware without `unsafe`: a byte loop runs up to the
//! first 8-byte aligned address, the middle is XORed as `u64` words (which
//! LLVM vectorises), and a byte loop finishes the tail.
#![forbid(unsafe_code)]

/// XOR `buf` with the 4-byte `key`, where `buf[0]` is payload byte number
/// `offset` (so the key index of `buf[i]` is `(offset + i) % 4`).
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    // Short buffers: the byte loop is as fast as any setup.
    if buf.len() < 16 {
        apply_mask_bytes(buf, key, offset);
        return;
    }
    let head = buf.as_ptr().align_offset(8).min(buf.len());
    let (pre, rest) = buf.split_at_mut(head);
    apply_mask_bytes(pre, key, offset);
    let off = offset.wrapping_add(head);
    // Key rotated so that byte j of a word is XORed with key[(off + j) % 4];
    // every word starts at a multiple of 8 after `off`, so one rotation fits all.
    let mut k = [0u8; 8];
    for (j, b) in k.iter_mut().enumerate() {
        *b = key[off.wrapping_add(j) % 4];
    }
    let k64 = u64::from_ne_bytes(k);
    let mut words = rest.chunks_exact_mut(8);
    for w in &mut words {
        let arr: &mut [u8; 8] = w.try_into().expect("chunk of 8");
        *arr = (u64::from_ne_bytes(*arr) ^ k64).to_ne_bytes();
    }
    // The tail starts at a multiple of 8 (hence of 4) after `off`.
    apply_mask_bytes(words.into_remainder(), key, off);
}

/// The reference byte loop.
#[inline]
pub fn apply_mask_bytes(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[offset.wrapping_add(i) % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn equals_byte_loop_all_small_cases() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut backing = [0u8; 70 + 8 + 16];
        for len in 0..70 {
            for offset in 0..8 {
                for mis in 0..8 {
                    for (i, b) in backing.iter_mut().enumerate() {
                        *b = (i as u8).wrapping_mul(31).wrapping_add(len as u8);
                    }
                    let mut expect = backing[mis..mis + len].to_vec();
                    reference(&mut expect, key, offset);
                    apply_mask(&mut backing[mis..mis + len], key, offset);
                    assert_eq!(
                        &backing[mis..mis + len],
                        &expect[..],
                        "len {len} off {offset} mis {mis}"
                    );
                }
            }
        }
    }

    #[test]
    fn involution() {
        let mut v: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let orig = v.clone();
        apply_mask(&mut v, [1, 2, 3, 4], 3);
        assert_ne!(v, orig);
        apply_mask(&mut v, [1, 2, 3, 4], 3);
        assert_eq!(v, orig);
    }

    #[test]
    fn split_application_equals_whole() {
        let key = [9, 8, 7, 6];
        let orig: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
        let mut whole = orig.clone();
        apply_mask(&mut whole, key, 0);
        for cut in 0..orig.len() {
            let mut parts = orig.clone();
            let (a, b) = parts.split_at_mut(cut);
            apply_mask(a, key, 0);
            apply_mask(b, key, cut);
            assert_eq!(parts, whole);
        }
    }

    #[test]
    fn random_property() {
        // xorshift64*: deterministic, no deps
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut backing = vec![0u8; 4096 + 16];
        for _ in 0..2000 {
            let len = (next() % 4096) as usize;
            let mis = (next() % 16) as usize;
            let offset = (next() % 1_000_000) as usize;
            let key = (next() as u32).to_le_bytes();
            for b in backing.iter_mut() {
                *b = next() as u8;
            }
            let mut expect = backing[mis..mis + len].to_vec();
            reference(&mut expect, key, offset);
            apply_mask(&mut backing[mis..mis + len], key, offset);
            assert_eq!(&backing[mis..mis + len], &expect[..]);
        }
    }

    #[test]
    fn huge_offset_wraps_consistently() {
        let key = [1, 2, 3, 4];
        let mut a = vec![0u8; 40];
        let mut b = vec![0u8; 40];
        apply_mask(&mut a, key, usize::MAX - 1); // MAX-1 % 4 == 2
        apply_mask(&mut b, key, 2);
        assert_eq!(a, b); // 2^64 is a multiple of 4
    }
}
