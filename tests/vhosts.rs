//! Vhosts and the protocol API (`c-tests/vhosts.c`): explicit vhosts on
//! their own ports and sharing one (chosen by the Host header), per-vhost
//! options and private data, the vhosts' protocol table copies, the
//! callbacks that reach every connection of a protocol or vhost,
//! lws_set_wsi_user, lws_adjust_protocol_psds, rx flow control and
//! lws_vhost_destroy. Built against Debian's header and run on Debian's
//! library and on ours, and built against our header; all outputs must be
//! the same. The "live" run, which destroys vhosts that still have
//! connections, runs on ours only: 4.1.6 never finishes that.

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, repo, run_with_lib,
    Headers,
};
use std::path::Path;

fn run(bin: &Path, lib: &Path, extra: &[&str]) -> String {
    let ports: Vec<String> = (0..3).map(|_| free_port().to_string()).collect();
    let mut args: Vec<&str> = ports.iter().map(String::as_str).collect();
    args.extend_from_slice(extra);
    let out = run_with_lib(bin, lib, &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} on {} failed ({:?}): {}\n{stdout}",
        bin.display(),
        lib.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn vhosts_same_on_both_libraries() {
    let src = [repo().join("c-tests/vhosts.c")];
    let ours_bin = compile_c("vhosts-ours", &src, Headers::Ours, &[]);
    let ours = run(&ours_bin, &our_lib_dir(), &[]);
    for want in [
        "chat init on vhb pvo=1 greeting=hello-b(0) limit=none(1) search-missing-null=1\n  priv-same=1",
        "vhost cli port=-1",
        "allow all: got while off=0\n",
        "srv vhb chat #0 recv hi user-is-ext=1\n",
        "  adjusted user-ok=1 psds=32\n",
        "srv vha quiet established user-null=1 psds=0\n",
        "srv vhb quiet established user-null=0 psds=32\n",
        "srv vhs2 chat #1 established greeting=hello-s2",
        "srv vhs1 chat #1 established greeting=hello-s1",
        "on_writable_all vha with vhb's chat -> -1\n",
        "destroy vhs4\nhttp destroy on vhs4\nchat destroy on vhs4 conns=0\nfinalize vhs4 arg-ok=1\ndestroyed vhs4: by_name-null=1\n",
        // from inside a callback, an empty vhost still goes at once
        "destroy vhs2 (in a callback)\nhttp destroy on vhs2\nchat destroy on vhs2 conns=2\nfinalize vhs2 arg-ok=1\ndestroyed vhs2: by_name-null=1\n",
        "srv vhs1 chat #2 established",
    ] {
        assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
    }
    assert!(
        ours.ends_with("cli destroy on cli\nfinalize cli arg-ok=1\ndone\n"),
        "{ours}"
    );

    // destroying vhosts with live connections: they close, then the
    // protocols are destroyed, and the shared listener passes on
    let live = run(&ours_bin, &our_lib_dir(), &["live"]);
    for want in [
        "destroy vhb (live)\n",
        "http destroy on vhb\nchat destroy on vhb conns=1\nquiet destroy on vhb\nfinalize vhb arg-ok=1\ndestroyed vhb: by_name-null=1\n",
        "closed: 2\n  cli b-chat closed\n  srv vhb chat #0 closed\n",
        "cli b-gone connection error\n",
        "destroy vhs1 (live)\n",
        "closed: 6\n  cli s-other closed\n  cli s-vhs1 closed\n  cli s-vhs2-again closed\n  srv vhs1 chat #0 closed\n  srv vhs1 chat #1 closed\n  srv vhs1 chat #2 closed\n",
        "srv vhs3 chat #0 established greeting=hello-s3",
    ] {
        assert!(live.contains(want), "missing {want:?} in:\n{live}");
    }
    assert!(
        live.ends_with("cli destroy on cli\nfinalize cli arg-ok=1\ndone\n"),
        "{live}"
    );

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("vhosts: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("vhosts-debian", &src, Headers::Debian, &[]);
    let debian = run(&deb_bin, &deb_lib, &[]);
    let ours_abi = run(&deb_bin, &our_lib_dir(), &[]);
    pretty_assertions::assert_eq!(
        debian,
        ours_abi,
        "Debian's library (left) vs ours (right), same binary"
    );
    pretty_assertions::assert_eq!(
        debian,
        ours,
        "built against Debian's header (left) vs ours (right)"
    );
}
