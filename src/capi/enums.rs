//! lws 4.1.6's public enums and option bits, with Debian's values.
