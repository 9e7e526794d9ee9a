//! The quarter's rating export (QĐ 766/QĐ-TTg): a quarter seeded over HTTP on a manual clock —
//! tickets served by two signed-in officers and rated at the kiosk, dossiers rated by their receipt
//! code, a counter rated alone, ratings just outside the quarter — on the one-stop 3-level scale
//! and on a 5-level scale mapped to it. The export (JSON, CSV and XLSX read back) must equal figures
//! computed here from the ratings table's raw rows and whom each rating was of.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::staff::sign_in;

const LGSP: &str = "demo-lgsp";

/// The example centre with another `[ratings]` section (none: the 3-level default).
fn config(ratings: &str) -> Config {
    let example = queue_server::config::EXAMPLE;
    let start = example.find("\n[ratings]\n").expect("a [ratings] section") + 1;
    let end = start + example[start..].find("\n\n").expect("its end");
    let text = format!("{}{ratings}{}", &example[..start], &example[end..]);
    Config::parse("motcua.toml", &text).expect("config")
}

/// A dossier whose reception step the province sent with the officer's name (or none).
fn dossier(seq: u32, handler: Option<&str>) -> (Value, Option<Value>) {
    let code = format!("H56.22-261110-{seq:04}");
    let record = json!({
        "MaHoSo": code, "MaTTHC": "1.004227", "ChuHoSo": "Võ Văn Ba", "SoDienThoai": "0911222333",
        "NgayTiepNhan": "20261110080000", "NgayHenTra": "20261124170000", "TrangThaiHoSo": "10",
        "NgayTra": "20261120100000",
    });
    let step = handler.map(|h| {
        json!({ "MaHoSo": code, "NguoiXuLy": h, "ThoiDiemXuLy": "20261110080500", "PhongBanXuLy": "Bộ phận một cửa",
                "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": 2 })
    });
    (record, step)
}

async fn rate(app: &TestApp, body: Value) -> (u16, Value) {
    app.post("/api/v1/ratings", Some(KIOSK), Some(body)).await
}

/// Per officer: per level counts (native scale) and how many rate a dossier.
type Plan = BTreeMap<String, (Vec<u32>, u32)>;

fn three_of(levels: &[u32], maps_to: &[u8]) -> [u32; 3] {
    let mut three = [0; 3];
    for (n, t) in levels.iter().zip(maps_to) {
        three[usize::from(*t) - 1] += n;
    }
    three
}

/// Seeds the quarter and checks the export; `scores` are the nine ratings' scores in order: four
/// tickets, four dossiers, a counter alone; `maps_to` each level's 3-level place.
async fn seeded_quarter_matches(config: Config, levels: usize, scores: [u8; 9], maps_to: &[u8]) {
    // A rating late in Q3, not in the export.
    let clock = ManualClock::new(at("2026-09-30", "09:00"));
    let app = spawn(config, Some(clock.clone()), None).await;
    assert_eq!(rate(&app, json!({ "counter": 3, "score": 1 })).await.0, 201);

    // Q4: officers serve tickets and the kiosk rates them.
    clock.set(at("2026-11-23", "07:40"));
    let lan = sign_in(&app, "canbo1", "demo-canbo1").await;
    let hung = sign_in(&app, "canbo2", "demo-canbo2").await;
    assert_eq!(lan.post_json(&app, "/api/v1/staff/counter", json!({ "counter": 1 }), true).await.0, 200);
    assert_eq!(hung.post_json(&app, "/api/v1/staff/counter", json!({ "counter": 4 }), true).await.0, 200);
    let mut plan: Plan = BTreeMap::new();
    let mut add = |officer: &str, score: u8, dossier: bool| {
        let entry = plan.entry(officer.to_string()).or_insert_with(|| (vec![0; levels], 0));
        entry.0[usize::from(score) - 1] += 1;
        entry.1 += u32::from(dossier);
    };
    for service in ["DD", "TP", "CA", "DD", "TP", "CA"] {
        app.issue(service).await;
    }
    let mut rated = 0;
    for (who, user, counter) in
        [(&lan, "canbo1", 1u16), (&hung, "canbo2", 4u16), (&lan, "canbo1", 1), (&hung, "canbo2", 4)]
    {
        clock.advance(SignedDuration::from_mins(5));
        let (status, called) = who.post_json(&app, &format!("/api/v1/counters/{counter}/next"), json!({}), true).await;
        assert_eq!(status, 200, "{called}");
        let id = called["ticket"]["id"].as_str().expect("ticket id").to_string();
        clock.advance(SignedDuration::from_mins(4));
        assert_eq!(who.post_json(&app, &format!("/api/v1/counters/{counter}/done"), json!({}), true).await.0, 200);
        let score = scores[rated];
        let (status, r) = rate(&app, json!({ "ticket": id, "score": score })).await;
        assert_eq!(status, 201, "{r}");
        add(user, score, false);
        rated += 1;
    }

    // Later in the quarter: dossiers rated by the code on their receipts.
    clock.set(at("2026-12-15", "10:00"));
    let pushed: Vec<(Value, Option<Value>)> = vec![
        dossier(1, Some("Lê Văn Tâm")),
        dossier(2, Some("Lê Văn Tâm")),
        dossier(3, Some("Đỗ Thị Hạnh")),
        dossier(4, None),
    ];
    let batch = json!({
        "DongBoHoSoMC": pushed.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
        "CapNhatTienDoHoSoMC": pushed.iter().filter_map(|(_, s)| s.clone()).collect::<Vec<_>>(),
    });
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await.0, 200);
    for (i, officer) in ["tinh:Lê Văn Tâm", "tinh:Lê Văn Tâm", "tinh:Đỗ Thị Hạnh", ""].into_iter().enumerate()
    {
        let code = format!("H56.22-261110-{:04}", i + 1);
        let score = scores[rated];
        let body = json!({ "receipt_code": code, "score": score, "idempotency_key": format!("hs-{i}") });
        let (status, r) = rate(&app, body.clone()).await;
        assert_eq!((status, r["receipt_code"].as_str()), (201, Some(code.as_str())), "{r}");
        // The kiosk's retry: the same rating; another rating of the same dossier: refused.
        assert_eq!(rate(&app, body).await.0, 200);
        let (status, again) = rate(&app, json!({ "receipt_code": code, "score": 1 })).await;
        assert_eq!((status, again["code"].as_str()), (409, Some("dossier_already_rated")), "{again}");
        add(officer, score, true);
        rated += 1;
    }
    // A dossier the centre does not hold, and a dossier with a ticket: refused, nothing written.
    let (status, unknown) = rate(&app, json!({ "receipt_code": "H56.22-261110-0999", "score": 1 })).await;
    assert_eq!((status, unknown["code"].as_str()), (404, Some("dossier_not_found")));
    let both = json!({ "receipt_code": "H56.22-261110-0001", "ticket": "20261123-DD-1001", "score": 1 });
    assert_eq!(rate(&app, both).await.0, 400);
    // A counter rated alone.
    let score = scores[rated];
    assert_eq!(rate(&app, json!({ "counter": 2, "score": score })).await.0, 201);
    add("", score, false);
    // Early in Q1 of the next year: not in the export.
    clock.set(at("2027-01-05", "09:00"));
    assert_eq!(rate(&app, json!({ "counter": 3, "score": 2 })).await.0, 201);

    // The raw rows of the quarter are exactly what was planned.
    let db = rusqlite::Connection::open(&app.db).expect("db");
    let mut raw: Vec<u8> = db
        .prepare("SELECT score FROM ratings WHERE day BETWEEN '2026-10-01' AND '2026-12-31' ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("rows");
    raw.sort_unstable();
    let mut planned = scores.to_vec();
    planned.sort_unstable();
    assert_eq!(raw, planned, "the ratings table holds the planned ratings");

    let (status, export) = app.get_as("/api/v1/ratings/export?quarter=2026-Q4", "demo-supervisor").await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(
        (export["unit_code"].as_str(), export["from"].as_str(), export["to"].as_str()),
        (Some("000.00.20.H56"), Some("2026-10-01"), Some("2026-12-31"))
    );
    let expect = |levels_n: &[u32], dossiers: u32| {
        let three = three_of(levels_n, maps_to);
        let total: u32 = levels_n.iter().sum();
        let not = three[1] + three[2];
        (
            levels_n.to_vec(),
            three.to_vec(),
            total,
            dossiers,
            not,
            (f64::from(not) * 1000.0 / f64::from(total)).round() / 10.0,
        )
    };
    let got = |f: &Value| {
        let v = |k: &str| f[k].as_array().expect(k).iter().map(|n| n.as_u64().expect("n") as u32).collect::<Vec<_>>();
        let n = |k: &str| f[k].as_u64().expect(k) as u32;
        (
            v("levels"),
            v("three_levels"),
            n("ratings"),
            n("dossier_ratings"),
            n("not_dissatisfied"),
            f["not_dissatisfied_percent"].as_f64().expect("percent"),
        )
    };
    let officers = export["officers"].as_array().expect("officers");
    assert_eq!(officers.len(), plan.len(), "{export}");
    for (officer, (levels_n, dossiers)) in &plan {
        let row =
            officers.iter().find(|o| o["officer"] == officer.as_str()).unwrap_or_else(|| panic!("{officer}: {export}"));
        assert_eq!(got(row), expect(levels_n, *dossiers), "{officer}");
    }
    let mut all = vec![0; levels];
    for (levels_n, _) in plan.values() {
        all.iter_mut().zip(levels_n).for_each(|(a, n)| *a += n);
    }
    let total = expect(&all, 4);
    assert_eq!(got(&export["total"]), total);
    assert_eq!(
        officers.iter().find(|o| o["officer"] == "canbo1").map(|o| o["officer_name"].clone()),
        Some(json!("Nguyễn Thị Lan"))
    );

    // The same figures in the CSV and the XLSX.
    let csv_text = app
        .client
        .get(app.url("/api/v1/ratings/export?quarter=2026-Q4&format=csv"))
        .bearer_auth(LGSP)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let last = records.last().expect("the unit's row");
    let numbers: Vec<f64> = last.iter().skip(5).map(|c| c.parse().expect("a number")).collect();
    let mut wanted: Vec<f64> = vec![f64::from(total.2), f64::from(total.3)];
    wanted.extend(total.0.iter().chain(&total.1).map(|&n| f64::from(n)));
    wanted.extend([f64::from(total.4), total.5]);
    assert_eq!(numbers, wanted, "{csv_text}");
    let bytes = app
        .client
        .get(app.url("/api/v1/ratings/export?quarter=2026-Q4&format=xlsx"))
        .bearer_auth("demo-supervisor")
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes");
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("read");
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(<[calamine::Data]>::to_vec).collect();
    let last = rows.last().expect("the unit's row");
    let numbers: Vec<f64> = last
        .iter()
        .skip(5)
        .map(|c| match c {
            calamine::Data::Float(f) => *f,
            calamine::Data::Int(i) => *i as f64,
            other => panic!("not a number: {other:?}"),
        })
        .collect();
    assert_eq!(numbers, wanted);
    assert_eq!(rows.len(), records.len() + 1, "one row per officer and the unit, under the headings");

    // Bad asks.
    let (status, bad) = app.get_as("/api/v1/ratings/export?quarter=2026-Q5", "demo-supervisor").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_quarter")));
    assert_eq!(app.get_as("/api/v1/ratings/export", KIOSK).await.0, 403);
    app.stop().await;
}

#[tokio::test]
async fn a_quarter_on_the_three_level_scale_exports_as_the_raw_rows_say() {
    // No [ratings]: the one-stop default.
    seeded_quarter_matches(config(""), 3, [3, 2, 1, 3, 1, 2, 3, 3, 2], &[1, 2, 3]).await;
}

#[tokio::test]
async fn a_quarter_on_a_five_level_scale_counts_through_its_declared_mapping() {
    let five = r#"[ratings]
levels = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
maps_to = ["Không hài lòng", "Không hài lòng", "Hài lòng", "Hài lòng", "Rất hài lòng"]"#;
    seeded_quarter_matches(config(five), 5, [5, 4, 1, 3, 2, 3, 5, 4, 1], &[1, 1, 2, 2, 3]).await;
}

#[test]
fn a_scale_of_other_than_three_levels_must_declare_its_mapping() {
    let text = |ratings: &str| {
        let example = queue_server::config::EXAMPLE;
        let start = example.find("\n[ratings]\n").expect("section") + 1;
        let end = start + example[start..].find("\n\n").expect("end");
        format!("{}{ratings}{}", &example[..start], &example[end..])
    };
    let five = r#"[ratings]
levels = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]"#;
    let e = Config::parse("motcua.toml", &text(five)).expect_err("no mapping");
    assert!(e.to_string().contains("ratings.maps_to") && e.to_string().contains("thang 5 mức"), "{e}");
    let down = format!(
        "{five}\nmaps_to = [\"Không hài lòng\", \"Hài lòng\", \"Không hài lòng\", \"Hài lòng\", \"Rất hài lòng\"]"
    );
    let e = Config::parse("motcua.toml", &text(&down)).expect_err("going down");
    assert!(e.to_string().contains("không đi xuống"), "{e}");
    let unknown =
        format!("{five}\nmaps_to = [\"Không hài lòng\", \"Tệ\", \"Hài lòng\", \"Hài lòng\", \"Rất hài lòng\"]");
    let e = Config::parse("motcua.toml", &text(&unknown)).expect_err("unknown name");
    assert!(e.to_string().contains("«Tệ»"), "{e}");
    // Written without diacritics, it is still read.
    let plain = format!(
        "{five}\nmaps_to = [\"khong hai long\", \"Khong hai long\", \"hai long\", \"Hai long\", \"rat hai long\"]"
    );
    assert!(Config::parse("motcua.toml", &text(&plain)).is_ok());
}

#[tokio::test]
async fn a_scale_changed_later_reads_earlier_scores_on_their_own_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let clock = ManualClock::new(at("2026-11-23", "09:00"));
    // On the example's 4 levels: Rất hài lòng (4), Chấp nhận được (2, "Hài lòng" on 3), Không hài lòng (1).
    let app = spawn(Config::demo(), Some(clock.clone()), Some(db.clone())).await;
    for score in [4, 2, 1] {
        assert_eq!(rate(&app, json!({ "counter": 1, "score": score })).await.0, 201);
    }
    app.stop().await;
    // The centre moves to a 5-level survey scale; one more rating, its best level.
    let five = r#"[ratings]
levels = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
maps_to = ["Không hài lòng", "Không hài lòng", "Hài lòng", "Hài lòng", "Rất hài lòng"]"#;
    let app = spawn(config(five), Some(clock.clone()), Some(db.clone())).await;
    assert_eq!(rate(&app, json!({ "counter": 1, "score": 5 })).await.0, 201);
    let (status, export) = app.get_as("/api/v1/ratings/export?quarter=2026-Q4", "demo-supervisor").await;
    assert_eq!(status, 200, "{export}");
    let total = &export["total"];
    // The three earlier ones keep their meaning: 1 dissatisfied, 1 satisfied, 2 very satisfied.
    assert_eq!(total["three_levels"], json!([1, 1, 2]), "{export}");
    assert_eq!(total["levels"], json!([0, 0, 0, 0, 1]), "only the rating given on the 5 levels: {export}");
    assert_eq!((total["other_scale"].as_u64(), total["not_dissatisfied_percent"].as_f64()), (Some(3), Some(75.0)));
    app.stop().await;
    // A scale shorter than a score stored is refused at start, in Vietnamese.
    let refused = queue_server::build(queue_server::Options {
        config: config(""),
        db: db.clone(),
        demo: false,
        clock: std::sync::Arc::new(clock),
    })
    .err()
    .expect("refused");
    assert!(
        refused.to_string().contains("có đánh giá mức 5") && refused.to_string().contains("chỉ có 3 mức"),
        "{refused}"
    );
}
