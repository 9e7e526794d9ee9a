//! `display-bridge`: drives a centre's counter number displays from the queue server's live stream,
//! for a display line that is not at the kiosk.
//!
//! ```text
//! display-bridge --config /etc/motcua/bridge.toml
//! ```

use std::process::ExitCode;

use kiosk_ui::config::{self, BridgeConfig};

fn main() -> ExitCode {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).init();
    let mut args = std::env::args().skip(1);
    let path = match (args.next().as_deref(), args.next()) {
        (Some("--config"), Some(path)) => path,
        _ => {
            eprintln!("display-bridge --config TỆP.toml");
            return ExitCode::FAILURE;
        }
    };
    let config: BridgeConfig = match config::load(std::path::Path::new(&path)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("display-bridge: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Opened when first used and again whenever it fails: a line plugged in later is found.
    let transport = kiosk_ui::bridge::display_line(&config.displays);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("display-bridge: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = stop.send(true);
        });
        kiosk_ui::bridge::run(config, transport, shutdown).await;
    });
    ExitCode::SUCCESS
}
