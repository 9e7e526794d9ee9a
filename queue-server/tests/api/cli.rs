//! The account commands on the command line (`queue-server user …`, `queue-server device …`), as
//! an administrator types them, mistakes included.

use crate::helpers::spawn;

fn run(words: &[&str]) -> anyhow::Result<String> {
    let words: Vec<String> = words.iter().map(|w| (*w).to_string()).collect();
    let mut out = Vec::new();
    queue_server::accounts::cli::run(&words, &mut out)?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

#[tokio::test]
async fn a_device_token_made_on_the_command_line_lets_the_kiosk_issue_tickets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let db_arg = db.to_str().expect("path");
    let said = run(&["device", "add", "Kiosk sảnh A", "--role", "kiosk", "--demo", "--db", db_arg]).expect("adds");
    let token = said.lines().last().expect("the token").trim().to_string();
    assert!(said.contains("«Kiosk sảnh A»") && token.len() >= 20, "{said}");
    // Mistakes, each in Vietnamese with where to look, and nothing made.
    for (words, says) in [
        (vec!["device", "add", "K", "--role", "printer", "--demo", "--db", db_arg], "cần --role kiosk"),
        (vec!["device", "add", "K", "--role", "counter", "--counters", "1,x", "--demo", "--db", db_arg], "«x»"),
        (vec!["device", "add", "--role", "kiosk", "--demo"], "thiếu TÊN"),
        (vec!["device", "remove", "K"], "không có lệnh «remove»"),
        (
            vec!["device", "add", "K", "--role", "counter", "--counters", "99", "--demo", "--db", db_arg],
            "không có quầy 99",
        ),
        (vec!["user", "add", "lan", "--demo", "--db", db_arg], "thiếu --role"),
        (vec!["user", "list", "--demo", "--config", "a.toml"], "không dùng cùng lúc"),
        (vec!["user", "list", "--db", db_arg], "cần --config TỆP.toml (hoặc --demo)"),
        (vec!["user", "list", "--colour"], "không hiểu tùy chọn «--colour»; xem queue-server user --help"),
    ] {
        let e = run(&words).expect_err(&words.join(" ")).to_string();
        assert!(e.contains(says), "{words:?}: {e}");
    }
    let help = run(&["user", "add", "--help"]).expect("help");
    assert!(
        help.contains("Cách dùng: queue-server user add [TÙY_CHỌN]") && help.contains("--role <VAI_TRÒ>"),
        "{help}"
    );
    let app = spawn(queue_server::Config::demo(), None, Some(db.clone())).await;
    let (status, ticket) =
        app.post("/api/v1/tickets", Some(&token), Some(serde_json::json!({ "service": "DD" }))).await;
    assert_eq!(status, 201, "{ticket}");
    let devices: i64 = {
        let conn = rusqlite::Connection::open(&db).expect("opens");
        conn.query_row("SELECT count(*) FROM device_tokens", [], |r| r.get(0)).expect("devices")
    };
    assert_eq!(devices, 1, "the refused commands made nothing");
    app.stop().await;
}
