//! The host side of the counter-display bus: sends frames to displays and reads their replies.

use std::time::{Duration, Instant};

use motcua_protocol::display::{Decoder, Frame, Label, MAX_FRAME, Message, Status, encode};

use crate::Error;
use crate::transport::Transport;

/// Counter displays on one serial line.
pub struct DisplayBus<T> {
    transport: T,
    decoder: Decoder,
    /// How long to wait for a ping reply.
    pub reply_timeout: Duration,
}

impl<T> std::fmt::Debug for DisplayBus<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisplayBus").field("reply_timeout", &self.reply_timeout).finish_non_exhaustive()
    }
}

/// A counter label for a display: Vietnamese letters lose their marks (`Quầy 3` → `QUAY 3`),
/// anything else outside printable ASCII is dropped, and it is cut to the frame's limit.
pub fn label(text: &str) -> Label {
    let ascii: String = text
        .chars()
        .map(|c| motcua_protocol::text::base_letter(c).to_ascii_uppercase())
        .filter(|c| (' '..='~').contains(c))
        .take(motcua_protocol::display::MAX_LABEL)
        .collect();
    Label::new(&ascii).unwrap_or(Label::EMPTY)
}

impl<T: Transport> DisplayBus<T> {
    /// A bus over `transport`.
    pub fn new(transport: T) -> Self {
        Self { transport, decoder: Decoder::new(), reply_timeout: Duration::from_millis(300) }
    }

    /// Sends one frame.
    pub fn send(&mut self, frame: Frame) -> Result<(), Error> {
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(&frame, &mut buf).map_err(Error::Frame)?;
        self.transport.write_all(&buf[..n])
    }

    /// Shows `number` and `label` on the display at `address`.
    pub fn show(&mut self, address: u8, number: u32, label: Label) -> Result<(), Error> {
        self.send(Frame { address, message: Message::Show { number, label } })
    }

    /// Blinks the display at `address` for `tenths` tenths of a second.
    pub fn blink(&mut self, address: u8, tenths: u8) -> Result<(), Error> {
        self.send(Frame { address, message: Message::Blink { tenths } })
    }

    /// Sets the brightness (0..=15).
    pub fn brightness(&mut self, address: u8, level: u8) -> Result<(), Error> {
        self.send(Frame { address, message: Message::Brightness(level) })
    }

    /// Clears the display.
    pub fn clear(&mut self, address: u8) -> Result<(), Error> {
        self.send(Frame { address, message: Message::Clear })
    }

    /// Pings the display at `address` and waits for its status; [`Error::Timeout`] if it is silent.
    pub fn ping(&mut self, address: u8) -> Result<Status, Error> {
        self.decoder = Decoder::new();
        self.send(Frame { address, message: Message::Ping })?;
        let deadline = Instant::now() + self.reply_timeout;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.checked_duration_since(Instant::now()).ok_or(Error::Timeout)?;
            let n = self.transport.read(&mut buf, left)?;
            if n == 0 {
                return Err(Error::Timeout);
            }
            for &byte in &buf[..n] {
                match self.decoder.push(byte) {
                    Some(Ok(Frame { address: from, message: Message::Status(status) })) if from == address => {
                        return Ok(status);
                    }
                    Some(Ok(_)) => return Err(Error::UnexpectedReply),
                    Some(Err(e)) => return Err(Error::Reply(e)),
                    None => {}
                }
            }
        }
    }

    /// The transport, e.g. to close it.
    pub fn into_inner(self) -> T {
        self.transport
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lose_vietnamese_marks_and_fit_the_frame() {
        assert_eq!(label("Quầy 3").as_str(), "QUAY 3");
        assert_eq!(label("Qua\u{302}\u{300}y 3").as_str(), "QUAY 3", "written decomposed");
        assert_eq!(label("Đất đai – Quầy 12").as_str(), "DAT DAI  QUAY 12");
        assert_eq!(label("Một cửa liên thông số 1").as_str().len(), 16);
    }
}
