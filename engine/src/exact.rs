//! The model's integer arithmetic where WebAssembly makes it slow: wasm has no instruction
//! for a product's high half, so a 64-bit product checked for overflow, and any 128-bit
//! product or division, is a library call (`__multi3`, `__udivti3`). Each function here
//! gives exactly the result of the plain operation, and takes the short way when the
//! operands are small enough, as the model's nearly always are.

/// `a · b`, if it fits in 64 bits (as [`u64::checked_mul`]).
#[inline(always)]
pub(crate) fn checked_mul(a: u64, b: u64) -> Option<u64> {
    // Operands of at most `64 − lz` bits each: a product below 2^(128 − lz_a − lz_b).
    if a.leading_zeros() + b.leading_zeros() >= 64 {
        Some(a.wrapping_mul(b))
    } else {
        a.checked_mul(b)
    }
}

/// `a · b`, or `u64::MAX` if it does not fit (as [`u64::saturating_mul`]).
#[inline(always)]
pub(crate) fn saturating_mul(a: u64, b: u64) -> u64 {
    checked_mul(a, b).unwrap_or(u64::MAX)
}

/// `n / d` and `n % d`, in one 64-bit division when both fit (they do unless key
/// weights are huge: see `producer`'s "Exact arithmetic").
#[inline(always)]
pub(crate) fn div_rem(n: u128, d: u128) -> (u128, u128) {
    if (n | d) >> 64 == 0 {
        let (n, d) = (n as u64, d as u64);
        (u128::from(n / d), u128::from(n % d))
    } else {
        (n / d, n % d)
    }
}

/// `c + j · r`, in 64 bits when it fits.
#[inline(always)]
pub(crate) fn mul_add(j: u64, r: u128, c: u128) -> u128 {
    if (r | c) >> 64 == 0 {
        if let Some(x) = checked_mul(j, r as u64).and_then(|x| x.checked_add(c as u64)) {
            return u128::from(x);
        }
    }
    c + u128::from(j) * r
}

/// The greatest common divisor of `a` and `b` (`b` if `a` is 0), by Stein's binary
/// method: shifts and subtractions, no division.
pub(crate) fn gcd(a: u128, b: u128) -> u128 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    let (mut a, mut b) = (a >> a.trailing_zeros(), b);
    while b != 0 {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
    }
    a << shift
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_ways_give_the_plain_results() {
        let max = u64::MAX;
        for (a, b) in [
            (0, max),
            (3, 5),
            (1 << 32, 1 << 31),
            (1 << 32, 1 << 32),
            (max, 2),
            (max, 1),
            (12_345, 1 << 40),
        ] {
            assert_eq!(checked_mul(a, b), a.checked_mul(b), "{a} · {b}");
            assert_eq!(saturating_mul(a, b), a.saturating_mul(b), "{a} · {b}");
        }
        let big = (1u128 << 70) + 5;
        for (n, d) in [
            (10, 3),
            (0, 7),
            (u128::from(max), 2),
            (big, 3),
            (big, 1 << 65),
        ] {
            assert_eq!(div_rem(n, d), (n / d, n % d), "{n} / {d}");
        }
        for (a, b, g) in [
            (0, 12, 12),
            (12, 0, 12),
            (12, 18, 6),
            (17, 5, 1),
            (1 << 100, 3 << 90, 1 << 90),
            (
                10_000_000_000 * 999_000,
                1_000_000_000_000_000_000,
                10_000_000_000_000,
            ),
        ] {
            assert_eq!(gcd(a, b), g, "gcd({a}, {b})");
        }
        let wide = u128::from(max);
        for (j, r, c) in [
            (3, 4, 5),
            (max, 2, 1),
            (2, wide, wide),
            (7, big, 1),
            (0, big, big),
            (1 << 20, 1 << 40, wide),
        ] {
            assert_eq!(mul_add(j, r, c), c + u128::from(j) * r, "{c} + {j}·{r}");
        }
    }
}
