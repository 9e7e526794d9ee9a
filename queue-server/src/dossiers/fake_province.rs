//! A stand-in for the province's TTHC system behind its LGSP, for the worked example in the README
//! (`cargo run -p queue-server --example fake-province`) and the tests: it speaks the contract the
//! `[province]` connector uses (`POST …/authenticate` with `username`/`password` → `session`; `POST
//! …/service` with `{session, madonvi, service: "TraCuuHoSo", mahoso}` → `error_code` "00" and the
//! DongBoHoSoMC record with its `TienDo` steps), holds generated dossiers, and can be told to answer
//! 500s, garbage, or nothing, and to change a dossier's status (`POST …/control`).
//!
//! It is not part of a centre's server: nothing in `queue-server` starts it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// How the fake answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// As the contract says.
    Normal,
    /// HTTP 500.
    Error500,
    /// A proxy's HTML page with 200.
    Garbage,
    /// Never answers.
    Hang,
}

/// The fake's state; clone it to change what it answers while it serves.
#[derive(Clone, Debug)]
pub struct FakeProvince {
    /// Records by receipt code (the JSON the province sends).
    pub dossiers: Arc<Mutex<HashMap<String, Value>>>,
    /// How it answers now.
    pub mode: Arc<Mutex<Mode>>,
    /// `service` requests received.
    pub asked: Arc<Mutex<u32>>,
    /// The session it accepts now (change it to expire the connector's).
    pub session: Arc<Mutex<String>>,
}

/// Credentials and unit the fake accepts.
pub const USERNAME: &str = "motcua";
/// The password.
pub const PASSWORD: &str = "mat-khau-lgsp";
/// The unit code (madonvi).
pub const MADONVI: &str = "000.00.20.H56";

/// The receipt code of the `i`-th generated dossier (from 0), 9,999 a day from 1 December 2026:
/// `000.00.20.H56-261201-0001` … `-261201-9999`, `-261202-0001`…
pub fn code(i: u32) -> String {
    format!("{MADONVI}-2612{:02}-{:04}", 1 + i / 9999, i % 9999 + 1)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn authenticate(State(fake): State<FakeProvince>, Json(body): Json<Value>) -> Json<Value> {
    let ok = body["username"] == USERNAME && body["password"] == PASSWORD;
    let session = lock(&fake.session).clone();
    Json(if ok { json!({ "error_code": "00", "session": session }) } else { json!({ "error_code": "01" }) })
}

async fn service(State(fake): State<FakeProvince>, Json(body): Json<Value>) -> axum::response::Response {
    use axum::response::IntoResponse;
    *lock(&fake.asked) += 1;
    let mode = *lock(&fake.mode);
    match mode {
        Mode::Error500 => return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "lỗi").into_response(),
        Mode::Garbage => return (axum::http::StatusCode::OK, "<html>502 Bad Gateway</html>").into_response(),
        Mode::Hang => std::future::pending::<()>().await,
        Mode::Normal => {}
    }
    let session = lock(&fake.session).clone();
    if body["session"] != session.as_str() || body["madonvi"] != MADONVI || body["service"] != "TraCuuHoSo" {
        return Json(json!({ "error_code": "99", "message": "phiên hết hạn" })).into_response();
    }
    let found = body["mahoso"].as_str().and_then(|c| lock(&fake.dossiers).get(c).cloned());
    Json(json!({ "error_code": "00", "data": found })).into_response()
}

/// `POST …/control`: `{"mode": "normal"|"error500"|"garbage"|"hang"}` and/or `{"mahoso": …,
/// "status": 1–10}` (10 also sets the return date).
async fn control(State(fake): State<FakeProvince>, Json(body): Json<Value>) -> Json<Value> {
    if let Ok(mode) = serde_json::from_value::<Mode>(body["mode"].clone()) {
        *lock(&fake.mode) = mode;
    }
    if let (Some(code), Some(status)) = (body["mahoso"].as_str(), body["status"].as_u64())
        && let Some(record) = lock(&fake.dossiers).get_mut(code)
    {
        record["TrangThaiHoSo"] = json!(status);
        record["NgayTra"] = json!(if status == 10 { "20261210100000" } else { "" });
    }
    Json(json!({ "mode": format!("{:?}", *lock(&fake.mode)) }))
}

impl FakeProvince {
    /// `count` dossiers (codes from [`code`]), each received 1 Dec 2026, due 15 Dec, being
    /// processed (4), with one step.
    pub fn new(count: u32) -> Self {
        let dossiers = (0..count)
            .map(|i| {
                let record = json!({
                    "MaHoSo": code(i), "MaTTHC": "1.004227", "TenTTHC": "Đăng ký biến động đất đai",
                    "MaLinhVuc": "LV-DD", "TenLinhVuc": "Đất đai", "ChuHoSo": "Trần Văn Nam", "SoDienThoai": "0987654321",
                    "NgayTiepNhan": "20261201080000", "NgayHenTra": "20261215170000", "TrangThaiHoSo": 4, "NgayTra": "",
                    "TienDo": [{ "MaHoSo": code(i), "NguoiXuLy": "Lê Văn Tâm", "ThoiDiemXuLy": "20261201090000",
                        "PhongBanXuLy": "Phòng Tài nguyên", "NoiDungXuLy": "Thẩm định", "TrangThai": "4" }]
                });
                (code(i), record)
            })
            .collect();
        Self {
            dossiers: Arc::new(Mutex::new(dossiers)),
            mode: Arc::new(Mutex::new(Mode::Normal)),
            asked: Arc::default(),
            session: Arc::new(Mutex::new("phien-1".into())),
        }
    }

    /// The routes under `/lgsp`.
    pub fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/lgsp/authenticate", axum::routing::post(authenticate))
            .route("/lgsp/service", axum::routing::post(service))
            .route("/lgsp/control", axum::routing::post(control))
            .with_state(self.clone())
    }

    /// Serves on `listener` until the task is dropped or aborted; the connector's `url` is
    /// `http://ADDRESS/lgsp`.
    pub fn serve(&self, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        let app = self.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
    }
}
