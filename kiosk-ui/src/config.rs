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

use serde::Deserialize;

/// Where the counter displays are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayLine {
    /// The serial port of the RS-485 adapter.
    pub port: String,
    /// Line speed.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Counter number → display address, for counters whose display address is not their number.
    #[serde(default)]
    pub addresses: BTreeMap<u16, u8>,
    /// Seconds between pings of every display.
    #[serde(default = "default_ping")]
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
    pub server_url: String,
    /// This device's token.
    pub token: String,
    /// The display line.
    pub displays: DisplayLine,
    /// Seconds between health reports.
    #[serde(default = "default_report")]
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
    #[serde(default = "default_printer")]
    pub transport: String,
    /// Paper width: 58 or 80 mm.
    #[serde(default = "default_paper")]
    pub paper_mm: u32,
    /// Font for Vietnamese text; found through fontconfig when absent.
    #[serde(default)]
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
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
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
    #[serde(default = "default_server")]
    pub server_url: String,
    /// This kiosk's token.
    #[serde(default = "default_token")]
    pub token: String,
    /// A short name for idempotency keys, unique per kiosk.
    #[serde(default = "default_device")]
    pub device: String,
    /// Seconds without a touch before a screen returns home.
    #[serde(default = "default_idle")]
    pub idle_timeout_seconds: u64,
    /// Seconds a request may take before the kiosk says the server is busy.
    #[serde(default = "default_request")]
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
    #[serde(default = "default_tags")]
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
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{}: không đọc được: {e}", path.display())))?;
    parse(&path.display().to_string(), &text)
}

/// Parses TOML text into `T`; `file` names it in errors.
pub fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        match line {
            Some(line) => ConfigError(format!("{file}:{line}: {}", e.message().trim())),
            None => ConfigError(format!("{file}: {}", e.message().trim())),
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
    fn a_bad_file_names_the_line() {
        let text = "server_url = \"http://x\"\ntoken = \"t\"\n[displays]\nport = 5\n";
        let err = parse::<BridgeConfig>("bridge.toml", text).expect_err("port must be text");
        assert!(err.0.starts_with("bridge.toml:4:"), "{err}");
    }
}
