//! lws_get_parent / lws_get_child on client connections, and a parent's
//! close taking its children with it.

mod common;

use common::{compile_c, our_lib_dir, repo, run_with_lib, start_example, Headers};

#[test]
fn parent_and_child_client_connections() {
    let (_srv, port) = start_example("echo-server", "echo-server-parent");
    let bin = compile_c(
        "client-parent",
        &[repo().join("c-tests/client-parent.c")],
        Headers::Ours,
        &[],
    );
    let out = run_with_lib(&bin, &our_lib_dir(), &[&port.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("parent_of_child=1 child_of_parent=1 parent_of_parent=1"),
        "{text}"
    );
    assert!(
        text.contains("closed child\nclosed parent\n"),
        "children close before their parent:\n{text}"
    );
    assert!(text.contains("done closed=2"), "{text}");
}
