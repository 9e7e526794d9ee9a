//! `queue-server`: reads arguments and configuration, sets up logging, binds and runs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use queue_server::cli::HELP_TEMPLATE;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options, demo};

/// `queue-server`: serves a centre, or runs one of the commands.
#[derive(Debug, Parser)]
#[command(
    name = "queue-server",
    version,
    about = "queue-server — máy chủ xếp hàng của Trung tâm Phục vụ hành chính công (motcua)",
    override_usage = "queue-server --demo [--listen ĐỊA_CHỈ] [--db TỆP]\n       \
                      queue-server --config TỆP.toml [--listen ĐỊA_CHỈ] [--db TỆP]\n       \
                      queue-server LỆNH … (xem queue-server LỆNH --help)",
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true,
    subcommand_help_heading = "Lệnh",
    subcommand_value_name = "LỆNH",
    next_help_heading = "Tùy chọn",
    help_template = HELP_TEMPLATE
)]
struct Cli {
    /// Chạy trung tâm mẫu dựng sẵn (15 lĩnh vực, 12 quầy, thủ tục và hồ sơ mẫu)
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Tệp cấu hình TOML (xem deploy/motcua.example.toml)
    #[arg(long, value_name = "TỆP")]
    config: Option<PathBuf>,
    /// Địa chỉ lắng nghe, mặc định 127.0.0.1:8080 (demo) hoặc theo cấu hình
    #[arg(long, value_name = "ĐỊA_CHỈ", value_parser = queue_server::cli::socket_address)]
    listen: Option<SocketAddr>,
    /// Tệp SQLite, mặc định motcua-demo.db (demo) hoặc theo cấu hình
    #[arg(long, value_name = "TỆP")]
    db: Option<PathBuf>,
    #[command(flatten)]
    flags: motcua_protocol::cli::StandardFlags,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The commands; each reads its own arguments (`queue-server LỆNH --help`).
#[derive(Debug, Subcommand)]
enum Command {
    /// Quản lý tài khoản cán bộ (add, passwd, unlock, list)
    #[command(disable_help_flag = true)]
    User(Rest),
    /// Tạo mã truy cập cho kiosk, màn hình, quầy (add)
    #[command(disable_help_flag = true)]
    Device(Rest),
    /// Nhập danh mục thủ tục từ tệp CSV hoặc XLSX (import)
    #[command(disable_help_flag = true)]
    Catalogue(Rest),
    /// Nhập hồ sơ từ tệp hệ thống TTHC của tỉnh xuất ra (import)
    #[command(disable_help_flag = true)]
    Dossiers(Rest),
    /// Sao lưu cơ sở dữ liệu khi máy chủ đang chạy
    #[command(disable_help_flag = true)]
    Backup(Rest),
}

/// A command's own words, read by the command itself.
#[derive(Debug, clap::Args)]
struct Rest {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    words: Vec<String>,
}

/// Prints the demo's welcome; a closed output (`queue-server --demo | head`) is no error.
fn banner(addr: SocketAddr, config: &Config) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(banner_text(addr, config).as_bytes());
}

fn banner_text(addr: SocketAddr, config: &Config) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    // Writing to a String does not fail.
    macro_rules! println {
        () => { let _ = writeln!(out); };
        ($($arg:tt)*) => { let _ = writeln!(out, $($arg)*); };
    }
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
    out
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
    let fail = |e: anyhow::Error| {
        eprintln!("queue-server: {e:#}");
        std::process::ExitCode::FAILURE
    };
    let mut out = std::io::stdout();
    let cli = match queue_server::cli::parse::<Cli>(std::env::args(), "queue-server", &mut out) {
        Ok(Some(cli)) => cli,
        Ok(None) => return std::process::ExitCode::SUCCESS,
        Err(e) => return fail(e.into()),
    };
    type Run = fn(&[String], &mut dyn std::io::Write) -> anyhow::Result<()>;
    let (name, rest, run): (&str, _, Run) = match cli.command {
        None => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => return fail(anyhow::anyhow!("không khởi động được: {e}")),
            };
            return match runtime.block_on(serve(cli)) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => fail(e),
            };
        }
        Some(Command::User(rest)) => ("user", rest, queue_server::accounts::cli::run),
        Some(Command::Device(rest)) => ("device", rest, queue_server::accounts::cli::run),
        Some(Command::Catalogue(rest)) => ("catalogue", rest, queue_server::catalogue::cli::run),
        Some(Command::Dossiers(rest)) => ("dossiers", rest, queue_server::dossiers::import::run),
        Some(Command::Backup(rest)) => ("backup", rest, queue_server::backup::run),
    };
    // `queue-server --config x.toml user list` means the same as `queue-server user list --config x.toml`.
    let mut words: Vec<String> = std::iter::once(name.to_string()).chain(rest.words).collect();
    if let Some(config) = &cli.config {
        words.extend(["--config".to_string(), config.display().to_string()]);
    }
    if cli.demo {
        words.push("--demo".to_string());
    }
    if let Some(db) = &cli.db {
        words.extend(["--db".to_string(), db.display().to_string()]);
    }
    match run(&words, &mut out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

async fn serve(args: Cli) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if !args.demo && args.config.is_none() {
        anyhow::bail!("cần --demo hoặc --config TỆP; xem queue-server --help");
    }
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
    // Held until the process ends: no second server on this database.
    let _sole = queue_server::store::sole_server(&db)?;
    // The port before the database: a port in use leaves no new database file behind.
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "cổng đang được một chương trình khác dùng".to_string(),
            std::io::ErrorKind::AddrNotAvailable => "máy này không có địa chỉ đó".to_string(),
            std::io::ErrorKind::PermissionDenied => "không có quyền mở cổng dưới 1024".to_string(),
            _ => format!("lỗi hệ thống ({e})"),
        };
        anyhow::anyhow!("không mở được cổng {listen}: {why}")
    })?;
    let app = queue_server::build(Options {
        config: config.clone(),
        db: db.clone(),
        demo: args.demo,
        clock: Arc::new(SystemClock),
    })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %db.display(), "queue server listening");
    if args.demo {
        banner(addr, &config);
    }
    queue_server::run(listener, app, shutdown_signal()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn arguments_are_well_formed_and_refused_in_vietnamese() {
        Cli::command().debug_assert();
        let parse = |words: &[&str]| {
            let words = std::iter::once("queue-server").chain(words.iter().copied()).map(String::from);
            queue_server::cli::parse::<Cli>(words, "queue-server", &mut Vec::new())
        };
        let cli = parse(&["--demo", "--listen", "0.0.0.0:9000"]).expect("parses").expect("not help");
        assert!(cli.demo);
        assert_eq!(cli.listen, Some(SocketAddr::from(([0, 0, 0, 0], 9000))));
        let e = parse(&["--listen", "xx", "--demo"]).expect_err("bad address").to_string();
        assert!(e.contains("địa chỉ «xx» không hợp lệ"), "{e}");
        let e = parse(&["--demo", "--config", "a.toml"]).expect_err("both").to_string();
        assert!(e.contains("không dùng cùng lúc"), "{e}");
        let e = parse(&["--bogus"]).expect_err("unknown").to_string();
        assert!(e.starts_with("không hiểu tùy chọn «--bogus»"), "{e}");
        let e = parse(&["frob"]).expect_err("no such command").to_string();
        assert!(e.contains("«frob»"), "{e}");
        // A command's own words, hyphens and all, go to the command.
        let cli = parse(&["user", "add", "lan", "--role", "officer", "--help"]).expect("parses").expect("not help");
        let Some(Command::User(rest)) = cli.command else { panic!("user command") };
        assert_eq!(rest.words, ["add", "lan", "--role", "officer", "--help"]);
        // The centre named before the command reaches the command.
        let cli = parse(&["--config", "m.toml", "user", "list"]).expect("parses").expect("not help");
        assert_eq!(cli.config, Some(PathBuf::from("m.toml")));
        let mut help = Vec::new();
        let words = ["queue-server", "--help"].map(String::from);
        assert!(queue_server::cli::parse::<Cli>(words, "queue-server", &mut help).expect("help").is_none());
        let help = String::from_utf8(help).expect("utf-8");
        for word in ["Cách dùng:", "Lệnh:", "Tùy chọn:", "backup", "catalogue", "--listen <ĐỊA_CHỈ>"] {
            assert!(help.contains(word), "{word} in {help}");
        }
        assert!(!help.contains("Usage") && !help.contains("Options"), "{help}");
    }
}
