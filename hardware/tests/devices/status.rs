//! Printer status from the simulator over a pseudo-terminal (serial) and over TCP, and printing
//! only when the printer can.

use std::net::TcpListener;
use std::time::Duration;

use motcua_hardware::Error;
use motcua_hardware::printer::{EscPosPrinter, PrinterStatus, TicketPrinter};
use motcua_hardware::sim::printer::{Condition, PrinterSim};
use motcua_hardware::sim::pty::PtyPair;
use motcua_hardware::transport::{DeviceFileTransport, SerialTransport, TcpTransport, Transport};

use crate::{layout, sample};

fn check_every_condition<T: Transport>(sim: &PrinterSim, printer: &mut EscPosPrinter<T>) {
    for (condition, expected) in [
        (Condition::Ready, PrinterStatus::Ready),
        (Condition::PaperNearEnd, PrinterStatus::PaperNearEnd),
        (Condition::PaperOut, PrinterStatus::PaperOut),
        (Condition::CoverOpen, PrinterStatus::CoverOpen),
        (Condition::Ready, PrinterStatus::Ready),
    ] {
        sim.set_condition(condition);
        assert_eq!(printer.status().expect("answers"), expected, "{condition:?}");
    }
}

fn prints_only_when_it_can<T: Transport>(sim: &PrinterSim, printer: &mut EscPosPrinter<T>) {
    sim.set_condition(Condition::PaperOut);
    match printer.print(&sample()) {
        Err(Error::NotReady(PrinterStatus::PaperOut)) => {}
        other => panic!("expected a paper-out refusal, got {other:?}"),
    }
    sim.set_condition(Condition::Ready);
    assert_eq!(printer.print(&sample()).expect("prints"), PrinterStatus::Ready);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sim.papers().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the ticket did not arrive");
        std::thread::yield_now();
    }
    let papers = sim.papers();
    assert_eq!(papers.len(), 1, "only the ready print reached the paper");
    assert_eq!(papers[0].texts().next().map(|t| t.0), Some("1012"));
}

#[test]
fn status_and_printing_over_a_serial_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pty = PtyPair::open(dir.path(), "printer").expect("socat pair");
    let sim = PrinterSim::new();
    let serving = sim.serve_serial(pty.b()).expect("simulator opens its end");
    let mut printer = EscPosPrinter::new(SerialTransport::open(pty.a(), 9600).expect("opens"), layout());
    check_every_condition(&sim, &mut printer);
    prints_only_when_it_can(&sim, &mut printer);
    sim.stop();
    serving.join().expect("simulator stops");
}

#[test]
fn status_and_printing_over_the_network() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("addr");
    let sim = PrinterSim::new();
    let serving = sim.serve_tcp(listener).expect("serves");
    let transport = TcpTransport::connect(addr, Duration::from_secs(2)).expect("connects");
    let mut printer = EscPosPrinter::new(transport, layout());
    check_every_condition(&sim, &mut printer);
    prints_only_when_it_can(&sim, &mut printer);
    sim.stop();
    serving.join().expect("simulator stops");
    // The printer is unplugged: never "ready", and printing is refused.
    let after = printer.status();
    assert!(matches!(after, Err(Error::Io(_)) | Ok(PrinterStatus::Offline)), "{after:?}");
    assert!(printer.print(&sample()).is_err());
}

#[test]
fn a_silent_device_file_reads_as_offline_within_the_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pty = PtyPair::open(dir.path(), "lp").expect("socat pair");
    let transport = DeviceFileTransport::open(std::path::Path::new(pty.a())).expect("opens like /dev/usb/lp0");
    let mut printer = EscPosPrinter::new(transport, layout());
    printer.status_timeout = Duration::from_millis(200);
    let started = std::time::Instant::now();
    assert_eq!(printer.status().expect("no I/O error"), PrinterStatus::Offline);
    assert!(started.elapsed() < Duration::from_secs(2));
    match printer.print(&sample()) {
        Err(Error::NotReady(PrinterStatus::Offline)) => {}
        other => panic!("expected an offline refusal, got {other:?}"),
    }
}

#[test]
fn the_device_file_transport_talks_to_the_simulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pty = PtyPair::open(dir.path(), "usb").expect("socat pair");
    let sim = PrinterSim::new();
    let serving = sim.serve_serial(pty.b()).expect("serves");
    let transport = DeviceFileTransport::open(std::path::Path::new(pty.a())).expect("opens");
    let mut printer = EscPosPrinter::new(transport, layout());
    sim.set_condition(Condition::CoverOpen);
    assert_eq!(printer.status().expect("answers"), PrinterStatus::CoverOpen);
    sim.stop();
    serving.join().expect("stops");
}
