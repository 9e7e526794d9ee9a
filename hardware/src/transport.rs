//! Byte pipes to devices, each able to read with a timeout.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;

/// A connection to a device.
pub trait Transport: Send {
    /// Sends all bytes.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error>;
    /// Reads what has arrived, waiting at most `timeout` for the first byte; `Ok(0)` on timeout.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error>;
    /// Where it goes, for logs.
    fn describe(&self) -> String;
}

/// Reads exactly `buf.len()` bytes within `timeout` in all.
pub fn read_exact(transport: &mut dyn Transport, buf: &mut [u8], timeout: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + timeout;
    let mut got = 0;
    while got < buf.len() {
        let left = deadline.checked_duration_since(Instant::now()).ok_or(Error::Timeout)?;
        match transport.read(&mut buf[got..], left)? {
            0 => return Err(Error::Timeout),
            n => got += n,
        }
    }
    Ok(())
}

/// A serial port (RS-232/RS-485 adapter, or a pseudo-terminal).
pub struct SerialTransport {
    port: Box<dyn serialport::SerialPort>,
    path: String,
}

impl std::fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SerialTransport({})", self.path)
    }
}

impl SerialTransport {
    /// Opens `path` at `baud`, 8N1, no flow control.
    pub fn open(path: &str, baud: u32) -> Result<Self, Error> {
        let port = serialport::new(path, baud).timeout(Duration::from_millis(100)).open()?;
        Ok(Self { port, path: path.to_string() })
    }
}

impl Transport for SerialTransport {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.port.write_all(bytes)?;
        self.port.flush()?;
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        self.port.set_timeout(timeout.max(Duration::from_millis(1)))?;
        match self.port.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    fn describe(&self) -> String {
        format!("serial {}", self.path)
    }
}

/// A network printer (raw TCP, usually port 9100).
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
    addr: SocketAddr,
}

impl TcpTransport {
    /// Connects within `timeout`.
    pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<Self, Error> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Self { stream, addr })
    }
}

impl Transport for TcpTransport {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.stream.write_all(bytes)?;
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        self.stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        match self.stream.read(buf) {
            Ok(0) => Err(Error::Io(io::Error::new(ErrorKind::UnexpectedEof, "máy in đã đóng kết nối"))),
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    fn describe(&self) -> String {
        format!("tcp {}", self.addr)
    }
}

/// A printer device file such as `/dev/usb/lp0`, opened for reading and writing.
#[derive(Debug)]
pub struct DeviceFileTransport {
    file: File,
    path: PathBuf,
}

/// `O_NONBLOCK` on Linux: reads return at once so the timeout is ours to keep.
const O_NONBLOCK: i32 = 0o4000;

/// How often a device file without data is read again while waiting.
const DEVICE_POLL: Duration = Duration::from_millis(5);

impl DeviceFileTransport {
    /// Opens the device file.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let file = OpenOptions::new().read(true).write(true).custom_flags(O_NONBLOCK).open(path)?;
        Ok(Self { file, path: path.to_path_buf() })
    }
}

/// Longest a device file may take to accept a ticket's bytes.
const DEVICE_WRITE: Duration = Duration::from_secs(10);

/// Writes all of `bytes` to `w` (opened non-blocking) by `deadline`. A write that takes nothing
/// (`Ok(0)`) or would block is tried again a moment later; none of them may go on past the
/// deadline, so a device that stops taking bytes fails the write instead of holding the kiosk.
pub fn write_by(w: &mut impl Write, bytes: &[u8], deadline: Instant) -> Result<(), Error> {
    let mut rest = bytes;
    while !rest.is_empty() {
        match w.write(rest) {
            Ok(n) if n > 0 => {
                rest = &rest[n..];
                continue;
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.into()),
        }
        if Instant::now() >= deadline {
            return Err(Error::Timeout);
        }
        std::thread::sleep(DEVICE_POLL);
    }
    Ok(())
}

impl Transport for DeviceFileTransport {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        write_by(&mut self.file, bytes, Instant::now() + DEVICE_WRITE)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.file.read(buf) {
                Ok(n) if n > 0 => return Ok(n),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
            if Instant::now() >= deadline {
                return Ok(0);
            }
            std::thread::sleep(DEVICE_POLL);
        }
    }

    fn describe(&self) -> String {
        format!("device {}", self.path.display())
    }
}

/// Opens a transport.
pub type Opener = Box<dyn FnMut() -> Result<Box<dyn Transport>, Error> + Send>;

/// A transport opened when first used and opened again whenever it fails: a printer switched off
/// and on, a USB adapter unplugged and plugged back (its device file comes back, perhaps later), a
/// network printer rebooted, or a device that was not there when the kiosk started. After a failed
/// open it waits before trying again (0.5 s, doubling up to 10 s); meanwhile every call fails at
/// once, so nothing waits on a device that is away. The first failure of an open transport drops
/// it, and the next call opens it again without waiting.
pub struct Reopening {
    open: Opener,
    current: Option<Box<dyn Transport>>,
    what: String,
    first_wait: Duration,
    max_wait: Duration,
    wait: Duration,
    retry_at: Option<Instant>,
}

impl std::fmt::Debug for Reopening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reopening").field("what", &self.what).field("open", &self.current.is_some()).finish()
    }
}

impl Reopening {
    /// `what` (for logs, e.g. `tcp 192.168.1.50:9100`) opened by `open`, with the usual waits.
    pub fn new(what: &str, open: Opener) -> Self {
        Self::with_waits(what, open, Duration::from_millis(500), Duration::from_secs(10))
    }

    /// The same with other waits between failed opens.
    pub fn with_waits(what: &str, open: Opener, first_wait: Duration, max_wait: Duration) -> Self {
        Self { open, current: None, what: what.to_string(), first_wait, max_wait, wait: first_wait, retry_at: None }
    }

    /// Whether the device is open now.
    pub fn is_open(&self) -> bool {
        self.current.is_some()
    }

    fn ensure(&mut self) -> Result<&mut Box<dyn Transport>, Error> {
        if self.current.is_none() {
            if self.retry_at.is_some_and(|at| Instant::now() < at) {
                return Err(Error::Io(io::Error::new(
                    ErrorKind::NotConnected,
                    format!("{} chưa kết nối lại", self.what),
                )));
            }
            match (self.open)() {
                Ok(t) => {
                    self.current = Some(t);
                    self.wait = self.first_wait;
                    self.retry_at = None;
                }
                Err(e) => {
                    self.retry_at = Some(Instant::now() + self.wait);
                    self.wait = (self.wait * 2).min(self.max_wait);
                    return Err(e);
                }
            }
        }
        self.current.as_mut().ok_or(Error::Timeout)
    }

    fn failed<R>(&mut self, result: Result<R, Error>) -> Result<R, Error> {
        if result.is_err() {
            self.current = None;
        }
        result
    }
}

impl Transport for Reopening {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let result = self.ensure()?.write_all(bytes);
        self.failed(result)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        let result = self.ensure()?.read(buf, timeout);
        self.failed(result)
    }

    fn describe(&self) -> String {
        self.what.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A device that is there or not, and counts how often it was opened.
    #[derive(Clone, Default)]
    struct Device {
        present: Arc<Mutex<bool>>,
        opened: Arc<Mutex<u32>>,
    }

    struct Handle(Device);

    impl Transport for Handle {
        fn write_all(&mut self, _: &[u8]) -> Result<(), Error> {
            if *self.0.present.lock().expect("lock") { Ok(()) } else { Err(Error::Io(ErrorKind::BrokenPipe.into())) }
        }
        fn read(&mut self, _: &mut [u8], _: Duration) -> Result<usize, Error> {
            Ok(0)
        }
        fn describe(&self) -> String {
            "test".into()
        }
    }

    fn reopening(device: &Device, wait: Duration) -> Reopening {
        let d = device.clone();
        let open: Opener = Box::new(move || {
            if *d.present.lock().expect("lock") {
                *d.opened.lock().expect("lock") += 1;
                Ok(Box::new(Handle(d.clone())) as Box<dyn Transport>)
            } else {
                Err(Error::Io(ErrorKind::NotFound.into()))
            }
        });
        Reopening::with_waits("test", open, wait, wait)
    }

    #[test]
    fn a_device_that_comes_late_or_comes_back_is_opened_again() {
        let device = Device::default();
        let mut t = reopening(&device, Duration::ZERO);
        assert!(t.write_all(b"x").is_err(), "not there yet");
        *device.present.lock().expect("lock") = true;
        assert!(t.write_all(b"x").is_ok(), "found when it appears");
        *device.present.lock().expect("lock") = false;
        assert!(t.write_all(b"x").is_err());
        assert!(!t.is_open(), "a failed write drops the device");
        *device.present.lock().expect("lock") = true;
        assert!(t.write_all(b"x").is_ok(), "opened again");
        assert_eq!(*device.opened.lock().expect("lock"), 2);
    }

    #[test]
    fn after_a_failed_open_calls_fail_at_once_until_the_wait_is_over() {
        let device = Device::default();
        let mut t = reopening(&device, Duration::from_secs(3600));
        assert!(t.write_all(b"x").is_err());
        *device.present.lock().expect("lock") = true;
        let e = t.write_all(b"x").expect_err("still waiting");
        assert!(matches!(e, Error::Io(ref io) if io.kind() == ErrorKind::NotConnected), "{e:?}");
        assert_eq!(*device.opened.lock().expect("lock"), 0, "not tried before the wait is over");
    }

    /// A device that takes nothing: every write answers `Ok(0)`.
    struct TakesNothing(u32);

    impl Write for TakesNothing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.0 += 1;
            Ok(0)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_device_that_takes_nothing_fails_by_the_deadline_instead_of_spinning() {
        let mut device = TakesNothing(0);
        let started = Instant::now();
        let result = write_by(&mut device, &[0u8; 64], started + Duration::from_millis(100));
        assert!(matches!(result, Err(Error::Timeout)), "{result:?}");
        assert!(device.0 < 1000, "tried {} times: a spin, not a wait", device.0);
    }
}
