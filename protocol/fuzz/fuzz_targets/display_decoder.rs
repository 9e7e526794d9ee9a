//! Fuzzes the counter-display decoder: any byte stream must decode without panicking, every frame it
//! yields must encode back to bytes that decode to the same frame, and a valid frame appended after
//! the input must always come out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_protocol::display::{encode, Decoder, Frame, Label, Message, MAX_FRAME};

fuzz_target!(|data: &[u8]| {
    let mut decoder = Decoder::new();
    for &byte in data {
        if let Some(Ok(frame)) = decoder.push(byte) {
            let mut buf = [0u8; MAX_FRAME];
            let n = encode(&frame, &mut buf).expect("a decoded frame encodes");
            let mut again = Decoder::new();
            let back = buf[..n].iter().filter_map(|&b| again.push(b)).last();
            assert_eq!(back, Some(Ok(frame)));
        }
    }
    let probe = Frame { address: 3, message: Message::Show { number: 1012, label: Label::new("QUAY 3").expect("ascii") } };
    let mut buf = [0u8; MAX_FRAME];
    let n = encode(&probe, &mut buf).expect("encodes");
    let last = buf[..n].iter().filter_map(|&b| decoder.push(b)).last();
    assert_eq!(last, Some(Ok(probe)));
});
