//! Text sent decomposed (NFD, as some phone keyboards and spreadsheets write Vietnamese) is stored
//! and searched composed (NFC), whatever part of a request carries it.

use serde_json::json;

use crate::helpers::*;

/// "Nơi chờ đông" with every mark a separate combining character.
const REASON_NFD: &str = "No\u{31b}i cho\u{31b}\u{300} đông";

#[tokio::test]
async fn decomposed_text_in_bodies_and_queries_is_taken_composed() {
    let app = spawn_demo().await;
    // A JSON body: the pause reason is stored and shown composed.
    app.counter(2, "open").await;
    let (status, paused) =
        app.post("/api/v1/counters/2/pause", Some(COUNTER), Some(json!({ "reason": REASON_NFD }))).await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["pause_reason"], "Nơi chờ đông");
    let (_, counters) = app.get("/api/v1/counters").await;
    let two = counters.as_array().and_then(|c| c.iter().find(|c| c["number"] == 2)).cloned().expect("counter 2");
    assert_eq!(two["pause_reason"], "Nơi chờ đông");
    // The same with the marks as JSON escapes.
    let escaped = r#"{"reason":"Nghi\u0309 tru\u031ba"}"#;
    app.counter(2, "open").await;
    let response = app
        .client
        .post(app.url("/api/v1/counters/2/pause"))
        .bearer_auth(COUNTER)
        .header("Content-Type", "application/json")
        .body(escaped)
        .send()
        .await
        .expect("answers");
    let (_, paused) = status_json(response).await;
    assert_eq!(paused["pause_reason"], "Nghỉ trưa");
    // A query: a decomposed search finds what a composed one finds.
    let (_, composed) = app.get("/api/v1/procedures?q=%C4%91%E1%BA%A5t").await;
    let (_, decomposed) = app.get("/api/v1/procedures?q=%C4%91a%CC%82%CC%81t").await;
    assert!(composed["total"].as_u64().unwrap_or(0) > 0, "{composed}");
    assert_eq!(composed["total"], decomposed["total"]);
    app.stop().await;
}
