//! The `[appointments]` section and the booking keys of each service.

use serde::Deserialize;
use toml::Spanned;

use super::raw::RawService;
use super::{ConfigError, SmsGateway, Source};
use crate::domain::slots::{AppointmentPolicy, LateArrival, SlotSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAppointments {
    slot_minutes: Option<Spanned<u32>>,
    horizon_days: Option<Spanned<u32>>,
    min_notice_minutes: Option<u32>,
    hold_minutes: Option<Spanned<u32>>,
    checkin_early_minutes: Option<u32>,
    checkin_late_minutes: Option<u32>,
    late_arrival: Option<Spanned<String>>,
    no_show_after_minutes: Option<u32>,
    per_citizen_per_day: Option<Spanned<u32>>,
    per_citizen_per_service: Option<Spanned<u32>>,
    per_phone_per_day: Option<Spanned<u32>>,
    reminder_minutes: Option<u32>,
    requests_per_minute: Option<Spanned<u32>>,
    sms_url: Option<Spanned<String>>,
    sms_method: Option<Spanned<String>>,
    verify_phone: Option<Spanned<bool>>,
}

/// Requests per minute per client on the public pages when not configured.
pub const DEFAULT_RATE: u32 = 60;

fn positive(src: &Source<'_>, value: &Option<Spanned<u32>>, key: &str, max: u32) -> Result<(), ConfigError> {
    match value {
        Some(v) if *v.get_ref() == 0 || *v.get_ref() > max => {
            Err(src.error(v, format!("appointments.{key}"), format!("phải từ 1 đến {max}")))
        }
        _ => Ok(()),
    }
}

/// The booking policy; defaults when the section is absent.
pub(super) fn policy(
    src: &Source<'_>,
    raw: Option<&Spanned<RawAppointments>>,
) -> Result<AppointmentPolicy, ConfigError> {
    let d = AppointmentPolicy::default();
    let Some(raw) = raw.map(Spanned::get_ref) else { return Ok(d) };
    positive(src, &raw.slot_minutes, "slot_minutes", 240)?;
    positive(src, &raw.horizon_days, "horizon_days", 60)?;
    positive(src, &raw.hold_minutes, "hold_minutes", 60)?;
    positive(src, &raw.per_citizen_per_day, "per_citizen_per_day", 20)?;
    positive(src, &raw.per_citizen_per_service, "per_citizen_per_service", 20)?;
    positive(src, &raw.per_phone_per_day, "per_phone_per_day", 50)?;
    let late_arrival = match &raw.late_arrival {
        None => d.late_arrival,
        Some(v) => match v.get_ref().trim() {
            "walk_in" => LateArrival::WalkIn,
            "refuse" => LateArrival::Refuse,
            other => {
                return Err(src.error(
                    v,
                    "appointments.late_arrival",
                    format!("«{other}» không hợp lệ: walk_in (cấp số thường) hoặc refuse (từ chối)"),
                ));
            }
        },
    };
    let get = |v: &Option<Spanned<u32>>, default: u32| v.as_ref().map_or(default, |v| *v.get_ref());
    Ok(AppointmentPolicy {
        slot_minutes: get(&raw.slot_minutes, d.slot_minutes),
        horizon_days: get(&raw.horizon_days, d.horizon_days),
        min_notice_minutes: raw.min_notice_minutes.unwrap_or(d.min_notice_minutes),
        hold_minutes: get(&raw.hold_minutes, d.hold_minutes),
        checkin_early_minutes: raw.checkin_early_minutes.unwrap_or(d.checkin_early_minutes),
        checkin_late_minutes: raw.checkin_late_minutes.unwrap_or(d.checkin_late_minutes),
        late_arrival,
        no_show_after_minutes: raw.no_show_after_minutes.unwrap_or(d.no_show_after_minutes),
        per_citizen_per_day: get(&raw.per_citizen_per_day, d.per_citizen_per_day),
        per_citizen_per_service: get(&raw.per_citizen_per_service, d.per_citizen_per_service),
        per_phone_per_day: get(&raw.per_phone_per_day, d.per_phone_per_day),
        reminder_minutes: raw.reminder_minutes.unwrap_or(d.reminder_minutes),
    })
}

/// Requests per minute one client may make to the public pages.
pub(super) fn rate(src: &Source<'_>, raw: Option<&Spanned<RawAppointments>>) -> Result<u32, ConfigError> {
    let value = raw.and_then(|r| r.get_ref().requests_per_minute.as_ref());
    positive(src, &value.cloned(), "requests_per_minute", 1_000_000)?;
    Ok(value.map_or(DEFAULT_RATE, |v| *v.get_ref()))
}

/// The SMS gateway, if one is configured.
fn sms(src: &Source<'_>, raw: Option<&Spanned<RawAppointments>>) -> Result<Option<SmsGateway>, ConfigError> {
    let Some(raw) = raw.map(Spanned::get_ref) else { return Ok(None) };
    let Some(url) = &raw.sms_url else { return Ok(None) };
    let text = url.get_ref().trim();
    if !text.starts_with("http://") || !text.contains("{phone}") {
        return Err(src.error(
            url,
            "appointments.sms_url",
            "cần địa chỉ http://… có {phone} (và {text} với GET), ví dụ http://10.0.0.5:8090/send?to={phone}&text={text}",
        ));
    }
    let post = match &raw.sms_method {
        None => false,
        Some(m) => match m.get_ref().trim() {
            "GET" | "get" => false,
            "POST" | "post" => true,
            other => return Err(src.error(m, "appointments.sms_method", format!("«{other}»: GET hoặc POST"))),
        },
    };
    if !post && !text.contains("{text}") {
        return Err(src.error(
            url,
            "appointments.sms_url",
            "với GET cần cả {text} (nội dung tin nhắn), ví dụ http://10.0.0.5:8090/send?to={phone}&text={text}",
        ));
    }
    Ok(Some(SmsGateway { url: text.to_string(), post }))
}

/// The SMS gateway and whether phones are verified ([`verify_phone`]).
pub(super) fn messages(
    src: &Source<'_>,
    raw: Option<&Spanned<RawAppointments>>,
    zalo_verifies: bool,
) -> Result<(Option<SmsGateway>, bool), ConfigError> {
    let sms = sms(src, raw)?;
    let verify = verify_phone(src, raw, sms.is_some() || zalo_verifies)?;
    Ok((sms, verify))
}

/// Whether a booking is confirmed only with a one-time code sent to its phone: `verify_phone`,
/// by default on when codes really reach phones (an SMS gateway, or a Zalo template for
/// `verification`), off when they are only kept in the outbox (nobody would receive the code).
/// Asked for without a way to send the code it is refused: nobody could book.
fn verify_phone(src: &Source<'_>, raw: Option<&Spanned<RawAppointments>>, reaches: bool) -> Result<bool, ConfigError> {
    let asked = raw.and_then(|r| r.get_ref().verify_phone.as_ref());
    match asked {
        Some(v) if *v.get_ref() && !reaches => Err(src.error(
            v,
            "appointments.verify_phone",
            "cần sms_url hoặc mẫu tin Zalo cho verification: không gửi được mã xác nhận thì không ai đặt được lịch",
        )),
        Some(v) => Ok(*v.get_ref()),
        None => Ok(reaches),
    }
}

/// A service's booking settings; `None` when it has no `slot_capacity`.
pub(super) fn service_booking(src: &Source<'_>, s: &RawService, i: usize) -> Result<Option<SlotSpec>, ConfigError> {
    let Some(slot) = &s.slot_capacity else {
        if let Some(per_day) = &s.bookable_per_day {
            return Err(src.error(
                per_day,
                format!("services[{i}].bookable_per_day"),
                "cần khai báo slot_capacity (số lịch hẹn mỗi khung giờ) để nhận đặt lịch",
            ));
        }
        return Ok(None);
    };
    let capacity = *s.daily_capacity.get_ref();
    if *slot.get_ref() == 0 || *slot.get_ref() > capacity {
        return Err(src.error(
            slot,
            format!("services[{i}].slot_capacity"),
            "phải từ 1 đến daily_capacity của lĩnh vực",
        ));
    }
    let per_day = match &s.bookable_per_day {
        None => capacity / 2,
        Some(v) if (1..=capacity).contains(v.get_ref()) => *v.get_ref(),
        Some(v) => {
            return Err(src.error(
                v,
                format!("services[{i}].bookable_per_day"),
                "phải từ 1 đến daily_capacity: phần còn lại dành cho người lấy số trực tiếp",
            ));
        }
    };
    Ok(Some(SlotSpec { slot_capacity: *slot.get_ref(), per_day: per_day.max(1) }))
}
