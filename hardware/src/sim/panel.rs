//! An in-memory framebuffer `DrawTarget` that can be saved as a PNG: the simulated display panel
//! off the Pi, the printer simulator's paper, and the snapshots tests keep.

use std::io;
use std::path::Path;

use embedded_graphics::pixelcolor::{BinaryColor, Rgb565, Rgb888};
use embedded_graphics::prelude::*;

/// A colour a framebuffer can hold and turn into RGB for a PNG.
pub trait PanelColor: PixelColor + Default {
    /// As 8-bit RGB.
    fn to_rgb(self) -> [u8; 3];
}

impl PanelColor for BinaryColor {
    fn to_rgb(self) -> [u8; 3] {
        if self.is_on() { [255, 255, 255] } else { [0, 0, 0] }
    }
}

impl PanelColor for Rgb565 {
    fn to_rgb(self) -> [u8; 3] {
        let c: Rgb888 = self.into();
        [c.r(), c.g(), c.b()]
    }
}

/// A framebuffer of `width × height` pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framebuffer<C> {
    size: Size,
    pixels: Vec<C>,
}

impl<C: PanelColor> Framebuffer<C> {
    /// A framebuffer filled with the default colour.
    pub fn new(size: Size) -> Self {
        Self { size, pixels: vec![C::default(); (size.width * size.height) as usize] }
    }

    /// The pixel at `p`, if inside.
    pub fn pixel(&self, p: Point) -> Option<C> {
        let (x, y) = (usize::try_from(p.x).ok()?, usize::try_from(p.y).ok()?);
        if x >= self.size.width as usize || y >= self.size.height as usize {
            return None;
        }
        self.pixels.get(y * self.size.width as usize + x).copied()
    }

    /// Every pixel, row by row.
    pub fn pixels(&self) -> &[C] {
        &self.pixels
    }

    /// The image as PNG bytes, each panel pixel `scale × scale` image pixels.
    pub fn to_png(&self, scale: u32) -> io::Result<Vec<u8>> {
        let scale = scale.max(1);
        let (w, h) = (self.size.width * scale, self.size.height * scale);
        let mut data = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let p = Point::new((x / scale) as i32, (y / scale) as i32);
                data.extend(self.pixel(p).unwrap_or_default().to_rgb());
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(io::Error::other)?;
        writer.write_image_data(&data).map_err(io::Error::other)?;
        writer.finish().map_err(io::Error::other)?;
        Ok(out)
    }

    /// Saves the image as a PNG, replacing the file at once (written aside, then renamed), so a
    /// reader never sees half a file.
    pub fn save_png(&self, path: &Path, scale: u32) -> io::Result<()> {
        let tmp = path.with_extension("png.part");
        std::fs::write(&tmp, self.to_png(scale)?)?;
        std::fs::rename(tmp, path)
    }
}

impl<C: PanelColor> OriginDimensions for Framebuffer<C> {
    fn size(&self) -> Size {
        self.size
    }
}

impl<C: PanelColor> DrawTarget for Framebuffer<C> {
    type Color = C;
    type Error = core::convert::Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<C>>>(&mut self, pixels: I) -> Result<(), Self::Error> {
        let (w, h) = (self.size.width as i32, self.size.height as i32);
        for Pixel(p, color) in pixels {
            if (0..w).contains(&p.x) && (0..h).contains(&p.y) {
                self.pixels[(p.y * w + p.x) as usize] = color;
            }
        }
        Ok(())
    }
}

/// Reads a PNG written by [`Framebuffer::save_png`] back as RGB rows, with its size.
pub fn read_png(path: &Path) -> io::Result<(u32, u32, Vec<u8>)> {
    let decoder = png::Decoder::new(io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = decoder.read_info().map_err(io::Error::other)?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf).map_err(io::Error::other)?;
    buf.truncate(info.buffer_size());
    Ok((info.width, info.height, buf))
}
