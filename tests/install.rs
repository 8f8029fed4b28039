//! `make install` as C developers and packagers use it: the library this
//! test run built is installed (`make install NOBUILD=1`, so cargo is not run
//! from inside `cargo test`) into a temporary prefix; `c-tests/install-user.c`
//! is built against the install with pkg-config (shared and static) and with
//! CMake's `find_package(libwebsockets)` (targets `websockets_shared` and
//! `websockets`), and each binary must report the installed library loaded.
//! A DESTDIR staging is checked for paths, relocatable CMake files and
//! `make uninstall`.

mod common;

use common::{free_port, our_cdylib, profile_dir, repo, run_with_lib, temp_dir};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Variables of the Makefile that must not leak in from the environment.
const MAKE_ENV: &[&str] = &[
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "DESTDIR",
    "PREFIX",
    "LIBDIR",
    "INCLUDEDIR",
    "PKGCONFIGDIR",
    "CMAKEDIR",
    "BUILD",
    "NOBUILD",
    "ARTIFACTS",
    "CARGO_TARGET_DIR",
];

fn check(what: &str, cmd: &mut Command) -> Output {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{what} failed: {cmd:?}\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `make -C <repo> args...` on the artifacts of this test run.
fn make(args: &[String]) -> Output {
    let mut cmd = Command::new("make");
    for v in MAKE_ENV {
        cmd.env_remove(v);
    }
    cmd.arg("--no-print-directory")
        .arg("-C")
        .arg(repo())
        .args(args)
        .arg(format!(
            "ARTIFACTS={}",
            our_cdylib().parent().unwrap().display()
        ));
    check("make", &mut cmd)
}

/// The prefix everything was installed into, once per test binary.
fn prefix() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let p = temp_dir("install-prefix").join("usr");
        let profile = profile_dir();
        let build = profile.file_name().unwrap().to_str().unwrap();
        make(&[
            "install".into(),
            "NOBUILD=1".into(),
            format!("BUILD={build}"),
            format!("PREFIX={}", p.display()),
        ]);
        p
    })
}

fn libdir() -> PathBuf {
    prefix().join("lib")
}

/// `pkg-config args...` seeing only the install.
fn pkg_config(args: &[&str]) -> String {
    let o = check(
        "pkg-config",
        Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", libdir().join("pkgconfig"))
            .env_remove("PKG_CONFIG_SYSROOT_DIR")
            .env_remove("PKG_CONFIG_LIBDIR")
            .args(args)
            .arg("libwebsockets"),
    );
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// What `install-user <port>` prints; `loaded` is the libwebsockets file in
/// its /proc/self/maps, `None` when linked statically.
fn expected_output(loaded: Option<&Path>) -> String {
    let loaded = match loaded {
        Some(p) => fs::canonicalize(p).unwrap().display().to_string(),
        None => "none".into(),
    };
    format!(
        "version: 4.1.6-lws-rs\n\
         log: hello from install-user\n\
         vhost: install-user\n\
         listening: 1\n\
         server: request /install-check\n\
         client: HTTP/1.1 200 OK\n\
         loaded: {loaded}\n\
         destroyed\n"
    )
}

/// Runs `bin` with the installed libdir as LD_LIBRARY_PATH.
fn run_installed(bin: &Path, loaded: Option<&Path>) {
    let port = free_port().to_string();
    let out = run_with_lib(bin, &libdir(), &[&port]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} failed: {}\n{stdout}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    pretty_assertions::assert_eq!(expected_output(loaded), stdout, "{}", bin.display());
}

fn source() -> PathBuf {
    repo().join("c-tests/install-user.c")
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn installs_the_files_libwebsockets_installs() {
    let lib = libdir();
    let so = lib.join("libwebsockets.so.17");
    let meta = fs::symlink_metadata(&so).unwrap();
    assert!(meta.file_type().is_file(), "{} is not a file", so.display());
    assert_eq!(
        fs::read(&so).unwrap(),
        fs::read(our_cdylib()).unwrap(),
        "installed .so.17 differs from the built cdylib"
    );
    assert_eq!(
        fs::read_link(lib.join("libwebsockets.so")).unwrap(),
        Path::new("libwebsockets.so.17")
    );
    assert!(lib.join("libwebsockets.a").is_file());
    let dynamic = check("readelf", Command::new("readelf").arg("-d").arg(&so));
    assert!(
        String::from_utf8_lossy(&dynamic.stdout).contains("Library soname: [libwebsockets.so.17]"),
        "soname"
    );

    // The headers keep include/'s layout and contents.
    let inc = prefix().join("include");
    for h in [
        "libwebsockets.h",
        "lws_config.h",
        "libwebsockets-legacy.h",
        "libwebsockets/lws-rs-prelude.h",
        "libwebsockets/lws-rs-trailer.h",
    ] {
        assert_eq!(
            fs::read(inc.join(h)).unwrap_or_else(|e| panic!("{h}: {e}")),
            fs::read(repo().join("include").join(h)).unwrap(),
            "{h}"
        );
    }

    let p = prefix().display().to_string();
    assert_eq!(pkg_config(&["--modversion"]), "4.1.6");
    assert_eq!(pkg_config(&["--variable=prefix"]), p);
    assert_eq!(pkg_config(&["--variable=libdir"]), format!("{p}/lib"));
    assert_eq!(
        pkg_config(&["--variable=includedir"]),
        format!("{p}/include")
    );
    assert_eq!(
        pkg_config(&["--cflags", "--libs"]),
        format!("-I{p}/include -L{p}/lib -lwebsockets")
    );
    assert_eq!(
        pkg_config(&["--static", "--libs"]),
        format!("-L{p}/lib -lwebsockets -lssl -lcrypto -lpthread -ldl -lm")
    );

    let cmake = libdir().join("cmake/libwebsockets");
    for f in [
        "libwebsockets-config.cmake",
        "libwebsockets-config-version.cmake",
        "LibwebsocketsTargets.cmake",
    ] {
        let text = fs::read_to_string(cmake.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(!text.contains('@'), "{f} has an unsubstituted @VAR@");
    }
}

#[test]
fn pkg_config_program_runs_on_the_installed_library() {
    let dir = temp_dir("install-pkgconfig");
    let cflags = pkg_config(&["--cflags"]);

    let shared = dir.join("install-user");
    check(
        "cc (shared)",
        Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&shared)
            .arg(source())
            .args(cflags.split_whitespace())
            .args(pkg_config(&["--libs"]).split_whitespace()),
    );
    run_installed(&shared, Some(&libdir().join("libwebsockets.so.17")));

    // Libs.private must be all a static link needs.
    let libs = pkg_config(&["--static", "--libs"]).replace("-lwebsockets", "-l:libwebsockets.a");
    let stat = dir.join("install-user-static");
    check(
        "cc (static)",
        Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&stat)
            .arg(source())
            .args(cflags.split_whitespace())
            .args(libs.split_whitespace()),
    );
    run_installed(&stat, None);
}

/// A CMake project using the installed package the way upstream documents it.
const CMAKE_PROJECT: &str = r#"cmake_minimum_required(VERSION 3.13)
project(install_user C)

# Versions above ours (or a range excluding ours) are refused. Only our
# install is searched here: Debian's 4.1.6 package ignores ranges.
find_package(libwebsockets 5 CONFIG QUIET NO_DEFAULT_PATH PATHS ${CMAKE_PREFIX_PATH})
if(libwebsockets_FOUND)
  message(FATAL_ERROR "libwebsockets 5 accepted")
endif()
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  find_package(libwebsockets 4.0...<4.1 CONFIG QUIET NO_DEFAULT_PATH PATHS ${CMAKE_PREFIX_PATH})
  if(libwebsockets_FOUND)
    message(FATAL_ERROR "range 4.0...<4.1 accepted")
  endif()
  find_package(libwebsockets 4.1...<5 CONFIG QUIET NO_DEFAULT_PATH PATHS ${CMAKE_PREFIX_PATH})
  if(NOT libwebsockets_FOUND)
    message(FATAL_ERROR "range 4.1...<5 refused")
  endif()
endif()

find_package(libwebsockets 4.1 CONFIG REQUIRED)
message(STATUS "lws version ${libwebsockets_VERSION}")
message(STATUS "lws cmake dir ${LWS_CMAKE_DIR}")
message(STATUS "lws include dirs ${LIBWEBSOCKETS_INCLUDE_DIRS}")
message(STATUS "lws libraries ${LIBWEBSOCKETS_LIBRARIES}")
get_target_property(_so websockets_shared IMPORTED_LOCATION)
get_target_property(_a websockets IMPORTED_LOCATION)
message(STATUS "lws shared ${_so}")
message(STATUS "lws static ${_a}")

if(NOT CHECK_ONLY)
  add_executable(install-user-shared ${SOURCE})
  target_compile_options(install-user-shared PRIVATE -Wall -Wextra -Werror)
  target_link_libraries(install-user-shared websockets_shared)
  add_executable(install-user-static ${SOURCE})
  target_compile_options(install-user-static PRIVATE -Wall -Wextra -Werror)
  target_link_libraries(install-user-static websockets)
endif()
"#;

/// Configures (and unless `check_only`, builds) [`CMAKE_PROJECT`] in `dir`
/// against the package under `prefix`; returns the "lws ..." status lines.
fn cmake_project(dir: &Path, prefix: &Path, check_only: bool) -> Vec<String> {
    let src = dir.join("src");
    let build = dir.join("build");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("CMakeLists.txt"), CMAKE_PROJECT).unwrap();
    let mut cmd = Command::new("cmake");
    for v in MAKE_ENV {
        cmd.env_remove(v);
    }
    cmd.arg("-S")
        .arg(&src)
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .arg(format!("-DSOURCE={}", source().display()))
        .arg(format!(
            "-DCHECK_ONLY={}",
            if check_only { "ON" } else { "OFF" }
        ));
    let o = check("cmake configure", &mut cmd);
    if !check_only {
        let mut cmd = Command::new("cmake");
        for v in MAKE_ENV {
            cmd.env_remove(v);
        }
        check("cmake --build", cmd.arg("--build").arg(&build));
    }
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("-- lws "))
        .map(str::to_string)
        .collect()
}

#[test]
fn cmake_find_package_shared_and_static_targets() {
    if !have("cmake") {
        eprintln!("install: cmake is not installed; find_package(libwebsockets) not checked");
        return;
    }
    let dir = temp_dir("install-cmake");
    let lines = cmake_project(&dir, prefix(), false);
    let p = prefix().display().to_string();
    pretty_assertions::assert_eq!(
        lines,
        [
            "version 4.1.6".to_string(),
            format!("cmake dir {p}/lib/cmake/libwebsockets"),
            format!("include dirs {p}/include"),
            "libraries websockets;websockets_shared".to_string(),
            format!("shared {p}/lib/libwebsockets.so.17"),
            format!("static {p}/lib/libwebsockets.a"),
        ]
    );
    let build = dir.join("build");
    run_installed(
        &build.join("install-user-shared"),
        Some(&libdir().join("libwebsockets.so.17")),
    );
    run_installed(&build.join("install-user-static"), None);
}

#[test]
fn destdir_stages_under_prefix_and_uninstall_removes_it() {
    let stage = temp_dir("install-destdir");
    let vars = [
        format!("DESTDIR={}", stage.display()),
        "PREFIX=/opt/lws-rs-test".to_string(),
        "LIBDIR=/opt/lws-rs-test/lib/x86_64-linux-gnu".to_string(),
    ];
    let mut args = vec!["install-files".to_string()];
    args.extend(vars.iter().cloned());
    make(&args);

    let root = stage.join("opt/lws-rs-test");
    let lib = root.join("lib/x86_64-linux-gnu");
    let mut files = Vec::new();
    list_files(&stage, &stage, &mut files);
    files.sort();
    pretty_assertions::assert_eq!(
        files,
        [
            "opt/lws-rs-test/include/libwebsockets-legacy.h",
            "opt/lws-rs-test/include/libwebsockets.h",
            "opt/lws-rs-test/include/libwebsockets/lws-rs-prelude.h",
            "opt/lws-rs-test/include/libwebsockets/lws-rs-trailer.h",
            "opt/lws-rs-test/include/lws_config.h",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/cmake/libwebsockets/LibwebsocketsTargets.cmake",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/cmake/libwebsockets/libwebsockets-config-version.cmake",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/cmake/libwebsockets/libwebsockets-config.cmake",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/libwebsockets.a",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/libwebsockets.so",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/libwebsockets.so.17",
            "opt/lws-rs-test/lib/x86_64-linux-gnu/pkgconfig/libwebsockets.pc",
        ]
    );

    // The .pc names the final paths, not the staging area.
    let pc = fs::read_to_string(lib.join("pkgconfig/libwebsockets.pc")).unwrap();
    assert!(pc.contains("\nprefix=/opt/lws-rs-test\n"), "{pc}");
    assert!(
        pc.contains("\nlibdir=${prefix}/lib/x86_64-linux-gnu\n"),
        "{pc}"
    );
    assert!(pc.contains("\nincludedir=${prefix}/include\n"), "{pc}");
    assert!(!pc.contains(stage.to_str().unwrap()), "{pc}");

    // The CMake files find their library relative to themselves, so the
    // staged tree works where it lies.
    if have("cmake") {
        let lines = cmake_project(&temp_dir("install-relocated"), &root, true);
        let r = root.display().to_string();
        assert!(
            lines.contains(&format!(
                "shared {r}/lib/x86_64-linux-gnu/libwebsockets.so.17"
            )),
            "{lines:?}"
        );
        assert!(
            lines.contains(&format!("include dirs {r}/include")),
            "{lines:?}"
        );
    } else {
        eprintln!("install: cmake is not installed; relocated CMake files not checked");
    }

    let mut args = vec!["uninstall".to_string()];
    args.extend(vars.iter().cloned());
    make(&args);
    let mut left = Vec::new();
    list_files(&stage, &stage, &mut left);
    assert!(left.is_empty(), "left after uninstall: {left:?}");
    assert!(!lib.join("cmake/libwebsockets").exists());
    assert!(!root.join("include/libwebsockets").exists());
}

/// Files and symlinks under `dir`, as paths relative to `base`.
fn list_files(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            list_files(base, &e.path(), out);
        } else {
            out.push(e.path().strip_prefix(base).unwrap().display().to_string());
        }
    }
}
