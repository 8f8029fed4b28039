//! `lws_callback_on_writable()` from a thread other than the service
//! thread, which lws 4.1.6 allows with its poll loop and rtpengine relies
//! on: `c-tests/foreign-writable.c` asks for WRITEABLE from a worker thread
//! (then `lws_cancel_service()`; or answering `LWS_CALLBACK_GET_THREAD_ID`;
//! or between two `lws_service()` calls under locks) and each request must
//! send a message within a second, the same on Debian's library and ours.

mod common;

#[test]
fn writable_from_another_thread() {
    common::c_differential("foreign-writable", 3, |out| {
        for mode in ["cancel", "thread-id", "locked"] {
            assert!(
                out.contains(&format!("{mode}: client got msg 19\n{mode}: 20 rounds\n")),
                "{out}"
            );
        }
    });
}
