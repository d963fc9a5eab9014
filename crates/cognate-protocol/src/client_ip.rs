//! Which address a request came from (R29): the TCP peer, unless that peer is one of the
//! configured proxies, in which case `X-Forwarded-For` is read from the right, skipping
//! addresses of trusted proxies, and the first other address is the client. Anything to the
//! left of that address was written by the client and could say anything.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use http::HeaderMap;

/// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError(String);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an address block like 10.0.0.0/8 or fd00::/8",
            self.0
        )
    }
}

impl std::error::Error for CidrError {}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || CidrError(text.to_owned());
        let trimmed = text.trim();
        let (address, prefix) = match trimmed.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (trimmed, None),
        };
        let network: IpAddr = address.parse().map_err(|_| error())?;
        let max = match network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            // Digits only: `u8::from_str` would also take a leading `+`.
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| error())?
            }
            Some(_) => return Err(error()),
            None => max,
        };
        if prefix > max {
            return Err(error());
        }
        // Host bits set (10.1.2.3/8) are a typo more often than not; refuse rather than
        // guess which was meant.
        if mask(network, prefix) != bits(network) {
            return Err(error());
        }
        Ok(Cidr { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// An address as a number, IPv4 in the low 32 bits.
fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn mask(ip: IpAddr, prefix: u8) -> u128 {
    let width: u32 = match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    let host_bits = width.saturating_sub(u32::from(prefix));
    let keep = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    bits(ip) & keep
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client seen through an IPv6 socket arrives as ::ffff:a.b.c.d.
        let ip = ip.to_canonical();
        match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(ip, self.prefix) == bits(self.network)
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

/// Hops read from the right of `X-Forwarded-For` at most; a longer chain is not a real
/// deployment, and reading stops at the last one.
const MAX_HOPS: usize = 32;

impl TrustedProxies {
    pub fn new(blocks: Vec<Cidr>) -> Self {
        Self(blocks)
    }

    pub fn blocks(&self) -> &[Cidr] {
        &self.0
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }

    /// The client's address for a request that reached us from `peer`.
    ///
    /// Several `X-Forwarded-For` lines are one list in order. An entry that is not an
    /// address stops the walk: the hop that wrote it is a proxy we trust (only those are
    /// read), so the client is taken to be the last trusted hop. When every hop is trusted,
    /// the left-most is the client (a call from inside the proxies' own network).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        let entries = headers
            .get_all("x-forwarded-for")
            .iter()
            .rev()
            .flat_map(|value| value.to_str().unwrap_or("\u{0}").rsplit(','))
            .take(MAX_HOPS);
        for entry in entries {
            let Some(hop) = parse_hop(entry) else {
                break;
            };
            client = hop;
            if !self.is_trusted(hop) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`) as some proxies write it.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(blocks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(blocks.iter().map(|b| b.parse().unwrap()).collect())
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_parse() {
        assert_eq!(
            "10.0.0.0/8".parse::<Cidr>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            "192.0.2.1".parse::<Cidr>().unwrap().to_string(),
            "192.0.2.1/32"
        );
        assert_eq!("fd00::/8".parse::<Cidr>().unwrap().to_string(), "fd00::/8");
        assert_eq!("::1".parse::<Cidr>().unwrap().to_string(), "::1/128");
        assert_eq!(
            "0.0.0.0/0".parse::<Cidr>().unwrap().to_string(),
            "0.0.0.0/0"
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.1.2.3/8",
            "fd00::/129",
            "example.com",
            "10.0.0.0/8/8",
            "10.0.0/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn blocks_contain() {
        let block: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(block.contains(ip("10.255.0.1")));
        assert!(block.contains(ip("::ffff:10.1.1.1")));
        assert!(!block.contains(ip("11.0.0.1")));
        assert!(!block.contains(ip("::a00:1")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.5")));
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let spoofed = headers(&["198.51.100.7"]);
        assert_eq!(
            trusted.client_ip(ip("203.0.113.9"), &spoofed),
            ip("203.0.113.9")
        );
        // With no proxies configured, nobody's header is read.
        assert_eq!(
            TrustedProxies::default().client_ip(ip("10.0.0.1"), &spoofed),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.0/24"]);
        // The client wrote 1.1.1.1 itself; our proxies appended its real address and theirs.
        let chain = headers(&["1.1.1.1, 198.51.100.7, 192.0.2.10"]);
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &chain),
            ip("198.51.100.7")
        );
        // The same chain split over several header lines.
        let lines = headers(&["1.1.1.1", "198.51.100.7,192.0.2.10"]);
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &lines),
            ip("198.51.100.7")
        );
        // No header: the proxy itself is the client.
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        // Every hop trusted: the left-most.
        let internal = headers(&["10.9.9.9, 10.0.0.3"]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &internal), ip("10.9.9.9"));
    }

    #[test]
    fn malformed_entries_stop_the_walk() {
        let trusted = proxies(&["10.0.0.0/8"]);
        for value in ["garbage", "198.51.100.7, ", "", "unknown, 10.0.0.5"] {
            let client = trusted.client_ip(ip("10.0.0.2"), &headers(&[value]));
            assert!(trusted.is_trusted(client), "{value}: {client}");
        }
        // Garbage left of the client's address is never reached.
        let chain = headers(&["<script>, 198.51.100.7"]);
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &chain),
            ip("198.51.100.7")
        );
        // A header that is not text at all.
        let mut binary = HeaderMap::new();
        binary.insert(
            "x-forwarded-for",
            http::HeaderValue::from_bytes(b"\xff198.51.100.7").unwrap(),
        );
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &binary), ip("10.0.0.2"));
    }

    #[test]
    fn ipv6_and_ports() {
        let trusted = proxies(&["fd00::/8", "127.0.0.1"]);
        let chain = headers(&["2001:db8::7, fd00::1"]);
        assert_eq!(trusted.client_ip(ip("fd00::2"), &chain), ip("2001:db8::7"));
        let bracketed = headers(&["[2001:db8::8]:443"]);
        assert_eq!(
            trusted.client_ip(ip("fd00::2"), &bracketed),
            ip("2001:db8::8")
        );
        let with_port = headers(&["198.51.100.7:5555"]);
        assert_eq!(
            trusted.client_ip(ip("fd00::2"), &with_port),
            ip("198.51.100.7")
        );
        // An IPv4 proxy seen through a dual-stack socket is still trusted.
        let plain = headers(&["198.51.100.9"]);
        assert_eq!(
            trusted.client_ip(ip("::ffff:127.0.0.1"), &plain),
            ip("198.51.100.9")
        );
    }
}
