//! Spoken call-outs for the waiting-room board, made on this server with no cloud service.
//!
//! The sentence from [`crate::announce`] is synthesised by `espeak-ng` with its Vietnamese voice
//! (Debian package `espeak-ng`), and a two-note chime made here is put in front, so the board plays
//! one file per call. Results are cached by sentence; one synthesis runs at a time, others wait.
//! When `espeak-ng` is missing the board falls back to the chime alone ([`chime_wav`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Sample rate of the chime when it is played alone (espeak-ng's own rate).
pub const RATE: u32 = 22_050;
/// Most sentences kept in the cache.
const CACHE: usize = 256;

/// Why no speech could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeechError {
    /// Speech is switched off in the configuration (`[board] voice = "off"`): the chime alone.
    Off,
    /// The synthesiser is not installed or failed to start.
    NotInstalled(String),
    /// It ran but gave no usable audio.
    Failed(String),
}

impl SpeechError {
    /// Vietnamese message.
    pub fn message(&self) -> String {
        match self {
            SpeechError::Off => "Lời gọi bằng giọng nói đã tắt trong cấu hình; bảng gọi số chỉ phát chuông".into(),
            SpeechError::NotInstalled(why) => {
                format!("Máy chủ chưa cài bộ đọc tiếng Việt espeak-ng ({why}); bảng gọi số chỉ phát chuông")
            }
            SpeechError::Failed(why) => format!("Không tạo được lời gọi ({why})"),
        }
    }
}

/// 16-bit mono PCM samples at a rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm {
    /// Samples per second.
    pub rate: u32,
    /// The samples.
    pub samples: Vec<i16>,
}

impl Pcm {
    /// Length in seconds.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.rate.max(1))
    }

    /// As a WAV file (16-bit mono PCM, written by `hound`).
    pub fn to_wav(&self) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: self.rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = std::io::Cursor::new(Vec::with_capacity(44 + self.samples.len() * 2));
        // Writing to memory fails only on a size past 4 GB, which a call-out never reaches.
        if let Ok(mut writer) = hound::WavWriter::new(&mut out, spec) {
            for s in &self.samples {
                if writer.write_sample(*s).is_err() {
                    break;
                }
            }
            let _ = writer.finalize();
        }
        out.into_inner()
    }

    /// Reads a 16-bit mono PCM WAV (with `hound`). Sizes that run past the end (a synthesiser
    /// writing to a pipe cannot go back to fill them in) are taken as "to the end".
    pub fn from_wav(bytes: &[u8]) -> Result<Pcm, String> {
        let reader = hound::WavReader::new(bytes).map_err(|e| format!("không phải tệp WAV đọc được: {e}"))?;
        let spec = reader.spec();
        if (spec.channels, spec.bits_per_sample, spec.sample_format) != (1, 16, hound::SampleFormat::Int) {
            return Err(format!(
                "định dạng âm thanh không hỗ trợ: {} kênh, {} bit",
                spec.channels, spec.bits_per_sample
            ));
        }
        let samples: Vec<i16> = reader.into_samples::<i16>().map_while(Result::ok).collect();
        if samples.is_empty() {
            return Err("tệp WAV không có dữ liệu âm thanh".into());
        }
        Ok(Pcm { rate: spec.sample_rate, samples })
    }
}

/// A soft two-note chime ("ding-dong") at `rate`, with a short silence after it.
pub fn chime(rate: u32) -> Pcm {
    let mut samples = Vec::new();
    let note = |freq: f64, seconds: f64, out: &mut Vec<i16>| {
        let n = (seconds * f64::from(rate)) as usize;
        for i in 0..n {
            let t = i as f64 / f64::from(rate);
            let attack = (t / 0.01).min(1.0);
            let envelope = attack * (-3.2 * t).exp();
            let tone =
                (2.0 * std::f64::consts::PI * freq * t).sin() + 0.3 * (4.0 * std::f64::consts::PI * freq * t).sin();
            out.push((tone * envelope * 0.32 * f64::from(i16::MAX)) as i16);
        }
    };
    note(659.25, 0.45, &mut samples);
    note(523.25, 0.75, &mut samples);
    samples.extend(std::iter::repeat_n(0, (0.25 * f64::from(rate)) as usize));
    Pcm { rate, samples }
}

/// The chime alone as WAV.
pub fn chime_wav() -> Vec<u8> {
    chime(RATE).to_wav()
}

/// The speech synthesiser with its cache.
#[derive(Debug)]
pub struct Speech {
    /// The synthesiser; `None` when speech is switched off.
    program: Option<String>,
    cache: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    one_at_a_time: tokio::sync::Semaphore,
}

impl Default for Speech {
    fn default() -> Self {
        Self::new(Some("espeak-ng"))
    }
}

impl Speech {
    /// A synthesiser running `program` (normally `espeak-ng`); `None` for the chime alone.
    pub fn new(program: Option<&str>) -> Self {
        Self {
            program: program.map(String::from),
            cache: Mutex::new(HashMap::new()),
            one_at_a_time: tokio::sync::Semaphore::new(1),
        }
    }

    /// `sentence` spoken in Vietnamese after the chime, as WAV.
    pub async fn announce(&self, sentence: &str) -> Result<Arc<Vec<u8>>, SpeechError> {
        let Some(program) = self.program.as_deref() else { return Err(SpeechError::Off) };
        if let Some(hit) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(sentence) {
            return Ok(hit.clone());
        }
        let _turn = self.one_at_a_time.acquire().await.map_err(|_| SpeechError::Failed("đang dừng".into()))?;
        if let Some(hit) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(sentence) {
            return Ok(hit.clone());
        }
        let speech = synthesise(program, sentence).await?;
        let mut joined = chime(speech.rate);
        joined.samples.extend(speech.samples);
        joined.samples.extend(std::iter::repeat_n(0, (0.3 * f64::from(joined.rate)) as usize));
        let wav = Arc::new(joined.to_wav());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE {
            cache.clear();
        }
        cache.insert(sentence.to_string(), wav.clone());
        Ok(wav)
    }
}

/// `sentence` spoken by `program` in the Vietnamese voice, within 20 s.
async fn synthesise(program: &str, sentence: &str) -> Result<Pcm, SpeechError> {
    let run = tokio::process::Command::new(program)
        .args(["-v", "vi", "-s", "135", "-g", "4", "--stdout", sentence])
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(Duration::from_secs(20), run).await {
        Err(_) => return Err(SpeechError::Failed("quá 20 giây".into())),
        Ok(Err(e)) => return Err(SpeechError::NotInstalled(format!("{program}: {e}"))),
        Ok(Ok(output)) => output,
    };
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr).trim().chars().take(200).collect::<String>();
        return Err(SpeechError::Failed(format!("{program} {}: {why}", output.status)));
    }
    let pcm = Pcm::from_wav(&output.stdout).map_err(SpeechError::Failed)?;
    if pcm.samples.is_empty() {
        return Err(SpeechError::Failed("không có âm thanh".into()));
    }
    Ok(pcm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_round_trips_and_tolerates_open_ended_sizes() {
        let pcm = Pcm { rate: 8000, samples: vec![0, 1000, -1000, i16::MAX, i16::MIN] };
        let wav = pcm.to_wav();
        assert_eq!(wav.len(), 44 + 10);
        assert_eq!(Pcm::from_wav(&wav), Ok(pcm.clone()));
        // As a synthesiser writing to a pipe leaves them: sizes far past the end.
        let mut open = wav.clone();
        open[4..8].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        open[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        assert_eq!(Pcm::from_wav(&open), Ok(pcm));
        assert!(Pcm::from_wav(b"RIFF....WAVE").is_err());
        assert!(Pcm::from_wav(b"not audio").is_err());
    }

    #[test]
    fn the_chime_is_audible_and_ends_in_silence() {
        let c = chime(RATE);
        assert!((1.3..1.6).contains(&c.seconds()), "{}", c.seconds());
        let peak = c.samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 8000, "peak {peak}");
        assert!(c.samples.iter().rev().take(1000).all(|&s| s == 0));
    }

    #[tokio::test]
    async fn a_missing_synthesiser_is_a_clear_error() {
        let speech = Speech::new(Some("/nonexistent/espeak-ng"));
        let e = speech.announce("Mời công dân").await.err();
        assert!(matches!(e, Some(SpeechError::NotInstalled(_))), "{e:?}");
        assert!(e.map(|e| e.message()).unwrap_or_default().contains("espeak-ng"));
    }
}
