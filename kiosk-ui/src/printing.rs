//! The kiosk's ticket printer: chosen by configuration, including an in-process simulator (on a
//! TCP port, so the real bytes go over a real socket) that saves a picture of every ticket.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use motcua_hardware::Error;
use motcua_hardware::printer::{
    EscPosPrinter, PrinterStatus, SlipContent, TextMode, TicketContent, TicketFont, TicketLayout, TicketPrinter,
};
use motcua_hardware::sim::printer::PrinterSim;
use motcua_hardware::transport::{DeviceFileTransport, Opener, Reopening, SerialTransport, TcpTransport, Transport};
use motcua_protocol::api::{CentreInfo, Dossier, Ticket};

use crate::config::PrinterConfig;

/// The configured printer.
pub struct KioskPrinter {
    printer: Box<dyn TicketPrinter + Send>,
    sim: Option<PrinterSim>,
    pictures: Option<PathBuf>,
    paper_dots: u32,
}

impl std::fmt::Debug for KioskPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskPrinter").field("simulated", &self.sim.is_some()).finish_non_exhaustive()
    }
}

fn boxed<T: Transport + 'static>(transport: T) -> Box<dyn Transport> {
    Box::new(transport)
}

impl KioskPrinter {
    /// The printer `config` names: `sim`, `tcp:HOST:PORT`, `serial:PATH[:BAUD]` or `file:PATH`.
    /// The device itself is opened when first used and again whenever it fails or comes back
    /// ([`Reopening`]): a printer that is off or unplugged now is found when it appears. Refused
    /// only for what no waiting mends: an unknown kind, a bad address, no Vietnamese font.
    pub fn open(config: &PrinterConfig) -> Result<Self, Error> {
        let font = TicketFont::find(config.font.as_deref())?;
        let paper_dots = if config.paper_mm >= 80 { 576 } else { 384 };
        let text = config.code_page_1258.map_or(TextMode::Raster, |esc_t| TextMode::CodePage1258 { esc_t });
        let layout = TicketLayout { paper_dots, font, text };
        let t = config.transport.trim();
        let timeout = Duration::from_secs(3);
        let (what, open, sim): (String, Opener, _) = if t == "sim" {
            let sim = PrinterSim::new();
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            sim.serve_tcp(listener)?;
            (format!("sim {addr}"), Box::new(move || TcpTransport::connect(addr, timeout).map(boxed)), Some(sim))
        } else if let Some(addr) = t.strip_prefix("tcp:") {
            // A name is looked up at every open: a printer that got another address is found.
            let name = addr.to_string();
            let open = move || -> Result<Box<dyn Transport>, Error> {
                let found = std::net::ToSocketAddrs::to_socket_addrs(&name)?.next().ok_or_else(|| {
                    Error::Io(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("không tìm thấy máy in «{name}»"),
                    ))
                })?;
                TcpTransport::connect(found, timeout).map(boxed)
            };
            (format!("tcp {addr}"), Box::new(open), None)
        } else if let Some(rest) = t.strip_prefix("serial:") {
            let (path, baud) = match rest.rsplit_once(':') {
                Some((p, b)) if b.parse::<u32>().is_ok() => (p.to_string(), b.parse().unwrap_or(9600)),
                _ => (rest.to_string(), 9600),
            };
            (format!("serial {path}"), Box::new(move || SerialTransport::open(&path, baud).map(boxed)), None)
        } else if let Some(path) = t.strip_prefix("file:") {
            let path = std::path::PathBuf::from(path);
            (format!("file {}", path.display()), Box::new(move || DeviceFileTransport::open(&path).map(boxed)), None)
        } else {
            return Err(Error::Io(std::io::Error::other(format!(
                "kiểu kết nối máy in «{t}» không có (sim, tcp:, serial:, file:)"
            ))));
        };
        let printer = Box::new(EscPosPrinter::new(Reopening::new(&what, open), layout));
        Ok(Self { printer, sim, pictures: config.pictures.clone(), paper_dots })
    }

    /// The simulator, when the printer is simulated.
    pub fn sim(&self) -> Option<&PrinterSim> {
        self.sim.as_ref()
    }

    /// The printer's status.
    pub fn status(&mut self) -> Result<PrinterStatus, Error> {
        self.printer.status()
    }

    /// Prints a slip of text (an apology letter).
    pub fn print_slip(&mut self, slip: &SlipContent) -> Result<PrinterStatus, Error> {
        self.printer.print_slip(slip)
    }

    /// Prints; with the simulator, also saves the paper as `{pictures}/{number}.png`.
    pub fn print(&mut self, content: &TicketContent) -> Result<PrinterStatus, Error> {
        let status = self.printer.print(content)?;
        if let (Some(sim), Some(dir)) = (&self.sim, &self.pictures) {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let before = sim.papers().len();
            while sim.papers().len() == before && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if let Some(paper) = sim.papers().last() {
                let _ = std::fs::create_dir_all(dir);
                let _ = paper.render(self.paper_dots).save_png(&dir.join(format!("{}.png", content.number)), 1);
            }
        }
        Ok(status)
    }
}

/// An estimated wait in words: `khoảng 25 phút`, or `chưa xác định` when it cannot be known (no
/// open counter serves the field), as the kiosk shows and the ticket prints it.
pub fn wait_words(minutes: Option<u32>) -> String {
    motcua_hardware::printer::wait_words(minutes)
}

/// `HH:MM DD/MM/YYYY` from an RFC 3339 time, as printed on the ticket.
pub fn local_time(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(s) if s.len() == 16 => format!("{} {}/{}/{}", &s[11..16], &s[8..10], &s[5..7], &s[..4]),
        _ => rfc3339.to_string(),
    }
}

/// What the ticket says, from the server's ticket and the centre.
pub fn content(centre: &CentreInfo, ticket: &Ticket) -> TicketContent {
    let class = ticket.priority.as_ref().map(|code| {
        centre.priority_classes.iter().find(|p| &p.code == code).map_or_else(|| code.clone(), |p| p.name_vi.clone())
    });
    TicketContent {
        centre: centre.name.clone(),
        service: ticket.service_name_vi.clone(),
        number: ticket.number,
        priority: class,
        issued_at: local_time(&ticket.issued_at),
        ahead: ticket.position.unwrap_or(0),
        wait_minutes: ticket.estimated_wait_minutes,
        url: format!("{}/t/{}", centre.public_url.trim_end_matches('/'), ticket.id),
        footer: "Xin cảm ơn ông/bà đã đến Trung tâm".into(),
    }
}

/// `dd/mm/yyyy` of an RFC 3339 time (the centre's, from the server).
fn day(rfc3339: &str) -> String {
    match (rfc3339.get(0..4), rfc3339.get(5..7), rfc3339.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => rfc3339.to_string(),
    }
}

/// The apology slip of a dossier looked up with its second factor (Mẫu 04, Thông tư
/// 01/2018/TT-VPCP, in short): the code, the procedure, the reason, the new date. `None` without
/// an apology or without the factor (the reason may be personal).
pub fn apology_slip(centre: &CentreInfo, d: &Dossier) -> Option<SlipContent> {
    let apology = d.apology.as_ref().filter(|_| !d.details_hidden)?;
    Some(SlipContent {
        centre: centre.name.clone(),
        title: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ".into(),
        lines: vec![
            format!("Kính gửi: {}", d.applicant),
            format!("Mã hồ sơ: {}", d.receipt_code),
            format!("Thủ tục: {}", d.procedure_name),
            format!("Ngày tiếp nhận: {}", day(&d.received_at)),
            format!("Lý do chậm trễ: {}", apology.message),
            format!("Ngày hẹn trả mới: {}", day(&apology.new_due_at)),
        ],
        footer: "Trung tâm chân thành xin lỗi ông/bà vì sự chậm trễ này".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_printed_the_vietnamese_way() {
        assert_eq!(local_time("2026-11-23T09:05:07+07:00"), "09:05 23/11/2026");
        assert_eq!(local_time("?"), "?");
    }
}
