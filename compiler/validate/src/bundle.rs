//! The Kubernetes schemas embedded in the binary (`schemas/kubernetes/v<minor>.json.gz`,
//! written by `scripts/gen-k8s-schemas.py`), decompressed on first use of each version.

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::sync::{Arc, OnceLock};

use jsonschema::Registry;
use serde_json::{json, Value};

use crate::transform::{self, DEFS_URI, DRAFT_2020_12};

/// One embedded version: its minor version and its compressed bundle.
struct Embedded {
    minor: &'static str,
    gz: &'static [u8],
}

/// Every bundled version, oldest first. A test checks that this list and the files in
/// `schemas/kubernetes/` agree.
const EMBEDDED: &[Embedded] = &[
    Embedded {
        minor: "1.31",
        gz: include_bytes!("../../../schemas/kubernetes/v1.31.json.gz"),
    },
    Embedded {
        minor: "1.32",
        gz: include_bytes!("../../../schemas/kubernetes/v1.32.json.gz"),
    },
    Embedded {
        minor: "1.33",
        gz: include_bytes!("../../../schemas/kubernetes/v1.33.json.gz"),
    },
    Embedded {
        minor: "1.34",
        gz: include_bytes!("../../../schemas/kubernetes/v1.34.json.gz"),
    },
    Embedded {
        minor: "1.35",
        gz: include_bytes!("../../../schemas/kubernetes/v1.35.json.gz"),
    },
    Embedded {
        minor: "1.36",
        gz: include_bytes!("../../../schemas/kubernetes/v1.36.json.gz"),
    },
    Embedded {
        minor: "1.37",
        gz: include_bytes!("../../../schemas/kubernetes/v1.37.json.gz"),
    },
];

/// The bundled minor versions, oldest first.
pub(crate) fn versions() -> Vec<String> {
    EMBEDDED.iter().map(|e| e.minor.to_string()).collect()
}

/// One decompressed version, with its definitions pre-loaded into a schema registry.
pub(crate) struct KubeSchemas {
    /// The minor version, e.g. `1.34`.
    pub minor: &'static str,
    /// `<apiVersion>/<Kind>` → kind schema (refs into the definitions).
    pub kinds: HashMap<String, Value>,
    /// Kind → the apiVersions serving it, for "did you mean" hints.
    pub served: BTreeMap<String, Vec<String>>,
    /// The definitions document (`{"$defs": …}`), shared with the registry.
    pub definitions: Arc<Value>,
    /// The registry holding [`Self::definitions`] at [`DEFS_URI`]; no reference is ever
    /// resolved over the network or the file system.
    pub registry: Registry<'static>,
}

/// The loaded schemas of a bundled minor version; `None` if it is not bundled.
pub(crate) fn load(minor: &str) -> Option<Result<&'static KubeSchemas, String>> {
    static LOADED: OnceLock<Vec<OnceLock<Result<KubeSchemas, String>>>> = OnceLock::new();
    let slots = LOADED.get_or_init(|| EMBEDDED.iter().map(|_| OnceLock::new()).collect());
    let index = EMBEDDED.iter().position(|e| e.minor == minor)?;
    let embedded = &EMBEDDED[index];
    let slot = slots.get(index)?;
    Some(
        slot.get_or_init(|| decode(embedded))
            .as_ref()
            .map_err(Clone::clone),
    )
}

fn decode(embedded: &Embedded) -> Result<KubeSchemas, String> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(embedded.gz)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    let mut doc: Value = serde_json::from_slice(&text).map_err(|e| format!("not JSON: {e}"))?;
    let mut defs = match doc.get_mut("definitions").map(Value::take) {
        Some(Value::Object(m)) => m,
        _ => return Err("no definitions".into()),
    };
    transform::patch_definitions(&mut defs);
    let mut kinds = HashMap::new();
    let mut served: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(Value::Object(m)) = doc.get_mut("kinds").map(Value::take) {
        for (key, mut schema) in m {
            transform::add_int32_ranges(&mut schema);
            if let Some((api_version, kind)) = key.rsplit_once('/') {
                served
                    .entry(kind.to_string())
                    .or_default()
                    .push(api_version.to_string());
            }
            kinds.insert(key, schema);
        }
    }
    let definitions = Arc::new(json!({
        "$schema": DRAFT_2020_12,
        "$id": DEFS_URI,
        "$defs": Value::Object(defs),
    }));
    let registry = Registry::new()
        .add(DEFS_URI, Arc::clone(&definitions))
        .and_then(|b| b.prepare())
        .map_err(|e| format!("cannot load the definitions: {e}"))?;
    Ok(KubeSchemas {
        minor: embedded.minor,
        kinds,
        served,
        definitions,
        registry,
    })
}
