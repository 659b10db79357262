//! `data-validator`: checks a JSON document against rules given as the request's options and
//! answers with a JSON report `{ "valid": bool, "errors": [{ "path", "rule", "message" }] }`.
//!
//! Rules (option key = value); a path is a dotted path into the document (`address.city`,
//! `tags.0`); every rule but `required` applies only when its path is present:
//!
//! | option              | value                                                            |
//! |---------------------|------------------------------------------------------------------|
//! | `required`          | comma-separated paths that must be present (and not null)         |
//! | `type:PATH`         | `string`, `number`, `integer`, `boolean`, `object`, `array`, `null` |
//! | `min-length:PATH`   | least length of a string (in characters) or array                |
//! | `max-length:PATH`   | greatest length of a string (in characters) or array             |
//! | `min:PATH`          | least value of a number                                          |
//! | `max:PATH`          | greatest value of a number                                       |
//! | `one-of:PATH`       | comma-separated allowed values of a string                       |
//!
//! A rule it does not know, or a bad rule value, is an error naming the option, not a failed check.

mod bindings;

use bindings::exports::witkit::plugin_system::base_plugin::{Guest as BasePlugin, PluginMetadata};
use bindings::exports::witkit::plugin_system::data_processor::{
    Guest as DataProcessor, ProcessRequest, ProcessResponse,
};
use bindings::witkit::host_api::host_services::{LogLevel, Logger};
use serde_json::{json, Value};

const TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "object", "array", "null"];

enum Rule {
    Required(Vec<String>),
    Type(String, String),
    MinLength(String, u64),
    MaxLength(String, u64),
    Min(String, f64),
    Max(String, f64),
    OneOf(String, Vec<String>),
}

fn parse_rules(options: &[(String, String)]) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for (key, value) in options {
        let bad = |what: &str| format!("option `{}` must be {}, got `{}`", key, what, value);
        if key == "required" {
            let paths: Vec<String> =
                value.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
            if paths.is_empty() {
                return Err(bad("a comma-separated list of paths"));
            }
            rules.push(Rule::Required(paths));
            continue;
        }
        let (name, path) = match key.split_once(':') {
            Some((n, p)) if !p.trim().is_empty() => (n, p.trim().to_string()),
            _ => {
                return Err(format!(
                    "unknown option `{}`; expected `required` or RULE:PATH with RULE one of type, min-length, max-length, min, max, one-of",
                    key
                ))
            }
        };
        let rule = match name {
            "type" => {
                if !TYPES.contains(&value.as_str()) {
                    return Err(bad(&format!("one of {}", TYPES.join(", "))));
                }
                Rule::Type(path, value.clone())
            }
            "min-length" => Rule::MinLength(path, value.trim().parse().map_err(|_| bad("a non-negative integer"))?),
            "max-length" => Rule::MaxLength(path, value.trim().parse().map_err(|_| bad("a non-negative integer"))?),
            "min" | "max" => {
                let n: f64 = value.trim().parse().map_err(|_| bad("a number"))?;
                if !n.is_finite() {
                    return Err(bad("a finite number"));
                }
                if name == "min" {
                    Rule::Min(path, n)
                } else {
                    Rule::Max(path, n)
                }
            }
            "one-of" => Rule::OneOf(path, value.split(',').map(|v| v.trim().to_string()).collect()),
            _ => {
                return Err(format!(
                    "unknown rule `{}` in option `{}`; expected type, min-length, max-length, min, max or one-of",
                    name, key
                ))
            }
        };
        rules.push(rule);
    }
    Ok(rules)
}

fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in path.split('.') {
        cur = match cur {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(v: &Value, ty: &str) -> bool {
    match ty {
        "integer" => match v {
            Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().map_or(false, |f| f.fract() == 0.0),
            _ => false,
        },
        other => type_name(v) == other,
    }
}

fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{}", n)
    }
}

struct Report(Vec<Value>);

impl Report {
    fn fail(&mut self, path: &str, rule: &str, message: String) {
        self.0.push(json!({ "path": path, "rule": rule, "message": message }));
    }
}

fn check(doc: &Value, rules: &[Rule]) -> Vec<Value> {
    let mut report = Report(Vec::new());
    for rule in rules {
        match rule {
            Rule::Required(paths) => {
                for p in paths {
                    match lookup(doc, p) {
                        None | Some(Value::Null) => report.fail(p, "required", format!("`{}` is required", p)),
                        Some(_) => {}
                    }
                }
            }
            Rule::Type(p, ty) => {
                if let Some(v) = lookup(doc, p) {
                    if !has_type(v, ty) {
                        report.fail(p, "type", format!("`{}` must be of type {}, got {}", p, ty, type_name(v)));
                    }
                }
            }
            Rule::MinLength(p, n) | Rule::MaxLength(p, n) => {
                let (rule_name, is_min) = match rule {
                    Rule::MinLength(..) => ("min-length", true),
                    _ => ("max-length", false),
                };
                let (len, unit) = match lookup(doc, p) {
                    None => continue,
                    Some(Value::String(s)) => (s.chars().count() as u64, if *n == 1 { "character" } else { "characters" }),
                    Some(Value::Array(a)) => (a.len() as u64, if *n == 1 { "item" } else { "items" }),
                    Some(v) => {
                        report.fail(p, rule_name, format!("`{}` must be a string or an array, got {}", p, type_name(v)));
                        continue;
                    }
                };
                if is_min && len < *n {
                    report.fail(p, rule_name, format!("`{}` must have at least {} {}, has {}", p, n, unit, len));
                } else if !is_min && len > *n {
                    report.fail(p, rule_name, format!("`{}` must have at most {} {}, has {}", p, n, unit, len));
                }
            }
            Rule::Min(p, bound) | Rule::Max(p, bound) => {
                let (rule_name, is_min) = match rule {
                    Rule::Min(..) => ("min", true),
                    _ => ("max", false),
                };
                let x = match lookup(doc, p) {
                    None => continue,
                    Some(Value::Number(x)) => x.as_f64().unwrap_or(0.0),
                    Some(v) => {
                        report.fail(p, rule_name, format!("`{}` must be a number, got {}", p, type_name(v)));
                        continue;
                    }
                };
                if is_min && x < *bound {
                    report.fail(p, rule_name, format!("`{}` must be at least {}, is {}", p, num(*bound), num(x)));
                } else if !is_min && x > *bound {
                    report.fail(p, rule_name, format!("`{}` must be at most {}, is {}", p, num(*bound), num(x)));
                }
            }
            Rule::OneOf(p, allowed) => match lookup(doc, p) {
                None => {}
                Some(Value::String(s)) if allowed.iter().any(|a| a == s) => {}
                Some(v) => report.fail(
                    p,
                    "one-of",
                    format!("`{}` must be one of {}, got {}", p, allowed.join(", "), v),
                ),
            },
        }
    }
    report.0
}

struct DataValidator;

impl BasePlugin for DataValidator {
    fn get_metadata() -> PluginMetadata {
        PluginMetadata { name: "data-validator".to_string(), version: env!("CARGO_PKG_VERSION").to_string() }
    }

    fn initialize(config: Vec<(String, String)>) -> Result<(), String> {
        if let Some((key, _)) = config.first() {
            return Err(format!("unknown config key `{}`; this plugin takes none", key));
        }
        Logger::new().log(LogLevel::Info, "ready");
        Ok(())
    }

    fn shutdown() -> Result<(), String> {
        Ok(())
    }
}

impl DataProcessor for DataValidator {
    fn process(req: ProcessRequest) -> Result<ProcessResponse, String> {
        let media = req.content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if media != "application/json" && !media.ends_with("+json") {
            return Err(format!("unsupported content type `{}`; expected application/json", req.content_type));
        }
        let rules = parse_rules(&req.options)?;
        let doc: Value =
            serde_json::from_slice(&req.input).map_err(|e| format!("input is not valid JSON: {}", e))?;
        let errors = check(&doc, &rules);
        Logger::new().log(
            LogLevel::Debug,
            &format!("{} rules, {} errors", rules.len(), errors.len()),
        );
        let report = json!({ "valid": errors.is_empty(), "errors": errors });
        Ok(ProcessResponse {
            output: serde_json::to_vec(&report).map_err(|e| e.to_string())?,
            content_type: "application/json".to_string(),
            items_processed: 1,
        })
    }

    fn validate(input: Vec<u8>) -> bool {
        serde_json::from_slice::<Value>(&input).is_ok()
    }
}

bindings::export_processor_plugin!(DataValidator);
