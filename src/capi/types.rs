//! `#[repr(C)]` mirrors of lws 4.1.6's public structs.
