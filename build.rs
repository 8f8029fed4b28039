//! Builds the C shim for the variadic symbols, sets the soname and the
//! export list of the cdylib, generates the C header with cbindgen and
//! writes a pkg-config file beside the artifacts.

use std::env;
use std::fs;
use std::path::PathBuf;

/// C symbols that live in the shim and must be exported from the cdylib.
/// Rust `#[no_mangle]` functions are exported by rustc itself.
const SHIM_EXPORTS: &[&str] = &[
    "_lws_log",
    "_lws_logv",
    "lws_snprintf",
    "lws_open",
    "lws_smd_msg_printf",
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());

    println!("cargo:rerun-if-changed=src/shim/lws-shim.c");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=include/lws_config.h");
    println!("cargo:rerun-if-changed=include/libwebsockets");

    // The shim is linked whole-archive: nothing in Rust references the
    // exported variadics, so the linker would otherwise drop them.
    cc::Build::new()
        .file("src/shim/lws-shim.c")
        .include(manifest.join("include"))
        .flag_if_supported("-fvisibility=hidden")
        .warnings(true)
        .extra_warnings(true)
        .cargo_metadata(false)
        .compile("lws_shim");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:+whole-archive=lws_shim");

    let map = out.join("lws.map");
    let globals: String = SHIM_EXPORTS.iter().map(|s| format!("{s}; ")).collect();
    fs::write(&map, format!("{{ global: {globals}local: *; }};\n")).unwrap();
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwebsockets.so.17");

    // Header: generated into OUT_DIR; tests/header_fresh.rs compares it with
    // the checked-in include/libwebsockets.h.
    let header = out.join("libwebsockets.h");
    match cbindgen::Builder::new()
        .with_crate(&manifest)
        .with_config(cbindgen::Config::from_file(manifest.join("cbindgen.toml")).unwrap())
        .generate()
    {
        Ok(b) => {
            b.write_to_file(&header);
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    }
    println!("cargo:rustc-env=LWS_GENERATED_HEADER={}", header.display());

    // pkg-config file beside the artifacts (target/<profile>/).
    if let Some(profile_dir) = out.ancestors().nth(3) {
        let pc = format!(
            "prefix={prefix}\nexec_prefix=${{prefix}}\nlibdir={libdir}\nincludedir={inc}\n\n\
             Name: libwebsockets\nDescription: Websockets server and client library (lws-rs)\n\
             Version: 4.1.6\nLibs: -L${{libdir}} -lwebsockets\nLibs.private: -lssl -lcrypto -lpthread -ldl\n\
             Cflags: -I${{includedir}}\n",
            prefix = manifest.display(),
            libdir = profile_dir.display(),
            inc = manifest.join("include").display()
        );
        let _ = fs::write(profile_dir.join("libwebsockets.pc"), pc);
    }
}
