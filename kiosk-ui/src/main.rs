//! `kiosk-ui`: the touch kiosk. Without `--config` it is the demo kiosk: the demo server on this
//! machine (`queue-server --demo`), the simulated printer saving pictures to `kiosk-printed/`.

use std::process::ExitCode;

use kiosk_ui::config::{self, KioskConfig};
use slint::ComponentHandle;

fn start() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let config: KioskConfig = match (args.next().as_deref(), args.next()) {
        (None, _) => KioskConfig::default(),
        (Some("--config"), Some(path)) => config::load(std::path::Path::new(&path)).map_err(|e| e.to_string())?,
        _ => return Err("kiosk-ui [--config kiosk.toml]".into()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (_core, app, _timer) = kiosk_ui::app::start(config.clone(), &runtime)?;
    app.window().set_size(slint::LogicalSize::new(config.screen.width as f32, config.screen.height as f32));
    app.window().set_fullscreen(config.screen.fullscreen);
    tracing::info!(server = %config.server_url, "kiosk started");
    app.run().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    // Colours only on a terminal: the journal and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).init();
    match start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosk-ui: {e}");
            ExitCode::FAILURE
        }
    }
}
