//! The adapters: every view's callbacks wired to its flow, effects run through the [`Core`] on the
//! async runtime (never on the UI thread), results brought back with `upgrade_in_event_loop`, and
//! the timers that keep the clock, the idle return home and the ticket countdown.

mod render;
mod scan;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use motcua_protocol::api::{CentreInfo, ServiceInfo};
use slint::{ComponentHandle, Timer, TimerMode, Weak};

pub use render::qr_image;

use crate::core::{Core, Outcome};
use crate::flows::Effect;
use crate::flows::catalogue::CatalogueFlow;
use crate::flows::checkin::CheckinFlow;
use crate::flows::dossier::DossierFlow;
use crate::flows::rating::RatingFlow;
use crate::flows::scanner::ScanBuffer;
use crate::flows::ticket::{Step, TicketFlow};
use crate::ui::*;

/// Screens, as `Nav.screen` numbers them.
pub mod screens {
    /// Home.
    pub const HOME: i32 = 0;
    /// Take a ticket.
    pub const TICKET: i32 = 1;
    /// Dossier lookup.
    pub const DOSSIER: i32 = 2;
    /// Procedure catalogue.
    pub const CATALOGUE: i32 = 3;
    /// Appointment check-in.
    pub const CHECKIN: i32 = 4;
    /// Rating.
    pub const RATING: i32 = 5;

    /// A screen's name, for logs.
    pub fn name(screen: i32) -> &'static str {
        match screen {
            HOME => "home",
            TICKET => "ticket",
            DOSSIER => "dossier",
            CATALOGUE => "catalogue",
            CHECKIN => "checkin",
            RATING => "rating",
            _ => "?",
        }
    }
}

/// How long the issued number stays on screen before the kiosk returns home.
const NUMBER_SHOWN: Duration = Duration::from_secs(10);
/// The same when the ticket did not print: time to photograph the number and its QR code.
const NUMBER_SHOWN_UNPRINTED: Duration = Duration::from_secs(45);

/// Everything the UI thread knows.
pub struct UiState {
    core: Arc<Core>,
    runtime: tokio::runtime::Handle,
    screen: i32,
    last_touch: Instant,
    number_shown_at: Option<Instant>,
    idle: Duration,
    services: Vec<ServiceInfo>,
    centre: CentreInfo,
    online: bool,
    ticket: TicketFlow,
    dossier: DossierFlow,
    catalogue: CatalogueFlow,
    checkin: CheckinFlow,
    rating: RatingFlow,
    scanner: ScanBuffer,
    /// Empties the scanner's buffer when a scan is left unfinished.
    scan_expiry: Timer,
}

impl std::fmt::Debug for UiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UiState").field("screen", &self.screen).field("online", &self.online).finish_non_exhaustive()
    }
}

impl UiState {
    /// Seconds left before the number screen returns home.
    fn countdown(&self) -> u64 {
        let shown = if self.ticket.printed { NUMBER_SHOWN } else { NUMBER_SHOWN_UNPRINTED };
        self.number_shown_at.map_or(shown.as_secs(), |at| shown.saturating_sub(at.elapsed()).as_secs())
    }

    fn go(&mut self, screen: i32) {
        if screen != self.screen {
            tracing::info!(screen = screens::name(screen), "screen");
        }
        self.screen = screen;
        self.number_shown_at = None;
        match screen {
            screens::HOME => self.ticket.forget_unanswered(),
            screens::TICKET => self.ticket.open(),
            screens::DOSSIER => self.dossier.open(),
            screens::CATALOGUE => self.catalogue.open(),
            screens::CHECKIN => self.checkin.open(),
            screens::RATING => self.rating.open(),
            _ => {}
        }
    }
}

type Shared = Rc<RefCell<UiState>>;

thread_local! {
    static STATE: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

fn with_state(f: impl FnOnce(&mut UiState, &AppWindow), app: &AppWindow) {
    let shared = STATE.with(|s| s.borrow().clone());
    if let Some(shared) = shared {
        let mut state = shared.borrow_mut();
        f(&mut state, app);
    }
}

/// Runs an effect: UI-only effects at once, the rest on the runtime, the outcome fed back to the
/// flow on the UI thread.
fn run(app: &AppWindow, state: &mut UiState, effect: Effect) {
    match effect {
        Effect::None => {}
        Effect::TakeTicketFor(service) => {
            state.go(screens::TICKET);
            let next = state.ticket.choose(&state.services, &state.centre.priority_classes, &service);
            render::all(app, state);
            run(app, state, next);
        }
        effect => {
            let core = state.core.clone();
            let weak: Weak<AppWindow> = app.as_weak();
            state.runtime.spawn(async move {
                let outcome = core.run(effect).await;
                let _ =
                    weak.upgrade_in_event_loop(move |app| with_state(|state, app| apply(app, state, outcome), &app));
            });
        }
    }
}

fn apply(app: &AppWindow, state: &mut UiState, outcome: Outcome) {
    let next = match outcome {
        Outcome::Nothing => Effect::None,
        Outcome::Issued(answer) => state.ticket.issued(answer),
        Outcome::Printed(ok) => {
            if state.screen == screens::TICKET && state.ticket.step == Step::Printing {
                state.ticket.printed(ok);
                state.number_shown_at = Some(Instant::now());
            }
            Effect::None
        }
        Outcome::SlipPrinted(code, ok) => {
            state.dossier.apology_printed(&code, ok);
            Effect::None
        }
        Outcome::LookedUp(code, answer) => {
            state.dossier.answered(&code, answer);
            Effect::None
        }
        Outcome::Searched(query, answer) => {
            state.catalogue.results(&query, answer);
            Effect::None
        }
        Outcome::CheckedIn(answer) => state.checkin.answered(answer),
        Outcome::BookingsListed(answer) => state.checkin.listed(answer),
        Outcome::Found(answer) => {
            state.rating.found(answer);
            Effect::None
        }
        Outcome::DossierFound(answer) => {
            state.rating.found_dossier(answer);
            Effect::None
        }
        Outcome::Rated { queued } => {
            state.rating.set_queued(queued);
            Effect::None
        }
    };
    render::all(app, state);
    run(app, state, next);
}

/// A callback body: the state, then render, then the effect.
macro_rules! on {
    ($app:expr, |$state:ident $(, $arg:ident)*| $body:expr) => {{
        let weak = $app.as_weak();
        move |$($arg),*| {
            if let Some(app) = weak.upgrade() {
                with_state(|$state, app| {
                    let effect: Effect = $body;
                    render::all(app, $state);
                    run(app, $state, effect);
                }, &app);
            }
        }
    }};
}

/// Starts a kiosk on `runtime`: the core with its background work, and the window wired to it.
/// Returns the core, the window (not yet shown) and the timer that must live as long as the window.
pub fn start(
    config: crate::config::KioskConfig,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Arc<Core>, AppWindow, Timer), String> {
    let core = runtime.block_on(Core::start(config))?;
    core.spawn_background(runtime.handle());
    let app = AppWindow::new().map_err(|e| e.to_string())?;
    let timer = install(&app, core.clone(), runtime.handle().clone());
    Ok((core, app, timer))
}

/// Wires `app` to `core`; effects run on `runtime`. Returns the timer that must live as long as the
/// window.
pub fn install(app: &AppWindow, core: Arc<Core>, runtime: tokio::runtime::Handle) -> Timer {
    let config = core.config().clone();
    let state = UiState {
        centre: core.centre(),
        services: core.services().borrow().clone(),
        online: *core.online().borrow(),
        runtime: runtime.clone(),
        screen: screens::HOME,
        last_touch: Instant::now(),
        number_shown_at: None,
        idle: Duration::from_secs(config.idle_timeout_seconds.max(5)),
        ticket: TicketFlow::new(core.keys()),
        dossier: DossierFlow::default(),
        catalogue: CatalogueFlow::default(),
        checkin: CheckinFlow::default(),
        rating: RatingFlow::new(core.keys(), &config.rating_tags),
        scanner: ScanBuffer::default(),
        scan_expiry: Timer::default(),
        core: core.clone(),
    };
    STATE.with(|s| *s.borrow_mut() = Some(Rc::new(RefCell::new(state))));

    app.global::<Activity>().on_touched(on!(app, |s| {
        s.last_touch = Instant::now();
        Effect::None
    }));
    app.global::<HomeAdapter>().on_open(on!(app, |s, tile| {
        s.go(match tile {
            0 => screens::TICKET,
            1 => screens::DOSSIER,
            2 => screens::CHECKIN,
            3 => screens::RATING,
            _ => screens::CATALOGUE,
        });
        Effect::None
    }));

    let t = app.global::<TicketAdapter>();
    t.on_choose(on!(app, |s, code| s.ticket.choose(&s.services, &s.centre.priority_classes, &code)));
    t.on_choose_class(on!(app, |s, code| s.ticket.choose_class(&code)));
    t.on_retry(on!(app, |s| {
        s.ticket.open();
        Effect::None
    }));
    t.on_home(on!(app, |s| {
        s.go(screens::HOME);
        Effect::None
    }));

    let d = app.global::<DossierAdapter>();
    d.on_key(on!(app, |s, k| {
        s.dossier.key(&k);
        Effect::None
    }));
    d.on_backspace(on!(app, |s| {
        s.dossier.backspace();
        Effect::None
    }));
    d.on_submit(on!(app, |s| s.dossier.submit()));
    d.on_ask_factor(on!(app, |s| {
        s.dossier.ask_factor();
        Effect::None
    }));
    d.on_submit_factor(on!(app, |s| s.dossier.submit_factor()));
    d.on_print_apology(on!(app, |s| s.dossier.print_apology()));
    d.on_cancel_factor(on!(app, |s| {
        s.dossier.cancel_factor();
        Effect::None
    }));
    d.on_again(on!(app, |s| {
        s.dossier.again();
        Effect::None
    }));
    d.on_home(on!(app, |s| {
        s.go(screens::HOME);
        Effect::None
    }));

    let c = app.global::<CatalogueAdapter>();
    c.on_choose_field(on!(app, |s, code| {
        let name = s
            .services
            .iter()
            .find(|svc| svc.code == code.as_str())
            .map_or_else(|| code.to_string(), |svc| svc.name_vi.clone());
        s.catalogue.choose_field(&code, &name)
    }));
    c.on_key(on!(app, |s, k| s.catalogue.key(&k)));
    c.on_backspace(on!(app, |s| s.catalogue.backspace()));
    c.on_toggle_keyboard(on!(app, |s| {
        s.catalogue.toggle_keyboard();
        Effect::None
    }));
    c.on_open(on!(app, |s, code| {
        s.catalogue.open_procedure(&code);
        Effect::None
    }));
    c.on_take_ticket(on!(app, |s| s.catalogue.take_ticket()));
    c.on_back(on!(app, |s| {
        s.catalogue.back();
        Effect::None
    }));
    c.on_home(on!(app, |s| {
        s.go(screens::HOME);
        Effect::None
    }));

    let k = app.global::<CheckinAdapter>();
    k.on_set_mode(on!(app, |s, mode| {
        s.checkin.set_mode(mode);
        Effect::None
    }));
    k.on_key(on!(app, |s, key| {
        s.checkin.key(&key);
        Effect::None
    }));
    k.on_backspace(on!(app, |s| {
        s.checkin.backspace();
        Effect::None
    }));
    k.on_submit(on!(app, |s| s.checkin.submit()));
    k.on_choose(on!(app, |s, code| s.checkin.choose(&code)));
    k.on_again(on!(app, |s| {
        s.checkin.again();
        Effect::None
    }));
    k.on_home(on!(app, |s| {
        s.go(screens::HOME);
        Effect::None
    }));

    let r = app.global::<RatingAdapter>();
    r.on_key(on!(app, |s, key| {
        s.rating.key(&key);
        Effect::None
    }));
    r.on_backspace(on!(app, |s| {
        s.rating.backspace();
        Effect::None
    }));
    r.on_submit_number(on!(app, |s| s.rating.submit_number()));
    r.on_choose(on!(app, |s, score| {
        let levels = s.centre.rating_levels.len();
        s.rating.choose(u8::try_from(score).unwrap_or(1), levels)
    }));
    r.on_toggle_tag(on!(app, |s, i| {
        s.rating.toggle_tag(usize::try_from(i).unwrap_or(usize::MAX));
        Effect::None
    }));
    r.on_send(on!(app, |s| s.rating.send()));
    r.on_again(on!(app, |s| {
        s.rating.again();
        Effect::None
    }));
    r.on_home(on!(app, |s| {
        s.go(screens::HOME);
        Effect::None
    }));

    let weak = app.as_weak();
    app.global::<Nav>().on_key(move |text| {
        let Some(app) = weak.upgrade() else { return };
        with_state(
            |s, app| {
                let scan = s.scanner.key(&text, Instant::now());
                app.global::<Nav>().set_scanning(s.scanner.pending());
                if s.scanner.pending() {
                    let weak = app.as_weak();
                    s.scan_expiry.start(TimerMode::SingleShot, s.scanner.gap(), move || {
                        let Some(app) = weak.upgrade() else { return };
                        with_state(
                            |s, app| {
                                s.scanner.clear();
                                app.global::<Nav>().set_scanning(false);
                            },
                            &app,
                        );
                    });
                }
                if let Some(scan) = scan {
                    let effect = scan::scanned(s, &scan);
                    render::all(app, s);
                    run(app, s, effect);
                }
            },
            &app,
        );
    });

    follow(app, &core, &runtime);
    with_state(|s, app| render::all(app, s), app);

    let weak = app.as_weak();
    let timer = Timer::default();
    timer.start(TimerMode::Repeated, Duration::from_secs(1), move || {
        let Some(app) = weak.upgrade() else { return };
        with_state(
            |s, app| {
                // The number screen keeps its own countdown (longer when the ticket did not print).
                let number_on_screen = s.screen == screens::TICKET && s.ticket.step == Step::Done;
                let idle = s.screen != screens::HOME && !number_on_screen && s.last_touch.elapsed() >= s.idle;
                let shown = number_on_screen && s.countdown() == 0;
                if idle || shown {
                    s.go(screens::HOME);
                }
                app.global::<HomeAdapter>().set_clock(clock(&s.centre.time_zone, s.core.now()).into());
                render::all(app, s);
            },
            &app,
        );
    });
    timer
}

/// Keeps services and the online flag from the core's live stream on screen.
fn follow(app: &AppWindow, core: &Arc<Core>, runtime: &tokio::runtime::Handle) {
    let (mut services, mut online) = (core.services(), core.online());
    let weak = app.as_weak();
    runtime.spawn(async move {
        loop {
            tokio::select! {
                changed = services.changed() => if changed.is_err() { return },
                changed = online.changed() => if changed.is_err() { return },
            }
            let (list, up) = (services.borrow_and_update().clone(), *online.borrow_and_update());
            let _ = weak.upgrade_in_event_loop(move |app| {
                with_state(
                    |s, app| {
                        s.services = list;
                        s.online = up;
                        if up {
                            s.centre = s.core.centre();
                        }
                        render::all(app, s);
                    },
                    &app,
                )
            });
        }
    });
}

/// `HH:MM  Thứ Hai dd/mm/yyyy` of `now` (the server's clock) in the centre's time zone.
fn clock(time_zone: &str, now: jiff::Timestamp) -> String {
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = now.to_zoned(tz);
    let day = motcua_protocol::text::WEEKDAYS_VI[usize::try_from(now.weekday().to_monday_zero_offset()).unwrap_or(0)];
    format!("{}  {day} {}", now.strftime("%H:%M"), now.strftime("%d/%m/%Y"))
}
