//! What `/api/v1/openapi.json` states beyond the handlers' own attributes, filled in once for every
//! operation so that no operation can forget it:
//!
//! - the **shape of every value** a client sends, wherever it appears (path, query or body), in
//!   the form its parser takes: a field code, a ticket id, a booking code, a receipt code (mã hồ
//!   sơ), a counter number, a Vietnamese mobile number, a date, a text with its length. Where a
//!   parser checks more than a pattern can say (a real date inside a receipt code, a text's length
//!   counted after trimming and composing), the shape's description says so. Patterns are written
//!   for the Unicode-aware classes of Python's `re`, which schemathesis reads them with;
//! - the **answers any operation can give** by what it takes, each `{code, message}`
//!   ([`ErrorBody`](motcua_protocol::api::ErrorBody)): 400 for a malformed parameter or body, 408,
//!   413 and 415 for a body too slow, too large or not JSON, 401 and 403 where a token is needed,
//!   429 for a client over its budget (any request carrying an unknown session cookie is charged),
//!   503 when the database or the server's capacity is spent;
//! - the **live streams** as `text/event-stream`.
//!
//! The rules depending on the centre's configuration (rating levels, priority classes) are read
//! from it, so the document served is this centre's contract. `schemathesis` (in `.ci/run`) checks
//! the server against it.

use motcua_protocol::api::{BOOKING_CODE_ALPHABET, BOOKING_CODE_LEN};
use serde_json::{Map, Value, json};

use crate::domain::Centre;
use crate::domain::appointments::MAX_NAME;
use crate::domain::commands::{MAX_COMMENT, MAX_INTAKE_REASON, MAX_KEY, MAX_REASON, MAX_TAG, MAX_TAGS};
use crate::dossiers;

/// A field (lĩnh vực) code as [`ServiceCode::parse`](crate::domain::ServiceCode::parse) takes it.
pub const SERVICE_CODE: &str = "^[A-Za-z0-9_]{1,8}$";
/// A ticket id, `YYYYMMDD-SERVICE-NUMBER` ([`TicketId::parse`](crate::domain::TicketId::parse)).
pub const TICKET_ID: &str = "^[0-9]{8}-[A-Za-z0-9_]{1,8}-[0-9]{1,6}$";
/// A receipt code (mã hồ sơ) as [`ReceiptCode::parse`](crate::domain::ReceiptCode::parse) takes it.
/// One in the form of Thông tư 01/2018/TT-VPCP (`…-YYMMDD-NNNN`) or of a sector form the centre
/// configures must also carry a real date (else 400 `invalid_receipt_code`), which
/// [`RECEIPT_CODE_RULE`] says in the document.
pub const RECEIPT_CODE: &str = "^[A-Za-z0-9][A-Za-z0-9.-]{5,39}$";
/// The description of [`RECEIPT_CODE`] in the document.
pub const RECEIPT_CODE_RULE: &str = "mã hồ sơ: 6–40 letters, digits, `.` and `-`; a code in the form of Thông tư 01/2018/TT-VPCP (…-YYMMDD-NNNN) or a configured sector form must name a real date (400 invalid_receipt_code)";
/// A Vietnamese mobile number ([`mobile_number`](crate::domain::booking::mobile_number)): `0`, `84`
/// or `+84`, a mobile prefix (3, 5, 7, 8, 9) and eight digits.
pub const MOBILE: &str = "^(0|84|\\+84)[35789][0-9]{8}$";
/// A text as the rules take it ([`text`](crate::domain::commands)): no control or
/// direction-override character, at least one letter or digit (`[^\W_]`, Unicode letters and
/// digits as Python's `re` reads it; an ECMA-262 reader without Unicode classes sees only ASCII
/// ones). The rules trim spaces and invisible characters at the ends and compose the text (NFC)
/// before counting its length.
pub const TEXT: &str = "^[^\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\W_][^\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$";
/// A day, `YYYY-MM-DD` (with `format: date`; a day that does not exist is refused, 400).
pub const DAY: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// A new return date of an apology: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` (with an offset or not) or
/// `DD/MM/YYYY` ([`parse_new_due`](crate::dossiers::apology::parse_new_due)).
pub const NEW_DUE: &str = "^([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?)?|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})$";

/// A date as DVCQG and the province's exports write it ([`parse_date`](crate::dossiers::parse_date)):
/// `yyyyMMddHHmmss`; `dd/mm/yyyy` (or with `.` or `-`) with an optional ` HH:MM[:SS]` (or after
/// `T`); or an Excel serial day number between 2000 and 2100 (`46355.3333`). The day and time must
/// exist (else 422 `dossier_invalid`).
pub const DVCQG_DATE: &str = "^([0-9]{14}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}([ T][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?)?|(3[6-9]|[4-6][0-9]|7[0-2])[0-9]{3}(\\.[0-9]+)?)$";

/// A booking code in either case ([`BookingCode::parse`](crate::domain::booking::BookingCode::parse)).
pub fn booking_code() -> String {
    let letters: String = BOOKING_CODE_ALPHABET.iter().map(|b| char::from(*b)).collect();
    let lower = letters.to_ascii_lowercase().replace(|c: char| c.is_ascii_digit(), "");
    format!("^[{letters}{lower}]{{{BOOKING_CODE_LEN}}}$")
}

/// A 12-digit citizen ID number starting with a province code
/// ([`citizen_id`](crate::domain::booking::citizen_id)).
pub fn citizen_id() -> String {
    let provinces: Vec<String> = crate::domain::booking::PROVINCES.iter().map(|p| format!("{p:03}")).collect();
    format!("^({})[0-9]{{9}}$", provinces.join("|"))
}

fn receipt_code() -> Value {
    json!({"type": "string", "pattern": RECEIPT_CODE, "description": RECEIPT_CODE_RULE})
}

fn pattern(p: &str) -> Value {
    json!({"type": "string", "pattern": p})
}

fn text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": TEXT})
}

fn whole(min: u32, max: u32) -> Value {
    let format = if i32::try_from(max).is_ok() { "int32" } else { "int64" };
    json!({"type": "integer", "format": format, "minimum": min, "maximum": max})
}

fn one_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

/// The shape of a path or query parameter `name` of the operation at `path`; `None` for one this
/// contract does not know (a test keeps every parameter known).
fn parameter(path: &str, name: &str) -> Option<Value> {
    Some(match name {
        "id" if path.starts_with("/api/v1/tickets/") => pattern(TICKET_ID),
        "id" if path.starts_with("/api/v1/catalogue/") => pattern("^[0-9a-f]{24}$"),
        "code" if path.starts_with("/api/v1/appointments/") => pattern(&booking_code()),
        "code" if path.starts_with("/api/v1/procedures/") => json!({"type": "string", "minLength": 1, "maxLength": 64}),
        "code" | "service" => pattern(SERVICE_CODE),
        "no" | "counter" => whole(1, 999),
        "number" if path.starts_with("/api/v1/announcements/") => whole(1, 99_999),
        "number" => whole(1, 999_999),
        "receipt_code" => receipt_code(),
        "phone" => pattern(MOBILE),
        "phone_last4" => pattern("^[0-9]{4}$"),
        "date" | "from" | "to" => json!({"type": "string", "format": "date", "pattern": DAY}),
        "quarter" => pattern("^(2[01][0-9]{2}|2200)-[Qq]?[1-4]$"),
        "format" => one_of(&["json", "csv", "xlsx"]),
        "status" => one_of(&["pending", "sent", "kept", "failed"]),
        "topics" => pattern(
            "^(tickets|calls|counters|services|ratings|devices|system)(,(tickets|calls|counters|services|ratings|devices|system))*$",
        ),
        "last_event_id" => {
            json!({"type": "string", "description": "an id this stream gave; another one starts from a new snapshot"})
        }
        "limit" => {
            json!({"type": "integer", "minimum": 0, "maximum": u32::MAX, "description": "taken between 1 and 200"})
        }
        "q" => json!({"type": "string", "maxLength": 200}),
        "name" => json!({"type": "string", "minLength": 1, "maxLength": 200}),
        _ => return None,
    })
}

/// The shape of property `name` of request body schema `schema`, for the centre `centre`.
fn property(schema: &str, name: &str, centre: &Centre) -> Option<Value> {
    Some(match (schema, name) {
        (_, "service") => pattern(SERVICE_CODE),
        (_, "ticket") => pattern(TICKET_ID),
        (_, "phone") => pattern(MOBILE),
        (_, "slot" | "given_at") => json!({"type": "string", "format": "date-time"}),
        (_, "idempotency_key") => text(MAX_KEY),
        (_, "receipt_code") => receipt_code(),
        ("DisplayHealth", "counter") => whole(0, u32::from(u16::MAX)),
        (_, "counter") => whole(1, 999),
        ("CheckInRequest", "code") => pattern(&booking_code()),
        ("ConfirmRequest", "citizen_id") => pattern(&citizen_id()),
        ("ConfirmRequest", "verification_code") => pattern("^[0-9]{6}$"),
        ("ConfirmRequest", "name") => text(MAX_NAME),
        ("PauseRequest", "reason") => text(MAX_REASON),
        ("IntakeCloseRequest", "reason") => text(MAX_INTAKE_REASON),
        ("NewApology", "reason") => {
            let (min, max) = crate::dossiers::apology::REASON_CHARS;
            // At least `min` characters besides spaces (counted after trimming and composing).
            let pattern = format!("^[ \\n]*([^\\x00-\\x1f\\x7f-\\x9f \\n][ \\n]*){{{min},}}$");
            json!({"type": "string", "minLength": min, "maxLength": max, "pattern": pattern})
        }
        ("NewApology", "new_due") => pattern(NEW_DUE),
        ("RatingRequest", "score") => whole(1, u32::try_from(centre.rating_levels.len()).unwrap_or(u32::MAX)),
        ("RatingRequest", "tags") => json!({"type": "array", "maxItems": MAX_TAGS, "items": text(MAX_TAG)}),
        ("RatingRequest", "comment") => text(MAX_COMMENT),
        ("RatingRequest", "number") => whole(1, 999_999),
        ("RatingRequest", "day") => json!({"type": "string", "format": "date", "pattern": DAY}),
        ("IssueTicketRequest", "priority") => {
            let classes: Vec<&str> = centre.priority_classes.iter().map(|c| c.code.as_str()).collect();
            one_of(&classes)
        }
        ("IssueTicketRequest", "channel") => one_of(&["kiosk", "counter", "web"]),
        ("HealthReport", "kind") => one_of(&["kiosk", "display_bridge"]),
        ("HealthReport", "printer") => one_of(&["ready", "paper_near_end", "paper_out", "cover_open", "offline"]),
        ("HealthReport", "displays") => {
            json!({"type": "array", "maxItems": 32, "items": {"$ref": "#/components/schemas/DisplayHealth"}})
        }
        ("HealthReport", "detail") => json!({"type": "string", "maxLength": 500}),
        ("DongBoHoSoMC" | "CapNhatTienDoHoSoMC", "MaHoSo") => receipt_code(),
        ("DongBoHoSoMC", "MaTTHC") => json!({"type": "string", "minLength": 1, "maxLength": dossiers::MAX_CODE}),
        ("DongBoHoSoMC", "MaLinhVuc") => json!({"type": "string", "maxLength": dossiers::MAX_CODE}),
        ("DongBoHoSoMC", "TenTTHC") | ("CapNhatTienDoHoSoMC", "NoiDungXuLy") => {
            json!({"type": "string", "maxLength": dossiers::MAX_TEXT})
        }
        ("DongBoHoSoMC", "TenLinhVuc" | "ChuHoSo") | ("CapNhatTienDoHoSoMC", "PhongBanXuLy" | "NguoiXuLy") => {
            json!({"type": "string", "maxLength": dossiers::MAX_NAME})
        }
        ("DongBoHoSoMC", "SoDienThoai") => {
            json!({"type": "string", "maxLength": dossiers::MAX_PHONE, "pattern": "^[0-9 +.()-]*$"})
        }
        ("DongBoHoSoMC", "TrangThaiHoSo") | ("CapNhatTienDoHoSoMC", "TrangThai") => json!({
            "description": "DVCQG status code, 1–10, as a number or as text",
            "oneOf": [{"type": "integer", "minimum": 1, "maximum": 10}, {"type": "string", "pattern": "^(10|[1-9])$"}]
        }),
        ("CapNhatTienDoHoSoMC", "ThoiDiemXuLy") => pattern(DVCQG_DATE),
        ("DongBoHoSoMC", "NgayTiepNhan" | "NgayHenTra") => pattern(DVCQG_DATE),
        ("DisplayHealth", "address") => whole(1, 32),
        ("DisplayHealth", "number") => whole(0, u32::MAX),
        _ => return None,
    })
}

/// Request body schemas whose properties [`property`] shapes.
const BODIES: [&str; 16] = [
    "TakeCounterRequest",
    "DongBoHoSoMC",
    "CapNhatTienDoHoSoMC",
    "IssueTicketRequest",
    "CallTicketRequest",
    "TransferRequest",
    "PauseRequest",
    "IntakeCloseRequest",
    "RatingRequest",
    "HoldRequest",
    "ConfirmRequest",
    "VerifyRequest",
    "CancelRequest",
    "RescheduleRequest",
    "CheckInRequest",
    "NewApology",
];

/// Keeps what a generated schema says of a property (its description, whether it may be null)
/// and puts the shape in: `{type, …}`, with `null` added to its types (and to its `enum`) when the
/// property may be null.
fn shaped(old: &Value, shape: Value) -> Value {
    let nullable = match old.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => old.get("oneOf").is_some(),
    };
    let mut shape = shape;
    if let (Some(description), Some(object)) = (old.get("description"), shape.as_object_mut()) {
        object.entry("description").or_insert_with(|| description.clone());
    }
    if nullable {
        if let Some(object) = shape.as_object_mut() {
            if let Some(Value::String(t)) = object.get("type").cloned() {
                object.insert("type".into(), json!([t, "null"]));
            }
            if let Some(Value::Array(values)) = object.get_mut("enum") {
                values.push(Value::Null);
            }
        }
    }
    shape
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// Adds every answer `operation` can give by what it takes, and its parameters' shapes. Returns
/// the names of parameters it found no shape for.
fn operation(path: &str, method: &str, operation: &mut Map<String, Value>) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut takes_input = false;
    let mut in_path = false;
    if let Some(Value::Array(parameters)) = operation.get_mut("parameters") {
        for p in parameters.iter_mut() {
            takes_input = true;
            in_path |= p.get("in").is_some_and(|w| w == "path");
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            // An optional query parameter left empty (a form's «all» choice) is one not given.
            let optional = p.get("required").is_none_or(|r| r != true);
            match parameter(path, &name) {
                Some(shape) if optional && shape.get("type").is_some_and(|t| t == "string") => {
                    p["schema"] = json!({"anyOf": [shape, {"type": "string", "maxLength": 0}]});
                }
                Some(shape) => {
                    let old = p.get("schema").cloned().unwrap_or(Value::Null);
                    p["schema"] = shaped(&old, shape);
                }
                None => unknown.push(format!("{method} {path} {name}")),
            }
        }
    }
    let body = operation.contains_key("requestBody");
    let json_body = operation.get("requestBody").and_then(|b| b.pointer("/content/application~1json")).is_some();
    // Counter actions are done once per key (see `replay.rs`).
    let replayed =
        method == "post" && path.starts_with("/api/v1/counters/{no}/") && path != "/api/v1/counters/{no}/queue";
    if replayed {
        // Said in words, not as a parameter: a generator sending the same few keys to every case
        // would be answered, rightly, with the first case's answer.
        let said = operation.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
        operation.insert(
            "description".into(),
            json!(format!(
                "{said}\n\nTakes an optional `Idempotency-Key` header (1–100 characters, no spaces at its ends): \
                 the same key from the same caller for the same action gets the first answer again; the same key \
                 for another action is refused, 422 `idempotency_key_reused`."
            )),
        );
    }
    let secured = operation.get("security").is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()));
    let responses = operation.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return unknown };
    // Every error answer is an ErrorBody: one a handler lists bare gets its body here.
    for (status, listed) in responses.iter_mut() {
        if (status.starts_with('4') || status.starts_with('5')) && listed.get("content").is_none() {
            let description = listed.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
            *listed = error(if description.is_empty() { "refused" } else { &description });
        }
    }
    let mut add = |status: &str, description: &str| {
        responses.entry(status.to_string()).or_insert_with(|| error(description));
    };
    if takes_input || body {
        add("400", "a parameter or the body is malformed (`invalid_*`)");
    }
    if in_path || body {
        add("404", "nothing of that id, code or number here");
    }
    if body {
        add("422", "a value in the body is refused by the rules (`invalid_*`); nothing changed");
        add("408", "the body did not arrive whole in time (`body_timeout`)");
        add("413", "the body is larger than allowed (`body_too_large`)");
        if json_body {
            add("415", "the body is not declared as JSON (`not_json`)");
        }
    }
    if replayed {
        add("422", "the Idempotency-Key is empty, too long, or was used for another action (`idempotency_key_reused`)");
    }
    if secured {
        add("401", "no token, or one not known (`missing_token`, `invalid_token`)");
        add("403", "the token or session may not do this (`forbidden`, `csrf_invalid`)");
    }
    add("429", "this client asked too often (`rate_limited`); `Retry-After` says when to ask again");
    add("503", "the database failed or the server is at capacity; nothing changed");
    unknown
}

/// Fills `doc` (the generated OpenAPI document as JSON) in as this module says, for `centre`.
/// Returns the parameters it found no shape for (none, as a test checks).
pub fn apply(doc: &mut Value, centre: &Centre) -> Vec<String> {
    let mut unknown = Vec::new();
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                if let Some(op) = op.as_object_mut() {
                    unknown.extend(operation(path, method, op));
                }
            }
        }
    }
    for stream in ["/api/v1/events", "/api/v1/tickets/{id}/live"] {
        if let Some(ok) = doc.pointer_mut(&format!("/paths/{}/get/responses/200", stream.replace('/', "~1"))) {
            let description = ok.get("description").cloned().unwrap_or(json!("live stream"));
            let event = json!({"type": "object", "properties": {
                "event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}, "retry": {"type": "integer"}
            }});
            *ok = json!({"description": description, "content": {"text/event-stream": {"schema": event}}});
        }
    }
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for name in BODIES.iter().copied().chain(["HealthReport", "DisplayHealth"]) {
            let Some(Value::Object(properties)) = schemas.get_mut(name).and_then(|s| s.get_mut("properties")) else {
                continue;
            };
            for (property_name, old) in properties.iter_mut() {
                if let Some(shape) = property(name, property_name, centre) {
                    *old = shaped(old, shape);
                }
            }
        }
    }
    // A dossier record names its dossier, procedure, dates and status (DVCQG).
    for (name, required) in [
        ("DongBoHoSoMC", &["MaHoSo", "MaTTHC", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo"][..]),
        ("CapNhatTienDoHoSoMC", &["MaHoSo", "ThoiDiemXuLy", "TrangThai"][..]),
    ] {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")).and_then(Value::as_object_mut) {
            schema.insert("required".into(), json!(required));
        }
    }
    // A check-in names the booking by its code or by the phone it was made with.
    if let Some(check_in) = doc.pointer_mut("/components/schemas/CheckInRequest").and_then(Value::as_object_mut) {
        let given = |name: &str| json!({"required": [name], "properties": {name: {"type": "string"}}});
        check_in.insert("anyOf".into(), json!([given("code"), given("phone")]));
    }
    unknown
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::booking::{BookingCode, citizen_id as parse_citizen_id, mobile_number};
    use crate::domain::{ReceiptCode, ServiceCode, TicketId};

    /// Strings a pattern admits (its anchors dropped for the generator).
    fn admitted(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
        let inner = pattern.trim_start_matches('^').trim_end_matches('$');
        proptest::string::string_regex(inner).expect("a pattern proptest can generate from")
    }

    #[test]
    fn every_parameter_of_every_operation_has_a_shape() {
        let config = crate::config::Config::demo();
        let mut doc = serde_json::to_value(<super::super::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        let unknown = apply(&mut doc, &config.centre);
        assert!(unknown.is_empty(), "parameters without a stated shape: {unknown:?}");
        // The shapes landed: a ticket id in the path, a rating's score up to the centre's levels.
        let id = &doc["paths"]["/api/v1/tickets/{id}"]["get"]["parameters"][0]["schema"];
        assert_eq!(id["pattern"], TICKET_ID);
        let score = &doc["components"]["schemas"]["RatingRequest"]["properties"]["score"];
        assert_eq!(score["maximum"], config.centre.rating_levels.len());
        let close = &doc["paths"]["/api/v1/counters/{no}/close"]["post"]["responses"];
        for status in ["400", "401", "403", "404", "429", "503"] {
            assert!(close.get(status).is_some(), "close lacks {status}: {close}");
        }
    }

    proptest! {
        #[test]
        fn what_the_patterns_admit_the_parsers_take(
            service in admitted(SERVICE_CODE),
            ticket in admitted(TICKET_ID),
            receipt in admitted(RECEIPT_CODE),
            phone in admitted(MOBILE),
            booking in admitted(&booking_code()),
            citizen in admitted(&citizen_id()),
        ) {
            prop_assert!(ServiceCode::parse(&service).is_ok(), "{service}");
            prop_assert!(TicketId::parse(&ticket).is_ok(), "{ticket}");
            // A code in the form of Thông tư 01/2018 (…-YYMMDD-NNNN) must carry a real date too.
            let tt01 = regex::Regex::new("-[0-9]{6}-[0-9]{4}$").unwrap().is_match(&receipt);
            prop_assert!(ReceiptCode::parse(&receipt).is_ok() || tt01, "{receipt}");
            prop_assert!(mobile_number(&phone).is_some(), "{phone}");
            prop_assert!(BookingCode::parse(&booking).is_some(), "{booking}");
            prop_assert!(parse_citizen_id(&citizen).is_some(), "{citizen}");
        }

        #[test]
        fn what_the_parsers_give_the_patterns_admit(bytes in any::<[u8; BOOKING_CODE_LEN]>(), n in 1u32..=999_999) {
            let day = jiff::civil::date(2026, 11, 23);
            let id = TicketId::new(day, &ServiceCode::parse("DD").unwrap(), n);
            prop_assert!(regex::Regex::new(TICKET_ID).unwrap().is_match(id.as_str()));
            let code = BookingCode::from_random(bytes);
            prop_assert!(regex::Regex::new(&booking_code()).unwrap().is_match(code.as_str()));
        }
    }
}
