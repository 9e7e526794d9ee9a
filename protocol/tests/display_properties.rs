//! Properties of the counter-display codec: every frame round-trips, garbage between frames never
//! loses a frame, and no input makes the decoder panic.

use motcua_protocol::display::{BROADCAST, Decoder, Frame, Label, MAX_FRAME, Message, Status, encode};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = Label> {
    proptest::collection::vec(0x20u8..0x7F, 0..=16).prop_map(|b| Label::from_bytes(&b).expect("printable ASCII"))
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (any::<u32>(), label()).prop_map(|(number, label)| Message::Show { number, label }),
        any::<u8>().prop_map(|tenths| Message::Blink { tenths }),
        (0u8..=15).prop_map(Message::Brightness),
        Just(Message::Clear),
        Just(Message::Ping),
        (any::<Option<u32>>(), any::<bool>(), 0u8..=15, any::<u8>()).prop_map(
            |(number, blinking, brightness, firmware)| Message::Status(Status {
                number,
                blinking,
                brightness,
                firmware
            })
        ),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    (prop_oneof![1u8..=32, Just(BROADCAST)], message()).prop_map(|(address, message)| Frame { address, message })
}

fn bytes_of(frame: &Frame) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME];
    let n = encode(frame, &mut buf).expect("valid frames encode");
    buf[..n].to_vec()
}

fn decode_all(stream: &[u8]) -> Vec<Frame> {
    let mut decoder = Decoder::new();
    stream.iter().filter_map(|&b| decoder.push(b)).filter_map(Result::ok).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_frame_round_trips(frame in frame()) {
        prop_assert_eq!(decode_all(&bytes_of(&frame)), vec![frame]);
    }

    #[test]
    fn garbage_between_frames_never_loses_a_frame(
        parts in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..64), frame()), 1..12),
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut stream = Vec::new();
        let mut sent = Vec::new();
        for (garbage, frame) in &parts {
            stream.extend_from_slice(garbage);
            stream.extend(bytes_of(frame));
            sent.push(*frame);
        }
        stream.extend_from_slice(&tail);
        let decoded = decode_all(&stream);
        // Every sent frame comes out, in order; garbage may (very rarely) hold a valid frame of its
        // own, so extra frames are allowed around them but never in place of them.
        let mut rest = decoded.iter();
        for frame in &sent {
            prop_assert!(rest.any(|d| d == frame), "frame {:?} lost in {:?}", frame, decoded);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_a_frame_after_them_decodes(noise in proptest::collection::vec(any::<u8>(), 0..512), frame in frame()) {
        let mut stream = noise.clone();
        stream.extend(bytes_of(&frame));
        let decoded = decode_all(&stream);
        prop_assert_eq!(decoded.last(), Some(&frame));
    }
}
