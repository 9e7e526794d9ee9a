//! Renders every kiosk screen headlessly at 1280×800 and 800×480 into PNG files:
//! `cargo run -p kiosk-ui --example screenshots -- docs/img`.

use std::path::{Path, PathBuf};

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use kiosk_ui::ui::{AppWindow, Nav};
use slint::ComponentHandle;

/// Screen names, in `Nav.screen` order.
const SCREENS: [&str; 6] = ["home", "ticket", "dossier", "catalogue", "checkin", "rating"];

fn save(path: &Path, snapshot: &slint::SharedPixelBuffer<slint::Rgba8Pixel>) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, snapshot.width(), snapshot.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(snapshot.as_bytes())?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .map_err(|e| format!("{e:?}"))?;
    let app = AppWindow::new()?;
    app.show()?;
    for (w, h) in [(1280, 800), (800, 480)] {
        app.window().set_size(slint::PhysicalSize::new(w, h));
        for (i, name) in SCREENS.iter().enumerate() {
            app.global::<Nav>().set_screen(i as i32);
            let snapshot = app.window().take_snapshot()?;
            let path = dir.join(format!("kiosk-{name}-{w}x{h}.png"));
            save(&path, &snapshot)?;
            println!("{}", path.display());
        }
    }
    Ok(())
}
