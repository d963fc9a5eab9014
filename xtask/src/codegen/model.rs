//! Loading the botocore service models and paginators, in place.
//!
//! Only the parts the generator uses are deserialised: documentation and examples are never
//! read, so they cannot leak into the output.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

/// One of the two services Cognate generates code for.
pub struct ServiceSpec {
    /// Rust module under `cognate_wire` (`idp`, `identity`).
    pub module: &'static str,
    /// botocore directory name.
    pub service: &'static str,
    pub api_version: &'static str,
    pub trait_name: &'static str,
}

pub const SERVICES: [ServiceSpec; 2] = [
    ServiceSpec {
        module: "idp",
        service: "cognito-idp",
        api_version: "2016-04-18",
        trait_name: "CognitoIdentityProvider",
    },
    ServiceSpec {
        module: "identity",
        service: "cognito-identity",
        api_version: "2014-06-30",
        trait_name: "CognitoIdentity",
    },
];

/// A JSON object whose keys keep the order they have in the file. Member order is kept so
/// that generated structs read like the model; `serde_json`'s `preserve_order` feature is
/// not an option because feature unification would switch it on for `cognate-wire` too.
#[derive(Debug)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: BTreeMap<String, Operation>,
    pub shapes: BTreeMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
pub struct Metadata {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    #[serde(rename = "targetPrefix")]
    pub target_prefix: String,
    #[serde(rename = "protocol")]
    pub protocol: String,
}

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub name: String,
    pub input: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    pub authtype: Option<String>,
    #[serde(default)]
    pub auth: Vec<String>,
}

impl Operation {
    /// The model marks unauthenticated operations in two ways (the older `authtype` and the
    /// Smithy-derived `auth` list); either one means no SigV4 signature is required.
    pub fn signed(&self) -> bool {
        let no_auth_type = self.authtype.as_deref() == Some("none");
        let no_auth = self.auth.iter().any(|a| a == "smithy.api#noAuth");
        !(no_auth_type || no_auth)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShapeRef {
    pub shape: String,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub members: Ordered<ShapeRef>,
    #[serde(default)]
    pub required: Vec<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    pub member: Option<ShapeRef>,
    pub key: Option<ShapeRef>,
    pub value: Option<ShapeRef>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    #[serde(default)]
    pub document: bool,
}

impl Shape {
    pub fn is_enum(&self) -> bool {
        self.ty == "string" && self.enum_values.is_some()
    }

    /// Exceptions become `ErrorCode` variants and document shapes `serde_json::Value`:
    /// neither gets a Rust type of its own.
    pub fn is_plain_structure(&self) -> bool {
        self.ty == "structure" && !self.exception && !self.document
    }

    /// The shapes this one refers to, in model order.
    pub fn children(&self) -> Vec<&ShapeRef> {
        match self.ty.as_str() {
            "structure" => self.members.0.iter().map(|(_, r)| r).collect(),
            "list" => self.member.iter().collect(),
            "map" => self.key.iter().chain(self.value.iter()).collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Paginators {
    pub pagination: BTreeMap<String, Paginator>,
}

#[derive(Debug, Deserialize)]
pub struct Paginator {
    pub input_token: serde_json::Value,
    pub output_token: serde_json::Value,
    pub limit_key: Option<String>,
}

/// A service model with its paginators and the raw bytes the lock file hashes.
pub struct LoadedService {
    pub spec: &'static ServiceSpec,
    pub model: Model,
    pub paginators: Paginators,
    /// (path relative to botocore's `data` dir, file bytes)
    pub inputs: Vec<(String, Vec<u8>)>,
}

impl LoadedService {
    pub fn shape(&self, name: &str) -> Result<&Shape> {
        self.model.shapes.get(name).ok_or_else(|| {
            anyhow!(
                "{}: shape {name} is referenced but not defined",
                self.spec.service
            )
        })
    }
}

/// botocore's package directory: `COGNATE_BOTOCORE_DIR`, or asked of the Python that has it.
pub fn botocore_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("COGNATE_BOTOCORE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import botocore,os;print(os.path.dirname(botocore.__file__))",
        ])
        .output()
        .context("running python3 to find botocore (or set COGNATE_BOTOCORE_DIR)")?;
    if !output.status.success() {
        bail!(
            "python3 could not import botocore (install it, e.g. `pip install botocore==<version in codegen.lock>`, or set COGNATE_BOTOCORE_DIR): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let dir = String::from_utf8(output.stdout).context("botocore path is not UTF-8")?;
    Ok(PathBuf::from(dir.trim()))
}

/// Read from `__init__.py` rather than importing, so that only locating the package needs
/// Python.
pub fn botocore_version(dir: &Path) -> Result<String> {
    let init = dir.join("__init__.py");
    let text =
        std::fs::read_to_string(&init).with_context(|| format!("reading {}", init.display()))?;
    let re = regex::Regex::new(r#"(?m)^__version__\s*=\s*['"]([^'"]+)['"]"#)?;
    let caps = re
        .captures(&text)
        .ok_or_else(|| anyhow!("no __version__ in {}", init.display()))?;
    Ok(caps[1].to_string())
}

pub fn load(dir: &Path, spec: &'static ServiceSpec) -> Result<LoadedService> {
    let rel_dir = format!("{}/{}", spec.service, spec.api_version);
    let service_rel = format!("{rel_dir}/service-2.json.gz");
    let paginators_rel = format!("{rel_dir}/paginators-1.json");
    let service_gz = read(dir, &service_rel)?;
    let paginators_raw = read(dir, &paginators_rel)?;

    let mut json = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(service_gz.as_slice()),
        &mut json,
    )
    .with_context(|| format!("decompressing {service_rel}"))?;
    let mut model: Model =
        serde_json::from_slice(&json).with_context(|| format!("parsing {service_rel}"))?;
    correct_patterns(spec, &mut model)?;
    let paginators: Paginators = serde_json::from_slice(&paginators_raw)
        .with_context(|| format!("parsing {paginators_rel}"))?;

    if model.metadata.api_version != spec.api_version {
        bail!(
            "{service_rel}: apiVersion is {}",
            model.metadata.api_version
        );
    }
    if model.metadata.protocol != "json" {
        bail!(
            "{service_rel}: protocol {} is not supported",
            model.metadata.protocol
        );
    }
    Ok(LoadedService {
        spec,
        model,
        paginators,
        inputs: vec![(service_rel, service_gz), (paginators_rel, paginators_raw)],
    })
}

/// Patterns where the live service is known to differ from the model botocore ships; the
/// generated validators follow the service: (service, shape, the pattern it enforces).
const PATTERN_CORRECTIONS: &[(&str, &str, &str)] = &[
    // Cognito accepts a space inside a password (its developer guide counts a non-leading,
    // non-trailing space as a symbol) and names this pattern in its validation error;
    // botocore still ships the older `[\S]+`.
    ("cognito-idp", "PasswordType", r"^[\S]+.*[\S]+$"),
];

fn correct_patterns(spec: &ServiceSpec, model: &mut Model) -> Result<()> {
    for (service, shape, pattern) in PATTERN_CORRECTIONS {
        if *service != spec.service {
            continue;
        }
        let target = model
            .shapes
            .get_mut(*shape)
            .ok_or_else(|| anyhow!("{service}: no shape {shape} to correct"))?;
        target.pattern = Some((*pattern).to_owned());
    }
    Ok(())
}

fn read(dir: &Path, rel: &str) -> Result<Vec<u8>> {
    let path = dir.join("data").join(rel);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}
