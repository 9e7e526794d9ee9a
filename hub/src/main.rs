//! `province-hub`: the provincial hub's command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use motcua_protocol::cli::{HELP_TEMPLATE, HelpFlag};
use province_hub::{Config, db};

/// Máy chủ tỉnh của motcua: nhận nhật ký sự kiện của mọi trung tâm một cửa, lưu vào PostgreSQL,
/// phục vụ trang giám sát toàn tỉnh (/province), trang công khai số người chờ (/waits) và báo cáo.
#[derive(Debug, Parser)]
#[command(
    name = "province-hub",
    version,
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true,
    subcommand_help_heading = "Lệnh",
    subcommand_value_name = "LỆNH",
    next_help_heading = "Tùy chọn",
    help_template = HELP_TEMPLATE
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    help: HelpFlag,
    /// In phiên bản
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chạy máy chủ tỉnh theo tệp cấu hình.
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Serve {
        /// Tệp cấu hình TOML (xem deploy/hub.example.toml).
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Địa chỉ lắng nghe, thay cho listen trong cấu hình.
        #[arg(long, value_name = "ĐỊA_CHỈ", value_parser = motcua_protocol::cli::socket_address)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Thu hồi mọi mã truy cập của một trung tâm và cấp mã mới (lộ mã, thay máy).
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    ReplaceToken {
        /// Tệp cấu hình TOML.
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Mã đơn vị của trung tâm.
        #[arg(long, value_name = "MÃ")]
        code: String,
    },
    /// Cất nhật ký đã nhận của một trung tâm (thành MÃ~N, vẫn xem được báo cáo) để trung tâm gửi
    /// nhật ký mới từ đầu: máy cài lại hoặc khôi phục bản sao lưu (bị từ chối "diverged").
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    ArchiveLog {
        /// Tệp cấu hình TOML.
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Mã đơn vị của trung tâm.
        #[arg(long, value_name = "MÃ")]
        code: String,
    },
    /// Gỡ cảnh báo nhật ký bị sửa của một trung tâm sau khi đã kiểm tra (ghi lại ghi chú).
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    ClearAlert {
        /// Tệp cấu hình TOML.
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Mã đơn vị của trung tâm.
        #[arg(long, value_name = "MÃ")]
        code: String,
        /// Đã kiểm tra gì, kết luận ra sao.
        #[arg(long, value_name = "GHI_CHÚ")]
        note: String,
    },
    /// Thêm (hoặc đổi tên) một trung tâm và in mã truy cập cho đường truyền của nó.
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    AddCentre {
        /// Tệp cấu hình TOML.
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Mã đơn vị chính thức của trung tâm.
        #[arg(long, value_name = "MÃ")]
        code: String,
        /// Tên trung tâm.
        #[arg(long, value_name = "TÊN")]
        name: String,
        /// Địa chỉ.
        #[arg(long, value_name = "ĐỊA_CHỈ", default_value = "")]
        address: String,
    },
    /// Cấp mã xem trang giám sát: toàn tỉnh, hoặc một trung tâm với --centre.
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    AddViewer {
        /// Tệp cấu hình TOML.
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Tên người xem.
        #[arg(long, value_name = "TÊN")]
        name: String,
        /// Chỉ xem được trung tâm có mã này.
        #[arg(long, value_name = "MÃ")]
        centre: Option<String>,
    },
    /// Chạy thử: một PostgreSQL tạm và ba trung tâm mẫu (cổng kế tiếp) gửi nhật ký về; in mã xem.
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Demo {
        /// Địa chỉ lắng nghe.
        #[arg(long, value_name = "ĐỊA_CHỈ", default_value = "127.0.0.1:8090", value_parser = motcua_protocol::cli::socket_address)]
        listen: std::net::SocketAddr,
    },
}

/// A small pool for a command, the tables migrated.
async fn admin_pool(config: &PathBuf) -> anyhow::Result<deadpool_postgres::Pool> {
    let config = read_config(config)?;
    let pool = db::pool(&config.database, 2)?;
    db::migrate(&pool).await?;
    Ok(pool)
}

fn read_config(path: &PathBuf) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path).with_context(|| format!("không đọc được {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("tệp cấu hình {} sai", path.display()))
}

/// Ctrl-C or SIGTERM (systemd's stop). Both are taken from the call on, not from the first
/// poll: one that comes while the demo is still starting its PostgreSQL ends the demo once it
/// can, with that PostgreSQL stopped, instead of killing the process and leaving it running.
fn shutdown() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    async move {
        tokio::select! {
            _ = wait(interrupt.as_mut()) => {}
            _ = wait(term.as_mut()) => {}
        }
    }
}

/// One signal's next arrival; never, for one that could not be listened to.
async fn wait(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

fn main() -> std::process::ExitCode {
    let cli = match motcua_protocol::cli::parse::<Cli>(std::env::args(), "province-hub", &mut std::io::stdout()) {
        Ok(Some(cli)) => cli,
        Ok(None) => return std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("province-hub: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let done = tokio::runtime::Runtime::new()
        .map_err(|e| anyhow::anyhow!("không khởi động được: {e}"))
        .and_then(|runtime| runtime.block_on(run(cli)));
    match done {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("province-hub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match cli.command {
        Command::Serve { config, listen } => {
            let mut config = read_config(&config)?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            let hub = province_hub::connect(&config).await?;
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("không mở được cổng {}", config.listen))?;
            tracing::info!("máy chủ tỉnh nghe tại http://{}", config.listen);
            province_hub::run(listener, hub, shutdown()).await
        }
        Command::AddCentre { config, code, name, address } => {
            let pool = admin_pool(&config).await?;
            let token = db::add_centre(&pool, &code, &name, &address).await?;
            println!("Đã đăng ký trung tâm {code} ({name}).");
            println!("Mã truy cập (ghi vào [hub] token trong cấu hình của trung tâm, chỉ in một lần): {token}");
            Ok(())
        }
        Command::ReplaceToken { config, code } => {
            let pool = admin_pool(&config).await?;
            let token = db::replace_token(&pool, &code).await?;
            println!("Đã thu hồi các mã cũ của {code}. Mã truy cập mới (chỉ in một lần): {token}");
            Ok(())
        }
        Command::ArchiveLog { config, code } => {
            let pool = admin_pool(&config).await?;
            let archived = db::archive_log(&pool, &code).await?;
            println!("Nhật ký đã nhận của {code} được cất thành {archived}; trung tâm sẽ gửi nhật ký mới từ đầu.");
            Ok(())
        }
        Command::ClearAlert { config, code, note } => {
            let pool = admin_pool(&config).await?;
            match db::clear_alert(&pool, &code, &note).await? {
                Some(id) => println!("Đã gỡ cảnh báo sự kiện số {id} của {code} (ghi chú đã lưu)."),
                None => println!("Trung tâm {code} không có cảnh báo nhật ký."),
            }
            Ok(())
        }
        Command::AddViewer { config, name, centre } => {
            let pool = admin_pool(&config).await?;
            let token = db::add_viewer(&pool, &name, centre.as_deref()).await?;
            println!("Mã xem của {name} (chỉ in một lần): {token}");
            Ok(())
        }
        Command::Demo { listen } => {
            let stopping = shutdown();
            println!("Đang khởi động PostgreSQL tạm…");
            let cluster = province_hub::pg::LocalCluster::start(false)?;
            let config = Config { listen, ..Config::for_database(cluster.url()) };
            let hub = province_hub::connect(&config).await?;
            let viewer = db::add_viewer(&hub.pool, "Giám sát tỉnh (thử)", None).await?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            // Three demo centres in this process, each with its own SQLite file, shipping here.
            let dir = tempfile::tempdir()?;
            let (stop, _) = tokio::sync::watch::channel(false);
            for (i, (code, _, _)) in province_hub::demo::CENTRES.iter().enumerate() {
                let token =
                    db::add_centre(&hub.pool, code, province_hub::demo::CENTRES[i].1, province_hub::demo::CENTRES[i].2)
                        .await?;
                let mut config = queue_server::Config::demo();
                config.hub = Some(queue_server::config::HubLink {
                    url: format!("http://{listen}"),
                    unit_code: code.to_string(),
                    token,
                    batch_size: 500,
                    heartbeat_seconds: 5,
                    retry_max_seconds: 5,
                });
                let options = queue_server::Options {
                    config,
                    db: dir.path().join(format!("{code}.db")),
                    demo: true,
                    clock: std::sync::Arc::new(queue_server::domain::SystemClock),
                };
                let app = queue_server::build(options).map_err(|e| anyhow::anyhow!("{e}"))?;
                let at = std::net::SocketAddr::new(listen.ip(), listen.port() + 1 + i as u16);
                let centre =
                    tokio::net::TcpListener::bind(at).await.with_context(|| format!("không mở được cổng {at}"))?;
                let mut stopped = stop.subscribe();
                tokio::spawn(queue_server::run(centre, app, async move {
                    let _ = stopped.changed().await;
                }));
                println!("Trung tâm {code}: http://{at} (màn hình chờ /board, quầy /counter, đặt lịch /book)");
            }
            println!("Mã xem toàn tỉnh: {viewer}");
            println!("Trang giám sát: http://{listen}/province   Trang công khai: http://{listen}/waits");
            let served = province_hub::run(listener, hub, stopping).await;
            let _ = stop.send(true);
            drop(cluster);
            served
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
        let mut help = Vec::new();
        let words = ["province-hub", "add-centre", "--help"].map(String::from);
        assert!(motcua_protocol::cli::parse::<Cli>(words, "province-hub", &mut help).expect("help").is_none());
        let help = String::from_utf8(help).expect("utf-8");
        assert!(help.contains("Cách dùng: province-hub add-centre") && help.contains("Tùy chọn:"), "{help}");
        assert!(!help.contains("Usage") && !help.contains("Options"), "{help}");
        let words = ["province-hub", "add-centre", "--config", "hub.toml"].map(String::from);
        let e = motcua_protocol::cli::parse::<Cli>(words, "province-hub", &mut Vec::new()).expect_err("no code");
        assert!(e.to_string().starts_with("thiếu --code MÃ, --name TÊN"), "{e}");
    }
}
