//! `[server] trusted_proxies`: the reverse proxies (nginx terminating TLS) whose
//! `X-Forwarded-For` names the real client.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;
use toml::Spanned;

use super::{ConfigError, Source};

/// Addresses and networks (`127.0.0.1`, `10.0.0.0/8`, `::1`) of trusted reverse proxies; empty:
/// none, the peer is always the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Proxies at these networks.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks.into())
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client a request from `peer` stands for. Only when `peer` is a trusted proxy is
    /// `X-Forwarded-For` read (every such header, comma-separated, as nginx's
    /// `$proxy_add_x_forwarded_for` writes it): from the right, the first address that is not
    /// itself a trusted proxy is the client; an entry that is not an address stops the walk at the
    /// last trusted hop. From anyone else the header is ignored, so a phone cannot choose the
    /// address its rate limits are kept under.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.contains(peer.ip()) {
            return peer;
        }
        let mut client = peer.ip();
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip())) else {
                break;
            };
            client = ip.to_canonical();
            if !self.contains(client) {
                break;
            }
        }
        SocketAddr::new(client, 0)
    }
}

/// The setting, each entry an address or a network.
pub(super) fn trusted(src: &Source<'_>, raw: &[Spanned<String>]) -> Result<TrustedProxies, ConfigError> {
    let mut networks = Vec::with_capacity(raw.len());
    for entry in raw {
        let text = entry.get_ref().trim();
        let net = text.parse::<IpNet>().or_else(|_| text.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
            src.error(
                entry,
                "server.trusted_proxies",
                format!("«{text}» không phải địa chỉ hay dải mạng, ví dụ \"127.0.0.1\" hoặc \"10.0.0.0/8\""),
            )
        })?;
        if net.prefix_len() == 0 {
            return Err(src.error(
                entry,
                "server.trusted_proxies",
                format!("«{text}» là mọi địa chỉ: ai cũng giả được X-Forwarded-For; chỉ ghi địa chỉ của proxy"),
            ));
        }
        networks.push(net);
    }
    Ok(TrustedProxies::new(networks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn the_client_is_read_from_a_trusted_proxy_only() {
        let trusted =
            TrustedProxies::new(vec!["127.0.0.1/32".parse().expect("net"), "10.0.0.0/8".parse().expect("net")]);
        let proxy: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let phone: SocketAddr = "192.168.1.20:40000".parse().expect("addr");
        let ip = |a: SocketAddr| a.ip().to_string();
        // nginx appended the phone's address to what the phone claimed.
        assert_eq!(ip(trusted.client(proxy, &headers(&["203.0.113.7, 192.168.1.20"]))), "192.168.1.20");
        // Two proxies in a row, the header split over two lines.
        assert_eq!(ip(trusted.client(proxy, &headers(&["192.168.1.20", "10.1.2.3"]))), "192.168.1.20");
        // Straight from the phone: its own header is ignored.
        assert_eq!(ip(trusted.client(phone, &headers(&["127.0.0.1"]))), "192.168.1.20");
        // A proxy with no header, or nonsense to the right: the last trusted hop.
        assert_eq!(ip(trusted.client(proxy, &HeaderMap::new())), "127.0.0.1");
        assert_eq!(ip(trusted.client(proxy, &headers(&["192.168.1.20, unknown"]))), "127.0.0.1");
        // IPv4-mapped IPv6 peers are the same proxy.
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().expect("addr");
        assert_eq!(ip(trusted.client(mapped, &headers(&["192.168.1.21"]))), "192.168.1.21");
        assert_eq!(ip(TrustedProxies::default().client(proxy, &headers(&["1.2.3.4"]))), "127.0.0.1");
    }
}
