//! The province's TTHC system as a stand-in, for trying the `[province]` connector by hand (the
//! README's worked example): `cargo run -p queue-server --example fake-province -- --listen
//! 127.0.0.1:9300 --dossiers 10000`.

use clap::Parser;
use queue_server::dossiers::fake_province::{self, FakeProvince};

/// Giả lập hệ thống thông tin giải quyết TTHC của tỉnh (qua LGSP) để thử kết nối.
#[derive(Parser)]
#[command(name = "fake-province")]
struct Args {
    /// Địa chỉ lắng nghe.
    #[arg(long, default_value = "127.0.0.1:9300")]
    listen: String,
    /// Số hồ sơ giả lập.
    #[arg(long, default_value_t = 10_000)]
    dossiers: u32,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let fake = FakeProvince::new(args.dossiers);
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    println!(
        "Tỉnh giả lập: url = \"http://{addr}/lgsp\", username = \"{}\", password = \"{}\", madonvi = \"{}\"",
        fake_province::USERNAME,
        fake_province::PASSWORD,
        fake_province::MADONVI
    );
    println!(
        "{} hồ sơ, mã từ {} đến {}",
        args.dossiers,
        fake_province::code(0),
        fake_province::code(args.dossiers.saturating_sub(1))
    );
    println!(
        "Đổi trạng thái: curl -X POST http://{addr}/lgsp/control -H 'Content-Type: application/json' -d '{{\"mahoso\": \"{}\", \"status\": 10}}'",
        fake_province::code(0)
    );
    println!(
        "Ngừng trả lời: curl -X POST http://{addr}/lgsp/control -H 'Content-Type: application/json' -d '{{\"mode\": \"hang\"}}'"
    );
    fake.serve(listener).await.map_err(std::io::Error::other)
}
