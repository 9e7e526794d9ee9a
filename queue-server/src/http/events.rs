//! `GET /api/v1/events`: the live stream (Server-Sent Events).
//!
//! A fresh connection first receives a `snapshot` event, then every change. A client reconnecting
//! with `Last-Event-ID` (header, or `?last_event_id=` for the first connection) receives exactly what
//! it missed instead, or a new snapshot when that is no longer possible. `?topics=calls,services`
//! limits the stream to some topics; snapshots and day changes always come. A client too slow to
//! keep up is sent a fresh snapshot rather than a gap. A [`Heartbeat`] with the centre's time opens
//! the stream and follows every [`HEARTBEAT_EVERY`]: it keeps proxies from closing an idle stream,
//! lets clients notice a dead one, and is the only clock the pages show.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
use motcua_protocol::events::{HEARTBEAT, Heartbeat, QueueEvent, Snapshot, Topic};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

use super::AppState;
use super::error::ApiError;
use crate::domain::ParseError;
use crate::live::{Hub, Published, Start};
use crate::views;

/// Query of `GET /api/v1/events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Comma-separated topics: tickets, calls, counters, services, ratings, devices, system. All when absent.
    pub topics: Option<String>,
    /// Resume after this event id (same as the `Last-Event-ID` header).
    pub last_event_id: Option<String>,
}

/// Time between heartbeats on every live stream.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(3);

/// The heartbeat event: the centre's time now.
pub(super) fn heartbeat(state: &AppState) -> Event {
    let schedule = &state.config.centre.schedule;
    let now = state.clock.now();
    let (time, date_vi) = schedule.local_clock(now);
    let beat = Heartbeat {
        now: schedule.format(now),
        time,
        date_vi,
        every_seconds: u32::try_from(HEARTBEAT_EVERY.as_secs()).unwrap_or(3),
    };
    Event::default().event(HEARTBEAT).data(serde_json::to_string(&beat).unwrap_or_else(|_| "{}".into()))
}

/// A heartbeat timer whose first tick is immediate.
pub(super) fn heartbeats() -> tokio::time::Interval {
    let mut beat = tokio::time::interval(HEARTBEAT_EVERY);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    beat
}

/// What a new stream sends before live events: a snapshot, or the events missed (kept as the
/// shared published events and written one by one as the client reads, never copied up front).
enum First {
    Event(Event),
    Missed(Arc<Published>),
}

struct Feed {
    first: VecDeque<First>,
    /// Held while the stream is open.
    _slot: super::streams::Slot,
    beat: tokio::time::Interval,
    rx: broadcast::Receiver<Arc<Published>>,
    shutdown: watch::Receiver<bool>,
    topics: Option<HashSet<Topic>>,
    state: AppState,
}

fn published_event(p: &Published, hub: &Hub) -> Event {
    Event::default().id(hub.id_of(p.seq)).event(p.name).data(&p.json)
}

fn snapshot_event(state: &AppState, seq: u64, snapshot: &Snapshot) -> Event {
    let mut snapshot = snapshot.clone();
    views::refresh_open(&state.config.centre, &mut snapshot.services, state.clock.now());
    let json = serde_json::to_string(&QueueEvent::Snapshot(snapshot)).unwrap_or_else(|_| "{}".into());
    Event::default().id(state.hub.id_of(seq)).event("snapshot").data(json)
}

impl Feed {
    fn wants(&self, topic: Topic) -> bool {
        topic == Topic::System || self.topics.as_ref().is_none_or(|t| t.contains(&topic))
    }

    async fn next(mut self) -> Option<(Result<Event, Infallible>, Feed)> {
        if let Some(first) = self.first.pop_front() {
            let event = match first {
                First::Event(event) => event,
                First::Missed(p) => published_event(&p, &self.state.hub),
            };
            return Some((Ok(event), self));
        }
        loop {
            if *self.shutdown.borrow() {
                return None;
            }
            tokio::select! {
                received = self.rx.recv() => match received {
                    Ok(p) if self.wants(p.topic) => {
                        let event = published_event(&p, &self.state.hub);
                        return Some((Ok(event), self));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => {
                        let sub = self.state.hub.subscribe(None);
                        self.rx = sub.rx;
                        if let Start::Snapshot { seq, snapshot } = sub.start {
                            let event = snapshot_event(&self.state, seq, &snapshot);
                            return Some((Ok(event), self));
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                changed = self.shutdown.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                _ = self.beat.tick() => return Some((Ok(heartbeat(&self.state)), self)),
            }
        }
    }
}

/// The live stream.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, description = "text/event-stream of QueueEvent", body = QueueEvent),
        (status = 400, body = motcua_protocol::api::ErrorBody),
        (status = 429, description = "this client holds its share of live streams", body = motcua_protocol::api::ErrorBody),
        (status = 503, description = "the server holds as many live streams as it takes", body = motcua_protocol::api::ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    ConnectInfo(from): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(query) = query?;
    let topics = match query.topics.as_deref().filter(|t| !t.trim().is_empty()) {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(|name| {
                    Topic::parse(name).ok_or_else(|| ParseError {
                        code: "invalid_topic",
                        message: format!(
                            "Chủ đề «{}» không có (tickets, calls, counters, services, ratings, devices, system)",
                            name.trim()
                        ),
                    })
                })
                .collect::<Result<HashSet<_>, _>>()?,
        ),
    };
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(String::from).or(query.last_event_id);
    let opener = if super::auth::is_known(&state, &headers, from.ip()).await {
        super::streams::Opener::Known
    } else {
        super::streams::Opener::Anonymous
    };
    let slot = state.streams.open(from.ip(), state.config.streams, opener).map_err(ApiError::StreamsFull)?;
    let sub = state.hub.subscribe(last.as_deref());
    let mut feed = Feed {
        first: VecDeque::new(),
        _slot: slot,
        beat: heartbeats(),
        rx: sub.rx,
        shutdown: state.shutdown.clone(),
        topics,
        state: state.clone(),
    };
    match sub.start {
        Start::Snapshot { seq, snapshot } => {
            feed.first.push_back(First::Event(snapshot_event(&state, seq, &snapshot)));
        }
        Start::Resume(missed) => {
            let wanted: Vec<First> = missed.into_iter().filter(|p| feed.wants(p.topic)).map(First::Missed).collect();
            feed.first.extend(wanted);
        }
    }
    let stream = futures_util::stream::unfold(feed, Feed::next);
    Ok(Sse::new(stream))
}
