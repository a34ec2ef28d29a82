//! The PNG backend: plotters' bitmap backend with its own text drawing. plotters' `ab_glyph`
//! text truncates each glyph's vertical offset toward zero, which lifts small glyphs such as
//! `.` by a pixel or two at chart sizes ("$0.01" reads "$0·01"); here every glyph is placed on
//! one baseline at sub-pixel precision by ab_glyph itself, placed as a browser places the SVG's
//! text.

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

/// The bundled fonts, parsed once.
fn fonts() -> &'static (FontRef<'static>, FontRef<'static>) {
    static FONTS: std::sync::OnceLock<(FontRef<'static>, FontRef<'static>)> =
        std::sync::OnceLock::new();
    FONTS.get_or_init(|| {
        (
            FontRef::try_from_slice(dejavu::sans::regular()).expect("bundled TrueType font"),
            FontRef::try_from_slice(dejavu::sans::bold()).expect("bundled TrueType font"),
        )
    })
}

/// A bitmap backend that draws text with correct baselines, `.1` times the chart's size:
/// charts lay out in [`super::SIZE`] units and every coordinate, stroke, radius and font size
/// is multiplied (1: the bytes of an unscaled chart).
pub struct Raster<'a>(pub BitMapBackend<'a>, pub i32);

/// A style with its stroke `.1` times as wide.
struct Wide<'s, S>(&'s S, u32);

impl<S: BackendStyle> BackendStyle for Wide<'_, S> {
    fn color(&self) -> BackendColor {
        self.0.color()
    }
    fn stroke_width(&self) -> u32 {
        self.0.stroke_width() * self.1
    }
}

impl Raster<'_> {
    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (x * self.1, y * self.1)
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.0.get_size();
        (w / self.1 as u32, h / self.1 as u32)
    }
    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), Error<'a>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), Error<'a>> {
        if self.1 == 1 {
            return self.0.draw_pixel(p, c);
        }
        let (x, y) = self.at(p);
        for dy in 0..self.1 {
            for dx in 0..self.1 {
                self.0.draw_pixel((x + dx, y + dy), c)?;
            }
        }
        Ok(())
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        let (a, b) = (self.at(from), self.at(to));
        self.0.draw_line(a, b, &Wide(style, self.1 as u32))
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        let (a, b) = (self.at(a), self.at(b));
        self.0.draw_rect(a, b, &Wide(style, self.1 as u32), fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        let k = self.1;
        let path = path.into_iter().map(move |(x, y)| (x * k, y * k));
        self.0.draw_path(path, &Wide(style, k as u32))
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        r: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        let c = self.at(c);
        self.0
            .draw_circle(c, r * self.1 as u32, &Wide(style, self.1 as u32), fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        let k = self.1;
        let vert = vert.into_iter().map(move |(x, y)| (x * k, y * k));
        self.0.fill_polygon(vert, &Wide(style, k as u32))
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        let pos = self.at(pos);
        self.0.blit_bitmap(pos, size, src)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        // The same box as plotters measures (and the SVG backend uses), so anchors agree.
        let k = self.1;
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (min_x, min_y, max_x, max_y) = (min_x * k, min_y * k, max_x * k, max_y * k);
        let pos = self.at(pos);
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let (regular, bold) = fonts();
        let font = if matches!(style.style(), FontStyle::Bold) {
            bold
        } else {
            regular
        };
        let size = style.size() as f32 * k as f32;
        let scaled = font.as_scaled(size);
        let trans = style.transform();
        let (w, h) = self.0.get_size();
        // The baseline goes 0.78 em below the top of plotters' layout box (0.81 em high), so
        // capitals fill the box: anchors then mean what they mean in the SVG (text below a
        // top anchor, centred on a centre anchor). plotters' own renderer uses half an em,
        // which draws text a quarter em higher than the SVG shows it.
        let mut x = 0.0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(size, point(x, 0.78 * size));
            x += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|gx, gy, coverage| pixels.push((gx, gy, coverage)));
            for (gx, gy, coverage) in pixels {
                if coverage <= 0.0 {
                    continue;
                }
                let px = bounds.min.x as i32 + gx as i32;
                let py = bounds.min.y as i32 + gy as i32;
                let (tx, ty) = trans.transform(px + dx - min_x, py + dy - min_y);
                let (tx, ty) = (pos.0 + tx, pos.1 + ty);
                if tx >= 0 && tx < w as i32 && ty >= 0 && ty < h as i32 {
                    self.0.draw_pixel(
                        (tx, ty),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }
}
