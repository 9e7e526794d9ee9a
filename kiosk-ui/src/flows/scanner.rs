//! A keyboard-wedge barcode or QR scanner: it types what it reads as key presses (Shift held around
//! every capital, as a keyboard would) and ends with Enter. [`ScanBuffer`] turns those key events
//! into whole scans, keeping printable characters only; [`classify`] says what a scan is.
//!
//! What real scanners and people do to the buffer, and what it does about it:
//! - modifier keys (Shift, Ctrl, Alt, Caps Lock) arrive as key events whose text is a control or
//!   private-use character: dropped, never part of a code;
//! - a stray key touched before a scan, or a scan cut off half way (the code moved out of the
//!   beam), leaves text without an Enter: a key arriving more than [`ScanBuffer::gap`] after the
//!   previous one starts a new scan, and the adapter also empties a buffer left that long;
//! - two scans back to back: each Enter ends one;
//! - Enter or Tab (the two usual scanner suffixes) on an empty buffer does nothing.

use std::time::{Duration, Instant};

use motcua_protocol::api::{BOOKING_CODE_ALPHABET, BOOKING_CODE_LEN};

/// The longest scan kept; anything longer is not a code this kiosk reads.
const MAX_SCAN: usize = 300;

/// Keystrokes collected until Enter.
#[derive(Debug, Clone)]
pub struct ScanBuffer {
    text: String,
    last: Option<Instant>,
    gap: Duration,
}

impl Default for ScanBuffer {
    fn default() -> Self {
        Self::new(Duration::from_millis(300))
    }
}

impl ScanBuffer {
    /// A buffer that forgets text left unfinished for `gap`. Scanners type a code in well under a
    /// second with a few milliseconds between keys; people are much slower.
    pub fn new(gap: Duration) -> Self {
        Self { text: String::new(), last: None, gap }
    }

    /// How long unfinished text is kept.
    pub fn gap(&self) -> Duration {
        self.gap
    }

    /// Whether text is waiting for its Enter.
    pub fn pending(&self) -> bool {
        !self.text.is_empty()
    }

    /// Forgets unfinished text (the adapter calls this when [`Self::gap`] passed without a key).
    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// One key press (its text, as the window reports it) at `now`; the whole scan when it ends.
    pub fn key(&mut self, text: &str, now: Instant) -> Option<String> {
        if self.last.is_some_and(|last| now.saturating_duration_since(last) > self.gap) {
            self.text.clear();
        }
        self.last = Some(now);
        if text == "\n" || text == "\r" || text == "\t" {
            let scan = self.text.trim().to_string();
            self.text.clear();
            return (!scan.is_empty()).then_some(scan);
        }
        for c in text.chars().filter(|c| printable(*c)) {
            if self.text.chars().count() < MAX_SCAN {
                self.text.push(c);
            }
        }
        None
    }
}

/// Characters a code can hold: not control characters (Enter, Tab, Backspace, Escape, and the
/// codes windowing systems give Shift, Ctrl, Alt) and not the private-use area (arrows, function
/// keys).
fn printable(c: char) -> bool {
    !c.is_control() && !('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// What a scan is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A ticket's QR: its link `…/t/{ticket id}`; the id.
    Ticket(String),
    /// A booking's QR or code (six letters of the booking alphabet), upper case.
    Booking(String),
    /// Digits only: a ticket number (from a barcode or typed on a keyboard).
    Number(u32),
    /// Anything else is taken as a receipt code (mã hồ sơ), upper case; a portal link carrying
    /// `MHS=<code>` gives its code.
    Dossier(String),
}

/// Says what a scan is.
pub fn classify(scan: &str) -> Scan {
    let scan = scan.trim();
    // A link's path may come in capitals (a scanner in caps-lock mode): `/T/` is `/t/`.
    if let Some(at) = scan.to_ascii_lowercase().rfind("/t/") {
        let id = scan[at + 3..].split(['?', '#', '/']).next().unwrap_or_default();
        if !id.is_empty() {
            return Scan::Ticket(id.to_ascii_uppercase());
        }
    }
    if let Some(code) = portal_code(scan) {
        return Scan::Dossier(code);
    }
    let compact: String = scan.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
    if compact.len() == BOOKING_CODE_LEN && compact.bytes().all(|b| BOOKING_CODE_ALPHABET.contains(&b)) {
        return Scan::Booking(compact);
    }
    if !scan.is_empty() && scan.len() <= 6 && scan.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = scan.parse() {
            return Scan::Number(n);
        }
    }
    Scan::Dossier(scan.rsplit('/').next().unwrap_or(scan).to_uppercase())
}

/// The receipt code in a public-service portal link (`…?MHS=H56.22-261027-0007&…`).
fn portal_code(scan: &str) -> Option<String> {
    let (_, query) = scan.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("mhs"))
        .map(|(_, v)| v.trim().to_uppercase())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key texts a scanner sends for `code` then Enter: Shift pressed around each capital
    /// (the window reports the Shift key's own press as a control character).
    fn keys(code: &str) -> Vec<String> {
        let mut out = Vec::new();
        for c in code.chars() {
            if c.is_ascii_uppercase() || c == ':' {
                out.push("\u{10}".to_string());
            }
            out.push(c.to_string());
        }
        out.push("\n".to_string());
        out
    }

    fn feed(buffer: &mut ScanBuffer, keys: &[String], start: Instant, step: Duration) -> Vec<String> {
        let mut scans = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let at = start + step * u32::try_from(i).unwrap_or(0);
            scans.extend(buffer.key(k, at));
        }
        scans
    }

    #[test]
    fn shift_around_capitals_leaves_the_code_as_printed() {
        let mut buffer = ScanBuffer::default();
        let scans = feed(&mut buffer, &keys("H56.22-261027-0007"), Instant::now(), Duration::from_millis(4));
        assert_eq!(scans, vec!["H56.22-261027-0007".to_string()]);
        for modifier in ["\u{10}", "\u{11}", "\u{12}", "\u{14}", "\u{F700}", "\u{1b}", "\u{8}"] {
            assert_eq!(buffer.key(modifier, Instant::now()), None);
            assert!(!buffer.pending(), "{modifier:?} is not text");
        }
    }

    #[test]
    fn a_stray_key_or_half_scan_is_forgotten_after_the_gap() {
        let start = Instant::now();
        let mut buffer = ScanBuffer::new(Duration::from_millis(300));
        assert_eq!(buffer.key("x", start), None);
        assert!(buffer.pending());
        let later = start + Duration::from_millis(800);
        let scans = feed(&mut buffer, &keys("HTTP://KIOSK/T/20261130-DD-1029"), later, Duration::from_millis(3));
        assert_eq!(scans, vec!["HTTP://KIOSK/T/20261130-DD-1029".to_string()]);
        // Half a scan, then (after a pause) a whole one.
        let half = &keys("H56.22-2610")[..8];
        feed(&mut buffer, half, later + Duration::from_secs(2), Duration::from_millis(3));
        let whole = feed(&mut buffer, &keys("K7MX3Q"), later + Duration::from_secs(4), Duration::from_millis(3));
        assert_eq!(whole, vec!["K7MX3Q".to_string()]);
    }

    #[test]
    fn two_scans_back_to_back_are_two_scans() {
        let mut buffer = ScanBuffer::default();
        let mut both = keys("H56.22-261027-0007");
        both.extend(keys("H56.22-261120-0001"));
        let scans = feed(&mut buffer, &both, Instant::now(), Duration::from_millis(2));
        assert_eq!(scans, vec!["H56.22-261027-0007".to_string(), "H56.22-261120-0001".to_string()]);
        assert_eq!(buffer.key("\n", Instant::now()), None, "a lone Enter is nothing");
    }

    #[test]
    fn scans_are_told_apart() {
        assert_eq!(classify("https://hcc.minhha.gov.vn/t/20261130-DD-1029"), Scan::Ticket("20261130-DD-1029".into()));
        assert_eq!(classify("http://x/t/20261130-DD-1029?utm=qr"), Scan::Ticket("20261130-DD-1029".into()));
        assert_eq!(classify("HTTP://KIOSK/T/20261130-DD-1029"), Scan::Ticket("20261130-DD-1029".into()));
        assert_eq!(classify("k7mx3q"), Scan::Booking("K7MX3Q".into()));
        assert_eq!(classify("K7M-X3Q"), Scan::Booking("K7MX3Q".into()));
        assert_eq!(classify("h56.22-261027-0007"), Scan::Dossier("H56.22-261027-0007".into()));
        assert_eq!(
            classify("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?MHS=H56.22-261027-0007"),
            Scan::Dossier("H56.22-261027-0007".into())
        );
        assert_eq!(classify("1012"), Scan::Number(1012));
        assert_eq!(classify("000.00.12.H56-261027-0001"), Scan::Dossier("000.00.12.H56-261027-0001".into()));
    }
}
