//! Callback and sign-out URLs an app client may register.
//!
//! Cognito's rules: an absolute URI without a fragment; HTTPS, except plain HTTP to
//! `localhost`, `127.0.0.1` and `[::1]` on any port; app schemes such as `myapp://cb` are
//! allowed. Cognate also refuses the schemes a browser would execute (`javascript:`,
//! `data:`, `vbscript:`), since these URLs end up in redirects.

use cognate_wire::ApiError;

/// Schemes that run code or embed content when a browser is redirected to them.
const EXECUTABLE_SCHEMES: &[&str] = &["javascript", "data", "vbscript"];

/// Hosts plain HTTP is allowed for.
const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

pub fn check_redirect_url(url: &str) -> Result<(), ApiError> {
    let Some((scheme, rest)) = split_scheme(url) else {
        // Rule documented; message is Cognate's own (unconfirmed).
        return Err(ApiError::invalid_parameter(format!(
            "{url} is not an absolute URL."
        )));
    };
    let scheme = scheme.to_ascii_lowercase();
    if EXECUTABLE_SCHEMES.contains(&scheme.as_str()) {
        return Err(ApiError::invalid_parameter(format!(
            "{url} uses a scheme that is not allowed."
        )));
    }
    if url.contains('#') {
        return Err(ApiError::invalid_parameter(format!(
            "{url} cannot contain a fragment."
        )));
    }
    if scheme == "http" || scheme == "https" {
        let host = host_of(rest).unwrap_or_default();
        if host.is_empty() {
            return Err(ApiError::invalid_parameter(format!(
                "{url} is not an absolute URL."
            )));
        }
        let loopback = LOOPBACK_HOSTS
            .iter()
            .any(|allowed| host.eq_ignore_ascii_case(allowed));
        if scheme == "http" && !loopback {
            // The service's own message.
            return Err(ApiError::invalid_parameter(format!(
                "{url} cannot use the HTTP protocol."
            )));
        }
    }
    Ok(())
}

/// `scheme:rest` where the scheme is `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986).
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

/// The host of `//authority/...`, without user information and port; IPv6 keeps brackets.
fn host_of(rest: &str) -> Option<&str> {
    let authority = rest.strip_prefix("//")?;
    let end = authority
        .find(['/', '?', '#', '\\'])
        .unwrap_or(authority.len());
    let authority = &authority[..end];
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        return Some(&host_port[..=close]);
    }
    Some(host_port.split(':').next().unwrap_or(host_port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> bool {
        check_redirect_url(url).is_ok()
    }

    #[test]
    fn https_and_app_schemes_are_accepted() {
        assert!(ok("https://example.com"));
        assert!(ok("https://example.com:8443/cb?x=1"));
        assert!(ok("myapp://example"));
        assert!(ok("com.example.app:/oauth2redirect"));
    }

    #[test]
    fn http_only_on_loopback_any_port() {
        assert!(ok("http://localhost"));
        assert!(ok("http://localhost:3000/callback"));
        assert!(ok("http://LOCALHOST:1/"));
        assert!(ok("http://127.0.0.1:8001"));
        assert!(ok("http://[::1]:9000/cb"));
        let err = check_redirect_url("http://example.com").unwrap_err();
        assert_eq!(
            err.message,
            "http://example.com cannot use the HTTP protocol."
        );
        assert!(!ok("http://192.168.1.10:3000"));
        // User information must not smuggle a loopback name in front of another host.
        assert!(!ok("http://localhost@evil.example/"));
        assert!(!ok("http://localhost.evil.example/"));
    }

    #[test]
    fn relative_fragment_and_executable_urls_are_refused() {
        assert!(!ok("/callback"));
        assert!(!ok("example.com/callback"));
        assert!(!ok("https://example.com/cb#frag"));
        assert!(!ok("https:///nohost"));
        assert!(!ok("javascript:alert(1)"));
        assert!(!ok("JavaScript:alert(1)"));
        assert!(!ok("data:text/html,hi"));
        assert!(!ok("vbscript:msgbox"));
    }
}
