//! Model patterns are Java regular expressions (AWS validates with `java.util.regex`,
//! `Matcher.matches()`); Cognate matches them with the `regex` crate. This module turns each
//! one into an equivalent `regex` pattern, anchored to the whole value, and proves at
//! generation time that it compiles.
//!
//! Deliberate translations:
//! - `\w`, `\d`, `\s` (and their negations) are ASCII-only in Java unless
//!   `UNICODE_CHARACTER_CLASS` is set, but Unicode-aware in `regex`; they become the ASCII
//!   classes `[[:word:]]`, `[[:digit:]]`, `[[:space:]]` (Java's `\s` is exactly
//!   `[ \t\n\x0B\f\r]`, which is `regex`'s `[:space:]`).
//! - A `-` right after a range inside a class (`[A-Za-z0-9-_]`) is a literal in Java; it is
//!   escaped so that `regex` reads it the same way.
//! - Look-around, which `regex` lacks, is rewritten per pattern in `LOOKAROUND` below; any
//!   other look-around fails generation.

use anyhow::{Result, bail};

/// Whole-pattern rewrites for constructs the `regex` crate does not support.
const LOOKAROUND: &[(&str, &str)] = &[
    // "Any run of these characters that does not end with a dot" (the empty string included,
    // since a look-behind at the start sees no dot).
    (
        r"^[0-9A-Za-z\.\-_]*(?<!\.)$",
        r"^(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?$",
    ),
];

/// The `regex` source to match a model pattern against a whole value.
pub fn anchored(model_pattern: &str) -> Result<String> {
    let rewritten = LOOKAROUND
        .iter()
        .find(|(java, _)| *java == model_pattern)
        .map_or(model_pattern, |(_, rust)| *rust);
    let translated = translate_classes(rewritten)?;
    let source = format!("^(?:{translated})$");
    if let Err(err) = regex::Regex::new(&source) {
        bail!(
            "model pattern {model_pattern:?} does not compile as {source:?} with the regex crate: {err}"
        );
    }
    Ok(source)
}

fn translate_classes(pattern: &str) -> Result<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Item {
        /// Nothing yet in this class, or outside any class.
        Start,
        /// A single character, which may start a range.
        Char,
        /// The end of a range, or a class like `\w`: a `-` after it is a literal.
        Other,
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut prev = Item::Start;
    let mut range_open = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let item = if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                bail!("pattern {pattern:?} ends with a lone backslash");
            };
            i += 2;
            let ascii = match next {
                'w' => Some("[:word:]"),
                'W' => Some("[:^word:]"),
                'd' => Some("[:digit:]"),
                'D' => Some("[:^digit:]"),
                's' => Some("[:space:]"),
                'S' => Some("[:^space:]"),
                _ => None,
            };
            if let Some(class) = ascii {
                if in_class {
                    out.push_str(class);
                } else {
                    out.push('[');
                    out.push_str(class);
                    out.push(']');
                }
                Item::Other
            } else {
                out.push('\\');
                out.push(next);
                if matches!(next, 'p' | 'P') && chars.get(i) == Some(&'{') {
                    // `\p{L}`: copy the property name along.
                    while let Some(&c) = chars.get(i) {
                        out.push(c);
                        i += 1;
                        if c == '}' {
                            break;
                        }
                    }
                    Item::Other
                } else if next == 'x' {
                    out.extend(chars.iter().skip(i).take(2));
                    i += 2;
                    Item::Char
                } else {
                    Item::Char
                }
            }
        } else if in_class {
            i += 1;
            match c {
                ']' if prev != Item::Start => {
                    in_class = false;
                    out.push(c);
                    Item::Start
                }
                '-' if prev == Item::Char
                    && !range_open
                    && chars.get(i).is_some_and(|n| *n != ']') =>
                {
                    out.push('-');
                    range_open = true;
                    continue;
                }
                // Java reads any other `-` as a literal; `regex` wants it escaped after a
                // range or class.
                '-' => {
                    out.push_str("\\-");
                    Item::Char
                }
                '[' => {
                    bail!("pattern {pattern:?} nests character classes, which is not translated")
                }
                _ => {
                    out.push(c);
                    Item::Char
                }
            }
        } else {
            i += 1;
            if c == '[' {
                in_class = true;
                out.push(c);
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                prev = Item::Start;
                range_open = false;
                continue;
            }
            if c == '('
                && chars.get(i) == Some(&'?')
                && matches!(chars.get(i + 1), Some('<' | '=' | '!'))
            {
                bail!(
                    "pattern {pattern:?} uses look-around: add a deliberate rewrite to LOOKAROUND"
                );
            }
            out.push(c);
            Item::Start
        };
        if in_class && range_open {
            // This item closed the range that the `-` opened.
            range_open = false;
            prev = Item::Other;
        } else {
            prev = item;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(model: &str, value: &str) -> bool {
        regex::Regex::new(&anchored(model).unwrap())
            .unwrap()
            .is_match(value)
    }

    #[test]
    fn word_classes_are_ascii_like_java() {
        assert!(matches(r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_abc"));
        assert!(!matches(r"[\w-]+_[0-9a-zA-Z]+", "ü-east-1_abc"));
        assert!(matches(r"[\S]+", "abc"));
        assert!(!matches(r"[\S]+", "a c"));
        assert!(matches(r"[\S]+", "ü"));
        assert!(matches(r"\d+", "123"));
        assert!(!matches(r"\d+", "١٢٣"));
    }

    #[test]
    fn whole_value_is_matched() {
        assert!(!matches(r"[0-9]+", "12a"));
        assert!(!matches(r"(un)?authenticated", "xauthenticated"));
        assert!(matches(r"^[0-9a-fA-F]+$", "abc0"));
    }

    #[test]
    fn dash_after_range_is_literal() {
        assert!(matches(r"[A-Za-z0-9-_=.]+", "a-b_c=d."));
        assert!(!matches(r"[A-Za-z0-9-_=.]+", "a/b"));
    }

    #[test]
    fn lookbehind_rewrite_keeps_its_meaning() {
        let p = r"^[0-9A-Za-z\.\-_]*(?<!\.)$";
        assert!(matches(p, ""));
        assert!(matches(p, "abc.def"));
        assert!(!matches(p, "abc."));
        assert!(!matches(p, "."));
    }

    #[test]
    fn unknown_lookaround_fails() {
        assert!(anchored(r"(?=a)b").is_err());
    }
}
