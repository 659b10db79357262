//! `image-processor`: decodes a PNG or JPEG image, resizes it with a Lanczos3 filter and
//! re-encodes it as the request's content type (`image/png` or `image/jpeg`).
//!
//! Options: `width` and `height` (positive integers, default 800x600, at most 4096 each; inputs of at most
//! 4096x4096 pixels) and
//! `fit`: `contain` (default; keep the aspect ratio, fit inside width x height) or `exact`.

mod bindings;

use bindings::exports::witkit::plugin_system::base_plugin::{Guest as BasePlugin, PluginMetadata};
use bindings::exports::witkit::plugin_system::data_processor::{
    Guest as DataProcessor, ProcessRequest, ProcessResponse,
};
use bindings::witkit::host_api::host_services::{LogLevel, Logger};
use image::imageops::FilterType;
use image::io::{Limits, Reader};
use image::{DynamicImage, ImageFormat, ImageOutputFormat};
use std::io::Cursor;

const DEFAULT_WIDTH: u32 = 800;
const DEFAULT_HEIGHT: u32 = 600;
const MAX_DIMENSION: u32 = 4096;

fn dimension(options: &[(String, String)], name: &str, default: u32) -> Result<u32, String> {
    match options.iter().find(|(k, _)| k == name) {
        None => Ok(default),
        Some((_, v)) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 && n <= MAX_DIMENSION => Ok(n),
            _ => Err(format!(
                "option `{}` must be an integer from 1 to {}, got `{}`",
                name, MAX_DIMENSION, v
            )),
        },
    }
}

fn output_format(content_type: &str) -> Result<(ImageOutputFormat, &'static str), String> {
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        "image/png" => Ok((ImageOutputFormat::Png, "image/png")),
        "image/jpeg" | "image/jpg" => Ok((ImageOutputFormat::Jpeg(85), "image/jpeg")),
        _ => Err(format!(
            "unsupported content type `{}`; expected image/png or image/jpeg",
            content_type
        )),
    }
}

/// The most pixels an input may have: decoding allocates 4 bytes a pixel and resizing more.
const MAX_INPUT_PIXELS: u64 = 4096 * 4096;

fn decode(input: &[u8]) -> Result<DynamicImage, String> {
    let format = image::guess_format(input)
        .map_err(|_| "input is not a PNG or JPEG image".to_string())?;
    if format != ImageFormat::Png && format != ImageFormat::Jpeg {
        return Err(format!("input is a {:?} image; expected PNG or JPEG", format));
    }
    let cannot = |e: image::ImageError| format!("cannot decode the image: {}", e);
    // The header first: a huge image is refused before anything is allocated for it.
    let (width, height) = Reader::with_format(Cursor::new(input), format).into_dimensions().map_err(cannot)?;
    if u64::from(width) * u64::from(height) > MAX_INPUT_PIXELS {
        return Err(format!(
            "input is {}x{} pixels; at most {} pixels are accepted",
            width, height, MAX_INPUT_PIXELS
        ));
    }
    let mut reader = Reader::with_format(Cursor::new(input), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(cannot)
}

struct ImageProcessor;

impl BasePlugin for ImageProcessor {
    fn get_metadata() -> PluginMetadata {
        PluginMetadata { name: "image-processor".to_string(), version: env!("CARGO_PKG_VERSION").to_string() }
    }

    fn initialize(config: Vec<(String, String)>) -> Result<(), String> {
        if let Some((key, _)) = config.first() {
            return Err(format!("unknown config key `{}`; this plugin takes none", key));
        }
        Logger::new().log(LogLevel::Info, "ready, PNG and JPEG, Lanczos3");
        Ok(())
    }

    fn shutdown() -> Result<(), String> {
        Ok(())
    }
}

impl DataProcessor for ImageProcessor {
    fn process(req: ProcessRequest) -> Result<ProcessResponse, String> {
        let (format, content_type) = output_format(&req.content_type)?;
        let width = dimension(&req.options, "width", DEFAULT_WIDTH)?;
        let height = dimension(&req.options, "height", DEFAULT_HEIGHT)?;
        let exact = match req.options.iter().find(|(k, _)| k == "fit").map(|(_, v)| v.as_str()) {
            None | Some("contain") => false,
            Some("exact") => true,
            Some(other) => return Err(format!("option `fit` must be `contain` or `exact`, got `{}`", other)),
        };
        let img = decode(&req.input)?;
        let resized = if exact {
            img.resize_exact(width, height, FilterType::Lanczos3)
        } else {
            img.resize(width, height, FilterType::Lanczos3)
        };
        // JPEG has no alpha channel: flatten to RGB first.
        let resized = match format {
            ImageOutputFormat::Jpeg(_) => DynamicImage::ImageRgb8(resized.to_rgb8()),
            _ => resized,
        };
        let mut output = Vec::new();
        resized
            .write_to(&mut Cursor::new(&mut output), format)
            .map_err(|e| format!("cannot encode the image: {}", e))?;
        Logger::new().log(
            LogLevel::Debug,
            &format!("{}x{} -> {}x{} {}", img.width(), img.height(), resized.width(), resized.height(), content_type),
        );
        Ok(ProcessResponse { output, content_type: content_type.to_string(), items_processed: 1 })
    }

    fn validate(input: Vec<u8>) -> bool {
        decode(&input).is_ok()
    }
}

bindings::export_processor_plugin!(ImageProcessor);
