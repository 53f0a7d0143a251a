//! Where a scenario error's JSON path is in the text the reader typed, so the JSON tab can
//! point at the line. Paths are the engine's (`consumers[0].EventSourceMapping.BatchSize`,
//! `stream["my key"]`, `$` for the whole document).
//!
//! A small scanner rather than a JSON parser with spans: it only has to follow one path,
//! and it must cope with text that is not valid JSON further on.

/// One step of a path.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The line and column (both from 1) where `path` starts in `text`: the key for an object
/// member, the element for an array item. None if the path is `$` or not in the text.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let steps = parse_path(path)?;
    if steps.is_empty() {
        return None;
    }
    let offset = Scanner { text, pos: 0 }.find(&steps)?;
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[\"") {
            let mut key = String::new();
            let mut chars = r.char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => key.push(chars.next()?.1),
                    (i, '"') => break i,
                    (_, c) => key.push(c),
                }
            };
            rest = r[end + 1..].strip_prefix(']')?;
            steps.push(Step::Key(key));
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            steps.push(Step::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(r[..end].to_string()));
            rest = &r[end..];
        }
    }
    Some(steps)
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl Scanner<'_> {
    /// Follows `steps` from the value at the current position.
    fn find(&mut self, steps: &[Step]) -> Option<usize> {
        let (step, rest) = steps.split_first()?;
        self.skip_ws();
        match (step, self.peek()?) {
            (Step::Key(want), b'{') => {
                self.pos += 1;
                loop {
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        return None;
                    }
                    let key_at = self.pos;
                    let key = self.string()?;
                    self.skip_ws();
                    self.expect(b':')?;
                    if &key == want {
                        if rest.is_empty() {
                            return Some(key_at);
                        }
                        return self.find(rest);
                    }
                    self.skip_value()?;
                    self.skip_ws();
                    if self.peek()? == b',' {
                        self.pos += 1;
                    }
                }
            }
            (Step::Index(want), b'[') => {
                self.pos += 1;
                let mut i = 0;
                loop {
                    self.skip_ws();
                    if self.peek()? == b']' {
                        return None;
                    }
                    if i == *want {
                        return if rest.is_empty() {
                            Some(self.pos)
                        } else {
                            self.find(rest)
                        };
                    }
                    self.skip_value()?;
                    self.skip_ws();
                    if self.peek()? == b',' {
                        self.pos += 1;
                    }
                    i += 1;
                }
            }
            _ => None,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// A JSON string, unescaped well enough to compare keys.
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = String::new();
        let mut chars = self.text.get(self.pos..)?.char_indices();
        loop {
            match chars.next()? {
                (_, '\\') => {
                    let (_, c) = chars.next()?;
                    out.push(match c {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                (i, '"') => {
                    self.pos += i + 1;
                    return Some(out);
                }
                (_, c) => out.push(c),
            }
        }
    }

    /// Skips one value of any kind, nested or not.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                while !matches!(
                    self.peek()?,
                    b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'
                ) {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    const TEXT: &str = r#"{
  "format": "shardscope/1",
  "stream": { "ShardCount": 2, "my key": [1, {"a": "}"}] },
  "consumers": [
    { "name": "a" },
    { "name": "b",
      "EventSourceMapping": { "BatchSize": 10001 } }
  ]
}"#;

    #[test]
    fn finds_nested_keys_and_array_items() {
        assert_eq!(locate(TEXT, "format"), Some((2, 3)));
        assert_eq!(locate(TEXT, "stream.ShardCount"), Some((3, 15)));
        assert_eq!(
            locate(TEXT, "consumers[1].EventSourceMapping.BatchSize"),
            Some((7, 31))
        );
        assert_eq!(locate(TEXT, "consumers[0]"), Some((5, 5)));
    }

    #[test]
    fn follows_quoted_keys_past_tricky_strings() {
        assert_eq!(locate(TEXT, r#"stream["my key"]"#), Some((3, 32)));
        assert_eq!(locate(TEXT, r#"stream["my key"][1].a"#), Some((3, 47)));
    }

    #[test]
    fn gives_up_quietly_on_missing_paths_and_broken_text() {
        assert_eq!(locate(TEXT, "$"), None);
        assert_eq!(locate(TEXT, "consumers[5]"), None);
        assert_eq!(locate(TEXT, "stream.Nope"), None);
        assert_eq!(locate("{\"a\": [1, 2", "a[3]"), None);
        assert_eq!(locate("{\"a\": ", "a.b"), None);
        assert_eq!(locate("", "a"), None);
        assert_eq!(locate("{", "a[x]"), None);
    }
}
