//! MD5 (RFC 1321, <https://www.rfc-editor.org/rfc/rfc1321>), which Kinesis
//! applies to a record's partition key to map it to a 128-bit hash key:
//! "Kinesis Data Streams uses MD5 to map partition keys to 128-bit integer
//! values and to map associated data records to shards"
//! (<https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html>).
//!
//! Written in-crate (sixty lines, checked against the RFC's test suite) rather
//! than taken from a crate: the engine hashes each distinct key once per run,
//! the hash must never change, and a dependency would add nothing but weight
//! to the WebAssembly bundle. MD5 is used here for routing, not for security.

/// Per-round shift amounts (RFC 1321 §3.4).
const S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/// `K[i] = floor(2^32 × |sin(i + 1)|)` (RFC 1321 §3.4), as constants.
const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// Processes one 64-byte block.
fn compress(state: &mut [u32; 4], block: &[u8]) {
    let mut m = [0u32; 16];
    for (i, w) in m.iter_mut().enumerate() {
        *w = u32::from_le_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    // The four rounds, each with its own function and message order
    // (written as four loops so that each one compiles without a branch).
    macro_rules! step {
        ($i:expr, $f:expr, $g:expr) => {{
            let rotated = a
                .wrapping_add($f)
                .wrapping_add(K[$i])
                .wrapping_add(m[$g])
                .rotate_left(S[$i]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }};
    }
    for i in 0..16 {
        step!(i, (b & c) | (!b & d), i);
    }
    for i in 16..32 {
        step!(i, (d & b) | (!d & c), (5 * i + 1) % 16);
    }
    for i in 32..48 {
        step!(i, b ^ c ^ d, (3 * i + 5) % 16);
    }
    for i in 48..64 {
        step!(i, c ^ (b | !d), (7 * i) % 16);
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

/// The MD5 digest of `data`, as 16 bytes.
pub fn digest(data: &[u8]) -> [u8; 16] {
    let mut state: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut chunks = data.chunks_exact(64);
    for block in &mut chunks {
        compress(&mut state, block);
    }
    let rest = chunks.remainder();
    // Padding: 0x80, zeros to 56 mod 64, then the bit length, little-endian.
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let tail_len = if rest.len() < 56 { 64 } else { 128 };
    let bits = (data.len() as u64).wrapping_mul(8);
    tail[tail_len - 8..tail_len].copy_from_slice(&bits.to_le_bytes());
    for block in tail[..tail_len].chunks_exact(64) {
        compress(&mut state, block);
    }
    let mut out = [0u8; 16];
    for (i, w) in state.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// How many blocks [`hash_numbered_keys`] compresses side by side. One
/// block's 64 steps each depend on the step before; independent blocks
/// interleaved keep the processor busy (and let a compiler use SIMD lanes).
const WIDE: usize = 4;

/// [`compress`] for `WIDE` independent one-block messages at once: `state[r][j]`
/// is register `r` of message `j`, `m[g][j]` its word `g`.
fn compress_wide(state: &mut [[u32; WIDE]; 4], m: &[[u32; WIDE]; 16]) {
    let [mut a, mut b, mut c, mut d] = *state;
    macro_rules! step {
        ($i:expr, $g:expr, |$x:ident, $y:ident, $z:ident| $f:expr) => {{
            let mut nb = b;
            for j in 0..WIDE {
                let ($x, $y, $z) = (b[j], c[j], d[j]);
                nb[j] = b[j].wrapping_add(
                    a[j].wrapping_add($f)
                        .wrapping_add(K[$i])
                        .wrapping_add(m[$g][j])
                        .rotate_left(S[$i]),
                );
            }
            a = d;
            d = c;
            c = b;
            b = nb;
        }};
    }
    // Written out step by step (not as loops) so that every shift and index is a constant.
    macro_rules! round {
        ($i:ident => $g:expr, |$x:ident, $y:ident, $z:ident| $f:expr; $($n:literal)*) => {$({
            let $i: usize = $n;
            step!($i, $g, |$x, $y, $z| $f);
        })*};
    }
    round!(i => i, |x, y, z| (x & y) | (!x & z); 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    round!(i => (5 * i + 1) % 16, |x, y, z| (z & x) | (!z & y);
        16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    round!(i => (3 * i + 5) % 16, |x, y, z| x ^ y ^ z;
        32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47);
    round!(i => (7 * i) % 16, |x, y, z| y ^ (x | !z);
        48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63);
    for j in 0..WIDE {
        state[0][j] = state[0][j].wrapping_add(a[j]);
        state[1][j] = state[1][j].wrapping_add(b[j]);
        state[2][j] = state[2][j].wrapping_add(c[j]);
        state[3][j] = state[3][j].wrapping_add(d[j]);
    }
}

/// The hash keys of `"{prefix}0"` … `"{prefix}{n−1}"`, in that order: the same
/// numbers as [`hash_key`], computed `WIDE` at a time (a producer's 100,000
/// keys were a fifth of a one-hour run's time, hashed one by one).
pub fn hash_numbered_keys(prefix: &str, n: u32) -> Vec<u128> {
    // "{prefix}{u32}" fits one block (at most 55 bytes) when the prefix has at most 45.
    if prefix.len() > 45 {
        return (0..n).map(|i| hash_key(&format!("{prefix}{i}"))).collect();
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut i = 0u32;
    while i < n {
        let mut m = [[0u32; WIDE]; 16];
        let mut block = [0u8; 64];
        for j in 0..WIDE {
            // Past the end the last key is hashed again and dropped.
            let key = (i + j as u32).min(n - 1);
            let len = one_block(prefix.as_bytes(), key, &mut block);
            debug_assert!(len <= 55);
            for (g, w) in m.iter_mut().enumerate() {
                let b = &block[4 * g..4 * g + 4];
                w[j] = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
        let mut state = [
            [0x67452301; WIDE],
            [0xefcdab89; WIDE],
            [0x98badcfe; WIDE],
            [0x10325476; WIDE],
        ];
        compress_wide(&mut state, &m);
        for j in 0..WIDE.min((n - i) as usize) {
            let mut out_bytes = [0u8; 16];
            for (r, reg) in state.iter().enumerate() {
                out_bytes[4 * r..4 * r + 4].copy_from_slice(&reg[j].to_le_bytes());
            }
            out.push(u128::from_be_bytes(out_bytes));
        }
        i = i.saturating_add(WIDE as u32);
    }
    out
}

/// Writes `"{prefix}{i}"`, padded as MD5's only block, into `block`; returns
/// the message length (at most 55 bytes: callers keep `prefix` to 45).
fn one_block(prefix: &[u8], i: u32, block: &mut [u8; 64]) -> usize {
    let mut digits = [0u8; 10];
    let mut k = digits.len();
    let mut v = i;
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let len = prefix.len() + digits.len() - k;
    block.fill(0);
    block[..prefix.len()].copy_from_slice(prefix);
    block[prefix.len()..len].copy_from_slice(&digits[k..]);
    block[len] = 0x80;
    block[56..].copy_from_slice(&((len as u64) * 8).to_le_bytes());
    len
}

/// The hash key Kinesis derives from a partition key: the MD5 digest read as
/// a big-endian unsigned 128-bit integer (the same number `md5sum` prints in
/// hex).
pub fn hash_key(partition_key: &str) -> u128 {
    u128::from_be_bytes(digest(partition_key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 16]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The test suite of RFC 1321, appendix A.5.
    #[test]
    fn rfc1321_test_suite() {
        let cases = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(digest(input.as_bytes())), want, "MD5({input:?})");
        }
    }

    #[test]
    fn padding_boundaries() {
        // 55, 56 and 64 bytes straddle the one-block/two-block padding cases.
        assert_eq!(hex(digest(&[b'a'; 55])), "ef1772b6dff9a122358552954ad0df65");
        assert_eq!(hex(digest(&[b'a'; 56])), "3b0c8ac703f828b04c6c197006d17218");
        assert_eq!(hex(digest(&[b'a'; 64])), "014842d480b571495a4a0363793f7367");
    }

    #[test]
    fn numbered_keys_hash_as_one_by_one() {
        for n in [0u32, 1, 3, 4, 5, 1001] {
            let wide = hash_numbered_keys("k-", n);
            let one: Vec<u128> = (0..n).map(|i| hash_key(&format!("k-{i}"))).collect();
            assert_eq!(wide, one, "n = {n}");
        }
        let long = "p".repeat(50);
        assert_eq!(
            hash_numbered_keys(&long, 2),
            vec![hash_key(&format!("{long}0")), hash_key(&format!("{long}1"))]
        );
        let max = "x".repeat(45);
        assert_eq!(
            hash_numbered_keys(&max, 1),
            vec![hash_key(&format!("{max}0"))]
        );
        assert_eq!(one_block(b"", u32::MAX, &mut [0; 64]), 10);
    }

    #[test]
    fn hash_key_is_the_big_endian_digest() {
        // md5("k-0") = 53233dbd29fe30075a770e3ce6371606 (hex)
        assert_eq!(
            hash_key("k-0"),
            110_508_906_254_301_453_735_964_563_864_320_153_094
        );
        assert_eq!(
            hash_key("k-42"),
            133_604_346_977_473_355_507_365_785_014_225_941_496
        );
    }
}
