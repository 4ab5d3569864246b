//! Helm's own template functions (`include`, `tpl`, `required`, `fail`, `lookup`), on top of
//! Sprig's and the serial module's (`toYaml`, `fromYaml`, `toJson`, …), with Helm's removals
//! (`env`, `expandenv`) and its offline `getHostByName`.

use std::sync::OnceLock;

use strata_gotmpl::{CallContext, FuncError, FuncMap, Value};

/// Helm marks `fail`/`required` messages so the final error can be reduced to
/// `execution error at (FILE:LINE:COL): MESSAGE` however deeply the failure was nested.
pub(crate) const WARN_START: &str = "HELM_ERR_START";
/// See [`WARN_START`].
pub(crate) const WARN_END: &str = "HELM_ERR_END";

/// Every function a chart template can call, built once.
pub fn helm_funcs() -> &'static FuncMap {
    static FUNCS: OnceLock<FuncMap> = OnceLock::new();
    FUNCS.get_or_init(build)
}

fn build() -> FuncMap {
    let mut map = FuncMap::default();
    strata_gotmpl::sprig::register(&mut map);
    map.remove("env");
    map.remove("expandenv");
    crate::yamlin::register(&mut map);
    strata_gotmpl::func::register(&mut map, "include", include);
    strata_gotmpl::func::register(&mut map, "tpl", tpl);
    strata_gotmpl::func::register(&mut map, "required", required);
    strata_gotmpl::func::register(&mut map, "fail", fail);
    strata_gotmpl::func::register(&mut map, "lookup", lookup);
    strata_gotmpl::func::register(&mut map, "getHostByName", |_, args| {
        arity(args, 1)?;
        Ok(Value::str(""))
    });
    map
}

fn arity(args: &[Value], want: usize) -> Result<(), FuncError> {
    if args.len() != want {
        return Err(FuncError::Arity {
            want: want.to_string(),
            got: args.len(),
        });
    }
    Ok(())
}

fn string_arg(v: &Value) -> Result<String, FuncError> {
    match v {
        Value::String(s) => Ok(String::from(&**s)),
        other => Err(FuncError::Arg(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        ))),
    }
}

/// `include NAME DATA`: executes a named template and returns its text.
fn include(ctx: &mut dyn CallContext, args: &[Value]) -> Result<Value, FuncError> {
    arity(args, 2)?;
    let name = string_arg(&args[0])?;
    ctx.include(&name, &args[1])
}

/// `tpl TEXT DATA`: parses TEXT as a template that sees the chart's definitions and executes
/// it; `<no value>` is removed from its output, as Helm does.
fn tpl(ctx: &mut dyn CallContext, args: &[Value]) -> Result<Value, FuncError> {
    arity(args, 2)?;
    let text = string_arg(&args[0])?;
    let out = ctx.execute_text(&text, &args[1]).map_err(|e| match e {
        // Helm wraps the engine's error with what it was doing (`%w`, so the text is kept).
        FuncError::Template(inner) if inner.kind == strata_gotmpl::ErrorKind::Parse => {
            FuncError::Call(format!(
                "cannot parse template {}: {}",
                strata_gotmpl::fmt::quote(&text),
                inner.text
            ))
        }
        FuncError::Template(inner) => FuncError::Call(format!(
            "error during tpl function execution for {}: {}",
            strata_gotmpl::fmt::quote(&text),
            inner.text
        )),
        other => other,
    })?;
    Ok(Value::from(crate::render::without_no_value(out)))
}

/// `required MSG VALUE`: VALUE, or an error with MSG when it is nil or an empty string.
fn required(_: &mut dyn CallContext, args: &[Value]) -> Result<Value, FuncError> {
    arity(args, 2)?;
    let warn = string_arg(&args[0])?;
    match &args[1] {
        Value::Nil => Err(FuncError::Call(format!("{WARN_START}{warn}{WARN_END}"))),
        Value::String(s) if s.is_empty() => {
            Err(FuncError::Call(format!("{WARN_START}{warn}{WARN_END}")))
        }
        v => Ok(v.clone()),
    }
}

/// `fail MSG`: always an error with MSG.
fn fail(_: &mut dyn CallContext, args: &[Value]) -> Result<Value, FuncError> {
    arity(args, 1)?;
    let msg = string_arg(&args[0])?;
    Err(FuncError::Call(format!("{WARN_START}{msg}{WARN_END}")))
}

/// `lookup API KIND NAMESPACE NAME`: offline, always an empty map (what `helm template` gives).
fn lookup(_: &mut dyn CallContext, args: &[Value]) -> Result<Value, FuncError> {
    arity(args, 4)?;
    for a in args {
        string_arg(a)?;
    }
    Ok(Value::empty_map())
}
