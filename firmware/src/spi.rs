//! An SSD1306 128×64 OLED over SPI on a Raspberry Pi (SPI0, CE0, data/command on BCM 24, reset on
//! BCM 25), through `rppal`.

use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use motcua_hardware::sim::panel::Framebuffer;
use rppal::gpio::{Gpio, OutputPin};
use rppal::spi::{Bus, Mode, SlaveSelect, Spi};

/// BCM pin of the data/command line.
pub const DC_PIN: u8 = 24;
/// BCM pin of the reset line.
pub const RESET_PIN: u8 = 25;

/// The panel.
#[derive(Debug)]
pub struct Ssd1306 {
    spi: Spi,
    dc: OutputPin,
}

/// Why the panel failed.
#[derive(Debug)]
pub enum Error {
    /// GPIO.
    Gpio(rppal::gpio::Error),
    /// SPI.
    Spi(rppal::spi::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Gpio(e) => write!(f, "GPIO: {e}"),
            Error::Spi(e) => write!(f, "SPI: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Power-on sequence: display off, clock, 64 rows, no offset, start line 0, charge pump on,
/// horizontal addressing, flipped to mount upright, COM pins, contrast, precharge, VCOM, on.
const INIT: &[u8] = &[
    0xAE, 0xD5, 0x80, 0xA8, 0x3F, 0xD3, 0x00, 0x40, 0x8D, 0x14, 0x20, 0x00, 0xA1, 0xC8, 0xDA, 0x12, 0x81, 0xCF, 0xD9,
    0xF1, 0xDB, 0x40, 0xA4, 0xA6, 0xAF,
];

impl Ssd1306 {
    /// Resets and initialises the panel.
    pub fn open() -> Result<Self, Error> {
        let gpio = Gpio::new().map_err(Error::Gpio)?;
        let dc = gpio.get(DC_PIN).map_err(Error::Gpio)?.into_output_low();
        let mut reset = gpio.get(RESET_PIN).map_err(Error::Gpio)?.into_output_high();
        reset.set_low();
        std::thread::sleep(std::time::Duration::from_millis(1));
        reset.set_high();
        let spi = Spi::new(Bus::Spi0, SlaveSelect::Ss0, 8_000_000, Mode::Mode0).map_err(Error::Spi)?;
        let mut panel = Self { spi, dc };
        panel.command(INIT)?;
        Ok(panel)
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.dc.set_low();
        self.spi.write(bytes).map_err(Error::Spi)?;
        Ok(())
    }

    /// Sets the contrast from a brightness 0..=15.
    pub fn set_brightness(&mut self, level: u8) -> Result<(), Error> {
        self.command(&[0x81, level.min(15) * 17])
    }

    /// Sends a 128×64 framebuffer: 8 pages of 8 rows, one byte per column, top row in bit 0.
    pub fn flush(&mut self, fb: &Framebuffer<BinaryColor>) -> Result<(), Error> {
        self.command(&[0x21, 0, 127, 0x22, 0, 7])?;
        let mut data = [0u8; 128 * 8];
        for page in 0..8 {
            for x in 0..128 {
                let mut byte = 0u8;
                for bit in 0..8 {
                    if fb.pixel(Point::new(x, page * 8 + bit)) == Some(BinaryColor::On) {
                        byte |= 1 << bit;
                    }
                }
                data[(page * 128 + x) as usize] = byte;
            }
        }
        self.dc.set_high();
        self.spi.write(&data).map_err(Error::Spi)?;
        Ok(())
    }
}
