//! `counter-display`: one counter number display unit on a serial line.
//!
//! Reads the display bus from a serial port, answers pings, and draws the unit either on the
//! simulated panel (a PNG file rewritten at every change) or, with the `rpi` feature and `--spi`, on
//! an SSD1306 128×64 panel.
//!
//! ```text
//! counter-display --port /dev/ttyUSB0 --address 3 [--baud 9600] [--panel mono128x64|rgb64x32]
//!                 [--png FILE] [--scale N] [--spi]
//! ```

use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use embedded_graphics::pixelcolor::{BinaryColor, Rgb565};
use motcua_firmware::render::{self, Panel};
use motcua_firmware::unit::DisplayUnit;
use motcua_hardware::sim::panel::Framebuffer;

/// Một màn hình số tại quầy trên đường nối tiếp: đọc khung của đường màn hình, trả lời lệnh hỏi,
/// vẽ số lên bảng mô phỏng (tệp PNG) hoặc bảng SSD1306 thật qua SPI trên Raspberry Pi.
#[derive(Debug, clap::Parser)]
#[command(
    name = "counter-display",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    next_help_heading = "Tùy chọn",
    help_template = motcua_protocol::cli::HELP_TEMPLATE
)]
struct Args {
    /// Cổng nối tiếp, ví dụ /dev/ttyUSB0
    #[arg(long, value_name = "CỔNG")]
    port: String,
    /// Địa chỉ của màn hình trên đường (số quầy), từ 1 đến 32
    #[arg(long, value_name = "SỐ", value_parser = address)]
    address: u8,
    /// Tốc độ đường nối tiếp (một tốc độ chuẩn, như của bộ chuyển đổi)
    #[arg(long, value_name = "BAUD", default_value_t = 9600, value_parser = baud)]
    baud: u32,
    /// Loại bảng: mono128x64 hoặc rgb64x32
    #[arg(long, value_name = "BẢNG", default_value = "mono128x64", value_parser = panel)]
    panel: Panel,
    /// Bảng mô phỏng: tệp PNG ghi lại mỗi lần đổi
    #[arg(long, value_name = "TỆP", required_unless_present = "spi")]
    png: Option<PathBuf>,
    /// Phóng to ảnh PNG bao nhiêu lần
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = scale)]
    scale: u32,
    /// Bảng SSD1306 128×64 thật qua SPI (Raspberry Pi, bản dựng có tính năng rpi)
    #[arg(long)]
    spi: bool,
    #[command(flatten)]
    flags: motcua_protocol::cli::StandardFlags,
}

fn address(raw: &str) -> Result<u8, String> {
    raw.parse().ok().filter(|a| (1..=32).contains(a)).ok_or_else(|| format!("--address «{raw}»: từ 1 đến 32"))
}

/// The standard serial rates a USB–RS-485 adapter and the bridge agree on.
const BAUDS: [u32; 8] = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200];

fn baud(raw: &str) -> Result<u32, String> {
    raw.trim().parse().ok().filter(|b| BAUDS.contains(b)).ok_or_else(|| {
        format!("--baud «{raw}»: cần một tốc độ chuẩn (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)")
    })
}

fn scale(raw: &str) -> Result<u32, String> {
    raw.parse().ok().filter(|n| (1..=16).contains(n)).ok_or_else(|| format!("--scale «{raw}»: từ 1 đến 16"))
}

fn panel(raw: &str) -> Result<Panel, String> {
    match raw {
        "mono128x64" => Ok(Panel::Mono128x64),
        "rgb64x32" => Ok(Panel::Rgb64x32),
        other => Err(format!("bảng «{other}» không có (mono128x64, rgb64x32)")),
    }
}

/// Where the unit is drawn.
enum Output {
    Png {
        path: PathBuf,
        scale: u32,
    },
    #[cfg(feature = "rpi")]
    Spi(motcua_firmware::spi::Ssd1306),
}

fn draw(unit: &DisplayUnit, panel: Panel, output: &mut Output, now_ms: u64) -> Result<(), String> {
    match output {
        Output::Png { path, scale } => {
            let saved = match panel {
                Panel::Mono128x64 => {
                    let mut fb = Framebuffer::<BinaryColor>::new(panel.size());
                    let _ = render::draw(unit, &mut fb, panel, &render::MONO, now_ms);
                    fb.save_png(path, *scale)
                }
                Panel::Rgb64x32 => {
                    let mut fb = Framebuffer::<Rgb565>::new(panel.size());
                    let _ = render::draw(unit, &mut fb, panel, &render::rgb(unit.brightness()), now_ms);
                    fb.save_png(path, *scale)
                }
            };
            saved.map_err(|e| format!("không ghi được {}: {e}", path.display()))
        }
        #[cfg(feature = "rpi")]
        Output::Spi(oled) => {
            let mut fb = Framebuffer::<BinaryColor>::new(Panel::Mono128x64.size());
            let _ = render::draw(unit, &mut fb, Panel::Mono128x64, &render::MONO, now_ms);
            oled.set_brightness(unit.brightness()).and_then(|()| oled.flush(&fb)).map_err(|e| format!("bảng SPI: {e}"))
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let mut port = serialport::new(&args.port, args.baud)
        .timeout(Duration::from_millis(20))
        .open()
        .map_err(|e| format!("không mở được {}: {e}", args.port))?;
    let mut output = match (&args.png, args.spi) {
        #[cfg(feature = "rpi")]
        (_, true) => Output::Spi(motcua_firmware::spi::Ssd1306::open().map_err(|e| format!("bảng SPI: {e}"))?),
        #[cfg(not(feature = "rpi"))]
        (_, true) => return Err("bản dựng này không có --spi (cần tính năng rpi)".into()),
        (Some(path), false) => Output::Png { path: path.clone(), scale: args.scale },
        (None, false) => return Err("cần --png hoặc --spi".into()),
    };
    let start = Instant::now();
    let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut unit = DisplayUnit::new(args.address);
    let mut drawn: Option<(u32, bool)> = None;
    let mut buf = [0u8; 256];
    loop {
        match port.read(&mut buf) {
            Ok(n) => {
                for &byte in &buf[..n] {
                    if let Some(reply) = unit.receive(byte, now()) {
                        port.write_all(reply.bytes())
                            .and_then(|()| port.flush())
                            .map_err(|e| format!("không trả lời được: {e}"))?;
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
            Err(e) => return Err(format!("mất kết nối {}: {e}", args.port)),
        }
        let t = now();
        let state = (unit.frames(), unit.number_visible(t));
        if drawn != Some(state) {
            draw(&unit, args.panel, &mut output, t)?;
            drawn = Some(state);
        }
    }
}

fn main() -> ExitCode {
    let args = match motcua_protocol::cli::parse::<Args>(std::env::args(), "counter-display", &mut std::io::stdout()) {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("counter-display: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("counter-display: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(words: &[&str]) -> Result<Option<Args>, motcua_protocol::cli::CliError> {
        let words = std::iter::once("counter-display").chain(words.iter().copied()).map(String::from);
        motcua_protocol::cli::parse::<Args>(words, "counter-display", &mut Vec::new())
    }

    #[test]
    fn arguments_as_an_installer_types_them() {
        Args::command().debug_assert();
        let args = parse(&["--port", "/dev/ttyUSB0", "--address", "3", "--spi"]).expect("parses").expect("not help");
        assert_eq!((args.address, args.baud, args.panel, args.scale), (3, 9600, Panel::Mono128x64, 4));
        for (words, says) in [
            (&["--port", "p", "--address", "0", "--spi"][..], "--address «0»: từ 1 đến 32"),
            (&["--port", "p", "--address", "3"][..], "thiếu --png TỆP"),
            (&["--port", "p", "--address", "3", "--spi", "--panel", "lcd"][..], "bảng «lcd» không có"),
            (&["--port", "p", "--address", "3", "--spi", "--scale", "0"][..], "«0»"),
            (&["--port", "p", "--address", "3", "--spi", "--baud", "0"][..], "--baud «0»: cần một tốc độ chuẩn"),
            (&["--port", "p", "--address", "3", "--spi", "--baud", "abc"][..], "--baud «abc»"),
            (&["--port", "p", "--address", "3", "--spi", "--baud", "9601"][..], "«9601»"),
        ] {
            let e = parse(words).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(says) && e.ends_with("xem counter-display --help"), "{words:?}: {e}");
        }
    }
}
