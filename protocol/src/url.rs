//! Text in a URL: one percent-encoder for every client of the wire (the kiosk's API paths and
//! queries, the SMS gateway's URL template), from the `percent-encoding` crate.

/// Characters percent-encoded in a URL component: all but the unreserved ones (RFC 3986, 2.3).
const COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `text` as one URL component (a path segment or a query value): every byte of its UTF-8 but the
/// unreserved characters percent-encoded, e.g. `Mã K7 lúc 09:00` → `M%C3%A3%20K7%20l%C3%BAc%2009%3A00`.
pub fn component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_keeps_only_unreserved_characters() {
        assert_eq!(component("0912345678"), "0912345678");
        assert_eq!(component("Mã K7 lúc 09:00"), "M%C3%A3%20K7%20l%C3%BAc%2009%3A00");
        assert_eq!(component("a/b?c=d&e#f"), "a%2Fb%3Fc%3Dd%26e%23f");
        assert_eq!(component("H56.22-261030_0006~"), "H56.22-261030_0006~");
    }
}
