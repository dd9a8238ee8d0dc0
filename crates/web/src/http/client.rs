use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// An address or a network (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) that
/// reverse proxies connect from (`--trusted-proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    /// Whether `ip` is in the network (an IPv4 address written as IPv6,
    /// `::ffff:10.0.0.5`, counts as the IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for ProxyNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("“{s}”不是 IP 地址或网段（如 10.0.0.5、10.0.0.0/8、fd00::/8）");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let addr = addr.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(ProxyNet { addr, prefix })
    }
}

impl std::fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The connection arrived over TLS at this server (`serve` with a
/// certificate adds it to every request).
#[derive(Debug, Clone, Copy)]
pub struct ServedOverTls;

/// Who sent a request, as decided once by [`client`]: the address lockout
/// and audit key on, and whether the browser reached us over HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's address (`-` when unknown, e.g. in-process tests).
    pub ip: String,
    /// HTTPS: TLS here, or `X-Forwarded-Proto: https` from a trusted proxy.
    pub https: bool,
}

/// Decides who the client is — the one place that does. The TCP peer,
/// unless it is a trusted proxy: then the rightmost `X-Forwarded-For` address
/// that is not itself a trusted proxy (the proxies append the address they
/// saw; what is left of that came from the client and is not believed), and
/// the scheme from `X-Forwarded-Proto`. From anyone else those headers are
/// ignored.
pub fn client_of(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[ProxyNet],
    tls: bool,
) -> Client {
    let Some(peer) = peer else {
        return Client {
            ip: "-".into(),
            https: tls,
        };
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Client {
            ip: peer.to_string(),
            https: tls,
        };
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut ip = peer;
    for hop in hops.iter().rev() {
        // `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
        let Some(addr) = hop
            .parse::<IpAddr>()
            .ok()
            .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        else {
            break; // not an address: stop at the last proxy that vouched
        };
        ip = addr.to_canonical();
        if !is_trusted(ip) {
            break;
        }
    }
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    Client {
        ip: ip.to_string(),
        https: tls || forwarded_https,
    }
}

/// The client address of a request (`-` when unknown, e.g. in-process
/// tests), as [`client`] decided it; lockout and audit key on it.
pub fn peer_ip(ext: &axum::http::Extensions) -> String {
    match ext.get::<Client>() {
        Some(c) => c.ip.clone(),
        // Outside the router's layers: the TCP peer, no proxy believed.
        None => {
            client_of(
                ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
                &HeaderMap::new(),
                &[],
                false,
            )
            .ip
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn nets(s: &[&str]) -> Vec<ProxyNet> {
        s.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn proxy_networks() {
        let n: ProxyNet = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains("10.200.1.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        let one: ProxyNet = " 127.0.0.1 ".parse().unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6: ProxyNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        let all: ProxyNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "::/129", "example.org", "10.0.0.1/x", ""] {
            assert!(bad.parse::<ProxyNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_behind_trusted_proxies() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = |xff: &[&str], proto: Option<&str>| {
            let mut m = HeaderMap::new();
            for v in xff {
                m.append("x-forwarded-for", v.parse().unwrap());
            }
            if let Some(p) = proto {
                m.insert("x-forwarded-proto", p.parse().unwrap());
            }
            m
        };
        let c =
            |peer: &str, m: &HeaderMap| client_of(Some(peer.parse().unwrap()), m, &trusted, false);
        // Rightmost untrusted; several headers are one list; ports dropped.
        let m = h(&["6.6.6.6, 1.2.3.4", "10.1.1.1"], Some("https"));
        assert_eq!(
            c("10.0.0.1", &m),
            Client {
                ip: "1.2.3.4".into(),
                https: true
            }
        );
        let m = h(&["[2001:db8::1]:4711"], Some("HTTPS, http"));
        assert_eq!(c("10.0.0.1", &m).ip, "2001:db8::1");
        assert!(c("10.0.0.1", &m).https);
        // Not an address: the last proxy that vouched.
        assert_eq!(
            c("10.0.0.1", &h(&["garbage, 10.2.2.2"], None)).ip,
            "10.2.2.2"
        );
        // Only proxies: the leftmost. No header: the proxy itself.
        assert_eq!(
            c("10.0.0.1", &h(&["10.3.3.3, 10.2.2.2"], None)).ip,
            "10.3.3.3"
        );
        assert_eq!(
            c("10.0.0.1", &h(&[], None)),
            Client {
                ip: "10.0.0.1".into(),
                https: false
            }
        );
        // From anyone else nothing is believed.
        let m = h(&["1.2.3.4"], Some("https"));
        assert_eq!(
            c("192.0.2.1", &m),
            Client {
                ip: "192.0.2.1".into(),
                https: false
            }
        );
        // TLS here is HTTPS whoever sends what; no peer at all.
        assert!(client_of(Some("192.0.2.1".parse().unwrap()), &m, &[], true).https);
        assert_eq!(client_of(None, &m, &trusted, false).ip, "-");
    }
}
