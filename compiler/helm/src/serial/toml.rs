//! TOML as Helm's `toToml` / `fromToml` see it (BurntSushi/toml v1.6).

use strata_gotmpl::Value;

/// Encodes `v` as BurntSushi/toml's encoder does.
pub fn encode(_v: &Value) -> Result<String, String> {
    Err("toml: not yet".into())
}

/// Decodes a TOML document into a map.
pub fn decode(_text: &str) -> Result<Value, String> {
    Err("toml: not yet".into())
}
