//! A randomized model check of the store across restarts and configuration changes, on a real
//! SQLite file: random issues, calls, services, no-shows and transfers, the clock moving within and
//! across service days, and restarts between steps with the configuration changed (a field's
//! number range lowered or raised, the day rollover moved, capacities changed). After every step:
//! every acknowledged ticket is stored unchanged, numbers are unique per field and day, and the live
//! queue equals the stored one.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use queue_server::Config;
use queue_server::domain::{Channel, Clock, Command, CounterNo, ManualClock, ServiceCode};
use queue_server::store::{Reply, Store};

use crate::helpers::*;

/// xorshift64*: small and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The example centre taking tickets at any hour, with one of the changes a centre makes between
/// runs (none of them clashing with another field's range).
fn variant(n: u64) -> Config {
    let edits: &[(&str, &str)] = match n {
        1 => &[("numbers = [1001, 1500]", "numbers = [1000, 1500]")],
        2 => &[("numbers = [1001, 1500]", "numbers = [1100, 1500]")],
        3 => &[("day_rollover = \"03:00\"", "day_rollover = \"05:00\"")],
        4 => &[("day_rollover = \"03:00\"", "day_rollover = \"01:30\"")],
        5 => &[("daily_capacity = 120", "daily_capacity = 12")],
        _ => &[],
    };
    let mut text = queue_server::config::EXAMPLE.to_string();
    for (from, to) in edits {
        text = text.replacen(from, to, 1);
    }
    let mut config = Config::parse("motcua.toml", &text).expect("parses");
    let mut centre = (*config.centre).clone();
    centre.enforce_hours = false;
    config.centre = Arc::new(centre);
    config
}

fn open(db: &Path, config: &Config, clock: &ManualClock) -> Store {
    let clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let (store, _hub) = Store::open(db, config.centre.clone(), clock, None, &|_| Ok(())).expect("opens");
    store
}

/// Acknowledged ticket id → (number, issued field, issued at).
type Acknowledged = BTreeMap<String, (i64, String, String)>;

async fn check(db: &Path, store: &Store, acknowledged: &Acknowledged, step: usize) {
    let conn = rusqlite::Connection::open(db).expect("opens db");
    for (id, (number, field, issued_at)) in acknowledged {
        let row: Option<(i64, String, i64)> = conn
            .query_row("SELECT number, issued_service, issued_at_ms FROM tickets WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .ok();
        let at = issued_at.parse::<jiff::Timestamp>().expect("time").as_millisecond();
        assert_eq!(row, Some((*number, field.clone(), at)), "step {step}: acknowledged {id} changed or lost");
    }
    let (rows, distinct): (i64, i64) = conn
        .query_row("SELECT count(*), count(DISTINCT day || issued_service || number) FROM tickets", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("counts");
    assert_eq!(rows, distinct, "step {step}: a number twice for a field and day");
    let live = store
        .read(|queue, _| {
            let day = queue.day().to_string();
            let mut waiting: Vec<String> = queue
                .centre()
                .services
                .iter()
                .flat_map(|s| queue.waiting_in(&s.code).map(|t| t.id.to_string()).collect::<Vec<_>>())
                .collect();
            waiting.sort();
            (day, waiting)
        })
        .await
        .expect("reads");
    let mut stmt =
        conn.prepare("SELECT id FROM tickets WHERE day = ?1 AND status = 'waiting' ORDER BY id").expect("prepares");
    let stored: Vec<String> =
        stmt.query_map([&live.0], |r| r.get(0)).expect("reads").map(|r| r.expect("row")).collect();
    assert_eq!(live.1, stored, "step {step}: the live queue of {} differs from the stored one", live.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_restarts_and_configuration_changes_nothing_acknowledged_moves() {
    for seed in [7_u64, 1_234_567, 0xDEAD_BEEF] {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("motcua.db");
        let mut rng = Rng(seed);
        let clock = ManualClock::new(monday("01:00"));
        let mut config = variant(0);
        let mut store = open(&db, &config, &clock);
        let mut acknowledged = Acknowledged::new();
        let (mut restarts, mut days) = (0, 0);
        for step in 0..400 {
            let counter = CounterNo::new(u16::try_from(1 + rng.below(4)).unwrap_or(1)).expect("counter");
            let field = ["DD", "XD", "TP"][usize::try_from(rng.below(3)).unwrap_or(0)];
            let command = match rng.below(100) {
                0..=34 => Some(Command::Issue {
                    service: ServiceCode::parse(field).expect("code"),
                    priority: (rng.below(5) == 0).then(|| "elderly".to_string()),
                    channel: Channel::Kiosk,
                    idempotency_key: None,
                    appointment_at: None,
                }),
                35..=44 => Some(Command::Open(counter)),
                45..=59 => Some(Command::CallNext(counter)),
                60..=69 => Some(Command::Done(counter)),
                70..=73 => Some(Command::NoShow(counter)),
                74..=76 => Some(Command::Transfer(counter, ServiceCode::parse(field).expect("code"))),
                77..=89 => {
                    clock.set(
                        clock.now() + jiff::SignedDuration::from_mins(i64::try_from(1 + rng.below(90)).unwrap_or(1)),
                    );
                    days += 1;
                    None
                }
                _ => {
                    // A restart, often with another configuration.
                    drop(store);
                    if rng.below(2) == 0 {
                        config = variant(rng.below(6));
                    }
                    store = open(&db, &config, &clock);
                    restarts += 1;
                    None
                }
            };
            if let Some(command) = command {
                if let Ok(Reply::Ticket { ticket, created: true }) = store.execute(command).await {
                    let previous = acknowledged.insert(
                        ticket.id.clone(),
                        (i64::from(ticket.number), ticket.service.clone(), ticket.issued_at.clone()),
                    );
                    assert!(previous.is_none(), "step {step}: {} acknowledged twice", ticket.id);
                }
            }
            check(&db, &store, &acknowledged, step).await;
        }
        assert!(
            acknowledged.len() > 100 && restarts > 10,
            "seed {seed}: {} tickets, {restarts} restarts",
            acknowledged.len()
        );
        println!(
            "seed {seed}: {} tickets over {days} clock moves and {restarts} restarts, all intact",
            acknowledged.len()
        );
    }
}
