//! The display firmware as a real process on one end of a `socat` pseudo-terminal pair, driven by
//! the host driver from `motcua_hardware` on the other end: it shows what it is told, answers
//! pings, and its rendered pixels are the ones the firmware library draws.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use embedded_graphics::pixelcolor::BinaryColor;
use motcua_firmware::render::{self, Panel};
use motcua_firmware::unit::DisplayUnit;
use motcua_hardware::display_bus::{DisplayBus, label};
use motcua_hardware::sim::panel::{Framebuffer, read_png};
use motcua_hardware::sim::pty::PtyPair;
use motcua_hardware::transport::SerialTransport;
use motcua_protocol::display::{Frame, Message};

struct Firmware(Child);

impl Drop for Firmware {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(port: &str, address: u8, png: &Path) -> Firmware {
    let child = Command::new(env!("CARGO_BIN_EXE_counter-display"))
        .args(["--port", port, "--address", &address.to_string(), "--scale", "1", "--png"])
        .arg(png)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("firmware starts");
    Firmware(child)
}

/// Pings until the display answers: the process is up and reading its port.
fn wait_until_answering(bus: &mut DisplayBus<SerialTransport>, address: u8) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while bus.ping(address).is_err() {
        assert!(Instant::now() < deadline, "display {address} never answered");
    }
}

/// Reads the PNG until it shows `expected` (the file is replaced whole at every change).
fn wait_for_pixels(png: &Path, expected: &Framebuffer<BinaryColor>) -> Vec<u8> {
    let want: Vec<u8> = expected.pixels().iter().flat_map(|c| if c.is_on() { [255u8; 3] } else { [0u8; 3] }).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((w, h, rgb)) = read_png(png) {
            assert_eq!((w, h), (128, 64), "the 128x64 panel at scale 1");
            if rgb == want {
                return rgb;
            }
        }
        assert!(Instant::now() < deadline, "the panel never showed the expected picture");
        std::thread::yield_now();
    }
}

#[test]
fn display_3_shows_1012_sent_over_a_pty_and_answers_pings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pty = PtyPair::open(dir.path(), "bus").expect("socat pair");
    let png = dir.path().join("panel.png");
    let _firmware = start(pty.b(), 3, &png);
    let mut bus = DisplayBus::new(SerialTransport::open(pty.a(), 9600).expect("host end"));
    bus.reply_timeout = Duration::from_millis(200);
    wait_until_answering(&mut bus, 3);

    let quay = label("Quầy 3");
    bus.show(4, 2024, label("Quầy 4")).expect("sends to another display");
    bus.show(3, 1012, quay).expect("sends");
    let status = bus.ping(3).expect("answers");
    assert_eq!(status.number, Some(1012), "display 3 took its frame and ignored display 4's");

    let mut expected_unit = DisplayUnit::new(3);
    expected_unit.apply(Frame { address: 3, message: Message::Show { number: 1012, label: quay } }, 0);
    let mut expected = Framebuffer::<BinaryColor>::new(Panel::Mono128x64.size());
    render::draw(&expected_unit, &mut expected, Panel::Mono128x64, &render::MONO, 0).expect("draws");
    let rgb = wait_for_pixels(&png, &expected);

    // And on its own terms: the "1" of 1012 lights its right segments, the label row has ink.
    let lit = |x: i32, y: i32| rgb[((y * 128 + x) * 3) as usize] == 255;
    let first = render::digit_cells(Panel::Mono128x64, 4).next().expect("a cell");
    let middle = first.top_left.x + first.size.width as i32 / 2;
    assert!(
        lit(middle, first.top_left.y + 10) && lit(middle, first.top_left.y + 40),
        "the bar of the 1, top and bottom half"
    );
    assert!(!lit(first.top_left.x + 1, first.top_left.y + 10), "nothing at the left edge of the 1");
    assert!((0..128).any(|x| (0..12).any(|y| lit(x, y))), "the label QUAY 3 is drawn");

    // The committed snapshot (docs/img, 4× scale, written by the display-preview example) is the
    // same picture: a change in drawing shows up here and in the README at once.
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/img/display-mono-128x64.png");
    let (gw, gh, golden) = read_png(&golden).expect("the snapshot is committed");
    assert_eq!((gw, gh), (512, 256));
    let downsampled: Vec<u8> = (0..64)
        .flat_map(|y| (0..128).flat_map(move |x| [0, 1, 2].map(|c| ((y * 4) * 512 + x * 4) * 3 + c)))
        .map(|i| golden[i])
        .collect();
    assert!(downsampled == rgb, "the process's panel matches docs/img/display-mono-128x64.png");

    bus.clear(3).expect("clears");
    assert_eq!(bus.ping(3).expect("answers").number, None);
    assert!(bus.ping(7).is_err(), "nobody at address 7");
}

#[test]
fn the_firmware_exits_with_a_message_when_its_line_goes_away() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pty = PtyPair::open(dir.path(), "unplug").expect("socat pair");
    let png = dir.path().join("panel.png");
    let mut firmware = start(pty.b(), 5, &png);
    let mut bus = DisplayBus::new(SerialTransport::open(pty.a(), 9600).expect("host end"));
    bus.reply_timeout = Duration::from_millis(200);
    wait_until_answering(&mut bus, 5);
    drop(bus);
    drop(pty);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = firmware.0.try_wait().expect("waits") {
            break status;
        }
        assert!(Instant::now() < deadline, "the firmware kept running on a dead line");
        std::thread::yield_now();
    };
    assert!(!status.success(), "it exits with an error so its supervisor restarts it");
}
