//! `display-bridge`: drives a centre's counter number displays from the queue server's live stream,
//! for a display line that is not at the kiosk.
//!
//! ```text
//! display-bridge --config /etc/motcua/bridge.toml
//! ```

use std::process::ExitCode;

use kiosk_ui::config::{self, BridgeConfig};

/// Điều khiển các màn hình số tại quầy theo luồng trực tiếp của máy chủ xếp hàng, cho đường
/// màn hình không nối vào kiosk.
#[derive(Debug, clap::Parser)]
#[command(
    name = "display-bridge",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    next_help_heading = "Tùy chọn",
    help_template = motcua_protocol::cli::HELP_TEMPLATE
)]
struct Cli {
    /// Tệp cấu hình TOML (máy chủ, cổng nối tiếp, các quầy; xem deploy/bridge.example.toml)
    #[arg(long, value_name = "TỆP")]
    config: std::path::PathBuf,
    #[command(flatten)]
    flags: motcua_protocol::cli::StandardFlags,
}

fn main() -> ExitCode {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).init();
    let cli = match motcua_protocol::cli::parse::<Cli>(std::env::args(), "display-bridge", &mut std::io::stdout()) {
        Ok(Some(cli)) => cli,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("display-bridge: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config: BridgeConfig = match config::load(&cli.config) {
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed_and_speaks_vietnamese() {
        Cli::command().debug_assert();
        let words = ["display-bridge", "--cấu-hình"].map(String::from);
        let e = motcua_protocol::cli::parse::<Cli>(words, "display-bridge", &mut Vec::new()).expect_err("unknown");
        assert_eq!(e.to_string(), "không hiểu tùy chọn «--cấu-hình»; xem display-bridge --help");
    }
}
