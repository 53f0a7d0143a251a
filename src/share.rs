//! Sharing: the whole scenario lives in the URL's hash, deflated and base64url-encoded, so a
//! copied link reproduces exactly the same run in a fresh browser with no server involved.
//!
//! `#s=<base64url(deflate(scenario JSON))>`. The hash never reaches a server, and decoding is
//! bounded so that a hostile link cannot make the tab inflate gigabytes.

/// The prefix of a shared scenario in the URL hash.
pub const PREFIX: &str = "#s=";

/// Largest scenario accepted from a link: the engine's document limit.
const MAX_JSON_BYTES: usize = shardscope_engine::scenario::limits::MAX_DOCUMENT_BYTES;

/// The hash (with `#s=`) that carries `json`.
pub fn encode(json: &str) -> String {
    let deflated = crate::deflate::deflate(json.as_bytes());
    format!("{PREFIX}{}", base64url(&deflated))
}

/// The scenario JSON carried by a hash, or why it cannot be read.
pub fn decode(hash: &str) -> Result<String, String> {
    let body = hash
        .strip_prefix(PREFIX)
        .ok_or_else(|| "the link does not carry a scenario".to_string())?;
    let deflated = unbase64url(body).ok_or("the link's scenario is not valid base64url")?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_JSON_BYTES)
        .map_err(|_| "the link's scenario is damaged or too large".to_string())?;
    String::from_utf8(bytes).map_err(|_| "the link's scenario is not UTF-8 text".to_string())
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// RFC 4648 §5 base64url without padding: safe in a URL hash as it is.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits & 0xff) as u8);
        }
    }
    // Leftover bits must be padding zeros, and a lone 6-bit group is never valid.
    (bits < 6 && acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(plain.as_bytes()), encoded);
            assert_eq!(unbase64url(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn a_scenario_survives_the_round_trip_and_shrinks() {
        let json = include_str!("../www/presets/poison-blocks-a-shard.json");
        let hash = encode(json);
        assert!(hash.starts_with("#s="));
        assert!(hash.len() < json.len(), "{} vs {}", hash.len(), json.len());
        assert_eq!(decode(&hash).unwrap(), json);
    }

    #[test]
    fn bad_links_are_errors_not_panics() {
        assert!(decode("").is_err());
        assert!(decode("#x=abc").is_err());
        assert!(decode("#s=***").is_err());
        assert!(decode("#s=A").is_err());
        assert!(decode("#s=AAAA").is_err());
        // A deflate bomb: 64 MiB of zeros inflates past the limit and is refused.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![0u8; 64 << 20], 9);
        assert!(decode(&format!("#s={}", base64url(&bomb))).is_err());
    }
}
