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
