//! Turning model names into Rust names.

use std::collections::BTreeSet;

use anyhow::{Result, bail};

/// Rust keywords (strict and reserved, 2024 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Names the generated files use unqualified; a shape with one of these names gets `Shape`
/// appended so that it cannot shadow them.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Some",
    "None",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Default",
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Serialize",
    "Deserialize",
    "Self",
];

/// Splits a model name into lower-case words, keeping acronyms together:
/// `GetCSVHeader` → get, csv, header; `CallbackURLs` → callback, urls;
/// `AllowedOAuthFlows` → allowed, oauth, flows.
fn words(name: &str) -> Vec<String> {
    // "OAuth" is one word; the generic rules would split it into "o" and "auth".
    let name = name.replace("OAuth", "Oauth");
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            i += 1;
            continue;
        }
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                // The last capital of an acronym starts the next word (`CSVHeader`), unless
                // what follows is a plural "s" ending the acronym (`URLs`, `ARNs`).
                Some(p) if p.is_ascii_uppercase() => {
                    next.is_some_and(|n| n.is_ascii_lowercase()) && !is_acronym_plural(&chars, i)
                }
                _ => false,
            };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
        i += 1;
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// At `chars[i]`, an upper-case letter inside a run of capitals: is it the end of an acronym
/// followed by a plural "s" (`URLs`, `ARNs`)?
fn is_acronym_plural(chars: &[char], i: usize) -> bool {
    let s_follows = chars.get(i + 1) == Some(&'s');
    let then_boundary = chars
        .get(i + 2)
        .is_none_or(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    s_follows && then_boundary
}

/// snake_case for fields and methods, escaped with `r#` if it is a keyword.
pub fn snake_case(name: &str) -> String {
    let snake = words(name).join("_");
    if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// UPPER_SNAKE for statics.
pub fn upper_snake(name: &str) -> String {
    words(name).join("_").to_ascii_uppercase()
}

/// Rust type name for a shape: the shape name, unless that would shadow a name the
/// generated code relies on.
pub fn type_name(shape: &str, also_reserved: &BTreeSet<String>) -> String {
    if KEYWORDS.contains(&shape)
        || RESERVED_TYPE_NAMES.contains(&shape)
        || also_reserved.contains(shape)
    {
        format!("{shape}Shape")
    } else {
        shape.to_string()
    }
}

/// CamelCase enum variant for a string enum value: `ADMIN_NO_SRP_AUTH` → `AdminNoSrpAuth`,
/// `email` → `Email`, `LoginWithAmazon` stays as it is.
pub fn variant_name(value: &str) -> Result<String> {
    let mut out = String::new();
    for part in value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        let mixed = part.chars().any(|c| c.is_ascii_uppercase())
            && part.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if mixed {
                out.extend(chars);
            } else {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            }
        }
    }
    if out.is_empty() {
        bail!("enum value {value:?} has no letters or digits to name a variant after");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    Ok(out)
}

/// The segment a member contributes to a validation path: AWS lower-cases only the first
/// letter (`UserPoolId` → `userPoolId`, `SAMLOptions` → `sAMLOptions`).
pub fn path_segment(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_keeps_acronyms_together() {
        for (name, snake) in [
            ("UserPoolId", "user_pool_id"),
            ("MFAOptions", "mfa_options"),
            ("SMSMfaSettings", "sms_mfa_settings"),
            ("GetCSVHeader", "get_csv_header"),
            ("CallbackURLs", "callback_urls"),
            ("OpenIdConnectProviderARNs", "open_id_connect_provider_arns"),
            (
                "AllowedOAuthFlowsUserPoolClient",
                "allowed_oauth_flows_user_pool_client",
            ),
            ("S3Bucket", "s3_bucket"),
            ("KMSKeyID", "kms_key_id"),
            ("AWSAccountId", "aws_account_id"),
            ("headerName", "header_name"),
            ("Type", "r#type"),
            ("GetUICustomization", "get_ui_customization"),
            ("AdminSetUserMFAPreference", "admin_set_user_mfa_preference"),
        ] {
            assert_eq!(snake_case(name), snake, "{name}");
        }
    }

    #[test]
    fn variants() {
        for (value, variant) in [
            ("ADMIN_NO_SRP_AUTH", "AdminNoSrpAuth"),
            ("email", "Email"),
            ("SAML", "Saml"),
            ("LoginWithAmazon", "LoginWithAmazon"),
            ("client_credentials", "ClientCredentials"),
            ("DateTime", "DateTime"),
        ] {
            assert_eq!(variant_name(value).unwrap(), variant, "{value}");
        }
    }

    #[test]
    fn reserved_type_names_get_a_suffix() {
        let extra = BTreeSet::from(["CognitoIdentity".to_string()]);
        assert_eq!(type_name("String", &extra), "StringShape");
        assert_eq!(type_name("CognitoIdentity", &extra), "CognitoIdentityShape");
        assert_eq!(type_name("UserPoolType", &extra), "UserPoolType");
    }

    #[test]
    fn path_segments() {
        assert_eq!(path_segment("UserPoolId"), "userPoolId");
        assert_eq!(path_segment("SAMLOptions"), "sAMLOptions");
    }
}
