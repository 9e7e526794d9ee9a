//! Printers that go away and come back, as they do at a centre: a network printer switched off and
//! on (the TCP simulator stopped and started again on its port), a serial printer whose cable is
//! pulled (the `socat` pseudo-terminal closed and made again), a USB printer unplugged and plugged
//! back (its device file removed and made again), and a printer switched on only after the kiosk
//! started. Each time the kiosk prints again without a restart.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use kiosk_ui::config::{KioskConfig, PrinterConfig};
use kiosk_ui::core::{Core, Outcome};
use kiosk_ui::flows::Effect;
use motcua_hardware::sim::printer::PrinterSim;
use motcua_hardware::sim::pty::PtyPair;

use crate::{Server, db, until};

const WAIT: Duration = Duration::from_secs(30);

async fn kiosk_with(server: &str, dir: &std::path::Path, transport: String) -> Arc<Core> {
    let config = KioskConfig {
        server_url: server.to_string(),
        outbox: dir.join("outbox.db"),
        printer: PrinterConfig { transport, pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let core = Core::start(config).await.expect("the kiosk starts whatever its printer does");
    core.spawn_background(&tokio::runtime::Handle::current());
    core
}

fn ticket() -> motcua_protocol::api::Ticket {
    motcua_protocol::api::Ticket {
        id: "20261130-DD-1001".into(),
        number: 1001,
        service: "DD".into(),
        service_name_vi: "Đất đai".into(),
        priority: None,
        channel: "kiosk".into(),
        status: motcua_protocol::api::TicketStatus::Waiting,
        position: Some(0),
        estimated_wait_minutes: Some(0),
        issued_at: "2026-11-30T09:00:00+07:00".into(),
        counter: None,
        called_at: None,
        recalls: 0,
        appointment_at: None,
        rejoin_until: None,
        transferred_from: None,
    }
}

async fn state_is(core: &Core, what: &str, want: &str) {
    let state = core.printer_state();
    until(WAIT, what, || state.borrow().as_deref() == Some(want)).await;
}

async fn prints(core: &Arc<Core>) -> bool {
    core.run(Effect::Print(Box::new(ticket()))).await == Outcome::Printed(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_printer_off_and_on_again_or_on_only_after_the_kiosk_prints_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    // The printer's address, with nothing listening yet: it is switched on after the kiosk.
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let core = kiosk_with(&server.url(), dir.path(), format!("tcp:127.0.0.1:{port}")).await;
    state_is(&core, "the printer seen as offline", "offline").await;
    assert!(!prints(&core).await, "nothing to print on");

    let first = PrinterSim::new();
    first.serve_tcp(TcpListener::bind(("127.0.0.1", port)).expect("the printer's port")).expect("serves");
    let found =
        until(WAIT, "the late printer found", || core.printer_state().borrow().as_deref() == Some("ready")).await;
    println!("a printer switched on after the kiosk was found {found:?} later");
    assert!(prints(&core).await);
    until(WAIT, "the ticket on paper", || first.papers().len() == 1).await;

    // Switched off: the kiosk notices; switched on again: it prints again.
    first.stop();
    let off = until(WAIT, "the printer seen off", || core.printer_state().borrow().as_deref() == Some("offline")).await;
    println!("switched off, noticed after {off:?}");
    let again = PrinterSim::new();
    let mut listener = None;
    // The old listener thread lets go of the port when it sees the stop.
    until(WAIT, "the printer's port free again", || {
        listener = TcpListener::bind(("127.0.0.1", port)).ok();
        listener.is_some()
    })
    .await;
    let listener = listener.expect("bound");
    again.serve_tcp(listener).expect("serves");
    state_is(&core, "the printer back", "ready").await;
    assert!(prints(&core).await, "prints again without a restart");
    until(WAIT, "the ticket on the new paper", || again.papers().len() == 1).await;
    again.stop();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serial_cable_and_a_usb_device_file_pulled_and_put_back_print_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    for (name, kind) in [("serial", "serial"), ("lp0", "file")] {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).expect("dir");
        let pty = PtyPair::open(&sub, name).expect("socat pair");
        let sim = PrinterSim::new();
        sim.serve_serial(pty.b()).expect("serves");
        let core = kiosk_with(&server.url(), &sub, format!("{kind}:{}", pty.a())).await;
        state_is(&core, "the printer ready", "ready").await;
        assert!(prints(&core).await);
        until(WAIT, "the ticket on paper", || sim.papers().len() == 1).await;

        // Pulled out: the device goes away (the pseudo-terminal and its link are gone).
        sim.stop();
        drop(pty);
        state_is(&core, "the printer seen gone", "offline").await;
        assert!(!prints(&core).await);

        // Put back: a new device at the same path.
        let pty = PtyPair::open(&sub, name).expect("socat pair again");
        let back = PrinterSim::new();
        back.serve_serial(pty.b()).expect("serves");
        let took = until(WAIT, "the printer back", || core.printer_state().borrow().as_deref() == Some("ready")).await;
        println!("{kind} printer back after {took:?}");
        assert!(prints(&core).await, "{kind}: prints again without a restart");
        until(WAIT, "the ticket on the new paper", || back.papers().len() == 1).await;
        back.stop();
    }
    server.stop().await;
}

/// A kiosk serves citizen after citizen from one address: its reads carry its token and are not
/// held to the budget of an anonymous phone (60 a minute), while a phone at the same rate is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_kiosks_lookups_are_not_rate_limited_like_a_phone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = crate::Server::start("127.0.0.1:0".parse().expect("addr"), &crate::db(dir.path())).await;
    let kiosk = kiosk_ui::api::Api::new(&server.url(), "demo-kiosk", std::time::Duration::from_secs(5));
    for i in 0..90 {
        let code = format!("H56.22-261027-{:04}", i % 12 + 1);
        match kiosk.dossier(&code, None).await {
            Ok(_) => {}
            Err(kiosk_ui::api::ApiError::Refused { status: 404, .. }) => {}
            Err(e) => panic!("lookup {i} of the kiosk refused: {e:?}"),
        }
        kiosk.procedures("khai sinh", None).await.unwrap_or_else(|e| panic!("search {i}: {e:?}"));
    }
    let phone = reqwest::Client::new();
    let mut limited = 0;
    for i in 0..90 {
        let url = format!("{}/api/v1/dossiers/H56.22-261027-{:04}", server.url(), i % 12 + 1);
        if phone.get(url).send().await.expect("answers").status().as_u16() == 429 {
            limited += 1;
        }
    }
    assert!(limited >= 20, "an anonymous client at the same rate meets the limit: {limited}");
    server.stop().await;
}
