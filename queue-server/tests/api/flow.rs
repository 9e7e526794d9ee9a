//! The main path: services, a ticket, a call, and the live stream seeing both.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn services_list_the_fifteen_vietnamese_fields() {
    let app = spawn_demo().await;
    let (status, body) = app.get("/api/v1/services").await;
    assert_eq!(status, 200);
    let services = body["services"].as_array().expect("services");
    assert_eq!(services.len(), 15);
    assert_eq!(services[0]["name_vi"], "Đất đai");
    assert!(services.iter().all(|s| s["open"] == true && s["remaining_today"].as_u64() > Some(0)));
    assert!(services.iter().any(|s| s["name_vi"] == "Căn cước – Cư trú"));
    app.stop().await;
}

#[tokio::test]
async fn a_ticket_is_issued_called_served_and_rated_and_the_stream_sees_each_step() {
    let app = spawn_demo().await;
    let mut live = SseClient::connect(&app, "", None).await;
    let snapshot = live.next(Duration::from_secs(5)).await.expect("snapshot first");
    assert_eq!(snapshot.event, "snapshot");
    assert_eq!(snapshot.data["services"].as_array().map(Vec::len), Some(15));

    let ticket = app.issue("DD").await;
    assert_eq!((ticket["number"].as_u64(), ticket["position"].as_u64()), (Some(1001), Some(0)));
    let issued = live.until("ticket_issued", Duration::from_secs(5)).await;
    assert_eq!(issued.last().map(|e| e.data["ticket"]["id"].clone()), Some(ticket["id"].clone()));

    assert_eq!(app.counter(1, "open").await.0, 200);
    let (status, called) = app.counter(1, "next").await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["ticket"]["id"], ticket["id"]);
    assert_eq!(called["ticket"]["status"], "called");
    assert!(called["reason"]["text"].as_str().is_some_and(|t| t.contains("Đất đai")));
    let seen = live.until("ticket_called", Duration::from_secs(5)).await;
    let call = seen.last().expect("call event");
    assert_eq!((call.data["counter"].as_u64(), call.data["ticket"]["number"].as_u64()), (Some(1), Some(1001)));

    assert_eq!(app.counter(1, "serve").await.0, 200);
    let (status, done) = app.counter(1, "done").await;
    assert_eq!((status, done["status"].as_str()), (200, Some("done")));
    let rating = json!({ "ticket": ticket["id"], "score": 4, "idempotency_key": "kiosk-1:r1" });
    let (status, rated) = app.post("/api/v1/ratings", Some(KIOSK), Some(rating.clone())).await;
    assert_eq!((status, rated["counter"].as_u64(), rated["label"].as_str()), (201, Some(1), Some("Rất hài lòng")));
    let (status, again) = app.post("/api/v1/ratings", Some(KIOSK), Some(rating)).await;
    assert_eq!((status, again["id"].clone()), (200, rated["id"].clone()), "same key, same rating");
    live.until("rating_submitted", Duration::from_secs(5)).await;

    let (status, fetched) = app.get(&format!("/api/v1/tickets/{}", ticket["id"].as_str().expect("id"))).await;
    assert_eq!((status, fetched["status"].as_str()), (200, Some("done")));
    let (status, by_number) = app.get("/api/v1/tickets/by-number/1001").await;
    assert_eq!((status, by_number["id"].clone()), (200, ticket["id"].clone()), "found by the number on the paper");
    assert_eq!(app.get("/api/v1/tickets/by-number/1999").await.0, 404);
    assert_eq!(app.get("/api/v1/tickets/by-number/abc").await.1["code"], "invalid_ticket_number");
    assert_eq!(app.count("ratings"), 1);
    app.stop().await;
}

#[tokio::test]
async fn procedures_are_found_without_diacritics_and_dossiers_are_masked() {
    let app = spawn_demo().await;
    let (status, found) = app.get("/api/v1/procedures?q=dat%20dai").await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        found["procedures"].as_array().expect("list").iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.iter().any(|n| n.contains("đất đai")), "{names:?}");
    let (_, all) = app.get("/api/v1/procedures?limit=200").await;
    assert!(all["total"].as_u64() >= Some(60));
    let (_, land) = app.get("/api/v1/procedures?service=DD").await;
    assert!(land["procedures"].as_array().is_some_and(|p| p.iter().all(|p| p["service"] == "DD")));

    let (status, dossier) = app.get("/api/v1/dossiers/h56.22-261030-0006").await;
    assert_eq!(status, 200);
    assert_eq!((dossier["status"].as_str(), dossier["overdue"].as_bool()), (Some("processing"), Some(true)));
    assert_eq!((dossier["applicant"].as_str(), dossier["details_hidden"].as_bool()), (Some(""), Some(true)));
    let (_, dossier) = app.get("/api/v1/dossiers/h56.22-261030-0006?phone_last4=2333").await;
    assert_eq!(dossier["applicant"], "Đặng T*** L***");
    assert_eq!(dossier["phone"], "09******33");
    let (_, late) = app.get("/api/v1/dossiers/H56.22-261027-0007").await;
    assert!(late["apology"]["message"].as_str().is_some_and(|m| m.contains("xin lỗi")));
    assert_eq!(late["overdue"], false, "a new due date was promised");
    assert_eq!(late["history"].as_array().map(Vec::len), Some(3));
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_demo().await;
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/services",
        "/api/v1/tickets",
        "/api/v1/counters/{no}/next",
        "/api/v1/events",
        "/api/v1/dossiers/{receipt_code}",
        "/api/v1/ratings",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("QueueEvent").is_some());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    assert!(doc["components"]["securitySchemes"].get("session").is_some());
    // Every operation lists the answers any request can get; the live streams are event streams.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for status in ["429", "503"] {
                assert!(op["responses"].get(status).is_some(), "{method} {path} lacks {status}");
            }
        }
    }
    let live = &doc["paths"]["/api/v1/tickets/{id}/live"]["get"]["responses"]["200"]["content"];
    assert!(live.get("text/event-stream").is_some(), "{live}");
    // Query parameters are in the query, with their shapes.
    let slots = doc["paths"]["/api/v1/appointments/slots"]["get"]["parameters"].as_array().expect("parameters");
    assert!(slots.iter().all(|p| p["in"] == "query"), "{slots:?}");
    assert!(slots.iter().any(|p| p["name"] == "service" && p["schema"]["pattern"].is_string()), "{slots:?}");
    let (status, health) = app.get("/healthz").await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    app.stop().await;
}
