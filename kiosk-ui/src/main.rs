//! `kiosk-ui`: the touch kiosk. Without `--config` it is the demo kiosk: the demo server on this
//! machine (`queue-server --demo`), the simulated printer saving pictures to `kiosk-printed/`.

use std::process::ExitCode;

use kiosk_ui::config::{self, KioskConfig};
use slint::ComponentHandle;

/// Kiosk cấp số, tra cứu hồ sơ và đánh giá của trung tâm một cửa (motcua). Không có --config:
/// kiosk mẫu nối với máy chủ mẫu trên máy này, máy in mô phỏng lưu ảnh vào kiosk-printed/.
#[derive(Debug, clap::Parser)]
#[command(
    name = "kiosk-ui",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    next_help_heading = "Tùy chọn",
    help_template = motcua_protocol::cli::HELP_TEMPLATE
)]
struct Cli {
    /// Tệp cấu hình TOML của kiosk (xem deploy/kiosk.example.toml)
    #[arg(long, value_name = "TỆP")]
    config: Option<std::path::PathBuf>,
    #[command(flatten)]
    flags: motcua_protocol::cli::StandardFlags,
}

fn start() -> Result<(), String> {
    let cli = match motcua_protocol::cli::parse::<Cli>(std::env::args(), "kiosk-ui", &mut std::io::stdout()) {
        Ok(Some(cli)) => cli,
        Ok(None) => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    let config: KioskConfig = match &cli.config {
        None => KioskConfig::default(),
        Some(path) => config::load(path).map_err(|e| e.to_string())?,
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed_and_speaks_vietnamese() {
        Cli::command().debug_assert();
        let words = ["kiosk-ui", "--cấu-hình"].map(String::from);
        let e = motcua_protocol::cli::parse::<Cli>(words, "kiosk-ui", &mut Vec::new()).expect_err("unknown");
        assert_eq!(e.to_string(), "không hiểu tùy chọn «--cấu-hình»; xem kiosk-ui --help");
    }
}
