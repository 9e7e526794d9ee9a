//! Commands the engine executes: each validates everything first, then changes the queue and
//! returns the [`Change`]s, so a refused command leaves the queue as it was.

use jiff::{SignedDuration, Timestamp};

use super::appointments::CheckInBy;
use super::booking::BookingCode;
use super::calling::Reason;
use super::error::DomainError;
use super::ids::{CounterNo, ServiceCode, TicketId};
use super::queue::{Change, CounterStatus, Fact, Queue, RatingRecord};
use super::ticket::{Channel, Ticket, TicketStatus};

/// Longest idempotency key, pause reason, tag and comment accepted.
pub const MAX_KEY: usize = 100;
/// Longest pause reason.
pub const MAX_REASON: usize = 200;
/// Longest reason for closing a field's intake (shown on the kiosk's tile and /book).
pub const MAX_INTAKE_REASON: usize = 120;
/// Longest rating tag; at most [`MAX_TAGS`] of them.
pub const MAX_TAG: usize = 60;
/// Most rating tags.
pub const MAX_TAGS: usize = 10;
/// Longest rating comment.
pub const MAX_COMMENT: usize = 1000;

/// A change asked of the queue.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Issue a ticket.
    Issue {
        /// Service.
        service: ServiceCode,
        /// Priority class.
        priority: Option<String>,
        /// Where it was taken.
        channel: Channel,
        /// Client key making the request repeatable.
        idempotency_key: Option<String>,
        /// Appointment time, for a checked-in booking.
        appointment_at: Option<Timestamp>,
    },
    /// Call the next ticket by the calling rule.
    CallNext(CounterNo),
    /// Call a chosen ticket.
    CallTicket(CounterNo, TicketId),
    /// Call the current ticket again.
    Recall(CounterNo),
    /// Start serving the current ticket.
    Serve(CounterNo),
    /// Finish the current ticket.
    Done(CounterNo),
    /// The current ticket did not come.
    NoShow(CounterNo),
    /// Move the current ticket to another service.
    Transfer(CounterNo, ServiceCode),
    /// Cancel a waiting ticket.
    Cancel(TicketId),
    /// Put a no-show ticket back in the queue.
    Rejoin(TicketId),
    /// Open a counter.
    Open(CounterNo),
    /// Pause a counter.
    Pause(CounterNo, String),
    /// Close a counter.
    Close(CounterNo),
    /// Stop a field's intake for the rest of the service day, with the reason citizens see.
    /// Waiting tickets stay and are called; booked citizens still check in.
    CloseIntake(ServiceCode, String),
    /// Open a field's intake again.
    OpenIntake(ServiceCode),
    /// Record a rating.
    Rate(NewRating),
    /// Hold a slot while the citizen enters their details.
    Hold {
        /// A fresh code for the booking.
        code: BookingCode,
        /// Field.
        service: ServiceCode,
        /// The slot's start.
        slot_at: Timestamp,
    },
    /// Confirm a held slot.
    Confirm {
        /// The hold.
        code: BookingCode,
        /// Full name.
        name: String,
        /// Mobile number.
        phone: String,
        /// Citizen ID number.
        citizen_id: Option<String>,
    },
    /// Send a one-time code to the phone a held booking is to be confirmed with (the message goes
    /// to the outbox in the same transaction; the code itself is checked by the caller).
    SendVerification {
        /// The hold.
        code: BookingCode,
        /// Mobile number.
        phone: String,
        /// The one-time code, 6 digits (never shown by `Debug`).
        secret: super::verification::Secret,
    },
    /// Give a hold back before it is confirmed (the citizen picked another slot or left the
    /// page); its place is free at once. Releasing a hold that lapsed or was released is a no-op.
    ReleaseHold(BookingCode),
    /// Cancel a booking.
    CancelBooking {
        /// The booking.
        code: BookingCode,
        /// The phone it was made with.
        phone: String,
    },
    /// Move a booking to another slot.
    Reschedule {
        /// The booking.
        code: BookingCode,
        /// The phone it was made with.
        phone: String,
        /// The new slot's start.
        slot_at: Timestamp,
    },
    /// Turn a booking into a ticket at the kiosk.
    CheckIn(CheckInBy),
}

/// A ticket to issue.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NewTicket {
    pub service: ServiceCode,
    pub priority: Option<String>,
    pub channel: Channel,
    pub idempotency_key: Option<String>,
    pub appointment_at: Option<Timestamp>,
    /// Made by checking a booking in: takes the booking's place, not a walk-in place.
    pub from_booking: bool,
}

/// A rating as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    /// The served ticket.
    pub ticket: Option<TicketId>,
    /// Instead of `ticket`: the number printed on it and its service day.
    pub by_number: Option<(jiff::civil::Date, u32)>,
    /// When the citizen gave it, when earlier than now (a rating kept offline and delivered later).
    pub given_at: Option<Timestamp>,
    /// The counter.
    pub counter: Option<CounterNo>,
    /// Instead of a ticket: the dossier (receipt code, checked against the store) and its field.
    pub dossier: Option<(String, Option<ServiceCode>)>,
    /// Score.
    pub score: u8,
    /// Reason tags.
    pub tags: Vec<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Client key.
    pub idempotency_key: Option<String>,
}

/// What a command produced, for the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A ticket was issued; `replayed` when an idempotency key returned an existing one.
    Issued {
        /// The ticket.
        id: TicketId,
        /// Returned by idempotency key, not created.
        replayed: bool,
    },
    /// An existing ticket was acted on.
    Ticket(TicketId),
    /// A ticket was called.
    Called {
        /// The ticket.
        id: TicketId,
        /// The counter.
        counter: CounterNo,
        /// Why.
        reason: Reason,
    },
    /// Nobody waits for this counter.
    NobodyWaiting,
    /// A counter changed (or was already so).
    Counter(CounterNo),
    /// A booking was held, confirmed, moved or cancelled.
    Booking(BookingCode),
    /// A field's intake was closed or opened (or was already so).
    Intake(ServiceCode),
    /// A rating.
    Rating {
        /// The rating.
        record: RatingRecord,
        /// Returned by idempotency key, not created.
        replayed: bool,
    },
}

/// Result of a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    /// For the answer.
    pub outcome: Outcome,
    /// What changed, in order.
    pub changes: Vec<Change>,
}

pub(super) fn text(field: &'static str, value: &str, max: usize, what: &str) -> Result<String, DomainError> {
    // Invisible format characters (zero-width spaces, joiners, byte-order marks) do not make a text,
    // and direction overrides would reorder what staff and citizens read after them.
    let invisible = |c: char| matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let value = value.trim_matches(|c: char| c.is_whitespace() || invisible(c));
    if value.is_empty()
        || value.chars().count() > max
        || value.chars().any(|c| c.is_control() || bidi(c))
        || !value.chars().any(|c| c.is_alphanumeric())
    {
        return Err(DomainError::InvalidText {
            field,
            message: format!("{what} phải có từ 1 đến {max} ký tự, có chữ hoặc số, không chứa ký tự điều khiển"),
        });
    }
    Ok(value.to_string())
}

impl Queue {
    /// Executes a command at `now`. Call [`Queue::advance`] first so the day is current.
    pub fn execute(&mut self, command: Command, now: Timestamp) -> Result<Executed, DomainError> {
        match command {
            Command::Issue { service, priority, channel, idempotency_key, appointment_at } => {
                let new =
                    NewTicket { service, priority, channel, idempotency_key, appointment_at, from_booking: false };
                self.issue_ticket(new, now)
            }
            Command::Hold { code, service, slot_at } => self.hold(code, service, slot_at, now),
            Command::Confirm { code, name, phone, citizen_id } => {
                self.confirm(code, &name, &phone, citizen_id.as_deref(), now)
            }
            Command::SendVerification { code, phone, secret } => self.send_verification(code, &phone, &secret.0, now),
            Command::ReleaseHold(code) => self.release_hold(code),
            Command::CancelBooking { code, phone } => self.cancel_booking(code, &phone),
            Command::Reschedule { code, phone, slot_at } => self.reschedule(code, &phone, slot_at, now),
            Command::CheckIn(by) => self.check_in(by, now),
            Command::CallNext(no) => self.call_next(no, now),
            Command::CallTicket(no, id) => self.call_ticket(no, &id, now),
            Command::Recall(no) => self.with_current(no, "gọi lại", &[TicketStatus::Called], |q, id| {
                if let Some(t) = q.tickets.get_mut(id) {
                    t.recalls += 1;
                }
                vec![q.ticket_change(Fact::TicketRecalled { counter: no }, id)]
            }),
            Command::Serve(no) => {
                self.with_current(no, "bắt đầu phục vụ", &[TicketStatus::Called], |q, id| {
                    q.set_status(id, TicketStatus::Serving);
                    if let Some(t) = q.tickets.get_mut(id) {
                        t.serving_at = Some(now);
                    }
                    vec![q.ticket_change(Fact::TicketServing { counter: no }, id)]
                })
            }
            Command::Done(no) => {
                self.with_current(no, "hoàn thành", &[TicketStatus::Called, TicketStatus::Serving], |q, id| {
                    let (service, called_at) = match q.tickets.get(id) {
                        Some(t) => (t.service.clone(), t.called_at.unwrap_or(now)),
                        None => return Vec::new(),
                    };
                    let seconds = u32::try_from(now.duration_since(called_at).as_secs().max(1)).unwrap_or(u32::MAX);
                    q.times.entry(service).or_default().record(seconds);
                    let change = q.finish(
                        id,
                        TicketStatus::Done,
                        now,
                        Fact::TicketDone { counter: no, service_seconds: seconds },
                    );
                    vec![q.with_counter(change, no)]
                })
            }
            Command::NoShow(no) => self.with_current(no, "báo vắng mặt", &[TicketStatus::Called], |q, id| {
                let rejoin = SignedDuration::from_mins(i64::from(q.centre.policy.rejoin_minutes));
                q.set_status(id, TicketStatus::NoShow);
                if let Some(t) = q.tickets.get_mut(id) {
                    t.rejoin_until = now.checked_add(rejoin).ok();
                }
                q.release(no);
                vec![q.with_counter(q.ticket_change(Fact::TicketNoShow { counter: no }, id), no)]
            }),
            Command::Transfer(no, to) => self.transfer(no, to),
            Command::Cancel(id) => {
                let ticket = self.known(&id)?;
                if !matches!(ticket.status, TicketStatus::Waiting | TicketStatus::NoShow) {
                    return Err(invalid(ticket, "hủy"));
                }
                let change = self.finish(&id, TicketStatus::Cancelled, now, Fact::TicketCancelled);
                Ok(Executed { outcome: Outcome::Ticket(id), changes: vec![change] })
            }
            Command::Rejoin(id) => self.rejoin(id, now),
            Command::CloseIntake(service, reason) => {
                let name = self.centre.service(&service).map(|s| s.name_vi.clone());
                let name = name.ok_or_else(|| DomainError::UnknownService(service.to_string()))?;
                let reason =
                    text("reason", &reason, MAX_INTAKE_REASON, &format!("Lý do ngừng nhận số lĩnh vực {name}"))?;
                let service_of = service.clone();
                let unchanged = self.intake_closed.get(&service) == Some(&reason);
                self.intake_closed.insert(service.clone(), reason.clone());
                let changes = if unchanged { vec![] } else { vec![Change::of(Fact::IntakeClosed { service, reason })] };
                Ok(Executed { outcome: Outcome::Intake(service_of), changes })
            }
            Command::OpenIntake(service) => {
                self.centre.service(&service).ok_or_else(|| DomainError::UnknownService(service.to_string()))?;
                let changed = self.intake_closed.remove(&service).is_some();
                let outcome = Outcome::Intake(service.clone());
                let changes = if changed { vec![Change::of(Fact::IntakeOpened { service })] } else { vec![] };
                Ok(Executed { outcome, changes })
            }
            Command::Open(no) => {
                let runtime = self.counter_mut(no)?;
                let changed = runtime.status != CounterStatus::Open;
                runtime.status = CounterStatus::Open;
                let changes =
                    if changed { vec![self.counter_change(Fact::CounterOpened { counter: no }, no)] } else { vec![] };
                Ok(Executed { outcome: Outcome::Counter(no), changes })
            }
            Command::Pause(no, reason) => {
                let reason = text("reason", &reason, MAX_REASON, "Lý do tạm dừng")?;
                let runtime = self.counter_mut(no)?;
                if runtime.status == CounterStatus::Closed {
                    return Err(DomainError::CounterClosed(no.get()));
                }
                runtime.status = CounterStatus::Paused(reason.clone());
                let changes = vec![self.counter_change(Fact::CounterPaused { counter: no, reason }, no)];
                Ok(Executed { outcome: Outcome::Counter(no), changes })
            }
            Command::Close(no) => {
                let runtime = self.counter_mut(no)?;
                if let Some(current) = runtime.current.clone() {
                    let number = self.tickets.get(&current).map_or(0, |t| t.number);
                    return Err(DomainError::CounterBusy { counter: no.get(), number });
                }
                let runtime = self.counter_mut(no)?;
                let changed = runtime.status != CounterStatus::Closed;
                runtime.status = CounterStatus::Closed;
                runtime.streak = 0;
                let changes =
                    if changed { vec![self.counter_change(Fact::CounterClosed { counter: no }, no)] } else { vec![] };
                Ok(Executed { outcome: Outcome::Counter(no), changes })
            }
            Command::Rate(rating) => self.rate(rating, now),
        }
    }

    /// Issues a ticket. A ticket of a checked-in booking (`Channel::Appointment` from
    /// [`Queue::check_in`]) takes the place its booking held; any other takes a walk-in place.
    pub(super) fn issue_ticket(&mut self, new: NewTicket, now: Timestamp) -> Result<Executed, DomainError> {
        let NewTicket { service, priority, channel, idempotency_key, appointment_at, from_booking } = new;
        let key = idempotency_key.map(|k| text("idempotency_key", &k, MAX_KEY, "Khóa chống trùng")).transpose()?;
        if let Some(id) = key.as_ref().and_then(|k| self.idempotency.get(k)) {
            // The same key must mean the same request: anything else is refused, never answered
            // with the ticket the key made first.
            let first = self.known(id)?;
            if first.issued_service != service || first.priority != priority || first.channel != channel {
                return Err(DomainError::KeyReused {
                    first: format!("số {} lĩnh vực {}", first.number, self.centre.service_name(&first.issued_service)),
                });
            }
            return Ok(Executed { outcome: Outcome::Issued { id: id.clone(), replayed: true }, changes: vec![] });
        }
        let spec = self.centre.service(&service).ok_or_else(|| DomainError::UnknownService(service.to_string()))?;
        if let Some(p) = &priority {
            self.centre.priority_class(p).ok_or_else(|| DomainError::UnknownPriority(p.clone()))?;
        }
        if channel != Channel::Appointment {
            self.accepting(now).map_err(DomainError::ServiceClosed)?;
            self.intake(&service, now)?;
        }
        let issued = self.issued_count(&service);
        let booked = channel == Channel::Appointment && from_booking;
        if (!booked && self.walk_ins_left(&service, now) == 0) || issued >= spec.daily_capacity {
            return Err(DomainError::CapacityExhausted {
                service: spec.name_vi.clone(),
                capacity: spec.daily_capacity,
            });
        }
        let number = self.next_number(&service, spec.number_start);
        if number > spec.number_end {
            return Err(DomainError::NumberRangeExhausted { service: spec.name_vi.clone() });
        }
        let id = TicketId::new(self.day, &service, number);
        self.last_arrival += 1;
        let ticket = Ticket {
            id: id.clone(),
            day: self.day,
            number,
            issued_service: service.clone(),
            service: service.clone(),
            priority,
            channel,
            status: TicketStatus::Waiting,
            issued_at: now,
            arrived_at: now,
            arrival: self.last_arrival,
            appointment_at,
            counter: None,
            called_at: None,
            serving_at: None,
            finished_at: None,
            recalls: 0,
            rejoin_until: None,
            idempotency_key: key.clone(),
            rated: false,
        };
        self.tickets.insert(id.clone(), ticket);
        self.index(&id, TicketStatus::Waiting, true);
        *self.issued.entry(service.clone()).or_default() += 1;
        self.highest.insert(service, number);
        if let Some(key) = key {
            self.idempotency.insert(key, id.clone());
        }
        let change = self.ticket_change(Fact::TicketIssued, &id);
        Ok(Executed { outcome: Outcome::Issued { id, replayed: false }, changes: vec![change] })
    }

    /// A no-show ticket back in the queue within its rejoin window, keeping its place.
    pub(super) fn rejoin(&mut self, id: TicketId, now: Timestamp) -> Result<Executed, DomainError> {
        let ticket = self.known(&id)?;
        if ticket.status != TicketStatus::NoShow {
            return Err(invalid(ticket, "cho quay lại hàng chờ"));
        }
        if ticket.rejoin_until.is_none_or(|until| until < now) {
            return Err(DomainError::RejoinWindowOver(ticket.number));
        }
        self.set_status(&id, TicketStatus::Waiting);
        if let Some(t) = self.tickets.get_mut(&id) {
            t.rejoin_until = None;
            t.counter = None;
        }
        let change = self.ticket_change(Fact::TicketRejoined, &id);
        Ok(Executed { outcome: Outcome::Ticket(id), changes: vec![change] })
    }

    pub(super) fn with_current(
        &mut self,
        no: CounterNo,
        action: &'static str,
        allowed: &[TicketStatus],
        act: impl FnOnce(&mut Queue, &TicketId) -> Vec<Change>,
    ) -> Result<Executed, DomainError> {
        let id = self.current_of(no, action, allowed)?;
        let changes = act(self, &id);
        Ok(Executed { outcome: Outcome::Ticket(id), changes })
    }

    pub(super) fn current_of(
        &self,
        no: CounterNo,
        action: &'static str,
        allowed: &[TicketStatus],
    ) -> Result<TicketId, DomainError> {
        let runtime = self.counters.get(&no).ok_or(DomainError::UnknownCounter(no.get()))?;
        let id = runtime.current.clone().ok_or(DomainError::NoCurrentTicket(no.get()))?;
        let ticket = self.known(&id)?;
        if !allowed.contains(&ticket.status) {
            return Err(invalid(ticket, action));
        }
        Ok(id)
    }

    pub(super) fn known(&self, id: &TicketId) -> Result<&Ticket, DomainError> {
        self.tickets.get(id).ok_or_else(|| DomainError::UnknownTicket(id.to_string()))
    }

    fn counter_mut(&mut self, no: CounterNo) -> Result<&mut super::queue::CounterRuntime, DomainError> {
        self.counters.get_mut(&no).ok_or(DomainError::UnknownCounter(no.get()))
    }

    pub(super) fn release(&mut self, no: CounterNo) {
        if let Some(runtime) = self.counters.get_mut(&no) {
            runtime.current = None;
        }
    }

    /// Adds the counter's new state to a ticket change that also changed the counter.
    pub(super) fn with_counter(&self, mut change: Change, no: CounterNo) -> Change {
        change.counter = self.counters.get(&no).map(|c| (no, c.clone()));
        change
    }
}

pub(super) fn invalid(ticket: &Ticket, action: &'static str) -> DomainError {
    DomainError::InvalidTransition { number: ticket.number, action, status: ticket.status.label_vi() }
}
