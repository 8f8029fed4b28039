//! The checked-in include/libwebsockets.h must equal what build.rs just
//! generated with cbindgen (`LWS_BLESS=1` rewrites it), and it must be
//! valid C99, GNU C11 and C++.

mod common;

use std::fs;
use std::process::Command;

use common::{profile_dir, repo};

#[test]
fn header_is_fresh() {
    let generated = fs::read_to_string(env!("LWS_GENERATED_HEADER")).expect("generated header");
    let path = repo().join("include/libwebsockets.h");
    let checked_in = fs::read_to_string(&path).unwrap_or_default();
    if generated == checked_in {
        return;
    }
    if std::env::var_os("LWS_BLESS").is_some_and(|v| v == "1") {
        fs::write(&path, &generated).expect("write include/libwebsockets.h");
        eprintln!("blessed: rewrote {}", path.display());
        return;
    }
    panic!(
        "include/libwebsockets.h is stale (it differs from {}).\n\
         Regenerate it with: LWS_BLESS=1 cargo test --test header_fresh",
        env!("LWS_GENERATED_HEADER")
    );
}

#[test]
fn header_compiles_as_c_and_cpp() {
    let dir = profile_dir().join("c-bin");
    fs::create_dir_all(&dir).unwrap();
    let src = dir.join("header_compiles.c");
    fs::write(
        &src,
        "#include <libwebsockets.h>\n\
         static int cb(struct lws *wsi, enum lws_callback_reasons reason,\n\
                       void *user, void *in, size_t len)\n\
         { (void)wsi; (void)reason; (void)user; (void)in; (void)len; return 0; }\n\
         static const struct lws_protocols protocols[] = {\n\
             { \"p\", cb, 0, 0, 0, NULL, 0 },\n\
             LWS_PROTOCOL_LIST_TERM\n\
         };\n\
         /* Positional, as lws's minimal examples write it (bitfields included). */\n\
         static const struct lws_http_mount mount = {\n\
             NULL, \"/\", \"./mount-origin\", \"index.html\", NULL, NULL, NULL, NULL,\n\
             0, 0, 0, 0, 0, 0, LWSMPRO_FILE, 1, NULL, { NULL, NULL }\n\
         };\n\
         int main(void)\n\
         {\n\
             struct lws_context_creation_info info;\n\
             memset(&info, 0, sizeof info);\n\
             info.protocols = protocols;\n\
             info.mounts = &mount;\n\
             info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_GLIB;\n\
             return (int)sizeof(info) - 672;\n\
         }\n",
    )
    .unwrap();
    let include = repo().join("include");
    let runs: [(&str, &[&str]); 3] = [
        ("gcc", &["-std=c99", "-fsyntax-only"]),
        ("gcc", &["-std=gnu11", "-fsyntax-only"]),
        ("g++", &["-fsyntax-only", "-x", "c++"]),
    ];
    for (cc, args) in runs {
        let o = Command::new(cc)
            .args(["-Wall", "-Wextra", "-Werror"])
            .args(args)
            .arg("-I")
            .arg(&include)
            .arg(&src)
            .output()
            .expect("run compiler");
        assert!(
            o.status.success(),
            "{cc} {args:?} rejects include/libwebsockets.h:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Every macro the generated header defines is one lws's own headers
/// define: internal constants of the Rust crate must not leak into the
/// C namespace of programs.
#[test]
fn generated_defines_are_lws_names() {
    let ours = std::fs::read_to_string(common::repo().join("include/libwebsockets.h")).unwrap();
    let mut debian = String::new();
    let inc = std::path::Path::new("/usr/include");
    if !inc.join("libwebsockets.h").exists() {
        eprintln!("Debian's headers are not installed; prefix check only");
    } else {
        debian += &std::fs::read_to_string(inc.join("libwebsockets.h")).unwrap();
        for e in std::fs::read_dir(inc.join("libwebsockets")).unwrap() {
            debian += &std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
        }
    }
    let mut bad = Vec::new();
    for l in ours.lines().filter(|l| l.starts_with("#define ")) {
        let name: String = l[8..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.starts_with("LIBWEBSOCKET_H") {
            continue;
        }
        let known = if debian.is_empty() {
            ["LWS", "lws", "WSI_", "LCCSCF", "LLL_"]
                .iter()
                .any(|p| name.starts_with(p))
        } else {
            debian.contains(&format!("define {name}"))
                || debian.contains(&format!("\t{name}"))
                || debian.contains(&format!(" {name} ="))
        };
        if !known {
            bad.push(name);
        }
    }
    assert!(
        bad.is_empty(),
        "macros in include/libwebsockets.h that lws does not define: {bad:?}"
    );
}
