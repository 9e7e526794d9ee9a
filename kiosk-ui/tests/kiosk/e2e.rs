//! Take a ticket at the kiosk: the simulated printer decodes a ticket with that number, a counter
//! calls it, and the kiosk's waiting counts follow the live stream.

use std::time::Duration;

use kiosk_ui::core::Outcome;
use kiosk_ui::flows::Effect;
use kiosk_ui::flows::ticket::{Step, TicketFlow};

use crate::{Server, db, kiosk, until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_printed_called_and_the_counts_follow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    let core = kiosk(&server.url(), dir.path(), 5.0).await;
    let services = core.services();
    until(Duration::from_secs(10), "the live snapshot", || !services.borrow().is_empty()).await;
    let waiting = |code: &str| services.borrow().iter().find(|s| s.code == code).map(|s| s.waiting);
    assert_eq!(waiting("DD"), Some(0));

    let mut flow = TicketFlow::new(core.keys());
    let centre = core.centre();
    assert_eq!(
        flow.choose(&services.borrow(), &centre.priority_classes, "DD"),
        Effect::None,
        "asks the priority class first"
    );
    let issue = flow.choose_class("elderly");
    let Outcome::Issued(answer) = core.run(issue).await else { panic!("issued") };
    let print = flow.issued(answer);
    let Effect::Print(ticket) = print.clone() else { panic!("prints: {print:?}") };
    assert_eq!(core.run(print).await, Outcome::Printed(true));
    flow.printed(true);
    assert_eq!(flow.step, Step::Done);

    let paper = core
        .with_printer(|p| p.and_then(|p| p.sim()).and_then(|sim| sim.papers().last().cloned()))
        .expect("the simulator printed");
    assert_eq!(paper.texts().map(|t| t.0.to_string()).collect::<Vec<_>>(), vec![ticket.number.to_string()]);
    assert!(paper.qr_codes().any(|q| q.ends_with(&format!("/t/{}", ticket.id))));
    assert!(dir.path().join("printed").join(format!("{}.png", ticket.number)).exists(), "a picture of the paper");

    until(Duration::from_secs(5), "the kiosk counting the new ticket", || waiting("DD") == Some(1)).await;
    server.post("/api/v1/counters/1/open", "demo-counter", None).await;
    let called = server.post("/api/v1/counters/1/next", "demo-counter", None).await;
    assert_eq!(called["ticket"]["number"], ticket.number);
    let took = until(Duration::from_secs(5), "the kiosk seeing the call", || waiting("DD") == Some(0)).await;
    eprintln!("waiting count updated {took:?} after the call");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printer_out_of_paper_still_gives_the_number_and_tells_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    let core = kiosk(&server.url(), dir.path(), 5.0).await;
    let services = core.services();
    until(Duration::from_secs(10), "the live snapshot", || !services.borrow().is_empty()).await;
    core.with_printer(|p| {
        p.and_then(|p| p.sim()).map(|sim| sim.set_condition(motcua_hardware::sim::printer::Condition::PaperOut))
    });

    let mut flow = TicketFlow::new(core.keys());
    flow.choose(&services.borrow(), &[], "TP");
    let issue = flow.choose_class("");
    let Outcome::Issued(answer) = core.run(issue).await else { panic!("issued") };
    let print = flow.issued(answer);
    assert_eq!(core.run(print).await, Outcome::Printed(false));
    flow.printed(false);
    assert_eq!((flow.step, flow.printed), (Step::Done, false), "the number is on screen with its QR");
    let number = flow.ticket.as_ref().map(|t| t.number).expect("issued");

    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/devices", server.url());
    let mut report = serde_json::Value::Null;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    // The printer's own status poll may report "paper_out" first; the failed print adds the number.
    let told = |r: &serde_json::Value| {
        r["printer"] == "paper_out"
            && r["detail"].as_str().is_some_and(|d| d.contains(&number.to_string()) && d.contains("hết giấy"))
    };
    while !told(&report) {
        assert!(std::time::Instant::now() < deadline, "the fault never reached the server: {report}");
        tick.tick().await;
        let devices: serde_json::Value = http.get(&url).send().await.expect("lists").json().await.expect("json");
        report = devices
            .as_array()
            .and_then(|d| d.iter().find(|d| d["report"]["kind"] == "kiosk"))
            .map(|d| d["report"].clone())
            .unwrap_or_default();
    }
    server.stop().await;
}
