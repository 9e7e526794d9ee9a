//! The display unit's state machine.

use motcua_protocol::display::{BROADCAST, Decoder, Frame, Label, MAX_FRAME, Message, Status, encode};

use crate::FIRMWARE_VERSION;

/// Blink phase length: the number is shown for this long, then hidden for as long.
pub const BLINK_PHASE_MS: u64 = 250;

/// A reply to send back on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    bytes: [u8; MAX_FRAME],
    len: usize,
}

impl Reply {
    /// The encoded frame.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// One counter display: its address, what it shows, how bright, whether it blinks.
#[derive(Debug, Clone)]
pub struct DisplayUnit {
    address: u8,
    decoder: Decoder,
    shown: Option<(u32, Label)>,
    blink_until_ms: u64,
    brightness: u8,
    frames: u32,
}

impl DisplayUnit {
    /// A blank unit answering to `address` (1..=32) and to broadcasts.
    pub fn new(address: u8) -> Self {
        Self { address, decoder: Decoder::new(), shown: None, blink_until_ms: 0, brightness: 15, frames: 0 }
    }

    /// Takes one byte received at `now_ms`; returns a reply to send when the byte completed a ping
    /// addressed to this unit.
    pub fn receive(&mut self, byte: u8, now_ms: u64) -> Option<Reply> {
        let frame = self.decoder.push(byte)?.ok()?;
        self.apply(frame, now_ms)
    }

    /// Applies a decoded frame; frames for other addresses are ignored.
    pub fn apply(&mut self, frame: Frame, now_ms: u64) -> Option<Reply> {
        if frame.address != self.address && frame.address != BROADCAST {
            return None;
        }
        self.frames = self.frames.wrapping_add(1);
        match frame.message {
            Message::Show { number, label } => self.shown = Some((number, label)),
            Message::Blink { tenths } => self.blink_until_ms = now_ms + u64::from(tenths) * 100,
            Message::Brightness(level) => self.brightness = level.min(15),
            Message::Clear => {
                self.shown = None;
                self.blink_until_ms = 0;
            }
            Message::Ping if frame.address == self.address => {
                let reply = Frame { address: self.address, message: Message::Status(self.status(now_ms)) };
                let mut bytes = [0u8; MAX_FRAME];
                let len = encode(&reply, &mut bytes).ok()?;
                return Some(Reply { bytes, len });
            }
            Message::Ping | Message::Status(_) => {}
        }
        None
    }

    /// The status a ping would report at `now_ms`.
    pub fn status(&self, now_ms: u64) -> Status {
        Status {
            number: self.shown.map(|(n, _)| n),
            blinking: self.blinking(now_ms),
            brightness: self.brightness,
            firmware: FIRMWARE_VERSION,
        }
    }

    /// Whether the unit is in a blink period at `now_ms`.
    pub fn blinking(&self, now_ms: u64) -> bool {
        now_ms < self.blink_until_ms
    }

    /// Whether the number is lit at `now_ms` (off during the dark half of a blink).
    pub fn number_visible(&self, now_ms: u64) -> bool {
        !self.blinking(now_ms) || (now_ms / BLINK_PHASE_MS).is_multiple_of(2)
    }

    /// The number and label shown.
    pub fn shown(&self) -> Option<(u32, Label)> {
        self.shown
    }

    /// Brightness 0..=15.
    pub fn brightness(&self) -> u8 {
        self.brightness
    }

    /// Frames accepted so far (for this address or broadcast); changes whenever state may have.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// The unit's address.
    pub fn address(&self) -> u8 {
        self.address
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(unit: &mut DisplayUnit, frame: Frame, now: u64) -> Option<Reply> {
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(&frame, &mut buf).expect("encodes");
        buf[..n].iter().filter_map(|&b| unit.receive(b, now)).last()
    }

    fn show(address: u8, number: u32) -> Frame {
        Frame { address, message: Message::Show { number, label: Label::new("QUAY 3").expect("ascii") } }
    }

    #[test]
    fn shows_only_frames_for_its_address_or_broadcast() {
        let mut unit = DisplayUnit::new(3);
        feed(&mut unit, show(4, 2000), 0);
        assert_eq!(unit.shown(), None);
        feed(&mut unit, show(3, 1012), 0);
        assert_eq!(unit.shown(), Some((1012, Label::new("QUAY 3").expect("ascii"))));
        feed(&mut unit, Frame { address: BROADCAST, message: Message::Clear }, 0);
        assert_eq!(unit.shown(), None);
    }

    #[test]
    fn a_ping_is_answered_with_the_status_and_a_broadcast_ping_is_not() {
        let mut unit = DisplayUnit::new(3);
        feed(&mut unit, show(3, 1012), 0);
        feed(&mut unit, Frame { address: 3, message: Message::Brightness(9) }, 0);
        let reply = feed(&mut unit, Frame { address: 3, message: Message::Ping }, 0).expect("answers");
        let mut decoder = Decoder::new();
        let status = reply.bytes().iter().filter_map(|&b| decoder.push(b)).last();
        let expected = Status { number: Some(1012), blinking: false, brightness: 9, firmware: FIRMWARE_VERSION };
        assert_eq!(status, Some(Ok(Frame { address: 3, message: Message::Status(expected) })));
        assert!(feed(&mut unit, Frame { address: BROADCAST, message: Message::Ping }, 0).is_none());
        assert!(feed(&mut unit, Frame { address: 4, message: Message::Ping }, 0).is_none());
    }

    #[test]
    fn blinking_follows_the_given_time() {
        let mut unit = DisplayUnit::new(3);
        feed(&mut unit, show(3, 1012), 1_000);
        feed(&mut unit, Frame { address: 3, message: Message::Blink { tenths: 20 } }, 1_000);
        assert!(unit.blinking(1_000) && unit.blinking(2_999));
        assert!(!unit.blinking(3_000), "2 s after the blink command it stops");
        assert!(unit.number_visible(1_000));
        assert!(!unit.number_visible(1_250), "dark half of the blink");
        assert!(unit.number_visible(1_500));
        assert!(unit.number_visible(3_250), "steady after the blink");
    }
}
