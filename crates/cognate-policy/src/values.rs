//! The typed values condition operators compare: numbers, dates, IP ranges, booleans.

use std::net::IpAddr;

/// A number as IAM's Numeric operators read it (integer or decimal).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    // Only plain decimal notation: no exponents, `inf` or `NaN`.
    let valid = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    if valid { t.parse().ok() } else { None }
}

/// `true`/`false`, in any letter case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An address block; a bare address is a block of one (`/32`, `/128`), as IAM reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (addr_text, prefix_text) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let addr: IpAddr = addr_text.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            Some(p) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub(crate) fn contains(&self, text: &str) -> bool {
        let Ok(ip) = text.trim().parse::<IpAddr>() else {
            return false;
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(
                u128::from(net.to_bits()) << 96,
                u128::from(ip.to_bits()) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(net.to_bits(), ip.to_bits(), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = 128 - u32::from(prefix);
    (a >> shift) == (b >> shift)
}

/// Milliseconds since the epoch from what IAM's Date operators accept: epoch seconds (any
/// all-digit value, so a bare year is not a date), or the W3C profile of ISO 8601 (`YYYY-MM`, `YYYY-MM-DD`, and with a time
/// `YYYY-MM-DDThh:mm[:ss[.fff]]` followed by `Z` or `±hh:mm`; a time without a zone is read
/// as UTC).
pub(crate) fn parse_date_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let seconds = parse_number(t)?;
        return Some((seconds * 1000.0) as i64);
    }
    let mut cur = Cursor {
        s: t.as_bytes(),
        i: 0,
    };
    let year = cur.digits(4)?;
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut offset_minutes: i64 = 0;
    if cur.eat(b'-') {
        month = cur.digits(2)?;
        if cur.eat(b'-') {
            day = cur.digits(2)?;
            if cur.eat(b'T') || cur.eat(b't') || cur.eat(b' ') {
                hour = cur.digits(2)?;
                if !cur.eat(b':') {
                    return None;
                }
                minute = cur.digits(2)?;
                if cur.eat(b':') {
                    second = cur.digits(2)?;
                    if cur.eat(b'.') {
                        let start = cur.i;
                        let mut fraction = 0;
                        let mut scale = 1000;
                        while let Some(d) = cur.peek_digit() {
                            if scale > 1 {
                                scale /= 10;
                                fraction += d * scale;
                            }
                            cur.i += 1;
                        }
                        if cur.i == start {
                            return None;
                        }
                        millis = fraction;
                    }
                }
                let utc = cur.eat(b'Z') || cur.eat(b'z');
                if let Some(sign) = if utc { None } else { cur.sign() } {
                    let oh = cur.digits(2)?;
                    if !cur.eat(b':') {
                        return None;
                    }
                    let om = cur.digits(2)?;
                    if oh > 23 || om > 59 {
                        return None;
                    }
                    offset_minutes = sign * (oh * 60 + om);
                }
            }
        }
    }
    if !cur.done()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut value = 0;
        for _ in 0..n {
            value = value * 10 + self.peek_digit()?;
            self.i += 1;
        }
        Some(value)
    }
    fn peek_digit(&self) -> Option<i64> {
        self.s
            .get(self.i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| i64::from(b - b'0'))
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn sign(&mut self) -> Option<i64> {
        if self.eat(b'+') {
            Some(1)
        } else if self.eat(b'-') {
            Some(-1)
        } else {
            None
        }
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `aws:CurrentTime`'s form: `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn format_iso8601(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number(" 3 "), Some(3.0));
        for bad in ["", "abc", "1e3", "inf", "NaN", "1.2.3", ".", "-"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn cidr_blocks() {
        let block = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(block.contains("203.0.113.7"));
        assert!(!block.contains("203.0.114.7"));
        assert!(!block.contains("::1"));
        assert!(!block.contains("not-an-ip"));
        let single = Cidr::parse("192.0.2.1").unwrap();
        assert!(single.contains("192.0.2.1"));
        assert!(!single.contains("192.0.2.2"));
        let v6 = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(v6.contains("2001:db8:1234:5678::99"));
        assert!(!v6.contains("2001:db8:1234:5679::1"));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0/8",
            "x",
            "::/129",
            "10.0.0.0/-1",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let ms = |s| parse_date_ms(s).unwrap();
        assert_eq!(ms("1970-01-01T00:00:00Z"), 0);
        assert_eq!(ms("0"), 0);
        assert_eq!(ms("1700000000"), 1_700_000_000_000);
        assert_eq!(ms("2020-01-01T00:00:01Z"), 1_577_836_801_000);
        assert_eq!(ms("2020-01-01"), 1_577_836_800_000);
        // All digits is epoch seconds, even where it could be a year.
        assert_eq!(ms("2020"), 2_020_000);
        assert_eq!(ms("2020-02"), 1_580_515_200_000);
        assert_eq!(ms("2020-01-01T01:00:00+01:00"), 1_577_836_800_000);
        assert_eq!(ms("2019-12-31T23:00-01:00"), 1_577_836_800_000);
        assert_eq!(ms("2020-01-01T00:00:00.250Z"), 1_577_836_800_250);
        assert_eq!(ms("2024-02-29"), 1_709_164_800_000);
        for bad in [
            "",
            "2020-13-01",
            "2023-02-29",
            "2020-01-01T25:00Z",
            "2020-01-01T10",
            "yesterday",
            "2020-01-01T00:00:00.Z",
            "2020-1-1",
        ] {
            assert_eq!(parse_date_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_format_round_trips() {
        for ms in [0, 1_577_836_801_000, 1_709_164_800_000, 4_102_444_799_000] {
            assert_eq!(parse_date_ms(&format_iso8601(ms)), Some(ms));
        }
        assert_eq!(format_iso8601(1_577_836_801_000), "2020-01-01T00:00:01Z");
    }
}
