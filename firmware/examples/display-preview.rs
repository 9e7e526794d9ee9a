//! Draws counter 3 showing 1012 on both panel layouts: `cargo run -p motcua-firmware --example
//! display-preview -- docs/img`.

use embedded_graphics::pixelcolor::{BinaryColor, Rgb565};
use motcua_firmware::render::{self, Panel};
use motcua_firmware::unit::DisplayUnit;
use motcua_hardware::display_bus::label;
use motcua_hardware::sim::panel::Framebuffer;
use motcua_protocol::display::{Frame, Message};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let mut unit = DisplayUnit::new(3);
    unit.apply(Frame { address: 3, message: Message::Show { number: 1012, label: label("Quầy 3") } }, 0);
    let mut mono = Framebuffer::<BinaryColor>::new(Panel::Mono128x64.size());
    render::draw(&unit, &mut mono, Panel::Mono128x64, &render::MONO, 0)?;
    mono.save_png(&dir.join("display-mono-128x64.png"), 4)?;
    let mut rgb = Framebuffer::<Rgb565>::new(Panel::Rgb64x32.size());
    render::draw(&unit, &mut rgb, Panel::Rgb64x32, &render::rgb(15), 0)?;
    rgb.save_png(&dir.join("display-rgb-64x32.png"), 8)?;
    println!("wrote {}/display-mono-128x64.png and display-rgb-64x32.png", dir.display());
    Ok(())
}
