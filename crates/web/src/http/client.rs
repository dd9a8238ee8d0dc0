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
