//! The client's address, for audit events and the per-IP sign-in throttle.

use std::net::IpAddr;

/// The address of the client, given the socket peer and, behind
/// `trusted_hops` proxies, the `X-Forwarded-For` header.
///
/// Each proxy appends the address it received the request from, so the
/// entries a client cannot forge are the last `trusted_hops` ones: the
/// leftmost entries are whatever the client sent. The client is therefore
/// the entry `trusted_hops` from the right. A header with fewer entries
/// than that did not pass through every trusted proxy, and an entry that
/// is not an IP address was not written by one; both fall back to the peer.
pub fn client_ip(peer: Option<IpAddr>, forwarded_for: &[&str], trusted_hops: usize) -> String {
    let peer = || peer.map(|p| p.to_string()).unwrap_or_default();
    if trusted_hops == 0 {
        return peer();
    }
    let entries: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    if entries.len() < trusted_hops {
        return peer();
    }
    match entries[entries.len() - trusted_hops].parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => peer(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Option<IpAddr> {
        Some("10.0.0.1".parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_peer_counts() {
        assert_eq!(client_ip(peer(), &["1.2.3.4"], 0), "10.0.0.1");
        assert_eq!(client_ip(None, &[], 0), "");
    }

    #[test]
    fn the_entry_the_trusted_proxy_added_counts_not_the_clients() {
        // The client sent "6.6.6.6"; the proxy appended the real address.
        assert_eq!(
            client_ip(peer(), &["6.6.6.6, 203.0.113.7"], 1),
            "203.0.113.7"
        );
        assert_eq!(client_ip(peer(), &["203.0.113.7"], 1), "203.0.113.7");
        // Two proxies: the second appended the first's address.
        assert_eq!(
            client_ip(peer(), &["6.6.6.6, 203.0.113.7, 10.1.1.1"], 2),
            "203.0.113.7"
        );
        // Repeated headers are one list, in order.
        assert_eq!(
            client_ip(peer(), &["6.6.6.6", "203.0.113.7"], 1),
            "203.0.113.7"
        );
        assert_eq!(client_ip(peer(), &["2001:db8::1"], 1), "2001:db8::1");
    }

    #[test]
    fn short_or_forged_headers_fall_back_to_the_peer() {
        assert_eq!(client_ip(peer(), &["203.0.113.7"], 2), "10.0.0.1");
        assert_eq!(client_ip(peer(), &[], 1), "10.0.0.1");
        assert_eq!(client_ip(peer(), &["6.6.6.6, not-an-ip"], 1), "10.0.0.1");
        assert_eq!(client_ip(peer(), &["6.6.6.6, "], 1), "10.0.0.1");
    }
}
