//! Calling: the next ticket by the rule, a chosen ticket, and moving a called ticket to another
//! service.

use jiff::Timestamp;

use super::calling::{self, CallContext, Reason, ReasonCode};
use super::commands::{Executed, Outcome, invalid};
use super::error::DomainError;
use super::ids::{CounterNo, ServiceCode, TicketId};
use super::queue::{CounterStatus, Fact, Queue};
use super::ticket::TicketStatus;

impl Queue {
    /// The ticket counter `no` would call now and why, without calling it (the console's preview).
    pub fn next_for(&self, no: CounterNo, now: Timestamp) -> Option<(&super::ticket::Ticket, calling::Reason)> {
        let spec = self.centre.counter(no)?;
        let streak = self.counters.get(&no).map_or(0, |c| c.streak);
        let ctx = CallContext { counter: spec, streak, centre: &self.centre, now };
        calling::choose(&ctx, self).map(|choice| (choice.ticket, choice.reason))
    }

    pub(super) fn call_next(&mut self, no: CounterNo, now: Timestamp) -> Result<Executed, DomainError> {
        self.ready_to_call(no)?;
        let spec = self.centre.counter(no).ok_or(DomainError::UnknownCounter(no.get()))?;
        let streak = self.counters.get(&no).map_or(0, |c| c.streak);
        let ctx = CallContext { counter: spec, streak, centre: &self.centre, now };
        let Some(choice) = calling::choose(&ctx, &*self) else {
            return Ok(Executed { outcome: Outcome::NobodyWaiting, changes: vec![] });
        };
        let (id, reason, streak) = (choice.ticket.id.clone(), choice.reason, choice.streak);
        Ok(self.mark_called(no, id, reason, streak, now))
    }

    pub(super) fn call_ticket(
        &mut self,
        no: CounterNo,
        id: &TicketId,
        now: Timestamp,
    ) -> Result<Executed, DomainError> {
        self.ready_to_call(no)?;
        let spec = self.centre.counter(no).ok_or(DomainError::UnknownCounter(no.get()))?;
        let ticket = self.known(id)?;
        let rejoining = ticket.status == TicketStatus::NoShow && ticket.rejoin_until.is_some_and(|u| u >= now);
        if ticket.status != TicketStatus::Waiting && !rejoining {
            return Err(invalid(ticket, "gọi"));
        }
        if !spec.services.contains(&ticket.service) {
            return Err(DomainError::NotServedHere {
                counter: no.get(),
                service: self.centre.service_name(&ticket.service),
            });
        }
        let text = if rejoining {
            "Cán bộ gọi lại số đã vắng mặt vì công dân đã quay lại".to_string()
        } else {
            "Cán bộ chọn gọi số này".to_string()
        };
        let streak = self.counters.get(&no).map_or(0, |c| c.streak);
        Ok(self.mark_called(no, id.clone(), Reason { code: ReasonCode::Chosen, text }, streak, now))
    }

    fn ready_to_call(&self, no: CounterNo) -> Result<(), DomainError> {
        let runtime = self.counters.get(&no).ok_or(DomainError::UnknownCounter(no.get()))?;
        match runtime.status {
            CounterStatus::Closed => return Err(DomainError::CounterClosed(no.get())),
            CounterStatus::Paused(_) => return Err(DomainError::CounterPaused(no.get())),
            CounterStatus::Open => {}
        }
        if let Some(current) = &runtime.current {
            let number = self.tickets.get(current).map_or(0, |t| t.number);
            return Err(DomainError::CounterBusy { counter: no.get(), number });
        }
        Ok(())
    }

    fn mark_called(&mut self, no: CounterNo, id: TicketId, reason: Reason, streak: u32, now: Timestamp) -> Executed {
        self.set_status(&id, TicketStatus::Called);
        if let Some(t) = self.tickets.get_mut(&id) {
            t.counter = Some(no);
            t.called_at = Some(now);
            t.rejoin_until = None;
        }
        if let Some(runtime) = self.counters.get_mut(&no) {
            runtime.current = Some(id.clone());
            runtime.streak = streak;
        }
        let change = self.ticket_change(Fact::TicketCalled { counter: no, reason: reason.clone() }, &id);
        let changes = vec![self.with_counter(change, no)];
        Executed { outcome: Outcome::Called { id, counter: no, reason }, changes }
    }

    pub(super) fn transfer(&mut self, no: CounterNo, to: ServiceCode) -> Result<Executed, DomainError> {
        if self.centre.service(&to).is_none() {
            return Err(DomainError::UnknownService(to.to_string()));
        }
        let id = self.current_of(no, "chuyển lĩnh vực", &[TicketStatus::Called, TicketStatus::Serving])?;
        let from = self.tickets.get(&id).map(|t| t.service.clone()).ok_or(DomainError::NoCurrentTicket(no.get()))?;
        if from == to {
            return Err(DomainError::SameService);
        }
        // Called or serving: not in the waiting index, so the service can change before re-queueing.
        if let Some(t) = self.tickets.get_mut(&id) {
            t.service = to.clone();
            t.counter = None;
            t.called_at = None;
            t.serving_at = None;
            t.recalls = 0;
        }
        self.set_status(&id, TicketStatus::Waiting);
        self.release(no);
        let change = self.ticket_change(Fact::TicketTransferred { counter: no, from, to }, &id);
        let changes = vec![self.with_counter(change, no)];
        Ok(Executed { outcome: Outcome::Ticket(id), changes })
    }
}
