//! The counter-display bus: frames between the host (kiosk or display bridge) and up to 32 counter
//! number displays on one RS-485/serial line. `no_std`, no allocation.
//!
//! # Frame
//! ```text
//! SOH | stuffed( VERSION ADDRESS COMMAND LENGTH PAYLOAD[LENGTH] CRC_HI CRC_LO ) | EOT
//! ```
//! - `SOH` = 0x01 starts a frame, `EOT` = 0x04 ends it. Inside, the bytes 0x01, 0x04 and `ESC` = 0x1B
//!   are sent as `ESC, byte ^ 0x20`, so a start byte never appears inside a frame: whatever garbage
//!   came before, the next `SOH` starts a clean frame (resynchronisation).
//! - `VERSION` is [`VERSION`]; a display ignores frames of another version.
//! - `ADDRESS` is 1..=32 for one display, or [`BROADCAST`] for all (broadcasts get no reply).
//! - The CRC is CRC-16/CCITT-FALSE over `VERSION .. PAYLOAD` (unstuffed).
//!
//! # Commands
//! | code | message | payload |
//! |---|---|---|
//! | 0x10 | [`Message::Show`] | number u32 big-endian, label length, label (ASCII, ≤ 16) |
//! | 0x11 | [`Message::Blink`] | tenths of a second to blink (0 stops) |
//! | 0x12 | [`Message::Brightness`] | level 0..=15 |
//! | 0x13 | [`Message::Clear`] | none |
//! | 0x14 | [`Message::Ping`] | none; the display answers [`Message::Status`] |
//! | 0x94 | [`Message::Status`] | flags, number u32, brightness, firmware version |

/// Start of a frame.
pub const SOH: u8 = 0x01;
/// End of a frame.
pub const EOT: u8 = 0x04;
/// Escape: the next byte is XOR 0x20.
pub const ESC: u8 = 0x1B;
/// Frame format version.
pub const VERSION: u8 = 1;
/// Address of every display at once.
pub const BROADCAST: u8 = 0xFF;
/// Highest display address.
pub const MAX_ADDRESS: u8 = 32;
/// Longest label.
pub const MAX_LABEL: usize = 16;
/// Longest encoded frame, stuffing included.
pub const MAX_FRAME: usize = 2 + 2 * (4 + 5 + MAX_LABEL + 2);

const MAX_BODY: usize = 4 + 5 + MAX_LABEL + 2;

/// A counter label: up to [`MAX_LABEL`] printable ASCII bytes, e.g. `QUAY 3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    bytes: [u8; MAX_LABEL],
    len: u8,
}

impl Label {
    /// The empty label.
    pub const EMPTY: Label = Label { bytes: [0; MAX_LABEL], len: 0 };

    /// A label from printable ASCII text; `None` if too long or not printable ASCII.
    pub fn new(text: &str) -> Option<Label> {
        Self::from_bytes(text.as_bytes())
    }

    /// A label from bytes; `None` if too long or not printable ASCII.
    pub fn from_bytes(bytes: &[u8]) -> Option<Label> {
        if bytes.len() > MAX_LABEL || !bytes.iter().all(|b| (0x20..0x7F).contains(b)) {
            return None;
        }
        let mut label = Label::EMPTY;
        label.bytes[..bytes.len()].copy_from_slice(bytes);
        label.len = bytes.len() as u8;
        Some(label)
    }

    /// The label's text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

/// What a display reports when pinged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// The number shown, if any.
    pub number: Option<u32>,
    /// Whether it is blinking now.
    pub blinking: bool,
    /// Brightness 0..=15.
    pub brightness: u8,
    /// Firmware version.
    pub firmware: u8,
}

/// One message on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Show a number and the counter's label.
    Show {
        /// The ticket number.
        number: u32,
        /// The counter label.
        label: Label,
    },
    /// Blink the number for this many tenths of a second (0 stops).
    Blink {
        /// Duration in tenths of a second.
        tenths: u8,
    },
    /// Set the brightness, 0..=15.
    Brightness(u8),
    /// Show nothing.
    Clear,
    /// Ask for a [`Message::Status`] reply.
    Ping,
    /// A display's reply to [`Message::Ping`].
    Status(Status),
}

/// A message for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// 1..=32, or [`BROADCAST`].
    pub address: u8,
    /// The message.
    pub message: Message,
}

/// Why a frame could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The address is neither 1..=32 nor [`BROADCAST`].
    BadAddress(u8),
    /// Brightness above 15.
    BadBrightness(u8),
    /// The output buffer is smaller than the frame.
    BufferTooSmall,
}

/// Why bytes between `SOH` and `EOT` are not a frame. The decoder has already dropped them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The CRC does not match.
    BadCrc,
    /// Another frame version.
    BadVersion(u8),
    /// Length byte and body disagree, or the body is too short or too long.
    BadLength,
    /// Unknown command code.
    UnknownCommand(u8),
    /// Payload not valid for its command.
    BadPayload,
    /// `ESC` followed by a byte that is not an escaped one.
    BadEscape,
}

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF).
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

/// Encodes `frame` into `out`; returns the number of bytes written.
pub fn encode(frame: &Frame, out: &mut [u8]) -> Result<usize, EncodeError> {
    if !(1..=MAX_ADDRESS).contains(&frame.address) && frame.address != BROADCAST {
        return Err(EncodeError::BadAddress(frame.address));
    }
    let mut body = [0u8; MAX_BODY];
    body[0] = VERSION;
    body[1] = frame.address;
    let mut n = 4;
    let mut put = |bytes: &[u8]| {
        body[n..n + bytes.len()].copy_from_slice(bytes);
        n += bytes.len();
    };
    let command = match frame.message {
        Message::Show { number, label } => {
            put(&number.to_be_bytes());
            put(&[label.len]);
            put(&label.bytes[..usize::from(label.len)]);
            0x10
        }
        Message::Blink { tenths } => {
            put(&[tenths]);
            0x11
        }
        Message::Brightness(level) if level <= 15 => {
            put(&[level]);
            0x12
        }
        Message::Brightness(level) => return Err(EncodeError::BadBrightness(level)),
        Message::Clear => 0x13,
        Message::Ping => 0x14,
        Message::Status(s) => {
            let flags = u8::from(s.number.is_some()) | (u8::from(s.blinking) << 1);
            put(&[flags]);
            put(&s.number.unwrap_or(0).to_be_bytes());
            put(&[s.brightness, s.firmware]);
            0x94
        }
    };
    body[2] = command;
    body[3] = (n - 4) as u8;
    let crc = crc16(&body[..n]).to_be_bytes();
    body[n] = crc[0];
    body[n + 1] = crc[1];
    let body = &body[..n + 2];

    let mut written = 0;
    let mut emit = |byte: u8| -> Result<(), EncodeError> {
        *out.get_mut(written).ok_or(EncodeError::BufferTooSmall)? = byte;
        written += 1;
        Ok(())
    };
    emit(SOH)?;
    for &byte in body {
        if matches!(byte, SOH | EOT | ESC) {
            emit(ESC)?;
            emit(byte ^ 0x20)?;
        } else {
            emit(byte)?;
        }
    }
    emit(EOT)?;
    Ok(written)
}

fn parse(body: &[u8]) -> Result<Frame, DecodeError> {
    if body.len() < 6 {
        return Err(DecodeError::BadLength);
    }
    let (content, crc) = body.split_at(body.len() - 2);
    if crc16(content).to_be_bytes() != [crc[0], crc[1]] {
        return Err(DecodeError::BadCrc);
    }
    if content[0] != VERSION {
        return Err(DecodeError::BadVersion(content[0]));
    }
    let (address, command, len) = (content[1], content[2], usize::from(content[3]));
    let payload = &content[4..];
    if payload.len() != len {
        return Err(DecodeError::BadLength);
    }
    if !(1..=MAX_ADDRESS).contains(&address) && address != BROADCAST {
        return Err(DecodeError::BadPayload);
    }
    let u32_at = |at: usize| -> Result<u32, DecodeError> {
        let bytes = payload.get(at..at + 4).ok_or(DecodeError::BadPayload)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    };
    let exact = |n: usize| if payload.len() == n { Ok(()) } else { Err(DecodeError::BadPayload) };
    let message = match command {
        0x10 => {
            let number = u32_at(0)?;
            let label_len = usize::from(*payload.get(4).ok_or(DecodeError::BadPayload)?);
            exact(5 + label_len)?;
            Message::Show { number, label: Label::from_bytes(&payload[5..]).ok_or(DecodeError::BadPayload)? }
        }
        0x11 => {
            exact(1)?;
            Message::Blink { tenths: payload[0] }
        }
        0x12 => {
            exact(1)?;
            if payload[0] > 15 {
                return Err(DecodeError::BadPayload);
            }
            Message::Brightness(payload[0])
        }
        0x13 => exact(0).map(|()| Message::Clear)?,
        0x14 => exact(0).map(|()| Message::Ping)?,
        0x94 => {
            exact(7)?;
            let flags = payload[0];
            let number = u32_at(1)?;
            Message::Status(Status {
                number: (flags & 1 != 0).then_some(number),
                blinking: flags & 2 != 0,
                brightness: payload[5],
                firmware: payload[6],
            })
        }
        other => return Err(DecodeError::UnknownCommand(other)),
    };
    Ok(Frame { address, message })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for `SOH`; other bytes are dropped.
    Idle,
    /// Inside a frame.
    Body,
    /// Inside a frame, after `ESC`.
    Escaped,
}

/// Turns a byte stream into frames. Feed it every byte received; it never panics, drops anything
/// outside frames, and restarts at every `SOH`.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
    body: [u8; MAX_BODY],
    len: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder waiting for a frame.
    pub const fn new() -> Self {
        Decoder { state: State::Idle, body: [0; MAX_BODY], len: 0 }
    }

    /// Takes one byte; returns a frame, or why the bytes just ended were not one.
    pub fn push(&mut self, byte: u8) -> Option<Result<Frame, DecodeError>> {
        match (self.state, byte) {
            (_, SOH) => {
                self.state = State::Body;
                self.len = 0;
                None
            }
            (State::Idle, _) => None,
            (State::Body, EOT) => {
                self.state = State::Idle;
                Some(parse(&self.body[..self.len]))
            }
            (State::Body, ESC) => {
                self.state = State::Escaped;
                None
            }
            (State::Escaped, _) => {
                let raw = byte ^ 0x20;
                if !matches!(raw, SOH | EOT | ESC) {
                    self.state = State::Idle;
                    return Some(Err(DecodeError::BadEscape));
                }
                self.state = State::Body;
                self.store(raw)
            }
            (State::Body, _) => self.store(byte),
        }
    }

    fn store(&mut self, byte: u8) -> Option<Result<Frame, DecodeError>> {
        if self.len == MAX_BODY {
            self.state = State::Idle;
            return Some(Err(DecodeError::BadLength));
        }
        self.body[self.len] = byte;
        self.len += 1;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(frame: Frame) -> Frame {
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(&frame, &mut buf).expect("encodes");
        let mut decoder = Decoder::new();
        let mut out = None;
        for &b in &buf[..n] {
            if let Some(r) = decoder.push(b) {
                out = Some(r.expect("decodes"));
            }
        }
        out.expect("a frame")
    }

    #[test]
    fn show_encodes_byte_exact() {
        let frame =
            Frame { address: 3, message: Message::Show { number: 1012, label: Label::new("QUAY 3").expect("ascii") } };
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(&frame, &mut buf).expect("encodes");
        let body = [0x01, 0x03, 0x10, 0x0B, 0x00, 0x00, 0x03, 0xF4, 0x06, b'Q', b'U', b'A', b'Y', b' ', b'3'];
        let crc = crc16(&body).to_be_bytes();
        let mut expected = [0u8; 64];
        expected[0] = SOH;
        // VERSION 0x01 and the length... every 0x01/0x04/0x1B is escaped.
        let mut k = 1;
        for &b in body.iter().chain(crc.iter()) {
            if matches!(b, SOH | EOT | ESC) {
                expected[k] = ESC;
                expected[k + 1] = b ^ 0x20;
                k += 2;
            } else {
                expected[k] = b;
                k += 1;
            }
        }
        expected[k] = EOT;
        assert_eq!(&buf[..n], &expected[..k + 1]);
        assert_eq!(&buf[..4], &[SOH, ESC, 0x21, 0x03], "version 1 is escaped");
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn every_message_round_trips() {
        let label = Label::new("QUAY 12").expect("ascii");
        let status = Status { number: Some(4_000_000_000), blinking: true, brightness: 15, firmware: 1 };
        for message in [
            Message::Show { number: 0, label: Label::EMPTY },
            Message::Show { number: u32::MAX, label },
            Message::Blink { tenths: 30 },
            Message::Brightness(0),
            Message::Brightness(15),
            Message::Clear,
            Message::Ping,
            Message::Status(status),
            Message::Status(Status { number: None, blinking: false, brightness: 7, firmware: 1 }),
        ] {
            for address in [1, 17, 32, BROADCAST] {
                let frame = Frame { address, message };
                assert_eq!(round_trip(frame), frame);
            }
        }
    }

    #[test]
    fn bad_frames_are_refused_when_encoding() {
        let mut buf = [0u8; MAX_FRAME];
        assert_eq!(encode(&Frame { address: 0, message: Message::Ping }, &mut buf), Err(EncodeError::BadAddress(0)));
        assert_eq!(encode(&Frame { address: 33, message: Message::Ping }, &mut buf), Err(EncodeError::BadAddress(33)));
        assert_eq!(
            encode(&Frame { address: 1, message: Message::Brightness(16) }, &mut buf),
            Err(EncodeError::BadBrightness(16))
        );
        assert_eq!(
            encode(&Frame { address: 1, message: Message::Ping }, &mut buf[..3]),
            Err(EncodeError::BufferTooSmall)
        );
        assert!(Label::new("Quầy 3").is_none(), "labels are ASCII");
        assert!(Label::new("12345678901234567").is_none(), "labels are at most 16 bytes");
    }

    #[test]
    fn a_corrupted_frame_is_reported_and_the_next_one_decodes() {
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(&Frame { address: 5, message: Message::Blink { tenths: 9 } }, &mut buf).expect("encodes");
        let mut decoder = Decoder::new();
        let mut results = [None, None];
        let mut k = 0;
        let mut corrupted = buf;
        corrupted[n - 2] ^= 0xFF;
        for &b in corrupted[..n].iter().chain(&buf[..n]) {
            if let Some(r) = decoder.push(b) {
                results[k] = Some(r);
                k += 1;
            }
        }
        assert!(matches!(results[0], Some(Err(_))));
        assert_eq!(results[1], Some(Ok(Frame { address: 5, message: Message::Blink { tenths: 9 } })));
    }
}
