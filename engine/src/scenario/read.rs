//! Reading JSON with paths: a strict text-to-value step (duplicate keys are an
//! error) and small typed accessors that turn every mismatch into a
//! [`ScenarioError`] naming the exact path.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::duration::{parse_duration, quote};
use super::error::{Result, ScenarioError};
use crate::time::SimDuration;

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

/// The path of `key` inside the object at `parent` (`""` is the root).
pub(crate) fn key_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= 64
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !key.as_bytes()[0].is_ascii_digit();
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", quote(key)),
    }
}

/// The path of element `index` of the array at `parent`.
pub(crate) fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

// ---------------------------------------------------------------------------
// Strict text → Value
// ---------------------------------------------------------------------------

/// Parses JSON text into a value, rejecting duplicate keys (which plain
/// `serde_json` would silently resolve to the last one).
pub(crate) fn strict_value(text: &str) -> Result<Value> {
    let duplicate = RefCell::new(None);
    let seed = StrictSeed {
        path: String::new(),
        duplicate: &duplicate,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(v) => Ok(v),
        Err(e) => Err(match duplicate.into_inner() {
            Some(dup) => dup,
            None => ScenarioError::new("", format!("not valid JSON: {e}")),
        }),
    }
}

struct StrictSeed<'s> {
    path: String,
    duplicate: &'s RefCell<Option<ScenarioError>>,
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = StrictSeed {
                path: index_path(&self.path, items.len()),
                duplicate: self.duplicate,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = key_path(&self.path, &key);
            if out.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(ScenarioError::new(
                    path,
                    format!("duplicate key {}: each key may appear once", quote(&key)),
                ));
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(StrictSeed {
                path,
                duplicate: self.duplicate,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

// ---------------------------------------------------------------------------
// Typed accessors
// ---------------------------------------------------------------------------

/// "a string", "a number", … for messages.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn expected(path: &str, what: &str, found: &Value) -> ScenarioError {
    ScenarioError::new(path, format!("expected {what}, found {}", kind_of(found)))
}

/// An object being read, with its path.
pub(crate) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

impl<'a> Obj<'a> {
    /// `v` as an object, or an error at `path`.
    pub fn new(v: &'a Value, path: &str) -> Result<Obj<'a>> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                path: path.to_string(),
            }),
            other => Err(expected(path, "an object", other)),
        }
    }

    /// The path of one of this object's keys.
    pub fn at(&self, key: &str) -> String {
        key_path(&self.path, key)
    }

    /// Rejects the first key not in `allowed`, listing the allowed keys.
    pub fn only(&self, allowed: &[&str]) -> Result<()> {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(unknown_key(&self.at(key), key, allowed));
            }
        }
        Ok(())
    }

    /// The value of `key`, if present (a JSON `null` counts as present).
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// The value of `key`, or an error saying it is required.
    pub fn need(&self, key: &str) -> Result<&'a Value> {
        self.get(key)
            .ok_or_else(|| ScenarioError::new(self.at(key), "is required but missing"))
    }

    pub fn str_or(&self, key: &str, default: &str) -> Result<String> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(v) => as_str(v, &self.at(key)).map(str::to_string),
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => as_bool(v, &self.at(key)),
        }
    }

    pub fn opt_f64(&self, key: &str, min: f64, max: f64) -> Result<Option<f64>> {
        self.get(key)
            .map(|v| as_f64(v, &self.at(key), min, max))
            .transpose()
    }
}

/// The error for a key that is not allowed at `path`.
pub(crate) fn unknown_key(path: &str, key: &str, allowed: &[&str]) -> ScenarioError {
    let mut message = format!("unknown key {}", quote(key));
    if let Some(near) = suggest(key, allowed) {
        message.push_str(&format!(" (did you mean \"{near}\"?)"));
    }
    message.push_str("; allowed keys here: ");
    message.push_str(&allowed.join(", "));
    ScenarioError::new(path, message)
}

/// The allowed key closest to a mistyped one, if it is close enough.
fn suggest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    if key.chars().count() > 64 {
        return None;
    }
    let key = key.to_ascii_lowercase();
    allowed
        .iter()
        .map(|a| (edit_distance(&key, &a.to_ascii_lowercase()), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// Levenshtein distance over chars (inputs are short: at most 64 chars).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn as_str<'v>(v: &'v Value, path: &str) -> Result<&'v str> {
    v.as_str().ok_or_else(|| expected(path, "a string", v))
}

pub(crate) fn as_bool(v: &Value, path: &str) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| expected(path, "a boolean (true or false)", v))
}

pub(crate) fn as_array<'v>(v: &'v Value, path: &str) -> Result<&'v Vec<Value>> {
    v.as_array().ok_or_else(|| expected(path, "an array", v))
}

fn number<'v>(v: &'v Value, path: &str) -> Result<&'v Number> {
    match v {
        Value::Number(n) => Ok(n),
        Value::String(_) => Err(ScenarioError::new(
            path,
            "expected a number, found a string (write the number without quotes)",
        )),
        other => Err(expected(path, "a number", other)),
    }
}

pub(crate) fn above(n: impl fmt::Display, max: impl fmt::Display) -> String {
    format!("{n} is above the maximum {max}")
}

pub(crate) fn below(n: impl fmt::Display, min: impl fmt::Display) -> String {
    format!("{n} is below the minimum {min}")
}

/// A whole number within `min..=max`.
pub(crate) fn as_int(v: &Value, path: &str, min: i64, max: i64) -> Result<i64> {
    let n = number(v, path)?;
    if let Some(i) = n.as_i64() {
        if i < min {
            return Err(ScenarioError::new(path, below(i, min)));
        }
        if i > max {
            return Err(ScenarioError::new(path, above(i, max)));
        }
        return Ok(i);
    }
    if n.as_u64().is_some() {
        // Above i64::MAX, hence above every maximum used here.
        return Err(ScenarioError::new(path, above(n, max)));
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if !f.is_finite() || f.fract() != 0.0 {
        return Err(ScenarioError::new(
            path,
            format!("expected a whole number, found {n}"),
        ));
    }
    if f < min as f64 {
        Err(ScenarioError::new(path, below(n, min)))
    } else {
        // A float without fraction that did not fit an i64: too large.
        Err(ScenarioError::new(path, above(n, max)))
    }
}

/// A number as a reader (and AWS, in parameter strings) writes it ("1", "0.5"), through
/// serde_json's number formatting: the standard library's float formatting would be one
/// more large function in the bundle.
pub(crate) fn bound(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        (x as i64).to_string()
    } else {
        Value::from(x).to_string()
    }
}

/// A finite number within `min..=max`.
pub(crate) fn as_f64(v: &Value, path: &str, min: f64, max: f64) -> Result<f64> {
    let n = number(v, path)?;
    let f = n.as_f64().unwrap_or(f64::NAN);
    if !f.is_finite() {
        return Err(ScenarioError::new(
            path,
            format!("{n} is not a finite number"),
        ));
    }
    if f < min {
        return Err(ScenarioError::new(path, below(n, bound(min))));
    }
    if f > max {
        return Err(ScenarioError::new(path, above(n, bound(max))));
    }
    // Normalise -0.0 so that equal inputs give equal scenarios.
    Ok(if f == 0.0 { 0.0 } else { f })
}

/// A duration string.
pub(crate) fn as_duration(v: &Value, path: &str) -> Result<SimDuration> {
    match v {
        Value::String(s) => parse_duration(s).map_err(|m| ScenarioError::new(path, m)),
        Value::Number(n) => Err(ScenarioError::new(
            path,
            format!(
                "expected a duration string, found the number {n}; write the unit, e.g. \"{n}s\" or \"{n}ms\""
            ),
        )),
        other => Err(expected(path, "a duration string such as \"90s\"", other)),
    }
}

/// A decimal string for a 128-bit hash key (`0|([1-9]\d{0,38})`, at most 2^128−1).
pub(crate) fn as_hash_key(v: &Value, path: &str) -> Result<u128> {
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Number(_) => {
            return Err(ScenarioError::new(
                path,
                "expected a decimal string, found a number (hash keys exceed JSON's safe integers: write \"123\")",
            ))
        }
        other => return Err(expected(path, "a decimal string", other)),
    };
    let well_formed = !s.is_empty()
        && s.len() <= 39
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if !well_formed {
        return Err(ScenarioError::new(
            path,
            format!(
                "{} is not a hash key: expected a decimal string without leading zeros, 0 to 340282366920938463463374607431768211455",
                quote(s)
            ),
        ));
    }
    s.parse::<u128>().map_err(|_| {
        ScenarioError::new(
            path,
            above(s, "340282366920938463463374607431768211455 (2^128 - 1)"),
        )
    })
}
