//! Buttons and indicator outputs (a counter's physical "next" button, a lamp), behind a small trait
//! with a simulated implementation and, with the `rpi` feature, one on the Pi's GPIO through `rppal`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::Error;

/// A button press or release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ButtonEvent {
    /// The button (a BCM pin number on the Pi).
    pub button: u8,
    /// True when pressed, false when released.
    pub pressed: bool,
}

/// Buttons in, indicators out.
pub trait Gpio {
    /// The next button event, if one happened.
    fn poll(&mut self) -> Result<Option<ButtonEvent>, Error>;
    /// Turns an indicator on or off.
    fn set_indicator(&mut self, indicator: u8, on: bool) -> Result<(), Error>;
}

/// Simulated GPIO: tests press buttons and read indicators through a [`SimGpioHandle`].
#[derive(Debug, Clone, Default)]
pub struct SimGpio {
    inner: Arc<Mutex<SimState>>,
}

#[derive(Debug, Default)]
struct SimState {
    events: VecDeque<ButtonEvent>,
    indicators: std::collections::BTreeMap<u8, bool>,
}

impl SimGpio {
    fn state(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Presses and releases a button.
    pub fn click(&self, button: u8) {
        let mut state = self.state();
        state.events.push_back(ButtonEvent { button, pressed: true });
        state.events.push_back(ButtonEvent { button, pressed: false });
    }

    /// Whether an indicator is on.
    pub fn indicator(&self, indicator: u8) -> bool {
        self.state().indicators.get(&indicator).copied().unwrap_or(false)
    }
}

impl Gpio for SimGpio {
    fn poll(&mut self) -> Result<Option<ButtonEvent>, Error> {
        Ok(self.state().events.pop_front())
    }

    fn set_indicator(&mut self, indicator: u8, on: bool) -> Result<(), Error> {
        self.state().indicators.insert(indicator, on);
        Ok(())
    }
}

/// The Pi's GPIO: buttons are inputs with pull-ups (pressed = low), indicators are outputs.
#[cfg(feature = "rpi")]
pub mod rpi {
    use std::collections::BTreeMap;

    use rppal::gpio::{Gpio as Chip, InputPin, Level, OutputPin};

    use super::{ButtonEvent, Gpio};
    use crate::Error;

    /// Buttons and indicators on BCM pins.
    #[derive(Debug)]
    pub struct RpiGpio {
        buttons: Vec<(u8, InputPin, bool)>,
        indicators: BTreeMap<u8, OutputPin>,
    }

    fn gpio_error(e: rppal::gpio::Error) -> Error {
        Error::Io(std::io::Error::other(e))
    }

    impl RpiGpio {
        /// Opens the given BCM pins.
        pub fn open(buttons: &[u8], indicators: &[u8]) -> Result<Self, Error> {
            let chip = Chip::new().map_err(gpio_error)?;
            let buttons = buttons
                .iter()
                .map(|&pin| Ok((pin, chip.get(pin).map_err(gpio_error)?.into_input_pullup(), false)))
                .collect::<Result<_, Error>>()?;
            let indicators = indicators
                .iter()
                .map(|&pin| Ok((pin, chip.get(pin).map_err(gpio_error)?.into_output_low())))
                .collect::<Result<_, Error>>()?;
            Ok(Self { buttons, indicators })
        }
    }

    impl Gpio for RpiGpio {
        fn poll(&mut self) -> Result<Option<ButtonEvent>, Error> {
            for (pin, input, was_pressed) in &mut self.buttons {
                let pressed = input.read() == Level::Low;
                if pressed != *was_pressed {
                    *was_pressed = pressed;
                    return Ok(Some(ButtonEvent { button: *pin, pressed }));
                }
            }
            Ok(None)
        }

        fn set_indicator(&mut self, indicator: u8, on: bool) -> Result<(), Error> {
            let pin = self.indicators.get_mut(&indicator).ok_or_else(|| {
                Error::Io(std::io::Error::other(format!("chân {indicator} chưa được khai báo là đèn báo")))
            })?;
            if on {
                pin.set_high()
            } else {
                pin.set_low()
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulator_reports_clicks_in_order_and_keeps_indicators() {
        let handle = SimGpio::default();
        let mut gpio = handle.clone();
        handle.click(17);
        assert_eq!(gpio.poll().ok().flatten(), Some(ButtonEvent { button: 17, pressed: true }));
        assert_eq!(gpio.poll().ok().flatten(), Some(ButtonEvent { button: 17, pressed: false }));
        assert_eq!(gpio.poll().ok().flatten(), None);
        gpio.set_indicator(27, true).expect("sets");
        assert!(handle.indicator(27) && !handle.indicator(22));
    }
}
