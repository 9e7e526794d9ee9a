//! Ratings: tied to a served ticket (once) or to a counter.

use jiff::Timestamp;

use super::commands::{Executed, MAX_COMMENT, MAX_KEY, MAX_TAG, MAX_TAGS, NewRating, Outcome, text};
use super::error::DomainError;

use super::queue::{Change, Fact, Queue, RatingRecord};
use super::ticket::TicketStatus;

impl Queue {
    pub(super) fn rate(&mut self, asked: NewRating, now: Timestamp) -> Result<Executed, DomainError> {
        let NewRating { ticket, counter, score, tags, comment, idempotency_key } = asked;
        let key = idempotency_key.map(|k| text("idempotency_key", &k, MAX_KEY, "Khóa chống trùng")).transpose()?;
        if let Some(record) = key.as_ref().and_then(|k| self.rating_keys.get(k)) {
            return Ok(Executed {
                outcome: Outcome::Rating { record: record.clone(), replayed: true },
                changes: vec![],
            });
        }
        let levels = self.centre.rating_levels.len();
        if score == 0 || usize::from(score) > levels {
            return Err(DomainError::InvalidScore { levels });
        }
        if tags.len() > MAX_TAGS {
            return Err(DomainError::InvalidText { field: "tags", message: format!("Tối đa {MAX_TAGS} lý do") });
        }
        let tags = tags.iter().map(|t| text("tags", t, MAX_TAG, "Mỗi lý do")).collect::<Result<Vec<_>, _>>()?;
        let comment =
            comment.filter(|c| !c.trim().is_empty()).map(|c| text("comment", &c, MAX_COMMENT, "Góp ý")).transpose()?;
        let (counter, service) = match &ticket {
            Some(id) => {
                let t = self.known(id)?;
                if t.status != TicketStatus::Done {
                    return Err(DomainError::NotServedYet(t.number));
                }
                if t.rated {
                    return Err(DomainError::AlreadyRated(t.number));
                }
                (t.counter.or(counter), Some(t.service.clone()))
            }
            None => {
                let no = counter.ok_or(DomainError::RatingWithoutTarget)?;
                self.centre.counter(no).ok_or(DomainError::UnknownCounter(no.get()))?;
                (Some(no), None)
            }
        };
        let record = RatingRecord {
            id: self.next_rating_id,
            ticket: ticket.clone(),
            counter,
            service,
            score,
            tags,
            comment,
            at: now,
            idempotency_key: key.clone(),
        };
        self.next_rating_id += 1;
        if let Some(t) = ticket.as_ref().and_then(|id| self.tickets.get_mut(id)) {
            t.rated = true;
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
