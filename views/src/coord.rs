//! Numbers in SVG attributes, written the quick way. A redraw writes tens of thousands of
//! coordinates, and exact float formatting (`format!("{:.1}", x)`) was a tenth of a redraw
//! in the browser; these round with one multiplication and print integers. They are also the
//! app's only fixed-point formatting: without `{:.1}` anywhere, the bundle carries no exact
//! float formatting (about 9 KB of wasm).

use std::fmt;

/// `x` with one decimal: tenths, rounded half away from zero ("12.3", "-0.5", "7.0").
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct D1(pub f64);

/// `x` with two decimals: hundredths, rounded half away from zero ("0.25", "3.10").
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct D2(pub f64);

impl fmt::Display for D1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fixed(f, self.0, 1)
    }
}

impl fmt::Display for D2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fixed(f, self.0, 2)
    }
}

impl D1 {
    /// Appends the text to `out`: what `write!(out, "{}", self)` writes, without the
    /// formatting machinery, which was most of the cost of a chart's path (a point each).
    pub fn push_to(self, out: &mut String) {
        let mut buf = [0u8; 24];
        match digits(self.0, 1, &mut buf) {
            Some(text) => out.push_str(text),
            None => {
                let _ = fmt::Write::write_fmt(out, format_args!("{self}"));
            }
        }
    }
}

fn fixed(f: &mut fmt::Formatter<'_>, x: f64, decimals: usize) -> fmt::Result {
    let mut buf = [0u8; 24];
    if let Some(text) = digits(x, decimals, &mut buf) {
        return f.write_str(text);
    }
    // Beyond 2^53 (or not a number) the integer path would be wrong: "NaN", "inf", or the
    // integer digits without decimals ("1e38" past 10^38, never a coordinate). Not through
    // `{x}`: the standard library's float formatting is large in the bundle.
    if x.is_nan() {
        return f.write_str("NaN");
    }
    let sign = if x < 0.0 { "-" } else { "" };
    match x.abs() {
        a if a.is_infinite() => write!(f, "{sign}inf"),
        a if a >= 1e38 => write!(f, "{sign}1e38"),
        a => write!(f, "{sign}{}", a.round() as u128),
    }
}

/// `v` rounded half away from zero, exactly as `f64::round`, from instructions that
/// WebAssembly has (truncation, subtraction, comparison): `round` itself is a library
/// call there, and a chart's redraw rounds each of its points several times.
/// `v − trunc(v)` is exact for every finite `v`; NaN and the infinities come back as they are.
#[inline]
pub fn round(v: f64) -> f64 {
    let t = v.trunc();
    if (v - t).abs() >= 0.5 {
        t + 1.0_f64.copysign(v)
    } else {
        t
    }
}

/// Writes unsigned `a` (tenths or hundredths: `decimals`) right to left into `buf` before
/// `i`, with its decimal point, and moves `i` to the first digit. A macro, not a generic
/// function: at opt-level "z" the generic one's division stayed a call.
macro_rules! write_units {
    ($a:expr, $decimals:expr, $buf:ident, $i:ident) => {{
        let mut a = $a;
        for _ in 0..$decimals {
            $i -= 1;
            $buf[$i] = b'0' + (a % 10) as u8;
            a /= 10;
        }
        $i -= 1;
        $buf[$i] = b'.';
        loop {
            $i -= 1;
            $buf[$i] = b'0' + (a % 10) as u8;
            a /= 10;
            if a == 0 {
                break;
            }
        }
    }};
}

/// `x` with `decimals` (1 or 2) as text in `buf`, digits written right to left (the
/// formatting machinery of `write!` was most of the cost); `None` for a value the integer
/// path cannot hold (not a number, or 2^53 and beyond).
fn digits(x: f64, decimals: usize, buf: &mut [u8; 24]) -> Option<&str> {
    let scale = if decimals == 1 { 10.0 } else { 100.0 };
    let units = round(x * scale);
    if x.is_nan() || !units.is_finite() || units.abs() >= 9.0e15 {
        return None;
    }
    let mut i = buf.len();
    // Coordinates fit 32 bits, and dividing those by ten is a multiplication in
    // WebAssembly, where a 64-bit division is a division instruction.
    let a = units.abs();
    if a < 4_294_967_296.0 {
        write_units!(a as u32, decimals, buf, i);
    } else {
        write_units!(a as u64, decimals, buf, i);
    }
    // -0.0 is not below zero: "0.0", as before rounding.
    if units < 0.0 {
        i -= 1;
        buf[i] = b'-';
    }
    // Only ASCII digits, '.' and '-' were written.
    std::str::from_utf8(&buf[i..]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_fixed_point_formatting() {
        for (x, one, two) in [
            (0.0, "0.0", "0.00"),
            (7.0, "7.0", "7.00"),
            (12.34, "12.3", "12.34"),
            (12.36, "12.4", "12.36"),
            (-0.5, "-0.5", "-0.50"),
            (-12.345_6, "-12.3", "-12.35"),
            (0.04, "0.0", "0.04"),
            (1279.96, "1280.0", "1279.96"),
        ] {
            assert_eq!(D1(x).to_string(), one, "{x}");
            assert_eq!(D2(x).to_string(), two, "{x}");
        }
        assert_eq!(D1(f64::NAN).to_string(), "NaN");
        assert_eq!(D1(1e20).to_string(), "100000000000000000000");
        assert_eq!(D1(-1e300).to_string(), "-1e38");
        assert_eq!(D1(f64::INFINITY).to_string(), "inf");
    }

    /// `push_to` appends what `Display` writes, odd values included.
    #[test]
    fn push_to_appends_the_displayed_text() {
        for x in [
            0.0,
            -0.04,
            12.36,
            -12.345_6,
            1279.96,
            9.1e14,
            1e20,
            -1e300,
            f64::NAN,
            f64::INFINITY,
        ] {
            let mut out = "M".to_string();
            D1(x).push_to(&mut out);
            assert_eq!(out, format!("M{}", D1(x)), "{x}");
        }
    }

    /// `round` is `f64::round`, bit for bit: ties away from zero (both signs), the largest
    /// value below a half, beyond 2^52 and 2^53, the signed zeros, the infinities, NaN, and
    /// a sweep of fractions.
    #[test]
    fn round_is_f64_round() {
        let mut cases = vec![
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.5,
            0.499_999_999_999_999_94,
            -0.499_999_999_999_999_94,
            4_503_599_627_370_495.5,
            4_503_599_627_370_497.0,
            9_007_199_254_740_993.0,
            1e300,
            0.0,
            -0.0,
            -0.3,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut x = -2000.0f64;
        while x < 2000.0 {
            cases.push(x);
            x += 0.012_5;
        }
        for v in cases {
            assert_eq!(round(v).to_bits(), v.round().to_bits(), "{v}");
        }
        assert!(round(f64::NAN).is_nan());
    }

    /// Away from exact ties (which `{:.1}` rounds to even) and from "-0.0", the same text
    /// as `{:.1}`.
    #[test]
    fn the_same_text_as_format_away_from_ties() {
        let mut x = -3000.0f64;
        while x < 3000.0 {
            let tie = ((x * 10.0).fract().abs() - 0.5).abs() < 1e-6;
            if !tie && x.abs() >= 0.05 {
                assert_eq!(D1(x).to_string(), format!("{x:.1}"), "{x}");
            }
            x += 0.0137;
        }
    }
}
