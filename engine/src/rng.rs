//! The engine's one random number generator, written in-crate so that its
//! output can never change under us: xoshiro256** (Blackman & Vigna,
//! <https://prng.di.unimi.it/xoshiro256starstar.c>), seeded through SplitMix64
//! (<https://prng.di.unimi.it/splitmix64.c>) as its authors recommend.
//!
//! Why not a crate: the generator's output is part of the public contract
//! ("same scenario ⇒ same trace hash", natively and in WebAssembly, today and
//! after any dependency upgrade). Thirty lines of integer arithmetic are easier
//! to pin than a crate's stability promise, and need no `getrandom`.
//!
//! Every entity that draws random numbers gets its **own stream**, derived from
//! the scenario seed and the entity's name ([`Rng::derive`]), so that adding a
//! consumer does not perturb the draws of the others.

/// SplitMix64's step: used to expand a 64-bit seed into xoshiro's state and as
/// a stateless mixing function ([`mix64`]).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stateless 64-bit mixer (SplitMix64's finaliser applied to `x`): the same
/// input always gives the same well-spread output. Used where a value must be
/// a pure function of its coordinates (e.g. which key record `seq` of a shard
/// carries), independent of the order in which things are asked.
pub fn mix64(x: u64) -> u64 {
    let mut s = x;
    splitmix64(&mut s)
}

/// FNV-1a, 64 bits (<http://www.isthe.com/chongo/tech/comp/fnv/>): a portable,
/// dependency-free hash of bytes, used to derive per-entity seeds and the trace
/// hash.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// [`fnv1a64`] over bytes written in pieces: the same hash as of all of them at once.
#[derive(Clone, Debug)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// The hash of everything written so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl std::io::Write for Fnv1a64 {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut h = self.0;
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        self.0 = h;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// xoshiro256**: 256 bits of state, period 2^256 − 1, fast and portable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from `seed` through SplitMix64.
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    /// The stream of the entity called `name` under scenario seed `seed`:
    /// `seed ⊕ FNV-1a(name)`. Names are unique per kind of entity, so each
    /// producer and consumer draws from its own stream.
    pub fn derive(seed: u64, name: &str) -> Rng {
        Rng::new(seed ^ fnv1a64(name.as_bytes()))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A float uniformly distributed in `[0, 1)`, with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An integer uniformly distributed in `[0, n)` (`n > 0`), by Lemire's
    /// multiply-shift (the tiny bias, below 2^-64 × n, is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_in_pieces_is_fnv_at_once() {
        use std::io::Write as _;
        let data = b"shardscope trace hash, written in pieces";
        let mut h = Fnv1a64::default();
        for chunk in data.chunks(7) {
            h.write_all(chunk).unwrap();
        }
        assert_eq!(h.finish(), fnv1a64(data));
        assert_eq!(Fnv1a64::default().finish(), fnv1a64(b""));
    }

    /// SplitMix64 from seed 1234567: the reference values of the C
    /// implementation (also used by Java's SplittableRandom test suites).
    #[test]
    fn splitmix64_reference_vector() {
        let mut s = 1_234_567u64;
        let out: Vec<u64> = (0..5).map(|_| splitmix64(&mut s)).collect();
        assert_eq!(
            out,
            vec![
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    /// Pins the first outputs of xoshiro256** seeded via SplitMix64 from 0, so
    /// that any change to the generator (which would change every trace hash)
    /// fails here first. The expected values come from an independent
    /// transcription of the reference C code (xoshiro256starstar.c).
    #[test]
    fn xoshiro_first_outputs_are_pinned() {
        let mut r = Rng::new(0);
        let out: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(out, PINNED_SEED0.to_vec());
    }

    const PINNED_SEED0: [u64; 4] = [
        11_091_344_671_253_066_420,
        13_793_997_310_169_335_082,
        1_900_383_378_846_508_768,
        7_684_712_102_626_143_532,
    ];

    #[test]
    fn derived_streams_differ_and_repeat() {
        let mut a = Rng::derive(7, "alpha");
        let mut b = Rng::derive(7, "beta");
        let mut a2 = Rng::derive(7, "alpha");
        let xa = a.next_u64();
        assert_ne!(xa, b.next_u64());
        assert_eq!(xa, a2.next_u64());
    }

    #[test]
    fn floats_and_ranges_stay_in_bounds() {
        let mut r = Rng::new(42);
        for _ in 0..10_000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
            assert!(r.below(7) < 7);
        }
        assert!(!Rng::new(1).chance(0.0));
        assert!(Rng::new(1).chance(1.0));
    }

    #[test]
    fn fnv1a64_reference_vectors() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
