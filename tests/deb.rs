//! `make deb`, the Debian packages that replace Debian's libwebsockets17 and
//! libwebsockets-dev. They are built from this test run's library
//! (`make deb NOBUILD=1`, as cargo must not run inside `cargo test`), their
//! control fields and contents are checked with `dpkg-deb`, and lintian
//! runs when it is installed. Then they are installed into scratch roots,
//! never into the machine (other tests use Debian's library as the oracle):
//! dpkg and apt get `--root`/`Dir` options and a database of their own, in
//! which stand-ins of Debian's two packages and of programs depending on
//! libwebsockets17 (as janus does) are installed first. `apt-get install
//! ./*.deb` must swap Debian's packages for ours and keep those programs,
//! the installed files must be this run's library, headers, pkg-config and
//! CMake files (a program built with them runs on the installed library),
//! and installing Debian's packages again must give them back.

mod common;

use common::{free_port, our_cdylib, profile_dir, repo, run_with_lib, temp_dir};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const RUNTIME: &str = "libwebsockets17-lws-rs";
const DEV: &str = "libwebsockets-lws-rs-dev";
const VERSION: &str = "4.1.6-lwsrs1";
/// Debian bookworm's packages, which ours replace.
const DEBIAN_VERSION: &str = "4.1.6-3";

/// Variables of the Makefile (and of the tools it runs) that must not leak
/// in from the environment.
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
    "DEBDIR",
    "DEB_VERSION",
    "DEB_ARCH",
    "DEB_MULTIARCH",
    "DEB_COMPRESS",
    "DEB_MAINTAINER",
    "DEBEMAIL",
    "DEBFULLNAME",
    "DEB_BUILD_OPTIONS",
    "SOURCE_DATE_EPOCH",
    "DPKG_SHLIBDEPS",
    "STRIP",
];

/// Environment that would point dpkg or apt elsewhere than the scratch root.
const DPKG_ENV: &[&str] = &[
    "DPKG_ROOT",
    "DPKG_ADMINDIR",
    "DPKG_FORCE",
    "DPKG_FRONTEND_LOCKED",
    "APT_CONFIG",
];

fn run(what: &str, cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"))
}

fn check(what: &str, cmd: &mut Command) -> Output {
    let o = run(what, cmd);
    assert!(
        o.status.success(),
        "{what} failed: {cmd:?}\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn arch() -> &'static str {
    static A: OnceLock<String> = OnceLock::new();
    A.get_or_init(|| {
        let o = check("dpkg", Command::new("dpkg").arg("--print-architecture"));
        stdout(&o).trim().to_string()
    })
}

/// The multiarch triplet, asked of the compiler (the Makefile asks
/// dpkg-architecture first; both must agree).
fn multiarch() -> &'static str {
    static M: OnceLock<String> = OnceLock::new();
    M.get_or_init(|| {
        let o = check("cc", Command::new("cc").arg("-print-multiarch"));
        stdout(&o).trim().to_string()
    })
}

fn libdir() -> String {
    format!("usr/lib/{}", multiarch())
}

struct Debs {
    runtime: PathBuf,
    dev: PathBuf,
    /// The library packaged: a copy, as cargo may rebuild the original
    /// while this test runs.
    library: PathBuf,
}

/// The two packages, built once per test binary from this run's library.
fn debs() -> &'static Debs {
    static D: OnceLock<Debs> = OnceLock::new();
    D.get_or_init(|| {
        let artifacts = temp_dir("deb-artifacts");
        let built = our_cdylib().parent().unwrap().to_path_buf();
        for f in ["libwebsockets.so", "libwebsockets.a"] {
            fs::copy(built.join(f), artifacts.join(f)).unwrap();
        }
        let dir = temp_dir("deb-out");
        let profile = profile_dir();
        let build = profile.file_name().unwrap().to_str().unwrap();
        let mut cmd = Command::new("make");
        for v in MAKE_ENV {
            cmd.env_remove(v);
        }
        cmd.arg("--no-print-directory")
            .arg("-C")
            .arg(repo())
            .args(["deb", "NOBUILD=1"])
            .arg(format!("BUILD={build}"))
            .arg(format!("ARTIFACTS={}", artifacts.display()))
            .arg(format!("DEBDIR={}", dir.display()))
            // xz would spend most of this test's time on the debug .a
            .arg("DEB_COMPRESS=gzip");
        check("make deb", &mut cmd);
        // 70 MB in a debug build; only the .so is compared later
        fs::remove_file(artifacts.join("libwebsockets.a")).unwrap();
        let a = arch();
        let debs = Debs {
            runtime: dir.join(format!("{RUNTIME}_{VERSION}_{a}.deb")),
            dev: dir.join(format!("{DEV}_{VERSION}_{a}.deb")),
            library: artifacts.join("libwebsockets.so"),
        };
        let mut built: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        built.sort();
        assert_eq!(
            built,
            [
                debs.dev.file_name().unwrap().to_str().unwrap(),
                debs.runtime.file_name().unwrap().to_str().unwrap(),
            ],
            "make deb left other files in DEBDIR"
        );
        debs
    })
}

fn field(deb: &Path, name: &str) -> String {
    let o = check(
        "dpkg-deb -f",
        Command::new("dpkg-deb").arg("-f").arg(deb).arg(name),
    );
    stdout(&o).trim().to_string()
}

/// "a (>= 1), b" as (name, Some(">= 1")), (name, None).
fn relations(field: &str) -> Vec<(String, Option<String>)> {
    field
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            assert!(!r.contains('|'), "alternatives in {field:?}");
            match r.split_once('(') {
                Some((name, rest)) => (
                    name.trim().to_string(),
                    Some(rest.trim_end_matches(')').trim().to_string()),
                ),
                None => (r.to_string(), None),
            }
        })
        .collect()
}

fn compare_versions(a: &str, op: &str, b: &str) -> bool {
    run(
        "dpkg --compare-versions",
        Command::new("dpkg").args(["--compare-versions", a, op, b]),
    )
    .status
    .success()
}

#[test]
fn control_fields() {
    let d = debs();
    let a = arch();
    for (deb, pkg, section) in [(&d.runtime, RUNTIME, "libs"), (&d.dev, DEV, "libdevel")] {
        assert_eq!(field(deb, "Package"), pkg);
        assert_eq!(field(deb, "Version"), VERSION);
        assert_eq!(field(deb, "Architecture"), a);
        assert_eq!(field(deb, "Multi-Arch"), "same");
        assert_eq!(field(deb, "Section"), section);
        assert_eq!(field(deb, "Priority"), "optional");
        assert!(!field(deb, "Maintainer").is_empty());
        assert!(!field(deb, "Description").is_empty());
        let size: u64 = field(deb, "Installed-Size").parse().unwrap();
        assert!(size > 0);
    }

    // Debian's names: provided with our version, so versioned dependencies
    // (janus: libwebsockets17 (>= 4.0.19)) hold; conflicting and replaced,
    // so installing ours removes Debian's and takes over its files.
    for (deb, theirs) in [
        (&d.runtime, "libwebsockets17"),
        (&d.dev, "libwebsockets-dev"),
    ] {
        assert_eq!(field(deb, "Provides"), format!("{theirs} (= {VERSION})"));
        assert_eq!(field(deb, "Conflicts"), theirs);
        assert_eq!(field(deb, "Replaces"), theirs);
    }
    // The version sorts above every Debian revision of 4.1.6 and below the
    // next upstream release.
    for older in [DEBIAN_VERSION, "4.1.6-3+deb12u1", "4.1.6-4", "4.1.6-10"] {
        assert!(
            compare_versions(VERSION, "gt", older),
            "{VERSION} > {older}"
        );
    }
    assert!(compare_versions(VERSION, "lt", "4.1.7-1"));

    // The runtime depends on the packages of what it is linked against,
    // with versions; the dev package on the runtime and OpenSSL's headers.
    let deps = relations(&field(&d.runtime, "Depends"));
    let names: Vec<&str> = deps.iter().map(|(n, _)| n.as_str()).collect();
    for needed in ["libc6", "libssl3"] {
        let (_, version) = deps
            .iter()
            .find(|(n, _)| n == needed)
            .unwrap_or_else(|| panic!("runtime Depends lacks {needed}: {deps:?}"));
        assert!(
            version.as_deref().is_some_and(|v| v.starts_with(">= ")),
            "{needed} {version:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.starts_with("libwebsockets")),
        "{names:?}"
    );
    assert_eq!(
        relations(&field(&d.dev, "Depends")),
        [
            (RUNTIME.to_string(), Some(format!("= {VERSION}"))),
            ("libssl-dev".to_string(), None),
        ]
    );

    // shlibs: programs built against ours depend on libwebsockets17 as with
    // Debian's package (which they then run on, too); ldconfig runs.
    let ctl = temp_dir("deb-control");
    check(
        "dpkg-deb -e",
        Command::new("dpkg-deb").arg("-e").arg(&d.runtime).arg(&ctl),
    );
    let mut members: Vec<String> = fs::read_dir(&ctl)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    members.sort();
    assert_eq!(members, ["control", "md5sums", "shlibs", "triggers"]);
    assert_eq!(
        fs::read_to_string(ctl.join("shlibs")).unwrap(),
        "libwebsockets 17 libwebsockets17 (>= 4.1.6)\n"
    );
    assert_eq!(
        fs::read_to_string(ctl.join("triggers")).unwrap(),
        "activate-noawait ldconfig\n"
    );
}

/// Without dpkg-shlibdeps, dist/deb/depends.sh derives the Depends from
/// the NEEDED entries and dpkg's database: the same packages.
#[test]
fn depends_without_dpkg_shlibdeps_names_the_same_packages() {
    let o = check(
        "depends.sh",
        Command::new("sh")
            .arg(repo().join("dist/deb/depends.sh"))
            .arg(&debs().library)
            .env("DPKG_SHLIBDEPS", ""),
    );
    let fallback = relations(stdout(&o).trim());
    let packaged = relations(&field(&debs().runtime, "Depends"));
    let names =
        |r: &[(String, Option<String>)]| r.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fallback), names(&packaged));
    // Each from the library's shlibs file: its installed version, at least
    // what dpkg-shlibdeps computed from the symbols used.
    for ((name, got), (_, want)) in fallback.iter().zip(&packaged) {
        if let (Some(got), Some(want)) = (got, want) {
            let (g, w) = (
                got.trim_start_matches(">= "),
                want.trim_start_matches(">= "),
            );
            assert!(compare_versions(g, "ge", w), "{name}: {got} < {want}");
        }
    }
}

/// One entry of `dpkg-deb -c`: mode, owner, path, link target.
#[derive(Debug, PartialEq)]
struct Entry {
    mode: String,
    owner: String,
    path: String,
    link: Option<String>,
}

fn contents(deb: &Path) -> Vec<Entry> {
    let o = check("dpkg-deb -c", Command::new("dpkg-deb").arg("-c").arg(deb));
    stdout(&o)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Entry {
                mode: f[0].to_string(),
                owner: f[1].to_string(),
                path: f[5].trim_start_matches("./").to_string(),
                link: (f.get(6) == Some(&"->")).then(|| f[7].to_string()),
            }
        })
        .collect()
}

/// The headers make install installs: include/ as it is in the tree.
fn headers() -> Vec<String> {
    let mut out = Vec::new();
    let inc = repo().join("include");
    for dir in [inc.clone(), inc.join("libwebsockets")] {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "h") {
                out.push(format!(
                    "usr/include/{}",
                    p.strip_prefix(&inc).unwrap().display()
                ));
            }
        }
    }
    out
}

#[test]
fn package_contents() {
    let d = debs();
    let lib = libdir();
    for (deb, pkg, mut want) in [
        (
            &d.runtime,
            RUNTIME,
            vec![
                format!("{lib}/libwebsockets.so.17"),
                format!("usr/share/lintian/overrides/{RUNTIME}"),
            ],
        ),
        (&d.dev, DEV, {
            let mut v = headers();
            v.extend(
                [
                    "cmake/libwebsockets/LibwebsocketsTargets.cmake",
                    "cmake/libwebsockets/libwebsockets-config-version.cmake",
                    "cmake/libwebsockets/libwebsockets-config.cmake",
                    "libwebsockets.a",
                    "libwebsockets.so",
                    "pkgconfig/libwebsockets.pc",
                ]
                .map(|f| format!("{lib}/{f}")),
            );
            v
        }),
    ] {
        want.push(format!("usr/share/doc/{pkg}/changelog.Debian.gz"));
        want.push(format!("usr/share/doc/{pkg}/copyright"));
        want.sort();
        let entries = contents(deb);
        let mut files: Vec<String> = entries
            .iter()
            .filter(|e| !e.mode.starts_with('d'))
            .map(|e| e.path.clone())
            .collect();
        files.sort();
        pretty_assertions::assert_eq!(files, want, "{pkg}");
        for e in &entries {
            assert_eq!(e.owner, "root/root", "{e:?}");
            let mode = match e.mode.as_bytes()[0] {
                b'd' => "drwxr-xr-x",
                b'l' => "lrwxrwxrwx",
                // shared library included: Debian's are not executable
                _ => "-rw-r--r--",
            };
            assert_eq!(e.mode, mode, "{e:?}");
        }
        if pkg == DEV {
            let link = entries
                .iter()
                .find(|e| e.path == format!("{lib}/libwebsockets.so"))
                .unwrap();
            assert_eq!(link.link.as_deref(), Some("libwebsockets.so.17"));
        }
    }
}

#[test]
fn lintian_finds_no_warnings() {
    if !have("lintian") {
        eprintln!("deb: lintian is not installed; not run");
        return;
    }
    let d = debs();
    check(
        "lintian",
        Command::new("lintian")
            .args(["--fail-on", "error,warning"])
            .arg(&d.runtime)
            .arg(&d.dev),
    );
}

/// A scratch root with its own dpkg database and apt configuration: the
/// machine's packages are never touched.
struct Root {
    dir: PathBuf,
    apt_conf: PathBuf,
}

impl Root {
    fn new(tag: &str) -> Root {
        let base = temp_dir(tag);
        let dir = base.join("root");
        assert!(
            dir.is_absolute() && dir.starts_with(profile_dir()),
            "{}",
            dir.display()
        );
        for d in [
            "var/lib/dpkg/info",
            "var/lib/dpkg/updates",
            "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial",
            "var/log/apt",
            "etc/apt/apt.conf.d",
            "etc/apt/preferences.d",
            "etc/apt/sources.list.d",
        ] {
            fs::create_dir_all(dir.join(d)).unwrap();
        }
        fs::write(dir.join("var/lib/dpkg/status"), "").unwrap();
        fs::write(dir.join("etc/apt/sources.list"), "").unwrap();
        let r = dir.display();
        // APT_CONFIG is read before anything else, so Dir moves every apt
        // path (apt.conf.d included) into the root; dpkg gets --root.
        let apt_conf = base.join("apt.conf");
        fs::write(
            &apt_conf,
            format!(
                "Dir \"{r}/\";\n\
                 Dir::State::status \"{r}/var/lib/dpkg/status\";\n\
                 Dir::Bin::dpkg \"/usr/bin/dpkg\";\n\
                 DPkg::Options {{ \"--root={r}\"; \"--force-not-root\"; \
                 \"--log={r}/var/log/dpkg.log\"; \"--path-include=*\"; }};\n\
                 DPkg::Use-Pty \"false\";\n\
                 APT::Architecture \"{a}\";\n\
                 APT::Sandbox::User \"root\";\n",
                a = arch()
            ),
        )
        .unwrap();
        Root { dir, apt_conf }
    }

    fn admindir(&self) -> PathBuf {
        self.dir.join("var/lib/dpkg")
    }

    fn dpkg(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("dpkg");
        for v in DPKG_ENV {
            cmd.env_remove(v);
        }
        cmd.arg(format!("--root={}", self.dir.display()))
            .arg("--force-not-root")
            .arg(format!(
                "--log={}",
                self.dir.join("var/log/dpkg.log").display()
            ))
            // the machine's dpkg.cfg.d may exclude documentation
            .arg("--path-include=*")
            .args(args);
        check("dpkg", &mut cmd)
    }

    /// `apt-get -y install <debs>`, as a user would install ours.
    fn apt_install(&self, debs: &[&Path]) -> String {
        let mut cmd = Command::new("apt-get");
        for v in DPKG_ENV {
            cmd.env_remove(v);
        }
        cmd.env("APT_CONFIG", &self.apt_conf)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["-y", "install"])
            .args(debs);
        stdout(&check("apt-get install", &mut cmd))
    }

    /// Package -> (version, status abbreviation) of the root's database.
    fn packages(&self) -> BTreeMap<String, (String, String)> {
        let o = check(
            "dpkg-query",
            Command::new("dpkg-query")
                .arg(format!("--admindir={}", self.admindir().display()))
                .args(["-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\n"]),
        );
        stdout(&o)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 3).then(|| (f[0].to_string(), (f[1].to_string(), f[2].to_string())))
            })
            .collect()
    }

    fn installed(&self) -> Vec<String> {
        self.packages()
            .into_iter()
            .filter(|(_, (_, s))| s == "ii")
            .map(|(p, (v, _))| format!("{p} {v}"))
            .collect()
    }

    fn owner(&self, path: &str) -> String {
        let o = self.dpkg(&["-S", &format!("/{path}")]);
        stdout(&o).split(':').next().unwrap().to_string()
    }
}

/// A package built on the spot: control fields and (path, content) files.
fn stand_in(
    dir: &Path,
    name: &str,
    version: &str,
    depends: &str,
    files: &[(String, &str)],
) -> PathBuf {
    let root = dir.join(name);
    fs::create_dir_all(root.join("DEBIAN")).unwrap();
    let mut control = format!(
        "Package: {name}\nVersion: {version}\nArchitecture: {}\nMulti-Arch: same\n\
         Maintainer: lws-rs tests <tests@lws-rs.invalid>\n",
        arch()
    );
    if !depends.is_empty() {
        control.push_str(&format!("Depends: {depends}\n"));
    }
    control.push_str(&format!("Description: {STAND_IN}\n"));
    fs::write(root.join("DEBIAN/control"), control).unwrap();
    for (path, content) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    let deb = dir.join(format!("{name}.deb"));
    check(
        "dpkg-deb --build",
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Znone", "--build"])
            .arg(&root)
            .arg(&deb),
    );
    deb
}

/// The description of every stand-in package.
const STAND_IN: &str = "stand-in for tests/deb.rs";
/// What Debian's libwebsockets17 holds in the stand-in.
const DEBIANS_LIBRARY: &str = "Debian's libwebsockets.so.17 (stand-in)\n";
/// Programs of Debian that depend on libwebsockets17, with janus's relation
/// and the one Debian's shlibs gives programs built against 4.1.6.
const CONSUMERS: &[(&str, &str)] = &[
    ("janus-stand-in", "libwebsockets17 (>= 4.0.19)"),
    ("shlibs-stand-in", "libwebsockets17 (>= 4.1.6)"),
];

/// Debian's two packages as stand-ins (same names, version and paths).
fn debian_packages(dir: &Path) -> [PathBuf; 2] {
    let lib = libdir();
    [
        stand_in(
            dir,
            "libwebsockets17",
            DEBIAN_VERSION,
            "",
            &[(format!("{lib}/libwebsockets.so.17"), DEBIANS_LIBRARY)],
        ),
        stand_in(
            dir,
            "libwebsockets-dev",
            DEBIAN_VERSION,
            &format!("libwebsockets17 (= {DEBIAN_VERSION})"),
            &[
                (
                    "usr/include/libwebsockets.h".to_string(),
                    "/* Debian's */\n",
                ),
                (format!("{lib}/pkgconfig/libwebsockets.pc"), "# Debian's\n"),
            ],
        ),
    ]
}

/// A root where Debian's packages, what ours depend on (at the lowest
/// version our Depends allow) and the consumers are installed.
fn root_with_debians_packages(tag: &str) -> (Root, [PathBuf; 2]) {
    let root = Root::new(tag);
    let pkgs = root.dir.parent().unwrap().join("stand-ins");
    fs::create_dir_all(&pkgs).unwrap();
    let d = debs();
    let mut debs: Vec<PathBuf> = Vec::new();
    for deb in [&d.runtime, &d.dev] {
        for (name, version) in relations(&field(deb, "Depends")) {
            if name == RUNTIME {
                continue;
            }
            let version = match version.as_deref() {
                Some(v) => v
                    .strip_prefix(">= ")
                    .expect("only >= relations")
                    .to_string(),
                None => "1.0".to_string(),
            };
            debs.push(stand_in(&pkgs, &name, &version, "", &[]));
        }
    }
    let debian = debian_packages(&pkgs);
    debs.extend(debian.iter().cloned());
    for (name, depends) in CONSUMERS {
        debs.push(stand_in(&pkgs, name, "1.0", depends, &[]));
    }
    let mut args = vec!["-i"];
    args.extend(debs.iter().map(|p| p.to_str().unwrap()));
    root.dpkg(&args);
    let installed = root.installed();
    for want in [
        format!("libwebsockets17 {DEBIAN_VERSION}"),
        format!("libwebsockets-dev {DEBIAN_VERSION}"),
    ] {
        assert!(installed.contains(&want), "{want} in {installed:?}");
    }
    (root, debian)
}

fn assert_consumers_kept(root: &Root) {
    let installed = root.installed();
    for (name, _) in CONSUMERS {
        assert!(
            installed.contains(&format!("{name} 1.0")),
            "{name} removed: {installed:?}"
        );
    }
    let audit = root.dpkg(&["--audit"]);
    assert!(stdout(&audit).trim().is_empty(), "{}", stdout(&audit));
}

/// Ours installed with apt over Debian's, once per test binary.
fn installed_root() -> &'static Root {
    static R: OnceLock<Root> = OnceLock::new();
    R.get_or_init(|| {
        let (root, _) = root_with_debians_packages("deb-apt");
        let d = debs();
        root.apt_install(&[&d.runtime, &d.dev]);
        root
    })
}

#[test]
fn apt_replaces_debians_packages_and_keeps_their_users() {
    let root = installed_root();
    let installed = root.installed();
    assert!(
        installed.contains(&format!("{RUNTIME} {VERSION}")),
        "{installed:?}"
    );
    assert!(
        installed.contains(&format!("{DEV} {VERSION}")),
        "{installed:?}"
    );
    assert!(
        !installed
            .iter()
            .any(|p| p.starts_with("libwebsockets17 ") || p.starts_with("libwebsockets-dev ")),
        "Debian's packages still installed: {installed:?}"
    );
    assert_consumers_kept(root);

    let lib = libdir();
    assert_eq!(root.owner(&format!("{lib}/libwebsockets.so.17")), RUNTIME);
    assert_eq!(root.owner("usr/include/libwebsockets.h"), DEV);
    assert_eq!(
        root.owner(&format!("{lib}/pkgconfig/libwebsockets.pc")),
        DEV
    );
    // Every file matches its package's md5sums.
    let verify = root.dpkg(&["--verify", RUNTIME, DEV]);
    assert!(stdout(&verify).is_empty(), "{}", stdout(&verify));
    // The machine's own database never saw any of this.
    let status = fs::read_to_string("/var/lib/dpkg/status").unwrap_or_default();
    assert!(!status.contains(STAND_IN), "a stand-in reached the machine");
}

/// `readelf args file` output.
fn readelf(args: &[&str], file: &Path) -> String {
    stdout(&check(
        "readelf",
        Command::new("readelf").args(args).arg(file),
    ))
}

fn build_id(file: &Path) -> String {
    readelf(&["-n"], file)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: ").map(str::to_string))
        .unwrap_or_else(|| panic!("no build ID in {}", file.display()))
}

fn dynamic_symbols(file: &Path) -> Vec<String> {
    let o = check(
        "nm -D",
        Command::new("nm")
            .args(["-D", "--defined-only", "--format=posix"])
            .arg(file),
    );
    stdout(&o)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn installed_library_is_this_build_stripped() {
    let so = installed_root()
        .dir
        .join(libdir())
        .join("libwebsockets.so.17");
    let built = &debs().library;
    assert_eq!(build_id(&so), build_id(built), "build ID");
    assert_eq!(dynamic_symbols(&so), dynamic_symbols(built), "exports");
    assert!(
        readelf(&["-d"], &so).contains("Library soname: [libwebsockets.so.17]"),
        "soname"
    );
    assert!(
        !readelf(&["-S", "-W"], &so).contains(".debug_info"),
        "debug info left in the packaged library"
    );
}

/// `pkg-config args... libwebsockets` on the root's .pc file.
fn pkg_config(root: &Root, sysroot: bool, args: &[&str]) -> String {
    let mut cmd = Command::new("pkg-config");
    cmd.env(
        "PKG_CONFIG_LIBDIR",
        root.dir.join(libdir()).join("pkgconfig"),
    )
    .env_remove("PKG_CONFIG_PATH")
    .env("PKG_CONFIG_ALLOW_SYSTEM_CFLAGS", "1")
    .env("PKG_CONFIG_ALLOW_SYSTEM_LIBS", "1");
    if sysroot {
        cmd.env("PKG_CONFIG_SYSROOT_DIR", &root.dir);
    } else {
        cmd.env_remove("PKG_CONFIG_SYSROOT_DIR");
    }
    let o = check("pkg-config", cmd.args(args).arg("libwebsockets"));
    stdout(&o).trim().to_string()
}

/// What c-tests/install-user.c prints when it loaded `loaded`.
fn expected_output(loaded: &Path) -> String {
    format!(
        "version: 4.1.6-lws-rs\n\
         log: hello from install-user\n\
         vhost: install-user\n\
         listening: 1\n\
         server: request /install-check\n\
         client: HTTP/1.1 200 OK\n\
         loaded: {}\n\
         destroyed\n",
        fs::canonicalize(loaded).unwrap().display()
    )
}

#[test]
fn installed_development_files_build_a_program() {
    let root = installed_root();
    let lib = libdir();
    for h in headers() {
        let rel = h.strip_prefix("usr/include/").unwrap();
        assert_eq!(
            fs::read(root.dir.join(&h)).unwrap(),
            fs::read(repo().join("include").join(rel)).unwrap(),
            "{h}"
        );
    }
    assert_eq!(
        fs::read_link(root.dir.join(&lib).join("libwebsockets.so")).unwrap(),
        Path::new("libwebsockets.so.17")
    );

    // The .pc names the installed paths; with a sysroot it points into ours.
    assert_eq!(pkg_config(root, false, &["--modversion"]), "4.1.6");
    assert_eq!(pkg_config(root, false, &["--variable=prefix"]), "/usr");
    assert_eq!(
        pkg_config(root, false, &["--variable=libdir"]),
        format!("/{lib}")
    );
    let r = root.dir.display();
    assert_eq!(
        pkg_config(root, true, &["--cflags", "--libs"]),
        format!("-I{r}/usr/include -L{r}/{lib} -lwebsockets")
    );

    let dir = temp_dir("deb-user");
    let bin = dir.join("install-user");
    let cflags = pkg_config(root, true, &["--cflags"]);
    let libs = pkg_config(root, true, &["--libs"]);
    check(
        "cc",
        Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&bin)
            .arg(repo().join("c-tests/install-user.c"))
            .args(cflags.split_whitespace())
            .args(libs.split_whitespace()),
    );
    let libdir = root.dir.join(&lib);
    let port = free_port().to_string();
    let out = run_with_lib(&bin, &libdir, &[&port]);
    assert!(
        out.status.success(),
        "install-user failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pretty_assertions::assert_eq!(
        stdout(&out),
        expected_output(&libdir.join("libwebsockets.so.17"))
    );

    if !have("cmake") {
        eprintln!("deb: cmake is not installed; find_package(libwebsockets) not checked");
        return;
    }
    let src = dir.join("cmake-src");
    fs::create_dir_all(&src).unwrap();
    fs::write(
        src.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.13)\n\
         project(deb_user C)\n\
         find_package(libwebsockets 4.1 CONFIG REQUIRED NO_DEFAULT_PATH PATHS ${CMAKE_PREFIX_PATH})\n\
         get_target_property(_so websockets_shared IMPORTED_LOCATION)\n\
         message(STATUS \"lws shared ${_so}\")\n\
         message(STATUS \"lws include dirs ${LIBWEBSOCKETS_INCLUDE_DIRS}\")\n",
    )
    .unwrap();
    let mut cmd = Command::new("cmake");
    for v in MAKE_ENV {
        cmd.env_remove(v);
    }
    let o = check(
        "cmake",
        cmd.arg("-S")
            .arg(&src)
            .arg("-B")
            .arg(dir.join("cmake-build"))
            .arg(format!("-DCMAKE_PREFIX_PATH={r}/usr")),
    );
    let lines: Vec<String> = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("-- lws "))
        .map(str::to_string)
        .collect();
    pretty_assertions::assert_eq!(
        lines,
        [
            format!("shared {r}/{lib}/libwebsockets.so.17"),
            format!("include dirs {r}/usr/include"),
        ]
    );
}

/// README's way back: installing Debian's packages again removes ours.
#[test]
fn installing_debians_packages_again_restores_them() {
    let (root, debian) = root_with_debians_packages("deb-restore");
    let d = debs();
    root.apt_install(&[&d.runtime, &d.dev]);
    root.apt_install(&[&debian[0], &debian[1]]);

    let installed = root.installed();
    assert!(
        installed.contains(&format!("libwebsockets17 {DEBIAN_VERSION}"))
            && installed.contains(&format!("libwebsockets-dev {DEBIAN_VERSION}")),
        "{installed:?}"
    );
    assert!(
        !installed.iter().any(|p| p.contains("lws-rs")),
        "ours still installed: {installed:?}"
    );
    assert_consumers_kept(&root);
    let lib = libdir();
    assert_eq!(
        fs::read_to_string(root.dir.join(&lib).join("libwebsockets.so.17")).unwrap(),
        DEBIANS_LIBRARY
    );
    assert_eq!(
        root.owner(&format!("{lib}/libwebsockets.so.17")),
        "libwebsockets17"
    );
    // Nothing of ours is left behind.
    for gone in [
        "usr/include/libwebsockets-legacy.h".to_string(),
        format!("{lib}/libwebsockets.a"),
        format!("usr/share/doc/{RUNTIME}"),
        format!("usr/share/lintian/overrides/{RUNTIME}"),
    ] {
        assert!(!root.dir.join(&gone).exists(), "{gone} left");
    }
}
