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

impl Transport for DeviceFileTransport {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let mut rest = bytes;
        let deadline = Instant::now() + Duration::from_secs(30);
        while !rest.is_empty() {
            match self.file.write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(DEVICE_POLL)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
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
