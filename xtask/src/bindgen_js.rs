//! wasm-bindgen's JavaScript glue, trimmed after the release build. Trunk's `minify`
//! fails on the glue (its JS minifier does not parse `export default`, and says so in a
//! warning), leaving it as wasm-bindgen writes it: indented, with comments. Dropping the
//! indentation, blank lines and whole-line comments saves about 0.9 KB gzipped of the
//! bundle budget. No line is joined to another, so the code means exactly what it did
//! (automatic semicolon insertion sees the same line ends). A glue file this cannot
//! read safely (a template literal or a string continued across lines) is left as is.

use std::path::Path;

/// Trims every `.js` file Trunk wrote for the app in `dist` (not the site's own scripts).
pub fn trim_dist(dist: &Path) -> Result<(), String> {
    let path = dist.join("shardscope-app.js");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(trimmed) = trim(&text) {
        std::fs::write(&path, trimmed).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The text without indentation, blank lines and whole-line comments, or `None` when
/// a line could continue a literal onto the next one.
pub fn trim(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut in_block = false;
    for line in text.lines() {
        let t = line.trim();
        if t.matches('`').count() % 2 == 1 || t.ends_with('\\') {
            return None;
        }
        if in_block {
            if let Some(end) = t.find("*/") {
                if !t[end + 2..].trim().is_empty() {
                    return None;
                }
                in_block = false;
            }
            continue;
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("/*") {
            match rest.find("*/") {
                None => in_block = true,
                Some(end) if rest[end + 2..].trim().is_empty() => {}
                Some(_) => return None,
            }
            continue;
        }
        out.push_str(t);
        out.push('\n');
    }
    (!in_block).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn drops_indentation_blank_lines_and_whole_line_comments() {
        let js = "/**\n * doc\n */\nfunction f(a) {\n    // note\n    const s = 'x // y';\n\n    return a; // end\n}\n/* one */\n";
        assert_eq!(
            trim(js).as_deref(),
            Some("function f(a) {\nconst s = 'x // y';\nreturn a; // end\n}\n")
        );
    }

    #[test]
    fn leaves_what_it_cannot_read_safely() {
        assert_eq!(trim("const t = `a\n    b`;\n"), None);
        assert_eq!(trim("const s = 'a\\\n    b';\n"), None);
        assert_eq!(trim("/* a\n */ f();\n"), None);
        assert_eq!(trim("/* a */ f();\n"), None);
        assert_eq!(trim("/* open\n"), None);
    }
}
