//! The `Filter` of ListUsers: `AttributeName Filter-Type "AttributeValue"`.
//!
//! - One attribute; `=` is an exact match, `^=` a prefix match.
//! - Whitespace around the name, the operator and the value is optional
//!   (`email="a@b.c"` and `email = "a@b.c"` are the same filter).
//! - The value is in double quotes; inside it a backslash escapes the next character
//!   (`\"` is a quote, `\\` a backslash).
//! - An empty (or all-blank) filter lists every user.
//! - Searchable: `username`, `email`, `phone_number`, `name`, `given_name`, `family_name`,
//!   `preferred_username`, `cognito:user_status` (its value compared case-insensitively)
//!   `status` (`Enabled`/`Disabled`) and `sub`; custom attributes are not.
//! - At most 256 characters (a model constraint, normally caught by request validation
//!   before this parser runs).
//!
//! A malformed filter is `InvalidParameterException: Error while parsing filter.` (the
//! service's text). The text for a well-formed filter on an attribute that is not
//! searchable is not confirmed; Cognate says `Invalid search attribute: <name>`.

use std::fmt;

/// Longest filter accepted (characters).
pub const MAX_FILTER_LEN: usize = 256;

/// The attributes ListUsers can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterAttribute {
    Username,
    Email,
    PhoneNumber,
    Name,
    GivenName,
    FamilyName,
    PreferredUsername,
    /// `cognito:user_status`: the user's status (UNCONFIRMED, CONFIRMED, …).
    UserStatus,
    /// `status`: `Enabled` or `Disabled`.
    Enabled,
    Sub,
}

impl FilterAttribute {
    const ALL: [FilterAttribute; 10] = [
        Self::Username,
        Self::Email,
        Self::PhoneNumber,
        Self::Name,
        Self::GivenName,
        Self::FamilyName,
        Self::PreferredUsername,
        Self::UserStatus,
        Self::Enabled,
        Self::Sub,
    ];

    /// The name as written in a filter (and in `cognate_store::UserFilter::attribute`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
            Self::Name => "name",
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::PreferredUsername => "preferred_username",
            Self::UserStatus => "cognito:user_status",
            Self::Enabled => "status",
            Self::Sub => "sub",
        }
    }

    /// The attribute named exactly `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Whether the value is a user attribute (stored in the attribute table) rather than a
    /// column of the user (username, status, enabled, sub).
    #[must_use]
    pub fn is_user_attribute(self) -> bool {
        !matches!(
            self,
            Self::Username | Self::UserStatus | Self::Enabled | Self::Sub
        )
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub attribute: FilterAttribute,
    /// `^=` rather than `=`.
    pub prefix: bool,
    /// The unescaped value; for `cognito:user_status` upper-cased, since that search is
    /// case-insensitive and statuses are stored in upper case.
    pub value: String,
}

/// Why a filter was refused; `Display` is the `InvalidParameterException` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    TooLong { filter: String },
    Syntax,
    NotSearchable { name: String },
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { filter } => write!(
                f,
                "1 validation error detected: Value '{filter}' at 'filter' failed to satisfy \
                 constraint: Member must have length less than or equal to {MAX_FILTER_LEN}"
            ),
            Self::Syntax => f.write_str("Error while parsing filter."),
            Self::NotSearchable { name } => write!(f, "Invalid search attribute: {name}"),
        }
    }
}

impl std::error::Error for FilterError {}

/// Parses a ListUsers filter; `Ok(None)` means "all users".
pub fn parse_filter(filter: &str) -> Result<Option<UserFilter>, FilterError> {
    if filter.chars().count() > MAX_FILTER_LEN {
        return Err(FilterError::TooLong {
            filter: filter.to_owned(),
        });
    }
    let text = filter.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // The name runs to the first blank, '=' or '^'.
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or(FilterError::Syntax)?;
    let (name, rest) = text.split_at(name_end);
    if name.is_empty() {
        return Err(FilterError::Syntax);
    }
    let rest = rest.trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(FilterError::Syntax);
    };
    let rest = rest.trim_start();
    let mut chars = rest.strip_prefix('"').ok_or(FilterError::Syntax)?.chars();
    let mut value = String::new();
    loop {
        match chars.next() {
            None => return Err(FilterError::Syntax),
            Some('"') => break,
            Some('\\') => value.push(chars.next().ok_or(FilterError::Syntax)?),
            Some(c) => value.push(c),
        }
    }
    if !chars.as_str().trim().is_empty() {
        return Err(FilterError::Syntax);
    }
    let attribute = FilterAttribute::parse(name).ok_or_else(|| FilterError::NotSearchable {
        name: name.to_owned(),
    })?;
    if attribute == FilterAttribute::UserStatus {
        value = value.to_uppercase();
    }
    Ok(Some(UserFilter {
        attribute,
        prefix,
        value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(f: &str) -> UserFilter {
        parse_filter(f).unwrap().unwrap()
    }

    #[test]
    fn exact_and_prefix() {
        assert_eq!(
            ok(r#"email = "a@example.com""#),
            UserFilter {
                attribute: FilterAttribute::Email,
                prefix: false,
                value: "a@example.com".into()
            }
        );
        let f = ok(r#"family_name ^= "Red""#);
        assert!(f.prefix);
        assert_eq!(f.attribute, FilterAttribute::FamilyName);
        assert_eq!(f.value, "Red");
    }

    #[test]
    fn whitespace_is_optional() {
        let a = ok(r#"email="x""#);
        assert_eq!(a, ok(r#"  email   =   "x"  "#));
        assert_eq!(a, ok("email\t=\t\"x\""));
        assert!(ok(r#"name^="Jo""#).prefix);
        // Blanks inside the value are kept.
        assert_eq!(ok(r#"name = " Jo Ann ""#).value, " Jo Ann ");
        // But the operator cannot be split.
        assert_eq!(parse_filter(r#"name ^ = "x""#), Err(FilterError::Syntax));
    }

    #[test]
    fn escapes() {
        assert_eq!(ok(r#"name = "say \"hi\"""#).value, r#"say "hi""#);
        assert_eq!(ok(r#"name = "back\\slash""#).value, r"back\slash");
        assert_eq!(
            parse_filter(r#"name = "dangling\"#),
            Err(FilterError::Syntax)
        );
    }

    #[test]
    fn empty_means_all() {
        assert_eq!(parse_filter(""), Ok(None));
        assert_eq!(parse_filter("   "), Ok(None));
    }

    #[test]
    fn every_searchable_attribute() {
        for a in FilterAttribute::ALL {
            let f = ok(&format!("{} = \"v\"", a.as_str()));
            assert_eq!(f.attribute, a);
        }
        assert!(FilterAttribute::Email.is_user_attribute());
        assert!(!FilterAttribute::Sub.is_user_attribute());
        assert!(!FilterAttribute::Enabled.is_user_attribute());
    }

    #[test]
    fn user_status_is_case_insensitive_status_is_not() {
        assert_eq!(
            ok(r#"cognito:user_status = "confirmed""#).value,
            "CONFIRMED"
        );
        assert_eq!(ok(r#"status = "Enabled""#).value, "Enabled");
        assert_eq!(ok(r#"username = "Bob""#).value, "Bob");
    }

    #[test]
    fn refusals_with_cognito_text() {
        for bad in [
            "foo",
            "email",
            "email =",
            "email = x",
            r#"email = "x"#,
            r#"email == "x""#,
            r#"email = "x" extra"#,
            r#"email = "x" and name = "y""#,
            r#"= "x""#,
            r#"email != "x""#,
        ] {
            let err = parse_filter(bad).unwrap_err();
            assert_eq!(err, FilterError::Syntax, "{bad}");
            assert_eq!(err.to_string(), "Error while parsing filter.");
        }
        assert_eq!(
            parse_filter(r#"custom:tenant = "x""#)
                .unwrap_err()
                .to_string(),
            "Invalid search attribute: custom:tenant"
        );
        assert!(matches!(
            parse_filter(r#"Email = "x""#),
            Err(FilterError::NotSearchable { .. })
        ));
    }

    #[test]
    fn length_limit_in_characters() {
        let value = "é".repeat(MAX_FILTER_LEN - 10);
        let at_limit = format!("name = \"{value}\"");
        assert_eq!(at_limit.chars().count(), MAX_FILTER_LEN - 1);
        assert!(parse_filter(&at_limit).is_ok());
        let over = format!("name = \"{value}xx\"");
        let err = parse_filter(&over).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("1 validation error detected: Value 'name = ")
        );
        assert!(
            err.to_string()
                .ends_with("Member must have length less than or equal to 256")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = parse_filter(&s);
        }

        #[test]
        fn never_panics_on_filter_like_input(
            name in "[a-z_:]{0,20}",
            op in prop::sample::select(vec!["=", "^=", "^", "==", ""]),
            value in r#"[\\"a-z ]{0,20}"#,
            tail in r#"[\\" ]{0,3}"#,
        ) {
            let _ = parse_filter(&format!("{name} {op} \"{value}{tail}"));
        }

        #[test]
        fn quoted_values_round_trip(value in ".{0,60}") {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            let parsed = parse_filter(&format!("name = \"{escaped}\"")).unwrap().unwrap();
            prop_assert_eq!(parsed.value, value);
        }
    }
}
