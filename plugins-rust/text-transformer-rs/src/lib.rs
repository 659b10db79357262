//! `text-transformer-rs`: the `text-transformer` TypeScript plugin (plugins-js/text-transformer)
//! rewritten in Rust, with the same outputs for the same inputs: modes `upper`, `lower`,
//! `reverse` (by code point), `title`, `snake` and `kebab`, applied line by line to UTF-8 text.

mod bindings;
mod unicode;

use bindings::exports::witkit::plugin_system::base_plugin::{Guest as BasePlugin, PluginMetadata};
use bindings::exports::witkit::plugin_system::data_processor::{
    Guest as DataProcessor, ProcessRequest, ProcessResponse,
};
use bindings::witkit::host_api::host_services::{LogLevel, Logger};
use std::cell::RefCell;
use unicode::{CASE_PATCHES, WORD_RANGES};

const MODES: [&str; 6] = ["upper", "lower", "reverse", "title", "snake", "kebab"];

struct State {
    default_mode: String,
    logger: Option<Logger>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { default_mode: "upper".to_string(), logger: None });
}

fn log(level: LogLevel, msg: &str) {
    STATE.with(|s| {
        if let Some(logger) = &s.borrow().logger {
            logger.log(level, msg);
        }
    });
}

fn unknown_mode(mode: &str) -> String {
    format!("unknown mode `{}`; expected one of {}", mode, MODES.join(", "))
}

/// JavaScript's `\s` (ECMAScript WhiteSpace and LineTerminator), which differs from
/// `char::is_whitespace` (U+0085 is not in it, U+FEFF is).
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
            | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// `\p{L}` or `\p{N}` (Rust 1.63 has no general-category API; `is_alphabetic` is the wider
/// Alphabetic property, which adds combining vowel signs and some symbols).
fn letter_or_number(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return c.is_ascii_alphanumeric();
    }
    WORD_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The case mappings of JavaScript where they differ from Rust 1.63's (Unicode 14).
fn case_patch(c: char) -> Option<&'static (u32, &'static str, &'static str)> {
    let u = c as u32;
    CASE_PATCHES.binary_search_by(|p| p.0.cmp(&u)).ok().map(|i| &CASE_PATCHES[i])
}

/// `String.prototype.toUpperCase`: upper casing has no context, so char by char.
fn to_upper(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match case_patch(c) {
            Some(p) => out.push_str(p.1),
            None => out.extend(c.to_uppercase()),
        }
    }
    out
}

/// `String.prototype.toLowerCase`: `str::to_lowercase` (which knows the final-sigma context)
/// on the runs between characters it maps differently. A final sigma right after one of
/// those (Unicode 15+) characters is not seen as final.
fn to_lower(text: &str) -> String {
    if !text.chars().any(|c| case_patch(c).is_some()) {
        return text.to_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    let mut run_start = 0;
    for (i, c) in text.char_indices() {
        if let Some(p) = case_patch(c) {
            out.push_str(&text[run_start..i].to_lowercase());
            out.push_str(p.2);
            run_start = i + c.len_utf8();
        }
    }
    out.push_str(&text[run_start..].to_lowercase());
    out
}

fn words(text: &str) -> Vec<String> {
    // `([a-z0-9])([A-Z])` → `$1 $2`: no two matches can overlap, so a pairwise scan is exact.
    let mut spaced = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = prev {
            if (p.is_ascii_lowercase() || p.is_ascii_digit()) && c.is_ascii_uppercase() {
                spaced.push(' ');
            }
        }
        spaced.push(c);
        prev = Some(c);
    }
    to_lower(&spaced)
        .split(|c: char| !letter_or_number(c))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_string())
        .collect()
}

fn title(text: &str) -> String {
    // `t.toLowerCase().replace(/(^|\s)(\S)/g, ...)`: every non-space after the start or a space
    // is upper-cased. Without the `u` flag `\S` is one UTF-16 unit, and a lone surrogate has no
    // upper case, so characters beyond the BMP stay as they are.
    let lower = to_lower(text);
    let mut out = String::with_capacity(lower.len());
    let mut at_start = true;
    for c in lower.chars() {
        if at_start && !js_space(c) && (c as u32) <= 0xFFFF {
            match case_patch(c) {
                Some(p) => out.push_str(p.1),
                None => out.extend(c.to_uppercase()),
            }
        } else {
            out.push(c);
        }
        at_start = js_space(c);
    }
    out
}

fn transform(mode: &str, line: &str) -> String {
    match mode {
        "upper" => to_upper(line),
        "lower" => to_lower(line),
        "reverse" => line.chars().rev().collect(),
        "title" => title(line),
        "snake" => words(line).join("_"),
        _ => words(line).join("-"),
    }
}

struct TextTransformer;

impl BasePlugin for TextTransformer {
    fn get_metadata() -> PluginMetadata {
        PluginMetadata { name: "text-transformer-rs".to_string(), version: env!("CARGO_PKG_VERSION").to_string() }
    }

    fn initialize(config: Vec<(String, String)>) -> Result<(), String> {
        let mut mode = "upper".to_string();
        for (key, value) in config {
            if key != "default-mode" {
                return Err(format!("unknown config key `{}`; expected `default-mode`", key));
            }
            if !MODES.contains(&value.as_str()) {
                return Err(unknown_mode(&value));
            }
            mode = value;
        }
        let logger = Logger::new();
        logger.log(LogLevel::Info, &format!("ready, default mode {}", mode));
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.default_mode = mode;
            s.logger = Some(logger);
        });
        Ok(())
    }

    fn shutdown() -> Result<(), String> {
        log(LogLevel::Info, "shutting down");
        Ok(())
    }
}

impl DataProcessor for TextTransformer {
    fn process(req: ProcessRequest) -> Result<ProcessResponse, String> {
        let media_type = req.content_type.split(';').next().unwrap_or("").trim().to_lowercase();
        if media_type != "text/plain" {
            return Err(format!("unsupported content type `{}`; expected text/plain", req.content_type));
        }
        let mode = match req.options.iter().find(|(k, _)| k == "mode") {
            Some((_, v)) => v.clone(),
            None => STATE.with(|s| s.borrow().default_mode.clone()),
        };
        if !MODES.contains(&mode.as_str()) {
            return Err(unknown_mode(&mode));
        }
        let text = std::str::from_utf8(&req.input).map_err(|_| "input is not valid UTF-8".to_string())?;
        let lines: Vec<&str> = text.split('\n').collect();
        log(LogLevel::Debug, &format!("{} on {} bytes", mode, req.input.len()));
        let output: Vec<String> = lines.iter().map(|l| transform(&mode, l)).collect();
        Ok(ProcessResponse {
            output: output.join("\n").into_bytes(),
            content_type: "text/plain; charset=utf-8".to_string(),
            items_processed: lines.len() as u32,
        })
    }

    fn validate(input: Vec<u8>) -> bool {
        std::str::from_utf8(&input).is_ok()
    }
}

bindings::export_processor_plugin!(TextTransformer);
