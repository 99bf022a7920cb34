//! Reading one parameter from the raw query string. The router's query map
//! decodes values twice, which corrupts a parameter that is itself a URL
//! with an encoded query (the `next` of the sign-in page); this decodes once.

/// The first value of `name` in a raw `a=1&b=2` query string (a leading
/// `?` is ignored), form-decoded exactly once.
pub fn param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == name).then(|| decode(v))
        })
        .next()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_once() {
        let q = "?next=%2Fauthorize%3Fstate%3Da%2526b%252Bc%2Bd&x=1";
        assert_eq!(
            param(q, "next").as_deref(),
            Some("/authorize?state=a%26b%2Bc+d")
        );
        assert_eq!(param(q, "x").as_deref(), Some("1"));
        assert_eq!(param(q, "y"), None);
        assert_eq!(param("a=%zz%4", "a").as_deref(), Some("%zz%4"));
        assert_eq!(param("a=%41", "a").as_deref(), Some("A"));
    }
}
