//! Connections, vhosts, the event loop.
