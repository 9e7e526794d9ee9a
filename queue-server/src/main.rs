//! `queue-server`: reads arguments and configuration, sets up logging, binds and runs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options, demo};

const HELP: &str = "queue-server — máy chủ xếp hàng của Trung tâm Phục vụ hành chính công (motcua)

Cách dùng:
  queue-server --demo [--listen ĐỊA_CHỈ] [--db TỆP]
  queue-server --config TỆP.toml [--listen ĐỊA_CHỈ] [--db TỆP]
  queue-server user … | device …   (xem queue-server user --help)
  queue-server catalogue import TỆP.xlsx|csv --config TỆP.toml [--dry-run]
                                   nhập danh mục thủ tục (xem queue-server catalogue --help)
  queue-server dossiers import TỆP.json|xlsx|csv --config TỆP.toml
                                   nhập hồ sơ từ tệp hệ thống của tỉnh xuất ra
  queue-server backup TỆP --db TỆP.db | --config TỆP.toml
                                   sao lưu cơ sở dữ liệu khi máy chủ đang chạy

Tùy chọn:
  --demo           chạy trung tâm mẫu dựng sẵn (15 lĩnh vực, 12 quầy, thủ tục và hồ sơ mẫu)
  --config TỆP     tệp cấu hình TOML (xem deploy/motcua.example.toml)
  --listen ĐC      địa chỉ lắng nghe, mặc định 127.0.0.1:8080 (demo) hoặc theo cấu hình
  --db TỆP         tệp SQLite, mặc định motcua-demo.db (demo) hoặc theo cấu hình
  -h, --help       in hướng dẫn này
  -V, --version    in phiên bản
";

struct Args {
    config: Option<PathBuf>,
    demo: bool,
    listen: Option<SocketAddr>,
    db: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Option<Args>> {
    let mut args = Args { config: None, demo: false, listen: None, db: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} cần một giá trị"));
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("queue-server {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--demo" => args.demo = true,
            "--config" => args.config = Some(value("--config")?.into()),
            "--db" => args.db = Some(value("--db")?.into()),
            "--listen" => {
                let raw = value("--listen")?;
                args.listen =
                    Some(raw.parse().with_context(|| format!("địa chỉ «{raw}» không hợp lệ, ví dụ 0.0.0.0:8080"))?);
            }
            other => anyhow::bail!("không hiểu tùy chọn «{other}»; xem queue-server --help"),
        }
    }
    match (&args.config, args.demo) {
        (Some(_), true) => anyhow::bail!("chọn một trong --demo hoặc --config"),
        (None, false) => anyhow::bail!("cần --demo hoặc --config TỆP; xem queue-server --help"),
        _ => Ok(Some(args)),
    }
}

fn banner(addr: SocketAddr, config: &Config) {
    let base = format!("http://{addr}");
    println!("\nmotcua — trung tâm mẫu đang chạy tại {base}");
    println!("  {}", config.centre.name);
    println!(
        "  {} lĩnh vực, {} quầy (nhận số cả ngoài giờ để dùng thử)\n",
        config.centre.services.len(),
        config.centre.counters.len()
    );
    println!("Mã truy cập (Authorization: Bearer …):");
    for (token, what) in demo::TOKENS {
        println!("  {token:<16} {what}");
    }
    println!("\nTài khoản cán bộ (đăng nhập tại {base}/login):");
    for (user, password, role, name) in demo::STAFF {
        println!("  {user:<10} {password:<14} {role:<11} {name}");
    }
    println!("\nThử ngay:");
    println!("  curl {base}/api/v1/services");
    println!(
        "  curl -H 'Authorization: Bearer demo-kiosk' -H 'Content-Type: application/json' -d '{{\"service\":\"DD\"}}' {base}/api/v1/tickets"
    );
    println!("  curl -X POST -H 'Authorization: Bearer demo-counter' {base}/api/v1/counters/1/open");
    println!("  curl -X POST -H 'Authorization: Bearer demo-counter' {base}/api/v1/counters/1/next");
    println!("  curl -N {base}/api/v1/events");
    println!("\nTrang cho cán bộ và màn hình:");
    println!("  {base}/counter       bàn làm việc tại quầy (cán bộ)");
    println!("  {base}/board         bảng gọi số cho TV phòng chờ, có đọc số bằng giọng nói");
    println!("  {base}/supervisor    giám sát trực tiếp và cảnh báo (lãnh đạo)");
    println!("  {base}/reports       báo cáo theo khoảng ngày, xuất CSV/XLSX (lãnh đạo)");
    println!("\nTrang cho công dân (mở bằng trình duyệt):");
    println!("  {base}/book          đặt lịch hẹn (Căn cước – Cư trú, Tư pháp – Hộ tịch)");
    println!("  {base}/lookup        tra cứu hồ sơ");
    println!("  {base}/t/MÃ-PHIẾU    theo dõi lượt gọi của một phiếu");
    println!("\nHồ sơ mẫu (GET {base}/api/v1/dossiers/MÃ):");
    for (code, status) in demo::dossier_codes() {
        println!("  {code}  {status} {}", demo::dossier_situation(code));
    }
    println!();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("user" | "device")) {
        if args.iter().any(|a| a == "--help" || a == "-h") {
            println!("{}", queue_server::accounts::cli::HELP);
            return std::process::ExitCode::SUCCESS;
        }
        return match queue_server::accounts::cli::run(&args) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("queue-server: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let command = match args.first().map(String::as_str) {
        Some("catalogue") => Some(queue_server::catalogue::cli::run as fn(&[String], &mut dyn std::io::Write) -> _),
        Some("dossiers") => Some(queue_server::dossiers::import::run as fn(&[String], &mut dyn std::io::Write) -> _),
        Some("backup") => Some(queue_server::backup::run as fn(&[String], &mut dyn std::io::Write) -> _),
        _ => None,
    };
    if let Some(command) = command {
        return match command(&args, &mut std::io::stdout()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("queue-server: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("queue-server: không khởi động được: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("queue-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let Some(args) = parse_args()? else { return Ok(()) };
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::demo(),
    };
    let listen = args
        .listen
        .or(config.listen.filter(|_| !args.demo))
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let db = args
        .db
        .clone()
        .or_else(|| config.db.clone().filter(|_| !args.demo))
        .unwrap_or_else(|| PathBuf::from(if args.demo { "motcua-demo.db" } else { "motcua.db" }));
    let app = queue_server::build(Options {
        config: config.clone(),
        db: db.clone(),
        demo: args.demo,
        clock: Arc::new(SystemClock),
    })?;
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("không mở được cổng {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %db.display(), "queue server listening");
    if args.demo {
        banner(addr, &config);
    }
    queue_server::run(listener, app, shutdown_signal()).await?;
    Ok(())
}
