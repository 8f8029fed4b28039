//! lws_ring and lws_buflist (`c-tests/ring.c`): compiled against Debian's
//! header and run on Debian's library and on ours, and compiled against
//! our header and run on ours; all three outputs must be the same. The
//! program routes lws's log lines (ring dumps, buflist descriptions and
//! errors) to stdout with pointers masked, so they are compared too.

mod common;

use common::{compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_ok, Headers};

#[test]
fn ring_and_buflist_same_on_both_libraries() {
    let src = [repo().join("c-tests/ring.c")];
    let ours_bin = compile_c("ring-ours", &src, Headers::Ours, &[]);
    let ours = run_ok(&ours_bin, &our_lib_dir());
    // a few facts that hold whatever the oracle says
    assert!(ours.contains("insert 12: 7\n"), "{ours}");
    assert!(ours.contains("append hello: 1\n"), "{ours}");
    assert!(ours.contains("append world!: 0\n"), "{ours}");
    assert!(ours.contains("append 1024: -1\n"), "{ours}");
    assert!(ours.ends_with("done\n"), "{ours}");

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("ring: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("ring-debian", &src, Headers::Debian, &[]);
    let debian = run_ok(&deb_bin, &deb_lib);
    let ours_abi = run_ok(&deb_bin, &our_lib_dir());
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

/// Misuse that makes 4.1.6 crash, abort on an assert or loop forever is
/// refused here (logged, neutral return); called in-process through the
/// rlib, since Debian's library cannot be the oracle for these.
#[test]
fn misuse_is_refused() {
    use std::ffi::c_void;
    use std::ptr::{null, null_mut};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use websockets::capi::buflist::*;
    use websockets::capi::ring::*;

    static DESTROYED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count(_e: *mut c_void) {
        DESTROYED.fetch_add(1, Ordering::Relaxed);
    }

    // SAFETY: every pointer passed is NULL, a ring/list made here, or a
    // live local.
    unsafe {
        // a ring with no room at all: 4.1.6 divides by zero on first use
        assert!(lws_ring_create(0, 8, None).is_null());
        assert!(lws_ring_create(4, 0, None).is_null());
        assert!(lws_ring_create(1 << 20, 1 << 20, None).is_null());
        // NULL ring
        assert_eq!(lws_ring_get_count_free_elements(null_mut()), 0);
        assert_eq!(lws_ring_insert(null_mut(), b"x".as_ptr().cast(), 1), 0);
        assert_eq!(lws_ring_consume(null_mut(), null_mut(), null_mut(), 1), 0);
        assert!(lws_ring_get_element(null_mut(), null_mut()).is_null());
        lws_ring_destroy(null_mut());

        let r = lws_ring_create(4, 4, Some(count));
        assert!(!r.is_null());
        assert_eq!(lws_ring_insert(r, null(), 1), 0, "NULL src");
        let vals = [1u32, 2, 3];
        assert_eq!(lws_ring_insert(r, vals.as_ptr().cast(), 3), 3);
        // a tail beyond the buffer is not read from
        let mut far = 1000u32;
        assert!(lws_ring_get_element(r, &mut far).is_null());
        let mut out = [0u32; 3];
        assert_eq!(lws_ring_consume(r, &mut far, out.as_mut_ptr().cast(), 3), 0);
        // an oldest tail that element steps never reach: 4.1.6 spins
        // forever calling destroy_element; ignored here
        lws_ring_update_oldest_tail(r, 6);
        assert_eq!(lws_ring_get_oldest_tail(r), 0);
        assert_eq!(DESTROYED.load(Ordering::Relaxed), 0);
        lws_ring_update_oldest_tail(r, 8);
        assert_eq!(DESTROYED.load(Ordering::Relaxed), 2);
        // a head bumped off the element grid: destroy retires the whole
        // elements before it instead of spinning
        lws_ring_bump_head(r, 1);
        lws_ring_destroy(r);
        assert_eq!(DESTROYED.load(Ordering::Relaxed), 3);

        // buflist: what 4.1.6 asserts on
        let mut head: *mut lws_buflist = null_mut();
        assert_eq!(lws_buflist_append_segment(null_mut(), b"x".as_ptr(), 1), -1);
        assert_eq!(lws_buflist_append_segment(&mut head, null(), 1), -1);
        assert_eq!(lws_buflist_append_segment(&mut head, b"x".as_ptr(), 0), -1);
        assert!(head.is_null());
        assert_eq!(lws_buflist_use_segment(&mut head, 1), 0, "empty list");
        assert_eq!(lws_buflist_use_segment(null_mut(), 1), 0);
        assert_eq!(lws_buflist_append_segment(&mut head, b"abc".as_ptr(), 3), 1);
        assert_eq!(lws_buflist_append_segment(&mut head, b"de".as_ptr(), 2), 0);
        assert_eq!(
            lws_buflist_use_segment(&mut head, 0),
            3,
            "0 bytes: nothing used"
        );
        // more than the segment holds: the segment is used up, no more
        assert_eq!(lws_buflist_use_segment(&mut head, 10), 2);
        assert_eq!(lws_buflist_total_len(&mut head), 2);
        assert_eq!(lws_buflist_linear_copy(&mut head, 0, null_mut(), 4), -1);
        assert_eq!(lws_buflist_next_segment_len(null_mut(), null_mut()), 0);
        lws_buflist_describe(null_mut(), null_mut(), null());
        lws_buflist_destroy_all_segments(null_mut());
        lws_buflist_destroy_all_segments(&mut head);
        assert!(head.is_null());
    }
}
