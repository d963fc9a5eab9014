//! Strings with wildcards and policy variables, and the matcher for them.
//!
//! A policy string is parsed once into pieces: literal text, `*`, `?` and variables
//! (`${key}` or `${key, 'default'}`). At evaluation the variables are replaced by the
//! request context's values; the replacement is literal text, so a `*` inside an identity
//! id or a tag value never acts as a wildcard. `${*}`, `${?}` and `${$}` are literal
//! `*`, `?` and `$`.

use crate::context::RequestContext;

/// Above this many combinations (multi-valued keys used as variables multiply), a string
/// counts as unresolved rather than costing unbounded work.
const MAX_ALTERNATIVES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Star,
    Question,
    Var {
        /// Lower-cased: key names are case-insensitive.
        key: String,
        default: Option<String>,
    },
}

/// One matchable unit. `colon` says whether the wildcard may match a `:` (the Resource
/// element's ARN-segment rule restricts that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Char(char),
    One { colon: bool },
    Many { colon: bool },
}

/// A parsed policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// `variables` is false for documents without `Version: 2012-10-17`, where IAM reads
    /// `${...}` as plain text, and for elements that take no variables (Action).
    pub(crate) fn parse(text: &str, variables: bool) -> Result<Self, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            if variables && c == '$' && chars.get(i + 1) == Some(&'{') {
                let (piece, next) = parse_variable(&chars, i)?;
                match piece {
                    Piece::Lit(text) => lit.push_str(&text),
                    other => {
                        flush(&mut lit, &mut pieces);
                        pieces.push(other);
                    }
                }
                i = next;
                continue;
            }
            match c {
                '*' => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Star);
                }
                '?' => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Question);
                }
                _ => lit.push(c),
            }
            i += 1;
        }
        flush(&mut lit, &mut pieces);
        Ok(Self { pieces })
    }

    pub(crate) fn has_variables(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Var { .. }))
    }

    /// The string with every variable replaced: one token list per combination of the
    /// values of multi-valued keys (usually exactly one). `None` when a variable has no
    /// value and no default: IAM then treats the statement as not matching.
    pub(crate) fn resolve(&self, ctx: &RequestContext) -> Option<Vec<Vec<Tok>>> {
        let mut alternatives: Vec<Vec<Tok>> = vec![Vec::new()];
        for piece in &self.pieces {
            match piece {
                Piece::Lit(text) => {
                    for alt in &mut alternatives {
                        alt.extend(text.chars().map(Tok::Char));
                    }
                }
                Piece::Star => alternatives
                    .iter_mut()
                    .for_each(|alt| alt.push(Tok::Many { colon: true })),
                Piece::Question => alternatives
                    .iter_mut()
                    .for_each(|alt| alt.push(Tok::One { colon: true })),
                Piece::Var { key, default } => {
                    let values: Vec<&str> = match (ctx.get_lower(key), default) {
                        (Some(values), _) => values.iter().map(String::as_str).collect(),
                        (None, Some(default)) => vec![default.as_str()],
                        (None, None) => return None,
                    };
                    if alternatives.len() * values.len() > MAX_ALTERNATIVES {
                        return None;
                    }
                    let mut expanded = Vec::with_capacity(alternatives.len() * values.len());
                    for alt in &alternatives {
                        for value in &values {
                            let mut next = alt.clone();
                            next.extend(value.chars().map(Tok::Char));
                            expanded.push(next);
                        }
                    }
                    alternatives = expanded;
                }
            }
        }
        Some(alternatives)
    }

    /// Tokens of a string that has no variables (Action patterns, 2008-10-17 documents).
    pub(crate) fn tokens_without_variables(&self) -> Vec<Tok> {
        self.resolve(&RequestContext::new())
            .and_then(|mut alts| alts.pop())
            .unwrap_or_default()
    }
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Lit(std::mem::take(lit)));
    }
}

/// Parses `${...}` starting at `start` (the `$`); returns the piece and the index after `}`.
fn parse_variable(chars: &[char], start: usize) -> Result<(Piece, usize), String> {
    let mut i = start + 2;
    let mut key = String::new();
    while let Some(&c) = chars.get(i) {
        if c == '}' || c == ',' {
            break;
        }
        key.push(c);
        i += 1;
    }
    let key = key.trim().to_owned();
    let unterminated = || format!("policy variable starting at character {start} is not closed");
    let mut default = None;
    match chars.get(i) {
        None => return Err(unterminated()),
        Some(',') => {
            i += 1;
            while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                i += 1;
            }
            if chars.get(i) != Some(&'\'') {
                return Err(format!(
                    "the default value of policy variable ${{{key}}} must be in single quotes"
                ));
            }
            i += 1;
            let mut value = String::new();
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('\''), Some('\'')) => {
                        value.push('\'');
                        i += 2;
                    }
                    (Some('\''), _) => {
                        i += 1;
                        break;
                    }
                    (Some(&c), _) => {
                        value.push(c);
                        i += 1;
                    }
                    (None, _) => return Err(unterminated()),
                }
            }
            while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                i += 1;
            }
            if chars.get(i) != Some(&'}') {
                return Err(unterminated());
            }
            default = Some(value);
        }
        Some(_) => {}
    }
    // `i` is at the closing brace.
    let next = i + 1;
    let piece = match key.as_str() {
        "*" | "?" | "$" if default.is_none() => Piece::Lit(key),
        "" => return Err("empty policy variable ${}".to_owned()),
        k if k.chars().any(char::is_whitespace) => {
            return Err(format!("policy variable ${{{k}}} contains white space"));
        }
        k => Piece::Var {
            key: k.to_ascii_lowercase(),
            default,
        },
    };
    Ok((piece, next))
}

/// The tokens as text, wildcards as their own characters: what `StringEquals` compares
/// (there `*` and `?` are ordinary characters).
pub(crate) fn tokens_to_text(tokens: &[Tok]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Tok::Char(c) => *c,
            Tok::One { .. } => '?',
            Tok::Many { .. } => '*',
        })
        .collect()
}

/// The Resource element's rule: wildcards stay inside one colon-separated ARN segment,
/// except a `*` that ends its segment (it may run past colons, so `arn:aws:sqs:*` covers
/// every queue). After the fifth colon (the resource part) colons are plain characters.
pub(crate) fn restrict_to_arn_segments(tokens: &mut [Tok]) {
    let mut colons = 0;
    for i in 0..tokens.len() {
        let ends_segment = matches!(tokens.get(i + 1), None | Some(Tok::Char(':')));
        match tokens.get_mut(i) {
            Some(Tok::Char(':')) => colons += 1,
            Some(Tok::Many { colon }) => *colon = colons >= 5 || ends_segment,
            Some(Tok::One { colon }) => *colon = colons >= 5,
            _ => {}
        }
    }
}

/// Whether `pattern` matches all of `text`.
pub(crate) fn glob(pattern: &[Tok], text: &[char]) -> bool {
    let n = text.len();
    // reach[j]: the pattern so far can consume exactly text[..j]. O(pattern × text) time,
    // two rows of memory; callers bound the text's length.
    let mut reach = vec![false; n + 1];
    let mut next = vec![false; n + 1];
    reach[0] = true;
    for tok in pattern {
        next.fill(false);
        match *tok {
            Tok::Char(c) => {
                for j in 0..n {
                    if reach[j] && text[j] == c {
                        next[j + 1] = true;
                    }
                }
            }
            Tok::One { colon } => {
                for j in 0..n {
                    if reach[j] && (colon || text[j] != ':') {
                        next[j + 1] = true;
                    }
                }
            }
            Tok::Many { colon } => {
                let mut open = false;
                for j in 0..=n {
                    open |= reach[j];
                    next[j] = open;
                    if j < n && !colon && text[j] == ':' {
                        open = false;
                    }
                }
            }
        }
        if !next.iter().any(|r| *r) {
            return false;
        }
        std::mem::swap(&mut reach, &mut next);
    }
    reach[n]
}

pub(crate) fn lowercase_tokens(tokens: &[Tok]) -> Vec<Tok> {
    tokens
        .iter()
        .flat_map(|t| match *t {
            Tok::Char(c) => c.to_lowercase().map(Tok::Char).collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        let t = Template::parse(pattern, true).unwrap();
        let toks = t.tokens_without_variables();
        glob(&toks, &text.chars().collect::<Vec<_>>())
    }

    fn resource_matches(pattern: &str, text: &str) -> bool {
        let t = Template::parse(pattern, true).unwrap();
        let mut toks = t.tokens_without_variables();
        restrict_to_arn_segments(&mut toks);
        glob(&toks, &text.chars().collect::<Vec<_>>())
    }

    proptest::proptest! {
        /// The matcher agrees with a regular expression built from the same pattern, over an
        /// alphabet small enough to hit every wildcard/colon interaction often.
        #[test]
        fn glob_agrees_with_a_regex(pattern in "[ab:*?]{0,8}", text in "[ab:]{0,10}") {
            let toks = Template::parse(&pattern, false).unwrap().tokens_without_variables();
            let mut re = String::from("^");
            for c in pattern.chars() {
                re.push_str(match c {
                    '*' => ".*",
                    '?' => ".",
                    ':' => ":",
                    'a' => "a",
                    _ => "b",
                });
            }
            re.push('$');
            let expected = regex::Regex::new(&re).unwrap().is_match(&text);
            proptest::prop_assert_eq!(glob(&toks, &text.chars().collect::<Vec<_>>()), expected);
        }

        /// With the ARN-segment rule, a wildcard that may not cross colons behaves like a
        /// regex class without `:`.
        #[test]
        fn segment_rule_agrees_with_a_regex(pattern in "[ab:*?]{0,8}", text in "[ab:]{0,10}") {
            let mut toks = Template::parse(&pattern, false).unwrap().tokens_without_variables();
            restrict_to_arn_segments(&mut toks);
            let mut re = String::from("^");
            for t in &toks {
                re.push_str(match t {
                    Tok::Many { colon: true } => ".*",
                    Tok::Many { colon: false } => "[^:]*",
                    Tok::One { colon: true } => ".",
                    Tok::One { colon: false } => "[^:]",
                    Tok::Char(':') => ":",
                    Tok::Char('a') => "a",
                    Tok::Char(_) => "b",
                });
            }
            re.push('$');
            let expected = regex::Regex::new(&re).unwrap().is_match(&text);
            proptest::prop_assert_eq!(glob(&toks, &text.chars().collect::<Vec<_>>()), expected);
        }
    }

    #[test]
    fn glob_table() {
        for (pattern, text, expected) in [
            ("*", "", true),
            ("*", "anything:at/all", true),
            ("a*c", "abc", true),
            ("a*c", "ac", true),
            ("a*c", "abd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("abc", "abc", true),
            ("abc", "ABC", false),
            ("*b*", "aaabaaa", true),
            ("**", "x", true),
            ("a${*}c", "a*c", true),
            ("a${*}c", "abc", false),
            ("a${?}c", "a?c", true),
            ("a${?}c", "abc", false),
            ("a${$}c", "a$c", true),
            ("", "", true),
            ("", "x", false),
        ] {
            assert_eq!(matches(pattern, text), expected, "{pattern} vs {text}");
        }
    }

    #[test]
    fn resource_wildcards_stay_in_their_arn_segment() {
        for (pattern, text, expected) in [
            ("*", "arn:aws:s3:::b/k", true),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::b/users/x/y", true),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::c/x", false),
            // A trailing `*` of a segment runs past colons.
            (
                "arn:aws:sqs:*",
                "arn:aws:sqs:us-east-1:123456789012:q",
                true,
            ),
            (
                "arn:aws:sqs:us-*",
                "arn:aws:sqs:us-east-1:123456789012:q",
                true,
            ),
            // A `*` inside a segment does not.
            ("arn:aws:sqs:u*1:1:q", "arn:aws:sqs:us:x:1:1:q", false),
            ("arn:aws:sqs:u*1:1:q", "arn:aws:sqs:us-east-1:1:q", true),
            (
                "arn:aws:sqs:us-east-?:1:q",
                "arn:aws:sqs:us-east-1:1:q",
                true,
            ),
            (
                "arn:aws:sqs:us-east?1:1:q",
                "arn:aws:sqs:us-east:1:1:q",
                false,
            ),
            // In the resource part colons are ordinary characters.
            (
                "arn:aws:logs:r:1:log-group:a*b",
                "arn:aws:logs:r:1:log-group:a:x:b",
                true,
            ),
            ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", false),
        ] {
            assert_eq!(
                resource_matches(pattern, text),
                expected,
                "{pattern} vs {text}"
            );
        }
    }

    #[test]
    fn variables_resolve_from_the_context_as_literal_text() {
        let mut ctx = RequestContext::new();
        ctx.insert("cognito-identity.amazonaws.com:sub", "us-east-1:a*b");
        let t = Template::parse("users/${Cognito-Identity.amazonaws.com:sub}/*", true).unwrap();
        assert!(t.has_variables());
        let alts = t.resolve(&ctx).unwrap();
        assert_eq!(alts.len(), 1);
        let text = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(glob(&alts[0], &text("users/us-east-1:a*b/file")));
        // The `*` from the value is literal.
        assert!(!glob(&alts[0], &text("users/us-east-1:aXb/file")));
    }

    #[test]
    fn unresolved_variables_and_defaults() {
        let ctx = RequestContext::new();
        let t = Template::parse("home/${aws:username}", true).unwrap();
        assert_eq!(t.resolve(&ctx), None);
        let t = Template::parse("home/${aws:username, 'anon''s'}", true).unwrap();
        let alts = t.resolve(&ctx).unwrap();
        assert_eq!(tokens_to_text(&alts[0]), "home/anon's");
        let t = Template::parse("${ aws:username , 'x' }", true).unwrap();
        assert_eq!(tokens_to_text(&t.resolve(&ctx).unwrap()[0]), "x");
    }

    #[test]
    fn multi_valued_variables_expand_to_alternatives() {
        let mut ctx = RequestContext::new();
        ctx.insert("k", "a");
        ctx.insert("k", "b");
        let t = Template::parse("x/${k}", true).unwrap();
        let texts: Vec<String> = t
            .resolve(&ctx)
            .unwrap()
            .iter()
            .map(|a| tokens_to_text(a))
            .collect();
        assert_eq!(texts, ["x/a", "x/b"]);
        // Too many combinations count as unresolved.
        let mut ctx = RequestContext::new();
        for i in 0..9 {
            ctx.insert("k", format!("{i}"));
        }
        let t = Template::parse("${k}${k}", true).unwrap();
        assert_eq!(t.resolve(&ctx), None);
    }

    #[test]
    fn variables_are_text_without_version_2012() {
        let t = Template::parse("${aws:username}", false).unwrap();
        assert!(!t.has_variables());
        assert_eq!(
            tokens_to_text(&t.tokens_without_variables()),
            "${aws:username}"
        );
    }

    #[test]
    fn malformed_variables_are_refused() {
        for bad in [
            "${aws:username",
            "${}",
            "${ }",
            "${a b}",
            "${k, default}",
            "${k, 'x'",
            "${k, 'x' y}",
        ] {
            assert!(Template::parse(bad, true).is_err(), "{bad}");
        }
    }
}
