//! A kiosk restarted in the middle of the day (a power cut, an update) takes new numbers: every
//! press after a restart gets a ticket of its own, never one issued to somebody before.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use kiosk_ui::core::{Core, Outcome};
use kiosk_ui::flows::Effect;
use kiosk_ui::flows::ticket::TicketFlow;

use crate::{Server, db, kiosk, until};

/// Lấy số thứ tự → Đất đai → "Không, lấy số thường", as the citizen presses it; the number issued.
async fn take_a_normal_ticket(core: &Arc<Core>) -> u32 {
    let services = core.services();
    until(Duration::from_secs(10), "the live snapshot", || !services.borrow().is_empty()).await;
    let mut flow = TicketFlow::new(core.keys());
    let classes = core.centre().priority_classes;
    assert_eq!(flow.choose(&services.borrow(), &classes, "DD"), Effect::None, "the class is asked first");
    let issue = flow.choose_class("");
    let Outcome::Issued(answer) = core.run(issue).await else { panic!("issued") };
    answer.expect("a ticket").number
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_restarted_three_times_in_a_day_never_hands_out_an_earlier_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    let mut issued = BTreeSet::new();
    let mut prefixes = BTreeSet::new();
    for start in 0..4 {
        // Same configuration (same device name), same outbox file: only the process is new.
        let core = kiosk(&server.url(), dir.path(), 5.0).await;
        assert!(prefixes.insert(core.keys().prefix().to_string()), "a key prefix drawn twice");
        for press in 0..3 {
            let number = take_a_normal_ticket(&core).await;
            assert!(issued.insert(number), "start {start}, press {press}: {number} was issued before");
        }
    }
    assert_eq!(issued.len(), 12);
    assert_eq!(issued.iter().copied().collect::<Vec<_>>(), (1001..=1012).collect::<Vec<_>>(), "gapless and new");
    server.stop().await;
}
