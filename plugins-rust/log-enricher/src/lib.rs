//! `log-enricher`: receives the events named in its `events` config (comma-separated), adds
//! `received_at` (milliseconds since the epoch, from the WASI wall clock), `source`,
//! `event_type` and a `severity` derived from the event type to the JSON payload, logs the
//! result through the host logger at that severity, counts events per type in its config
//! store (`count/<type>`), and emits the enriched payload as `log-enricher.enriched`.
//!
//! A payload that is a JSON object is enriched in place (the added keys win over the
//! payload's own); any other JSON value is wrapped as `{ "data": value, ... }`. A payload that
//! is not JSON is refused with an error.

mod bindings;

use bindings::exports::witkit::plugin_system::base_plugin::{Guest as BasePlugin, PluginMetadata};
use bindings::exports::witkit::plugin_system::event_handler::{Event, Guest as EventHandler};
use bindings::witkit::host_api::host_services::{emit_event, ConfigStore, LogLevel, Logger};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

const ENRICHED_EVENT: &str = "log-enricher.enriched";

struct State {
    events: Vec<String>,
    logger: Option<Logger>,
    store: Option<ConfigStore>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        events: vec!["user.created".to_string(), "user.deleted".to_string(), "order.placed".to_string()],
        logger: None,
        store: None,
    });
}

/// The severity of an event from the words of its type (split at `.`, `-`, `_`).
fn severity(event_type: &str) -> (LogLevel, &'static str) {
    let words: Vec<String> = event_type
        .split(|c: char| c == '.' || c == '-' || c == '_' || c == ':')
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let any = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if any(&["error", "failed", "failure", "fatal", "crashed", "panic"]) {
        (LogLevel::Error, "error")
    } else if any(&["warn", "warning", "deleted", "removed", "denied", "rejected", "expired", "retry"]) {
        (LogLevel::Warn, "warn")
    } else if any(&["debug", "trace", "heartbeat", "ping"]) {
        (LogLevel::Debug, "debug")
    } else {
        (LogLevel::Info, "info")
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn count_key(event_type: &str) -> String {
    format!("count/{}", event_type)
}

struct LogEnricher;

impl BasePlugin for LogEnricher {
    fn get_metadata() -> PluginMetadata {
        PluginMetadata { name: "log-enricher".to_string(), version: env!("CARGO_PKG_VERSION").to_string() }
    }

    fn initialize(config: Vec<(String, String)>) -> Result<(), String> {
        let mut events: Option<Vec<String>> = None;
        for (key, value) in config {
            if key != "events" {
                return Err(format!("unknown config key `{}`; expected `events`", key));
            }
            events = Some(value.split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect());
        }
        let logger = Logger::new();
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(events) = events {
                s.events = events;
            }
            logger.log(LogLevel::Info, &format!("enriching {}", s.events.join(", ")));
            s.logger = Some(logger);
            s.store = Some(ConfigStore::new());
        });
        Ok(())
    }

    fn shutdown() -> Result<(), String> {
        STATE.with(|s| {
            let s = s.borrow();
            if let (Some(logger), Some(store)) = (&s.logger, &s.store) {
                let types = store.list_keys("count/").len();
                logger.log(LogLevel::Info, &format!("shutting down after {} event types", types));
            }
        });
        Ok(())
    }
}

impl EventHandler for LogEnricher {
    fn supported_events() -> Vec<String> {
        STATE.with(|s| s.borrow().events.clone())
    }

    fn on_event(event: Event) -> Result<(), String> {
        let received_at = now_ms();
        STATE.with(|s| {
            let s = s.borrow();
            let (logger, store) = match (&s.logger, &s.store) {
                (Some(l), Some(st)) => (l, st),
                _ => return Err("not initialized: the host must call `initialize` first".to_string()),
            };
            if !s.events.iter().any(|e| *e == event.event_type) {
                return Err(format!("unsupported event type `{}`", event.event_type));
            }
            let payload: Value = serde_json::from_str(&event.payload).map_err(|e| {
                format!("payload of `{}` is not valid JSON: {}", event.event_type, e)
            })?;
            let mut fields = match payload {
                Value::Object(map) => map,
                other => {
                    let mut map = Map::new();
                    map.insert("data".to_string(), other);
                    map
                }
            };
            let (level, severity_name) = severity(&event.event_type);
            fields.insert("received_at".to_string(), Value::from(received_at));
            fields.insert("source".to_string(), Value::from(event.source.clone()));
            fields.insert("event_type".to_string(), Value::from(event.event_type.clone()));
            fields.insert("severity".to_string(), Value::from(severity_name));
            let enriched = Value::Object(fields).to_string();

            let key = count_key(&event.event_type);
            let count = store.get(&key).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
            store.set(&key, &count.to_string())?;
            logger.log(level, &format!("{} #{}: {}", event.event_type, count, enriched));
            emit_event(ENRICHED_EVENT, &enriched);
            Ok(())
        })
    }
}

bindings::export_event_plugin!(LogEnricher);
