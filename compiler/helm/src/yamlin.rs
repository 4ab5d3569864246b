//! The one door through which chart YAML (Chart.yaml, values files, requirements.yaml) becomes
//! template values: the serial module's loader, which reads YAML as Helm does (go-yaml v2
//! rules, then every number a `float64`, several documents merged).

use strata_gotmpl::Value;

/// Parses a values-style YAML text into a map value (an empty map for an empty text).
pub fn parse_values(text: &str) -> Result<Value, String> {
    crate::serial::load_values(text).map_err(|e| e.message)
}

/// `toYaml` of a value, as `.Files.AsConfig`/`AsSecrets` print it (empty on error, as Helm).
pub fn to_yaml(v: &Value) -> String {
    crate::serial::to_yaml(v).unwrap_or_default()
}

/// Registers the serialization functions (`toYaml`, `fromYaml`, `toJson`, …).
pub fn register(map: &mut strata_gotmpl::FuncMap) {
    crate::serial::register(map);
}
