//! A drawing backend that draws nothing: it only has a size, so chart layout code (margins,
//! splits) can be run to find where a chart put something (hit tests for clicks).
//! Not for: drawing; every primitive is a no-op.

use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};

/// A `width` × `height` backend without pixels.
pub struct Probe {
    size: (u32, u32),
}

impl Probe {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            size: (width, height),
        }
    }
}

/// The probe never fails.
#[derive(Debug)]
pub struct NoError;

impl std::fmt::Display for NoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no error")
    }
}

impl std::error::Error for NoError {}

impl DrawingBackend for Probe {
    type ErrorType = NoError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<NoError>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<NoError>> {
        Ok(())
    }
    fn draw_pixel(
        &mut self,
        _point: BackendCoord,
        _color: BackendColor,
    ) -> Result<(), DrawingErrorKind<NoError>> {
        Ok(())
    }
}
