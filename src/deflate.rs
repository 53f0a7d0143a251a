//! A small raw DEFLATE encoder (RFC 1951) for share links: one block with the fixed
//! Huffman codes (§3.2.6) and greedy LZ77 matches over a 32 KiB window. Any inflater
//! reads it, so links made by earlier versions (miniz's dynamic blocks) and by this one
//! decode alike. It is a fraction of a full compressor's code (miniz's was about 6 KB of
//! the gzipped bundle); links come out about a quarter longer than with dynamic codes.

/// `(base, extra bits)` of the length codes 257–285 (§3.2.5).
const LENGTHS: [(u16, u8); 29] = [
    (3, 0),
    (4, 0),
    (5, 0),
    (6, 0),
    (7, 0),
    (8, 0),
    (9, 0),
    (10, 0),
    (11, 1),
    (13, 1),
    (15, 1),
    (17, 1),
    (19, 2),
    (23, 2),
    (27, 2),
    (31, 2),
    (35, 3),
    (43, 3),
    (51, 3),
    (59, 3),
    (67, 4),
    (83, 4),
    (99, 4),
    (115, 4),
    (131, 5),
    (163, 5),
    (195, 5),
    (227, 5),
    (258, 0),
];

/// `(base, extra bits)` of the distance codes 0–29 (§3.2.5).
const DISTANCES: [(u16, u8); 30] = [
    (1, 0),
    (2, 0),
    (3, 0),
    (4, 0),
    (5, 1),
    (7, 1),
    (9, 2),
    (13, 2),
    (17, 3),
    (25, 3),
    (33, 4),
    (49, 4),
    (65, 5),
    (97, 5),
    (129, 6),
    (193, 6),
    (257, 7),
    (385, 7),
    (513, 8),
    (769, 8),
    (1025, 9),
    (1537, 9),
    (2049, 10),
    (3073, 10),
    (4097, 11),
    (6145, 11),
    (8193, 12),
    (12289, 12),
    (16385, 13),
    (24577, 13),
];

const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Candidates tried per position (a speed and size trade-off; links are small).
const CHAIN: usize = 64;
const HASH_BITS: u32 = 12;

/// Bits written least significant first, as DEFLATE packs them.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= value << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: its bits go most significant first.
    fn code(&mut self, code: u32, bits: u32) {
        self.put(code.reverse_bits() >> (32 - bits), bits);
    }

    /// Literal or length symbol `s` (0–287) with the fixed codes.
    fn symbol(&mut self, s: u32) {
        match s {
            0..=143 => self.code(0x30 + s, 8),
            144..=255 => self.code(0x190 + s - 144, 9),
            256..=279 => self.code(s - 256, 7),
            _ => self.code(0xc0 + s - 280, 8),
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// The code index whose base is the largest at most `v`.
fn index(table: &[(u16, u8)], v: usize) -> usize {
    table
        .iter()
        .rposition(|&(base, _)| usize::from(base) <= v)
        .unwrap_or(0)
}

fn hash(b: &[u8]) -> usize {
    let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

/// `data` as one final fixed-Huffman DEFLATE block.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut w = Bits {
        out: Vec::with_capacity(data.len() / 2 + 8),
        acc: 0,
        n: 0,
    };
    // BFINAL = 1, BTYPE = 01 (fixed Huffman codes).
    w.put(1, 1);
    w.put(1, 2);
    let mut head = vec![usize::MAX; 1 << HASH_BITS];
    let mut prev = vec![usize::MAX; data.len()];
    let mut i = 0;
    let insert = |head: &mut Vec<usize>, prev: &mut Vec<usize>, at: usize| {
        if at + MIN_MATCH <= data.len() {
            let h = hash(&data[at..]);
            prev[at] = head[h];
            head[h] = at;
        }
    };
    while i < data.len() {
        let (mut best_len, mut best_dist) = (0, 0);
        if i + MIN_MATCH <= data.len() {
            let mut cand = head[hash(&data[i..])];
            let limit = (data.len() - i).min(MAX_MATCH);
            for _ in 0..CHAIN {
                if cand == usize::MAX || i - cand > WINDOW {
                    break;
                }
                let len = data[cand..]
                    .iter()
                    .zip(&data[i..i + limit])
                    .take_while(|(a, b)| a == b)
                    .count();
                if len > best_len {
                    (best_len, best_dist) = (len, i - cand);
                    if len == limit {
                        break;
                    }
                }
                cand = prev[cand];
            }
        }
        if best_len >= MIN_MATCH {
            let l = index(&LENGTHS, best_len);
            w.symbol(257 + l as u32);
            let (base, extra) = LENGTHS[l];
            w.put((best_len - usize::from(base)) as u32, u32::from(extra));
            let d = index(&DISTANCES, best_dist);
            w.code(d as u32, 5);
            let (base, extra) = DISTANCES[d];
            w.put((best_dist - usize::from(base)) as u32, u32::from(extra));
            for at in i..i + best_len {
                insert(&mut head, &mut prev, at);
            }
            i += best_len;
        } else {
            w.symbol(u32::from(data[i]));
            insert(&mut head, &mut prev, i);
            i += 1;
        }
    }
    w.symbol(256);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(d: &[u8]) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec(d).expect("valid deflate")
    }

    #[test]
    fn round_trips_through_a_standard_inflater() {
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"a".to_vec(),
            b"abcabcabcabcabcabc".to_vec(),
            vec![0u8; 100_000],
            (0..70_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            "é ü — 漢字 {\"k\": [1, 2, 3]}".repeat(500).into_bytes(),
        ];
        for c in cases {
            assert_eq!(inflate(&deflate(&c)), c);
        }
    }

    /// Every preset: identical after the round trip, and at most a third longer than what
    /// a full compressor (miniz at level 9, with dynamic codes) makes of it.
    #[test]
    fn presets_round_trip_and_compress_almost_as_well() {
        for p in crate::presets::ALL {
            let d = deflate(p.json.as_bytes());
            assert_eq!(inflate(&d), p.json.as_bytes(), "{}", p.id);
            let full = miniz_oxide::deflate::compress_to_vec(p.json.as_bytes(), 9).len();
            assert!(d.len() * 3 <= full * 4, "{}: {} vs {full}", p.id, d.len());
        }
    }
}
