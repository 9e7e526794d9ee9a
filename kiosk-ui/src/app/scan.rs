//! Where a whole scan goes, whatever screen is up.

use std::time::Instant;

use super::{UiState, screens};
use crate::flows::Effect;
use crate::flows::scanner::{Scan, classify};

/// A whole scan, sent where it belongs whatever the screen: a ticket's QR to rating, a booking's
/// code to check-in, a number to rating when rating, anything else to dossier lookup.
pub(super) fn scanned(s: &mut UiState, text: &str) -> Effect {
    s.last_touch = Instant::now();
    let open = |s: &mut UiState, screen: i32| {
        if s.screen != screen {
            s.go(screen);
        }
    };
    match classify(text) {
        Scan::Ticket(id) => {
            open(s, screens::RATING);
            s.rating.find_ticket(&id)
        }
        Scan::Booking(code) => {
            open(s, screens::CHECKIN);
            s.checkin.scanned(&code)
        }
        Scan::Number(_) if s.screen == screens::RATING => s.rating.scanned(text),
        Scan::Number(n) => {
            open(s, screens::DOSSIER);
            s.dossier.scanned(&n.to_string())
        }
        // A receipt scanned on the rating screen rates that dossier.
        Scan::Dossier(code) if s.screen == screens::RATING => s.rating.scanned_receipt(&code),
        Scan::Dossier(code) => {
            open(s, screens::DOSSIER);
            s.dossier.scanned(&code)
        }
    }
}
