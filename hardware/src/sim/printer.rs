//! A simulated ESC/POS printer: it receives the real bytes over TCP or a serial line, answers
//! `DLE EOT` status queries for the condition it is put in, and keeps every ticket it printed.
//! While out of paper or with the cover open it answers status queries but prints nothing.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use super::escpos::{EscPosDecoder, Paper};
use crate::Error;
use crate::printer::status::{OFFLINE_CAUSE, PAPER_SENSOR, PRINTER};

/// The condition the simulated printer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Condition {
    /// Ready.
    #[default]
    Ready,
    /// Roll nearly used up; still prints.
    PaperNearEnd,
    /// No paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
}

impl Condition {
    /// The printer's answer to `DLE EOT n`.
    pub fn status_byte(self, n: u8) -> u8 {
        let fixed = 0x12;
        match n {
            PRINTER if matches!(self, Condition::PaperOut | Condition::CoverOpen) => fixed | 0x08,
            OFFLINE_CAUSE => {
                fixed
                    | if self == Condition::CoverOpen { 0x04 } else { 0 }
                    | if self == Condition::PaperOut { 0x20 } else { 0 }
            }
            PAPER_SENSOR => {
                fixed
                    | if self == Condition::PaperNearEnd { 0x0C } else { 0 }
                    | if self == Condition::PaperOut { 0x60 } else { 0 }
            }
            _ => fixed,
        }
    }

    fn prints(self) -> bool {
        matches!(self, Condition::Ready | Condition::PaperNearEnd)
    }
}

#[derive(Debug, Default)]
struct Inner {
    condition: Condition,
    decoder: EscPosDecoder,
    received: usize,
}

/// A simulated printer; clones share the same printer.
#[derive(Debug, Clone, Default)]
pub struct PrinterSim {
    inner: Arc<Mutex<Inner>>,
    stop: Arc<AtomicBool>,
}

/// How long a serving thread waits for bytes before checking whether it should stop.
const POLL: Duration = Duration::from_millis(20);

impl PrinterSim {
    /// A ready printer with nothing printed.
    pub fn new() -> Self {
        let sim = Self::default();
        sim.lock().decoder = EscPosDecoder::new();
        sim
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts the printer in `condition`.
    pub fn set_condition(&self, condition: Condition) {
        self.lock().condition = condition;
    }

    /// Tickets printed so far (completed by a cut).
    pub fn papers(&self) -> Vec<Paper> {
        self.lock().decoder.finished.clone()
    }

    /// Commands it did not understand.
    pub fn unknown_commands(&self) -> Vec<Vec<u8>> {
        self.lock().decoder.unknown.clone()
    }

    /// Bytes received so far.
    pub fn bytes_received(&self) -> usize {
        self.lock().received
    }

    /// Takes received bytes; returns the printer's answer bytes.
    pub fn receive(&self, bytes: &[u8]) -> Vec<u8> {
        let mut inner = self.lock();
        inner.received += bytes.len();
        let condition = inner.condition;
        let printed_before = inner.decoder.finished.len();
        let replies = inner.decoder.push(bytes, &|n| condition.status_byte(n));
        if !condition.prints() {
            inner.decoder.finished.truncate(printed_before);
        }
        replies
    }

    /// Stops every serving thread of this printer.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Serves every connection to `listener` (a network printer, port 9100 style).
    pub fn serve_tcp(&self, listener: TcpListener) -> Result<JoinHandle<()>, Error> {
        listener.set_nonblocking(true)?;
        let sim = self.clone();
        Ok(std::thread::spawn(move || {
            while !sim.stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let sim = sim.clone();
                        std::thread::spawn(move || {
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(POLL));
                            let mut buf = [0u8; 4096];
                            while !sim.stop.load(Ordering::Relaxed) {
                                match stream.read(&mut buf) {
                                    Ok(0) => break,
                                    Ok(n) => {
                                        let reply = sim.receive(&buf[..n]);
                                        if !reply.is_empty() && stream.write_all(&reply).is_err() {
                                            break;
                                        }
                                    }
                                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                                    Err(_) => break,
                                }
                            }
                        });
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
                    Err(_) => break,
                }
            }
        }))
    }

    /// Serves a serial line (or one end of a pseudo-terminal pair) at `path`.
    pub fn serve_serial(&self, path: &str) -> Result<JoinHandle<()>, Error> {
        let mut port = serialport::new(path, 9600).timeout(POLL).open()?;
        let sim = self.clone();
        Ok(std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !sim.stop.load(Ordering::Relaxed) {
                match port.read(&mut buf) {
                    Ok(0) => {}
                    Ok(n) => {
                        let reply = sim.receive(&buf[..n]);
                        if !reply.is_empty() && (port.write_all(&reply).is_err() || port.flush().is_err()) {
                            break;
                        }
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
            }
        }))
    }
}
