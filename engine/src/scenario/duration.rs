//! Duration strings: `"250ms"`, `"90s"`, `"15m"`, `"2h"`, `"1h30m"`, `"3d"`, `"1d2h"`, `"0s"`.
//!
//! Grammar: one or more `<digits><unit>` parts, units from largest to smallest,
//! each unit at most once, no spaces, no signs, no fractions. Units: `d` (days),
//! `h` (hours), `m` (minutes), `s` (seconds), `ms` (milliseconds) and `us`
//! (microseconds, the engine's resolution; rarely needed).

use crate::time::SimDuration;

/// The units, largest first, with their length in microseconds.
const UNITS: [(&str, u64); 6] = [
    ("d", 86_400_000_000),
    ("h", 3_600_000_000),
    ("m", 60_000_000),
    ("s", 1_000_000),
    ("ms", 1_000),
    ("us", 1),
];

const HINT: &str = "use a duration string such as \"250ms\", \"90s\", \"15m\", \"1h30m\" or \"3d\"";

/// Parses a duration string. The error is a message without a path.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    if text.is_empty() {
        return Err(format!("empty duration; {HINT}"));
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    // Index into UNITS of the last unit seen; the next must be smaller.
    let mut last_unit: Option<usize> = None;
    while i < bytes.len() {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return Err(bad(text, "expected a whole number before each unit"));
        }
        let mut value: u64 = 0;
        for &b in &bytes[digits_start..i] {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| too_long(text))?;
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == unit_start {
            let why = if i < bytes.len() && (bytes[i] == b'.' || bytes[i] == b',') {
                "fractions are not allowed (write \"1h30m\", not \"1.5h\")"
            } else if i >= bytes.len() {
                "a unit is missing after the last number"
            } else {
                "unexpected character"
            };
            return Err(bad(text, why));
        }
        let unit = &text[unit_start..i];
        let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(bad(text, "unknown unit; units are d, h, m, s, ms, us"));
        };
        if let Some(last) = last_unit {
            if index <= last {
                return Err(bad(
                    text,
                    "units must go from largest to smallest, each at most once (\"1h30m\")",
                ));
            }
        }
        last_unit = Some(index);
        let part = value
            .checked_mul(UNITS[index].1)
            .ok_or_else(|| too_long(text))?;
        total = total.checked_add(part).ok_or_else(|| too_long(text))?;
    }
    Ok(SimDuration(total))
}

/// Formats a duration in the canonical form that [`parse_duration`] reads back
/// exactly: largest units first, zero parts left out, `"0s"` for zero.
pub fn format_duration(d: SimDuration) -> String {
    if d.0 == 0 {
        return "0s".to_string();
    }
    let mut rest = d.0;
    let mut out = String::new();
    for (name, micros) in UNITS {
        let n = rest / micros;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push_str(name);
            rest %= micros;
        }
    }
    out
}

fn bad(text: &str, why: &str) -> String {
    format!("{} is not a duration: {why}; {HINT}", quote(text))
}

fn too_long(text: &str) -> String {
    format!("{} is too long a duration to represent", quote(text))
}

/// A string quoted for a message, shortened if long.
pub(crate) fn quote(text: &str) -> String {
    const MAX: usize = 40;
    let mut clipped: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        clipped.push('…');
    }
    serde_json::Value::String(clipped).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_reads_back() {
        for micros in [0, 1, 999, 1_000, 90_000_000, 93_600_000_000, u64::MAX] {
            let d = SimDuration(micros);
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
    }
}
