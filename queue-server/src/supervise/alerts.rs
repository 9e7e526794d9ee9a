//! The alert rules, each with a suggested action. Thresholds come from `[alerts]` in the config.
//!
//! - `long_wait`: a field's longest wait is over `wait_minutes` (critical at twice that).
//! - `idle_counter`: a field's queue is over `queue_over` while a counter serving it is paused or
//!   open with nobody called.
//! - `printer_paper`: a kiosk's printer is out of paper (critical), near its end, or failing.
//! - `device_offline`: a kiosk or display bridge has not reported for `kiosk_offline_minutes`.
//! - `satisfaction_low`: the satisfied share of today's ratings, or of the last hour's, is under
//!   `satisfaction_below_percent` once there are `satisfaction_min_ratings` of them.

use jiff::{SignedDuration, Timestamp};
use motcua_protocol::api::{Alert, CounterLoad, CounterState, FieldLoad, Overview};

use super::{Inputs, idle, satisfaction};
use crate::domain::Queue;

fn alert(rule: &str, critical: bool, text: String, action: String) -> Alert {
    Alert { rule: rule.into(), severity: if critical { "critical" } else { "warning" }.into(), text, action }
}

/// Counters configured for `field`, as the overview shows them.
fn serving<'a>(queue: &Queue, overview: &'a Overview, field: &str) -> Vec<&'a CounterLoad> {
    let specs = &queue.centre().counters;
    overview
        .counters
        .iter()
        .filter(|c| specs.iter().any(|s| s.no.get() == c.number && s.services.iter().any(|x| x.as_str() == field)))
        .collect()
}

/// What to do about a long queue in `field`: open a closed counter that serves it, resume a paused
/// one, or send help.
fn more_hands(queue: &Queue, overview: &Overview, field: &FieldLoad) -> String {
    let counters = serving(queue, overview, &field.code);
    if let Some(c) = counters.iter().find(|c| c.state == CounterState::Closed) {
        return format!("Mở thêm quầy {} cho lĩnh vực {}", c.number, field.name);
    }
    if let Some(c) = counters.iter().find(|c| c.state == CounterState::Paused) {
        return format!("Cho quầy {} tiếp tục làm việc để phục vụ lĩnh vực {}", c.number, field.name);
    }
    format!("Điều thêm cán bộ hỗ trợ lĩnh vực {} hoặc chuyển bớt công dân sang quầy khác", field.name)
}

/// Every alert at `now`, critical ones first.
pub fn alerts(overview: &Overview, queue: &Queue, now: Timestamp, inputs: &Inputs) -> Vec<Alert> {
    let rules = inputs.rules;
    let mut out = Vec::new();

    for f in overview.fields.iter().filter(|f| f.waiting > 0) {
        if f.longest_wait_minutes > rules.wait_minutes {
            out.push(alert(
                "long_wait",
                f.longest_wait_minutes >= 2 * rules.wait_minutes,
                format!(
                    "Lĩnh vực {}: công dân đã chờ {} phút (ngưỡng {} phút), {} người đang chờ",
                    f.name, f.longest_wait_minutes, rules.wait_minutes, f.waiting
                ),
                more_hands(queue, overview, f),
            ));
        }
        if f.waiting > rules.queue_over {
            for c in serving(queue, overview, &f.code).into_iter().filter(|c| idle(c)) {
                let (state, action) = match (&c.state, &c.pause_reason) {
                    (CounterState::Paused, reason) => (
                        format!("đang tạm dừng{}", reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()),
                        format!("Cho quầy {} tiếp tục làm việc và gọi số lĩnh vực {}", c.number, f.name),
                    ),
                    _ => ("đang mở nhưng chưa gọi số".to_string(), format!("Nhắc quầy {} gọi số tiếp theo", c.number)),
                };
                out.push(alert(
                    "idle_counter",
                    false,
                    format!(
                        "Lĩnh vực {} có {} người chờ (ngưỡng {}) trong khi quầy {} {state}",
                        f.name, f.waiting, rules.queue_over, c.number
                    ),
                    action,
                ));
            }
        }
    }

    for d in &inputs.devices {
        let silent = now.duration_since(d.at);
        if silent >= SignedDuration::from_mins(i64::from(rules.kiosk_offline_minutes)) {
            out.push(alert(
                "device_offline",
                true,
                format!(
                    "{} mất kết nối từ {} ({} phút)",
                    d.name,
                    queue.centre().schedule.local_hhmm(d.at),
                    silent.as_secs() / 60
                ),
                format!("Kiểm tra nguồn điện và dây mạng của {}", d.name),
            ));
            continue;
        }
        let (critical, what) = match d.report.printer.as_deref() {
            Some("paper_out") => (true, "hết giấy"),
            Some("paper_near_end") => (false, "sắp hết giấy"),
            Some("cover_open") => (true, "đang mở nắp"),
            Some("offline") => (true, "không phản hồi"),
            _ => continue,
        };
        let action = if what.contains("giấy") {
            format!("Thay cuộn giấy in nhiệt cho {}", d.name)
        } else {
            format!("Kiểm tra máy in của {} (nắp, dây cáp, nguồn)", d.name)
        };
        out.push(alert("printer_paper", critical, format!("Máy in của {} {what}", d.name), action));
    }

    let levels = &queue.centre().rating_levels;
    let min = rules.satisfaction_min_ratings;
    let below = |s: &motcua_protocol::api::Satisfaction| {
        s.total >= min && s.satisfied_percent.is_some_and(|p| p < rules.satisfaction_below_percent)
    };
    let hour_ago = now - SignedDuration::from_hours(1);
    let recent: Vec<_> = inputs.ratings.iter().filter(|r| r.at > hour_ago && r.at <= now).collect();
    let last_hour = satisfaction(levels, recent.iter().map(|r| r.score));
    let today = &overview.satisfaction;
    if below(&last_hour) || below(today) {
        let unhappy = levels.len().saturating_sub(2).max(1);
        let mut low_by_counter: Vec<(u16, u32)> = Vec::new();
        for r in recent.iter().filter(|r| usize::from(r.score) <= unhappy) {
            if let Some(no) = r.counter {
                match low_by_counter.iter_mut().find(|(n, _)| *n == no) {
                    Some((_, count)) => *count += 1,
                    None => low_by_counter.push((no, 1)),
                }
            }
        }
        low_by_counter.sort_by_key(|&(no, count)| (std::cmp::Reverse(count), no));
        let action = match low_by_counter.first() {
            Some((no, count)) => {
                format!("Trao đổi với cán bộ quầy {no} ({count} đánh giá chưa hài lòng trong giờ qua) và xem góp ý")
            }
            None => "Xem các góp ý gần đây và trao đổi với cán bộ các quầy".to_string(),
        };
        let pct =
            |s: &motcua_protocol::api::Satisfaction| s.satisfied_percent.map_or("—".into(), |p| format!("{p}%"));
        out.push(alert(
            "satisfaction_low",
            below(&last_hour),
            format!(
                "Mức hài lòng giảm: giờ qua {} ({} đánh giá), cả ngày {} ({} đánh giá); mục tiêu {}%",
                pct(&last_hour),
                last_hour.total,
                pct(today),
                today.total,
                rules.satisfaction_below_percent
            ),
            action,
        ));
    }

    out.sort_by_key(|a| a.severity != "critical");
    out
}
