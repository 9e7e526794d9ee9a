//! The one configuration file (TOML): parsed, validated and turned into a [`Config`].
//!
//! Every refusal names the line and the key (`motcua.toml:42: services[3].daily_capacity: …`), so an
//! installer can fix the file without reading code. The documented example is
//! `deploy/motcua.example.toml`; it is also the demo centre's configuration ([`Config::demo`]).

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use toml::Spanned;

use raw::Raw;

use crate::domain::centre::{CallingPolicy, CounterSpec, DayHours, PriorityClass, Schedule, ServiceSpec};
use crate::domain::{Centre, CounterNo, ServiceCode};

/// The example configuration, which is also the demo centre's.
pub const EXAMPLE: &str = include_str!("../../../deploy/motcua.example.toml");

mod appointments;
mod backups;
mod hub;
mod linh_vuc;
mod operations;
mod origin;
mod province;
mod proxies;
mod raw;
mod reading;
pub mod receipts;
mod source;
mod tokens;
mod zalo;

use source::{Source, parse_time};

pub use backups::BackupPlan;
pub use hub::HubLink;
pub use operations::{AlertRules, Connections, StreamLimits};
pub use origin::Origin;
pub use province::Province;
pub use proxies::TrustedProxies;
pub use reading::io_vietnamese;
pub use tokens::{DeviceToken, Role};
pub use zalo::{ZaloOa, ZnsTemplate};

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The centre the rules read.
    pub centre: Arc<Centre>,
    /// Device and officer tokens.
    pub tokens: Vec<DeviceToken>,
    /// Address citizens' phones reach the centre's pages at.
    pub public_url: String,
    /// Where to listen.
    pub listen: Option<SocketAddr>,
    /// The SQLite file.
    pub db: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute one client address may make to the citizen pages and booking API.
    pub public_rate_per_minute: u32,
    /// Where booking messages go besides the outbox table.
    pub sms: Option<SmsGateway>,
    /// A booking is confirmed only with a one-time code sent to its phone (`[appointments]
    /// verify_phone`; on by default with an SMS gateway).
    pub verify_phone: bool,
    /// Sign-in rules for staff.
    pub staff: crate::accounts::Policy,
    /// The line that runs along the bottom of the waiting-room board.
    pub ticker: String,
    /// The program that speaks the board's calls (`espeak-ng`); `None`: the chime alone.
    pub voice: Option<String>,
    /// Thresholds of the supervisor's alerts.
    pub alerts: AlertRules,
    /// Caps on open live streams.
    pub streams: StreamLimits,
    /// Caps on connections.
    pub connections: Connections,
    /// Where the file said what, for refusals made later (at start, against the stored day).
    pub origin: Origin,
    /// The national lĩnh vực each field serves (`[[services]] linh_vuc`), for catalogue imports.
    pub linh_vuc: crate::catalogue::LinhVucMap,
    /// The province's TTHC system dossiers are fetched from (`[province]`); `None`: the store only.
    pub province: Option<Province>,
    /// The provincial hub the event log is shipped to (`[hub]`); `None`: this centre alone.
    pub hub: Option<HubLink>,
    /// Booking messages through a Zalo Official Account (`[zalo]`), instead of SMS.
    pub zalo: Option<ZaloOa>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`[server] trusted_proxies`).
    pub trusted_proxies: TrustedProxies,
    /// The daily backup (`[backup]`); `None`: only `queue-server backup` by hand.
    pub backup: Option<BackupPlan>,
    /// Receipt-code forms of sector systems (`[[receipt_patterns]]`).
    pub receipt_patterns: Arc<Vec<receipts::ReceiptPattern>>,
}

/// An HTTP SMS gateway: each notice is sent as a request to `url` with `{phone}` and `{text}`
/// replaced (URL-encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsGateway {
    /// URL template, `http://…?to={phone}&text={text}`.
    pub url: String,
    /// `GET` or `POST` (POST sends `{"phone": …, "text": …}` as JSON to the URL).
    pub post: bool,
}

/// A refused configuration: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// File name, for the message.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The key, e.g. `services[3].daily_capacity`.
    pub key: String,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.file, line, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.key, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            key: "(tệp)".into(),
            message: format!("không đọc được tệp cấu hình: {}", reading::io_vietnamese(&e)),
        })?;
        Self::parse(&file, &text)
    }

    /// The demo centre: the example configuration, taking tickets at any hour.
    pub fn demo() -> Self {
        let mut config = Self::parse("deploy/motcua.example.toml", EXAMPLE)
            .unwrap_or_else(|e| unreachable!("the example configuration is tested valid: {e}"));
        let mut centre = (*config.centre).clone();
        centre.enforce_hours = false;
        config.centre = Arc::new(centre);
        config
    }

    /// Parses and validates configuration text; `file` names it in errors. Text is taken in NFC
    /// (names typed or pasted in decomposed form are composed; lines stay where they were).
    pub fn parse(file: &str, text: &str) -> Result<Self, ConfigError> {
        let text = &crate::domain::text::nfc(text);
        let src = Source { file, text };
        let raw: Raw = toml::from_str(text).map_err(|e| src.toml_error(&e))?;

        let c = &raw.centre;
        if c.name.get_ref().trim().is_empty() {
            return Err(src.error(&c.name, "centre.name", "tên trung tâm không được để trống"));
        }
        let time_zone = jiff::tz::TimeZone::get(c.time_zone.get_ref()).map_err(|_| {
            src.error(
                &c.time_zone,
                "centre.time_zone",
                format!("múi giờ «{}» không có, ví dụ Asia/Ho_Chi_Minh", c.time_zone.get_ref()),
            )
        })?;
        let day_rollover = parse_time(&src, &c.day_rollover, "centre.day_rollover")?;

        let h = &raw.hours;
        let mut week = [None; 7];
        let days = [
            ("mon", &h.mon),
            ("tue", &h.tue),
            ("wed", &h.wed),
            ("thu", &h.thu),
            ("fri", &h.fri),
            ("sat", &h.sat),
            ("sun", &h.sun),
        ];
        for (i, (name, day)) in days.into_iter().enumerate() {
            let Some(day) = day else { continue };
            let d = day.get_ref();
            let open = parse_time(&src, &d.open, &format!("hours.{name}.open"))?;
            let close = parse_time(&src, &d.close, &format!("hours.{name}.close"))?;
            if close <= open {
                return Err(src.error(&d.close, format!("hours.{name}.close"), "giờ đóng cửa phải sau giờ mở cửa"));
            }
            let lunch = match &d.lunch {
                None => None,
                Some(l) => {
                    let key = format!("hours.{name}.lunch");
                    let bad = || src.error(l, &key, "giờ nghỉ trưa cần dạng HH:MM-HH:MM trong giờ làm việc");
                    let (a, b) = l.get_ref().split_once('-').ok_or_else(bad)?;
                    let start = parse_time(&src, &Spanned::new(l.span(), a.to_string()), &key)?;
                    let end = parse_time(&src, &Spanned::new(l.span(), b.to_string()), &key)?;
                    if !(open < start && start < end && end < close) {
                        return Err(bad());
                    }
                    Some((start, end))
                }
            };
            // The service day must not turn while the centre is open: tickets issued before the
            // rollover would belong to the day before and expire in the middle of service.
            if open <= day_rollover && day_rollover < close {
                return Err(src.error(
                    &c.day_rollover,
                    "centre.day_rollover",
                    format!(
                        "giờ chuyển ngày {} nằm trong giờ làm việc {}–{} ({name}); cần ngoài giờ làm việc, ví dụ 03:00",
                        crate::domain::centre::hhmm(day_rollover),
                        crate::domain::centre::hhmm(open),
                        crate::domain::centre::hhmm(close)
                    ),
                ));
            }
            week[i] = Some(DayHours { open, close, lunch });
        }
        let mut holidays = BTreeSet::new();
        for (i, day) in h.holidays.iter().enumerate() {
            let date: Date = day.get_ref().trim().parse().map_err(|_| {
                src.error(
                    day,
                    format!("hours.holidays[{i}]"),
                    format!("ngày «{}» không hợp lệ, cần dạng YYYY-MM-DD", day.get_ref()),
                )
            })?;
            holidays.insert(date);
        }

        let cl = &raw.calling;
        for (value, key, min, max) in [
            (&cl.priority_ratio, "calling.priority_ratio", 0, 100),
            (&cl.aging_minutes, "calling.aging_minutes", 1, 1440),
            (&cl.rejoin_minutes, "calling.rejoin_minutes", 0, 720),
            (&cl.default_service_minutes, "calling.default_service_minutes", 1, 480),
            (&cl.appointment_grace_minutes, "calling.appointment_grace_minutes", 0, 240),
            (&cl.stop_intake_before_close_minutes, "calling.stop_intake_before_close_minutes", 0, 240),
        ] {
            if !(min..=max).contains(value.get_ref()) {
                return Err(src.error(value, key, format!("phải từ {min} đến {max}")));
            }
        }
        let levels = raw.ratings.levels.get_ref().clone();
        if !(2..=10).contains(&levels.len()) || levels.iter().any(|l| l.trim().is_empty()) {
            return Err(src.error(
                &raw.ratings.levels,
                "ratings.levels",
                "cần từ 2 đến 10 mức, mỗi mức có tên (thường là 4 hoặc 5)",
            ));
        }

        let rating_three = reading::three_levels(&src, &raw.ratings, &levels)?;

        let mut classes = Vec::new();
        let mut class_codes = HashSet::new();
        for (i, class) in raw.priority_classes.iter().enumerate() {
            let k = class.get_ref();
            let code = k.code.get_ref().trim();
            let ok = !code.is_empty()
                && code.len() <= 32
                && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(src.error(
                    &k.code,
                    format!("priority_classes[{i}].code"),
                    "mã đối tượng ưu tiên chỉ gồm a–z, 0–9, _",
                ));
            }
            if !class_codes.insert(code.to_string()) {
                return Err(src.error(&k.code, format!("priority_classes[{i}].code"), format!("mã «{code}» bị trùng")));
            }
            classes.push(PriorityClass {
                code: code.to_string(),
                name_vi: k.name_vi.clone(),
                name_en: k.name_en.clone(),
            });
        }

        if raw.services.is_empty() {
            return Err(ConfigError {
                file: file.into(),
                line: None,
                key: "services".into(),
                message: "cần ít nhất một lĩnh vực".into(),
            });
        }
        let mut services: Vec<ServiceSpec> = Vec::new();
        for (i, service) in raw.services.iter().enumerate() {
            let s = service.get_ref();
            let code = ServiceCode::parse(s.code.get_ref()).map_err(|_| {
                src.error(&s.code, format!("services[{i}].code"), "mã lĩnh vực gồm 1–8 ký tự A–Z, 0–9, _")
            })?;
            if services.iter().any(|o| o.code == code) {
                return Err(src.error(&s.code, format!("services[{i}].code"), format!("mã «{code}» bị trùng")));
            }
            if s.name_vi.get_ref().trim().is_empty() {
                return Err(src.error(
                    &s.name_vi,
                    format!("services[{i}].name_vi"),
                    "tên lĩnh vực không được để trống",
                ));
            }
            let [start, end] = *s.numbers.get_ref();
            if start == 0 || end < start || end > 999_999 {
                return Err(src.error(
                    &s.numbers,
                    format!("services[{i}].numbers"),
                    "dãy số cần [đầu, cuối] với 1 ≤ đầu ≤ cuối ≤ 999999",
                ));
            }
            if let Some(other) = services.iter().find(|o| start <= o.number_end && o.number_start <= end) {
                return Err(src.error(
                    &s.numbers,
                    format!("services[{i}].numbers"),
                    format!("dãy số trùng với lĩnh vực {}", other.code),
                ));
            }
            if *s.daily_capacity.get_ref() == 0 {
                return Err(src.error(
                    &s.daily_capacity,
                    format!("services[{i}].daily_capacity"),
                    "phải là số nguyên dương",
                ));
            }
            let booking = appointments::service_booking(&src, s, i)?;
            services.push(ServiceSpec {
                booking,
                code,
                name_vi: s.name_vi.get_ref().trim().to_string(),
                name_en: s.name_en.trim().to_string(),
                number_start: start,
                number_end: end,
                daily_capacity: *s.daily_capacity.get_ref(),
            });
        }

        let mut counters: Vec<CounterSpec> = Vec::new();
        for (i, counter) in raw.counters.iter().enumerate() {
            let k = counter.get_ref();
            let no = CounterNo::new(*k.number.get_ref())
                .ok_or_else(|| src.error(&k.number, format!("counters[{i}].number"), "số quầy từ 1 đến 999"))?;
            if counters.iter().any(|c| c.no == no) {
                return Err(src.error(
                    &k.number,
                    format!("counters[{i}].number"),
                    format!("quầy {no} bị khai báo hai lần"),
                ));
            }
            let mut served = Vec::new();
            for code in k.services.get_ref() {
                let code = ServiceCode::parse(code).ok().filter(|c| services.iter().any(|s| &s.code == c)).ok_or_else(
                    || src.error(&k.services, format!("counters[{i}].services"), format!("không có lĩnh vực «{code}»")),
                )?;
                if served.contains(&code) {
                    return Err(src.error(
                        &k.services,
                        format!("counters[{i}].services"),
                        format!("lĩnh vực {code} lặp lại"),
                    ));
                }
                served.push(code);
            }
            if served.is_empty() {
                return Err(src.error(
                    &k.services,
                    format!("counters[{i}].services"),
                    "quầy cần phục vụ ít nhất một lĩnh vực",
                ));
            }
            counters.push(CounterSpec { no, name: k.name.trim().to_string(), services: served });
        }
        counters.sort_by_key(|c| c.no);

        let mut tokens: Vec<DeviceToken> = Vec::new();
        for (i, token) in raw.tokens.iter().enumerate() {
            let t = token.get_ref();
            let secret = t.token.get_ref().trim();
            if secret.len() < 8 || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(src.error(
                    &t.token,
                    format!("tokens[{i}].token"),
                    "mã truy cập cần ít nhất 8 ký tự, không có khoảng trắng",
                ));
            }
            if tokens.iter().any(|o| o.token == secret) {
                return Err(src.error(&t.token, format!("tokens[{i}].token"), "mã truy cập bị trùng"));
            }
            let mut allowed = Vec::new();
            for &n in t.counters.get_ref() {
                let no = CounterNo::new(n).filter(|no| counters.iter().any(|c| c.no == *no)).ok_or_else(|| {
                    src.error(&t.counters, format!("tokens[{i}].counters"), format!("không có quầy {n}"))
                })?;
                allowed.push(no);
            }
            tokens.push(DeviceToken {
                token: secret.to_string(),
                role: t.role,
                name: t.name.clone(),
                counters: allowed,
            });
        }

        let listen = match &raw.server.listen {
            None => None,
            Some(l) => Some(l.get_ref().parse::<SocketAddr>().map_err(|_| {
                src.error(l, "server.listen", format!("địa chỉ «{}» không hợp lệ, ví dụ 0.0.0.0:8080", l.get_ref()))
            })?),
        };
        let max_body_bytes = match &raw.server.max_body_bytes {
            None => 16 * 1024,
            Some(b) if (1024..=10 * 1024 * 1024).contains(b.get_ref()) => {
                usize::try_from(*b.get_ref()).unwrap_or(16 * 1024)
            }
            Some(b) => return Err(src.error(b, "server.max_body_bytes", "từ 1024 đến 10485760 byte")),
        };

        let centre = Centre {
            name: c.name.get_ref().trim().to_string(),
            schedule: Schedule { time_zone, day_rollover, week, holidays },
            enforce_hours: c.enforce_hours,
            services,
            counters,
            priority_classes: classes,
            policy: CallingPolicy {
                priority_ratio: *cl.priority_ratio.get_ref(),
                aging_minutes: *cl.aging_minutes.get_ref(),
                rejoin_minutes: *cl.rejoin_minutes.get_ref(),
                default_service_minutes: *cl.default_service_minutes.get_ref(),
                appointment_grace_minutes: *cl.appointment_grace_minutes.get_ref(),
                stop_intake_before_close_minutes: *cl.stop_intake_before_close_minutes.get_ref(),
            },
            rating_levels: levels,
            rating_three,
            unit_code: c.unit_code.as_ref().map(|u| u.get_ref().trim().to_string()).unwrap_or_default(),
            appointments: appointments::policy(&src, raw.appointments.as_ref())?,
        };
        let zalo = zalo::zalo(&src, raw.zalo.as_ref())?;
        let zalo_verifies = zalo.as_ref().is_some_and(|z| z.templates.contains_key("verification"));
        let (sms, verify_phone) = appointments::messages(&src, raw.appointments.as_ref(), zalo_verifies)?;
        if let (Some(_), Some(section)) = (&sms, &raw.zalo) {
            return Err(src.error(section, "zalo", "chọn một trong sms_url và [zalo] để gửi tin cho người dân"));
        }
        let hub_link = hub::hub(&src, &raw.hub, &centre.unit_code)?;
        Ok(Config {
            centre: Arc::new(centre),
            tokens,
            public_url: reading::public_url(&src, &c.public_url)?,
            listen,
            db: raw.server.db.clone(),
            max_body_bytes,
            public_rate_per_minute: appointments::rate(&src, raw.appointments.as_ref())?,
            sms,
            verify_phone,
            staff: operations::staff(&src, &raw.staff)?,
            ticker: operations::ticker(&src, &raw.board)?,
            voice: operations::voice(&src, &raw.board)?,
            alerts: operations::alerts(&src, &raw.alerts)?,
            streams: operations::streams(&src, &raw.server)?,
            connections: operations::connections(&src, &raw.server)?,
            linh_vuc: linh_vuc::map(&src, &raw.services)?,
            province: province::province(&src, &raw.province)?,
            hub: hub_link,
            backup: backups::plan(&src, &raw.backup)?,
            zalo,
            trusted_proxies: proxies::trusted(&src, &raw.server.trusted_proxies)?,
            receipt_patterns: Arc::new(receipts::patterns(&src, &raw.receipt_patterns)?),
            origin: Origin {
                file: file.to_string(),
                numbers_lines: raw.services.iter().map(|s| src.line_of(s.get_ref().numbers.span().start)).collect(),
            },
        })
    }
}

#[cfg(test)]
mod tests;
