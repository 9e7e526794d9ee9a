//! Many clients at once: numbers stay unique and consecutive, idempotency keys hold.

use std::collections::BTreeSet;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_hundred_concurrent_issues_get_a_hundred_consecutive_numbers() {
    let app = spawn_demo().await;
    let mut tasks = Vec::new();
    // A hundred kiosks at once, each from its own address (one address may hold 64 connections).
    for i in 0..100 {
        let (client, url) = (phone(i), app.url("/api/v1/tickets"));
        tasks.push(tokio::spawn(async move {
            let response =
                client.post(url).bearer_auth(KIOSK).json(&json!({ "service": "GT" })).send().await.expect("answers");
            status_json(response).await
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        let (status, ticket) = task.await.expect("joins");
        assert_eq!(status, 201, "{ticket}");
        assert!(numbers.insert(ticket["number"].as_u64().expect("number")), "duplicate number");
    }
    assert_eq!(numbers.len(), 100);
    assert_eq!(numbers.first().copied(), Some(3501));
    assert_eq!(numbers.last().copied(), Some(3600), "consecutive from the first number");
    let (status, refused) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "GT" }))).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("capacity_exhausted")), "GT's capacity is 100");
    app.stop().await;
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_same_ticket_even_concurrently() {
    let app = spawn_demo().await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/tickets"));
        tasks.push(tokio::spawn(async move {
            let body = json!({ "service": "TP", "idempotency_key": "kiosk-2:press-77" });
            status_json(client.post(url).bearer_auth(KIOSK).json(&body).send().await.expect("answers")).await
        }));
    }
    let mut ids = BTreeSet::new();
    let mut created = 0;
    for task in tasks {
        let (status, ticket) = task.await.expect("joins");
        assert!(status == 201 || status == 200, "{status} {ticket}");
        created += usize::from(status == 201);
        ids.insert(ticket["id"].as_str().expect("id").to_string());
    }
    assert_eq!((ids.len(), created), (1, 1), "one ticket, created once");
    assert_eq!(app.count("tickets"), 1);
    let next = app.issue("TP").await;
    assert_eq!(next["number"], 2002, "the replays used no number");
    app.stop().await;
}
