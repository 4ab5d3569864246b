//! The table of diagnostic codes. Codes are stable: the book documents each one, and golden
//! tests pin them. The hundreds digit names the pipeline stage that reports it.

use std::fmt;

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $name:ident = $code:literal,)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $name,)*
        }

        impl Code {
            /// The code as printed, e.g. `E0203`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// Every code with its one-line description, for the book and `--explain`-style help.
            pub fn all() -> &'static [(Code, &'static str)] {
                &[$((Code::$name, concat!($($doc),*)),)*]
            }
        }
    };
}

codes! {
    // E00xx: the repository and the command line.
    /// A file or folder could not be read or written.
    Io = "E0001",
    /// A path leaves the repository (directly or through a symlink).
    OutsideRoot = "E0002",
    /// A site, service or path named on the command line does not exist.
    NotFound = "E0003",
    /// The command line is inconsistent.
    Usage = "E0004",

    // E01xx: YAML.
    /// The file is not well-formed YAML.
    YamlSyntax = "E0101",
    /// A key appears twice in one mapping.
    DuplicateKey = "E0102",
    /// The YAML is well-formed but cannot be used (a complex key, `.inf`, a tag that does not fit, too deep, too many aliases).
    YamlUnusable = "E0103",

    // E02xx: the input model and the service graph.
    /// A field that the Site, Layer or Service schema does not define.
    UnknownField = "E0201",
    /// A value of the wrong type or outside the allowed values.
    InvalidValue = "E0202",
    /// A hard dependency that the site does not enable.
    MissingDependency = "E0203",
    /// A cycle of hard dependencies.
    DependencyCycle = "E0204",
    /// A service, layer or overlay name that does not exist.
    UnknownName = "E0205",
    /// A document's `metadata.name` differs from its file or folder name.
    NameMismatch = "E0206",
    /// A service's merged values do not satisfy its `values.schema.json`.
    ValuesInvalid = "E0207",
    /// A service's `values.schema.json` is not a usable JSON Schema.
    BadValuesSchema = "E0208",
    /// A chart service's chart or values file cannot be loaded, or the service has both a chart and templates.
    ChartLoad = "E0209",
    /// A chart service's values set a key the chart does not declare (in its values.yaml, values files or values.schema.json).
    UndeclaredValue = "E0210",

    // E03xx: templates.
    /// A template does not parse.
    TemplateSyntax = "E0301",
    /// A template uses a variable or attribute that is not defined.
    UndefinedVariable = "E0302",
    /// A template failed while rendering (a helper error, a type error, running out of fuel).
    TemplateError = "E0303",
    /// `endpoint()` names a service that is not a declared dependency.
    UndeclaredEndpoint = "E0304",
    /// A template produced YAML that does not parse or is not a Kubernetes object.
    BadRenderedObject = "E0305",
    /// Two objects of a site have the same kind, namespace and name.
    DuplicateObject = "E0306",

    // E04xx: overlays.
    /// A kustomize overlay or a site `kustomization.yaml` failed.
    Overlay = "E0401",
    /// A warning: an overlay overrides a value a site or layer sets explicitly.
    OverlayConflict = "E0402",

    // E05xx: output validation.
    /// A rendered object does not satisfy its Kubernetes or CRD schema.
    SchemaViolation = "E0501",
    /// A rendered object's kind has no schema, and the site does not allow it.
    NoSchema = "E0502",

    // E06xx: secrets.
    /// Secret material would reach the output.
    SecretLeak = "E0601",
    /// A value marked secret is a literal instead of a reference.
    LiteralSecret = "E0602",
    /// A SOPS file is not in the SOPS format, or holds a plaintext value.
    BadSops = "E0603",
    /// A template reaches a Secret (or key) its service does not declare in `spec.secrets`.
    UndeclaredSecret = "E0604",
    /// The site's secret backend does not provide a Secret (or key) a service declares.
    MissingSecret = "E0605",
    /// A warning: a SOPS file that no enabled service reads (it is not shipped).
    UnreadSops = "E0606",
    /// A secret chart value is used outside a Secret's data, or the site's backend lacks what a chart Secret needs.
    ChartSecret = "E0607",

    // E07xx: output.
    /// Two objects would be written to the same file.
    OutputCollision = "E0701",
    /// The output folder is, contains or lies among the repository's sources, or a folder in the way was not written by Strata.
    UnsafeOutput = "E0702",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for (code, doc) in Code::all() {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(!doc.is_empty(), "{code} undocumented");
        }
    }
}
