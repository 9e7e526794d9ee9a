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
    fn a_bad_file_names_the_line() {
        let text = "server_url = \"http://x\"\ntoken = \"t\"\n[displays]\nport = 5\n";
        let err = parse::<BridgeConfig>("bridge.toml", text).expect_err("port must be text");
        assert!(err.0.starts_with("bridge.toml:4:"), "{err}");
    }
}
