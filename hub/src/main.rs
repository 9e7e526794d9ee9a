//! `province-hub`: the provincial hub's command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use province_hub::{Config, db};

/// Máy chủ tỉnh của motcua: nhận nhật ký sự kiện của mọi trung tâm một cửa, lưu vào PostgreSQL,
/// phục vụ trang giám sát toàn tỉnh (/province), trang công khai số người chờ (/waits) và báo cáo.
#[derive(Debug, Parser)]
#[command(name = "province-hub", version, disable_help_subcommand = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chạy máy chủ tỉnh theo tệp cấu hình.
    Serve {
        /// Tệp cấu hình TOML (xem deploy/hub.example.toml).
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Địa chỉ lắng nghe, thay cho listen trong cấu hình.
        #[arg(long, value_name = "ĐỊA_CHỈ")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Thu hồi mọi mã truy cập của một trung tâm và cấp mã mới (lộ mã, thay máy).
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
    ArchiveLog {
        /// Tệp cấu hình TOML.
        #[arg(long, value_name = "TỆP")]
        config: PathBuf,
        /// Mã đơn vị của trung tâm.
        #[arg(long, value_name = "MÃ")]
        code: String,
    },
    /// Gỡ cảnh báo nhật ký bị sửa của một trung tâm sau khi đã kiểm tra (ghi lại ghi chú).
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
    Demo {
        /// Địa chỉ lắng nghe.
        #[arg(long, value_name = "ĐỊA_CHỈ", default_value = "127.0.0.1:8090")]
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

/// Ctrl-C or SIGTERM (systemd's stop).
async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let term = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match Cli::parse().command {
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
            let served = province_hub::run(listener, hub, shutdown()).await;
            let _ = stop.send(true);
            drop(cluster);
            served
        }
    }
}
