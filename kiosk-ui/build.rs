//! Compiles the Slint UI when the `ui` feature is on.

fn main() {
    #[cfg(feature = "ui")]
    {
        let config = slint_build::CompilerConfiguration::new().with_style("fluent".into());
        if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
