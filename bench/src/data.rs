//! `motcua-bench data`: real data in. Imports a province-sized catalogue from XLSX (as
//! `queue-server catalogue import` does) and re-imports it with changes; pushes dossiers in DVCQG
//! batches to a server on loopback, then the same batches again.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

use crate::stats::ms;

const LINH_VUC: [&str; 5] = ["LV-DD", "LV-XD", "LV-TP", "LV-KD", "LV-CA"];

fn write_catalogue(
    path: &std::path::Path,
    procedures: usize,
    fee_changed: usize,
    dropped: usize,
) -> anyhow::Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = queue_server::catalogue::NATIONAL_COLUMNS;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let mut r = 1u32;
    for i in dropped..procedures {
        let fee = if i < dropped + fee_changed { "50.000 đồng/hồ sơ" } else { "Không thu phí" };
        let cells = [
            (i + 1).to_string(),
            format!("2.{:06}", 100_000 + i),
            format!("Cấp giấy phép hoạt động số {i} thuộc lĩnh vực quản lý nhà nước cấp tỉnh"),
            "Tỉnh".into(),
            LINH_VUC[i % LINH_VUC.len()].into(),
            "Lĩnh vực".into(),
            "Toàn trình".into(),
            format!("{} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 5 + i % 20),
            fee.into(),
            "- Đơn đề nghị theo mẫu\n- Bản sao giấy tờ pháp lý\n- Căn cước công dân".into(),
            "Bước 1: Nộp hồ sơ.\nBước 2: Thẩm định.\nBước 3: Trả kết quả.".into(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, v)?;
        }
        r += 1;
    }
    book.save(path)?;
    Ok(())
}

fn record(i: usize) -> serde_json::Value {
    json!({
        "MaHoSo": format!("000.00.20.H56-261201-{:05}", i + 1), "MaTTHC": "2.100001",
        "TenTTHC": "Cấp giấy phép hoạt động", "MaLinhVuc": "LV-DD", "TenLinhVuc": "Đất đai",
        "ChuHoSo": "Nguyễn Thị Hạnh", "SoDienThoai": "0912345678", "NgayTiepNhan": "20261201080000",
        "NgayHenTra": "20261215170000", "TrangThaiHoSo": 2 + i % 3, "NgayTra": "",
    })
}

/// Runs the data figures in `dir`.
pub async fn run(dir: &std::path::Path) -> anyhow::Result<()> {
    let config = queue_server::Config::parse("example", queue_server::config::EXAMPLE)?;
    // Catalogue: 2,000 procedures, then 10 fees changed and 5 procedures gone.
    let db = dir.join("catalogue.db");
    let file = dir.join("danh-muc.xlsx");
    write_catalogue(&file, 2000, 0, 0)?;
    let started = Instant::now();
    let parsed = queue_server::catalogue::parse(&queue_server::catalogue::read_file(&file)?, &config.linh_vuc)?;
    let read = started.elapsed();
    let mut conn = queue_server::store::schema::open(&db)?;
    queue_server::store::schema::migrate(&mut conn)?;
    let applied = queue_server::catalogue::apply(&mut conn, &parsed, "danh-muc.xlsx", "bench", 0)?;
    let first = started.elapsed();
    write_catalogue(&file, 2000, 10, 5)?;
    let again = Instant::now();
    let parsed = queue_server::catalogue::parse(&queue_server::catalogue::read_file(&file)?, &config.linh_vuc)?;
    let changes = queue_server::catalogue::apply(&mut conn, &parsed, "danh-muc.xlsx", "bench", 1)?;
    println!(
        "catalogue import, 2,000 procedures from XLSX ({} KB): {:.0} ms (read and check {:.0} ms), {} added; re-import: {:.0} ms, {} changed, {} removed",
        std::fs::metadata(&file).map_or(0, |m| m.len() / 1024),
        ms(first),
        ms(read),
        applied.added.len(),
        ms(again.elapsed()),
        changes.changed.len(),
        changes.removed.len()
    );

    // Dossier pushes: 5 batches of 1,000 to a server on loopback, then the same again.
    let clock: std::sync::Arc<dyn queue_server::domain::Clock> = std::sync::Arc::new(queue_server::domain::SystemClock);
    let app = queue_server::build(queue_server::Options { config, db: dir.join("push.db"), demo: false, clock })?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(queue_server::run(listener, app, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let push = |round: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let started = Instant::now();
            for b in 0..5 {
                let batch = json!({ "DongBoHoSoMC": (b * 1000..(b + 1) * 1000).map(record).collect::<Vec<_>>() });
                let answer = http
                    .post(format!("{base}/api/v1/dossiers/batch"))
                    .bearer_auth("demo-lgsp")
                    .json(&batch)
                    .send()
                    .await?
                    .error_for_status()
                    .context(round)?;
                let _: serde_json::Value = answer.json().await?;
            }
            let took = started.elapsed();
            println!(
                "dossier push, 5 batches of 1,000 ({round}): {:.0} ms, {:.0} dossiers/s",
                ms(took),
                5000.0 / took.as_secs_f64().max(1e-9)
            );
            anyhow::Ok(took)
        }
    };
    push("new").await?;
    push("the same again, nothing written").await?;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    Ok(())
}
