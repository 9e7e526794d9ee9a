//! Ratings: tied to a served ticket (once) or to a counter. A ticket of an earlier service day can
//! still be rated for [`LATE_RATING_DAYS`] (a kiosk that was offline delivers what citizens gave):
//! [`rate_stored`] checks it the same way and the rating lands on that day.

use jiff::Timestamp;
use jiff::civil::Date;

use super::centre::Centre;
use super::commands::{Executed, MAX_COMMENT, MAX_KEY, MAX_TAG, MAX_TAGS, NewRating, Outcome, text};
use super::error::DomainError;
use super::ids::{CounterNo, TicketId};
use super::queue::{Change, Fact, Queue, RatingRecord};
use super::ticket::{Ticket, TicketStatus};

/// Days after its service day that a ticket can still be rated.
pub const LATE_RATING_DAYS: i64 = 7;

/// What a rating says, checked: score on the scale, tags and comment within their limits.
struct Checked {
    score: u8,
    tags: Vec<String>,
    comment: Option<String>,
    key: Option<String>,
}

fn check(centre: &Centre, asked: &NewRating) -> Result<Checked, DomainError> {
    let key = asked
        .idempotency_key
        .as_deref()
        .map(|k| text("idempotency_key", k, MAX_KEY, "Khóa chống trùng"))
        .transpose()?;
    let levels = centre.rating_levels.len();
    if asked.score == 0 || usize::from(asked.score) > levels {
        return Err(DomainError::InvalidScore { levels });
    }
    if asked.tags.len() > MAX_TAGS {
        return Err(DomainError::InvalidText { field: "tags", message: format!("Tối đa {MAX_TAGS} lý do") });
    }
    let tags = asked.tags.iter().map(|t| text("tags", t, MAX_TAG, "Mỗi lý do")).collect::<Result<Vec<_>, _>>()?;
    let comment = asked
        .comment
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| text("comment", c, MAX_COMMENT, "Góp ý"))
        .transpose()?;
    Ok(Checked { score: asked.score, tags, comment, key })
}

/// When a rating of `ticket` counts as given: when the citizen gave it, but not before the ticket
/// was served and not after now.
fn given(ticket: Option<&Ticket>, asked: Option<Timestamp>, now: Timestamp) -> Timestamp {
    let earliest = ticket.and_then(|t| t.finished_at.or(t.called_at)).unwrap_or(now);
    asked.map_or(now, |at| at.clamp(earliest.min(now), now))
}

/// Whether `earlier` is the same record a retried request would make: same target (ticket,
/// dossier, or counter alone) and score.
pub fn same_rating(
    earlier: &RatingRecord,
    ticket: Option<&TicketId>,
    dossier: Option<&str>,
    counter: Option<CounterNo>,
    score: u8,
) -> bool {
    let same_target = earlier.ticket.as_ref() == ticket
        && earlier.dossier.as_deref() == dossier
        && (ticket.is_some() || dossier.is_some() || earlier.counter == counter);
    same_target && earlier.score == score
}

/// The refusal for a key that made another rating.
pub fn key_reused(earlier: &RatingRecord) -> DomainError {
    let target = match (&earlier.ticket, &earlier.dossier) {
        (Some(id), _) => format!("phiếu {id}"),
        (None, Some(code)) => format!("hồ sơ {code}"),
        (None, None) => format!("quầy {}", earlier.counter.map_or(0, CounterNo::get)),
    };
    DomainError::KeyReused { first: format!("một đánh giá khác ({target})") }
}

/// A rating of `ticket`, a ticket of an earlier service day than `today` found in the store: the
/// ticket as rated and the record, made with rating id `id`. Refused as today's are (not served,
/// rated already, bad score or text), and when the day is more than [`LATE_RATING_DAYS`] ago.
pub fn rate_stored(
    centre: &Centre,
    ticket: &Ticket,
    asked: &NewRating,
    id: i64,
    today: Date,
    now: Timestamp,
) -> Result<(Ticket, RatingRecord), DomainError> {
    let checked = check(centre, asked)?;
    let days = ticket.day.until(today).map(|span| span.get_days()).unwrap_or(i32::MAX);
    if i64::from(days) > LATE_RATING_DAYS {
        return Err(DomainError::RatingTooLate { number: ticket.number, days: LATE_RATING_DAYS });
    }
    if ticket.status != TicketStatus::Done {
        return Err(DomainError::NotServedYet(ticket.number));
    }
    if ticket.rated {
        return Err(DomainError::AlreadyRated(ticket.number));
    }
    let record = RatingRecord {
        id,
        dossier: None,
        ticket: Some(ticket.id.clone()),
        counter: ticket.counter.or(asked.counter),
        service: Some(ticket.service.clone()),
        score: checked.score,
        tags: checked.tags,
        comment: checked.comment,
        at: given(Some(ticket), asked.given_at, now),
        idempotency_key: checked.key,
    };
    Ok((Ticket { rated: true, ..ticket.clone() }, record))
}

impl Queue {
    /// The id the next rating will get.
    pub fn peek_rating_id(&self) -> i64 {
        self.next_rating_id
    }

    /// The id the next rating gets (and takes it).
    pub fn take_rating_id(&mut self) -> i64 {
        let id = self.next_rating_id;
        self.next_rating_id += 1;
        id
    }
}

impl Queue {
    pub(super) fn rate(&mut self, asked: NewRating, now: Timestamp) -> Result<Executed, DomainError> {
        let checked = check(&self.centre, &asked)?;
        // A ticket named by its number and today's date is today's ticket with that number.
        let ticket = match (&asked.ticket, asked.by_number) {
            (Some(id), _) => Some(id.clone()),
            (None, Some((day, number))) if day == self.day => Some(
                self.tickets
                    .values()
                    .find(|t| t.number == number && t.day == day)
                    .map(|t| t.id.clone())
                    .ok_or_else(|| DomainError::UnknownTicket(number.to_string()))?,
            ),
            (None, Some((_, number))) => return Err(DomainError::UnknownTicket(number.to_string())),
            (None, None) => None,
        };
        let dossier = asked.dossier.as_ref().map(|(code, _)| code.as_str());
        if let Some(record) = checked.key.as_ref().and_then(|k| self.rating_keys.get(k)) {
            if !same_rating(record, ticket.as_ref(), dossier, asked.counter, asked.score) {
                return Err(key_reused(record));
            }
            return Ok(Executed {
                outcome: Outcome::Rating { record: record.clone(), replayed: true },
                changes: vec![],
            });
        }
        let Checked { score, tags, comment, key } = checked;
        let counter = asked.counter;
        let (counter, service) = match (&ticket, &asked.dossier) {
            (Some(id), _) => {
                let t = self.known(id)?;
                if t.status != TicketStatus::Done {
                    return Err(DomainError::NotServedYet(t.number));
                }
                if t.rated {
                    return Err(DomainError::AlreadyRated(t.number));
                }
                (t.counter.or(counter), Some(t.service.clone()))
            }
            // A dossier, rated once: its field from the catalogue, the counter if given.
            (None, Some((code, service))) => {
                if self.rated_dossiers.contains(code) {
                    return Err(DomainError::DossierAlreadyRated(code.clone()));
                }
                if let Some(no) = counter {
                    self.centre.counter(no).ok_or(DomainError::UnknownCounter(no.get()))?;
                }
                (counter, service.clone())
            }
            (None, None) => {
                let no = counter.ok_or(DomainError::RatingWithoutTarget)?;
                self.centre.counter(no).ok_or(DomainError::UnknownCounter(no.get()))?;
                (Some(no), None)
            }
        };
        let at = given(ticket.as_ref().and_then(|id| self.tickets.get(id)), asked.given_at, now);
        let record = RatingRecord {
            id: self.take_rating_id(),
            dossier: asked.dossier.as_ref().filter(|_| ticket.is_none()).map(|(code, _)| code.clone()),
            ticket: ticket.clone(),
            counter,
            service,
            score,
            tags,
            comment,
            at,
            idempotency_key: key.clone(),
        };
        if let Some(t) = ticket.as_ref().and_then(|id| self.tickets.get_mut(id)) {
            t.rated = true;
        }
        if let Some(code) = &record.dossier {
            self.rated_dossiers.insert(code.clone());
        }
        if let Some(key) = key {
            self.rating_keys.insert(key, record.clone());
        }
        let mut change = match &ticket {
            Some(id) => self.ticket_change(Fact::RatingGiven, id),
            None => Change::of(Fact::RatingGiven),
        };
        change.rating = Some(record.clone());
        Ok(Executed { outcome: Outcome::Rating { record, replayed: false }, changes: vec![change] })
    }
}
