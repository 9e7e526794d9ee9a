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

struct Args {
    port: String,
    address: u8,
    baud: u32,
    panel: Panel,
    png: Option<PathBuf>,
    scale: u32,
    spi: bool,
}

fn parse() -> Result<Args, String> {
    let mut args =
        Args { port: String::new(), address: 0, baud: 9600, panel: Panel::Mono128x64, png: None, scale: 4, spi: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} cần một giá trị"));
        match flag.as_str() {
            "--port" => args.port = value()?,
            "--address" => args.address = value()?.parse().map_err(|_| "--address từ 1 đến 32".to_string())?,
            "--baud" => args.baud = value()?.parse().map_err(|_| "--baud không hợp lệ".to_string())?,
            "--panel" => {
                args.panel = match value()?.as_str() {
                    "mono128x64" => Panel::Mono128x64,
                    "rgb64x32" => Panel::Rgb64x32,
                    other => return Err(format!("bảng «{other}» không có (mono128x64, rgb64x32)")),
                }
            }
            "--png" => args.png = Some(value()?.into()),
            "--scale" => args.scale = value()?.parse().map_err(|_| "--scale không hợp lệ".to_string())?,
            "--spi" => args.spi = true,
            "-h" | "--help" => {
                return Err("counter-display --port CỔNG --address 1..32 [--baud 9600] [--panel mono128x64|rgb64x32] [--png TỆP] [--scale 4] [--spi]".into());
            }
            other => return Err(format!("không hiểu tùy chọn «{other}»")),
        }
    }
    if args.port.is_empty() || !(1..=32).contains(&args.address) {
        return Err("cần --port và --address (1..32)".into());
    }
    if args.png.is_none() && !args.spi {
        return Err("cần --png TỆP (bảng mô phỏng) hoặc --spi (bảng thật trên Raspberry Pi)".into());
    }
    Ok(args)
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
    match parse().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("counter-display: {message}");
            ExitCode::FAILURE
        }
    }
}
