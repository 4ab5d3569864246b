//! Prints Helm's `engine.Render` result for a chart, file by file (`== NAME` then the text), or
//! the error: `cargo run -p strata-helm --example render -- CHART_DIR ['{"json": "values"}']`.
//! Handy for comparing with the oracle by eye.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: render CHART_DIR [VALUES_JSON]");
        std::process::exit(2);
    };
    let values = match args.get(2) {
        Some(j) => match strata_helm::serial::from_json_any(j) {
            Ok(v) => strata_helm::Frozen::from_value(&v),
            Err(e) => {
                eprintln!("bad values: {e}");
                std::process::exit(2);
            }
        },
        None => strata_helm::Frozen::empty_map(),
    };
    let opts = strata_helm::RenderOptions {
        release_name: "r".into(),
        namespace: "ns".into(),
        values,
        ..Default::default()
    };
    let out = strata_helm::load_dir(std::path::Path::new(dir))
        .and_then(|c| strata_helm::render(&c, &opts));
    match out {
        Ok(files) => {
            for (k, v) in files {
                println!("== {k}\n{v}");
            }
        }
        Err(e) => println!("== ERR\n{e}"),
    }
}
