//! What anyone on the citizens' network can send, played at a bounded size: each costs the server
//! a bounded amount and leaves staff and kiosks served.

use queue_server::config::Config;

use crate::helpers::{KIOSK, spawn};

#[tokio::test]
async fn the_dossier_api_is_limited_like_the_lookup_page_for_anyone_without_a_valid_token() {
    let mut config = Config::demo();
    config.public_rate_per_minute = 5;
    let app = spawn(config, None, None).await;
    // Sequential receipt codes, as someone enumerating dossiers would try them.
    let code = |i: u32| format!("/api/v1/dossiers/H56.22-261027-{i:04}");
    let mut limited = 0;
    for i in 1..=150 {
        let (status, body) = app.get(&code(i)).await;
        if status == 429 {
            assert_eq!(body["code"], "rate_limited");
            limited += 1;
        }
    }
    assert_eq!(limited, 145, "5 a minute, then 429 like /lookup");
    let page = app.client.get(app.url("/lookup?code=H56.22-261027-0007")).send().await.expect("answers");
    assert_eq!(page.status().as_u16(), 429, "the page and the API share the client's budget");
    for path in ["/api/v1/tickets/20261123-DD-1001", "/api/v1/tickets/by-number/1001", "/api/v1/procedures?q=dat"] {
        assert_eq!(app.get(path).await.0, 429, "{path}");
    }
    // A made-up token does not lift the limit; the kiosk's real one does.
    let guessed = app.client.get(app.url(&code(7))).bearer_auth("doan-ma").send().await.expect("answers");
    assert_eq!(guessed.status().as_u16(), 429);
    for i in 1..=20 {
        let (status, _) = app.get_as(&code(i), KIOSK).await;
        assert!(status == 200 || status == 404, "the kiosk looks up citizen after citizen: {status}");
    }
    app.stop().await;
}
