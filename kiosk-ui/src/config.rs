//! The kiosk's configuration file.
//!
//! ```toml
//! server_url = "http://192.168.1.10:8080"
//! token = "demo-kiosk"
//! idle_timeout_seconds = 60
//!
//! [screen]
//! width = 1280
//! height = 800
//!
//! [printer]
//! transport = "sim"                 # or "tcp:192.168.1.50:9100", "serial:/dev/ttyUSB0:9600", "file:/dev/usb/lp0"
//! paper_mm = 58                     # or 80
//!
//! [displays]
//! port = "/dev/ttyUSB1"
//! baud = 9600
//! addresses = { 1 = 1, 3 = 3 }      # counter = display address; counters not listed use their number
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// Seconds (a number, fractions allowed) from `MIN_MS` to `MAX_MS` milliseconds. Anything else —
/// negative, zero where it makes no sense, `inf`, `nan`, absurdly large — is refused at start
/// with the file and line, instead of panicking later in `Duration::from_secs_f64`.
fn seconds<'de, D: Deserializer<'de>, const MIN_MS: u64, const MAX_MS: u64>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    let (min, max) = (MIN_MS as f64 / 1000.0, MAX_MS as f64 / 1000.0);
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!("phải là số giây từ {min} đến {max}")))
    }
}

/// A whole number from `MIN` to `MAX`.
fn whole<'de, D: Deserializer<'de>, const MIN: u64, const MAX: u64>(d: D) -> Result<u64, D::Error> {
    let value = u64::deserialize(d)?;
    if (MIN..=MAX).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!("phải từ {MIN} đến {MAX}, không phải {value}")))
    }
}

fn whole_u32<'de, D: Deserializer<'de>, const MIN: u64, const MAX: u64>(d: D) -> Result<u32, D::Error> {
    whole::<D, MIN, MAX>(d).map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

/// An `http://` or `https://` address.
fn server_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?;
    match reqwest::Url::parse(value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(value.trim().to_string()),
        _ => Err(serde::de::Error::custom(format!("cần địa chỉ máy chủ dạng http://máy:cổng, không phải «{value}»"))),
    }
}

/// Text that must not be empty (a token, a name), at most 200 characters.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?;
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.contains(char::is_control) {
        Err(serde::de::Error::custom("không được để trống, tối đa 200 ký tự"))
    } else {
        Ok(trimmed.to_string())
    }
}

/// A name that starts idempotency keys: 1 to 40 characters, no spaces or control characters.
fn device_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?;
    let name = value.trim();
    if name.is_empty() || name.chars().count() > 40 || name.contains(|c: char| c.is_whitespace() || c.is_control()) {
        Err(serde::de::Error::custom("tên kiosk: 1 đến 40 ký tự, không có dấu cách"))
    } else {
        Ok(name.to_string())
    }
}

/// Reasons offered for a low rating: at most 10, each 1 to 60 characters (what the server takes).
fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let tags = Vec::<String>::deserialize(d)?;
    if tags.len() > 10 || tags.iter().any(|t| t.trim().is_empty() || t.trim().chars().count() > 60) {
        Err(serde::de::Error::custom("tối đa 10 lý do, mỗi lý do 1 đến 60 ký tự"))
    } else {
        Ok(tags.into_iter().map(|t| t.trim().to_string()).collect())
    }
}

/// A font file that exists.
fn font_file<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let path = PathBuf::deserialize(d)?;
    if path.is_file() {
        Ok(Some(path))
    } else {
        Err(serde::de::Error::custom(format!("không có tệp phông chữ «{}»", path.display())))
    }
}

/// 58 or 80 (mm of paper).
fn paper<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match u32::deserialize(d)? {
        v @ (58 | 80) => Ok(v),
        v => Err(serde::de::Error::custom(format!("khổ giấy 58 hoặc 80 mm, không phải {v}"))),
    }
}

/// `sim`, `tcp:HOST:PORT` (an address or a name, port 1–65535), `serial:PATH[:BAUD]` (1200–921600
/// baud) or `file:PATH`.
fn printer_transport<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = String::deserialize(d)?;
    let t = value.trim();
    let port_ok = |p: &str| p.parse::<u16>().is_ok_and(|p| p > 0);
    let ok = t == "sim"
        || t.strip_prefix("tcp:")
            .and_then(|a| a.rsplit_once(':'))
            .is_some_and(|(host, port)| !host.is_empty() && port_ok(port))
        || t.strip_prefix("serial:").is_some_and(|rest| match rest.rsplit_once(':') {
            // What follows the last `:` of a device path is its baud rate.
            Some((path, baud)) if !baud.contains('/') => {
                !path.is_empty() && baud.parse::<u32>().is_ok_and(|b| (1200..=921_600).contains(&b))
            }
            _ => !rest.is_empty(),
        })
        || t.strip_prefix("file:").is_some_and(|p| !p.is_empty());
    if ok {
        Ok(t.to_string())
    } else {
        Err(serde::de::Error::custom(format!(
            "cần sim, tcp:MÁY:CỔNG, serial:/dev/ttyUSB0[:9600] (1200–921600 baud) hoặc file:/dev/usb/lp0, không phải «{value}»"
        )))
    }
}

/// Counter → display address, every address 1..=32.
fn addresses<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u16, u8>, D::Error> {
    let map = BTreeMap::<u16, u8>::deserialize(d)?;
    match map.iter().find(|(_, a)| !(1..=32).contains(*a)) {
        Some((counter, a)) => {
            Err(serde::de::Error::custom(format!("quầy {counter}: địa chỉ màn hình phải từ 1 đến 32, không phải {a}")))
        }
        None => Ok(map),
    }
}

/// Where the counter displays are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayLine {
    /// The serial port of the RS-485 adapter.
    #[serde(deserialize_with = "text")]
    pub port: String,
    /// Line speed, 1200 to 921600 baud.
    #[serde(default = "default_baud", deserialize_with = "whole_u32::<_, 1200, 921_600>")]
    pub baud: u32,
    /// Counter number → display address (1..=32), for counters whose display address is not their
    /// number.
    #[serde(default, deserialize_with = "addresses")]
    pub addresses: BTreeMap<u16, u8>,
    /// Seconds between pings of every display, 0.05 to 60.
    #[serde(default = "default_ping", deserialize_with = "seconds::<_, 50, 60_000>")]
    pub ping_seconds: f64,
}

fn default_baud() -> u32 {
    9600
}

fn default_ping() -> f64 {
    1.0
}

impl DisplayLine {
    /// The display address of a counter: configured, or the counter's own number when it is 1..=32.
    pub fn address_of(&self, counter: u16) -> Option<u8> {
        self.addresses.get(&counter).copied().or_else(|| u8::try_from(counter).ok().filter(|a| (1..=32).contains(a)))
    }
}

/// The display bridge's configuration: the server and the display line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeConfig {
    /// The queue server, e.g. `http://192.168.1.10:8080`.
    #[serde(deserialize_with = "server_url")]
    pub server_url: String,
    /// This device's token.
    #[serde(deserialize_with = "text")]
    pub token: String,
    /// The display line.
    pub displays: DisplayLine,
    /// Seconds between health reports, 1 to 3600.
    #[serde(default = "default_report", deserialize_with = "seconds::<_, 1000, 3_600_000>")]
    pub report_seconds: f64,
}

fn default_report() -> f64 {
    10.0
}

/// The kiosk's printer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    /// `sim`, `tcp:HOST:PORT`, `serial:PATH[:BAUD]` or `file:/dev/usb/lp0`.
    #[serde(default = "default_printer", deserialize_with = "printer_transport")]
    pub transport: String,
    /// Paper width: 58 or 80 mm.
    #[serde(default = "default_paper", deserialize_with = "paper")]
    pub paper_mm: u32,
    /// Font for Vietnamese text (a file that exists); found through fontconfig when absent.
    #[serde(default, deserialize_with = "font_file")]
    pub font: Option<PathBuf>,
    /// `ESC t` number of a Windows-1258 code page, for a printer known to have one.
    #[serde(default)]
    pub code_page_1258: Option<u8>,
    /// With the simulator: where pictures of printed tickets go.
    #[serde(default)]
    pub pictures: Option<PathBuf>,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        Self {
            transport: default_printer(),
            paper_mm: default_paper(),
            font: None,
            code_page_1258: None,
            pictures: Some("kiosk-printed".into()),
        }
    }
}

fn default_printer() -> String {
    "sim".into()
}

fn default_paper() -> u32 {
    58
}

/// The kiosk's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    /// Width in pixels, 320 to 8192.
    #[serde(deserialize_with = "whole_u32::<_, 320, 8192>")]
    pub width: u32,
    /// Height in pixels, 240 to 8192.
    #[serde(deserialize_with = "whole_u32::<_, 240, 8192>")]
    pub height: u32,
    /// Full screen (on the Pi).
    #[serde(default)]
    pub fullscreen: bool,
}

impl Default for Screen {
    fn default() -> Self {
        Self { width: 1280, height: 800, fullscreen: false }
    }
}

/// The kiosk's configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// The queue server.
    #[serde(default = "default_server", deserialize_with = "server_url")]
    pub server_url: String,
    /// This kiosk's token.
    #[serde(default = "default_token", deserialize_with = "text")]
    pub token: String,
    /// A short name that starts every idempotency key (a random part drawn at each start follows,
    /// so two kiosks left with the same name do not collide).
    #[serde(default = "default_device", deserialize_with = "device_name")]
    pub device: String,
    /// Seconds without a touch before a screen returns home, 5 to 3600.
    #[serde(default = "default_idle", deserialize_with = "whole::<_, 5, 3600>")]
    pub idle_timeout_seconds: u64,
    /// Seconds a request may take before the kiosk says the server is busy, 0.2 to 120.
    #[serde(default = "default_request", deserialize_with = "seconds::<_, 200, 120_000>")]
    pub request_timeout_seconds: f64,
    /// The screen.
    #[serde(default)]
    pub screen: Screen,
    /// The ticket printer.
    #[serde(default)]
    pub printer: PrinterConfig,
    /// The counter displays, when their line is at this kiosk.
    #[serde(default)]
    pub displays: Option<DisplayLine>,
    /// The outbox file.
    #[serde(default = "default_outbox")]
    pub outbox: PathBuf,
    /// Reasons offered for a low rating.
    #[serde(default = "default_tags", deserialize_with = "tags")]
    pub rating_tags: Vec<String>,
}

fn default_server() -> String {
    "http://127.0.0.1:8080".into()
}
fn default_token() -> String {
    "demo-kiosk".into()
}
fn default_device() -> String {
    "kiosk".into()
}
fn default_idle() -> u64 {
    60
}
fn default_request() -> f64 {
    8.0
}
fn default_outbox() -> PathBuf {
    "kiosk-outbox.db".into()
}
fn default_tags() -> Vec<String> {
    [
        "Chờ quá lâu",
        "Cán bộ thiếu nhiệt tình",
        "Hướng dẫn chưa rõ ràng",
        "Phải đi lại nhiều lần",
        "Nơi chờ chưa thoải mái",
    ]
    .map(String::from)
    .to_vec()
}

impl Default for KioskConfig {
    /// The demo kiosk: the demo server on this machine, the simulated printer.
    fn default() -> Self {
        parse("(mặc định)", "").unwrap_or_else(|e| unreachable!("an empty file takes every default: {e}"))
    }
}

/// A refused configuration file.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Reads a TOML file into `T`; errors name the file and line.
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!("{}: không đọc được: {}", path.display(), motcua_protocol::parse_text::io_vietnamese(&e)))
    })?;
    parse(&path.display().to_string(), &text)
}

/// Parses TOML text into `T`; `file` names it in errors. Text is read composed (NFC): names
/// typed decomposed are taken as written composed, on the same lines.
pub fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigError> {
    use unicode_normalization::UnicodeNormalization;
    let text: &str = &text.nfc().collect::<String>();
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        match line {
            Some(line) => {
                ConfigError(format!("{file}:{line}: {}", motcua_protocol::parse_text::vietnamese(e.message())))
            }
            None => ConfigError(format!("{file}: {}", motcua_protocol::parse_text::vietnamese(e.message()))),
        }
    })
}

/// The default kiosk state directory file name for `name`.
pub fn state_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridge_file_parses_and_counters_map_to_addresses() {
        let text = "server_url = \"http://127.0.0.1:8080\"\ntoken = \"demo-kiosk\"\n[displays]\nport = \"/dev/ttyUSB1\"\naddresses = { 12 = 20 }\n";
        let config: BridgeConfig = parse("bridge.toml", text).expect("parses");
        assert_eq!(config.displays.baud, 9600);
        assert_eq!(config.displays.address_of(3), Some(3));
        assert_eq!(config.displays.address_of(12), Some(20));
        assert_eq!(config.displays.address_of(40), None, "no address above 32 unless configured");
    }

    #[test]
    fn the_documented_examples_parse() {
        let kiosk: KioskConfig =
            parse("kiosk.example.toml", include_str!("../../deploy/kiosk.example.toml")).expect("kiosk example");
        assert_eq!(
            (kiosk.printer.transport.as_str(), kiosk.printer.paper_mm, kiosk.screen.fullscreen),
            ("file:/dev/usb/lp0", 80, true)
        );
        assert_eq!(kiosk.displays.as_ref().and_then(|d| d.address_of(12)), Some(20));
        let bridge: BridgeConfig =
            parse("bridge.example.toml", include_str!("../../deploy/bridge.example.toml")).expect("bridge example");
        assert_eq!(bridge.displays.port, "/dev/ttyUSB0");
        let demo = KioskConfig::default();
        assert_eq!((demo.server_url.as_str(), demo.printer.transport.as_str()), ("http://127.0.0.1:8080", "sim"));
    }

    #[test]
    fn every_value_out_of_range_is_refused_at_start_with_its_line() {
        let base = "outbox = \"kiosk-outbox.db\"\n";
        for (line, bad) in [
            ("request_timeout_seconds = inf", "giây"),
            ("request_timeout_seconds = nan", "giây"),
            ("request_timeout_seconds = -1.0", "giây"),
            ("request_timeout_seconds = 1e300", "giây"),
            ("idle_timeout_seconds = 0", "từ 5"),
            ("token = \"  \"", "trống"),
            ("server_url = \"192.168.1.10:8080\"", "http://"),
            ("[printer]\ntransport = \"tcp:printer\"", "tcp:"),
            ("[printer]\npaper_mm = 57", "58 hoặc 80"),
            ("[printer]\ntransport = \"serial:/dev/ttyUSB0:abc\"", "baud"),
            ("[printer]\ntransport = \"serial:/dev/ttyUSB0:0\"", "baud"),
            ("[printer]\ntransport = \"serial:/dev/ttyUSB0:-9600\"", "baud"),
            ("[printer]\ntransport = \"tcp:127.0.0.1:0\"", "tcp:"),
            ("[printer]\nfont = \"/nope.ttf\"", "phông"),
            ("device = \"kiosk sanh a\"", "dấu cách"),
            ("rating_tags = [\"\"]", "lý do"),
            ("[screen]\nheight = 480\nwidth = 0", "từ 320"),
            ("[displays]\nport = \"/dev/ttyUSB1\"\nping_seconds = inf", "giây"),
            ("[displays]\nport = \"/dev/ttyUSB1\"\naddresses = { 3 = 40 }", "từ 1 đến 32"),
            ("[displays]\nport = \"/dev/ttyUSB1\"\nbaud = 0", "từ 1200"),
        ] {
            let text = format!("{base}{line}\n");
            let err = parse::<KioskConfig>("kiosk.toml", &text).expect_err(line);
            let at = text.lines().position(|l| line.lines().last().is_some_and(|last| l == last)).map(|i| i + 1);
            assert!(err.0.starts_with(&format!("kiosk.toml:{}:", at.unwrap_or(0))), "{line}: {err}");
            assert!(err.0.contains(bad), "{line}: {err}");
        }
        let bridge =
            "server_url = \"http://x:1\"\ntoken = \"t\"\nreport_seconds = inf\n[displays]\nport = \"/dev/ttyUSB1\"\n";
        assert!(parse::<BridgeConfig>("bridge.toml", bridge).expect_err("inf").0.starts_with("bridge.toml:3:"));
    }

    #[test]
    fn a_bad_file_names_the_line() {
        let text = "server_url = \"http://x\"\ntoken = \"t\"\n[displays]\nport = 5\n";
        let err = parse::<BridgeConfig>("bridge.toml", text).expect_err("port must be text");
        assert!(err.0.starts_with("bridge.toml:4:"), "{err}");
        // Said in Vietnamese, not in the parser's English.
        assert!(err.0.contains("sai kiểu dữ liệu") && !err.0.contains("invalid type"), "{err}");
        let missing = std::path::Path::new("/nonexistent/kiosk.toml");
        let err = load::<KioskConfig>(missing).expect_err("no such file");
        assert!(err.0.ends_with("không đọc được: không có tệp này"), "{err}");
    }
}
