//! State managers (`c-tests/system-state.c`): the context's system state
//! reaches OPERATIONAL through the program's notifiers and sends its
//! lws_smd messages; a program's own manager with a vetoing notifier.
//! Built against Debian's header and run on Debian's library and on ours,
//! and built against our header; all outputs must be the same.

mod common;

#[test]
fn system_state_same_on_both_libraries() {
    common::c_differential("system-state", 0, |ours| {
        for want in [
            "system: name=system state=1 (CONTEXT_CREATED) context-ok=1",
            "app: system 11 -> 12 (state 11)\napp: system 12 -> 12 (state 12)\n",
            "system now OPERATIONAL",
            "smd class=2 {\"state\":\"OPERATIONAL\"}",
            "veto: vetoes 1 -> 2\nown after veto: 1",
            "own after retry: 3",
            "own direct: 0 count=1",
        ] {
            assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
        }
        assert!(ours.ends_with("done\n"), "{ours}");
    });
}
